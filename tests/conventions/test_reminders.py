"""Conventions' reminder kinds: who is reminded, what stops a series, bad paths."""

import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from backoffice.core.models import Notification, Reminder, ReminderStatus, User
from backoffice.core.reminders import get_kind, rules
from backoffice.core.reminders.services import reminders_run
from backoffice.core.roles import Role
from conventions import services
from conventions.models import LineKind
from conventions.services.open_data import convention_open_data_record
from tests.conventions.factories import BALANCED_REPORT, make_convention
from tests.factories import OrganisationFactory, member_of, staff_user

D = dt.date


@pytest.fixture(autouse=True)
def one_day_per_run(settings):
    """Each run scans its own day only: these tests look at single steps (the catch-up has
    its own tests)."""
    settings.REMINDERS_LOOKBACK_DAYS = 0


@pytest.fixture
def people(db):
    organisation = OrganisationFactory(name="Les Amis du Scorff")
    return {"organisation": organisation,
            "member": member_of(organisation, email="coordination@scorff.example"),
            "agent": staff_user(email="finances@ville.example"),
            "instructor": staff_user(Role.INSTRUCTOR, email="instruction@ville.example")}


@pytest.fixture
def convention(people):
    with time_machine.travel(dt.datetime(2026, 1, 20, 9), tick=False):
        return make_convention(organisation=people["organisation"], agent=people["agent"],
                               signed=True, confirmed=True)


def run(day, capture):
    with capture(execute=True):
        report = reminders_run(day=day)
    return report


def reminded(kind):
    """(step, sorted recipient e-mails) of the sent reminders of a kind, in order."""
    emails = dict(User.objects.values_list("pk", "email"))
    return [(r.step, sorted(emails[pk] for pk in r.recipient_ids))
            for r in Reminder.objects.filter(kind=kind, status=ReminderStatus.SENT).order_by(
                "remind_on", "pk")]


def test_report_reminds_the_association_then_copies_agents_once_overdue(
        people, convention, django_capture_on_commit_callbacks):
    for day in (D(2027, 5, 31), D(2027, 7, 7)):
        run(day, django_capture_on_commit_callbacks)
    assert reminded("report_due") == [
        ("J-30", ["coordination@scorff.example"]),
        ("J+7", ["coordination@scorff.example", "finances@ville.example"]),
    ]
    late = [m for m in mail.outbox if "en retard" in m.subject]
    assert {m.to[0] for m in late} == {"coordination@scorff.example", "finances@ville.example"}
    assert convention.reference in late[0].subject
    assert "Les Amis du Scorff" in late[0].subject
    assert "30 juin 2027" in late[0].body and "/conventions/comptes-rendus/" in late[0].body


def test_report_received_stops_the_series(people, convention,
                                          django_capture_on_commit_callbacks):
    run(D(2027, 5, 31), django_capture_on_commit_callbacks)
    services.report_submit(report=convention.years.get(year=2026).report,
                           budget_lines=BALANCED_REPORT, subsidy_used=Decimal("27000"),
                           qualitative_report="Ateliers tenus.", actor=people["member"],
                           on=D(2027, 6, 1))
    for day in (D(2027, 6, 23), D(2027, 6, 30), D(2027, 7, 7), D(2027, 7, 21)):
        assert run(day, django_capture_on_commit_callbacks).due == 0
    assert [step for step, _who in reminded("report_due")] == ["J-30"]


def test_report_repeats_every_fourteen_days_until_received(
        people, convention, django_capture_on_commit_callbacks, settings):
    kind = get_kind("report_due")
    assert kind.offsets()[:7] == [-30, -7, 0, 7, 21, 35, 49]
    assert max(kind.offsets()) <= settings.REMINDERS_REPORT_REPEAT_UNTIL_DAYS
    settings.REMINDERS_REPORT_REPEAT_EVERY_DAYS = 30
    assert kind.offsets()[:6] == [-30, -7, 0, 7, 37, 67]


def test_payment_warned_at_45_days_late_at_60_until_paid(
        people, convention, django_capture_on_commit_callbacks):
    balance = convention.years.get(year=2026).lines.get(kind=LineKind.BALANCE)
    assert balance.trigger_date == D(2026, 9, 30)
    run(D(2026, 11, 14), django_capture_on_commit_callbacks)
    run(D(2026, 11, 29), django_capture_on_commit_callbacks)
    assert reminded("payment_due") == [("J+45", ["finances@ville.example"]),
                                       ("J+60", ["finances@ville.example"])]
    subjects = [m.subject for m in mail.outbox if m.to == ["finances@ville.example"]]
    assert subjects[0].startswith("Versement à mandater — " + convention.reference)
    assert subjects[1].startswith("Versement en retard — " + convention.reference)
    assert "29 novembre 2026" in mail.outbox[-1].body


