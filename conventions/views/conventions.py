"""Convention pages: list, creation, detail with its actions, schedule edit."""

from __future__ import annotations

import copy

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from backoffice.core.audit import audit_events_for
from backoffice.core.choices import Nature
from backoffice.core.forms import add_service_errors
from backoffice.core.versioning import object_version, version_check

from .. import selectors, services
from ..forms import (
    AmendmentForm,
    AmendmentSendForm,
    AmendmentSignForm,
    ConventionCreateForm,
    ConventionEditForm,
    ConventionFilterForm,
    PaymentCancelForm,
    PaymentOrderForm,
    PaymentPaidForm,
    ScheduleFormSet,
    SignForm,
    TerminateForm,
    YearConfirmForm,
)
from ..imputation import imputation_mismatch, imputation_proposal, imputation_proposals
from ..models import ConventionStatus, PaymentStatus, ScheduleLine
from ..permissions import can
from ..rules import ScheduleItem, payment_state
from ..services._common import conf
from ._base import Base


class ConventionListView(Base):
    def get(self, request):
        self.check("convention.list_all")
        form = ConventionFilterForm(request.GET or None)
        filters = form.cleaned_data if form.is_valid() else {}
        qs = selectors.convention_list(
            user=request.user, status=filters.get("status") or "", year=filters.get("year"),
            organisation=filters.get("organisation"), late=filters.get("late", False),
            report_overdue=filters.get("report_overdue", False), search=filters.get("q") or "")
        page = Paginator(qs, 50).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        return render(request, "conventions/convention_list.html",
                      {"form": form, "page": page, "query": query.urlencode(),
                       "can_manage": can(request.user, "convention.manage")[0],
                       "awards": list(selectors.awards_without_convention(user=request.user)),
                       "authorities_without_population": list(
                           selectors.authorities_without_population()),
                       "several_authorities": selectors.paying_authorities()[:2].count() > 1})


