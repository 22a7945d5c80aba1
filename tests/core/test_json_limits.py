"""Deeply nested or oversized JSON is a French 400 on every JSON endpoint, never a 500."""

from __future__ import annotations

import pytest

from backoffice.core.parsers import json_depth
from tests.factories import OrganisationFactory, member_of

pytestmark = pytest.mark.django_db

NESTED = "[" * 3000 + "]" * 3000


@pytest.fixture
def logged_in(client):
    organisation = OrganisationFactory()
    client.force_login(member_of(organisation))
    return client, organisation


@pytest.mark.parametrize("path", ["/api/v1/organisations/", "/api/v1/volunteer-entries/",
                                  "/api/v1/applications/"])
def test_deeply_nested_json_is_a_french_400(logged_in, path):
    client, _organisation = logged_in
    response = client.post(path, NESTED, content_type="application/json")
    assert response.status_code == 400, response.content[:200]
    assert "trop imbriqué" in response.json()["detail"]


def test_nested_json_in_a_patch_and_inside_an_object(logged_in):
    client, organisation = logged_in
    body = '{"name": ' + NESTED + "}"
    response = client.patch(f"/api/v1/organisations/{organisation.pk}/", body,
                            content_type="application/json")
    assert response.status_code == 400
    assert "trop imbriqué" in response.json()["detail"]


def test_oversized_and_unreadable_json_are_french_400s(logged_in, settings):
    client, organisation = logged_in
    settings.API_JSON_MAX_BYTES = 1000
    response = client.patch(f"/api/v1/organisations/{organisation.pk}/",
                            '{"object": "' + "x" * 2000 + '"}', content_type="application/json")
    assert response.status_code == 400
    assert "dépasse" in response.json()["detail"]
    response = client.patch(f"/api/v1/organisations/{organisation.pk}/", '{"object": ',
                            content_type="application/json")
    assert response.status_code == 400
    assert "illisible" in response.json()["detail"]


def test_ordinary_json_still_works(logged_in):
    client, organisation = logged_in
    response = client.patch(f"/api/v1/organisations/{organisation.pk}/",
                            {"object": "Jardins partagés [quartier {nord}]"},
                            content_type="application/json")
    assert response.status_code == 200
    assert response.json()["object"] == "Jardins partagés [quartier {nord}]"


def test_depth_ignores_brackets_inside_strings():
    assert json_depth('{"a": "[[[[[[", "b": [1, [2]]}') == 3
    assert json_depth('["[[[[[[[["]') == 1
    assert json_depth("[" * 40 + "]" * 40) == 40
