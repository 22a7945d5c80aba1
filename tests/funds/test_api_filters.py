"""API: the list of applications filtered by status, call, fund, organisation, DOS-n."""

from __future__ import annotations

import pytest

from funds.models import ApplicationStatus
from tests.factories import OrganisationFactory, member_of

from .factories import ApplicationFactory, CallFactory

pytestmark = pytest.mark.django_db


def _ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def applications(db):
    first_call, second_call = CallFactory(), CallFactory()
    a = ApplicationFactory(call=first_call)
    b = ApplicationFactory(call=second_call, status=ApplicationStatus.SUBMITTED)
    return a, b


def test_application_filters(client, instructor, applications):
    a, b = applications
    client.force_login(instructor)
    base = "/api/v1/applications/"
    assert _ids(client.get(base)) == {a.pk, b.pk}
    assert _ids(client.get(f"{base}?status=submitted")) == {b.pk}
    assert _ids(client.get(f"{base}?call={a.call_id}")) == {a.pk}
    assert _ids(client.get(f"{base}?fund={b.call.fund_id}")) == {b.pk}
    assert _ids(client.get(f"{base}?organisation={a.organisation_id}")) == {a.pk}
    assert _ids(client.get(f"{base}?reference=DOS-{b.pk}")) == {b.pk}
    assert _ids(client.get(f"{base}?reference=dos-{a.pk}")) == {a.pk}
    assert _ids(client.get(f"{base}?status=draft&call={b.call_id}")) == set()


@pytest.mark.parametrize("query, field, message", [
    ("status=termine", "status", "Statut inconnu : « termine »."),
    ("call=premier", "call", "Identifiant invalide"),
    ("fund=-3", "fund", "Identifiant invalide."),
    ("reference=42", "reference", "DOS- suivi du numéro"),
    ("reference=DOS-abc", "reference", "DOS- suivi du numéro"),
])
def test_application_filters_refuse_bad_values_in_french(client, instructor, query, field,
                                                         message):
    client.force_login(instructor)
    response = client.get(f"/api/v1/applications/?{query}")
    assert response.status_code == 400
    assert message in response.json()[field][0]


def test_a_member_filters_only_within_their_organisations(client, applications):
    a, b = applications
    member = member_of(a.organisation)
    client.force_login(member)
    assert _ids(client.get(f"/api/v1/applications/?reference=DOS-{b.pk}")) == set()
    assert _ids(client.get(f"/api/v1/applications/?reference=DOS-{a.pk}")) == {a.pk}
    assert _ids(client.get(f"/api/v1/applications/?organisation={OrganisationFactory().pk}")) \
        == set()
