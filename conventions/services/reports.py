"""Writes on financial reports (CERFA 15059): submit, approve with repayment, ask for changes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.core.audit import audit_log
from backoffice.core.budget import (
    ALL_ACCOUNTS,
    FUNDER_ROWS,
    BudgetLine,
    Gap,
    budget_errors,
    budget_gap,
    grid_rows,
    line_of_row,
    row_key,
)
from backoffice.core.money import format_date, format_eur, format_percent, to_money
from backoffice.core.notifications import Event, notify
from backoffice.core.permissions import require
from backoffice.core.roles import Role
from backoffice.core.uploads import check_upload

from .. import rules
from ..models import ConventionYear, FinancialReport, ReportAttachment, ReportStatus
from ..permissions import can
from ._common import apply_transition, conf, convention_url
from .schedule import lines_refresh, paid_total, schedule_reduce
from .years import year_close_if_done, year_mark_paid

REPORT_TRANSITIONS = {
    ReportStatus.EXPECTED: {ReportStatus.SUBMITTED},
    ReportStatus.CHANGES_REQUESTED: {ReportStatus.SUBMITTED},
    ReportStatus.SUBMITTED: {ReportStatus.APPROVED, ReportStatus.CHANGES_REQUESTED},
}
EDITABLE = (ReportStatus.EXPECTED, ReportStatus.CHANGES_REQUESTED)


def _agents():
    from backoffice.core.models import User

    return list(User.objects.filter(groups__name=Role.FINANCE_AGENT.label, is_active=True))


def budget_lines_from(rows: list[dict]) -> list[BudgetLine]:
    """Build the shared budget grid's lines from stored or posted rows; French error if not."""
    lines = []
    for index, row in enumerate(rows or [], start=1):
        try:
            amount = to_money(row.get("amount", "0"))
        except (TypeError, ValueError) as exc:
            raise ValidationError({"budget_lines": _("Ligne %(n)s du budget : montant illisible.")
                                   % {"n": index}}) from exc
        lines.append(BudgetLine(account=str(row.get("account", "")).strip(), amount=amount,
                                label=str(row.get("label", "")), funder=row.get("funder", ""),
                                status=row.get("status", ""),
                                is_this_authority=bool(row.get("is_this_authority", False))))
    return lines


def _check_editable(report: FinancialReport) -> None:
    if report.status not in EDITABLE:
        raise ValidationError(_("Ce compte rendu est %(status)s : il ne peut plus être modifié.")
                              % {"status": report.get_status_display().lower()})


@transaction.atomic
def report_attachment_add(*, report: FinancialReport, file, actor) -> ReportAttachment:
    """Attach a PDF to a report still being written; anything but a PDF is refused."""
    require(can, actor, "report.submit", report)
    report = FinancialReport.objects.select_for_update().get(pk=report.pk)
    _check_editable(report)
    _mime, size, sha256 = check_upload(file, allowed={"application/pdf": "PDF"})
    attachment = ReportAttachment(report=report, original_name=file.name[:255], size=size,
                                  sha256=sha256)
    attachment.file.save(file.name, file, save=False)
    attachment.save()
    return attachment


def _financial_year_end(report: FinancialReport) -> dt.date:
    from backoffice.core.validators import parse_day_month

    try:
        year_end = parse_day_month(report.year.convention.organisation.financial_year_end)
    except ValueError:
        year_end = (12, 31)
    return rules.financial_year_end(year=report.year.year, year_end=year_end)


def rows_from_lines(budget_lines: list[dict]) -> tuple[dict[str, Decimal], dict[str, list[str]]]:
    """Grid rows (row key → amount) of posted or stored lines, and the errors of the lines that
    cannot be read (unknown account, unreadable amount, a 74 line without its funder)."""
    rows: dict[str, Decimal] = {}
    errors: list[str] = []
    for index, row in enumerate(budget_lines or [], start=1):
        if not isinstance(row, dict):
            errors.append(_("Ligne %(n)s du budget : illisible.") % {"n": index})
            continue
        account = str(row.get("account", "")).strip()
        try:
            amount = to_money(row.get("amount", "0"))
        except (TypeError, ValueError):
            errors.append(_("Ligne %(n)s du budget : montant illisible.") % {"n": index})
            continue
        line = BudgetLine(account=account, amount=amount, funder=str(row.get("funder") or ""),
                          status=str(row.get("status") or ""),
                          is_this_authority=bool(row.get("is_this_authority", False)))
        if account not in ALL_ACCOUNTS:
            errors.append(_("Compte budgétaire inconnu : %(account)s.") % {"account": account})
            continue
        if account == "74" and not line.is_this_authority and f"74_{line.funder}" not in \
                FUNDER_ROWS:
            errors.append(_("Chaque subvention (compte 74) doit indiquer son financeur."))
            continue
        key = row_key(line)
        rows[key] = rows.get(key, Decimal("0.00")) + amount
    return rows, ({"budget_lines": errors} if errors else {})


