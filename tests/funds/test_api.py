"""API: public calls, scoped applications, submit/review/decide, bad input, OpenAPI schema."""

from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from backoffice.core.roles import Role
from funds.models import Application, ApplicationStatus, Award
from tests.factories import OrganisationFactory, member_of, staff_user

from .factories import CallFactory

pytestmark = pytest.mark.django_db

BUDGET = [
    {"account": "60", "amount": "4500.00", "label": "Matériel"},
    {"account": "62", "amount": "500.00"},
    {"account": "75", "amount": "1000.00"},
    {"account": "864", "amount": "800.00"},
    {"account": "870", "amount": "800.00"},
]


def _client(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _payload(call, organisation, **overrides):
    data = {"call": call.pk, "organisation": organisation.pk, "title": "Repair café mensuel",
            "summary": "Réparer ensemble plutôt que jeter.", "place": "Lorient",
            "start_date": "2027-01-10", "end_date": "2027-06-30", "nature": "projet",
            "amount_requested": "4000.00", "volunteer_hours": "60", "cer_accepted": True,
            "budget": BUDGET}
    data.update(overrides)
    return data


def test_open_calls_are_public():
    call = CallFactory()
    CallFactory(phase="draft")
    response = _client().get("/api/v1/calls/")
    assert response.status_code == 200
    assert [c["id"] for c in response.json()["results"]] == [call.pk]


def test_create_submit_review_decide_through_the_api():
    call = CallFactory()
    organisation = OrganisationFactory()
    member = member_of(organisation)
    response = _client(member).post("/api/v1/applications/", _payload(call, organisation),
                                    format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["shares"]["authority_share"] == "0.6897"  # 4,000 / (5,000 + 800 in kind)
    assert body["shares"]["rule_errors"] == []
    pk = body["id"]
    response = _client(member).post(f"/api/v1/applications/{pk}/submit/", {}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    again = _client(member).post(f"/api/v1/applications/{pk}/submit/", {}, format="json")
    assert again.status_code in (400, 403)
    instructor = staff_user(Role.INSTRUCTOR)
    checks = {"object": True, "territory": True, "general_interest": True, "feasibility": True}
    assert _client(instructor).post(f"/api/v1/applications/{pk}/review/",
                                    {"checklist": checks}, format="json").status_code == 200
    assert _client(instructor).post(f"/api/v1/applications/{pk}/eligibility/",
                                    {"eligible": True}, format="json").status_code == 200
    decision = {"decision": "award", "amount": "3500.00", "nature": "projet",
                "deliberation_reference": "DEL-2026-9",
                "deliberation_date": timezone.localdate().isoformat()}
    assert _client(instructor).post(f"/api/v1/applications/{pk}/decide/", decision,
                                    format="json").status_code == 403
    response = _client(staff_user(Role.DECISION_MAKER)).post(
        f"/api/v1/applications/{pk}/decide/", decision, format="json")
    assert response.status_code == 200 and response.json()["status"] == "awarded"
    assert Award.objects.get().amount == Decimal("3500.00")


@pytest.mark.parametrize("overrides, field", [
    ({"amount_requested": "-5"}, "amount_requested"),
    ({"budget": [{"account": "60", "amount": "-1"}]}, "budget"),
    ({"budget": [{"account": "99", "amount": "10"}]}, "budget"),
    ({"start_date": "31/02/2027"}, "start_date"),
    ({"summary": "x" * 1501}, "summary"),
])
def test_bad_input_gets_400_with_field_errors_and_nothing_saved(overrides, field):
    call = CallFactory()
    organisation = OrganisationFactory()
    member = member_of(organisation)
    response = _client(member).post("/api/v1/applications/",
                                    _payload(call, organisation, **overrides), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Application.objects.exists()


def test_submit_with_unbalanced_budget_and_above_maximum_gets_french_400(draft):
    client = _client(draft.applicant)
    client.patch(f"/api/v1/applications/{draft.pk}/",
                 {"amount_requested": "20000.00", "budget": [{"account": "60", "amount": "10"}]},
                 format="json")
    response = client.post(f"/api/v1/applications/{draft.pk}/submit/", {}, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert any("dépasse le maximum" in m for m in errors["amount_requested"])
    assert any("pas équilibré" in m for m in errors["budget"])
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.DRAFT


def test_scoping_other_organisation_gets_404_and_wrong_role_403(draft):
    stranger = member_of(OrganisationFactory())
    client = _client(stranger)
    assert client.get(f"/api/v1/applications/{draft.pk}/").status_code == 404
    assert client.patch(f"/api/v1/applications/{draft.pk}/", {"title": "X"},
                        format="json").status_code == 404
    assert client.post(f"/api/v1/applications/{draft.pk}/submit/").status_code == 404
    assert client.get("/api/v1/applications/").json()["count"] == 0
    response = client.post("/api/v1/applications/", _payload(draft.call, draft.organisation),
                           format="json")
    assert response.status_code == 403
    agent = staff_user(Role.FINANCE_AGENT)
    assert _client(agent).post(f"/api/v1/applications/{draft.pk}/request-info/",
                               {"message": "?"}, format="json").status_code == 403
    assert _client(draft.applicant).post(f"/api/v1/applications/{draft.pk}/review/", {},
                                         format="json").status_code == 403


def test_second_application_where_one_per_applicant_gets_400():
    call = CallFactory(one_per_applicant=True)
    organisation = OrganisationFactory()
    member = member_of(organisation)
    assert _client(member).post("/api/v1/applications/", _payload(call, organisation),
                                format="json").status_code == 201
    response = _client(member).post("/api/v1/applications/", _payload(call, organisation),
                                    format="json")
    assert response.status_code == 400
    assert "qu'un dossier par porteur" in str(response.json())
    assert Application.objects.count() == 1


def test_openapi_schema_lists_the_funds_endpoints(client):
    schema = client.get("/api/schema/").content.decode()
    for path in ["/api/v1/calls/", "/api/v1/applications/{id}/submit/",
                 "/api/v1/applications/{id}/decide/", "/api/v1/applications/{id}/request-info/"]:
        assert path in schema
