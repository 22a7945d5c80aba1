"""The one messenger: notify(event, obj, actor) writes the in-app notification, queues the
e-mail after commit and writes the audit entry (Hypha activity/messaging.py pattern)."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.mail import EmailMultiAlternatives
from django.db import models, transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string, select_template
from django.utils import timezone

from .audit import audit_log
from .models import (
    Delivery,
    EmailStatus,
    Membership,
    MembershipStatus,
    Notification,
    NotificationPreference,
    User,
)


class Event(models.TextChoices):
    """Every business event that notifies someone. One enum for the whole product."""

    # core
    MEMBERSHIP_REQUESTED = "membership_requested", "Demande d'adhésion à une organisation"
    MEMBERSHIP_ACCEPTED = "membership_accepted", "Adhésion acceptée"
    MEMBERSHIP_CLAIMED = "membership_claimed", "Demande d'administration d'une organisation sans membre"
    MEMBERSHIP_REFUSED = "membership_refused", "Demande d'adhésion refusée"
    BANK_DETAILS_CHANGED = "bank_details_changed", "Coordonnées bancaires modifiées"
    BANK_DETAILS_CONFIRMED = "bank_details_confirmed", "Coordonnées bancaires vérifiées"
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


def finance_agents() -> list[User]:
    """Active finance agents: who checks bank details and claims of unattended organisations."""
    from .roles import Role

    return list(User.objects.filter(groups__name=Role.FINANCE_AGENT.label, is_active=True))


# Events whose e-mail cannot be switched off: decisions and money the recipient must act on.
MANDATORY_EVENTS = frozenset({
    Event.APPLICATION_INFO_REQUESTED, Event.APPLICATION_INELIGIBLE, Event.APPLICATION_AWARDED,
    Event.APPLICATION_REJECTED, Event.CONVENTION_SENT, Event.PAYMENT_PAID,
    Event.REPORT_CHANGES_REQUESTED, Event.BANK_DETAILS_CHANGED,
})


def topic_is_mandatory(topic: str) -> bool:
    """Whether recipients may opt out of the e-mails of a topic (a reminder kind or an event)."""
    from .reminders import get_kind

    kind = get_kind(topic)
    if kind is not None:
        return kind.mandatory
    return topic in MANDATORY_EVENTS


def topic_choices() -> list[tuple[str, str, bool]]:
    """(code, French label, mandatory) of every topic a user may set a preference for."""
    from .reminders import all_kinds

    topics = [(kind.code, str(kind.label), kind.mandatory) for kind in all_kinds()]
    known = {code for code, _label, _mandatory in topics}
    topics += [(event.value, event.label, event in MANDATORY_EVENTS) for event in Event
               if event != Event.REMINDER and event.value not in known]
    return topics


def _email_statuses(user_ids, topic: str) -> dict[int, str]:
    """The e-mail status each recipient's preference gives (no preference: immediate)."""
    preferences = dict(NotificationPreference.objects.filter(user_id__in=user_ids, topic=topic)
                       .values_list("user_id", "delivery"))
    mandatory = topic_is_mandatory(topic)
    statuses = {}
    for user_id in user_ids:
        delivery = preferences.get(user_id, Delivery.IMMEDIATE)
        if delivery == Delivery.NONE and mandatory:
            delivery = Delivery.IMMEDIATE
        statuses[user_id] = {Delivery.IMMEDIATE: EmailStatus.PENDING,
                             Delivery.DIGEST: EmailStatus.DIGEST,
                             Delivery.NONE: EmailStatus.SKIPPED}[delivery]
    return statuses


def _render(event: str, part: str, context: dict, topic: str = "") -> str:
    names = [f"notifications/{event}/{part}", f"notifications/default/{part}"]
    if topic and topic != event:
        names.insert(0, f"notifications/{event}/{topic}/{part}")
    return select_template(names).render(context).strip()


def notify(event: Event | str, obj, actor=None, *, recipients: Iterable[User] | None = None,
           url: str = "", context: dict | None = None, send_email: bool = True,
           topic: str = "") -> list[Notification]:
    """Notify the recipients of a business event, once each.

    Guarantees: one in-app notification per distinct active recipient, an e-mail queued only
    after the surrounding transaction commits (never for a rolled-back event) and only as the
    recipient's preference for the topic says (immediate, daily digest or none — never none
    for a mandatory topic), and one audit entry — all or nothing with the caller's transaction.
    ``topic`` defaults to the event; reminders pass their kind code.
    """
    from .tasks import send_notification_email_task

    event = Event(event)
    topic = topic or event.value
    if recipients is None:
        organisation = getattr(obj, "organisation", None)
        recipients = organisation_recipients(organisation) if organisation is not None else []
    unique = {user.pk: user for user in recipients if user is not None and user.is_active}
    base_context = {"event": event, "event_label": event.label, "object": obj, "actor": actor,
                    "url": url, **(context or {})}
    statuses = _email_statuses(list(unique), topic) if send_email else {}
    notifications = []
    with transaction.atomic():
        for user in unique.values():
            ctx = {**base_context, "recipient": user}
            notifications.append(Notification.objects.create(
                recipient=user, event=event.value, url=url, topic=topic,
                title=_render(event.value, "subject.txt", ctx, topic)[:255],
                body=_render(event.value, "body.txt", ctx, topic),
                email_status=statuses.get(user.pk, EmailStatus.SKIPPED),
            ))
        audit_log(event=event.value, obj=obj, actor=actor,
                  message=str(base_context.get("message", event.label)),
                  data={"recipients": sorted(unique), "topic": topic})
    for notification in notifications:
        if notification.email_status == EmailStatus.PENDING:
            transaction.on_commit(
                lambda pk=notification.pk: send_notification_email_task.delay(pk)
            )
    return notifications


