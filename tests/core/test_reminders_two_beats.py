"""Two beat processes started by mistake against the same Redis: each scheduled scan is sent
twice, and still every due reminder is e-mailed exactly once (the reminders' uniqueness)."""

import os
import signal
import subprocess
import sys
import time

import pytest

from backoffice.core.models import EmailStatus, Notification, Reminder, ReminderStatus
from tests.conftest import ROOT, WorkerProcess
from tests.core.factories import OrganisationDocumentFactory
from tests.core.slow_email import sent_messages
from tests.factories import OrganisationFactory, member_of

D = "2027-05-31"
COUNT = 6


def _start_beat(number: int, folder, worker: WorkerProcess) -> tuple[subprocess.Popen, object]:
    env = worker.env()
    env.update({"DJANGO_SETTINGS_MODULE": "tests.beat_settings", "BEAT_TEST_DAY": D})
    log_path = folder / f"beat-{number}.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed after the process ends
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "backoffice", "beat", "--loglevel=INFO",
         f"--schedule={folder / f'beat-{number}-schedule'}", "--pidfile="],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    return process, (log, log_path)


def _sent_by(log_path) -> int:
    return log_path.read_text().count("Sending due task reminders-daily")


@pytest.mark.services
def test_two_beats_never_send_a_reminder_twice(celery_worker_process, tmp_path):
    mails = tmp_path / "mails"
    users = []
    for _ in range(COUNT):
        organisation = OrganisationFactory()
        users.append(member_of(organisation))
        OrganisationDocumentFactory(organisation=organisation)
    celery_worker_process.stop()
    celery_worker_process.extra_env.update({
        "EMAIL_BACKEND": "tests.core.slow_email.SlowFileBackend",
        "EMAIL_FILE_PATH": str(mails), "SLOW_EMAIL_SECONDS": "0.1"})
    celery_worker_process.start()
    beats = [_start_beat(number, tmp_path, celery_worker_process) for number in (1, 2)]
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if all(_sent_by(log_path) >= 3 for _process, (_log, log_path) in beats) and \
                    Notification.objects.filter(email_status=EmailStatus.SENT).count() >= COUNT:
                break
            time.sleep(0.5)
    finally:
        for process, (log, _path) in beats:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(15)
            log.close()
    # Both beats did send the scan, several times each
    assert all(_sent_by(log_path) >= 3 for _process, (_log, log_path) in beats)
    time.sleep(2)  # let any duplicate on its way reach the sink
    recipients = sent_messages(mails)
    assert sorted(recipients) == sorted(user.email for user in users)
    assert Reminder.objects.filter(status=ReminderStatus.SENT).count() == COUNT
    assert Notification.objects.count() == COUNT
