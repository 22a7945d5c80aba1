"""A three-year convention lived day by day: the exact sequence of its reminders."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from backoffice.core.models import Notification, Reminder, ReminderStatus, User
from backoffice.core.money import format_eur
from backoffice.core.reminders.services import reminders_run
from backoffice.core.roles import Role
from conventions import services
from conventions.models import LineKind
from conventions.services.open_data import convention_open_data_record
from tests.conventions.factories import BALANCED_REPORT, make_convention
from tests.factories import AuthorityFactory, OrganisationFactory, member_of, staff_user

PARIS = ZoneInfo("Europe/Paris")
D = dt.date


def at(day):
    return time_machine.travel(dt.datetime.combine(day, dt.time(7), tzinfo=PARIS), tick=False)


@pytest.mark.django_db(transaction=True)
def test_three_year_convention_exact_sequence_of_reminders():
    organisation = OrganisationFactory(name="Énergies Citoyennes du Pays de Lorient")
    member = member_of(organisation, email="coordination@energies.example")
    agent = staff_user(email="finances@ville.example")
    staff_user(Role.INSTRUCTOR, email="instruction@ville.example")  # never reminded
    with at(D(2026, 1, 20)):
        convention = make_convention(
            authority=AuthorityFactory(), organisation=organisation, agent=agent,
            amounts=(Decimal("30000"), Decimal("30000"), Decimal("30000")),
            signed=True, signed_on=D(2026, 1, 15), confirmed=True, confirmed_on=D(2026, 1, 20))

    def line(year, kind):
        return convention.years.get(year=year).lines.filter(kind=kind).order_by(
            "-position").first()

    def pay(year, kind, day):
        services.payment_record(line=line(year, kind), paid_on=day, actor=agent,
                                mandate_reference=f"M-{year}-{kind}", account="6574")

    def confirm(year, day):
        services.convention_year_confirm(year=convention.years.get(year=year),
                                         amount=Decimal("30000"), vote_reference=f"BP {year}",
                                         vote_date=day, actor=agent, on=day)

    def report(year, day):
        services.report_submit(report=convention.years.get(year=year).report,
                               budget_lines=BALANCED_REPORT, subsidy_used=Decimal("27000"),
                               qualitative_report="Ateliers tenus.", actor=member, on=day)

    def approve(year, day):
        services.report_review(report=convention.years.get(year=year).report, approve=True,
                               actor=agent, on=day)

    events = {
        D(2026, 3, 20): lambda: pay(2026, LineKind.ADVANCE, D(2026, 3, 20)),
        D(2026, 4, 10): lambda: convention_open_data_record(
            convention=convention, published_on=D(2026, 4, 9), actor=agent),
        D(2026, 11, 20): lambda: pay(2026, LineKind.BALANCE, D(2026, 11, 20)),
        D(2027, 1, 20): lambda: confirm(2027, D(2027, 1, 20)),
        D(2027, 4, 2): lambda: pay(2027, LineKind.ADVANCE, D(2027, 4, 2)),
        D(2027, 7, 25): lambda: report(2026, D(2027, 7, 25)),
        D(2027, 7, 28): lambda: approve(2026, D(2027, 7, 28)),
        D(2027, 11, 1): lambda: pay(2027, LineKind.BALANCE, D(2027, 11, 1)),
        D(2028, 1, 20): lambda: confirm(2028, D(2028, 1, 20)),
        D(2028, 3, 1): lambda: pay(2028, LineKind.ADVANCE, D(2028, 3, 1)),
        D(2028, 6, 20): lambda: report(2027, D(2028, 6, 20)),
        D(2028, 6, 25): lambda: approve(2027, D(2028, 6, 25)),
        D(2028, 10, 15): lambda: pay(2028, LineKind.BALANCE, D(2028, 10, 15)),
        D(2029, 6, 29): lambda: report(2028, D(2029, 6, 29)),
        D(2029, 7, 3): lambda: approve(2028, D(2029, 7, 3)),
    }
    # The job runs every ten days (a cron, say) and on the eve of each event; each run
    # catches up the days since the previous one, so the reminders are those of a daily run,
    # recorded on their own day, the caught-up ones flagged late.
    first, last = D(2026, 1, 21), D(2029, 7, 31)
    run_days = {first + dt.timedelta(days=n) for n in range(0, (last - first).days + 1, 10)}
    run_days |= {day - dt.timedelta(days=1) for day in events} | {last}
    for day in sorted(run_days | set(events)):
        with at(day):
            if day in events:
                events[day]()
            if day in run_days:
                reminders_run()
    emails = dict(User.objects.values_list("pk", "email"))
    sent = [(r.remind_on, r.kind, emails[user_id])
            for r in Reminder.objects.filter(status=ReminderStatus.SENT).order_by(
                "remind_on", "kind", "pk")
            for user_id in r.recipient_ids]
    assert not Reminder.objects.exclude(status=ReminderStatus.SENT).exists()
    assert (Notification.objects.filter(event="reminder").count() == len(sent))

    M, A = member.email, agent.email
    assert sent == [
        # 2026: the advance is due on 31 March (paid on the 20th), open data by 15 April
        # (published on the 9th), the balance triggered on 30 September (paid 20 November).
        (D(2026, 3, 16), "advance_due", A),
        (D(2026, 3, 16), "open_data_due", A),
        (D(2026, 4, 8), "open_data_due", A),
        (D(2026, 11, 14), "payment_due", A),
        # 2027: year to confirm after the budget vote; the advance paid two days late; the
        # 2026 report, due 30 June, received on 25 July (agents copied once overdue).
        (D(2027, 1, 15), "year_confirmation", A),
        (D(2027, 3, 16), "advance_due", A),
        (D(2027, 3, 31), "advance_due", A),
        (D(2027, 5, 31), "report_due", M),
        (D(2027, 6, 23), "report_due", M),
        (D(2027, 6, 30), "report_due", M),
        (D(2027, 7, 7), "report_due", M),
        (D(2027, 7, 7), "report_due", A),
        (D(2027, 7, 21), "report_due", M),
        (D(2027, 7, 21), "report_due", A),
        # 2028: confirmation, the 2027 report on time, the end of the convention ahead.
        (D(2028, 1, 15), "year_confirmation", A),
        (D(2028, 5, 31), "report_due", M),
        (D(2028, 6, 30), "convention_ending", M),
        (D(2028, 6, 30), "convention_ending", A),
        (D(2028, 9, 30), "convention_ending", M),
        (D(2028, 9, 30), "convention_ending", A),
        # 2029: the last report, submitted the day before it is due.
        (D(2029, 5, 31), "report_due", M),
        (D(2029, 6, 23), "report_due", M),
    ]
    titles = set(Notification.objects.filter(event="reminder").values_list("title", flat=True))
    reminder_mails = [m for m in mail.outbox if m.subject in titles]
    assert sorted(m.to[0] for m in reminder_mails) == sorted(email for _d, _k, email in sent)
    subjects = [m.subject for m in reminder_mails]
    assert subjects[0] == ("[En retard] Avance à verser — " + convention.reference + " (Énergies Citoyennes "
                           "du Pays de Lorient) : " + format_eur(Decimal("15000")) + " avant le 31/03/2026")
    overdue = next(m for m in reminder_mails
                   if m.to == [A] and "Compte rendu financier en retard" in m.subject)
    # Due 30 June, reminded 7 days after, caught up on 15 July by the run of that day.
    assert "en retard de 15 jours" in overdue.body
    assert "aurait dû vous parvenir le 07/07/2027" in overdue.body
    assert "30 juin 2027" in overdue.body
