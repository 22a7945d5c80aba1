"""Member of A vs member of B vs agent, on pages and API: B's data is a 404 for A."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from backoffice.core.roles import Role
from backoffice.core.services import document_upload
from tests.factories import OrganisationFactory, member_of, staff_user

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def world(db):
    org_a, org_b = OrganisationFactory(name="Asso A"), OrganisationFactory(name="Asso B")
    user_a, user_b = member_of(org_a), member_of(org_b)
    doc_b = document_upload(organisation=org_b, user=user_b, kind="statutes",
                            file=SimpleUploadedFile("b.pdf", PDF))
    return {"org_a": org_a, "org_b": org_b, "user_a": user_a, "user_b": user_b,
            "doc_b": doc_b, "agent": staff_user(Role.FINANCE_AGENT)}


@pytest.mark.parametrize("url", [
    "/organisations/{org_b}/", "/organisations/{org_b}/modifier/", "/documents/{doc_b}/",
    "/api/v1/organisations/{org_b}/",
])
def test_member_of_a_gets_404_for_b(client, world, url):
    client.force_login(world["user_a"])
    url = url.format(org_b=world["org_b"].pk, doc_b=world["doc_b"].pk)
    assert client.get(url).status_code == 404


def test_member_of_a_cannot_update_b_through_api(client, world):
    client.force_login(world["user_a"])
    response = client.patch(f"/api/v1/organisations/{world['org_b'].pk}/", {"name": "Piraté"},
                            content_type="application/json")
    assert response.status_code == 404
    world["org_b"].refresh_from_db()
    assert world["org_b"].name == "Asso B"


def test_api_list_is_scoped(client, world):
    client.force_login(world["user_a"])
    names = [o["name"] for o in client.get("/api/v1/organisations/").json()["results"]]
    assert names == ["Asso A"]


def test_agent_sees_every_organisation(client, world):
    client.force_login(world["agent"])
    names = [o["name"] for o in client.get("/api/v1/organisations/").json()["results"]]
    assert names == ["Asso A", "Asso B"]
    assert client.get(f"/documents/{world['doc_b'].pk}/").status_code == 200
    assert client.get("/organisations/").status_code == 200


def test_applicant_denied_agent_pages(client, world):
    client.force_login(world["user_a"])
    assert client.get("/agent/").status_code == 403
    assert client.get("/organisations/").status_code == 403


def test_agent_cannot_edit_an_organisation_profile(client, world):
    client.force_login(world["agent"])
    response = client.patch(f"/api/v1/organisations/{world['org_b'].pk}/", {"name": "X"},
                            content_type="application/json")
    assert response.status_code == 403
    assert "administrateurs" in response.json()["detail"]


def test_member_of_b_downloads_own_document(client, world):
    client.force_login(world["user_b"])
    response = client.get(f"/documents/{world['doc_b'].pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_anonymous_redirected_to_login(client, world):
    response = client.get(f"/documents/{world['doc_b'].pk}/")
    assert response.status_code == 302 and "/compte/connexion/" in response["Location"]
    assert client.get("/api/v1/organisations/").status_code in (401, 403)


def test_media_is_not_served_publicly(client, world):
    assert client.get("/media-non-public/" + world["doc_b"].file.name).status_code == 404


def test_query_count_of_organisation_list_is_constant(client, world, django_assert_max_num_queries):
    for i in range(30):
        member_of(OrganisationFactory(name=f"Org {i:02d}"))
    client.force_login(world["agent"])
    with django_assert_max_num_queries(8):
        assert client.get("/organisations/").status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get("/api/v1/organisations/").status_code == 200
