"""API: one's own notifications, the agents' reminders, and the schema in French."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from backoffice.core.models import Notification, Reminder, ReminderStatus
from tests.factories import OrganisationFactory, member_of, staff_user

pytestmark = pytest.mark.django_db


def _notification(user, title, read=False):
    return Notification.objects.create(recipient=user, event="test", topic="test", title=title,
                                       read_at=timezone.now() if read else None)


def test_a_member_lists_and_reads_only_their_own_notifications(client):
    organisation = OrganisationFactory()
    member, other = member_of(organisation), member_of(organisation)
    mine = _notification(member, "Votre dossier est déposé")
    _notification(member, "Ancienne", read=True)
    theirs = _notification(other, "Pas pour vous")
    client.force_login(member)

    listed = client.get("/api/v1/notifications/").json()
    assert listed["count"] == 2
    assert {n["title"] for n in listed["results"]} == {"Votre dossier est déposé", "Ancienne"}
    unread = client.get("/api/v1/notifications/?state=unread").json()
    assert [n["id"] for n in unread["results"]] == [mine.pk]

    bad = client.get("/api/v1/notifications/?state=nouvelles")
    assert bad.status_code == 400 and "État inconnu" in bad.json()["state"][0]

    assert client.post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    read = client.post(f"/api/v1/notifications/{mine.pk}/read/")
    assert read.status_code == 200 and read.json()["read_at"] is not None


def test_mark_all_read_touches_only_ones_own(client):
    organisation = OrganisationFactory()
    member, other = member_of(organisation), member_of(organisation)
    _notification(member, "Un")
    _notification(member, "Deux")
    _notification(other, "Trois")
    client.force_login(member)
    assert client.post("/api/v1/notifications/read-all/").json() == {"marked": 2}
    assert Notification.objects.filter(recipient=other, read_at__isnull=True).count() == 1
    assert client.post("/api/v1/notifications/read-all/").json() == {"marked": 0}


def test_notifications_need_a_login(client):
    assert client.get("/api/v1/notifications/").status_code == 403


def _reminder(organisation, *, remind_on, status=ReminderStatus.SENT, kind="report_due"):
    return Reminder.objects.create(
        kind=kind, target_type=ContentType.objects.get_for_model(organisation),
        target_id=organisation.pk, due_date=remind_on + dt.timedelta(days=30), step="J-30",
        remind_on=remind_on, organisation=organisation, target_repr=organisation.name,
        status=status)


def test_reminders_are_for_agents_with_filters(client):
    organisation, elsewhere = OrganisationFactory(), OrganisationFactory()
    _reminder(organisation, remind_on=dt.date(2026, 3, 1))
    _reminder(elsewhere, remind_on=dt.date(2026, 4, 1), status=ReminderStatus.CANCELLED)
    member = member_of(organisation)

    client.force_login(member)
    refused = client.get("/api/v1/reminders/")
    assert refused.status_code == 403
    assert "réservé aux agents" in refused.json()["detail"]
    assert client.get("/api/v1/reminders/upcoming/").status_code == 403

    client.force_login(staff_user())
    everything = client.get("/api/v1/reminders/").json()
    assert everything["count"] == 2
    one = client.get(f"/api/v1/reminders/?organisation={organisation.pk}").json()
    assert [r["organisation"] for r in one["results"]] == [organisation.pk]
    cancelled = client.get("/api/v1/reminders/?status=cancelled").json()
    assert [r["organisation"] for r in cancelled["results"]] == [elsewhere.pk]
    march = client.get("/api/v1/reminders/?date_from=2026-02-01&date_to=2026-03-15").json()
    assert march["count"] == 1 and march["results"][0]["remind_on"] == "2026-03-01"

    bad = client.get("/api/v1/reminders/?status=perdu&date_from=2026-05-01&date_to=2026-04-01")
    assert bad.status_code == 400
    assert "Statut inconnu" in bad.json()["status"][0]
    wrong_order = client.get("/api/v1/reminders/?date_from=2026-05-01&date_to=2026-04-01")
    assert "date de fin" in wrong_order.json()["date_to"][0]
    unknown_kind = client.get("/api/v1/reminders/upcoming/?kind=inconnu")
    assert unknown_kind.status_code == 400 and "Type de rappel inconnu" in str(
        unknown_kind.json())
    upcoming = client.get("/api/v1/reminders/upcoming/")
    assert upcoming.status_code == 200 and isinstance(upcoming.json(), list)


def test_schema_speaks_french_and_documents_errors(client):
    schema = client.get("/api/schema/?format=json").json()
    texts = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), f"{method} {path} has no summary"
            assert operation.get("description"), f"{method} {path} has no description"
            texts += [operation["summary"], operation["description"]]
            texts += [p.get("description", "") for p in operation.get("parameters", [])]
            assert "404" in operation["responses"], f"{method} {path}: 404 undocumented"
            texts += [r["description"] for r in operation["responses"].values()]
    blob = "\n".join(texts) + str(schema["components"])
    for english in ("Un(une)", "No response body", "visible to the user", "Unspecified",
                    "A page number", "Token-based"):
        assert english not in blob
    conventions = schema["paths"]["/api/v1/conventions/"]["get"]
    assert {p["name"] for p in conventions["parameters"]} >= {
        "status", "year", "organisation", "late", "report_overdue", "page"}
    assert "400" in conventions["responses"]
    amendments = schema["paths"]["/api/v1/conventions/{id}/amendments/"]["get"]
    assert amendments["responses"]["200"]["content"]["application/json"]["schema"]["type"] \
        == "array"
    scorecard = schema["paths"]["/api/v1/scorecard/"]["get"]
    assert "$ref" in scorecard["responses"]["200"]["content"]["application/json"]["schema"]


def test_unknown_api_address_answers_json_404(client):
    response = client.get("/api/v1/nulle-part/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Introuvable."}
    assert "<html" in client.get("/nulle-part/").content.decode().lower()


def test_a_json_body_must_be_an_object(client):
    response = client.post("/api/v1/auth/token/", '"texte"', content_type="application/json")
    assert response.status_code == 400
    assert "objet" in response.json()["detail"]
