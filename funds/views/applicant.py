"""Public calls and the applicant's side: start, fill (drafts saved as you go), submit, follow."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views import View
from django.views.decorators.cache import never_cache

from backoffice.core.budget import VOLUNTEERING_CHARGE
from backoffice.core.models import DocumentKind
from backoffice.core.money import format_hours
from backoffice.core.selectors import user_organisations
from backoffice.core.versioning import object_version

from .. import rules, selectors, services
from ..forms import ApplicationForm, ApplicationStartForm, BudgetForm
from ..models import ApplicationStatus
from .common import application_or_404, call_or_404, check, errors_to_forms, shares_context


class CallListView(View):
    def get(self, request):
        return render(request, "funds/call_list.html", {"calls": selectors.call_list_open()})


class CallDetailView(View):
    def get(self, request, pk):
        call = call_or_404(pk)
        return render(request, "funds/call_detail.html", {
            "call": call, "accepts": selectors.call_accepts_submissions(call),
            "required_documents": [DocumentKind(k).label for k in call.required_documents or []],
            "phases": _phase_rows(call)})


def _phase_rows(call) -> list[dict]:
    from ..models import CallPhase

    dates = call.phase_dates()
    order = rules.PHASE_ORDER
    return [{"label": CallPhase(phase).label, "date": date,
             "current": phase == call.phase,
             "past": order.index(phase) < order.index(call.phase)}
            for phase, date in dates.items()]


class ApplicationStartView(LoginRequiredMixin, View):
    template_name = "funds/application_start.html"

    def _form(self, request, call, data=None):
        return ApplicationStartForm(data, organisations=user_organisations(user=request.user),
                                    allows_individuals=call.allows_individuals)

    def get(self, request, pk):
        call = call_or_404(pk)
        return render(request, self.template_name, {"call": call, "form": self._form(request, call)})

    def post(self, request, pk):
        call = call_or_404(pk)
        form = self._form(request, call, request.POST)
        if form.is_valid():
            choice = form.cleaned_data["organisation"]
            organisation = form.organisations.get(choice)
            try:
                application = services.application_create(
                    user=request.user, call=call, organisation=organisation,
                    title=form.cleaned_data["title"],
                    applicant_age=form.cleaned_data.get("applicant_age"))
            except ValidationError as exc:
                errors_to_forms(exc, form)
            else:
                messages.success(request, _("Brouillon créé : complétez votre dossier, il est "
                                            "enregistré au fil de la saisie."))
                return redirect("funds:application-edit", pk=application.pk)
        return render(request, self.template_name, {"call": call, "form": form}, status=400)


class ApplicationListView(LoginRequiredMixin, View):
    """« Mes dossiers »: every application of my organisations and my own."""

    def get(self, request):
        applications = selectors.application_list(user=request.user).order_by("-updated_at")
        if request.user.works_for_authority:
            applications = applications.filter(applicant=request.user)
        return render(request, "funds/application_list.html", {"applications": applications})


def _edit_forms(request, application, data=None):
    value, note = selectors.planned_volunteering(
        organisation=application.organisation, hours=application.volunteer_hours)
    form = ApplicationForm(data, application=application)
    hours = application.volunteer_hours or 0
    if data is not None and form.is_valid() and value is not None:
        hours = form.cleaned_data.get("volunteer_hours") or 0
    stored = [line.amount for line in application.budget_lines.all()
              if line.account == VOLUNTEERING_CHARGE]
    if value is not None and stored and hours == (application.volunteer_hours or 0):
        # The hours are those of the stored budget: its valued volunteering stays as it was
        # saved (a new rate in force does not rewrite what the association sent).
        value = sum(stored, Decimal("0.00"))
        note = _("%(hours)s prévues, valorisées au taux en vigueur lors de leur saisie ; "
                 "le montant est recalculé si vous changez les heures.") % {
            "hours": format_hours(hours)}
    elif value is not None and data is not None:
        # Recompute the valued volunteering from the hours being typed.
        value, note = selectors.planned_volunteering(
            organisation=application.organisation, hours=hours)
    budget = BudgetForm(data, application=application, volunteering_value=value)
    return form, budget, note


def _edit_context(application, form, budget, note, lines=None):
    if lines is None:
        lines = selectors.budget_lines_of(application)
    amount = application.amount_requested
    if form.is_bound and form.is_valid():
        amount = form.cleaned_data.get("amount_requested") or 0
    return {
        "application": application, "call": application.call, "form": form, "budget": budget,
        "volunteering_note": note,
        "missing_documents": [DocumentKind(k) for k in
                              selectors.application_missing_documents(application)],
        "overdue_reports": selectors.overdue_reports(organisation=application.organisation),
        "overdue_blocks": selectors.overdue_reports_block(),
        "version": object_version(application),
        **shares_context(application, lines, amount),
    }


def _parse(form, budget, application):
    """Budget lines and service data when both forms parse, else None."""
    if not (form.is_valid() and budget.is_valid()):
        return None
    data = form.data_for_service()
    if application.organisation_id is not None:
        data.pop("applicant_age", None)
    lines = services.application_budget(application=application, lines=budget.lines(),
                                        amount_requested=data.get("amount_requested"))
    return data, lines


@method_decorator(never_cache, name="dispatch")
class ApplicationEditView(LoginRequiredMixin, View):
    """The one page of the single simple application."""

    template_name = "funds/application_form.html"

    def get(self, request, pk):
        application = application_or_404(request, pk)
        check(request.user, "application.edit", application)
        form, budget, note = _edit_forms(request, application)
        return render(request, self.template_name,
                      _edit_context(application, form, budget, note))

    def post(self, request, pk):
        application = application_or_404(request, pk)
        submitting = request.POST.get("action") == "submit"
        if submitting and not application.editable:
            # A second click on "Déposer": the first one already went through.
            messages.info(request, _("Ce dossier est déjà déposé."))
            return redirect("funds:application-detail", pk=application.pk)
        check(request.user, "application.edit", application)
        form, budget, note = _edit_forms(request, application, request.POST)
        parsed = _parse(form, budget, application)
        if parsed is not None:
            data, lines = parsed
            try:
                application = services.application_update(
                    application=application, user=request.user, data=data, budget_lines=lines,
                    version=request.POST.get("version"))
                if submitting:
                    services.application_submit(application=application, user=request.user,
                                                answer=request.POST.get("answer", ""))
            except ValidationError as exc:
                application.refresh_from_db()
                if submitting and not application.editable:
                    # A concurrent click submitted it while this one waited for the row lock.
                    messages.info(request, _("Ce dossier est déjà déposé."))
                    return redirect("funds:application-detail", pk=application.pk)
                errors_to_forms(exc, form, (budget,))
            else:
                if submitting:
                    messages.success(request, _("Dossier déposé. Un récépissé vous est envoyé "
                                                "par courriel."))
                    return redirect("funds:application-detail", pk=application.pk)
                messages.success(request, _("Brouillon enregistré."))
                return redirect("funds:application-edit", pk=application.pk)
        application.refresh_from_db()
        lines = parsed[1] if parsed else None
        return render(request, self.template_name,
                      _edit_context(application, form, budget, note, lines), status=400)


class ApplicationSharesView(LoginRequiredMixin, View):
    """htmx: save the draft as you type and answer the live shares panel."""

    def post(self, request, pk):
        application = application_or_404(request, pk)
        check(request.user, "application.edit", application)
        form, budget, note = _edit_forms(request, application, request.POST)
        parsed = _parse(form, budget, application)
        saved_at, problems = None, []
        if parsed is not None:
            data, lines = parsed
            try:
                services.application_update(application=application, user=request.user,
                                            data=data, budget_lines=lines,
                                            version=request.POST.get("version"))
                saved_at = timezone.localtime()
            except ValidationError as exc:
                problems = exc.messages
        else:
            lines = selectors.budget_lines_of(application)
            problems = [f"{form[name].label if name in form.fields else budget[name].label} : "
                        f"{' '.join(errs)}"
                        for f in (form, budget) for name, errs in f.errors.items()
                        if name != "__all__"]
        ctx = _edit_context(application, form, budget, note, lines)
        # A saved draft is the page's new version: the form carries it from now on.
        ctx.update({"saved_at": saved_at, "problems": problems, "oob_version": saved_at})
        return render(request, "funds/_shares.html", ctx)


class ApplicationDetailView(LoginRequiredMixin, View):
    """« Mon dossier »: status timeline, every message, the submitted versions and receipts."""

    def get(self, request, pk):
        application = application_or_404(request, pk)
        check(request.user, "application.view", application)
        lines = selectors.budget_lines_of(application)
        award = (getattr(application, "award", None)
                 if application.status == ApplicationStatus.AWARDED else None)
        return render(request, "funds/application_detail.html", {
            "application": application, "timeline": selectors.application_timeline(application),
            "versions": application.versions.all(),
            "award": award,
            "award_convention": getattr(award, "convention", None),
            "can_edit": application.editable and check_ok(request.user, "application.edit",
                                                          application),
            "lines": lines, **shares_context(application, lines, application.amount_requested)})


def check_ok(user, action, obj) -> bool:
    from ..permissions import can

    return can(user, action, obj)[0]


FIELD_LABELS = {
    "title": _lazy("Titre"), "summary": _lazy("Résumé"), "place": _lazy("Lieu"),
    "start_date": _lazy("Début"), "end_date": _lazy("Fin"), "nature": _lazy("Nature"),
    "amount_requested": _lazy("Montant demandé"), "volunteer_hours": _lazy("Heures de bénévolat"),
    "answers": _lazy("Réponses aux questions"), "budget": _lazy("Budget"),
}


def _readable(name: str, value) -> str:
    """A frozen value as the instructor reads it (budget lines one per line)."""
    from backoffice.core.money import format_eur

    if name == "budget":
        return "\n".join(f"{line['account']} {line['label']} : {format_eur(line['amount'])}"
                         for line in value or [])
    if name == "answers":
        return "\n".join(str(answer) for answer in value or [])
    return "" if value is None else str(value)


class ApplicationVersionsView(LoginRequiredMixin, View):
    """Each submitted version compared with the previous one."""

    def get(self, request, pk):
        application = application_or_404(request, pk)
        check(request.user, "application.view", application)
        versions = list(application.versions.select_related("submitted_by"))
        comparisons = [{"version": version,
                        "diff": [(FIELD_LABELS.get(name, name), _readable(name, before),
                                  _readable(name, after)) for name, before, after
                                 in rules.version_diff(previous.data, version.data)]}
                       for previous, version in zip(versions, versions[1:], strict=False)]
        return render(request, "funds/application_versions.html", {
            "application": application, "versions": versions,
            "comparisons": list(reversed(comparisons))})


class ReceiptDownloadView(LoginRequiredMixin, View):
    def get(self, request, pk, number):
        application = application_or_404(request, pk)
        check(request.user, "application.view", application)
        version = application.versions.filter(number=number).first()
        if version is None or not version.receipt:
            raise Http404
        return FileResponse(version.receipt.open("rb"), content_type="application/pdf",
                            filename=f"recepisse-{application.pk}-v{number}.pdf")


class ApplicationDocumentUploadView(LoginRequiredMixin, View):
    """Give a missing or expired document without leaving the application: it is stored once
    on the organisation and reused by every later application."""

    def post(self, request, pk):
        from backoffice.core.forms import DocumentUploadForm
        from backoffice.core.services import document_upload

        application = application_or_404(request, pk)
        check(request.user, "application.edit", application)
        if application.organisation_id is None:
            raise Http404
        form = DocumentUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                document_upload(organisation=application.organisation, user=request.user,
                                **form.cleaned_data)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("Document enregistré ; il sera réutilisé pour vos "
                                            "prochaines demandes."))
        else:
            messages.error(request, " ".join(e for errors in form.errors.values()
                                             for e in errors))
        return redirect("funds:application-edit", pk=application.pk)