def _message_id(name: str) -> str:
    """A stable Message-ID: a re-sent copy (crash between sending and recording) carries the
    same identifier, which mail servers and clients use to drop duplicates."""
    from django.conf import settings

    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ") or "pacte.local"
    return f"<{name}@{domain}>"


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


def _send(subject: str, text: str, html: str | None, to: str, message_id: str) -> None:
    from django.conf import settings

    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [to],
                                     headers={"Message-ID": message_id})
    if html:
        message.attach_alternative(html, "text/html")
    message.send()


def notification_email_send(*, notification_id: int) -> bool:
    """Send the e-mail of one notification at most once per successful delivery.

    Invariant: the send and the "sent" mark happen under the notification's row lock, so
    concurrent or redelivered tasks send nothing more once it is marked; an exception leaves
    it unmarked (for a retry) and is raised to the caller.
    """
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update().select_related("recipient")
            .filter(pk=notification_id).first()
        )
        if (notification is None or notification.emailed_at is not None
                or notification.email_status != EmailStatus.PENDING):
            return False
        subject, text, html = render_notification_email(notification)
        _send(subject, text, html, notification.recipient.email,
              _message_id(f"notification-{notification.pk}"))
        notification.emailed_at = timezone.now()
        notification.email_status = EmailStatus.SENT
        notification.email_attempts += 1
        notification.email_error = ""
        notification.save(update_fields=["emailed_at", "email_status", "email_attempts",
                                         "email_error"])
    return True


def notification_email_failed(*, notification_id: int, error: str, final: bool) -> None:
    """Record a failed attempt; after the last retry the failure is permanent and shown to
    agents on the reminders page."""
    with transaction.atomic():
        notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if notification is None or notification.email_status != EmailStatus.PENDING:
            return
        notification.email_attempts += 1
        notification.email_error = error[:2000]
        if final:
            notification.email_status = EmailStatus.FAILED
        notification.save(update_fields=["email_attempts", "email_error", "email_status"])
        if final:
            audit_log(event="email_failed", obj=notification, message=error[:500],
                      data={"attempts": notification.email_attempts})


def notification_digest_send(*, user_id: int) -> int:
    """Send one e-mail listing a user's notifications waiting for the daily digest.

    Invariant: each notification appears in exactly one digest (rows locked, then marked sent
    in the same transaction as the send). Returns how many it listed.
    """
    from django.conf import settings

    with transaction.atomic():
        notifications = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(recipient_id=user_id, email_status=EmailStatus.DIGEST)
            .order_by("created_at")
        )
        user = User.objects.filter(pk=user_id, is_active=True).first()
        if not notifications:
            return 0
        if user is None:
            # A deactivated account gets no e-mail: its waiting notifications leave the digest
            # queue, or it would be picked again every day.
            Notification.objects.filter(pk__in=[n.pk for n in notifications]).update(
                email_status=EmailStatus.SKIPPED)
            return 0
        ctx = {"notifications": notifications, "recipient": user,
               "site_url": settings.SITE_URL.rstrip("/"), "today": timezone.localdate()}
        subject = render_to_string("notifications/digest_subject.txt", ctx).strip()
        text = render_to_string("notifications/digest.txt", ctx)
        html = render_to_string("notifications/digest.html", ctx)
        _send(subject, text, html, user.email,
              _message_id(f"digest-{user.pk}-{notifications[-1].pk}"))
        now = timezone.now()
        Notification.objects.filter(pk__in=[n.pk for n in notifications]).update(
            emailed_at=now, email_status=EmailStatus.SENT)
    return len(notifications)


def digest_recipients() -> list[int]:
    """Users with notifications waiting for their daily digest."""
    return list(Notification.objects.filter(email_status=EmailStatus.DIGEST)
                .order_by().values_list("recipient_id", flat=True).distinct())


def notification_preference_set(*, user: User, topic: str, delivery: str) -> NotificationPreference:
    """Set how ``user`` receives the e-mails of ``topic``; opting out of a mandatory topic (a
    legal deadline, a decision, a payment) is refused with a French message."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    known = {code: mandatory for code, _label, mandatory in topic_choices()}
    if topic not in known:
        raise ValidationError({"topic": _("Sujet de notification inconnu.")})
    if delivery not in Delivery.values:
        raise ValidationError({"delivery": _("Mode d'envoi inconnu.")})
    if delivery == Delivery.NONE and known[topic]:
        raise ValidationError({"delivery": _("Ce rappel est obligatoire : vous pouvez le recevoir "
                                             "en résumé quotidien, pas le désactiver.")})
    with transaction.atomic():
        preference, _created = NotificationPreference.objects.update_or_create(
            user=user, topic=topic, defaults={"delivery": delivery})
        preference.full_clean()
    return preference


def notification_mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one (or every) unread notification of ``user`` as read; another user's
    notification is never touched. Returns how many changed."""
    queryset = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        queryset = queryset.filter(pk=notification_id)
    return queryset.update(read_at=timezone.now())
