"""Pages of the recovery procedure (CRPA L121-1, L122-1) and of the in-kind aid of a
convention. Each form calls one service; a refused step re-renders the convention page with
the French errors next to their fields and what was typed."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from backoffice.core.forms import add_service_errors
from backoffice.core.money import format_eur
from backoffice.core.permissions import allowed
from backoffice.core.versioning import object_version, version_check

from .. import rules, selectors, services
from ..models import DocumentStatus, InKindAid
from ..recovery_forms import (
    CerWithdrawalForm,
    DecideForm,
    InKindAidForm,
    ObservationsForm,
    RepaymentRequestForm,
    SettleForm,
    TitleForm,
)
from ._base import Base
from .conventions import ConventionDetailView

STEP_FORMS = {"observations": ObservationsForm, "decide": DecideForm, "title": TitleForm,
              "settle": SettleForm}


def _initial(recovery, step, today) -> dict:
    if step == "decide":
        return {"on": today, "amount": recovery.amount}
    return {"on": today}


def recovery_rows(convention, user, bound=None) -> list[dict]:
    """Each recovery of the convention with its letters (ready PDFs) and, for a finance agent,
    the form of each step (``bound`` replaces one); the page shows the steps ``{% can %}``
    allows now."""
    today = timezone.localdate()
    agent = allowed(user, "payment.manage")[0]
    documents = {}
    for document in convention.documents.all():
        if document.recovery_id and document.status == DocumentStatus.READY:
            documents.setdefault(document.recovery_id, []).append(document)
    rows = []
    for recovery in convention.recoveries.select_related("offset_line__year"):
        forms = {}
        for step, form_class in STEP_FORMS.items():
            if not agent:
                continue
            if bound is not None and bound.recovery.pk == recovery.pk and bound.step == step:
                forms[step] = bound
            else:
                forms[step] = form_class(recovery=recovery,
                                         initial=_initial(recovery, step, today))
        rows.append({"recovery": recovery, "forms": forms,
                     "letters": sorted(documents.get(recovery.pk, []),
                                       key=lambda d: d.requested_at)})
    return rows


class RecoveryStepView(ConventionDetailView):
    """POST one step of one recovery: observations, decision, titre de recettes, settlement."""

    def get(self, request, pk, recovery_pk, step):
        return redirect("conventions:convention-detail", pk)

    def post(self, request, pk, recovery_pk, step):
        if step not in STEP_FORMS:
            raise Http404
        convention = self.convention(pk)
        recovery = convention.recoveries.filter(pk=recovery_pk).first()
        if recovery is None:
            raise Http404(_("Recouvrement introuvable."))
        self.check(f"recovery.{step}", recovery)
        form = STEP_FORMS[step](request.POST, recovery=recovery)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "confirm"}
            try:
                message = self.run(step, recovery, data)
            except ValidationError as exc:
                add_service_errors(exc, form)
            else:
                messages.success(request, message)
                return redirect(reverse("conventions:convention-detail", args=[pk])
                                + f"#recovery-{recovery.pk}")
        messages.error(request, _("L'étape n'a pas été enregistrée : corrigez le formulaire."))
        convention = self.convention(pk)
        return render(request, "conventions/convention_detail.html",
                      self.context(convention, recoveries=recovery_rows(
                          convention, request.user, bound=form)), status=400)

    def run(self, step, recovery, data) -> str:
        user = self.request.user
        if step == "observations":
            services.recovery_observations(recovery=recovery, actor=user, **data)
            return _("Observations enregistrées : la décision motivée peut être prise.")
        if step == "decide":
            recovery = services.recovery_decide(recovery=recovery, actor=user, **data)
            if recovery.decided_amount:
                return _("Décision enregistrée : %(amount)s à reverser avant le %(due)s ; la "
                         "lettre de décision est en cours de génération.") % {
                    "amount": format_eur(recovery.decided_amount),
                    "due": recovery.due_date.strftime("%d/%m/%Y")}
            return _("Décision enregistrée : le recouvrement est abandonné.")
        if step == "title":
            services.recovery_title(recovery=recovery, actor=user, **data)
            return _("Titre de recettes enregistré.")
        services.recovery_settle(recovery=recovery, actor=user, on=data["on"],
                                 offset_line=data.get("offset_line"))
        return (_("Recouvrement enregistré par compensation sur l'échéance.")
                if data.get("offset_line") else _("Encaissement du titre de recettes "
                                                  "enregistré."))


class CerWithdrawalView(ConventionDetailView):
    """POST the withdrawal of the subsidy for a breach of the contrat d'engagement
    républicain: it opens the contradictory procedure when money is to be recovered."""

    def get(self, request, pk):
        return redirect("conventions:convention-detail", pk)

    def post(self, request, pk):
        convention = self.convention(pk)
        self.check("convention.withdraw", convention)
        form = CerWithdrawalForm(request.POST)
        if form.is_valid():
            try:
                recovery = services.convention_withdraw_for_cer_breach(
                    convention=convention, actor=request.user,
                    breach_date=form.cleaned_data["breach_date"],
                    reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                add_service_errors(exc, form)
            else:
                messages.success(request, _(
                    "Subvention retirée, convention résiliée : %(amount)s à recouvrer, la "
                    "notification est en cours de génération.") % {
                    "amount": format_eur(recovery.amount)} if recovery else _(
                    "Subvention retirée, convention résiliée : rien n'a été versé au-delà de la "
                    "part conservée, il n'y a rien à recouvrer."))
                return redirect("conventions:convention-detail", pk)
        messages.error(request, _("Le retrait n'a pas été enregistré : corrigez le formulaire."))
        convention = self.convention(pk)
        return render(request, "conventions/convention_detail.html",
                      self.context(convention, cer_form=form, failed_action="cer-withdrawal"),
                      status=400)


@method_decorator(never_cache, name="dispatch")
class RepaymentRequestView(Base):
    """A repayment started by hand (CGCT L1611-4: money paid and not used, or a breach of the
    convention): everyone who sees the convention sees what was paid and what is already asked
    back; the finance agents get the form."""

    template = "conventions/recovery/repayment.html"

    def render_page(self, convention, form, status=200):
        return render(self.request, self.template, {
            "convention": convention, "form": form,
            "room": selectors.repayment_room(convention=convention),
            "recoveries": list(convention.recoveries.all()),
        }, status=status)

    def get(self, request, pk):
        convention = self.convention(pk)
        form = None
        if allowed(request.user, "repayment.request", convention)[0]:
            form = RepaymentRequestForm(initial={"on": timezone.localdate()})
        return self.render_page(convention, form)

    def post(self, request, pk):
        convention = self.convention(pk)
        self.check("repayment.request", convention)
        form = RepaymentRequestForm(request.POST)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "confirm"}
            try:
                recovery = services.repayment_request(convention=convention,
                                                      actor=request.user, **data)
            except ValidationError as exc:
                add_service_errors(exc, form)
            else:
                messages.success(request, _(
                    "Reversement de %(amount)s notifié : observations attendues avant le "
                    "%(deadline)s ; la notification est en cours de génération.") % {
                    "amount": format_eur(recovery.amount),
                    "deadline": recovery.observation_deadline.strftime("%d/%m/%Y")})
                return redirect(reverse("conventions:convention-detail", args=[pk])
                                + f"#recovery-{recovery.pk}")
        messages.error(request, _("La demande n'a pas été enregistrée : corrigez le "
                                  "formulaire."))
        return self.render_page(convention, form, status=400)


@method_decorator(never_cache, name="dispatch")
class InKindAidView(Base):
    """The in-kind aid of a convention: list, add and (while the convention is a draft) edit,
    with the year's aid of all kinds against the threshold."""

    template = "conventions/recovery/in_kind.html"

    def load(self, pk, aid_pk=None):
        convention = self.convention(pk)
        self.check("convention.manage", convention)
        aid = None
        if aid_pk is not None:
            aid = InKindAid.objects.filter(pk=aid_pk, convention=convention).first()
            if aid is None:
                raise Http404(_("Aide en nature introuvable."))
        return convention, aid

    def render_page(self, convention, aid, form, status=200):
        years = rules.calendar_years(convention.start_date, convention.end_date)
        return render(self.request, self.template, {
            "convention": convention, "aid": aid, "form": form,
            "aids": list(convention.in_kind_aids.order_by("year", "pk")),
            "editable": convention.status == "draft",
            "version": object_version(aid) if aid else "",
            "aid_summary": services.aid_summary(organisation=convention.organisation,
                                            authority=convention.authority, years=years),
        }, status=status)

    def get(self, request, pk, aid_pk=None):
        convention, aid = self.load(pk, aid_pk)
        years = rules.calendar_years(convention.start_date, convention.end_date)
        initial = ({"kind": aid.kind, "description": aid.description, "year": aid.year,
                    "value": aid.value, "valuation_method": aid.valuation_method,
                    "account": aid.account} if aid else {"year": years[0]})
        return self.render_page(convention, aid, InKindAidForm(initial=initial, years=years))

    def post(self, request, pk, aid_pk=None):
        convention, aid = self.load(pk, aid_pk)
        years = rules.calendar_years(convention.start_date, convention.end_date)
        form = InKindAidForm(request.POST, years=years)
        if form.is_valid():
            try:
                if aid is None:
                    services.in_kind_aid_add(convention=convention, actor=request.user,
                                             **form.cleaned_data)
                else:
                    version_check(obj=aid, version=request.POST.get("version"))
                    services.in_kind_aid_update(aid=aid, actor=request.user,
                                                **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(exc, form)
            else:
                messages.success(request, _("Aide en nature enregistrée."))
                return redirect("conventions:in-kind", convention.pk)
        # The page shows the current version: saving again after reading the changes confirms.
        return self.render_page(convention, aid, form, status=400)


def detail_context(convention, user) -> dict:
    """What the convention page shows of the recovery procedure and of the aid of all kinds:
    every viewer sees the state and the letters, the finance agents get the forms."""
    ctx = {"recoveries": recovery_rows(convention, user),
           "aid_summary": services.aid_summary(
               organisation=convention.organisation, authority=convention.authority,
               years=rules.calendar_years(convention.start_date, convention.end_date)),
           "in_kind_aids": list(convention.in_kind_aids.all())}
    if allowed(user, "convention.withdraw", convention)[0]:
        ctx["cer_form"] = CerWithdrawalForm(initial={"breach_date": timezone.localdate()})
    return ctx
