"""Writes of the core app. One path per business action, used by pages, API, admin and commands."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .audit import audit_log
from .models import (
    DocumentKind,
    Membership,
    MembershipRole,
    MembershipStatus,
    Organisation,
    OrganisationDocument,
    User,
)
from .notifications import Event, finance_agents, notify, organisation_recipients
from .permissions import can
from .roles import Role
from .uploads import check_upload
from .versioning import version_check

ORGANISATION_EDITABLE_FIELDS = (
    "name", "legal_form", "siret", "rna", "address", "postcode", "city", "email", "phone",
    "website", "object", "legal_representative_name", "legal_representative_title",
    "volunteers_count", "employees_count", "fte", "members_count", "iban", "bic",
    "financial_year_end",
)


def reject_unknown_keys(data: dict, allowed) -> None:
    """A service given a field it does not know is a programming error, not a user's: refuse
    it loudly rather than ignore it (every adapter passes the same names)."""
    unknown = set(data) - set(allowed)
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")


def organisation_url(organisation_id: int) -> str:
    """The organisation's page, the link of its notifications."""
    return reverse("core:organisation-detail", args=[organisation_id])


def user_set_roles(*, user: User, roles: list[Role]) -> User:
    """Make the user's groups exactly the given roles (groups are created on demand)."""
    groups = [Group.objects.get_or_create(name=role.label)[0] for role in roles]
    user.groups.set(groups)
    user.__dict__.pop("role_names", None)
    return user


@transaction.atomic
def user_signup(*, email: str, password: str, first_name: str = "", last_name: str = "",
                next_url: str = "") -> User | None:
    """Create an applicant account whose address is verified by an e-mailed link.

    Invariant: the answer does not tell whether the address already had an account (the e-mail
    is unique, case-insensitive): a new address gets the account and its verification link
    (``next_url`` rides on it), a known one gets a note to its owner and nothing changes.
    Returns the new user, or None.
    """
    from .accounts import signup_existing_account_notice, user_send_verification

    email = email.strip().lower()
    existing = User.objects.filter(email__iexact=email).first()
    user = User(email=email, first_name=first_name.strip(), last_name=last_name.strip())
    user.set_password(password)   # hashed in both cases: the answer takes the same time
    if existing is not None:
        signup_existing_account_notice(user=existing)
        return None
    user.full_clean(exclude=["password"])
    user.save()
    user_set_roles(user=user, roles=[Role.APPLICANT])
    user_send_verification(user=user, next_url=next_url)
    return user


