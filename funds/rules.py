"""Pure rules of the funds app (no ORM): financing shares, fund rules, phases, version diffs.

The application page, the API and the decision all call these same functions, on top of the
shared CERFA 12156 grid (``backoffice.core.budget``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from itertools import combinations

from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backoffice.core.budget import BudgetLine, budget_totals
from backoffice.core.money import format_eur

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
SHARE_PLACES = Decimal("0.0001")
MAX_QUESTIONS = 5
SUMMARY_MAX_CHARS = 1500

# Phase order of a call; the vote exists only for participatory budgets.
PHASE_ORDER = ["draft", "open", "review", "vote", "decision", "results", "closed"]


@dataclass(frozen=True)
class FundRules:
    """A fund's financing rules. Shares are fractions in [0, 1]; None = no ceiling.

    No general law caps public aid to associations (DOMAIN §4): each funder sets its own.
    """

    max_authority_share: Decimal = Decimal("1")
    min_self_financing_share: Decimal = Decimal("0")
    max_public_share: Decimal | None = None
    volunteering_counts: bool = True
    in_kind_counts: bool = True
    min_amount: Decimal = ZERO
    max_amount: Decimal | None = None


@dataclass(frozen=True)
class Shares:
    total_cost: Decimal               # charges + 86, the basis of every share
    this_authority: Decimal           # 74 lines asked from this authority
    public: Decimal                   # all public 74 lines
    self_financing: Decimal           # own resources + what the fund lets count from 87
    self_financing_cash: Decimal      # own resources only (70, 73, 75–78)
    volunteering: Decimal             # valued volunteering (864)
    authority_share: Decimal
    public_share: Decimal
    self_financing_share: Decimal                 # as the fund counts it
    self_financing_share_with_in_kind: Decimal    # valued volunteering and in-kind included
    self_financing_share_without_in_kind: Decimal  # cash only


@dataclass(frozen=True)
class RuleCheck:
    code: str
    label: str
    ok: bool
    message: str = ""


def _share(part: Decimal, whole: Decimal) -> Decimal:
    if whole <= 0:
        return Decimal("0.0000")
    return (part / whole).quantize(SHARE_PLACES, rounding=ROUND_HALF_UP)


def compute_shares(lines: Iterable[BudgetLine], *, volunteering_counts: bool = True,
                   in_kind_counts: bool = True) -> Shares:
    """Financing shares of a project budget.

    Invariant: for non-negative amounts every share lies in [0, 1] — the basis is the larger of
    total cost and total resources, so even an unbalanced draft never shows more than 100 %.
    """
    totals = budget_totals(lines)
    basis = max(totals.total_cost, totals.total_resources)
    # 864 is valued volunteering on the charges side; its 87x counterpart is part of the
    # in-kind resources, which always equal the in-kind charges in a balanced budget.
    volunteering = min(totals.volunteering, totals.in_kind_resources)
    other_in_kind = totals.in_kind_resources - volunteering
    counted = totals.own_resources
    if volunteering_counts:
        counted += volunteering
    if in_kind_counts:
        counted += other_in_kind
    return Shares(
        total_cost=totals.total_cost,
        this_authority=totals.this_authority,
        public=totals.public,
        self_financing=counted,
        self_financing_cash=totals.own_resources,
        volunteering=totals.volunteering,
        authority_share=_share(totals.this_authority, basis),
        public_share=_share(totals.public, basis),
        self_financing_share=_share(counted, basis),
        self_financing_share_with_in_kind=_share(totals.own_resources + totals.in_kind_resources,
                                                  basis),
        self_financing_share_without_in_kind=_share(totals.own_resources, basis),
    )


def percent(share: Decimal) -> str:
    """0.8 → '80 %' (French notation, one decimal when needed)."""
    value = (share * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    text = f"{value:.1f}".replace(".", ",").removesuffix(",0")
    return f"{text}\u00a0%"


def rule_checks(lines: Iterable[BudgetLine], *, amount_requested: Decimal,
                rules: FundRules) -> list[RuleCheck]:
    """Every fund rule checked against a budget and an amount, with a French explanation.

    Invariant: a check fails only with a non-empty message saying which limit is exceeded.
    """
    lines = list(lines)
    shares = compute_shares(lines, volunteering_counts=rules.volunteering_counts,
                            in_kind_counts=rules.in_kind_counts)
    checks: list[RuleCheck] = []

    ok = amount_requested >= rules.min_amount and (
        rules.max_amount is None or amount_requested <= rules.max_amount)
    message = ""
    if amount_requested < rules.min_amount:
        message = _("Le montant demandé (%(amount)s) est inférieur au minimum du fonds "
                    "(%(limit)s).") % {"amount": format_eur(amount_requested),
                                       "limit": format_eur(rules.min_amount)}
    elif not ok:
        message = _("Le montant demandé (%(amount)s) dépasse le maximum du fonds "
                    "(%(limit)s).") % {"amount": format_eur(amount_requested),
                                       "limit": format_eur(rules.max_amount)}
    checks.append(RuleCheck("amount", _("Montant dans les limites du fonds"), ok, message))

    ok = shares.this_authority == amount_requested
    checks.append(RuleCheck(
        "amount_in_budget", _("Montant demandé inscrit au budget (compte 74)"), ok,
        "" if ok else _("Le budget prévoit %(budget)s de la collectivité alors que vous "
                        "demandez %(amount)s : les deux doivent être égaux.")
        % {"budget": format_eur(shares.this_authority), "amount": format_eur(amount_requested)}))

    ok = shares.authority_share <= rules.max_authority_share
    checks.append(RuleCheck(
        "authority_share", _("Part de la collectivité"), ok,
        "" if ok else _("La collectivité financerait %(share)s du coût du projet ; ce fonds en "
                        "finance au plus %(limit)s. Réduisez le montant demandé ou ajoutez "
                        "d'autres ressources.")
        % {"share": percent(shares.authority_share), "limit": percent(rules.max_authority_share)}))

    if rules.max_public_share is not None:
        ok = shares.public_share <= rules.max_public_share
        checks.append(RuleCheck(
            "public_share", _("Part des financements publics"), ok,
            "" if ok else _("Les aides publiques couvriraient %(share)s du projet ; ce fonds "
                            "exige au plus %(limit)s d'aides publiques cumulées.")
            % {"share": percent(shares.public_share), "limit": percent(rules.max_public_share)}))

    ok = shares.self_financing_share >= rules.min_self_financing_share
    if rules.volunteering_counts and rules.in_kind_counts:
        counted = _("bénévolat valorisé et contributions en nature compris")
    elif rules.volunteering_counts:
        counted = _("bénévolat valorisé compris, autres contributions en nature exclues")
    else:
        counted = _("sans le bénévolat valorisé ni les contributions en nature")
    checks.append(RuleCheck(
        "self_financing", _("Part d'autofinancement"), ok,
        "" if ok else _("L'autofinancement atteint %(share)s (%(counted)s) ; ce fonds demande au "
                        "moins %(limit)s.")
        % {"share": percent(shares.self_financing_share), "counted": counted,
           "limit": percent(rules.min_self_financing_share)}))
    return checks


def rule_errors(lines: Iterable[BudgetLine], *, amount_requested: Decimal,
                rules: FundRules) -> list[str]:
    """The French messages of the failing fund rules (empty = the request fits the fund)."""
    return [c.message for c in rule_checks(lines, amount_requested=amount_requested, rules=rules)
            if not c.ok]


def planned_volunteering_value(hours: Decimal, rate: Decimal) -> Decimal:
    """Valued volunteering (règlement ANC 2018-06): hours × hourly rate, rounded to the cent."""
    if hours < 0 or rate < 0:
        raise ValueError("Heures et taux doivent être positifs.")
    return (Decimal(hours) * Decimal(rate)).quantize(CENT, rounding=ROUND_HALF_UP)


def award_errors(*, amount: Decimal, requested: Decimal, rules: FundRules,
                 remaining: Decimal) -> dict[str, str]:
    """Why an award of ``amount`` is not allowed (field → French message); empty = allowed.

    Invariant: an allowed award is positive, ≤ the amount requested, within the fund's
    maximum and ≤ the remaining envelope, so committed never exceeds the envelope.
    """
    if amount <= 0:
        return {"amount": _("Le montant attribué doit être positif.")}
    if amount > requested:
        return {"amount": _("Le montant attribué (%(amount)s) ne peut pas dépasser le montant "
                            "demandé (%(requested)s).") % {"amount": format_eur(amount),
                                                           "requested": format_eur(requested)}}
    if rules.max_amount is not None and amount > rules.max_amount:
        return {"amount": _("Le montant attribué dépasse le maximum du fonds (%(limit)s).")
                % {"limit": format_eur(rules.max_amount)}}
    if amount > remaining:
        return {"amount": _("L'enveloppe du fonds ne suffit plus : il reste %(remaining)s.")
                % {"remaining": format_eur(remaining)}}
    return {}


# What the agent types for each dated phase, as a sentence names it (the review phase starts
# the day after the closing date, which is what is typed).
PHASE_DATE_LABELS = {
    "open": gettext_lazy("l'ouverture des dépôts"),
    "review": gettext_lazy("la clôture des dépôts"),
    "vote": gettext_lazy("le début du vote"),
    "decision": gettext_lazy("le début de la décision"),
    "results": gettext_lazy("la publication des résultats"),
    "closed": gettext_lazy("la clôture de l'appel"),
}


def _typed_date(phase: str, start: dt.date) -> dt.date:
    return start - dt.timedelta(days=1) if phase == "review" else start


def _fr(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def phase_order_errors(dates: Mapping[str, dt.date]) -> dict[str, str]:
    """Phase → French message for each phase date that breaks the order (empty: in order).

    Invariant: empty exactly when the start dates strictly follow ``PHASE_ORDER``. The dates
    blamed are the fewest whose removal leaves the others in order (on a tie the later phase
    is blamed): one date typed in the wrong year is the one shown in error, not its neighbour.
    Each message names the date the blamed one must follow (or precede).
    """
    phases = [p for p in PHASE_ORDER if dates.get(p) is not None]
    kept: tuple[int, ...] = ()
    for size in range(len(phases), 0, -1):
        # combinations() come in lexicographic order: the first ordered one keeps the earliest
        # phases, so a swapped pair blames its later date.
        kept = next((combo for combo in combinations(range(len(phases)), size)
                     if all(dates[phases[a]] < dates[phases[b]]
                            for a, b in zip(combo, combo[1:], strict=False))), ())
        if kept:
            break
    errors = {}
    for index, phase in enumerate(phases):
        if index in kept:
            continue
        typed = _typed_date(phase, dates[phase])
        label = capfirst(str(PHASE_DATE_LABELS[phase]))
        before = [k for k in kept if k < index]
        if before:
            other = phases[before[-1]]
            if other == "review":
                errors[phase] = _(
                    "%(label)s (%(date)s) doit venir après le premier jour de l'instruction, "
                    "le %(other_date)s (lendemain de la clôture des dépôts).") % {
                    "label": label, "date": _fr(typed), "other_date": _fr(dates[other])}
            elif phase == "review":
                errors[phase] = _("%(label)s (%(date)s) ne peut pas précéder %(other)s "
                                  "(%(other_date)s).") % {
                    "label": label, "date": _fr(typed), "other": PHASE_DATE_LABELS[other],
                    "other_date": _fr(dates[other])}
            else:
                errors[phase] = _("%(label)s (%(date)s) doit venir après %(other)s "
                                  "(%(other_date)s) : chaque phase commence après la "
                                  "précédente.") % {
                    "label": label, "date": _fr(typed), "other": PHASE_DATE_LABELS[other],
                    "other_date": _fr(_typed_date(other, dates[other]))}
        else:
            other = phases[min(k for k in kept if k > index)]
            if other == "review":
                errors[phase] = _("%(label)s (%(date)s) ne peut pas suivre %(other)s "
                                  "(%(other_date)s).") % {
                    "label": label, "date": _fr(typed), "other": PHASE_DATE_LABELS[other],
                    "other_date": _fr(_typed_date(other, dates[other]))}
            else:
                errors[phase] = _("%(label)s (%(date)s) doit venir avant %(other)s "
                                  "(%(other_date)s) : chaque phase commence après la "
                                  "précédente.") % {
                    "label": label, "date": _fr(typed), "other": PHASE_DATE_LABELS[other],
                    "other_date": _fr(dates[other])}
    return errors


def phase_dates_errors(dates: Mapping[str, dt.date]) -> list[str]:
    """Phase start dates must strictly follow the phase order (the messages, in phase order)."""
    return list(phase_order_errors(dates).values())


def shift_year(day: dt.date, years: int = 1) -> dt.date:
    """The same day ``years`` later; 29 February becomes 28 February in a common year (the
    last day of the same month, never a day of March)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


