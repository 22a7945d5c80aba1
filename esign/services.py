"""Signing a generated document by both parties, and verifying any PDF.

Invariants: a signature applies only to the exact bytes the signer was shown (SHA-256 posted
back by the page); the association's representative is identified by a one-time code sent to
their e-mail (hashed, 10 minutes, 5 attempts); each signature is an incremental PAdES update, so
the first stays valid after the second; the convention becomes "signed" when both have signed,
on the day of the last signature; every attempt, failed or not, is audited; nothing is signed
when any check fails.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import secrets
import unicodedata
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.core.audit import audit_log
from backoffice.core.models import Membership, MembershipRole, MembershipStatus
from backoffice.core.roles import Role
from conventions.models import (
    AmendmentStatus,
    ConventionStatus,
    DocumentKind,
    DocumentStatus,
    GeneratedDocument,
)

from . import pki
from .models import (
    OneTimeCode,
    RequestStatus,
    SignatureEvidence,
    SignatureRequest,
    SignerRole,
)

CODE_MINUTES = 10
CODE_ATTEMPTS = 5
# Who signs each kind of document: a convention is a contract (both parties); a notification
# letter is the authority's unilateral act (its signatory only).
SIGNERS = {DocumentKind.CONVENTION: (SignerRole.ASSOCIATION, SignerRole.AUTHORITY),
           DocumentKind.AMENDMENT: (SignerRole.ASSOCIATION, SignerRole.AUTHORITY),
           DocumentKind.NOTIFICATION: (SignerRole.AUTHORITY,),
           DocumentKind.REPAYMENT: (SignerRole.AUTHORITY,),
           DocumentKind.WITHDRAWAL_NOTICE: (SignerRole.AUTHORITY,),
           DocumentKind.RECOVERY_DECISION: (SignerRole.AUTHORITY,)}
# The authority's letters of a recovery: signed as they are, nothing else changes.
LETTERS = {DocumentKind.REPAYMENT, DocumentKind.WITHDRAWAL_NOTICE,
           DocumentKind.RECOVERY_DECISION}


# The signature procedure: the organisation signs first, then the authority. A request is
# created in its first state (or directly at the authority for a letter) by
# ``signature_request_create``, cancelled or not.
TRANSITIONS = {
    RequestStatus.ASSOCIATION: {RequestStatus.AUTHORITY},
    RequestStatus.AUTHORITY: {RequestStatus.SIGNED},
    RequestStatus.SIGNED: set(),
    RequestStatus.CANCELLED: set(),
}


def signature_request_transition(*, request: SignatureRequest, to: str) -> SignatureRequest:
    """The only place a signature request changes status after its creation: refuses a move
    outside TRANSITIONS; completing it dates it. The signing service that calls it writes the
    audit row with the signature's evidence."""
    if to not in TRANSITIONS[RequestStatus(request.status)]:
        raise ValidationError(_("Changement d'état impossible : %(old)s → %(new)s.") % {
            "old": request.get_status_display(), "new": RequestStatus(to).label})
    request.status = to
    if to == RequestStatus.SIGNED:
        request.completed_at = timezone.now()
    request.save()
    return request


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _normalise(name: str) -> str:
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(text.replace("-", " ").split())


def _read(field_file) -> bytes:
    with field_file.open("rb") as handle:
        return handle.read()


def current_pdf(request: SignatureRequest) -> bytes:
    """The bytes the next signer signs: the signed file so far, else the generated document."""
    if request.signed_file:
        return _read(request.signed_file)
    return _read(request.document.file)


