"""Each party's signature: an incremental PAdES update of the exact bytes the signer was
shown, its evidence recorded and audited; the second one signs the convention (or amendment)."""

from __future__ import annotations

import hashlib
import io

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.core.audit import audit_log
from conventions.models import AmendmentStatus, ConventionStatus, DocumentKind

from .. import pki
from ..models import RequestStatus, SignatureEvidence, SignatureRequest, SignerRole
from ._common import LETTERS, _fail, current_pdf, sha256
from .codes import _consume_code
from .procedure import (
    association_signer_errors,
    authority_signer_errors,
    signature_request_transition,
)


def _pades_sign(data: bytes, *, signer, field_name: str, reason: str, location: str) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.timestamps import HTTPTimeStamper

    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    meta = signers.PdfSignatureMetadata(field_name=field_name, reason=reason,
                                        location=location, md_algorithm="sha256",
                                        subfilter=fields.SigSeedSubFilter.PADES)
    timestamper = (HTTPTimeStamper(settings.ESIGN_TSA_URL) if settings.ESIGN_TSA_URL
                   else None)
    out = signers.sign_pdf(writer, meta, signer=signer, timestamper=timestamper)
    return out.getvalue()


def _certificate_facts(signer) -> tuple[str, str]:
    cert = signer.signing_cert
    return cert.subject.human_friendly[:300], hashlib.sha256(cert.dump()).hexdigest()


def _record(*, request, role, user, data_before, data_after, signer, ip, user_agent,
            otp=None) -> SignatureEvidence:
    subject, cert_sha = _certificate_facts(signer)
    now = timezone.now()
    return SignatureEvidence.objects.create(
        request=request, role=role, user=user, signer_name=user.get_full_name() or user.email,
        signer_email=user.email, code_sent_at=otp.sent_at if otp else None,
        code_verified_at=otp.used_at if otp else None, ip_address=ip or None,
        user_agent=(user_agent or "")[:300], sha256_before=sha256(data_before),
        sha256_after=sha256(data_after), certificate_subject=subject,
        certificate_sha256=cert_sha, signed_at=now, timestamped=bool(settings.ESIGN_TSA_URL))


def _store(request: SignatureRequest, data: bytes) -> None:
    name = f"{request.document.convention.reference}-{request.document.kind}-signe.pdf"
    if request.signed_file:
        request.signed_file.delete(save=False)
    request.signed_file.save(name, ContentFile(data), save=False)
    request.signed_sha256 = sha256(data)


def association_sign(*, request: SignatureRequest, user, code: str, shown_sha256: str,
                     ip: str = "", user_agent: str = "") -> SignatureRequest:
    """The association's representative signs the exact PDF they were shown."""
    reason = association_signer_errors(request=request, user=user)
    if reason:
        _fail(request=request, actor=user, reason=reason, field_name="signer")
    changed = _("Le document a changé depuis son affichage : relisez la nouvelle version avant "
                "de signer.")
    if request.status != RequestStatus.ASSOCIATION:
        _fail(request=request, actor=user, reason=_("L'organisation a déjà signé ce document."))
    if shown_sha256 != request.source_sha256:
        _fail(request=request, actor=user, reason=changed)
    otp, reason = _consume_code(request=request, user=user, code=code)
    if otp is None:
        _fail(request=request, actor=user, reason=reason)
    try:
        with transaction.atomic():
            request = SignatureRequest.objects.select_for_update().select_related(
                "document__convention__organisation", "document__convention__authority").get(
                pk=request.pk)
            if request.status != RequestStatus.ASSOCIATION:
                raise ValidationError({"code": _("L'organisation a déjà signé ce document.")})
            data = current_pdf(request)
            if sha256(data) != request.source_sha256:
                raise ValidationError({"code": changed})
            organisation = request.document.convention.organisation
            signer = pki.platform_signer()
            signed = _pades_sign(
                data, signer=signer, field_name="Signature_organisation",
                reason=_("Signé pour %(org)s par %(name)s, représentant légal (code à usage "
                         "unique vérifié)") % {"org": organisation.name,
                                               "name": user.get_full_name()},
                location=organisation.city or "")
            _store(request, signed)
            signature_request_transition(request=request, to=RequestStatus.AUTHORITY)
            _record(request=request, role=SignerRole.ASSOCIATION, user=user, data_before=data,
                    data_after=signed, signer=signer, ip=ip, user_agent=user_agent, otp=otp)
            audit_log(event="signature_association", obj=request, actor=user,
                      message=_("Signé électroniquement par l'organisation"),
                      data={"sha256": request.signed_sha256})
    except ValidationError as exc:
        audit_log(event="signature_refused", obj=request, actor=user,
                  message=" ".join(exc.messages), data={"document": request.document_id})
        raise
    return request


def authority_sign(*, request: SignatureRequest, user, shown_sha256: str, ip: str = "",
                   user_agent: str = "") -> SignatureRequest:
    """The authority's signatory adds the second signature; the convention is then signed."""
    from conventions.services import amendment_transition, convention_transition

    reason = authority_signer_errors(user=user)
    if reason:
        _fail(request=request, actor=user, reason=reason, field_name="signer")
    try:
        with transaction.atomic():
            request = SignatureRequest.objects.select_for_update().select_related(
                "document__convention__authority").get(pk=request.pk)
            if request.status != RequestStatus.AUTHORITY:
                raise ValidationError({"signer": _(
                    "L'organisation doit signer d'abord.") if request.status ==
                    RequestStatus.ASSOCIATION else _("Ce document est déjà signé.")})
            data = current_pdf(request)
            expected = request.signed_sha256 or request.source_sha256
            if sha256(data) != expected or shown_sha256 != expected:
                raise ValidationError({"signer": _(
                    "Le document a changé depuis son affichage : relisez-le avant de signer.")})
            authority = request.document.convention.authority
            signer = pki.authority_signer()
            signed = _pades_sign(
                data, signer=signer, field_name="Signature_collectivite",
                reason=_("Signé pour %(authority)s par %(name)s") % {
                    "authority": authority.name, "name": user.get_full_name()},
                location=authority.city or "")
            _store(request, signed)
            signature_request_transition(request=request, to=RequestStatus.SIGNED)
            _record(request=request, role=SignerRole.AUTHORITY, user=user, data_before=data,
                    data_after=signed, signer=signer, ip=ip, user_agent=user_agent)
            association = request.evidence.filter(role=SignerRole.ASSOCIATION).first()
            convention = request.document.convention
            if request.document.kind in LETTERS:
                pass  # the signed letter is the record; its procedure goes on by itself
            elif request.document.kind == DocumentKind.AMENDMENT:
                amendment_transition(amendment=request.document.amendment,
                                     to=AmendmentStatus.SIGNED, actor=user,
                                     on=timezone.localdate())
            else:
                convention_transition(
                    convention=convention, to=ConventionStatus.SIGNED, actor=user,
                    on=timezone.localdate(), authority_signatory=user.get_full_name(),
                    organisation_signatory=(association.signer_name if association else
                                            convention.organisation.legal_representative_name
                                            or convention.organisation.name))
            audit_log(event="signature_authority", obj=request, actor=user,
                      message=_("Signé électroniquement par la collectivité"),
                      data={"sha256": request.signed_sha256})
    except ValidationError as exc:
        audit_log(event="signature_refused", obj=request, actor=user,
                  message=" ".join(exc.messages), data={"document": request.document_id})
        raise
    return request