_YEAR = re.compile(r"(?<!\d)(19|20)(\d\d)(?!\d)")


def title_shifted(title: str, *, new_year: int, years: int = 1) -> str:
    """A copied call's title: every year it names moved on by ``years`` ("Appel 2025" →
    "Appel 2026", "2025-2026" → "2026-2027"); a title naming no year gets ``new_year``."""
    if _YEAR.search(title):
        return _YEAR.sub(lambda m: str(int(m.group(0)) + years), title)
    return f"{title} {new_year}"


def phase_on(dates: Mapping[str, dt.date], today: dt.date) -> str:
    """The phase a call is in on ``today`` from its dated phases ("draft" before opening)."""
    current = "draft"
    for phase in PHASE_ORDER:
        start = dates.get(phase)
        if start is not None and start <= today:
            current = phase
    return current


def phase_after(phase: str, dates: Mapping[str, dt.date]) -> str | None:
    """The next phase of a call that has ``dates`` (skips the vote when there is none)."""
    phases = ["draft", *[p for p in PHASE_ORDER if p in dates]]
    index = phases.index(phase)
    return phases[index + 1] if index + 1 < len(phases) else None


def version_diff(before: Mapping, after: Mapping) -> list[tuple[str, object, object]]:
    """Fields whose value changed between two submitted versions, in ``after``'s key order."""
    keys = list(after) + [k for k in before if k not in after]
    return [(key, before.get(key), after.get(key)) for key in keys
            if before.get(key) != after.get(key)]


