"""Reads of the funds app, scoped by the requesting user (a member of A never sees B's files)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    Count,
    DecimalField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.core.audit import audit_events_for
from backoffice.core.budget import BudgetLine
from backoffice.core.models import MembershipStatus
from backoffice.core.money import format_hours, format_rate
from backoffice.core.selectors import missing_documents
from volunteering.projects import Project, application_reference

from . import interfaces, rules
from .models import (
    Application,
    ApplicationStatus,
    Award,
    Call,
    CallKind,
    CallPhase,
    Fund,
)

ZERO = Decimal("0.00")
MONEY_FIELD = DecimalField(max_digits=14, decimal_places=2)


def call_list_open() -> QuerySet[Call]:
    """Calls open today for applications, or for the citizens' vote (participatory budgets),
    shown publicly (home page, API)."""
    today = timezone.localdate()
    return (Call.objects.filter(Q(phase=CallPhase.OPEN, closes_on__gte=today)
                                | Q(phase=CallPhase.VOTE, kind=CallKind.PARTICIPATORY))
            .select_related("fund", "fund__authority").order_by("closes_on", "title"))


def calls_with_published_results(*, limit: int = 10) -> list[Call]:
    """Participatory calls whose vote results are published, latest first (home page)."""
    return list(Call.objects.filter(kind=CallKind.PARTICIPATORY,
                                    results_published_at__isnull=False)
                .exclude(phase=CallPhase.DRAFT).order_by("-results_published_at")[:limit])


def call_accepts_submissions(call: Call, *, on: dt.date | None = None) -> bool:
    on = on or timezone.localdate()
    return call.phase == CallPhase.OPEN and call.opens_on <= on <= call.closes_on


def fund_rules(fund: Fund) -> rules.FundRules:
    return rules.FundRules(
        max_authority_share=fund.max_authority_share,
        min_self_financing_share=fund.min_self_financing_share,
        max_public_share=fund.max_public_share,
        volunteering_counts=fund.volunteering_counts,
        in_kind_counts=fund.in_kind_counts,
        min_amount=fund.min_amount,
        max_amount=fund.max_amount,
    )


def fund_committed(fund: Fund) -> Decimal:
    """Sum of the fund's awards: committed is derived, never typed."""
    return Award.objects.filter(fund=fund).aggregate(
        total=Coalesce(Sum("amount"), Value(ZERO), output_field=MONEY_FIELD))["total"]


def _committed_subquery(fund_ref: str):
    return Coalesce(Subquery(
        Award.objects.filter(fund=OuterRef(fund_ref)).values("fund")
        .annotate(total=Sum("amount")).values("total")[:1], output_field=MONEY_FIELD),
        Value(ZERO), output_field=MONEY_FIELD)


def call_list_for_agents(*, user) -> QuerySet[Call]:
    """Every call with its counts per status and its fund's committed amount (constant queries)."""
    if not user.is_authenticated or not user.works_for_authority:
        return Call.objects.none()
    counts = {f"n_{status}": Count("applications", filter=Q(applications__status=status))
              for status in ApplicationStatus.values}
    return (Call.objects.select_related("fund", "fund__authority")
            .annotate(n_total=Count("applications"), **counts,
                      fund_committed=_committed_subquery("fund"))
            .order_by("-opens_on", "title"))


def call_status_counts(call: Call) -> list[tuple[str, str, int]]:
    """(status, label, count) for an annotated call from call_list_for_agents."""
    return [(status, label, getattr(call, f"n_{status}", 0))
            for status, label in ApplicationStatus.choices]


def application_list(*, user) -> QuerySet[Application]:
    """Applications the user may see: all for the authority's staff; otherwise those of their
    organisations and their own individual ones."""
    qs = Application.objects.select_related("call", "call__fund", "organisation", "applicant")
    if not user.is_authenticated:
        return qs.none()
    if user.works_for_authority:
        return qs
    return qs.filter(
        Q(organisation__memberships__user=user,
          organisation__memberships__status=MembershipStatus.ACTIVE)
        | Q(organisation__isnull=True, applicant=user)
    ).distinct()


def application_search(*, user, status: str = "", call=None, fund=None, organisation=None,
                       number: int | None = None) -> QuerySet[Application]:
    """Applications the user may see (application_list), filtered; ``number`` is the number of
    the reference ``DOS-<number>``."""
    qs = application_list(user=user)
    if status:
        qs = qs.filter(status=status)
    if call is not None:
        qs = qs.filter(call=call)
    if fund is not None:
        qs = qs.filter(call__fund=fund)
    if organisation is not None:
        qs = qs.filter(organisation=organisation)
    if number is not None:
        qs = qs.filter(pk=number)
    return qs


def application_detail(*, user, pk: int) -> Application:
    """One application in the user's scope (Application.DoesNotExist otherwise → 404)."""
    return application_list(user=user).prefetch_related("budget_lines").get(pk=pk)


