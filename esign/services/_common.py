"""What the signature services share: who signs which kind of document, the bytes being
signed, and the audited refusal."""

from __future__ import annotations

import hashlib

from django.core.exceptions import ValidationError

from backoffice.core.audit import audit_log
from conventions.models import DocumentKind

from ..models import SignatureRequest, SignerRole

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


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read(field_file) -> bytes:
    with field_file.open("rb") as handle:
        return handle.read()


def current_pdf(request: SignatureRequest) -> bytes:
    """The bytes the next signer signs: the signed file so far, else the generated document."""
    if request.signed_file:
        return _read(request.signed_file)
    return _read(request.document.file)


def _fail(*, request: SignatureRequest, actor, reason: str, field_name: str = "code"):
    """Audit the refused attempt (in its own transaction, so it stays) and refuse."""
    audit_log(event="signature_refused", obj=request, actor=actor, message=reason,
              data={"document": request.document_id})
    raise ValidationError({field_name: reason})