class ConventionFromAwardView(Base):
    """One click: the award of a decided application becomes a draft convention (or letter)."""

    def post(self, request, award_pk):
        from funds.models import Award

        self.check("convention.manage")
        award = Award.objects.filter(pk=award_pk).first()
        if award is None:
            raise Http404(_("Attribution introuvable."))
        existing = selectors.convention_of_award(award=award)
        try:
            convention = services.convention_create_from_award(award=award, actor=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("conventions:convention-list")
        if existing is not None:
            messages.info(request, _("Cette attribution a déjà sa convention %(ref)s.")
                          % {"ref": convention.reference})
        else:
            kind = services.main_document_kind(convention)
            messages.success(request, (
                _("Convention %(ref)s créée en brouillon à partir de l'attribution : "
                  "complétez-la puis envoyez-la pour signature.") if kind == "convention" else
                _("Attribution %(ref)s créée en brouillon : sous le seuil de 23 000 € par an, "
                  "elle produit une lettre de notification.")) % {"ref": convention.reference})
        return redirect("conventions:convention-detail", convention.pk)


class ConventionCreateView(Base):
    def page(self, form, status=200):
        """The form, the account proposed for the nature and fund chosen and why, and every
        proposal for the script that follows the choices (static/js/imputation.js)."""
        data = form.data if form.is_bound else form.initial
        nature = data.get("nature") or Nature.OPERATING
        fund_id = str(data.get("fund") or "")
        fund = (form.fields["fund"].queryset.filter(pk=fund_id).first() if fund_id.isdigit()
                else None)
        account, reason = imputation_proposal(nature=nature, fund=fund)
        # The bound field keeps the help text it was made with: both say the reason.
        form.fields["imputation"].help_text = form["imputation"].help_text = reason
        return render(self.request, "conventions/convention_form.html",
                      {"form": form, "proposed_imputation": account,
                       "imputation_proposals": imputation_proposals(
                           form.fields["fund"].queryset)}, status=status)

    def get(self, request):
        self.check("convention.manage")
        nature = Nature.OPERATING
        return self.page(ConventionCreateForm(initial={
            "nature": nature, "imputation": imputation_proposal(nature=nature)[0]}))

    def post(self, request):
        self.check("convention.manage")
        form = ConventionCreateForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            fund = data.pop("fund", None)
            data["imputation"] = (data["imputation"] or "").strip() or imputation_proposal(
                nature=data["nature"], fund=fund)[0]
            try:
                convention = services.convention_create(actor=request.user, **data)
            except ValidationError as exc:
                add_service_errors(exc, form)
            else:
                mismatch = imputation_mismatch(nature=convention.nature,
                                               account=convention.imputation)
                for warning in [*convention.warnings, *filter(None, [mismatch])]:
                    messages.warning(request, warning)
                messages.success(request, _("Convention %(ref)s créée.")
                                 % {"ref": convention.reference})
                return redirect("conventions:convention-detail", convention.pk)
        return self.page(form, status=400)


CLAUSE_TEXTS = ("object", "imputation", "conditions_of_use", "evaluation_terms",
                "keep_rule_text", "decision_reference")


def _missing_as_typed(convention, data) -> list[str]:
    """The clauses the convention would still lack if saved as typed in ``data`` (never
    saved: the list is computed on an unsaved copy)."""
    draft = copy.copy(convention)
    for name in CLAUSE_TEXTS:
        if name in data:
            setattr(draft, name, data.get(name) or "")
    if "decision_date" in data:
        try:
            draft.decision_date = forms.DateField().clean(data.get("decision_date") or None)
        except ValidationError:
            draft.decision_date = None
    return services.missing_clauses(draft)


@method_decorator(never_cache, name="dispatch")
class ConventionEditView(Base):
    """Every clause of a draft convention, with the list of what the document still lacks
    (updated while typing). Refused once the convention has left the draft."""

    template_name = "conventions/convention_edit.html"

    def draft(self, pk):
        convention = self.convention(pk)
        self.check("convention.edit", convention)
        return convention

    def render_page(self, convention, form, missing, status=200):
        return render(self.request, self.template_name, {
            "convention": convention, "form": form, "missing": missing,
            "version": services.convention_version(convention),
            "document_kind": services.main_document_kind(convention)}, status=status)

    def get(self, request, pk):
        convention = self.draft(pk)
        form = ConventionEditForm(initial=ConventionEditForm.initial_from(convention))
        return self.render_page(convention, form, services.missing_clauses(convention))

    def post(self, request, pk):
        convention = self.draft(pk)
        form = ConventionEditForm(request.POST)
        if form.is_valid():
            try:
                updated = services.convention_update(
                    convention=convention, actor=request.user,
                    version=request.POST.get("version"), **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(exc, form)
            else:
                for warning in updated.warnings:
                    messages.warning(request, warning)
                messages.success(request, _("Clauses de la convention %(ref)s enregistrées.")
                                 % {"ref": updated.reference})
                return redirect("conventions:convention-detail", updated.pk)
        convention = self.convention(pk)
        return self.render_page(convention, form, _missing_as_typed(convention, request.POST),
                                status=400)


class ConventionClausesView(ConventionEditView):
    """The missing clauses of the draft as typed (htmx): reads, never saves."""

    def get(self, request, pk):
        return redirect("conventions:convention-edit", pk)

    def post(self, request, pk):
        convention = self.draft(pk)
        return render(request, "conventions/_missing_clauses.html",
                      {"missing": _missing_as_typed(convention, request.POST),
                       "convention": convention})


def _timeline(convention, today, soon_days):
    rows = []
    for year in convention.years.all():
        lines = []
        for line in year.lines.all():
            live = [p for p in line.payments.all() if p.status != PaymentStatus.CANCELLED]
            payment = live[-1] if live else None
            paid_on = payment.paid_on if payment and payment.status == PaymentStatus.PAID else None
            lines.append({"line": line, "payment": payment,
                          "state": payment_state(due_by_date=line.due_by, paid_on=paid_on,
                                                 today=today, soon_days=soon_days)})
        # A tranche has no report until confirmed (RelatedObjectDoesNotExist is an AttributeError).
        report = getattr(year, "report", None)
        rows.append({"year": year, "lines": lines, "report": report})
    return rows


def _volunteering_by_year(convention) -> list[tuple[int, object]]:
    """Validated volunteer hours logged on the convention, per tranche year (ANC 2018-06)."""
    from volunteering.selectors import volunteer_totals

    rows = []
    for tranche in convention.years.all():
        totals = volunteer_totals(organisation=convention.organisation, year=tranche.year,
                                  convention=convention)
        if totals.hours:
            rows.append((tranche.year, totals))
    return rows


def _recovery_context(convention, user) -> dict:
    """The recovery procedure, the CER withdrawal form and the aid of all kinds against the
    threshold (their page code lives in views/recovery.py)."""
    from .recovery import detail_context

    return detail_context(convention, user)


class ConventionDetailView(Base):
    def get(self, request, pk):
        convention = self.convention(pk)
        self.check("convention.view", convention)
        return render(request, "conventions/convention_detail.html",
                      self.context(convention))

    def context(self, convention, **forms):
        c = conf()
        today = timezone.localdate()
        agent = can(self.request.user, "convention.manage")[0]
        ctx = {
            "convention": convention, "timeline": _timeline(convention, today, c.soon_late_days),
            "agent": agent, "missing": services.missing_clauses(convention),
            "document_kind": services.main_document_kind(convention),
            "audit": list(audit_events_for(convention)[:30]),
            "history": list(convention.history.select_related("history_user")[:20]),
            "today": today,
            "award": getattr(convention, "award", None),
            "volunteering": _volunteering_by_year(convention),
        }
        ctx.update(_recovery_context(convention, self.request.user))
        if agent:
            ctx.update({
                "sign_form": SignForm(initial={
                    "signed_on": today, "authority_signatory": convention.authority.signatory_name,
                    "organisation_signatory": convention.organisation.legal_representative_name}),
                "terminate_form": TerminateForm(initial={"terminated_on": today}),
                "amendment_form": AmendmentForm(),
            })
        ctx.update(forms)
        return ctx


ACTIONS = {
    # name: (permission, form class)
    "send": ("convention.manage", None),
    "sign": ("convention.manage", SignForm),
    "terminate": ("convention.manage", TerminateForm),
    "confirm-year": ("convention.manage", YearConfirmForm),
    "order": ("payment.manage", PaymentOrderForm),
    "paid": ("payment.manage", PaymentPaidForm),
    "cancel-payment": ("payment.manage", PaymentCancelForm),
    "amend": ("convention.manage", AmendmentForm),
    "send-amendment": ("convention.manage", AmendmentSendForm),
    "sign-amendment": ("convention.manage", AmendmentSignForm),
    "regenerate": ("convention.manage", None),
}


class ConventionActionView(ConventionDetailView):
    """One POST endpoint per business action on a convention; each calls one service."""

    def get(self, request, pk, action):
        return redirect("conventions:convention-detail", pk)

    def post(self, request, pk, action):
        if action not in ACTIONS:
            raise Http404
        convention = self.convention(pk)
        permission, form_class = ACTIONS[action]
        self.check(permission, convention)
        form = None
        if form_class is not None:
            kwargs = {"convention": convention} if form_class is YearConfirmForm else {}
            form = form_class(request.POST, **kwargs)
            if not form.is_valid():
                return self.failed(convention, action, form)
        try:
            message = self.run(action, convention, form.cleaned_data if form else {})
        except ValidationError as exc:
            if form is None:
                for error in exc.messages:
                    messages.error(request, error)
                return redirect("conventions:convention-detail", pk)
            add_service_errors(exc, form)
            return self.failed(convention, action, form)
        messages.success(request, message)
        return redirect("conventions:convention-detail", pk)

    def failed(self, convention, action, form):
        messages.error(self.request, _("L'action n'a pas été enregistrée : corrigez le formulaire."))
        key = {"sign": "sign_form", "terminate": "terminate_form", "amend": "amendment_form"}.get(
            action, "action_form")
        convention = self.convention(convention.pk)
        return render(self.request, "conventions/convention_detail.html",
                      self.context(convention, **{key: form, "action_form": form,
                                                  "failed_action": action}), status=400)

    def run(self, action, convention, data) -> str:
        user = self.request.user
        if action == "send":
            services.convention_transition(convention=convention, to=ConventionStatus.SENT,
                                           actor=user)
            return _("Convention envoyée pour signature ; le document est en cours de génération.")
        if action == "sign":
            services.convention_transition(
                convention=convention, to=ConventionStatus.SIGNED, actor=user,
                on=data["signed_on"], authority_signatory=data["authority_signatory"],
                organisation_signatory=data["organisation_signatory"])
            return _("Signature enregistrée.")
        if action == "terminate":
            services.convention_transition(convention=convention, to=ConventionStatus.TERMINATED,
                                           actor=user, on=data["terminated_on"],
                                           reason=data["reason"])
            return _("Convention résiliée.")
        if action == "confirm-year":
            services.convention_year_confirm(year=data["year"], amount=data["amount"],
                                             vote_reference=data["vote_reference"],
                                             vote_date=data["vote_date"], actor=user)
            return _("Tranche confirmée ; l'échéancier est prêt.")
        if action == "order":
            services.payment_record(
                line=self._line(convention, data["line"]), ordered_on=data["ordered_on"],
                paid_on=data.get("paid_on"), mandate_reference=data["mandate_reference"],
                account=data["account"] or "", actor=user)
            return _("Mandat enregistré.")
        if action == "paid":
            payment = self._payment(convention, data["payment"])
            services.payment_transition(payment=payment, to=PaymentStatus.PAID,
                                        paid_on=data["paid_on"], actor=user)
            return _("Versement enregistré.")
        if action == "cancel-payment":
            payment = self._payment(convention, data["payment"])
            services.payment_cancel(payment=payment, reason=data["reason"], actor=user)
            return _("Mandat annulé ; l'échéance peut être mandatée à nouveau.")
        if action == "amend":
            services.amendment_create(convention=convention, reason=data["reason"],
                                      new_amounts=data["new_amounts"],
                                      new_end_date=data["new_end_date"],
                                      decision_reference=data["decision_reference"],
                                      decision_date=data["decision_date"], actor=user)
            return _("Avenant préparé : envoyez-le pour signature, il prendra effet à sa "
                     "signature.")
        if action == "send-amendment":
            amendment = convention.amendments.filter(pk=data["amendment"]).first()
            if amendment is None:
                raise ValidationError(_("Avenant introuvable."))
            services.amendment_transition(amendment=amendment, to="sent", actor=user)
            return _("Avenant envoyé pour signature ; son document est en cours de génération.")
        if action == "sign-amendment":
            amendment = convention.amendments.filter(pk=data["amendment"]).first()
            if amendment is None:
                raise ValidationError(_("Avenant introuvable."))
            services.amendment_transition(amendment=amendment, to="signed", actor=user,
                                          on=data["signed_on"])
            return _("Avenant signé et appliqué.")
        if action == "regenerate":
            with transaction.atomic():
                services.document_request(convention=convention,
                                          kind=services.main_document_kind(convention))
            return _("Nouvelle version du document demandée.")
        raise Http404

    @staticmethod
    def _line(convention, pk):
        for year in convention.years.all():
            for line in year.lines.all():
                if line.pk == pk:
                    return line
        raise ValidationError(_("Échéance introuvable."))

    @staticmethod
    def _payment(convention, pk):
        for year in convention.years.all():
            for line in year.lines.all():
                for payment in line.payments.all():
                    if payment.pk == pk:
                        return payment
        raise ValidationError(_("Versement introuvable."))


def _schedule_version(year) -> str:
    """A year's schedule changes with the year row and with any of its lines."""
    return object_version(year, related=[ScheduleLine.history.filter(year_id=year.pk)])


@method_decorator(never_cache, name="dispatch")
class ScheduleEditView(Base):
    def dispatch_year(self, pk, year_pk):
        convention = self.convention(pk)
        self.check("convention.manage", convention)
        year = next((y for y in convention.years.all() if y.pk == year_pk), None)
        if year is None:
            raise Http404
        return convention, year

    def get(self, request, pk, year_pk):
        convention, year = self.dispatch_year(pk, year_pk)
        formset = ScheduleFormSet(initial=[
            {"kind": line.kind, "planned_date": line.planned_date, "amount": line.amount}
            for line in year.lines.all()])
        return render(request, "conventions/schedule_form.html",
                      {"convention": convention, "year": year, "formset": formset,
                       "version": _schedule_version(year)})

    def post(self, request, pk, year_pk):
        convention, year = self.dispatch_year(pk, year_pk)
        formset = ScheduleFormSet(request.POST)
        errors = []
        if formset.is_valid():
            items = [ScheduleItem(f.cleaned_data["kind"], f.cleaned_data["amount"],
                                  f.cleaned_data["planned_date"],
                                  f.cleaned_data["kind"] == "balance" and any(
                                      line.waits_for_report for line in year.lines.all()))
                     for f in formset.forms
                     if f.cleaned_data and not f.cleaned_data.get("DELETE")]
            try:
                with transaction.atomic():
                    # A page opened before someone else's change of this schedule saves nothing.
                    locked = type(year).objects.select_for_update().get(pk=year.pk)
                    version_check(obj=locked, version=request.POST.get("version"),
                                  related=[ScheduleLine.history.filter(year_id=year.pk)])
                    services.schedule_update(year=year, items=items, actor=request.user)
            except ValidationError as exc:
                errors = exc.messages
            else:
                messages.success(request, _("Échéancier enregistré."))
                return redirect("conventions:convention-detail", pk)
        return render(request, "conventions/schedule_form.html",
                      {"convention": convention, "year": year, "formset": formset,
                       "errors": errors, "version": _schedule_version(year)}, status=400)


