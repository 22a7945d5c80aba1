"""Writes of the core app. One path per business action, used by pages, API, admin and commands."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .audit import audit_log
from .models import (
    Membership,
    MembershipRole,
    MembershipStatus,
    Organisation,
    OrganisationDocument,
    User,
)
from .notifications import Event, notify, organisation_recipients
from .permissions import can
from .roles import Role
from .uploads import check_upload
from .versioning import version_check

ORGANISATION_EDITABLE_FIELDS = (
    "name", "legal_form", "siret", "rna", "address", "postcode", "city", "email", "phone",
    "website", "object", "legal_representative_name", "legal_representative_title",
    "volunteers_count", "employees_count", "fte", "members_count", "iban", "bic",
)


def user_set_roles(*, user: User, roles: list[Role]) -> User:
    """Make the user's groups exactly the given roles (groups are created on demand)."""
    groups = [Group.objects.get_or_create(name=role.label)[0] for role in roles]
    user.groups.set(groups)
    user.__dict__.pop("role_names", None)
    return user


@transaction.atomic
def user_signup(*, email: str, password: str, first_name: str = "", last_name: str = "") -> User:
    """Create an applicant account. The e-mail is unique (case-insensitive)."""
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("Un compte existe déjà avec cette adresse.")})
    user = User(email=email, first_name=first_name.strip(), last_name=last_name.strip())
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    user_set_roles(user=user, roles=[Role.APPLICANT])
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


@transaction.atomic
def organisation_update(*, organisation: Organisation, user: User, version: str | None = None,
                        **fields) -> Organisation:
    """Update identity fields; only the organisation's admins (or an administrator) may; a
    form opened on an older ``version`` than the stored one changes nothing."""
    allowed, reason = can(user, "organisation.edit", organisation)
    if not allowed:
        raise PermissionDenied(reason)
    unknown = set(fields) - set(ORGANISATION_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown organisation fields: {sorted(unknown)}")
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    version_check(obj=organisation, version=version)
    for name, value in fields.items():
        setattr(organisation, name, value)
    organisation.full_clean()
    organisation._change_reason = "Mise à jour du profil"
    organisation.save()
    return organisation


@transaction.atomic
def organisation_accept_cer(*, organisation: Organisation, user: User) -> Organisation:
    """Record (again) the acceptance of the CER by ``user`` now."""
    allowed, reason = can(user, "organisation.edit", organisation)
    if not allowed:
        raise PermissionDenied(reason)
    organisation.cer_accepted_by = user
    organisation.cer_accepted_at = timezone.now()
    organisation.save(update_fields=["cer_accepted_by", "cer_accepted_at"])
    return organisation


@transaction.atomic
def membership_request(*, user: User, organisation: Organisation) -> Membership:
    """Ask to join an organisation; its admins are notified and decide."""
    if Membership.objects.filter(user=user, organisation=organisation).exists():
        raise ValidationError(_("Vous êtes déjà membre de cette organisation, ou votre demande est "
                                "en attente."))
    has_admin = Membership.objects.filter(organisation=organisation, role=MembershipRole.ADMIN,
                                          status=MembershipStatus.ACTIVE).exists()
    membership = Membership.objects.create(
        user=user, organisation=organisation,
        role=MembershipRole.MEMBER if has_admin else MembershipRole.ADMIN,
        status=MembershipStatus.PENDING if has_admin else MembershipStatus.ACTIVE,
    )
    if has_admin:
        notify(Event.MEMBERSHIP_REQUESTED, membership, actor=user,
               recipients=organisation_recipients(organisation, admins_only=True),
               url=f"/organisations/{organisation.pk}/")
    return membership


@transaction.atomic
def membership_approve(*, membership: Membership, actor: User) -> Membership:
    allowed, reason = can(actor, "organisation.manage_members", membership.organisation)
    if not allowed:
        raise PermissionDenied(reason)
    membership.status = MembershipStatus.ACTIVE
    membership.save(update_fields=["status"])
    notify(Event.MEMBERSHIP_ACCEPTED, membership, actor=actor, recipients=[membership.user],
           url=f"/organisations/{membership.organisation_id}/")
    return membership


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