def application_queue(*, user, call: Call, status: str = "", nature: str = "",
                      search: str = "") -> QuerySet[Application]:
    """The instructors' queue of one call, filtered; drafts are the applicant's business."""
    qs = (application_list(user=user).filter(call=call).exclude(status=ApplicationStatus.DRAFT)
          .select_related("award", "reviewed_by"))
    if status:
        qs = qs.filter(status=status)
    if nature:
        qs = qs.filter(nature=nature)
    if search:
        qs = qs.filter(application_text_filter(search))
    return qs.order_by("submitted_at", "pk")


# « DOS-2 », « dos-2 », « DOS 2 », « 2 »: the number shown on the application's pages.
REFERENCE = re.compile(r"^\s*(?:dos\s*-?\s*)?(\d{1,9})\s*$", re.IGNORECASE)


def application_text_filter(text: str) -> Q:
    """What an instructor types to find an application: its reference (« DOS-2 », « dos-2 »,
    « 2 »: that application, or the one imported with that external reference), otherwise a
    part of its title, of its organisation's name or of its external reference."""
    text = (text or "").strip()
    match = REFERENCE.match(text)
    if match:
        return Q(pk=int(match.group(1))) | Q(external_reference__iexact=text)
    return (Q(title__icontains=text) | Q(organisation__name__icontains=text)
            | Q(external_reference__icontains=text))


def budget_lines_of(application: Application) -> list[BudgetLine]:
    """The stored budget as the shared grid's BudgetLine values (uses the prefetch if any)."""
    return [BudgetLine(account=line.account, amount=line.amount, label=line.label,
                       funder=line.funder, status=line.funder_status,
                       is_this_authority=line.is_this_authority)
            for line in application.budget_lines.all()]


def overdue_reports(*, organisation, on: dt.date | None = None) -> list:
    """Financial reports overdue for an organisation (CERFA 15059, due 6 months after the year),
    as the conventions app answers through ``interfaces.overdue_reports``."""
    if organisation is None:
        return []
    return interfaces.overdue_reports(organisation=organisation, on=on or timezone.localdate())


def overdue_reports_block() -> bool:
    return bool(getattr(settings, "FUNDS_OVERDUE_REPORT_BLOCKS", False))


def planned_volunteering(*, organisation, hours: Decimal,
                         on: dt.date | None = None) -> tuple[Decimal | None, str]:
    """Planned valued volunteering (hours × the rate in force) and a French note.

    Returns (None, note) when no rate is defined: the applicant then types the 864/870 amount.
    """
    from volunteering.selectors import valuation_rate

    try:
        rate = valuation_rate(organisation=organisation, on=on or timezone.localdate())
    except LookupError:
        return None, _("Aucun taux de valorisation du bénévolat n'est encore défini : indiquez "
                       "vous-même le montant du bénévolat (comptes 864 et 870).")
    value = rules.planned_volunteering_value(hours or ZERO, Decimal(rate))
    return value, _("%(hours)s × %(rate)s, taux en vigueur") % {
        "hours": format_hours(hours or ZERO), "rate": format_rate(rate)}


def realised_volunteering(application: Application):
    """The organisation's validated volunteering so far on this project: hours linked to the
    application, plus those linked to the convention created from its award. None for an
    individual applicant or when nothing is validated yet."""
    from volunteering.selectors import VolunteerTotals, volunteer_totals

    if application.pk is None or application.organisation_id is None:
        return None
    totals = volunteer_totals(organisation=application.organisation, application=application)
    # A missing reverse one-to-one raises a subclass of AttributeError: getattr's default.
    award = getattr(application, "award", None)
    convention = getattr(award, "convention", None)
    if convention is not None:
        more = volunteer_totals(organisation=application.organisation, convention=convention)
        totals = VolunteerTotals(hours=totals.hours + more.hours, value=totals.value + more.value)
    return totals if totals.hours else None


def organisation_valid_documents(application: Application) -> list:
    """The still-valid documents of the application's organisation, newest of each kind, for
    the staff reviewing it (empty for an individual applicant). One query."""
    from backoffice.core.selectors import valid_documents

    if application.organisation_id is None:
        return []
    return sorted(valid_documents(organisation=application.organisation).values(),
                  key=lambda document: document.get_kind_display())


def application_missing_documents(application: Application) -> list[str]:
    """Required documents the applicant still has to give. An informal collective or an
    individual has no statutes nor accounts of its own: the call's list applies to legal
    entities only."""
    from backoffice.core.models import LegalForm

    if application.organisation_id is None or \
            application.organisation.legal_form == LegalForm.INFORMAL:
        return []
    return missing_documents(organisation=application.organisation,
                             required=list(application.call.required_documents or []))


