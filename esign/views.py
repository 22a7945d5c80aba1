"""Signature pages of both parties, the signed PDF, and the verification of any PDF."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from conventions.models import GeneratedDocument
from conventions.permissions import can

from . import services
from .forms import AssociationSignForm, AuthoritySignForm, VerifyForm
from .models import RequestStatus, SignatureRequest


def _client(request) -> tuple[str, str]:
    return (request.META.get("REMOTE_ADDR", ""),
            request.META.get("HTTP_USER_AGENT", "")[:300])


def _signature_request(request, pk) -> SignatureRequest:
    signature = get_object_or_404(SignatureRequest.objects.select_related(
        "document__convention__organisation", "document__convention__authority"), pk=pk)
    if not can(request.user, "convention.view", signature.document.convention)[0]:
        raise Http404
    return signature


def _add_errors(form, exc: ValidationError) -> None:
    for name, errors in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)


class SignatureRequestCreateView(LoginRequiredMixin, View):
    def post(self, request, document_pk):
        document = get_object_or_404(GeneratedDocument, pk=document_pk)
        try:
            signature = services.signature_request_create(document=document,
                                                          actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("conventions:convention-detail", pk=document.convention_id)
        return redirect("esign:request", pk=signature.pk)


class SignatureRequestView(LoginRequiredMixin, View):
    template_name = "esign/request.html"

    def context(self, request, signature, **forms):
        data = services.current_pdf(signature)
        may_sign_association = (signature.status == RequestStatus.ASSOCIATION and not
                                services.association_signer_errors(request=signature,
                                                                   user=request.user))
        may_sign_authority = (signature.status == RequestStatus.AUTHORITY and not
                              services.authority_signer_errors(user=request.user))
        sha = services.sha256(data)
        return {"signature": signature, "sha256": sha,
                "evidence": list(signature.evidence.select_related("user")),
                "may_sign_association": may_sign_association,
                "may_sign_authority": may_sign_authority,
                "association_form": forms.get("association_form") or AssociationSignForm(
                    initial={"shown_sha256": sha}),
                "authority_form": forms.get("authority_form") or AuthoritySignForm(
                    initial={"shown_sha256": sha}),
                "association_reason": services.association_signer_errors(
                    request=signature, user=request.user)}

    def get(self, request, pk):
        signature = _signature_request(request, pk)
        return render(request, self.template_name, self.context(request, signature))

    def post(self, request, pk):
        signature = _signature_request(request, pk)
        ip, agent = _client(request)
        action = request.POST.get("action")
        if action == "send_code":
            try:
                services.signature_code_send(request=signature, user=request.user)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("Un code vous a été envoyé à %(email)s ; il est "
                                            "valable 10 minutes.") % {"email": request.user.email})
            return redirect("esign:request", pk=signature.pk)
        if action == "sign_association":
            form = AssociationSignForm(request.POST)
            if form.is_valid():
                try:
                    services.association_sign(request=signature, user=request.user,
                                              code=form.cleaned_data["code"],
                                              shown_sha256=form.cleaned_data["shown_sha256"],
                                              ip=ip, user_agent=agent)
                except ValidationError as exc:
                    _add_errors(form, exc)
                else:
                    messages.success(request, _("Le document est signé pour l'organisation. "
                                                "La collectivité signe ensuite."))
                    return redirect("esign:request", pk=signature.pk)
            return render(request, self.template_name,
                          self.context(request, signature, association_form=form), status=400)
        if action == "sign_authority":
            form = AuthoritySignForm(request.POST)
            if form.is_valid():
                try:
                    services.authority_sign(request=signature, user=request.user,
                                            shown_sha256=form.cleaned_data["shown_sha256"],
                                            ip=ip, user_agent=agent)
                except ValidationError as exc:
                    _add_errors(form, exc)
                else:
                    messages.success(request, _("La convention est signée par les deux "
                                                "parties."))
                    return redirect("esign:request", pk=signature.pk)
            return render(request, self.template_name,
                          self.context(request, signature, authority_form=form), status=400)
        raise PermissionDenied(_("Action inconnue."))


class SignedPdfView(LoginRequiredMixin, View):
    def get(self, request, pk):
        signature = _signature_request(request, pk)
        data = services.current_pdf(signature)
        response = HttpResponse(data, content_type="application/pdf")
        suffix = "signe" if signature.status == RequestStatus.SIGNED else "a-signer"
        response["Content-Disposition"] = (
            f'attachment; filename="{signature.document.convention.reference}-{suffix}.pdf"')
        response["Cache-Control"] = "no-store"
        return response


class VerifyView(LoginRequiredMixin, View):
    template_name = "esign/verify.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.works_for_authority:
            raise PermissionDenied(_("La vérification des signatures est réservée aux agents "
                                     "de la collectivité."))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return render(request, self.template_name, {"form": VerifyForm()})

    def post(self, request):
        form = VerifyForm(request.POST, request.FILES)
        result = None
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > settings.UPLOAD_MAX_BYTES:
                form.add_error("file", _("Fichier trop volumineux."))
            else:
                try:
                    result = services.pdf_verify(data=upload.read())
                except ValidationError as exc:
                    _add_errors(form, exc)
        status = 200 if result is not None else 400
        return render(request, self.template_name, {"form": form, "result": result},
                      status=status)
