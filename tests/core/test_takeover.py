"""Membership is granted, never taken; a changed IBAN is not paid to before an agent checks it.

The attack these tests replay: a fresh account joins an organisation without members (imported
from open data, its RNA public) and PATCHes its IBAN, which the payments-to-order export gives
to the finance software."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from backoffice.core.audit import audit_events_for
from backoffice.core.models import Membership, Organisation, OrganisationDocument
from backoffice.core.roles import Role
from backoffice.core.services import document_upload
from conventions.selectors import payments_due, payments_on_hold
from tests.conventions.factories import make_convention
from tests.factories import OrganisationFactory, UserFactory, member_of, staff_user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
NEW_IBAN = "FR7630001007941234567890185"
OLD_IBAN = "FR7630006000011234567890189"

pytestmark = pytest.mark.django_db


@pytest.fixture
def unattended():
    """An organisation as import_scdl or the admin creates it: public identifiers, no member."""
    return OrganisationFactory(rna="W561000042", iban=OLD_IBAN)


def test_fresh_account_joining_an_unattended_organisation_gets_no_rights(client, unattended):
    intruder = UserFactory()
    client.force_login(intruder)
    # Without a proof the request is refused in French, nothing is created.
    response = client.post("/organisations/rejoindre/", {"identifier": "w561000042"})
    assert response.status_code == 400
    assert "mandat" in response.content.decode()
    assert not Membership.objects.filter(user=intruder).exists()
    # With a (forged) proof it is only a pending claim, for a finance agent to check.
    response = client.post("/organisations/rejoindre/", {
        "identifier": "W561000042", "proof_kind": "mandate",
        "proof_file": SimpleUploadedFile("mandat.pdf", PDF)})
    assert response.status_code == 302
    claim = Membership.objects.get(user=intruder, organisation=unattended)
    assert (claim.status, claim.role) == ("pending", "admin")
    assert claim.proof.kind == "mandate"
    # The IBAN stays out of reach, by page and by API.
    response = client.patch(f"/api/v1/organisations/{unattended.pk}/", {"iban": NEW_IBAN},
                            content_type="application/json")
    assert response.status_code == 404
    assert client.get(f"/organisations/{unattended.pk}/modifier/").status_code == 404
    unattended.refresh_from_db()
    assert unattended.iban == OLD_IBAN and not unattended.bank_details_on_hold
    # The claimant cannot approve their own claim either.
    response = client.post(f"/api/v1/memberships/{claim.pk}/approve/")
    assert response.status_code == 404
    claim.refresh_from_db()
    assert claim.status == "pending"


def test_claim_is_granted_by_a_finance_agent_only(client, unattended):
    agent = staff_user(Role.FINANCE_AGENT)
    instructor = staff_user(Role.INSTRUCTOR)
    claimant = UserFactory()
    client.force_login(claimant)
    client.post("/organisations/rejoindre/", {
        "identifier": unattended.siret, "proof_kind": "statutes",
        "proof_file": SimpleUploadedFile("statuts.pdf", PDF)})
    claim = Membership.objects.get(user=claimant)
    assert agent.notifications.filter(event="membership_claimed").exists()

    client.force_login(instructor)
    response = client.post(f"/api/v1/memberships/{claim.pk}/approve/")
    assert response.status_code == 403
    assert "agent financier" in response.json()["detail"]

    client.force_login(agent)
    page = client.get(f"/organisations/{unattended.pk}/").content.decode()
    assert reverse("core:document-download", args=[claim.proof_id]) in page
    assert reverse("core:membership-approve", args=[unattended.pk, claim.pk]) in page
    response = client.post(f"/api/v1/memberships/{claim.pk}/approve/")
    assert response.status_code == 200, response.content
    claim.refresh_from_db()
    assert (claim.status, claim.role) == ("active", "admin")
    assert claimant.notifications.filter(event="membership_accepted").exists()


def test_claim_can_be_refused_and_its_proof_goes_with_it(client, unattended):
    agent = staff_user(Role.FINANCE_AGENT)
    claimant = UserFactory()
    client.force_login(claimant)
    client.post("/organisations/rejoindre/", {
        "identifier": unattended.siret, "proof_kind": "mandate",
        "proof_file": SimpleUploadedFile("mandat.pdf", PDF)})
    claim = Membership.objects.get(user=claimant)
    client.force_login(agent)
    response = client.post(reverse("core:membership-refuse", args=[unattended.pk, claim.pk]))
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=claim.pk).exists()
    assert not OrganisationDocument.objects.filter(organisation=unattended).exists()
    assert claimant.notifications.filter(event="membership_refused").exists()


def test_join_page_round_trip(django_app, unattended):
    """The join form as rendered: an error without proof, then a claim with one."""
    claimant = UserFactory()
    page = django_app.get("/organisations/rejoindre/", user=claimant)
    form = next(f for f in page.forms.values() if "identifier" in f.fields)
    form["identifier"] = unattended.rna
    response = form.submit(expect_errors=True)
    assert response.status_code == 400
    assert "joignez un mandat" in response.text
    form = next(f for f in response.forms.values() if "identifier" in f.fields)
    assert form["identifier"].value == unattended.rna
    form["proof_kind"] = "mandate"
    form["proof_file"] = ("mandat.pdf", PDF)
    response = form.submit().follow()
    assert "vérifieront" in response.text
    assert Membership.objects.get(user=claimant).is_claim


def test_member_of_an_organisation_with_admin_waits_for_the_admin(client):
    organisation = OrganisationFactory()
    admin = member_of(organisation)
    newcomer = UserFactory()
    client.force_login(newcomer)
    client.post("/organisations/rejoindre/", {"identifier": organisation.siret})
    membership = Membership.objects.get(user=newcomer)
    assert (membership.status, membership.role) == ("pending", "member")
    client.force_login(admin)
    assert client.post(f"/api/v1/memberships/{membership.pk}/approve/").status_code == 200
    membership.refresh_from_db()
    assert membership.status == "active"


def test_plain_member_cannot_change_the_iban(client):
    organisation = OrganisationFactory(iban=OLD_IBAN)
    member = member_of(organisation, role="member")
    client.force_login(member)
    response = client.patch(f"/api/v1/organisations/{organisation.pk}/", {"iban": NEW_IBAN},
                            content_type="application/json")
    assert response.status_code == 403
    assert "administrateurs" in response.json()["detail"]
    organisation.refresh_from_db()
    assert organisation.iban == OLD_IBAN


@time_machine.travel(dt.datetime(2026, 4, 1, 10, tzinfo=dt.UTC), tick=True)
def test_changed_iban_holds_payments_until_an_agent_checks_a_new_rib(client, django_app):
    agent = staff_user(Role.FINANCE_AGENT)
    organisation = OrganisationFactory(iban=OLD_IBAN)
    admin = member_of(organisation)
    other_admin = member_of(organisation)
    old_rib = document_upload(organisation=organisation, user=admin, kind="rib",
                              file=SimpleUploadedFile("ancien-rib.pdf", PDF))
    convention = make_convention(organisation=organisation, agent=agent, confirmed=True)
    assert payments_due().filter(year__convention=convention).exists()

    client.force_login(admin)
    response = client.patch(f"/api/v1/organisations/{organisation.pk}/", {"iban": NEW_IBAN},
                            content_type="application/json")
    assert response.status_code == 200
    assert response.json()["bank_details_on_hold"] is True
    organisation.refresh_from_db()
    assert organisation.bank_details_on_hold
    # Left out of the export, listed as held.
    assert not payments_due().filter(year__convention=convention).exists()
    assert payments_on_hold().filter(year__convention=convention).exists()
    export = client.get(reverse("conventions:payments-due-export", args=["csv"]))
    assert export.status_code == 403
    client.force_login(agent)
    export = client.get(reverse("conventions:payments-due-export", args=["csv"]))
    assert NEW_IBAN not in export.content.decode("utf-8-sig")
    calendar = client.get(reverse("conventions:calendar")).content.decode()
    assert "IBAN modifié à vérifier" in calendar and organisation.name in calendar
    # Audited and notified to every admin and the finance agents, with a masked IBAN.
    events = [e.event for e in audit_events_for(organisation)]
    assert "bank_details_changed" in events
    for person in (admin, other_admin, agent):
        notification = person.notifications.get(event="bank_details_changed")
        assert "FR76 •••• 0185" in notification.body
        assert NEW_IBAN not in notification.body

    # A RIB older than the change does not confirm it (page round trip, error path).
    page = django_app.get(f"/organisations/{organisation.pk}/", user=agent)
    form = next(f for f in page.forms.values() if "document" in f.fields)
    form["document"] = str(old_rib.pk)
    response = form.submit(expect_errors=True)
    assert response.status_code == 400
    assert "avant le changement" in response.text
    organisation.refresh_from_db()
    assert organisation.bank_details_on_hold

    # The organisation deposits a new RIB; the agent confirms it (success path).
    new_rib = document_upload(organisation=organisation, user=admin, kind="rib",
                              file=SimpleUploadedFile("nouveau-rib.pdf", PDF))
    page = django_app.get(f"/organisations/{organisation.pk}/", user=agent)
    form = next(f for f in page.forms.values() if "document" in f.fields)
    form["document"] = str(new_rib.pk)
    response = form.submit().follow()
    assert "versements de l&#x27;organisation reprennent" in response.text
    organisation.refresh_from_db()
    assert not organisation.bank_details_on_hold
    assert organisation.bank_details_confirmed_by == agent
    assert payments_due().filter(year__convention=convention).exists()


def test_only_finance_agents_confirm_bank_details(client):
    organisation = OrganisationFactory(iban=OLD_IBAN)
    admin = member_of(organisation)
    client.force_login(admin)
    client.patch(f"/api/v1/organisations/{organisation.pk}/", {"iban": NEW_IBAN},
                 content_type="application/json")
    rib = document_upload(organisation=organisation, user=admin, kind="rib",
                          file=SimpleUploadedFile("rib.pdf", PDF))
    response = client.post(f"/api/v1/organisations/{organisation.pk}/confirm-bank-details/",
                           {"document": rib.pk}, content_type="application/json")
    assert response.status_code == 403
    assert "agent financier" in response.json()["detail"]
    assert Organisation.objects.get(pk=organisation.pk).bank_details_on_hold
    client.force_login(staff_user(Role.FINANCE_AGENT))
    response = client.post(f"/api/v1/organisations/{organisation.pk}/confirm-bank-details/",
                           {"document": 999999}, content_type="application/json")
    assert response.status_code == 400
    assert "RIB" in response.json()["document"][0]
    response = client.post(f"/api/v1/organisations/{organisation.pk}/confirm-bank-details/",
                           {"document": rib.pk}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["bank_details_on_hold"] is False