def test_payment_paid_stops_it(people, convention, django_capture_on_commit_callbacks):
    run(D(2026, 11, 14), django_capture_on_commit_callbacks)
    line = convention.years.get(year=2026).lines.get(kind=LineKind.BALANCE)
    services.payment_record(line=line, paid_on=D(2026, 11, 20), mandate_reference="M-1",
                            actor=people["agent"], account="6574")
    report = run(D(2026, 11, 29), django_capture_on_commit_callbacks)
    assert report.by_kind["payment_due"]["due"] == 0
    assert [step for step, _who in reminded("payment_due")] == ["J+45"]


def test_payment_reminder_recorded_then_paid_before_delivery_is_cancelled(
        people, convention):
    # Recorded (the commit hook not run yet), paid meanwhile: delivery re-checks and cancels.
    reminders_run(day=D(2026, 11, 14))
    line = convention.years.get(year=2026).lines.get(kind=LineKind.BALANCE)
    services.payment_record(line=line, paid_on=D(2026, 11, 14), mandate_reference="M-2",
                            actor=people["agent"], account="6574")
    from backoffice.core.reminders.services import reminder_deliver

    reminder = Reminder.objects.get(kind="payment_due")
    assert reminder_deliver(reminder_id=reminder.pk) is False
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.CANCELLED
    assert not Notification.objects.filter(event="reminder").exists()


def test_open_data_reminded_until_published(people, convention,
                                            django_capture_on_commit_callbacks):
    assert convention.open_data_deadline == D(2026, 4, 15)
    run(D(2026, 3, 16), django_capture_on_commit_callbacks)
    with time_machine.travel(dt.datetime(2026, 4, 1, 9), tick=False):
        convention_open_data_record(convention=convention, published_on=D(2026, 3, 30),
                                    actor=people["agent"])
    report = run(D(2026, 4, 8), django_capture_on_commit_callbacks)
    assert report.by_kind["open_data_due"]["due"] == 0
    assert reminded("open_data_due") == [("J-30", ["finances@ville.example"])]
    body = next(m.body for m in mail.outbox if "données ouvertes" in m.subject)
    assert "15 avril 2026" in body and "décret 2017-779" in body


def test_open_data_overdue_repeats(people, convention, django_capture_on_commit_callbacks):
    run(D(2026, 4, 29), django_capture_on_commit_callbacks)
    assert reminded("open_data_due") == [("J+14", ["finances@ville.example"])]
    assert "en retard" in mail.outbox[-1].subject


@pytest.mark.parametrize("published_on, message", [
    (D(2026, 6, 1), "futur"), (D(2026, 1, 10), "précéder la signature"), (None, "Indiquez")])
def test_open_data_record_bad_dates_are_refused(people, convention, published_on, message):
    with time_machine.travel(dt.datetime(2026, 4, 1, 9), tick=False):
        with pytest.raises(ValidationError, match=message):
            convention_open_data_record(convention=convention, published_on=published_on,
                                        actor=people["agent"])
    convention.refresh_from_db()
    assert convention.open_data_published_on is None


def test_open_data_record_refused_without_deadline(people):
    with time_machine.travel(dt.datetime(2026, 1, 20, 9), tick=False):
        small = make_convention(organisation=people["organisation"], agent=people["agent"],
                                amounts=(Decimal("5000"),), end=D(2026, 12, 31), signed=True)
        assert small.open_data_deadline is None
        with pytest.raises(ValidationError, match="n'a pas à être publiée"):
            convention_open_data_record(convention=small, published_on=D(2026, 1, 19),
                                        actor=people["agent"])


def test_open_data_button_records_for_agents_only(client, people, convention):
    url = reverse("conventions:open-data-published", args=[convention.pk])
    with time_machine.travel(dt.datetime(2026, 4, 1, 9), tick=False):
        client.force_login(people["agent"])
        page = client.get(reverse("conventions:convention-detail", args=[convention.pk]))
        assert "Enregistrer la publication" in page.content.decode()
        response = client.post(url, {"published_on": "2026-07-01"}, follow=True)
        assert "futur" in response.content.decode()
        client.post(url, {"published_on": "2026-03-31"})
        convention.refresh_from_db()
        assert convention.open_data_published_on == D(2026, 3, 31)
        page = client.get(reverse("conventions:convention-detail", args=[convention.pk]))
        assert "Publiée en données ouvertes le <strong>31/03/2026" in page.content.decode()
        client.force_login(people["member"])
        assert client.post(url, {"published_on": "2026-03-31"}).status_code == 403
        client.force_login(member_of(OrganisationFactory()))
        assert client.post(url, {"published_on": "2026-03-31"}).status_code == 404


