"""Verifying the signatures of any PDF, signed here or elsewhere."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .. import pki


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


def _embedded_signatures(data: bytes) -> list:
    """The signatures embedded in a PDF; a file that is no PDF, or an unreadable one, is
    refused on the ``file`` field."""
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader

    if not data.startswith(b"%PDF"):
        raise ValidationError({"file": _("Ce fichier n'est pas un PDF.")})
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        return list(reader.embedded_signatures)
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise ValidationError({"file": _("PDF illisible ou endommagé : %(error)s") % {
            "error": str(exc)[:200]}}) from exc


def _check_signature(signature, context, expected_signers: list[str] | None) -> SignatureCheck:
    """One signature validated against ``context``; a validation that fails outright is
    reported as an unverifiable signature."""
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    try:
        status = validate_pdf_signature(signature, context)
    except Exception as exc:  # noqa: BLE001 - any failure is reported, never a 500
        return SignatureCheck(
            field=signature.field_name, signer="?", signed_at=None, intact=False,
            valid=False, trusted=False, whole_document=False,
            summary=_("Signature invérifiable : %(error)s") % {"error": str(exc)[:200]})
    subject = status.signing_cert.subject.human_friendly
    return SignatureCheck(
        field=signature.field_name, signer=subject,
        signed_at=status.signer_reported_dt, intact=status.intact, valid=status.valid,
        trusted=status.trusted,
        whole_document=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        summary=status.summary(),
        expected=(any(e in subject for e in expected_signers)
                  if expected_signers else None))


def _all_valid(checks: list[SignatureCheck]) -> bool:
    """Every signature intact, valid, trusted and from its expected signer; the last one
    covering the whole file."""
    return (all(c.intact and c.valid and c.trusted for c in checks)
            and checks[-1].whole_document
            and all(c.expected is not False for c in checks))


def _failure_message(checks: list[SignatureCheck]) -> str:
    """The first reason, in this order, why the signatures of a PDF are not all valid."""
    if not all(c.intact for c in checks):
        return _("Le document a été modifié après sa signature.")
    if not checks[-1].whole_document:
        return _("Le document a été complété après la dernière signature.")
    if not all(c.trusted for c in checks):
        return _("Un certificat de signature n'est pas reconnu.")
    if any(c.expected is False for c in checks):
        return _("Une signature ne vient pas du signataire attendu.")
    return _("Une signature n'est pas valide.")


def pdf_verify(*, data: bytes, expected_signers: list[str] | None = None) -> Verification:
    """Check every signature of a PDF: intact, cryptographically valid, trusted by the
    configured roots, covering the whole file (the last one) — and, when ``expected_signers``
    are given (certificate subjects), signed by them."""
    from pyhanko_certvalidator import ValidationContext

    embedded = _embedded_signatures(data)
    if not embedded:
        return Verification(ok=False, message=_("Ce PDF ne contient aucune signature "
                                                "électronique."))
    context = ValidationContext(trust_roots=pki.trust_roots(), allow_fetching=False)
    checks = [_check_signature(signature, context, expected_signers) for signature in embedded]
    if _all_valid(checks):
        return Verification(ok=True, signatures=checks, message=_(
            "Toutes les signatures sont valides et le document n'a pas été modifié depuis la "
            "dernière."))
    return Verification(ok=False, signatures=checks, message=_failure_message(checks))
