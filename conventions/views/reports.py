"""Financial report page: the association submits, the agent decides."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.core.forms import add_service_errors
from backoffice.core.uploads import check_upload

from .. import selectors, services
from ..models import FinancialReport
from ..permissions import can
from ..report_forms import ReportForm, ReportReviewForm
from ..services._common import conf as services_conf
from ._base import Base


class ReportView(Base):
    """The association submits; the agent approves or asks for changes."""

    def report(self, pk) -> FinancialReport:
        try:
            return selectors.report_detail(user=self.request.user, pk=pk)
        except FinancialReport.DoesNotExist as exc:
            raise Http404(_("Compte rendu introuvable.")) from exc

    def report_form(self, report, data=None, files=None) -> ReportForm:
        """The CERFA grid; unbound, it shows the stored draft or, for a new report, the
        application's provisional budget (and the volunteering validated on the convention)."""
        from volunteering.selectors import volunteer_totals

        convention = report.year.convention
        planned = selectors.report_planned(report=report)
        kwargs = {"authority_name": convention.authority.name, "planned": planned}
        if data is not None:
            return ReportForm(data, files, **kwargs)
        if report.budget_lines:
            initial = ReportForm.initial_from(report.budget_lines, report.gap_explanations)
        else:
            initial = {f"amount_{key}": amount for key, amount in (planned or {}).items()
                       if amount}
            volunteering = volunteer_totals(organisation=convention.organisation,
                                            year=report.year.year, convention=convention)
            if volunteering.value:
                # Valued volunteering logged on this convention (règlement ANC 2018-06).
                initial.update({"amount_864": volunteering.value,
                                "amount_870": volunteering.value})
        initial.update(subsidy_used=report.subsidy_used,
                       qualitative_report=report.qualitative_report)
        return ReportForm(initial=initial, **kwargs)

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
            form = self.report_form(report)
        limit = services_conf().report_gap_percent
        display = form if can_submit else self.report_form_readonly(report)
        return {"report": report, "convention": convention, "form": form if can_submit else None,
                "sections": display.sections(limit) if display else [],
                "has_planned": display is not None and display.planned is not None,
                "gap_limit": limit,
                "year_end": services.reports._financial_year_end(report),
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

    def report_form_readonly(self, report):
        """The filed figures next to the provisional budget, for the agent comparing them."""
        if not report.budget_lines:
            return None
        return self.report_form(report)

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

    @staticmethod
    def attachment_or_service_errors(exc, form):
        if not hasattr(exc, "error_dict"):
            form.add_error("attachment" if "fichier" in " ".join(exc.messages).lower()
                           else None, exc.messages)
        else:
            add_service_errors(exc, form)

    def save_draft(self, report, form) -> bool:
        """Keep what parsed (a typed amount that cannot be read stays on the page with its
        error, nothing else is lost); True when saved."""
        if any(name.startswith("amount_") or name == "subsidy_used" for name in form.errors):
            return False
        try:
            with transaction.atomic():
                if form.cleaned_data.get("attachment"):
                    services.report_attachment_add(report=report,
                                                   file=form.cleaned_data["attachment"],
                                                   actor=self.request.user)
                services.report_draft_save(
                    report=report, rows=form.amounts(), explanations=form.explanations(),
                    subsidy_used=form.cleaned_data.get("subsidy_used"),
                    qualitative_report=form.cleaned_data.get("qualitative_report", ""),
                    actor=self.request.user)
        except ValidationError as exc:
            self.attachment_or_service_errors(exc, form)
            return False
        return True

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
        form = self.report_form(report, request.POST, request.FILES)
        draft = request.POST.get("action") == "save"
        form.is_valid()
        if draft:
            saved = self.save_draft(report, form)
            if saved:
                messages.success(request, _("Brouillon enregistré : rien n'est encore déposé."))
                return redirect("conventions:report", pk)
        else:
            errors = services.report_check(
                report=report, rows=form.amounts(), explanations=form.explanations(),
                subsidy_used=form.cleaned_data.get("subsidy_used"),
                qualitative_report=form.cleaned_data.get("qualitative_report", ""),
                planned=form.planned, on=timezone.localdate())
            for key, messages_ in errors.items():
                if key in form.fields and key not in form.errors:
                    form.add_error(key, messages_)
                elif key not in form.fields:
                    form.add_error(None, messages_)
            if form.errors and form.cleaned_data.get("attachment"):
                # The attachment is checked too, so that every error shows at once.
                try:
                    check_upload(form.cleaned_data["attachment"],
                                 allowed={"application/pdf": "PDF"})
                except ValidationError as exc:
                    form.add_error("attachment", exc.messages)
            if not form.errors:
                try:
                    with transaction.atomic():
                        if form.cleaned_data.get("attachment"):
                            services.report_attachment_add(
                                report=report, file=form.cleaned_data["attachment"],
                                actor=request.user)
                        services.report_submit(
                            report=report, rows=form.amounts(),
                            gap_explanations=form.explanations(),
                            subsidy_used=form.cleaned_data["subsidy_used"],
                            qualitative_report=form.cleaned_data["qualitative_report"],
                            actor=request.user)
                except ValidationError as exc:
                    self.attachment_or_service_errors(exc, form)
                else:
                    messages.success(request, _("Compte rendu déposé. Merci !"))
                    return redirect("conventions:report", pk)
        return render(request, "conventions/report.html", self.context(report, form=form),
                      status=400)




class ReportTotalsView(ReportView):
    """The running totals of the report being typed (htmx): charges and resources, 86 = 87,
    the gaps still to explain. Reads what parses; never saves."""

    def post(self, request, pk):
        report = self.report(pk)
        self.check("report.submit", report)
        form = self.report_form(report, request.POST)
        form.is_valid()
        limit = services_conf().report_gap_percent
        return render(request, "conventions/_report_totals.html",
                      {"sections": form.sections(limit), "has_planned": form.planned is not None,
                       "gap_limit": limit})
