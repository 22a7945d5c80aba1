"""Staff pages that set up funds and calls (no JSON to type in the admin): the funds, a fund
with its calls, creating and editing them, and copying last year's call."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache

from backoffice.core.choices import Nature
from backoffice.core.forms import add_service_errors
from backoffice.core.money import format_date
from backoffice.core.versioning import object_version

from .. import selectors, services
from ..forms_setup import CallDuplicateForm, CallForm, FundCreateForm, FundForm, question_formset
from ..models import Call, CallPhase, Fund
from ..services.setup import call_copy_preview
from .common import check


def _fund_or_404(request, pk) -> Fund:
    check(request.user, "fund.manage")
    try:
        return selectors.fund_list_for_staff(user=request.user).get(pk=pk)
    except Fund.DoesNotExist as exc:
        raise Http404 from exc


def _call_or_404(request, pk) -> Call:
    check(request.user, "fund.manage")
    try:
        return Call.objects.select_related("fund", "fund__authority").get(pk=pk)
    except Call.DoesNotExist as exc:
        raise Http404 from exc


class FundListView(LoginRequiredMixin, View):
    """Every fund with its envelope, committed amount and number of calls."""

    def get(self, request):
        check(request.user, "fund.manage")
        funds = list(selectors.fund_list_for_staff(user=request.user))
        for fund in funds:
            fund.remaining = fund.envelope - fund.committed
        return render(request, "funds/setup/fund_list.html", {"funds": funds})


@method_decorator(never_cache, name="dispatch")
class FundCreateView(LoginRequiredMixin, View):
    template_name = "funds/setup/fund_form.html"

    def get(self, request):
        check(request.user, "fund.manage")
        return render(request, self.template_name, {"form": FundCreateForm()})

    def post(self, request):
        check(request.user, "fund.manage")
        form = FundCreateForm(request.POST)
        if form.is_valid():
            try:
                fund = services.fund_create(authority=form.cleaned_data["authority"],
                                            actor=request.user, data=form.data_for_service())
            except ValidationError as exc:
                add_service_errors(exc, form)
            else:
                messages.success(request, _("Fonds « %(name)s » créé. Vous pouvez "
                                            "maintenant lui ajouter un appel.")
                                 % {"name": fund.name})
                return redirect("funds:fund-detail", pk=fund.pk)
        return render(request, self.template_name, {"form": form}, status=400)


@method_decorator(never_cache, name="dispatch")
class FundUpdateView(LoginRequiredMixin, View):
    template_name = "funds/setup/fund_form.html"

    def get(self, request, pk):
        fund = _fund_or_404(request, pk)
        return render(request, self.template_name, {
            "fund": fund, "form": FundForm(fund=fund, committed=fund.committed),
            "version": object_version(fund)})

    def post(self, request, pk):
        fund = _fund_or_404(request, pk)
        form = FundForm(request.POST, committed=fund.committed)
        if form.is_valid():
            try:
                services.fund_update(fund=fund, actor=request.user, data=form.data_for_service(),
                                     version=request.POST.get("version"))
            except ValidationError as exc:
                add_service_errors(exc, form)
            else:
                messages.success(request, _("Fonds « %(name)s » enregistré.")
                                 % {"name": form.cleaned_data["name"]})
                return redirect("funds:fund-detail", pk=fund.pk)
        return render(request, self.template_name, {
            "fund": fund, "form": form, "version": object_version(fund)}, status=400)


class FundDetailView(LoginRequiredMixin, View):
    """One fund: its rules, its envelope and its calls, with what can be done on each."""

    def get(self, request, pk):
        fund = _fund_or_404(request, pk)
        return render(request, "funds/setup/fund_detail.html", {
            "fund": fund, "calls": list(selectors.fund_calls(fund)),
            "remaining": fund.envelope - fund.committed,
            "natures": [label for value, label in Nature.choices if value in fund.natures]})


def _call_errors(exc: ValidationError, form, questions) -> None:
    """A service's errors next to their field; those on the questions next to the first."""
    if hasattr(exc, "error_dict") and "questions" in exc.error_dict:
        questions.forms[0].add_error("label", exc.message_dict["questions"])
        exc = ValidationError({field: errors for field, errors in exc.error_dict.items()
                               if field != "questions"})
        if not exc.error_dict:
            return
    add_service_errors(exc, form)


