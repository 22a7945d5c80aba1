"""The one messenger: notify(event, obj, actor) writes the in-app notification, queues the
e-mail after commit and writes the audit entry (Hypha activity/messaging.py pattern)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models, transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string, select_template

from .audit import audit_log
from .models import Membership, MembershipStatus, Notification, User


class Event(models.TextChoices):
    """Every business event that notifies someone. One enum for the whole product."""

    # core
    MEMBERSHIP_REQUESTED = "membership_requested", "Demande d'adhésion à une organisation"
    MEMBERSHIP_ACCEPTED = "membership_accepted", "Adhésion acceptée"
    ORGANISATION_CREATED = "organisation_created", "Organisation créée"
    DOCUMENT_EXPIRING = "document_expiring", "Document bientôt expiré"
    # funds
    CALL_PHASE_CHANGED = "call_phase_changed", "Changement de phase d'un appel"
    APPLICATION_SUBMITTED = "application_submitted", "Dossier déposé"
    APPLICATION_INFO_REQUESTED = "application_info_requested", "Compléments demandés"
    APPLICATION_INELIGIBLE = "application_ineligible", "Dossier irrecevable"
    APPLICATION_AWARDED = "application_awarded", "Subvention attribuée"
    APPLICATION_REJECTED = "application_rejected", "Demande rejetée"
    VOTE_RESULTS_PUBLISHED = "vote_results_published", "Résultats du vote publiés"
    # conventions
    CONVENTION_SENT = "convention_sent", "Convention envoyée pour signature"
    CONVENTION_SIGNED = "convention_signed", "Convention signée"
    CONVENTION_YEAR_CONFIRMED = "convention_year_confirmed", "Tranche annuelle confirmée"
    PAYMENT_PAID = "payment_paid", "Versement effectué"
    AMENDMENT_SIGNED = "amendment_signed", "Avenant signé"
    REPORT_SUBMITTED = "report_submitted", "Compte rendu financier déposé"
    REPORT_APPROVED = "report_approved", "Compte rendu financier approuvé"
    REPORT_CHANGES_REQUESTED = "report_changes_requested", "Modifications du compte rendu demandées"
    DOCUMENT_GENERATED = "document_generated", "Document généré"
    # volunteering
    VOLUNTEER_ENTRIES_VALIDATED = "volunteer_entries_validated", "Heures de bénévolat validées"
    VOLUNTEER_ATTESTATION_READY = "volunteer_attestation_ready", "Attestation de bénévolat prête"
    # reminders
    REMINDER = "reminder", "Rappel"


def organisation_recipients(organisation, *, admins_only: bool = False) -> list[User]:
    """Active members (or admins) of an organisation: the usual recipients of its events."""
    memberships = Membership.objects.filter(
        organisation=organisation, status=MembershipStatus.ACTIVE, user__is_active=True
    ).select_related("user")
    if admins_only:
        memberships = memberships.filter(role="admin")
    return [m.user for m in memberships]


def _render(event: str, part: str, context: dict) -> str:
    template = select_template([f"notifications/{event}/{part}", f"notifications/default/{part}"])
    return template.render(context).strip()


def notify(event: Event | str, obj, actor=None, *, recipients: Iterable[User] | None = None,
           url: str = "", context: dict | None = None, send_email: bool = True) -> list[Notification]:
    """Notify the recipients of a business event, once each.

    Guarantees: one in-app notification per distinct active recipient, an e-mail queued only
    after the surrounding transaction commits (never for a rolled-back event), and one audit
    entry — all or nothing with the caller's transaction.
    """
    from .tasks import send_notification_email_task

    event = Event(event)
    if recipients is None:
        organisation = getattr(obj, "organisation", None)
        recipients = organisation_recipients(organisation) if organisation is not None else []
    unique = {user.pk: user for user in recipients if user is not None and user.is_active}
    base_context = {"event": event, "event_label": event.label, "object": obj, "actor": actor,
                    "url": url, **(context or {})}
    notifications = []
    with transaction.atomic():
        for user in unique.values():
            ctx = {**base_context, "recipient": user}
            notifications.append(Notification.objects.create(
                recipient=user, event=event.value, url=url,
                title=_render(event.value, "subject.txt", ctx)[:255],
                body=_render(event.value, "body.txt", ctx),
            ))
        audit_log(event=event.value, obj=obj, actor=actor,
                  message=base_context.get("message", event.label),
                  data={"recipients": sorted(unique)})
    if send_email:
        for notification in notifications:
            transaction.on_commit(
                lambda pk=notification.pk: send_notification_email_task.delay(pk)
            )
    return notifications


def render_notification_email(notification: Notification) -> tuple[str, str, str | None]:
    """Subject, text body and HTML body (when an HTML template exists) of a notification."""
    from django.conf import settings

    ctx = {"notification": notification, "recipient": notification.recipient,
           "site_url": settings.SITE_URL.rstrip("/")}
    text = render_to_string("notifications/email.txt", ctx)
    try:
        html = render_to_string("notifications/email.html", ctx)
    except TemplateDoesNotExist:
        html = None
    return notification.title, text, html
