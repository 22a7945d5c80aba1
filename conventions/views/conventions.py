"""Convention pages: list, detail with its actions, schedule edit (creation and the draft's
clauses: ``drafts``)."""

from __future__ import annotations

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
from backoffice.core.forms import add_service_errors
from backoffice.core.versioning import object_version, version_check

from .. import selectors, services
from ..forms import (
    AmendmentForm,
    AmendmentSendForm,
    AmendmentSignForm,
    ConventionFilterForm,
    PaymentCancelForm,
    PaymentOrderForm,
    PaymentPaidForm,
    ScheduleFormSet,
    SignForm,
    TerminateForm,
    YearConfirmForm,
)
from ..models import ConventionStatus, PaymentStatus, ScheduleLine
from ..permissions import can
from ..rules import ScheduleItem, payment_state
from ..services._common import conf
from ._base import Base


class ConventionListView(Base):
    def get(self, request):
        self.check("convention.list_all")
        authorities = list(selectors.paying_authorities())
        form = ConventionFilterForm(request.GET or None, authorities=authorities)
        filters = form.cleaned_data if form.is_valid() else {}
        qs = selectors.convention_list(
            user=request.user, status=filters.get("status") or "", year=filters.get("year"),
            organisation=filters.get("organisation"), late=filters.get("late", False),
            report_overdue=filters.get("report_overdue", False), search=filters.get("q") or "",
            authority=filters.get("authority"))
        page = Paginator(qs, 50).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        return render(request, "conventions/convention_list.html",
                      {"form": form, "page": page, "query": query.urlencode(),
                       "can_manage": can(request.user, "convention.manage")[0],
                       "awards": list(selectors.awards_without_convention(user=request.user)),
                       "authorities_without_population": list(
                           selectors.authorities_without_population()),
                       "paying_authorities": authorities,
                       "several_authorities": len(authorities) > 1})


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


