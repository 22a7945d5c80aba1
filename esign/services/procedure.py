"""The signature procedure of a document: who may sign, opening it, moving it on."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import PermissionDenied, ValidationError
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

from ..models import RequestStatus, SignatureRequest, SignerRole
from ._common import LETTERS, SIGNERS, _read, sha256

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


def _normalise(name: str) -> str:
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(text.replace("-", " ").split())


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
