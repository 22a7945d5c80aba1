"""Time frozen day after day: the exact sequence of "document expiring" reminders."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from backoffice.core.reminders.services import reminders_run
from tests.core.factories import OrganisationDocumentFactory
from tests.factories import OrganisationFactory, member_of

PARIS = ZoneInfo("Europe/Paris")


def days(start: dt.date, end: dt.date):
    while start <= end:
        yield start
        start += dt.timedelta(days=1)


def live_through(start, end, on_day=None) -> list[tuple]:
    """Run the daily job at 7:00 every day from start to end; (date, subject, to) of mails."""
    sent = []
    for day in days(start, end):
        with time_machine.travel(dt.datetime.combine(day, dt.time(7), tzinfo=PARIS), tick=False):
            if on_day:
                on_day(day)
            before = len(mail.outbox)
            reminders_run()
            sent += [(day, m.subject, m.to[0]) for m in mail.outbox[before:]]
    return sent


@pytest.mark.django_db(transaction=True)
def test_document_expiring_sequence_with_default_delay():
    organisation = OrganisationFactory(name="Les Amis du Scorff")
    coordinator = member_of(organisation, email="coordination@scorff.example")
    OrganisationDocumentFactory(organisation=organisation, valid_until=dt.date(2027, 6, 30))
    sent = live_through(dt.date(2027, 5, 1), dt.date(2027, 7, 15))
    assert sent == [(dt.date(2027, 5, 31),
                     "Derniers comptes approuvés (Les Amis du Scorff) : expire le 30/06/2027",
                     coordinator.email)]


@pytest.mark.django_db(transaction=True)
def test_document_expiring_sequence_with_three_steps_and_a_renewal(settings):
    settings.REMINDERS_DOCUMENT_EXPIRING_DAYS_BEFORE = [30, 7, 0]
    organisation = OrganisationFactory(name="Énergies Citoyennes")
    first = member_of(organisation, email="a@energies.example")
    second = member_of(organisation, email="b@energies.example")
    OrganisationDocumentFactory(organisation=organisation, kind="accounts",
                                valid_until=dt.date(2027, 6, 30))
    OrganisationDocumentFactory(organisation=organisation, kind="rib",
                                valid_until=dt.date(2027, 6, 10))

    def renew_rib(day):
        # The association uploads its new RIB on 5 June: no more RIB reminder after that.
        if day == dt.date(2027, 6, 5):
            OrganisationDocumentFactory(organisation=organisation, kind="rib", valid_until=None)

    sent = live_through(dt.date(2027, 5, 20), dt.date(2027, 7, 5), on_day=renew_rib)
    accounts = "Derniers comptes approuvés (Énergies Citoyennes) : expire le 30/06/2027"
    rib = "RIB (Énergies Citoyennes) : expire le 10/06/2027"
    expected = []
    for day, subject in [(dt.date(2027, 5, 31), accounts), (dt.date(2027, 6, 3), rib),
                         (dt.date(2027, 6, 23), accounts), (dt.date(2027, 6, 30), accounts)]:
        expected += [(day, subject, first.email), (day, subject, second.email)]
    assert sorted(sent) == expected
    bodies = [m.body for m in mail.outbox]
    assert "expire le mercredi 30 juin 2027, dans 30 jours" in bodies[0]
    assert "expire le mercredi 30 juin 2027, aujourd'hui" in bodies[-1]
