"""Reads, scoped by the requesting user: a member of A can never list or fetch B's data."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from .models import (
    Membership,
    MembershipStatus,
    Notification,
    Organisation,
    OrganisationDocument,
    User,
)


def organisation_list(*, user: User) -> QuerySet[Organisation]:
    """Organisations the user may see: all for the authority's staff, their own otherwise."""
    qs = Organisation.objects.all()
    if not user.is_authenticated:
        return qs.none()
    if not user.works_for_authority:
        qs = qs.filter(memberships__user=user, memberships__status=MembershipStatus.ACTIVE)
    return qs.annotate(
        active_members=Count("memberships", filter=Q(memberships__status=MembershipStatus.ACTIVE),
                             distinct=True)
    ).order_by("name")


def organisation_detail(*, user: User, pk: int) -> Organisation:
    """One organisation, or Organisation.DoesNotExist when out of the user's scope (→ 404)."""
    return (
        organisation_list(user=user)
        .prefetch_related(
            Prefetch("memberships", queryset=Membership.objects.select_related("user")),
            Prefetch("documents", queryset=OrganisationDocument.objects.select_related("uploaded_by")),
        )
        .get(pk=pk)
    )


def user_organisations(*, user: User) -> QuerySet[Organisation]:
    """Organisations where the user is an active member (even an agent's own memberships)."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    return Organisation.objects.filter(
        memberships__user=user, memberships__status=MembershipStatus.ACTIVE
    ).order_by("name")


def document_detail(*, user: User, pk: int) -> OrganisationDocument:
    return OrganisationDocument.objects.select_related("organisation").get(
        pk=pk, organisation__in=organisation_list(user=user).values("pk")
    )


def valid_documents(*, organisation: Organisation, on=None) -> dict[str, OrganisationDocument]:
    """The newest still-valid document of each kind: what an application reuses."""
    on = on or timezone.localdate()
    docs = OrganisationDocument.objects.filter(organisation=organisation).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=on)
    ).order_by("kind", "-uploaded_at")
    result: dict[str, OrganisationDocument] = {}
    for doc in docs:
        result.setdefault(doc.kind, doc)
    return result


def missing_documents(*, organisation: Organisation, required: list[str], on=None) -> list[str]:
    """Kinds among ``required`` that the organisation has no valid document for."""
    valid = valid_documents(organisation=organisation, on=on)
    return [kind for kind in required if kind not in valid]


def notification_list(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at")


def unread_notification_count(*, user: User) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