def _code_hash(request_id: int, user_id: int, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{request_id}:{user_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _fail(*, request: SignatureRequest, actor, reason: str, field_name: str = "code"):
    """Audit the refused attempt (in its own transaction, so it stays) and refuse."""
    audit_log(event="signature_refused", obj=request, actor=actor, message=reason,
              data={"document": request.document_id})
    raise ValidationError({field_name: reason})


def association_signer_errors(*, request: SignatureRequest, user) -> str:
    """Why ``user`` may not sign for the organisation ('' when they may)."""
    organisation = request.document.convention.organisation
    admin = Membership.objects.filter(user=user, organisation=organisation,
                                      role=MembershipRole.ADMIN,
                                      status=MembershipStatus.ACTIVE).exists()
    if not admin:
        return _("Seul un administrateur de l'organisation, son représentant légal, signe la "
                 "convention.")
    representative = set(_normalise(organisation.legal_representative_name).split())
    signer = _normalise(user.get_full_name()).split()
    if len(signer) < 2 or not set(signer) <= representative:
        return _("Vous n'êtes pas le représentant légal de %(org)s (%(name)s) : c'est lui ou "
                 "elle qui signe.") % {"org": organisation.name,
                                       "name": organisation.legal_representative_name or "—"}
    return ""


def authority_signer_errors(*, user) -> str:
    if not user.has_role(Role.DECISION_MAKER, Role.ADMINISTRATOR):
        return _("Seul le signataire de la collectivité (élu ou administrateur) signe pour "
                 "elle.")
    return ""


def signable(document: GeneratedDocument) -> bool:
    """A ready, unsigned document of a kind that is signed electronically, whose convention
    (or amendment) is sent for signature."""
    if document.kind not in SIGNERS or document.status != DocumentStatus.READY or document.signed:
        return False
    if document.kind in LETTERS:
        return True
    if document.kind == DocumentKind.AMENDMENT:
        return document.amendment is not None and document.amendment.status == AmendmentStatus.SENT
    return document.convention.status == ConventionStatus.SENT


def signature_request_create(*, document: GeneratedDocument, actor) -> SignatureRequest:
    """Open the signature of a ready document of a convention sent for signature."""
    if not actor.has_role(Role.FINANCE_AGENT, Role.ADMINISTRATOR):
        raise PermissionDenied(_("Action réservée aux agents financiers de la collectivité."))
    with transaction.atomic():
        document = GeneratedDocument.objects.select_for_update().select_related(
            "convention").get(pk=document.pk)
        if document.status != DocumentStatus.READY or not document.file:
            raise ValidationError(_("Le document n'est pas encore prêt : attendez sa "
                                    "génération."))
        if document.kind not in SIGNERS:
            raise ValidationError(_("Ce document ne se signe pas encore électroniquement."))
        if document.kind in LETTERS:
            pass
        elif document.kind == DocumentKind.AMENDMENT:
            if document.amendment is None or document.amendment.status != AmendmentStatus.SENT:
                raise ValidationError(_("Seul un avenant envoyé pour signature se signe "
                                        "électroniquement."))
        elif document.convention.status != ConventionStatus.SENT:
            raise ValidationError(_("Seule une convention envoyée pour signature se signe "
                                    "électroniquement."))
        existing = SignatureRequest.objects.filter(document=document).exclude(
            status=RequestStatus.CANCELLED).first()
        if existing:
            return existing
        request = SignatureRequest.objects.create(
            document=document, source_sha256=document.sha256 or sha256(_read(document.file)),
            created_by=actor, status=(RequestStatus.ASSOCIATION
                                      if SignerRole.ASSOCIATION in SIGNERS[document.kind]
                                      else RequestStatus.AUTHORITY))
        audit_log(event="signature_requested", obj=request, actor=actor,
                  message=_("Signature électronique demandée"),
                  data={"document": document.pk, "sha256": request.source_sha256})
    return request


def signature_code_send(*, request: SignatureRequest, user) -> None:
    """Send a fresh one-time code to the association's representative."""
    reason = association_signer_errors(request=request, user=user)
    if reason:
        _fail(request=request, actor=user, reason=reason, field_name="signer")
    if request.status != RequestStatus.ASSOCIATION:
        raise ValidationError({"code": _("L'organisation a déjà signé ce document.")})
    code = f"{secrets.randbelow(10 ** 6):06d}"
    with transaction.atomic():
        OneTimeCode.objects.filter(request=request, user=user, used_at__isnull=True).update(
            expires_at=timezone.now())
        OneTimeCode.objects.create(request=request, user=user,
                                   code_hash=_code_hash(request.pk, user.pk, code),
                                   expires_at=timezone.now() + dt.timedelta(
                                       minutes=CODE_MINUTES))
        audit_log(event="signature_code_sent", obj=request, actor=user,
                  message=_("Code de signature envoyé à %(email)s") % {"email": user.email})
        transaction.on_commit(lambda: send_mail(
            _("Votre code de signature"),
            _("Bonjour,\n\nVoici votre code pour signer « %(doc)s » : %(code)s\n\nIl est "
              "valable %(minutes)s minutes. Si vous n'avez pas demandé à signer, ignorez ce "
              "message.") % {"doc": str(request.document), "code": code,
                             "minutes": CODE_MINUTES},
            None, [user.email]))


def _consume_code(*, request: SignatureRequest, user, code: str) -> OneTimeCode:
    """Check the code in a transaction of its own, so that a failed attempt is counted even
    though the signature is refused (5 attempts, then a new code is needed)."""
    with transaction.atomic():
        otp = (OneTimeCode.objects.select_for_update()
               .filter(request=request, user=user, used_at__isnull=True)
               .order_by("-sent_at").first())
        if otp is None or otp.expires_at <= timezone.now():
            return None, _("Ce code a expiré : demandez-en un nouveau.")
        if otp.attempts >= CODE_ATTEMPTS:
            return None, _("Trop d'essais : demandez un nouveau code.")
        if not hmac.compare_digest(otp.code_hash, _code_hash(request.pk, user.pk,
                                                             (code or "").strip())):
            otp.attempts += 1
            otp.save(update_fields=["attempts"])
            return None, _("Code incorrect (%(left)s essai(s) restant(s)).") % {
                "left": CODE_ATTEMPTS - otp.attempts}
        otp.used_at = timezone.now()
        otp.save(update_fields=["used_at"])
        return otp, ""


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


@dataclass
class SignatureCheck:
    field: str
    signer: str
    signed_at: dt.datetime | None
    intact: bool
    valid: bool
    trusted: bool
    whole_document: bool
    summary: str
    expected: bool | None = None


@dataclass
class Verification:
    ok: bool
    signatures: list[SignatureCheck] = field(default_factory=list)
    message: str = ""


def pdf_verify(*, data: bytes, expected_signers: list[str] | None = None) -> Verification:
    """Check every signature of a PDF: intact, cryptographically valid, trusted by the
    configured roots, covering the whole file (the last one) — and, when ``expected_signers``
    are given (certificate subjects), signed by them."""
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    if not data.startswith(b"%PDF"):
        raise ValidationError({"file": _("Ce fichier n'est pas un PDF.")})
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise ValidationError({"file": _("PDF illisible ou endommagé : %(error)s") % {
            "error": str(exc)[:200]}}) from exc
    if not embedded:
        return Verification(ok=False, message=_("Ce PDF ne contient aucune signature "
                                                "électronique."))
    context = ValidationContext(trust_roots=pki.trust_roots(), allow_fetching=False)
    checks = []
    for signature in embedded:
        try:
            status = validate_pdf_signature(signature, context)
        except Exception as exc:  # noqa: BLE001 - any failure is reported, never a 500
            checks.append(SignatureCheck(
                field=signature.field_name, signer="?", signed_at=None, intact=False,
                valid=False, trusted=False, whole_document=False,
                summary=_("Signature invérifiable : %(error)s") % {"error": str(exc)[:200]}))
            continue
        subject = status.signing_cert.subject.human_friendly
        whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
        checks.append(SignatureCheck(
            field=signature.field_name, signer=subject,
            signed_at=status.signer_reported_dt, intact=status.intact, valid=status.valid,
            trusted=status.trusted, whole_document=whole,
            summary=status.summary(),
            expected=(any(e in subject for e in expected_signers)
                      if expected_signers else None)))
    last_whole = checks[-1].whole_document
    ok = (all(c.intact and c.valid and c.trusted for c in checks) and last_whole
          and all(c.expected is not False for c in checks))
    if ok:
        message = _("Toutes les signatures sont valides et le document n'a pas été modifié "
                    "depuis la dernière.")
    elif not all(c.intact for c in checks):
        message = _("Le document a été modifié après sa signature.")
    elif not last_whole:
        message = _("Le document a été complété après la dernière signature.")
    elif not all(c.trusted for c in checks):
        message = _("Un certificat de signature n'est pas reconnu.")
    elif any(c.expected is False for c in checks):
        message = _("Une signature ne vient pas du signataire attendu.")
    else:
        message = _("Une signature n'est pas valide.")
    return Verification(ok=ok, signatures=checks, message=message)