def report_lines(*, report: FinancialReport, rows: dict[str, Decimal]) -> list[BudgetLine]:
    """The realised budget as lines of the shared grid (aid received is 'obtained')."""
    from funds.rules import AUTHORITY_FUNDER

    funder = AUTHORITY_FUNDER.get(report.year.convention.authority.kind, "commune")
    return [line_of_row(key, amount, authority_funder=funder)
            for key, amount in rows.items() if amount]


@dataclass(frozen=True)
class _Error:
    """One error of a report: what it is about (a form field) and its French message."""

    key: str
    message: str


def _amount_errors(rows: dict[str, Decimal]) -> Iterator[_Error]:
    for key, amount in rows.items():
        if amount < 0:
            yield _Error(f"amount_{key}", _("Un montant ne peut pas être négatif."))


def _balance_errors(report: FinancialReport, rows: dict[str, Decimal]) -> Iterator[_Error]:
    lines = report_lines(report=report, rows={k: v for k, v in rows.items() if v > 0})
    if not lines:
        yield _Error("budget_lines", _("Le budget réalisé est vide."))
        return
    for message in budget_errors(lines):
        yield _Error("budget_lines", message)


def _gap_message(gap: Gap, limit: Decimal) -> str:
    if gap.percent is None:
        return _("Ligne absente du budget prévisionnel (%(actual)s réalisés) : "
                 "expliquez-la.") % {"actual": format_eur(gap.actual)}
    return (_("Écart de %(percent)s (%(amount)s) avec le budget prévisionnel, "
              "au-delà de %(limit)s : expliquez-le.")
            % {"percent": format_percent(gap.percent, 1), "amount": format_eur(gap.amount),
               "limit": format_percent(limit)})


def _gap_errors(rows: dict[str, Decimal], explanations: dict[str, str],
                planned: dict[str, Decimal] | None) -> Iterator[_Error]:
    """Each gap with the provisional budget beyond the limit needs its explanation."""
    if planned is None:
        return
    limit = conf().report_gap_percent
    for row in grid_rows():
        gap = budget_gap(planned.get(row.key, Decimal("0.00")),
                         rows.get(row.key) or Decimal("0.00"), limit)
        if gap.needs_explanation and not (explanations.get(row.key) or "").strip():
            yield _Error(f"explanation_{row.key}", _gap_message(gap, limit))


def _subsidy_errors(report: FinancialReport, subsidy_used) -> Iterator[_Error]:
    if subsidy_used in (None, ""):
        yield _Error("subsidy_used", _("Indiquez la part de la subvention utilisée."))
        return
    try:
        used = to_money(subsidy_used)
    except (TypeError, ValueError):
        yield _Error("subsidy_used", _("Montant illisible."))
        return
    if used < 0 or used > report.year.amount:
        yield _Error("subsidy_used", _(
            "La subvention utilisée est comprise entre 0 et le montant de la tranche "
            "(%(amount)s).") % {"amount": format_eur(report.year.amount)})


def _qualitative_errors(qualitative_report: str) -> Iterator[_Error]:
    if not (qualitative_report or "").strip():
        yield _Error("qualitative_report", _("Le bilan qualitatif est obligatoire."))


def _period_errors(report: FinancialReport, on: dt.date) -> Iterator[_Error]:
    """A report is filed once the organisation's financial year has ended."""
    year_end = _financial_year_end(report)
    if on <= year_end:
        yield _Error("__all__", _(
            "L'exercice %(year)s de l'organisation se clôt le %(end)s : le compte rendu "
            "financier se dépose après cette date (enregistrez-le en brouillon d'ici là).")
            % {"year": report.year.year, "end": format_date(year_end)})