def application_timeline(application: Application) -> list[dict]:
    """Status changes, versions and messages of one application, oldest first."""
    # notify() also writes an audit row per event; the status change row already tells it.
    items = [{"at": e.created_at, "kind": "event", "title": e.message, "actor": e.actor}
             for e in audit_events_for(application) if "recipients" not in (e.data or {})]
    items += [{"at": m.created_at, "kind": m.kind, "title": m.get_kind_display(), "body": m.body,
               "actor": m.author}
              for m in application.messages.select_related("author")]
    return sorted(items, key=lambda item: item["at"])


def application_auto_checks(application: Application) -> list[dict]:
    """The automatic eligibility checks shown to the instructor (label, ok, detail)."""
    from backoffice.core.budget import budget_errors
    from backoffice.core.models import DocumentKind

    lines = budget_lines_of(application)
    checks = []
    missing = application_missing_documents(application)
    checks.append({"label": _("Documents valides du porteur"), "ok": not missing,
                   "detail": ", ".join(str(DocumentKind(k).label) for k in missing)})
    cer = application.cer_accepted and (application.organisation is None
                                        or application.organisation.cer_accepted)
    checks.append({"label": _("Contrat d'engagement républicain accepté"), "ok": cer,
                   "detail": ""})
    errors = budget_errors(lines)
    checks.append({"label": _("Budget équilibré (charges = produits, 86 = 87)"),
                   "ok": not errors, "detail": " ".join(errors)})
    for check in rules.rule_checks(lines, amount_requested=application.amount_requested,
                                   rules=fund_rules(application.call.fund)):
        checks.append({"label": check.label, "ok": check.ok, "detail": check.message})
    overdue = overdue_reports(organisation=application.organisation)
    checks.append({"label": _("Comptes rendus financiers à jour"), "ok": not overdue,
                   "detail": _("%(n)s compte(s) rendu(s) en retard") % {"n": len(overdue)}
                   if overdue else ""})
    return checks


def award_list(*, user) -> QuerySet[Award]:
    """Awards in the user's scope, with what a convention or notification letter needs."""
    qs = Award.objects.select_related("application__organisation", "application__call",
                                      "fund__authority", "awarded_by")
    if not user.is_authenticated:
        return qs.none()
    if user.works_for_authority:
        return qs
    return qs.filter(application__in=application_list(user=user).values("pk"))


def fund_list_for_staff(*, user) -> QuerySet[Fund]:
    """Every fund with its committed total and its number of calls (constant queries)."""
    if not user.is_authenticated or not user.works_for_authority:
        return Fund.objects.none()
    return (Fund.objects.select_related("authority")
            .annotate(committed=_committed_subquery("pk"),
                      n_calls=Count("calls", distinct=True))
            .order_by("-year_start", "name"))


def fund_calls(fund: Fund) -> QuerySet[Call]:
    """The calls of one fund with their number of applications, latest first."""
    return (fund.calls.annotate(n_total=Count("applications"))
            .order_by("-opens_on", "title"))


def fund_for_year(*, authority, year: int, default: Fund) -> Fund:
    """Where a call copied for next year goes: the fund of ``authority`` covering ``year``
    that continues ``default`` (its name with the years moved on, else the same budget
    imputation), ``default`` itself when none does."""
    candidates = list(Fund.objects.filter(authority=authority, year_start__lte=year,
                                          year_end__gte=year).exclude(pk=default.pk)
                      .order_by("-pk"))
    name = rules.title_shifted(default.name, new_year=year)
    return (next((fund for fund in candidates if fund.name == name), None)
            or next((fund for fund in candidates
                     if fund.budget_imputation == default.budget_imputation), None)
            or default)


def home_section() -> dict:
    """The funds' part of the public home page: open calls and published vote results."""
    return {"open_calls": call_list_open(), "published_results": calls_with_published_results()}


def volunteering_projects(organisation) -> list[Project]:
    """The organisation's applications volunteers may log hours on: from their submission on
    (a draft is not a project yet, an ineligible or rejected one is not funded), with the
    convention created from their award. One query."""
    applications = (Application.objects.filter(organisation=organisation)
                    .exclude(status__in=(ApplicationStatus.DRAFT, ApplicationStatus.INELIGIBLE,
                                         ApplicationStatus.REJECTED))
                    .only("pk", "title", "start_date", "end_date")
                    .annotate(convention_pk=F("award__convention__pk"),
                              authority_pk=F("call__fund__authority_id")).order_by("pk"))
    projects = []
    for application in applications:
        reference = application_reference(application)
        projects.append(Project(
            reference=reference, label=_("Dossier %(ref)s — %(title)s")
            % {"ref": reference, "title": application.title},
            start=application.start_date, end=application.end_date,
            application_id=application.pk, convention_id=application.convention_pk,
            authority_id=application.authority_pk))
    return projects
