"""A real Celery worker on Redis, SIGKILLed in the middle of a batch of reminder e-mails and
restarted: every due reminder is e-mailed exactly once."""

import datetime as dt
import time

import pytest

from backoffice.core.models import EmailStatus, Notification, Reminder, ReminderStatus
from backoffice.core.reminders.services import reminders_run
from backoffice.core.tasks import reminders_daily_task
from tests.conftest import WorkerProcess
from tests.core.factories import OrganisationDocumentFactory
from tests.core.slow_email import announced, sent_messages
from tests.factories import OrganisationFactory, member_of

D = dt.date(2027, 5, 31)
COUNT = 12


def wait_for(condition, timeout=60.0, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


@pytest.mark.services
def test_worker_killed_mid_batch_sends_every_reminder_exactly_once(
        celery_worker_process, tmp_path, settings):
    folder = tmp_path / "mails"
    env = {"EMAIL_BACKEND": "tests.core.slow_email.SlowFileBackend",
           "EMAIL_FILE_PATH": str(folder), "SLOW_EMAIL_SECONDS": "0.5",
           "REMINDERS_BATCH_SIZE": "5"}
    users = []
    for _ in range(COUNT):
        organisation = OrganisationFactory()
        users.append(member_of(organisation))
        OrganisationDocumentFactory(organisation=organisation)
    # Given a worker that writes e-mails to files, slowly
    celery_worker_process.stop()
    celery_worker_process.extra_env.update(env)
    celery_worker_process.start()
    # When the daily job runs on the worker and the worker is SIGKILLed while a send of the
    # batch is under way (announced, not yet written)
    reminders_daily_task.delay(D.isoformat())
    assert wait_for(lambda: announced(folder) >= 4
                    and announced(folder) > len(sent_messages(folder)))
    celery_worker_process.kill()
    sent_before_kill = len(sent_messages(folder))
    assert 0 < sent_before_kill < COUNT
    # Then a new worker starts, and the job runs again (next beat, or send_reminders by hand)
    restarted = WorkerProcess(settings.DATABASES["default"]["NAME"], extra_env=env)
    restarted.start()
    try:
        settings.REMINDERS_REQUEUE_AFTER_MINUTES = 0
        report = reminders_run(day=D)
        assert (report.due, report.sent, report.skipped_already_sent) == (COUNT, 0, COUNT)
        assert wait_for(lambda: Notification.objects.filter(
            email_status=EmailStatus.SENT).count() == COUNT, timeout=90)
        time.sleep(1.5)  # let any duplicate that would be on its way land in the sink
    finally:
        restarted.stop()
    recipients = sent_messages(folder)
    assert sorted(recipients) == sorted(user.email for user in users)
    assert Reminder.objects.filter(status=ReminderStatus.SENT).count() == COUNT
    assert Notification.objects.count() == COUNT