@transaction.atomic
def organisation_create(*, user: User, accept_cer: bool, **fields) -> Organisation:
    """Create an organisation whose first admin is ``user``.

    The contrat d'engagement républicain (loi 2021-1109) must be accepted: who and when are stored.
    """
    if not accept_cer:
        raise ValidationError({"accept_cer": _(
            "Le contrat d'engagement républicain doit être accepté pour toute demande de subvention."
        )})
    unknown = set(fields) - set(ORGANISATION_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown organisation fields: {sorted(unknown)}")
    organisation = Organisation(**fields, cer_accepted_by=user, cer_accepted_at=timezone.now())
    organisation.full_clean()
    organisation.save()
    Membership.objects.create(user=user, organisation=organisation, role=MembershipRole.ADMIN,
                              status=MembershipStatus.ACTIVE)
    audit_log(event=Event.ORGANISATION_CREATED, obj=organisation, actor=user)
    return organisation


BANK_FIELDS = ("iban", "bic")


def _masked_iban(iban: str) -> str:
    return f"{iban[:4]} •••• {iban[-4:]}" if iban else "—"


@transaction.atomic
def organisation_update(*, organisation: Organisation, user: User, version: str | None = None,
                        **fields) -> Organisation:
    """Update identity fields; only the organisation's admins (or an administrator) may; a
    form opened on an older ``version`` than the stored one changes nothing.

    A change of IBAN or BIC is audited, notified to every administrator of the organisation and
    to the finance agents, and puts the organisation's payments on hold (left out of the
    payments-to-order export) until a finance agent confirms the new details against a RIB.
    """
    allowed, reason = can(user, "organisation.edit", organisation)
    if not allowed:
        raise PermissionDenied(reason)
    unknown = set(fields) - set(ORGANISATION_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown organisation fields: {sorted(unknown)}")
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    version_check(obj=organisation, version=version)
    before = {name: getattr(organisation, name) for name in BANK_FIELDS}
    for name, value in fields.items():
        setattr(organisation, name, value)
    organisation.full_clean()
    bank_changed = any(getattr(organisation, name) != before[name] for name in BANK_FIELDS)
    if bank_changed:
        organisation.bank_details_on_hold = True
        organisation.bank_details_changed_at = timezone.now()
        organisation.bank_details_confirmed_at = None
        organisation.bank_details_confirmed_by = None
    organisation._change_reason = "Mise à jour du profil"
    organisation.save()
    if bank_changed:
        message = _("IBAN %(old)s remplacé par %(new)s. Les versements sont suspendus jusqu'à "
                    "la vérification du RIB par un agent financier.") % {
            "old": _masked_iban(before["iban"]), "new": _masked_iban(organisation.iban)}
        notify(Event.BANK_DETAILS_CHANGED, organisation, actor=user,
               recipients=[*organisation_recipients(organisation, admins_only=True),
                           *finance_agents()],
               url=organisation_url(organisation.pk), context={"message": message})
    return organisation


@transaction.atomic
def organisation_bank_details_confirm(*, organisation: Organisation, actor: User,
                                      document: OrganisationDocument) -> Organisation:
    """A finance agent has checked the IBAN against a RIB of the organisation: its payments
    are exported again. The RIB must have been deposited since the last change."""
    allowed, reason = can(actor, "organisation.confirm_bank_details", organisation)
    if not allowed:
        raise PermissionDenied(reason)
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if not organisation.bank_details_on_hold:
        raise ValidationError(_("Les coordonnées bancaires de cette organisation ne sont pas en "
                                "attente de vérification."))
    if document.organisation_id != organisation.pk or document.kind != DocumentKind.RIB:
        raise ValidationError({"document": _("Choisissez un RIB déposé par cette organisation.")})
    if (organisation.bank_details_changed_at
            and document.uploaded_at < organisation.bank_details_changed_at):
        raise ValidationError({"document": _(
            "Ce RIB a été déposé avant le changement d'IBAN : demandez un RIB à jour.")})
    organisation.bank_details_on_hold = False
    organisation.bank_details_confirmed_at = timezone.now()
    organisation.bank_details_confirmed_by = actor
    organisation._change_reason = "Coordonnées bancaires vérifiées"
    organisation.save()
    notify(Event.BANK_DETAILS_CONFIRMED, organisation, actor=actor,
           recipients=organisation_recipients(organisation, admins_only=True),
           url=organisation_url(organisation.pk),
           context={"message": _("RIB vérifié : %(document)s (%(iban)s).") % {
               "document": document.original_name, "iban": _masked_iban(organisation.iban)}})
    return organisation


CLAIM_PROOF_KINDS = (DocumentKind.MANDATE, DocumentKind.STATUTES)


@transaction.atomic
def membership_request(*, user: User, organisation: Organisation, proof_file=None,
                       proof_kind: str = "") -> Membership:
    """Ask to join an organisation. Membership is granted, never taken: the request stays
    pending until someone entitled approves it.

    When the organisation has an active administrator, they decide (a finance agent may too).
    An organisation without one (imported or created by the authority) can only be claimed
    with a proof — a mandate or the statutes naming the requester — that a finance agent
    checks before the requester becomes its administrator.
    """
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if Membership.objects.filter(user=user, organisation=organisation).exists():
        raise ValidationError(_("Vous êtes déjà membre de cette organisation, ou votre demande est "
                                "en attente."))
    has_admin = Membership.objects.filter(organisation=organisation, role=MembershipRole.ADMIN,
                                          status=MembershipStatus.ACTIVE).exists()
    if has_admin:
        membership = Membership.objects.create(user=user, organisation=organisation,
                                               role=MembershipRole.MEMBER,
                                               status=MembershipStatus.PENDING)
        notify(Event.MEMBERSHIP_REQUESTED, membership, actor=user,
               recipients=organisation_recipients(organisation, admins_only=True),
               url=organisation_url(organisation.pk))
        return membership
    if proof_file is None:
        raise ValidationError({"proof_file": _(
            "Cette organisation n'a pas encore d'administrateur : joignez un mandat signé par "
            "son représentant légal ou ses statuts vous désignant, qu'un agent de la "
            "collectivité vérifiera.")})
    if proof_kind not in CLAIM_PROOF_KINDS:
        raise ValidationError({"proof_kind": _("Choisissez le type de justificatif : mandat ou "
                                               "statuts.")})
    try:
        content_type, size, sha256 = check_upload(proof_file)
    except ValidationError as exc:
        raise ValidationError({"proof_file": exc.messages}) from exc
    proof = OrganisationDocument(
        organisation=organisation, kind=proof_kind, file=proof_file,
        label=_("Justificatif de la demande de %(user)s") % {"user": user.email},
        original_name=getattr(proof_file, "name", "justificatif")[:255],
        content_type=content_type, size=size, sha256=sha256, uploaded_by=user,
    )
    proof.full_clean()
    proof.save()
    membership = Membership.objects.create(user=user, organisation=organisation,
                                           role=MembershipRole.ADMIN,
                                           status=MembershipStatus.PENDING, proof=proof)
    notify(Event.MEMBERSHIP_CLAIMED, membership, actor=user, recipients=finance_agents(),
           url=organisation_url(organisation.pk))
    return membership


# A request is pending until approved; a refused request is deleted, not moved.
MEMBERSHIP_TRANSITIONS = {
    MembershipStatus.PENDING: {MembershipStatus.ACTIVE},
    MembershipStatus.ACTIVE: set(),
}


def membership_transition(*, membership: Membership, to: str, actor: User,
                          event: str) -> Membership:
    """The only place a membership changes status: refuses a move outside
    MEMBERSHIP_TRANSITIONS and writes the audit row ``event`` on the organisation."""
    if to not in MEMBERSHIP_TRANSITIONS[MembershipStatus(membership.status)]:
        raise ValidationError(_("Changement d'état impossible : %(old)s → %(new)s.") % {
            "old": membership.get_status_display(), "new": MembershipStatus(to).label})
    membership.status = to
    membership.save(update_fields=["status"])
    audit_log(event=event, obj=membership.organisation, actor=actor,
              message=f"{membership.user} — {membership.get_role_display()}")
    return membership


@transaction.atomic
def membership_approve(*, membership: Membership, actor: User) -> Membership:
    """Grant a pending request: an active administrator of the organisation or a finance agent
    for a member; only a finance agent, with a proof on file, for a claim."""
    membership = Membership.objects.select_for_update().select_related("organisation").get(
        pk=membership.pk)
    allowed, reason = can(actor, "membership.approve", membership)
    if not allowed:
        raise PermissionDenied(reason)
    if membership.status != MembershipStatus.PENDING:
        raise ValidationError(_("Cette demande a déjà été validée."))
    if membership.is_claim and membership.proof_id is None:
        raise ValidationError(_("Aucun justificatif n'accompagne cette demande : elle ne peut "
                                "pas être validée."))
    membership_transition(membership=membership, to=MembershipStatus.ACTIVE, actor=actor,
                          event="membership_approved")
    notify(Event.MEMBERSHIP_ACCEPTED, membership, actor=actor, recipients=[membership.user],
           url=organisation_url(membership.organisation_id))
    return membership


@transaction.atomic
def membership_refuse(*, membership: Membership, actor: User) -> None:
    """Turn down a pending request; the requester is told."""
    membership = Membership.objects.select_for_update().select_related("organisation", "user").get(
        pk=membership.pk)
    allowed, reason = can(actor, "membership.approve", membership)
    if not allowed:
        raise PermissionDenied(reason)
    if membership.status != MembershipStatus.PENDING:
        raise ValidationError(_("Seule une demande en attente peut être refusée."))
    notify(Event.MEMBERSHIP_REFUSED, membership.organisation, actor=actor,
           recipients=[membership.user], url=reverse("core:space"))
    proof = membership.proof
    membership.delete()
    if proof is not None:
        proof.delete()


@transaction.atomic
def membership_remove(*, membership: Membership, actor: User) -> None:
    """Remove a member; an organisation always keeps at least one active admin."""
    allowed, reason = can(actor, "organisation.manage_members", membership.organisation)
    if not allowed:
        raise PermissionDenied(reason)
    if membership.role == MembershipRole.ADMIN and not Membership.objects.filter(
        organisation=membership.organisation, role=MembershipRole.ADMIN,
        status=MembershipStatus.ACTIVE,
    ).exclude(pk=membership.pk).exists():
        raise ValidationError(_("L'organisation doit garder au moins un administrateur."))
    audit_log(event="membership_removed", obj=membership.organisation, actor=actor,
              message=str(membership.user))
    membership.delete()


@transaction.atomic
def document_upload(*, organisation: Organisation, user: User, kind: str, file,
                    valid_until=None, label: str = "") -> OrganisationDocument:
    """Store a document once for every future application. Type is checked by content."""
    allowed, reason = can(user, "document.upload", organisation)
    if not allowed:
        raise PermissionDenied(reason)
    try:
        content_type, size, sha256 = check_upload(file)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from exc
    document = OrganisationDocument(
        organisation=organisation, kind=kind, label=label, file=file,
        original_name=getattr(file, "name", "document")[:255], content_type=content_type,
        size=size, sha256=sha256, valid_until=valid_until, uploaded_by=user,
    )
    document.full_clean()
    document.save()
    return document
