"""Writes on financial reports (CERFA 15059): submit, approve with repayment, ask for changes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.core.audit import audit_log
from backoffice.core.budget import BudgetLine, budget_errors
from backoffice.core.money import format_eur, to_money
from backoffice.core.notifications import Event, notify
from backoffice.core.roles import Role
from backoffice.core.uploads import check_upload

from .. import rules
from ..models import ConventionYear, FinancialReport, ReportAttachment, ReportStatus
from ._common import apply_transition
from .conventions import year_close_if_done, year_mark_paid
from .schedule import lines_refresh, paid_total, schedule_reduce

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
    report = FinancialReport.objects.select_for_update().get(pk=report.pk)
    _check_editable(report)
    _mime, size, sha256 = check_upload(file, allowed={"application/pdf": "PDF"})
    attachment = ReportAttachment(report=report, original_name=file.name[:255], size=size,
                                  sha256=sha256)
    attachment.file.save(file.name, file, save=False)
    attachment.save()
    return attachment


@transaction.atomic
def report_submit(*, report: FinancialReport, budget_lines: list[dict], subsidy_used,
                  qualitative_report: str, actor, on: dt.date | None = None) -> FinancialReport:
    """Submit the realised budget (same grid as the application: charges = resources,
    86 = 87) and the qualitative report. Refused once submitted or approved."""
    report = FinancialReport.objects.select_for_update().select_related(
        "year__convention__organisation").get(pk=report.pk)
    _check_editable(report)
    lines = budget_lines_from(budget_lines)
    errors = budget_errors(lines)
    if not lines:
        errors.append(_("Le budget réalisé est vide."))
    if errors:
        raise ValidationError({"budget_lines": errors})
    try:
        used = to_money(subsidy_used)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"subsidy_used": _("Montant illisible.")}) from exc
    if used < 0 or used > report.year.amount:
        raise ValidationError({"subsidy_used": _(
            "La subvention utilisée est comprise entre 0 et le montant de la tranche "
            "(%(amount)s €).") % {"amount": report.year.amount}})
    if not qualitative_report.strip():
        raise ValidationError({"qualitative_report": _("Le bilan qualitatif est obligatoire.")})
    report.budget_lines = [{"account": line.account, "amount": str(line.amount),
                            "label": line.label, "funder": line.funder, "status": line.status,
                            "is_this_authority": line.is_this_authority} for line in lines]
    report.subsidy_used = used
    report.qualitative_report = qualitative_report.strip()
    report.submitted_on = on or timezone.localdate()
    report.submitted_by = actor
    apply_transition(obj=report, to=ReportStatus.SUBMITTED, table=REPORT_TRANSITIONS,
                     actor=actor, event="report_submitted", label=_("le compte rendu"))
    convention = report.year.convention
    notify(Event.REPORT_SUBMITTED, report, actor, recipients=_agents(),
           url=f"/conventions/{convention.pk}/")
    return report


@transaction.atomic
def report_review(*, report: FinancialReport, approve: bool, actor, comment: str = "",
                  on: dt.date | None = None) -> FinancialReport:
    """Approve a submitted report or ask for changes (with a reason). Approval computes the
    unspent amount and the repayment beyond the keep-rule (CGCT L1611-4), issues the
    repayment request document when there is one, unlocks the next year's balance and locks
    the convention's volunteer entries of the year; asking for changes unlocks them."""
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
        repayment = split.claim
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
            from .recovery import recovery_open

            recovery_open(convention=convention, kind="repayment", amount=repayment,
                          cancelled=split.cancelled, report=report, actor=actor,
                          on=report.reviewed_on)
        notify(Event.REPORT_APPROVED, convention, actor, url=f"/conventions/{convention.pk}/",
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
               url=f"/conventions/{convention.pk}/", context={"report": report})
    return report
