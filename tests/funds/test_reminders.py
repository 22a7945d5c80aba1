"""A call closes while an application is still a draft: the association is reminded."""

import datetime as dt

import pytest
import time_machine
from django.core import mail

from backoffice.core.models import Reminder, ReminderStatus
from backoffice.core.reminders.services import reminders_run
from funds.models import ApplicationStatus, CallPhase
from funds.services.applications import application_submit
from tests.factories import OrganisationFactory, member_of
from tests.funds.factories import ApplicationFactory, CallFactory

D = dt.date
CLOSES = D(2027, 3, 31)


@pytest.fixture(autouse=True)
def one_day_per_run(settings):
    settings.REMINDERS_LOOKBACK_DAYS = 0


@pytest.fixture
def draft(db):
    with time_machine.travel(dt.datetime(2027, 3, 1, 9), tick=False):
        organisation = OrganisationFactory(name="Jeunesse en Transition")
        member = member_of(organisation, email="coordination@jeunesse.example")
        call = CallFactory(title="Initiatives citoyennes 2027", closes_on=CLOSES)
        application = ApplicationFactory(call=call, organisation=organisation, applicant=member,
                                         title="Repair café de Kervénanec")
    return application


def run(day, capture):
    with capture(execute=True):
        return reminders_run(day=day)


def test_draft_reminded_seven_days_and_one_day_before_closing(
        draft, django_capture_on_commit_callbacks):
    for day in (D(2027, 3, 24), D(2027, 3, 30)):
        run(day, django_capture_on_commit_callbacks)
    steps = list(Reminder.objects.filter(kind="call_closing", status=ReminderStatus.SENT)
                 .order_by("remind_on").values_list("step", "remind_on"))
    assert steps == [("J-7", D(2027, 3, 24)), ("J-1", D(2027, 3, 30))]
    assert [m.to for m in mail.outbox] == [["coordination@jeunesse.example"]] * 2
    first, last = mail.outbox
    assert first.subject == ("Dossier en brouillon — l'appel « Initiatives citoyennes 2027 » "
                             "clôt le 31/03/2027")
    assert "« Repair café de Kervénanec » (Jeunesse en Transition)" in first.body
    assert "dans 7 jours" in first.body and "31 mars 2027" in first.body
    assert "demain" in last.body
    assert f"/fonds/dossiers/{draft.pk}/modifier/" in first.body


def test_submitted_draft_stops_the_series(draft, django_capture_on_commit_callbacks):
    run(D(2027, 3, 24), django_capture_on_commit_callbacks)
    with time_machine.travel(dt.datetime(2027, 3, 25, 9), tick=False):
        application_submit(application=draft, user=draft.applicant)
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.SUBMITTED
    report = run(D(2027, 3, 30), django_capture_on_commit_callbacks)
    assert report.by_kind["call_closing"]["due"] == 0
    assert len(mail.outbox) == 1


def test_no_reminder_when_the_call_is_not_open_or_the_application_not_a_draft(
        draft, django_capture_on_commit_callbacks):
    with time_machine.travel(dt.datetime(2027, 3, 1, 9), tick=False):
        ApplicationFactory(call=draft.call, submitted=True)
    draft.call.phase = CallPhase.REVIEW
    draft.call.save(update_fields=["phase"])
    assert run(D(2027, 3, 24), django_capture_on_commit_callbacks).by_kind[
        "call_closing"]["due"] == 0
    assert mail.outbox == []


def test_individual_applicant_is_reminded_alone(db, django_capture_on_commit_callbacks):
    with time_machine.travel(dt.datetime(2027, 3, 1, 9), tick=False):
        call = CallFactory(closes_on=CLOSES)
        application = ApplicationFactory(call=call, organisation=None)
    run(D(2027, 3, 24), django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [[application.applicant.email]]
