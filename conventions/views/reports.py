"""Financial report page: the association submits, the agent decides."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from backoffice.core.forms import add_service_errors

from .. import selectors, services
from ..forms import (
    ReportForm,
    ReportReviewForm,
)
from ..models import FinancialReport
from ..permissions import can
from ._base import Base


class ReportView(Base):
    """The association submits; the agent approves or asks for changes."""

    def report(self, pk) -> FinancialReport:
        try:
            return selectors.report_detail(user=self.request.user, pk=pk)
        except FinancialReport.DoesNotExist as exc:
            raise Http404(_("Compte rendu introuvable.")) from exc

    def context(self, report, form=None, review_form=None):
        from volunteering.models import VolunteerAttestation
        from volunteering.permissions import can as volunteering_can
        from volunteering.selectors import volunteer_totals

        convention = report.year.convention
        volunteering = volunteer_totals(organisation=convention.organisation,
                                        year=report.year.year, convention=convention)
        can_submit = can(self.request.user, "report.submit", report)[0] and report.status in (
            "expected", "changes_requested")
        if form is None and can_submit:
            initial = ReportForm.initial_from(report.budget_lines)
            if not report.budget_lines and volunteering.value:
                # Valued volunteering logged on this convention (règlement ANC 2018-06).
                initial.update({"acc_864": volunteering.value, "acc_870": volunteering.value})
            initial.update(subsidy_used=report.subsidy_used,
                           qualitative_report=report.qualitative_report)
            form = ReportForm(initial=initial)
        return {"report": report, "convention": convention, "form": form if can_submit else None,
                "review_form": review_form or (ReportReviewForm() if can(
                    self.request.user, "report.review")[0] and report.status == "submitted"
                    else None),
                "attachments": list(report.attachments.all()),
                "volunteering": volunteering,
                "declared_volunteering": sum(
                    (Decimal(str(line.get("amount", "0"))) for line in report.budget_lines or []
                     if line.get("account") == "864"), Decimal("0.00")),
                "attestation": VolunteerAttestation.objects.filter(
                    organisation=convention.organisation, year=report.year.year,
                    project_reference=convention.reference).first(),
                "can_attest": volunteering_can(self.request.user, "volunteering.attest",
                                               convention.organisation)[0]}

    def attestation_request(self, report):
        """The volunteering attestation of this convention and year, attached to the report."""
        from volunteering.services import attestation_request

        convention = report.year.convention
        try:
            attestation_request(organisation=convention.organisation, year=report.year.year,
                                project_reference=convention.reference, actor=self.request.user)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(self.request, message)
        else:
            messages.success(self.request, _("L'attestation de bénévolat est en cours de "
                                             "génération."))
        return redirect("conventions:report", report.pk)

    def get(self, request, pk):
        report = self.report(pk)
        return render(request, "conventions/report.html", self.context(report))

    def post(self, request, pk):
        report = self.report(pk)
        if "attestation" in request.POST:
            return self.attestation_request(report)
        if "review" in request.POST or "decision" in request.POST:
            self.check("report.review", report)
            form = ReportReviewForm(request.POST)
            if form.is_valid():
                try:
                    services.report_review(report=report,
                                           approve=form.cleaned_data["decision"] == "approve",
                                           comment=form.cleaned_data["comment"],
                                           actor=request.user)
                except ValidationError as exc:
                    add_service_errors(exc, form)
                else:
                    messages.success(request, _("Décision enregistrée."))
                    return redirect("conventions:report", pk)
            return render(request, "conventions/report.html",
                          self.context(report, review_form=form), status=400)
        self.check("report.submit", report)
        form = ReportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                with transaction.atomic():
                    if form.cleaned_data.get("attachment"):
                        services.report_attachment_add(report=report,
                                                       file=form.cleaned_data["attachment"],
                                                       actor=request.user)
                    services.report_submit(report=report, budget_lines=form.budget_lines(),
                                           subsidy_used=form.cleaned_data["subsidy_used"],
                                           qualitative_report=form.cleaned_data["qualitative_report"],
                                           actor=request.user)
            except ValidationError as exc:
                if hasattr(exc, "error_dict") and "budget_lines" in exc.error_dict:
                    form.add_error(None, exc.message_dict.pop("budget_lines"))
                    exc = ValidationError(exc.message_dict) if exc.message_dict else None
                if exc is not None:
                    if not hasattr(exc, "error_dict"):
                        form.add_error("attachment" if "fichier" in " ".join(exc.messages).lower()
                                       else None, exc.messages)
                    else:
                        add_service_errors(exc, form)
            else:
                messages.success(request, _("Compte rendu déposé. Merci !"))
                return redirect("conventions:report", pk)
        return render(request, "conventions/report.html", self.context(report, form=form),
                      status=400)