def _call_context(fund, form, questions, **extra) -> dict:
    return {"fund": fund, "form": form, "questions": questions,
            "max_questions": len(questions.forms), **extra}


@method_decorator(never_cache, name="dispatch")
class CallCreateView(LoginRequiredMixin, View):
    template_name = "funds/setup/call_form.html"

    def get(self, request, pk):
        fund = _fund_or_404(request, pk)
        return render(request, self.template_name,
                      _call_context(fund, CallForm(), question_formset()))

    def post(self, request, pk):
        fund = _fund_or_404(request, pk)
        form, questions = CallForm(request.POST), question_formset(request.POST)
        if form.is_valid() and questions.is_valid():
            try:
                call = services.call_create(
                    fund=fund, actor=request.user,
                    data={**form.cleaned_data, "questions": questions.questions()})
            except ValidationError as exc:
                _call_errors(exc, form, questions)
            else:
                messages.success(request, _("Appel « %(title)s » créé en préparation : il "
                                            "s'ouvrira aux dépôts le %(date)s.")
                                 % {"title": call.title,
                                    "date": format_date(call.opens_on)})
                return redirect("funds:fund-detail", pk=fund.pk)
        return render(request, self.template_name, _call_context(fund, form, questions),
                      status=400)


@method_decorator(never_cache, name="dispatch")
class CallUpdateView(LoginRequiredMixin, View):
    template_name = "funds/setup/call_form.html"

    def get(self, request, pk):
        call = _call_or_404(request, pk)
        return render(request, self.template_name, _call_context(
            call.fund, CallForm(call=call), question_formset(questions=call.questions or []),
            call=call, version=object_version(call)))

    def post(self, request, pk):
        call = _call_or_404(request, pk)
        form, questions = CallForm(request.POST), question_formset(request.POST)
        if form.is_valid() and questions.is_valid():
            try:
                services.call_update(call=call, actor=request.user,
                                     data={**form.cleaned_data,
                                           "questions": questions.questions()},
                                     version=request.POST.get("version"))
            except ValidationError as exc:
                _call_errors(exc, form, questions)
            else:
                messages.success(request, _("Appel « %(title)s » enregistré.")
                                 % {"title": form.cleaned_data["title"]})
                return redirect("funds:fund-detail", pk=call.fund_id)
        return render(request, self.template_name, _call_context(
            call.fund, form, questions, call=call, version=object_version(call)), status=400)


@method_decorator(never_cache, name="dispatch")
class CallDuplicateView(LoginRequiredMixin, View):
    """Confirm, then create next year's draft copy of a call."""

    template_name = "funds/setup/call_duplicate.html"

    def _context(self, call, form) -> dict:
        preview = call_copy_preview(call)
        dates = preview["dates"]
        rows = [(CallPhase(phase).label, getattr(call, field), dates[field])
                for phase, field in (("open", "opens_on"), ("review", "closes_on"),
                                     ("vote", "vote_on"), ("decision", "decision_on"),
                                     ("results", "results_on"), ("closed", "ends_on"))
                if getattr(call, field)]
        return {"call": call, "form": form, "preview": preview, "rows": rows,
                "too_late": dates["opens_on"] <= timezone.localdate()}

    def get(self, request, pk):
        call = _call_or_404(request, pk)
        preview = call_copy_preview(call)
        default = selectors.fund_for_year(authority=call.fund.authority,
                                          year=preview["dates"]["opens_on"].year,
                                          default=call.fund)
        form = CallDuplicateForm(authority=call.fund.authority, initial={"fund": default.pk})
        return render(request, self.template_name, self._context(call, form))

    def post(self, request, pk):
        call = _call_or_404(request, pk)
        form = CallDuplicateForm(request.POST, authority=call.fund.authority)
        if form.is_valid():
            try:
                copy = services.call_duplicate(call=call, actor=request.user,
                                               fund=form.cleaned_data["fund"])
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, _(
                    "Copie « %(title)s » créée en préparation : vérifiez-la avant son "
                    "ouverture du %(date)s.") % {"title": copy.title,
                                                 "date": format_date(copy.opens_on)})
                return redirect("funds:call-edit", pk=copy.pk)
        return render(request, self.template_name, self._context(call, form), status=400)
