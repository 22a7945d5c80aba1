"""The authority's side: calls with counts and envelope, review queue, review, decisions."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache

from backoffice.core.choices import Nature
from backoffice.core.money import to_money
from backoffice.core.versioning import object_version

from .. import rules, selectors, services
from ..forms import (
    CommitteeHeaderForm,
    DecisionForm,
    MessageForm,
    MotivationForm,
    QueueFilterForm,
    ReviewForm,
)
from ..models import ApplicationStatus, Call, CallPhase
from .common import application_or_404, check, errors_to_forms, shares_context

QUEUE_PAGE_SIZE = 50


def _agent_call_or_404(request, pk):
    check(request.user, "call.view_applications")
    try:
        return selectors.call_list_for_agents(user=request.user).get(pk=pk)
    except Call.DoesNotExist as exc:
        raise Http404 from exc


def _gauge(call) -> dict:
    envelope = call.fund.envelope
    committed = call.fund_committed
    share = (committed / envelope * 100).quantize(Decimal("1")) if envelope else Decimal("0")
    return {"envelope": envelope, "committed": committed, "remaining": envelope - committed,
            "percent": min(share, Decimal("100"))}


class AgentCallListView(LoginRequiredMixin, View):
    """Calls with counts per status and an envelope gauge (constant number of queries)."""

    def get(self, request):
        check(request.user, "call.view_applications")
        calls = list(selectors.call_list_for_agents(user=request.user))
        rows = [{"call": call, "gauge": _gauge(call),
                 "counts": selectors.call_status_counts(call)} for call in calls]
        return render(request, "funds/agent_call_list.html", {"rows": rows})


class AgentCallDetailView(LoginRequiredMixin, View):
    def get(self, request, pk):
        call = _agent_call_or_404(request, pk)
        dates = call.phase_dates()
        sequence = ["draft", *[p for p in rules.PHASE_ORDER if p in dates]]
        index = sequence.index(call.phase)
        return render(request, "funds/agent_call_detail.html", {
            "call": call, "gauge": _gauge(call), "counts": selectors.call_status_counts(call),
            "previous_phase": CallPhase(sequence[index - 1]) if index > 0 else None,
            "next_phase": CallPhase(sequence[index + 1]) if index + 1 < len(sequence) else None,
            "dates": [(CallPhase(p).label, d) for p, d in dates.items()],
        })


class CallPhaseView(LoginRequiredMixin, View):
    def post(self, request, pk):
        call = _agent_call_or_404(request, pk)
        check(request.user, "call.manage", call)
        try:
            services.call_set_phase(call=call, phase=request.POST.get("phase", ""),
                                    actor=request.user,
                                    reason=request.POST.get("reason", "").strip())
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Phase de l'appel modifiée."))
        return redirect("funds:agent-call-detail", pk=call.pk)


class ReviewQueueView(LoginRequiredMixin, View):
    """Instructors' queue of one call, with filters; paginated, constant queries."""

    def get(self, request, pk):
        call = _agent_call_or_404(request, pk)
        filters = QueueFilterForm(request.GET or None)
        values = filters.cleaned_data if filters.is_valid() else {}
        queue = selectors.application_queue(
            user=request.user, call=call, status=values.get("status", ""),
            nature=values.get("nature", ""), search=values.get("q", ""))
        page = Paginator(queue, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        return render(request, "funds/review_queue.html", {
            "call": call, "filters": filters, "page": page, "query": query.urlencode(),
            "counts": selectors.call_status_counts(call)})


def _review_context(request, application, **forms):
    lines = selectors.budget_lines_of(application)
    initial = {f"check_{code}": bool((application.checklist or {}).get(code))
               for code, _label in rules.MANUAL_CHECKS}
    initial.update(estimated_cost=application.estimated_cost,
                   proposed_amount=application.proposed_amount, opinion=application.opinion)
    decision_initial = {"amount": application.proposed_amount or application.amount_requested,
                        "nature": application.nature, "decision": "award"}
    from backoffice.core.permissions import allowed

    from ..permissions import can

    award = getattr(application, "award", None)
    return {
        "application": application, "lines": lines,
        "award": award, "award_convention": getattr(award, "convention", None),
        "can_create_convention": allowed(request.user, "convention.manage")[0],
        "auto_checks": selectors.application_auto_checks(application),
        "review_form": forms.get("review_form") or ReviewForm(initial=initial),
        "info_form": forms.get("info_form") or MessageForm(),
        "ineligible_form": forms.get("ineligible_form") or MotivationForm(),
        "decision_form": forms.get("decision_form") or DecisionForm(initial=decision_initial),
        "can_review": can(request.user, "application.review", application)[0],
        "reviewable": application.status in services.REVIEWABLE,
        "organisation_documents": selectors.organisation_valid_documents(application),
        "can_decide": can(request.user, "application.decide", application)[0],
        "timeline": selectors.application_timeline(application),
        "versions": application.versions.all(),
        "version": object_version(application),
        "remaining": application.call.fund.envelope
        - selectors.fund_committed(application.call.fund),
        **shares_context(application, lines, application.amount_requested),
    }


@method_decorator(never_cache, name="dispatch")
class ReviewView(LoginRequiredMixin, View):
    """One application under review: automatic checks, manual checklist, estimate, opinion,
    request for information, (in)eligibility."""

    template_name = "funds/review.html"

    def get(self, request, pk):
        check(request.user, "call.view_applications")
        application = application_or_404(request, pk)
        return render(request, self.template_name, _review_context(request, application))

    def post(self, request, pk):
        application = application_or_404(request, pk)
        check(request.user, "application.review", application)
        action = request.POST.get("action")
        forms = {}
        try:
            if action == "save" or action == "eligible":
                form = forms["review_form"] = ReviewForm(request.POST)
                if form.is_valid():
                    services.application_review_save(
                        application=application, user=request.user, checklist=form.checklist(),
                        estimated_cost=form.cleaned_data["estimated_cost"],
                        proposed_amount=form.cleaned_data["proposed_amount"],
                        opinion=form.cleaned_data["opinion"],
                        declare_eligible=action == "eligible",
                        version=request.POST.get("version"))
                    if action == "eligible":
                        messages.success(request, _("Dossier déclaré recevable."))
                    else:
                        messages.success(request, _("Instruction enregistrée."))
                    return redirect("funds:review", pk=application.pk)
            elif action == "request_info":
                form = forms["info_form"] = MessageForm(request.POST)
                if form.is_valid():
                    services.application_request_info(application=application,
                                                      user=request.user,
                                                      message=form.cleaned_data["message"])
                    messages.success(request, _("Demande de compléments envoyée au porteur."))
                    return redirect("funds:review", pk=application.pk)
            elif action == "ineligible":
                form = forms["ineligible_form"] = MotivationForm(request.POST)
                if form.is_valid():
                    services.application_declare_ineligible(
                        application=application, user=request.user,
                        motivation=form.cleaned_data["motivation"])
                    messages.success(request, _("Dossier déclaré irrecevable ; le porteur est "
                                                "prévenu."))
                    return redirect("funds:review", pk=application.pk)
            else:
                raise Http404
        except ValidationError as exc:
            errors_to_forms(exc, form)
        application.refresh_from_db()
        return render(request, self.template_name,
                      _review_context(request, application, **forms), status=400)


class DecisionView(LoginRequiredMixin, View):
    """A decision maker awards (within rules and envelope) or rejects one application."""

    def post(self, request, pk):
        application = application_or_404(request, pk)
        check(request.user, "application.decide", application)
        form = DecisionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["decision"] == "award":
                    services.application_award(
                        application=application, actor=request.user,
                        amount=data["amount"] or Decimal("0"), nature=data["nature"],
                        deliberation_reference=data["deliberation_reference"],
                        deliberation_date=data["deliberation_date"])
                    messages.success(request, _("Subvention attribuée."))
                else:
                    services.application_reject(
                        application=application, actor=request.user,
                        motivation=data["motivation"],
                        deliberation_reference=data["deliberation_reference"],
                        deliberation_date=data["deliberation_date"])
                    messages.success(request, _("Demande rejetée ; le porteur est prévenu."))
                return redirect("funds:review", pk=application.pk)
            except ValidationError as exc:
                errors_to_forms(exc, form)
        application.refresh_from_db()
        return render(request, "funds/review.html",
                      _review_context(request, application, decision_form=form), status=400)


def _natures(call) -> list[tuple[str, str]]:
    return [(value, Nature(value).label) for value in call.fund.natures]


class CommitteeView(LoginRequiredMixin, View):
    """A committee decides on several eligible applications under one deliberation."""

    template_name = "funds/committee.html"

    def _rows(self, request, call):
        return list(selectors.application_queue(user=request.user, call=call,
                                                status=ApplicationStatus.ELIGIBLE))

    def get(self, request, pk):
        call = _agent_call_or_404(request, pk)
        check(request.user, "application.decide")
        return render(request, self.template_name, {
            "call": call, "header": CommitteeHeaderForm(), "rows": self._rows(request, call),
            "gauge": _gauge(call), "natures": _natures(call)})

    def post(self, request, pk):
        call = _agent_call_or_404(request, pk)
        check(request.user, "application.decide")
        header = CommitteeHeaderForm(request.POST)
        rows = self._rows(request, call)
        errors = []
        decisions = []
        for index, application in enumerate(rows, start=1):
            # What was typed on this row, shown again as typed if anything is refused.
            application.typed = {key: request.POST.get(f"{key}_{application.pk}", "")
                                 for key in ("d", "a", "n", "m")}
            application.row_error = ""
            decision = application.typed["d"]
            if decision not in ("", "award", "reject"):
                application.row_error = _("Décision inconnue.")
                errors.append(_("Ligne %(n)s : décision inconnue.") % {"n": index})
                continue
            amount = None
            if decision == "award":
                try:
                    amount = to_money(application.typed["a"])
                except (ValueError, TypeError):
                    application.row_error = _("Montant illisible : indiquez un montant en "
                                              "euros, par exemple 3 000,00.")
                    errors.append(_("Ligne %(n)s : montant illisible.") % {"n": index})
                    continue
            decisions.append({"application": application, "decision": decision,
                              "amount": amount, "nature": application.typed["n"],
                              "motivation": application.typed["m"]})
        if header.is_valid() and not errors:
            if not any(d["decision"] for d in decisions):
                header.add_error(None, _("Aucune décision n'a été saisie."))
            else:
                try:
                    done = services.applications_decide_batch(
                        decisions=decisions, actor=request.user,
                        deliberation_reference=header.cleaned_data["deliberation_reference"],
                        deliberation_date=header.cleaned_data["deliberation_date"])
                except ValidationError as exc:
                    self._errors_to_rows(exc, rows)
                    errors_to_forms(exc, header)
                else:
                    messages.success(request, _("%(n)s décision(s) enregistrée(s).")
                                     % {"n": len(done)})
                    return redirect("funds:agent-call-detail", pk=call.pk)
        for error in errors:
            header.add_error(None, error)
        return render(request, self.template_name, {
            "call": call, "header": header, "rows": rows, "gauge": _gauge(call),
            "natures": _natures(call)}, status=400)

    @staticmethod
    def _errors_to_rows(exc: ValidationError, rows) -> None:
        """A refused line's error is also shown on its row."""
        by_pk = {application.pk: application for application in rows}
        for error in getattr(exc, "error_dict", {}).get("__all__", []):
            params = error.params or {}
            if error.code == "line" and params.get("application") in by_pk:
                by_pk[params["application"]].row_error = params["errors"]
