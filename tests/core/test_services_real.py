"""Tests against the real PostgreSQL and a real Celery worker on Redis."""

import pytest
from django.core import mail  # noqa: F401
from django.db import connection

from backoffice.core.models import Notification
from backoffice.core.notifications import Event, notify
from backoffice.core.tasks import ping_task
from tests.factories import OrganisationFactory, member_of


@pytest.mark.services
@pytest.mark.django_db
def test_runs_on_postgresql():
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW TIMEZONE")
        assert cursor.fetchone()[0]


@pytest.mark.services
def test_real_worker_completes_a_task(celery_worker_process):
    result = ping_task.delay("bonjour")
    assert result.get(timeout=20) == "bonjour"


@pytest.mark.services
def test_real_worker_sends_notification_email_once(celery_worker_process):
    organisation = OrganisationFactory()
    user = member_of(organisation)
    [notification] = notify(Event.ORGANISATION_CREATED, organisation, recipients=[user])
    # on_commit already ran (transactional test): the worker picks the e-mail up.
    import time

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        notification.refresh_from_db()
        if notification.emailed_at:
            break
        time.sleep(0.2)
    assert notification.emailed_at is not None
    assert Notification.objects.filter(recipient=user).count() == 1
