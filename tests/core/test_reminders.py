"""The reminder engine: exactly once, catch-up after downtime, dry run, the command."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from backoffice.core.models import (
    AuditEvent,
    Notification,
    Reminder,
    ReminderRun,
    ReminderStatus,
)
from backoffice.core.reminders import rules
from backoffice.core.reminders.services import reminder_deliver, reminders_run
from tests.core.factories import OrganisationDocumentFactory
from tests.factories import OrganisationFactory, member_of

D = dt.date(2027, 5, 31)  # 30 days before 30 June 2027


def run_command(*args) -> tuple[dict, str]:
    out = StringIO()
    call_command("send_reminders", *args, stdout=out)
    text = out.getvalue()
    return json.loads(text.strip().splitlines()[-1]), text


@pytest.fixture(params=["set_based", "python"], autouse=True)
def recording_path(request, monkeypatch):
    """Every engine test runs both ways of recording: in SQL (PostgreSQL) and in Python."""
    from backoffice.core.reminders.documents import DocumentExpiringKind

    monkeypatch.setattr(DocumentExpiringKind, "set_based", request.param == "set_based")
    return request.param


@pytest.fixture
def two_documents(db):
    first, second = OrganisationFactory(name="Les Amis du Blavet"), OrganisationFactory()
    users = [member_of(first), member_of(second)]
    docs = [OrganisationDocumentFactory(organisation=first),
            OrganisationDocumentFactory(organisation=second)]
    # Not due on D: expires later, or has no expiry date.
    OrganisationDocumentFactory(organisation=first, kind="rib", valid_until=dt.date(2027, 9, 1))
    OrganisationDocumentFactory(organisation=first, kind="statutes", valid_until=None)
    return docs, users


@pytest.mark.django_db(transaction=True)
def test_running_twice_for_the_same_date_sends_nothing_the_second_time(two_documents):
    _docs, users = two_documents
    first, _text = run_command("--date", D.isoformat())
    assert first == {"date": "2027-05-31", "due": 2, "sent": 2, "skipped_already_sent": 0}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users)
    assert "Les Amis du Blavet" in " ".join(m.subject for m in mail.outbox)
    second, _text = run_command("--date", D.isoformat())
    assert second == {"date": "2027-05-31", "due": 2, "sent": 0, "skipped_already_sent": 2}
    assert len(mail.outbox) == 2
    assert Reminder.objects.filter(status=ReminderStatus.SENT).count() == 2
    assert Notification.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_dry_run_records_nothing(two_documents):
    result, text = run_command("--date", D.isoformat(), "--dry-run")
    assert result == {"date": "2027-05-31", "due": 2, "sent": 0, "skipped_already_sent": 0,
                      "dry_run": True}
    assert "simulation" in text
    assert not Reminder.objects.exists() and not ReminderRun.objects.exists()
    assert mail.outbox == []


@pytest.mark.django_db
def test_bad_date_is_refused_in_french():
    with pytest.raises(CommandError, match="Date invalide"):
        call_command("send_reminders", "--date", "31/05/2027", stdout=StringIO())


@pytest.mark.django_db(transaction=True)
def test_days_missed_during_downtime_are_caught_up_and_said_late():
    organisation = OrganisationFactory()
    user = member_of(organisation)
    # Reminders due on 2, 3 and 5 June; the job runs on 1 June, then not until 5 June.
    for day, kind in ((2, "accounts"), (3, "rib"), (5, "activity_report")):
        OrganisationDocumentFactory(organisation=organisation, kind=kind,
                                    valid_until=dt.date(2027, 6, day) + dt.timedelta(days=30))
    assert reminders_run(day=dt.date(2027, 6, 1)).sent == 0
    report = reminders_run(day=dt.date(2027, 6, 5))
    assert (report.start, report.due, report.sent, report.late) == (dt.date(2027, 6, 2), 3, 3, 2)
    late = Reminder.objects.filter(late=True).order_by("remind_on")
    assert [r.remind_on.day for r in late] == [2, 3]
    bodies = [m.body for m in mail.outbox]
    assert len(mail.outbox) == 3 and all(m.to == [user.email] for m in mail.outbox)
    assert sum("envoyé avec retard" in body for body in bodies) == 2
    assert sum("[En retard]" in m.subject for m in mail.outbox) == 2


@pytest.mark.django_db(transaction=True)
def test_catch_up_is_bounded_by_the_look_back_window(settings):
    settings.REMINDERS_LOOKBACK_DAYS = 3
    organisation = OrganisationFactory()
    member_of(organisation)
    OrganisationDocumentFactory(organisation=organisation,
                                valid_until=dt.date(2027, 6, 2) + dt.timedelta(days=30))
    reminders_run(day=dt.date(2027, 5, 1))
    report = reminders_run(day=dt.date(2027, 6, 10))
    assert report.start == dt.date(2027, 6, 7) and report.due == 0


@pytest.mark.django_db(transaction=True)
def test_no_recipient_cancels_the_reminder_and_says_so_in_the_audit():
    OrganisationDocumentFactory(organisation=OrganisationFactory())
    report = reminders_run(day=D)
    assert report.sent == 1
    reminder = Reminder.objects.get()
    assert reminder.status == ReminderStatus.CANCELLED
    assert AuditEvent.objects.filter(event="reminder_cancelled").exists()
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_a_redelivered_batch_notifies_nobody_twice(two_documents):
    reminders_run(day=D)
    for reminder in Reminder.objects.all():
        assert reminder_deliver(reminder_id=reminder.pk) is False
    assert Notification.objects.count() == 2 and len(mail.outbox) == 2


@pytest.mark.django_db(transaction=True)
def test_document_renewed_between_scan_and_delivery_is_not_reminded(settings):
    from django.db import transaction

    organisation = OrganisationFactory()
    member_of(organisation)
    OrganisationDocumentFactory(organisation=organisation)
    with transaction.atomic():
        # Recorded, delivery queued on commit; the renewal lands in the same instant.
        assert reminders_run(day=D).sent == 1
        OrganisationDocumentFactory(organisation=organisation, valid_until=None)
    assert Reminder.objects.get().status == ReminderStatus.CANCELLED
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_renewed_document_is_not_reminded():
    organisation = OrganisationFactory()
    member_of(organisation)
    OrganisationDocumentFactory(organisation=organisation)
    OrganisationDocumentFactory(organisation=organisation, valid_until=dt.date(2028, 6, 30))
    assert reminders_run(day=D).due == 0


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_scans_at_once_send_each_reminder_once(settings):
    """Two daily jobs racing on PostgreSQL (two connections): the unique key decides."""
    import threading

    from django.db import connection

    settings.REMINDERS_BATCH_SIZE = 3
    organisations = [OrganisationFactory() for _ in range(12)]
    for organisation in organisations:
        member_of(organisation)
        OrganisationDocumentFactory(organisation=organisation)
    barrier = threading.Barrier(2)
    reports, errors = [], []

    def scan():
        try:
            barrier.wait(5)
            reports.append(reminders_run(day=D))
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    # Eager tasks in two threads race on Celery's process-wide "join would block" flag (saved
    # and restored around each eager call): put it back for the tests that follow.
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)
    assert errors == []
    assert sum(r.sent for r in reports) == 12
    assert sum(r.skipped_already_sent for r in reports) == 12
    assert Reminder.objects.count() == 12
    assert Notification.objects.count() == 12
    assert len(mail.outbox) == 12
    assert len({m.to[0] for m in mail.outbox}) == 12


def test_step_labels():
    assert [rules.step_label(o) for o in (-30, -7, 0, 7)] == ["J-30", "J-7", "J", "J+7"]


@pytest.mark.django_db(transaction=True)
def test_recorded_reminders_point_to_existing_rows_and_leave_with_their_organisation(
        two_documents):
    """Reminder.organisation and target_type carry no database constraint (the daily insert):
    the scan only records keys read from the targets, and deleting an organisation through
    the application still deletes its reminders."""
    from django.contrib.contenttypes.models import ContentType

    from backoffice.core.models import Organisation

    docs, _users = two_documents
    run_command("--date", D.isoformat())
    reminders = list(Reminder.objects.order_by("organisation_id"))
    assert [r.organisation_id for r in reminders] == sorted(d.organisation_id for d in docs)
    assert {r.target_type_id for r in reminders} == {
        ContentType.objects.get_for_model(docs[0]).pk}
    assert all(Organisation.objects.filter(pk=r.organisation_id).exists() for r in reminders)
    organisation = docs[0].organisation
    organisation.documents.all().delete()
    organisation.delete()
    assert list(Reminder.objects.values_list("organisation_id", flat=True)) == [
        docs[1].organisation_id]