def report_check(*, report: FinancialReport, rows: dict[str, Decimal],
                 explanations: dict[str, str], subsidy_used, qualitative_report: str,
                 planned: dict[str, Decimal] | None, on: dt.date) -> dict[str, list[str]]:
    """Every error of a report at once, keyed by what it is about: ``amount_<row>``,
    ``explanation_<row>``, ``subsidy_used``, ``qualitative_report``, ``budget_lines`` (the
    balance of the grid) and ``__all__`` (a report filed before the year it reports on ended)."""
    errors: dict[str, list[str]] = {}
    for error in chain(_amount_errors(rows), _balance_errors(report, rows),
                       _gap_errors(rows, explanations, planned),
                       _subsidy_errors(report, subsidy_used),
                       _qualitative_errors(qualitative_report), _period_errors(report, on)):
        errors.setdefault(error.key, []).append(error.message)
    return errors


def _store(report: FinancialReport, *, rows, explanations, subsidy_used, qualitative_report,
           planned) -> None:
    report.budget_lines = [
        {"account": line.account, "amount": str(line.amount), "label": line.label,
         "funder": line.funder, "status": line.status,
         "is_this_authority": line.is_this_authority}
        for line in report_lines(report=report, rows=rows)]
    keys = {row.key for row in grid_rows()}
    report.gap_explanations = {key: text.strip() for key, text in (explanations or {}).items()
                               if key in keys and (text or "").strip()}
    report.subsidy_used = subsidy_used
    report.qualitative_report = (qualitative_report or "").strip()


@transaction.atomic
def report_draft_save(*, report: FinancialReport, rows: dict[str, Decimal],
                      explanations: dict[str, str] | None = None, subsidy_used=None,
                      qualitative_report: str = "", actor) -> FinancialReport:
    """Keep a report being written, incomplete or unbalanced, without filing it: only
    negative amounts and an unreadable subsidy are refused; the status does not change."""
    require(can, actor, "report.submit", report)
    report = FinancialReport.objects.select_for_update().select_related(
        "year__convention__organisation", "year__convention__authority").get(pk=report.pk)
    _check_editable(report)
    errors = {f"amount_{key}": [_("Un montant ne peut pas être négatif.")]
              for key, amount in rows.items() if amount is not None and amount < 0}
    used = None
    if subsidy_used not in (None, ""):
        try:
            used = to_money(subsidy_used)
        except (TypeError, ValueError):
            errors["subsidy_used"] = [_("Montant illisible.")]
    if errors:
        raise ValidationError(errors)
    _store(report, rows={k: v for k, v in rows.items() if v}, explanations=explanations,
           subsidy_used=used, qualitative_report=qualitative_report, planned=None)
    report.draft_saved_at = timezone.now()
    report.full_clean()
    report.save()
    return report


@transaction.atomic
def report_submit(*, report: FinancialReport, subsidy_used, qualitative_report: str, actor,
                  budget_lines: list[dict] | None = None,
                  rows: dict[str, Decimal] | None = None,
                  gap_explanations: dict[str, str] | None = None,
                  on: dt.date | None = None) -> FinancialReport:
    """File the CERFA 15059 report: the realised budget on the application's grid (charges =
    resources, 86 = 87, 74 per funder), each gap beyond the limit explained against the
    application's provisional budget, the subsidy used and the qualitative report. Refused
    before the end of the organisation's financial year, and once submitted or approved.
    Every error is reported at once."""
    require(can, actor, "report.submit", report)
    from .. import selectors

    report = FinancialReport.objects.select_for_update().select_related(
        "year__convention__organisation", "year__convention__authority").get(pk=report.pk)
    _check_editable(report)
    on = on or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if rows is None:
        rows, errors = rows_from_lines(budget_lines or [])
    explanations = gap_explanations or {}
    planned = selectors.report_planned(report=report)
    for key, messages in report_check(report=report, rows=rows, explanations=explanations,
                                      subsidy_used=subsidy_used,
                                      qualitative_report=qualitative_report, planned=planned,
                                      on=on).items():
        errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    _store(report, rows=rows, explanations=explanations, subsidy_used=to_money(subsidy_used),
           qualitative_report=qualitative_report, planned=planned)
    report.submitted_on = on
    report.submitted_by = actor
    apply_transition(obj=report, to=ReportStatus.SUBMITTED, table=REPORT_TRANSITIONS,
                     actor=actor, event="report_submitted", label=_("le compte rendu"))
    convention = report.year.convention
    notify(Event.REPORT_SUBMITTED, report, actor, recipients=_agents(),
           url=convention_url(convention))
    return report