# Eligibility checks the instructor ticks by hand (the automatic ones are computed).
MANUAL_CHECKS = [
    ("object", gettext_lazy("Le projet correspond à l'objet de l'appel")),
    ("territory", gettext_lazy("Le projet se déroule sur le territoire de la collectivité")),
    ("general_interest", gettext_lazy("Intérêt général, sans but lucratif ni prosélytisme")),
    ("feasibility", gettext_lazy("Faisabilité : calendrier, moyens humains et matériels")),
]


AUTHORITY_FUNDER = {"commune": "commune", "epci": "commune", "departement": "departement",
                    "region": "region"}


def authority_budget_line(amount: Decimal, *, name: str, kind: str) -> BudgetLine:
    """The 74 line of the amount asked from this authority: always the amount requested."""
    return BudgetLine("74", amount, name, funder=AUTHORITY_FUNDER.get(kind, "commune"),
                      status="requested", is_this_authority=True)


def budget_with_authority_line(lines: Iterable[BudgetLine], *, amount: Decimal, name: str,
                               kind: str, stored: Iterable[BudgetLine] = ()) -> list[BudgetLine]:
    """The budget with exactly one line of this authority: its 74 line, equal to the amount
    requested, whatever the lines given say about it. The stored line's label stays while its
    amount does (an association may have renamed it). Placed where the given lines had it,
    else before the other 74 lines (co-financers), else before the in-kind contributions."""
    ours = authority_budget_line(amount, name=name, kind=kind)
    stored = [line for line in stored if line.is_this_authority]
    if len(stored) == 1 and stored[0].amount == ours.amount and stored[0].label:
        ours = BudgetLine(ours.account, ours.amount, stored[0].label, funder=ours.funder,
                          status=ours.status, is_this_authority=True)
    lines = list(lines)
    position = next((i for i, line in enumerate(lines) if line.is_this_authority), None)
    others = [line for line in lines if not line.is_this_authority]
    if position is None:
        position = next((i for i, line in enumerate(others) if line.account == "74"), None)
    if position is None:
        position = next((i for i, line in enumerate(others) if line.account[:2] in ("86", "87")),
                        len(others))
    return [*others[:position], ours, *others[position:]]
