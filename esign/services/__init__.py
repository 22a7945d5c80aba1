"""Signing a generated document by both parties, and verifying any PDF.

Invariants: a signature applies only to the exact bytes the signer was shown (SHA-256 posted
back by the page); the association's representative is identified by a one-time code sent to
their e-mail (hashed, 10 minutes, 5 attempts); each signature is an incremental PAdES update, so
the first stays valid after the second; the convention becomes "signed" when both have signed,
on the day of the last signature; every attempt, failed or not, is audited; nothing is signed
when any check fails.

``procedure`` opens and moves a signature request, ``codes`` identifies the representative,
``signing`` applies each party's signature, ``verification`` checks any PDF.
"""

from ._common import LETTERS, SIGNERS, current_pdf, sha256
from .codes import CODE_ATTEMPTS, CODE_MINUTES, signature_code_send
from .procedure import (
    TRANSITIONS,
    association_signer_errors,
    authority_signer_errors,
    signable,
    signature_request_create,
    signature_request_transition,
)
from .signing import association_sign, authority_sign
from .verification import SignatureCheck, Verification, pdf_verify

__all__ = [
    "CODE_ATTEMPTS", "CODE_MINUTES", "LETTERS", "SIGNERS", "TRANSITIONS", "SignatureCheck",
    "Verification", "association_sign", "association_signer_errors", "authority_sign",
    "authority_signer_errors", "current_pdf", "pdf_verify", "sha256", "signable",
    "signature_code_send", "signature_request_create", "signature_request_transition",
]