def test_advance_reminded_before_its_due_date_until_paid(
        people, convention, django_capture_on_commit_callbacks):
    advance = convention.years.get(year=2026).lines.get(kind=LineKind.ADVANCE)
    assert advance.planned_date == D(2026, 3, 31)
    run(D(2026, 3, 16), django_capture_on_commit_callbacks)
    services.payment_record(line=advance, paid_on=D(2026, 3, 20), mandate_reference="M-3",
                            actor=people["agent"], account="6574")
    assert run(D(2026, 3, 31), django_capture_on_commit_callbacks).due == 0
    assert reminded("advance_due") == [("J-15", ["finances@ville.example"])]


def test_advance_of_a_year_not_confirmed_is_not_reminded(
        people, convention, django_capture_on_commit_callbacks):
    # 2027 is still planned on 16 March 2027: its advance is not due yet.
    report = run(D(2027, 3, 16), django_capture_on_commit_callbacks)
    assert report.by_kind["advance_due"]["due"] == 0
    assert report.by_kind["year_confirmation"]["due"] == 0


def test_yearly_confirmation_of_multi_year_conventions_only(
        people, convention, django_capture_on_commit_callbacks, settings):
    with time_machine.travel(dt.datetime(2026, 1, 20, 9), tick=False):
        make_convention(organisation=people["organisation"], agent=people["agent"],
                        amounts=(Decimal("30000"),), end=D(2026, 12, 31), signed=True)
    settings.REMINDERS_YEARLY_CONFIRMATION_DATE = "02-01"
    assert run(D(2027, 1, 15), django_capture_on_commit_callbacks).due == 0
    run(D(2027, 2, 1), django_capture_on_commit_callbacks)
    assert reminded("year_confirmation") == [("J", ["finances@ville.example"])]
    subject = mail.outbox[-1].subject
    assert subject.startswith("Année 2027 à confirmer — " + convention.reference)


def test_convention_ending_in_six_and_three_months(
        people, convention, django_capture_on_commit_callbacks):
    assert convention.end_date == D(2028, 12, 31)
    run(D(2028, 6, 30), django_capture_on_commit_callbacks)
    run(D(2028, 9, 30), django_capture_on_commit_callbacks)
    both = ["coordination@scorff.example", "finances@ville.example"]
    assert reminded("convention_ending") == [("M-6", both), ("M-3", both)]
    assert "dans trois mois" in mail.outbox[-1].body


def test_terminated_convention_is_no_longer_reminded(
        people, convention, django_capture_on_commit_callbacks):
    services.convention_transition(convention=convention, to="terminated",
                                   actor=people["agent"], on=D(2026, 2, 1),
                                   reason="Dissolution de l'association.")
    for day in (D(2026, 3, 16), D(2026, 11, 14), D(2027, 5, 31), D(2028, 6, 30)):
        assert run(day, django_capture_on_commit_callbacks).due == 0


def test_month_steps_at_month_ends():
    assert rules.add_months(D(2028, 8, 31), -6) == D(2028, 2, 29)
    assert rules.month_steps_within(D(2028, 8, 31), [-6, -3], D(2028, 2, 29),
                                    D(2028, 2, 29)) == [(-6, D(2028, 2, 29))]
    low, high = rules.month_deadline_range(D(2028, 2, 29), D(2028, 2, 29), -6)
    assert low <= D(2028, 8, 31) <= high


@pytest.mark.django_db(transaction=True)
def test_send_reminders_twice_sends_nothing_the_second_time(people, convention):
    def command():
        out = StringIO()
        call_command("send_reminders", "--date", "2027-07-07", stdout=out)
        return json.loads(out.getvalue().strip().splitlines()[-1])

    before = len(mail.outbox)
    first = command()
    assert first["sent"] == 1 and first["skipped_already_sent"] == 0
    count = len(mail.outbox)
    assert count == before + 2  # the association and, the report being overdue, the agent
    second = command()
    assert second == {"date": "2027-07-07", "due": 1, "sent": 0, "skipped_already_sent": 1}
    assert len(mail.outbox) == count


def test_agents_page_lists_the_new_kinds(client, people, convention,
                                         django_capture_on_commit_callbacks):
    run(D(2027, 5, 31), django_capture_on_commit_callbacks)
    with time_machine.travel(dt.datetime(2027, 6, 1, 9), tick=False):
        client.force_login(people["agent"])
        page = client.get(reverse("core:reminder-list")).content.decode()
    for label in ("Compte rendu financier à déposer", "Versement dû à une association",
                  "Publication en données ouvertes", "Avance à verser",
                  "Fin de convention", "Confirmation annuelle",
                  "Clôture d&#x27;un appel avec un dossier en brouillon"):
        assert label in page
    # Recorded (sent) and upcoming (7 days before the deadline, within the window).
    assert page.count(convention.reference) >= 2
