"""Attestations of valued volunteering and the dated valuation rates."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from backoffice.core.forms import add_service_errors

from .. import selectors, services
from ..forms import (
    AttestationForm,
    RateForm,
)
from ..models import ValuationRate, VolunteerAttestation
from ..permissions import can
from ._base import OrganisationMixin


class AttestationListView(OrganisationMixin, View):
    template = "volunteering/attestations.html"

    def _render(self, request, form, status=200):
        return render(request, self.template, self.context(
            form=form, attestations=selectors.attestation_list(organisation=self.organisation),
            can_attest=self.allowed("volunteering.attest")), status=status)

    def get(self, request, pk):
        return self._render(request, AttestationForm(initial={
            "year": timezone.localdate().year - 1}))

    def post(self, request, pk):
        self.check("volunteering.attest")
        form = AttestationForm(request.POST)
        if form.is_valid():
            try:
                services.attestation_request(organisation=self.organisation,
                                             year=form.cleaned_data["year"],
                                             project_reference=form.cleaned_data[
                                                 "project_reference"],
                                             actor=request.user)
            except ValidationError as exc:
                add_service_errors(exc, form)
            else:
                messages.success(request, _("L'attestation est en cours de génération ; vous "
                                            "serez notifié quand elle sera prête."))
                return redirect("volunteering:attestations", pk=self.organisation.pk)
        return self._render(request, form, status=400)


class AttestationDownloadView(LoginRequiredMixin, View):
    def get(self, request, pk):
        try:
            attestation = selectors.attestation_for(user=request.user, pk=pk)
        except VolunteerAttestation.DoesNotExist as exc:
            raise Http404 from exc
        if not attestation.file:
            raise Http404
        return FileResponse(attestation.file.open("rb"), as_attachment=False,
                            filename=attestation.file.name.rsplit("/", 1)[-1],
                            content_type="application/pdf")


class RateListView(LoginRequiredMixin, View):
    """The dated rates everyone values with; finance agents and administrators add new ones."""

    def _render(self, request, form, status=200):
        return render(request, "volunteering/rates.html", {
            "rates": ValuationRate.objects.order_by("kind", "qualification", "-valid_from"),
            "form": form, "can_edit": can(request.user, "volunteering.rates")[0]}, status=status)

    def get(self, request):
        return self._render(request, RateForm())

    def post(self, request):
        allowed, reason = can(request.user, "volunteering.rates")
        if not allowed:
            raise PermissionDenied(reason)
        form = RateForm(request.POST)
        if form.is_valid():
            try:
                services.valuation_rate_create(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(exc, form)
            else:
                messages.success(request, _("Taux enregistré."))
                return redirect("volunteering:rates")
        return self._render(request, form, status=400)
