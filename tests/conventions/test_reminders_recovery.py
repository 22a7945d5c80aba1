"""Reminders of the recovery procedure: the decision once the delay for observations ran out
without any, and the titre de recettes not recovered after N days. Each is sent once."""

import datetime as dt

import pytest
import time_machine
from django.core import mail

from backoffice.core.models import Reminder, ReminderStatus
from backoffice.core.reminders import get_kind
from backoffice.core.reminders.services import reminders_run
from conventions import services
from conventions.models import LineKind
from tests.conventions.factories import make_convention
from tests.factories import OrganisationFactory, member_of, staff_user

D = dt.date


@pytest.fixture(autouse=True)
def one_day_per_run(settings):
    settings.REMINDERS_LOOKBACK_DAYS = 0


@pytest.fixture
def people(db):
    organisation = OrganisationFactory(name="Les Amis du Scorff")
    return {"organisation": organisation,
            "member": member_of(organisation, email="coordination@scorff.example"),
            "agent": staff_user(email="finances@ville.example")}


@pytest.fixture
def recovery(people):
    """A CER withdrawal notified on 2 March 2026: observations expected until 1 April."""
    agent = people["agent"]
    with time_machine.travel(dt.datetime(2026, 3, 2, 9), tick=False):
        convention = make_convention(organisation=people["organisation"], agent=agent,
                                     signed=True, confirmed=True)
        advance = convention.years.get(year=2026).lines.get(kind=LineKind.ADVANCE)
        services.payment_record(line=advance, paid_on=D(2026, 2, 20), mandate_reference="M-1",
                                actor=agent)
        recovery = services.convention_withdraw_for_cer_breach(
            convention=convention, breach_date=D(2026, 2, 1), reason="Faits", actor=agent)
    assert recovery.observation_deadline == D(2026, 4, 1)
    return recovery


def run(day, capture):
    with time_machine.travel(dt.datetime.combine(day, dt.time(7)), tick=False):
        with capture(execute=True):
            return reminders_run(day=day)


def sent(kind):
    return list(Reminder.objects.filter(kind=kind, status=ReminderStatus.SENT)
                .values_list("remind_on", "step"))


def test_delay_expired_without_observations_reminds_the_agents_once(
        people, recovery, django_capture_on_commit_callbacks):
    assert run(D(2026, 4, 1), django_capture_on_commit_callbacks).by_kind.get(
        "recovery_decision_due", {"due": 0})["due"] == 0
    run(D(2026, 4, 2), django_capture_on_commit_callbacks)
    run(D(2026, 4, 2), django_capture_on_commit_callbacks)
    run(D(2026, 4, 3), django_capture_on_commit_callbacks)
    assert sent("recovery_decision_due") == [(D(2026, 4, 2), "J+1")]
    reminder = Reminder.objects.get(kind="recovery_decision_due")
    assert [people["agent"].pk] == list(reminder.recipient_ids)
    message = next(m for m in mail.outbox if "Décision de reversement" in m.subject)
    assert message.to == ["finances@ville.example"]
    assert recovery.convention.reference in message.subject
    assert "1 avril 2026" in message.body and "aucune observation" in message.body
    assert f"#recovery-{recovery.pk}" in message.body


def test_observations_recorded_in_time_mean_no_reminder(
        people, recovery, django_capture_on_commit_callbacks):
    with time_machine.travel(dt.datetime(2026, 3, 20, 9), tick=False):
        services.recovery_observations(recovery=recovery, observations="Faits contestés",
                                       on=D(2026, 3, 19), actor=people["agent"])
    run(D(2026, 4, 2), django_capture_on_commit_callbacks)
    assert sent("recovery_decision_due") == []


def test_title_not_recovered_after_thirty_days_reminds_the_agents(
        people, recovery, django_capture_on_commit_callbacks):
    agent = people["agent"]
    with time_machine.travel(dt.datetime(2026, 4, 10, 9), tick=False):
        services.recovery_decide(recovery=recovery, amount=recovery.amount, reasons="Établi",
                                 on=D(2026, 4, 5), actor=agent)
        services.recovery_title(recovery=recovery, reference="T-2026-42", on=D(2026, 4, 10),
                                actor=agent)
    assert get_kind("recovery_title_unpaid").offsets() == [30]
    run(D(2026, 5, 9), django_capture_on_commit_callbacks)
    assert sent("recovery_title_unpaid") == []
    run(D(2026, 5, 10), django_capture_on_commit_callbacks)
    run(D(2026, 5, 10), django_capture_on_commit_callbacks)
    assert sent("recovery_title_unpaid") == [(D(2026, 5, 10), "J+30")]
    message = next(m for m in mail.outbox if "Titre de recettes non recouvré" in m.subject)
    assert message.to == ["finances@ville.example"]
    assert "T-2026-42" in message.body and "10 avril 2026" in message.body
    # The reminders of the procedure go to the agents only.
    assert all("coordination@scorff.example" not in m.to for m in mail.outbox
               if "recouvr" in m.subject or "reversement" in m.subject)


def test_title_received_in_time_stops_it_and_the_delay_is_a_setting(
        people, recovery, django_capture_on_commit_callbacks, settings):
    agent = people["agent"]
    settings.REMINDERS_RECOVERY_UNPAID_DAYS = 45
    with time_machine.travel(dt.datetime(2026, 4, 10, 9), tick=False):
        services.recovery_decide(recovery=recovery, amount=recovery.amount, reasons="Établi",
                                 on=D(2026, 4, 5), actor=agent)
        services.recovery_title(recovery=recovery, reference="T-2026-43", on=D(2026, 4, 10),
                                actor=agent)
    run(D(2026, 5, 10), django_capture_on_commit_callbacks)
    assert sent("recovery_title_unpaid") == []
    with time_machine.travel(dt.datetime(2026, 5, 20, 9), tick=False):
        services.recovery_settle(recovery=recovery, on=D(2026, 5, 20), actor=agent)
    run(D(2026, 5, 25), django_capture_on_commit_callbacks)
    assert sent("recovery_title_unpaid") == []
