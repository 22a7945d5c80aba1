"""Reads, scoped by the requesting user: a member of A can never list or fetch B's data."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from .models import (
    EmailStatus,
    Membership,
    MembershipStatus,
    Notification,
    Organisation,
    OrganisationDocument,
    Reminder,
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
            Prefetch("memberships",
                     queryset=Membership.objects.select_related("user", "proof")),
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


def notification_list(*, user: User, state: str = "", topic: str = "") -> QuerySet[Notification]:
    """The user's own notifications, newest first; ``state`` is "unread" or "read"."""
    qs = Notification.objects.filter(recipient=user).order_by("-created_at")
    if state == "unread":
        qs = qs.filter(read_at__isnull=True)
    elif state == "read":
        qs = qs.filter(read_at__isnull=False)
    if topic:
        qs = qs.filter(topic=topic)
    return qs


def unread_notification_count(*, user: User) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def reminder_list(*, user: User, kind: str = "", organisation=None, date_from=None,
                  date_to=None, status: str = "") -> QuerySet[Reminder]:
    """Recorded reminders for the authority's staff (none for anyone else), newest first."""
    if not user.is_authenticated or not user.works_for_authority:
        return Reminder.objects.none()
    qs = Reminder.objects.select_related("organisation", "sent_by").order_by("-remind_on", "-pk")
    if kind:
        qs = qs.filter(kind=kind)
    if organisation is not None:
        qs = qs.filter(organisation=organisation)
    if date_from:
        qs = qs.filter(remind_on__gte=date_from)
    if date_to:
        qs = qs.filter(remind_on__lte=date_to)
    if status:
        qs = qs.filter(status=status)
    return qs


def reminder_upcoming(*, user: User, start, end, kind: str = "", organisation=None,
                      limit: int = 100) -> list[dict]:
    """Reminders the daily job will send between ``start`` and ``end`` (at most ``limit``),
    each flagged when already recorded (sent early by hand). A bounded number of queries:
    one batch per kind, then one query for the already-recorded ones."""
    from django.contrib.contenttypes.models import ContentType

    from .reminders import all_kinds

    if not user.is_authenticated or not user.works_for_authority:
        return []
    rows = []
    for reminder_kind in all_kinds():
        if kind and reminder_kind.code != kind:
            continue
        found = 0
        for batch in reminder_kind.find(start, end, batch_size=limit):
            for due in batch:
                if organisation is not None and due.organisation_id != organisation.pk:
                    continue
                found += 1
                rows.append({"kind": reminder_kind, "due": due,
                             "target_type_id": ContentType.objects.get_for_model(due.target).pk})
            if found >= limit:
                break
    rows.sort(key=lambda row: (row["due"].remind_on, row["kind"].code, row["due"].target.pk))
    rows = rows[:limit]
    recorded = set(Reminder.objects.filter(
        target_id__in={row["due"].target.pk for row in rows},
        kind__in={row["kind"].code for row in rows},
    ).values_list("kind", "target_type_id", "target_id", "due_date", "step"))
    for row in rows:
        due = row["due"]
        row["recorded"] = (row["kind"].code, row["target_type_id"], due.target.pk,
                           due.due_date, due.step) in recorded
    return rows


def email_failures(*, user: User, limit: int = 50) -> QuerySet[Notification]:
    """Notifications whose e-mail failed for good, for the authority's staff to follow up."""
    if not user.is_authenticated or not user.works_for_authority:
        return Notification.objects.none()
    return (Notification.objects.filter(email_status=EmailStatus.FAILED)
            .select_related("recipient").order_by("-created_at")[:limit])


# What a staff page says when it cannot tell which authority acts (see site_authority).
NO_SITE_AUTHORITY = gettext_lazy(
    "Aucune collectivité désignée : renseignez-la dans l'administration (et, si plusieurs "
    "partagent ce service, le réglage SITE_AUTHORITY_ID).")


def site_authority():
    """The authority that publishes this site: ``SITE_AUTHORITY_ID`` when several share one
    deployment, else the deployment's only authority (None when several and no setting)."""
    from django.conf import settings

    from .models import Authority

    if settings.SITE_AUTHORITY_ID:
        return Authority.objects.filter(pk=settings.SITE_AUTHORITY_ID).first()
    authorities = list(Authority.objects.order_by("pk")[:2])
    return authorities[0] if len(authorities) == 1 else None
