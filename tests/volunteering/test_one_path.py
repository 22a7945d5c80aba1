"""The session page, the API and the file import check volunteer hours with the same function
(``hours_check``): the same bad hours get the same French message (the import adds its row
number), the same good hours are stored alike."""

import datetime as dt
from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from volunteering.importing import volunteer_hours_import
from volunteering.models import VolunteerEntry

from .factories import EntryFactory

pytestmark = pytest.mark.django_db


def _page(client, organisation, admin, volunteer, *, date, hours):
    client.force_login(admin)
    return client.post(reverse("volunteering:session", args=[organisation.pk]), {
        "date": date, "hours": hours, "activity": "animation", "qualification": "employe",
        "volunteers": [volunteer.pk]})


def _api(organisation, admin, volunteer, *, date, hours):
    api = APIClient()
    api.force_authenticate(admin)
    return api.post("/api/v1/volunteer-entries/", {
        "organisation": organisation.pk, "volunteer": volunteer.pk, "date": date,
        "hours": hours, "activity": "animation"}, format="json")


def _import(organisation, admin, volunteer, *, date, hours):
    day = dt.date.fromisoformat(date).strftime("%d/%m/%Y")
    content = f"date;benevole;heures;activite\n{day};{volunteer.name};{hours};animation\n"
    return volunteer_hours_import(organisation=organisation, content=content.encode(),
                                  actor=admin, filename="heures.csv", dry_run=False)


@pytest.mark.parametrize("date,hours,field,column,expected", [
    ("2026-03-12", "2", "date", "date", "Le 12/03/2026 est une date future."),
    ("2026-03-01", "6", "hours", "heures", "aurait 26\u00a0h le 01/03/2026 (toutes saisies "
                                          "confondues) : plus de 24 heures en un jour."),
])
def test_the_same_bad_hours_get_the_same_message_everywhere(client, organisation, admin,
                                                            volunteers, today, date, hours,
                                                            field, column, expected):
    for volunteer in volunteers:
        EntryFactory(volunteer=volunteer, date=dt.date(2026, 3, 1), hours=Decimal("20"),
                     activity="administration")
    before = VolunteerEntry.objects.count()

    page = _page(client, organisation, admin, volunteers[0], date=date, hours=hours)
    api = _api(organisation, admin, volunteers[1], date=date, hours=hours)
    report = _import(organisation, admin, volunteers[2], date=date, hours=hours)

    assert api.status_code == 400
    (api_message,) = api.json()[field]
    assert expected.replace("\u00a0", " ") in api_message.replace("\u00a0", " ")
    assert page.status_code == 400
    assert api_message.replace(volunteers[1].name, volunteers[0].name) in unescape(
        page.content.decode())
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (2, column, api_message.replace(volunteers[1].name, volunteers[2].name))]
    assert VolunteerEntry.objects.count() == before


def test_the_same_good_hours_are_stored_alike(client, organisation, admin, volunteers, today,
                                              smic_rates):
    assert _page(client, organisation, admin, volunteers[0], date="2026-03-02",
                 hours="2,5").status_code == 302
    assert _api(organisation, admin, volunteers[1], date="2026-03-02",
                hours="2.5").status_code == 201
    assert _import(organisation, admin, volunteers[2], date="2026-03-02",
                   hours="2,5").imported == 1

    stored = {entry.volunteer_id: (entry.date, entry.hours, entry.activity, entry.qualification,
                                   entry.status, entry.rate, entry.value)
              for entry in VolunteerEntry.objects.all()}
    assert len(stored) == 3 and len(set(stored.values())) == 1
    assert stored[volunteers[0].pk][:2] == (dt.date(2026, 3, 2), Decimal("2.50"))
