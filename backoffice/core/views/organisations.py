"""Organisations: creating or joining one, its profile, bank details, members and
documents."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache

from .. import organisation_page, selectors, services
from ..forms import (
    BankDetailsConfirmForm,
    DocumentUploadForm,
    OrganisationCreateForm,
    OrganisationForm,
    OrganisationJoinForm,
    add_service_errors,
)
from ..models import Membership, Organisation, OrganisationDocument
from ..permissions import can
from ..versioning import object_version
from .mixins import PermissionMixin


class OrganisationCreateView(LoginRequiredMixin, View):
    template_name = "core/organisation_form.html"

    def get(self, request):
        return render(request, self.template_name, {"form": OrganisationCreateForm(),
                                                    "creating": True})

    def post(self, request):
        form = OrganisationCreateForm(request.POST)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "accept_cer"}
            try:
                organisation = services.organisation_create(
                    user=request.user, accept_cer=form.cleaned_data["accept_cer"], **data)
            except ValidationError as exc:
                add_service_errors(exc, form)
            else:
                messages.success(request, _("L'organisation « %(name)s » est créée.")
                                 % {"name": organisation.name})
                return redirect("core:organisation-detail", pk=organisation.pk)
        return render(request, self.template_name, {"form": form, "creating": True}, status=400)


class OrganisationJoinView(LoginRequiredMixin, View):
    template_name = "core/organisation_join.html"

    def get(self, request):
        return render(request, self.template_name, {"form": OrganisationJoinForm()})

    def post(self, request):
        form = OrganisationJoinForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                membership = services.membership_request(
                    user=request.user, organisation=form.organisation,
                    proof_file=form.cleaned_data["proof_file"],
                    proof_kind=form.cleaned_data["proof_kind"])
            except ValidationError as exc:
                add_service_errors(exc, form)
            else:
                if membership.is_claim:
                    messages.success(request, _("Votre demande et votre justificatif sont "
                                                "transmis aux agents de la collectivité, qui "
                                                "vérifieront que vous représentez « %(name)s »."
                                                ) % {"name": form.organisation.name})
                else:
                    messages.success(request, _("Votre demande a été transmise aux "
                                                "administrateurs de « %(name)s ».")
                                     % {"name": form.organisation.name})
                return redirect("core:space")
        return render(request, self.template_name, {"form": form}, status=400)


def _organisation_or_404(request, pk) -> Organisation:
    try:
        return selectors.organisation_detail(user=request.user, pk=pk)
    except Organisation.DoesNotExist as exc:
        raise Http404(_("Organisation introuvable.")) from exc


class OrganisationListView(PermissionMixin, View):
    def get(self, request):
        self.check("agent.area")
        organisations = selectors.organisation_list(user=request.user)
        query = request.GET.get("q", "").strip()
        if query:
            from django.db.models import Q

            organisations = organisations.filter(
                Q(name__icontains=query) | Q(siret__startswith=query) | Q(rna__iexact=query))
        return render(request, "core/organisation_list.html",
                      {"organisations": organisations[:200], "q": query})


def _detail_context(request, organisation, **extra) -> dict:
    can_edit, _reason = can(request.user, "organisation.edit", organisation)
    can_confirm = can(request.user, "organisation.confirm_bank_details", organisation)[0]
    memberships = list(organisation.memberships.all())
    for membership in memberships:
        membership.can_decide = (membership.status == "pending"
                                 and can(request.user, "membership.approve", membership)[0])
    return {
        "organisation": organisation,
        "memberships": memberships,
        "documents": organisation.documents.all(),
        "can_edit": can_edit,
        "upload_form": DocumentUploadForm(),
        "bank_form": (BankDetailsConfirmForm(organisation=organisation)
                      if can_confirm and organisation.bank_details_on_hold else None),
        "today": timezone.localdate(),
        "history": organisation.history.select_related("history_user")[:20],
        "organisation_sections": organisation_page.sections(organisation=organisation,
                                                            user=request.user),
        **extra,
    }


class OrganisationDetailView(LoginRequiredMixin, View):
    def get(self, request, pk):
        organisation = _organisation_or_404(request, pk)
        return render(request, "core/organisation_detail.html",
                      _detail_context(request, organisation))


class BankDetailsConfirmView(PermissionMixin, View):
    """A finance agent confirms a changed IBAN against a RIB: payments are exported again."""

    def post(self, request, pk):
        organisation = _organisation_or_404(request, pk)
        self.check("organisation.confirm_bank_details", organisation)
        form = BankDetailsConfirmForm(request.POST, organisation=organisation)
        if form.is_valid():
            try:
                services.organisation_bank_details_confirm(
                    organisation=organisation, actor=request.user,
                    document=form.cleaned_data["document"])
            except ValidationError as exc:
                add_service_errors(exc, form)
            else:
                messages.success(request, _("Les coordonnées bancaires sont vérifiées : les "
                                            "versements de l'organisation reprennent."))
                return redirect("core:organisation-detail", pk=pk)
        return render(request, "core/organisation_detail.html",
                      _detail_context(request, organisation, bank_form=form), status=400)


@method_decorator(never_cache, name="dispatch")
class OrganisationUpdateView(PermissionMixin, View):
    template_name = "core/organisation_form.html"

    def get(self, request, pk):
        organisation = _organisation_or_404(request, pk)
        self.check("organisation.edit", organisation)
        return render(request, self.template_name, {"form": OrganisationForm(instance=organisation),
                                                    "organisation": organisation,
                                                    "version": object_version(organisation)})

    def post(self, request, pk):
        organisation = _organisation_or_404(request, pk)
        self.check("organisation.edit", organisation)
        form = OrganisationForm(request.POST, instance=Organisation.objects.get(pk=pk))
        if form.is_valid():
            fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
            try:
                services.organisation_update(organisation=organisation, user=request.user,
                                             version=request.POST.get("version"), **fields)
            except ValidationError as exc:
                add_service_errors(exc, form)
            else:
                messages.success(request, _("Le profil de l'organisation est enregistré."))
                return redirect("core:organisation-detail", pk=pk)
        return render(request, self.template_name, {"form": form, "organisation": organisation,
                                                    "version": object_version(organisation)},
                      status=400)


class MembershipActionView(PermissionMixin, View):
    """Approve, refuse or remove a membership: the service decides, the page says so."""

    service_name = ""

    def success_message(self, membership) -> str:
        raise NotImplementedError

    def post(self, request, pk, membership_pk):
        organisation = _organisation_or_404(request, pk)
        membership = get_object_or_404(Membership, pk=membership_pk, organisation=organisation)
        try:
            getattr(services, self.service_name)(membership=membership, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, self.success_message(membership))
        return redirect("core:organisation-detail", pk=pk)


class MembershipApproveView(MembershipActionView):
    service_name = "membership_approve"

    def success_message(self, membership) -> str:
        return _("%(user)s est maintenant membre.") % {"user": membership.user}


class MembershipRefuseView(MembershipActionView):
    service_name = "membership_refuse"

    def success_message(self, membership) -> str:
        return _("La demande de %(user)s est refusée.") % {"user": membership.user}


class MembershipRemoveView(MembershipActionView):
    service_name = "membership_remove"

    def success_message(self, membership) -> str:
        return _("Le membre a été retiré.")


class DocumentUploadView(PermissionMixin, View):
    def post(self, request, pk):
        organisation = _organisation_or_404(request, pk)
        self.check("document.upload", organisation)
        form = DocumentUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.document_upload(organisation=organisation, user=request.user,
                                         **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(exc, form)
            else:
                messages.success(request, _("Le document est enregistré ; il sera réutilisé "
                                            "pour vos prochaines demandes."))
                return redirect("core:organisation-detail", pk=pk)
        return render(request, "core/organisation_detail.html",
                      _detail_context(request, organisation, upload_form=form), status=400)


class DocumentDownloadView(LoginRequiredMixin, View):
    """Documents are never served as static media: every download is permission-checked."""

    def get(self, request, pk):
        try:
            document = selectors.document_detail(user=request.user, pk=pk)
        except OrganisationDocument.DoesNotExist as exc:
            raise Http404(_("Document introuvable.")) from exc
        return FileResponse(document.file.open("rb"), content_type=document.content_type,
                            as_attachment=False, filename=document.original_name)