@transaction.atomic
def report_review(*, report: FinancialReport, approve: bool, actor, comment: str = "",
                  on: dt.date | None = None) -> FinancialReport:
    """Approve a submitted report or ask for changes (with a reason). Approval computes the
    unspent amount and the repayment beyond the keep-rule (CGCT L1611-4), issues the
    repayment request document when there is one, unlocks the next year's balance and locks
    the convention's volunteer entries of the year; asking for changes unlocks them."""
    require(can, actor, "report.review", report)
    from volunteering.services import entries_lock, entries_unlock

    report = FinancialReport.objects.select_for_update().select_related(
        "year__convention__organisation").get(pk=report.pk)
    convention = report.year.convention
    report.reviewed_on = on or timezone.localdate()
    report.review_comment = comment.strip()
    if approve:
        year = ConventionYear.objects.select_for_update().get(pk=report.year_id)
        # CGCT L1611-4: only money paid and not used is claimed; the unpaid lines are
        # cancelled or reduced first.
        split = rules.repayment_on_paid(granted=year.amount, paid=paid_total(year),
                                        used=report.subsidy_used or Decimal("0"),
                                        keep_rate=convention.keep_rule_rate)
        from .recovery import claim_within_room, recovery_open

        # What a repayment started by hand already asks back is not claimed again.
        repayment = claim_within_room(convention=convention, amount=split.claim)
        report.unspent_amount, report.repayment_amount = split.unspent, repayment
        apply_transition(obj=report, to=ReportStatus.APPROVED, table=REPORT_TRANSITIONS,
                         actor=actor, event="report_approved", label=_("le compte rendu"),
                         data={"unspent": str(split.unspent), "repayment": str(repayment),
                               "cancelled": str(split.cancelled),
                               "still_payable": str(split.still_payable)})
        if split.cancelled > 0:
            schedule_reduce(year=year, cut=split.cancelled)
            audit_log(event="schedule_reduced", obj=year, actor=actor,
                      message=_("%(amount)s non versés annulés sur la tranche %(year)s après "
                                "le compte rendu financier (subvention non utilisée).")
                      % {"amount": format_eur(split.cancelled), "year": year.year},
                      data={"cancelled": str(split.cancelled)})
        lines_refresh(convention=convention)
        report.year = year
        if not year_mark_paid(year=year, actor=actor):
            year_close_if_done(year=year, actor=actor)
        # The valued volunteering (864/870) of an approved report must keep its figures: lock
        # the convention's validated entries of that year (règlement ANC 2018-06).
        entries_lock(organisation=convention.organisation, year=report.year.year,
                     convention=convention, actor=actor,
                     reason=_("Compte rendu financier %(year)s approuvé.")
                     % {"year": report.year.year})
        if repayment > 0:
            # CRPA L121-1: the repayment is notified first, with a delay for observations.
            recovery_open(convention=convention, kind="repayment", amount=repayment,
                          cancelled=split.cancelled, report=report, actor=actor,
                          on=report.reviewed_on)
        notify(Event.REPORT_APPROVED, convention, actor, url=convention_url(convention),
               context={"report": report})
    else:
        if not report.review_comment:
            raise ValidationError({"comment": _("Expliquez les modifications attendues.")})
        apply_transition(obj=report, to=ReportStatus.CHANGES_REQUESTED,
                         table=REPORT_TRANSITIONS, actor=actor,
                         event="report_changes_requested", label=_("le compte rendu"))
        # The association may correct its hours before submitting again.
        entries_unlock(organisation=convention.organisation, year=report.year.year,
                       convention=convention, actor=actor,
                       reason=_("Modifications demandées sur le compte rendu %(year)s.")
                       % {"year": report.year.year})
        notify(Event.REPORT_CHANGES_REQUESTED, convention, actor,
               url=convention_url(convention), context={"report": report})
    return report
