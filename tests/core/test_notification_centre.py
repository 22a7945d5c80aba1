"""Preferences honoured by notify(), the daily digest, retries and permanent failures, and the
in-app notification centre."""

import pytest
from django.core import mail
from django.urls import reverse

from backoffice.core.models import Delivery, EmailStatus, Notification, NotificationPreference
from backoffice.core.notifications import (
    Event,
    digest_recipients,
    notification_preference_set,
    notify,
    topic_is_mandatory,
)
from backoffice.core.tasks import send_digests_task
from tests.factories import OrganisationFactory, member_of, staff_user


@pytest.fixture
def eager_retries():
    """Eager tasks run their retries inline, as a worker would after each backoff."""
    from backoffice.celery import app

    previous = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = previous


@pytest.fixture
def member(db):
    organisation = OrganisationFactory(name="Les Amis du Blavet")
    return organisation, member_of(organisation)


def test_mandatory_topics():
    assert topic_is_mandatory(Event.PAYMENT_PAID.value)
    assert not topic_is_mandatory("document_expiring")
    assert not topic_is_mandatory(Event.MEMBERSHIP_ACCEPTED.value)


@pytest.mark.django_db(transaction=True)
def test_digest_preference_holds_the_email_until_the_daily_digest(member):
    organisation, user = member
    notification_preference_set(user=user, topic="organisation_created", delivery=Delivery.DIGEST)
    notify(Event.ORGANISATION_CREATED, organisation, recipients=[user])
    notify(Event.ORGANISATION_CREATED, organisation, recipients=[user])
    assert mail.outbox == []
    assert Notification.objects.filter(email_status=EmailStatus.DIGEST).count() == 2
    assert send_digests_task.delay().get() == 1
    assert len(mail.outbox) == 1
    assert "2 notifications" in mail.outbox[0].subject
    assert mail.outbox[0].body.count("Les Amis du Blavet") == 2
    # A second digest run lists nothing again.
    assert send_digests_task.delay().get() == 0
    assert len(mail.outbox) == 1
    # A deactivated account's waiting notifications leave the queue instead of staying forever.
    notify(Event.ORGANISATION_CREATED, organisation, recipients=[user])
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert digest_recipients() == [user.pk]
    send_digests_task.delay().get()
    assert digest_recipients() == [] and len(mail.outbox) == 1
    assert send_digests_task.delay().get() == 0


@pytest.mark.django_db(transaction=True)
def test_opt_out_keeps_the_in_app_notification_but_sends_no_email(member):
    organisation, user = member
    notification_preference_set(user=user, topic="organisation_created", delivery=Delivery.NONE)
    [notification] = notify(Event.ORGANISATION_CREATED, organisation, recipients=[user])
    assert notification.email_status == EmailStatus.SKIPPED
    assert mail.outbox == []


@pytest.mark.django_db
def test_opting_out_of_a_mandatory_topic_is_refused(member, client):
    _organisation, user = member
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="obligatoire"):
        notification_preference_set(user=user, topic="payment_paid", delivery=Delivery.NONE)
    with pytest.raises(ValidationError, match="inconnu"):
        notification_preference_set(user=user, topic="nope", delivery=Delivery.DIGEST)
    client.force_login(user)
    response = client.post(reverse("core:notification-preferences"),
                           {"payment_paid": "none", "document_expiring": "none"})
    assert response.status_code == 400
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert not NotificationPreference.objects.exists()


@pytest.mark.django_db
def test_preferences_page_saves_every_choice(member, client):
    _organisation, user = member
    client.force_login(user)
    page = client.get(reverse("core:notification-preferences"))
    assert page.status_code == 200
    data = {name: "digest" for name in page.context["form"].fields}
    data["document_expiring"] = "none"
    response = client.post(reverse("core:notification-preferences"), data)
    assert response.status_code == 302
    assert NotificationPreference.objects.get(user=user, topic="document_expiring").delivery == "none"
    assert NotificationPreference.objects.get(user=user, topic="payment_paid").delivery == "digest"


@pytest.mark.django_db(transaction=True)
def test_mandatory_topic_ignores_a_stored_opt_out(member):
    organisation, user = member
    NotificationPreference.objects.create(user=user, topic="payment_paid", delivery="none")
    notify(Event.PAYMENT_PAID, organisation, recipients=[user])
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_delivery_failures_are_retried_then_shown_to_agents(member, settings, client,
                                                           eager_retries):
    settings.EMAIL_BACKEND = "tests.core.failing_email.DownBackend"
    organisation, user = member
    [notification] = notify(Event.ORGANISATION_CREATED, organisation, recipients=[user])
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.FAILED
    assert notification.email_attempts == 9  # the first try and 8 retries with backoff
    assert "Connexion refusée" in notification.email_error
    client.force_login(staff_user())
    page = client.get(reverse("core:reminder-list")).content.decode()
    assert "Courriels non distribués" in page and user.email in page


@pytest.mark.django_db
def test_notification_centre_filters_and_marks_one_read(member, client):
    organisation, user = member
    other = member_of(OrganisationFactory())
    first = notify(Event.ORGANISATION_CREATED, organisation, recipients=[user], send_email=False)[0]
    notify(Event.MEMBERSHIP_ACCEPTED, organisation, recipients=[user], send_email=False)
    foreign = notify(Event.ORGANISATION_CREATED, organisation, recipients=[other],
                     send_email=False)[0]
    client.force_login(user)
    url = reverse("core:notifications")
    assert len(client.get(url, {"sujet": "membership_accepted"}).context["notifications"]) == 1
    response = client.post(reverse("core:notification-read", args=[first.pk]),
                           {"next": url + "?etat=non-lues"})
    assert response.status_code == 302 and response["Location"] == url + "?etat=non-lues"
    unread = client.get(url, {"etat": "non-lues"}).context["notifications"]
    assert [n.event for n in unread] == ["membership_accepted"]
    assert [n.pk for n in client.get(url, {"etat": "lues"}).context["notifications"]] == [first.pk]
    # Someone else's notification: 404, and it stays unread.
    assert client.post(reverse("core:notification-read", args=[foreign.pk])).status_code == 404
    foreign.refresh_from_db()
    assert foreign.read_at is None
    # htmx swaps the item in place.
    second = Notification.objects.get(recipient=user, read_at__isnull=True)
    response = client.post(reverse("core:notification-read", args=[second.pk]),
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "lue le" in response.content.decode()


@pytest.mark.django_db
def test_notification_centre_query_count_is_constant(member, client,
                                                      django_assert_max_num_queries):
    organisation, user = member
    client.force_login(user)
    for _ in range(30):
        notify(Event.ORGANISATION_CREATED, organisation, recipients=[user], send_email=False)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("core:notifications")).status_code == 200
