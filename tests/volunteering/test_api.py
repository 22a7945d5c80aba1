"""API: scoped CRUD, validation, bulk import with the page's report, totals."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from tests.factories import staff_user
from volunteering.models import EntryStatus, VolunteerEntry

from .factories import EntryFactory, VolunteerFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1/volunteer-entries/"


@pytest.fixture
def api():
    return APIClient()


def test_create_list_update_delete(api, organisation, admin, volunteers, today):
    api.force_authenticate(admin)
    response = api.post(BASE, {"organisation": organisation.pk, "volunteer": volunteers[0].pk,
                               "date": "2026-03-01", "hours": "2.5", "activity": "formation"},
                        format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["rate"], body["value"]) == ("draft", "12.02", "30.05")
    entry_id = body["id"]
    assert api.get(BASE, {"organisation": organisation.pk}).json()["count"] == 1
    response = api.patch(f"{BASE}{entry_id}/", {"hours": "3"}, format="json")
    assert response.status_code == 200 and response.json()["value"] == "36.06"
    assert api.delete(f"{BASE}{entry_id}/").status_code == 204
    assert not VolunteerEntry.objects.exists()


@pytest.mark.parametrize("payload,field", [
    ({"hours": "0"}, "hours"), ({"hours": "-1"}, "hours"), ({"hours": "30"}, "hours"),
    ({"date": "2026-05-01"}, "date"), ({"activity": "jardinage"}, "activity"),
])
def test_bad_input_is_400_with_field_errors(api, organisation, admin, volunteers, today, payload,
                                            field):
    api.force_authenticate(admin)
    data = {"organisation": organisation.pk, "volunteer": volunteers[0].pk,
            "date": "2026-03-01", "hours": "2", "activity": "animation", **payload}
    response = api.post(BASE, data, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not VolunteerEntry.objects.exists()


def test_duplicate_is_400_until_confirmed(api, organisation, admin, volunteers, today):
    EntryFactory(volunteer=volunteers[0], date=dt.date(2026, 3, 1), activity="animation")
    api.force_authenticate(admin)
    data = {"organisation": organisation.pk, "volunteer": volunteers[0].pk,
            "date": "2026-03-01", "hours": "2", "activity": "animation"}
    response = api.post(BASE, data, format="json")
    assert response.status_code == 400 and "Doublon" in str(response.json())
    assert api.post(BASE, {**data, "confirm_duplicates": True}, format="json").status_code == 201


def test_validate_and_totals(api, organisation, admin, volunteers):
    entries = [EntryFactory(volunteer=v, date=dt.date(2025, 6, 1)) for v in volunteers]
    api.force_authenticate(admin)
    response = api.post(f"{BASE}validate/", {"organisation": organisation.pk,
                                             "ids": [entries[0].pk, entries[1].pk]},
                        format="json")
    assert response.json() == {"validated": 2}
    for bad in ("0000", "²²²²", "20251"):
        response = api.get(f"{BASE}totals/", {"organisation": organisation.pk, "year": bad})
        assert response.status_code == 400 and "Année invalide" in response.json()["year"][0]
        assert api.get(BASE, {"year": bad}).status_code == 400
    totals = api.get(f"{BASE}totals/", {"organisation": organisation.pk, "year": 2025}).json()
    assert totals["hours"] == "6.00" and totals["value"] == "71.28"
    assert totals["by_activity"] == [{"activity": "animation", "hours": "6.00",
                                      "value": "71.28"}]
    assert api.get(f"{BASE}totals/", {"organisation": organisation.pk,
                                      "year": "deux"}).status_code == 400


def test_bulk_import_same_report_as_the_page(api, organisation, admin, today):
    api.force_authenticate(admin)
    bad = SimpleUploadedFile("h.csv", b"date;benevole;heures;activite\n01/03/2026;A;0;animation\n")
    response = api.post(f"{BASE}import/", {"organisation": organisation.pk, "file": bad,
                                           "dry_run": "false"}, format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"][0]["row"] == 2
    good = SimpleUploadedFile("h.csv", b"date;benevole;heures;activite\n01/03/2026;A;2;animation\n")
    response = api.post(f"{BASE}import/", {"organisation": organisation.pk, "file": good,
                                           "dry_run": "false"}, format="multipart")
    assert response.status_code == 200
    assert response.json()["imported"] == 1 and response.json()["valued"] == "24.04"
    response = api.post(f"{BASE}import/", {"organisation": organisation.pk},
                        format="multipart")
    assert response.status_code == 400 and "file" in response.json()


def test_member_of_b_gets_404_for_a(api, organisation, outsider, volunteers, today):
    entry = EntryFactory(volunteer=volunteers[0])
    api.force_authenticate(outsider)
    assert api.get(f"{BASE}{entry.pk}/").status_code == 404
    assert api.patch(f"{BASE}{entry.pk}/", {"hours": "1"}, format="json").status_code == 404
    assert api.delete(f"{BASE}{entry.pk}/").status_code == 404
    assert api.get(BASE).json()["count"] == 0
    assert api.get(BASE, {"organisation": organisation.pk}).status_code == 404
    assert api.post(f"{BASE}validate/", {"organisation": organisation.pk},
                    format="json").status_code == 404
    assert api.get(f"{BASE}totals/", {"organisation": organisation.pk}).status_code == 404
    response = api.post(BASE, {"organisation": organisation.pk, "volunteer": volunteers[0].pk,
                               "date": "2026-03-01", "hours": "2", "activity": "animation"},
                        format="json")
    assert response.status_code == 404
    assert api.get("/api/v1/volunteers/").json()["count"] == 0
    entry.refresh_from_db()
    assert entry.status == EntryStatus.DRAFT


def test_member_cannot_validate_through_api(api, organisation, member, volunteers):
    EntryFactory(volunteer=volunteers[0])
    api.force_authenticate(member)
    response = api.post(f"{BASE}validate/", {"organisation": organisation.pk}, format="json")
    assert response.status_code == 403


def test_agent_reads_every_organisation_but_cannot_log(api, organisation, volunteers, today):
    EntryFactory(volunteer=volunteers[0])
    EntryFactory(volunteer=VolunteerFactory())
    api.force_authenticate(staff_user())
    assert api.get(BASE).json()["count"] == 2
    response = api.post(BASE, {"organisation": organisation.pk, "volunteer": volunteers[0].pk,
                               "date": "2026-03-01", "hours": "2", "activity": "animation"},
                        format="json")
    assert response.status_code == 403


def test_rates_listed_and_created_by_agents(api, admin):
    api.force_authenticate(admin)
    assert any(r["value"] == "12.0200" for r in api.get("/api/v1/valuation-rates/").json()[
        "results"])
    assert api.post("/api/v1/valuation-rates/", {"kind": "smic", "valid_from": "2027-01-01",
                                                 "value": "12.30"}).status_code == 403
    api.force_authenticate(staff_user())
    response = api.post("/api/v1/valuation-rates/", {"kind": "smic", "valid_from": "2027-01-01",
                                                     "value": "12.30"})
    assert response.status_code == 201
    assert Decimal(response.json()["value"]) == Decimal("12.30")


def test_volunteers_created_in_scope(api, organisation, admin, other_organisation):
    api.force_authenticate(admin)
    response = api.post("/api/v1/volunteers/", {"organisation": organisation.pk,
                                                "name": "Nolwenn T."})
    assert response.status_code == 201
    response = api.post("/api/v1/volunteers/", {"organisation": organisation.pk,
                                                "name": "nolwenn t."})
    assert response.status_code == 400
    response = api.post("/api/v1/volunteers/", {"organisation": other_organisation.pk,
                                                "name": "X"})
    assert response.status_code == 404


def test_bad_query_parameters_are_400_not_500(api, organisation, admin):
    api.force_authenticate(admin)
    assert api.get(BASE, {"year": "abc"}).status_code == 400
    assert api.get(BASE, {"organisation": "abc"}).status_code == 404
    assert api.get(f"{BASE}totals/", {"organisation": organisation.pk,
                                      "year": "99999999999"}).status_code == 400
    assert api.get(BASE, {"status": "nimporte"}).status_code == 200
