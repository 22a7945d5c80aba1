import pytest
from django.core import mail

from backoffice.core.models import Membership, Organisation, User
from backoffice.core.roles import Role
from tests.factories import OrganisationFactory, member_of

VALID_SIRET = "73282932000074"


@pytest.mark.django_db
def test_signup_then_create_organisation_with_cer(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/inscription/", {
            "first_name": "Gwen", "last_name": "Le Moal", "email": "Gwen@Example.org",
            "password1": "un-mot-de-passe-solide", "password2": "un-mot-de-passe-solide",
        })
    assert response.status_code == 302
    user = User.objects.get(email="gwen@example.org")
    assert user.has_role(Role.APPLICANT)
    # the e-mailed link verifies the address and logs in
    link = next(w for w in mail.outbox[0].body.split() if "/compte/confirmer/" in w)
    assert client.get(link.replace("http://127.0.0.1:8000", "")).status_code == 302

    response = client.post("/organisations/nouvelle/", {
        "name": "Les Jardins du Ter", "legal_form": "association", "siret": VALID_SIRET,
        "rna": "w561009999", "members_count": 10, "volunteers_count": 8, "employees_count": 0,
        "fte": "0", "accept_cer": "on",
    })
    assert response.status_code == 302
    organisation = Organisation.objects.get(name="Les Jardins du Ter")
    assert organisation.rna == "W561009999"
    assert organisation.cer_accepted_by == user and organisation.cer_accepted_at
    assert Membership.objects.get(organisation=organisation).role == "admin"
    assert organisation.history.count() >= 1


@pytest.mark.django_db
def test_create_organisation_refuses_bad_siret_and_missing_cer(client):
    client.force_login(member_of(OrganisationFactory()))
    response = client.post("/organisations/nouvelle/", {
        "name": "Mauvais", "legal_form": "association", "siret": "45032466000000.0",
        "members_count": 0, "volunteers_count": 0, "employees_count": 0, "fte": "0",
    })
    assert response.status_code == 400
    body = response.content.decode()
    assert "14 chiffres" in body
    assert "contrat d&#x27;engagement républicain doit être accepté" in body
    assert not Organisation.objects.filter(name="Mauvais").exists()


@pytest.mark.django_db
def test_informal_collective_needs_no_siret_but_a_referent(client):
    client.force_login(member_of(OrganisationFactory()))
    data = {"name": "Collectif du quai", "legal_form": "informal", "members_count": 5,
            "volunteers_count": 5, "employees_count": 0, "fte": "0", "accept_cer": "on"}
    response = client.post("/organisations/nouvelle/", data)
    assert response.status_code == 400
    assert "référent" in response.content.decode()
    data["legal_representative_name"] = "Inès Benali"
    assert client.post("/organisations/nouvelle/", data).status_code == 302


@pytest.mark.django_db
def test_signup_duplicate_email_and_password_mismatch(client):
    member_of(OrganisationFactory(), email="deja@example.org")
    response = client.post("/inscription/", {
        "first_name": "A", "last_name": "B", "email": "DEJA@example.org",
        "password1": "un-mot-de-passe-solide", "password2": "autre-mot-de-passe",
    })
    assert response.status_code == 400
    assert "ne correspondent pas" in response.content.decode()


@pytest.mark.django_db
def test_join_request_is_approved_by_organisation_admin(client):
    organisation = OrganisationFactory()
    admin = member_of(organisation)
    newcomer = member_of(OrganisationFactory())
    client.force_login(newcomer)
    assert client.post("/organisations/rejoindre/",
                       {"identifier": organisation.siret}).status_code == 302
    membership = Membership.objects.get(user=newcomer, organisation=organisation)
    assert membership.status == "pending"
    assert admin.notifications.filter(event="membership_requested").exists()
    # pending members do not see the organisation yet
    assert client.get(f"/organisations/{organisation.pk}/").status_code == 404

    client.force_login(admin)
    client.post(f"/organisations/{organisation.pk}/membres/{membership.pk}/valider/")
    membership.refresh_from_db()
    assert membership.status == "active"
    client.force_login(newcomer)
    assert client.get(f"/organisations/{organisation.pk}/").status_code == 200


@pytest.mark.django_db
def test_api_create_organisation_french_field_errors(client):
    client.force_login(member_of(OrganisationFactory()))
    response = client.post("/api/v1/organisations/", {
        "name": "Via API", "legal_form": "association", "siret": "12345678901234",
    }, content_type="application/json")
    assert response.status_code == 400
    errors = response.json()
    assert "clé de contrôle" in errors["siret"][0]
    response = client.post("/api/v1/organisations/", {
        "name": "Via API", "legal_form": "association", "siret": VALID_SIRET, "accept_cer": True,
    }, content_type="application/json")
    assert response.status_code == 201, response.json()
    response = client.post("/api/v1/organisations/", {
        "name": "Doublon", "legal_form": "association", "siret": VALID_SIRET, "accept_cer": True,
    }, content_type="application/json")
    assert response.status_code == 400
    assert "existe déjà" in str(response.json())
