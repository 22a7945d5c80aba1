"""An intercommunalité and one of its communes share one deployment (common in France): each
authority's numbering, documents, pages, exports, open data and attestations carry its own
conventions and its own identity, never the other's."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from backoffice.core.demo import demo_siret
from backoffice.core.models import Authority, AuthorityKind
from conventions.models import DocumentKind
from conventions.scdl import scdl_csv
from conventions.services.documents import document_html, document_request
from tests.conventions.factories import make_convention
from tests.factories import AuthorityFactory, OrganisationFactory, staff_user
from volunteering.models import VolunteerAttestation
from volunteering.services import attestation_context

pytestmark = pytest.mark.django_db

COMMUNE = dict(name="Ville de Lanester", kind=AuthorityKind.COMMUNE, siret=demo_siret(9101),
               city="Lanester", postcode="56600", signatory_name="Gilles Carréric",
               signatory_title="Maire", public_accountant="SGC de Lanester")
EPCI = dict(name="Lorient Agglomération", kind=AuthorityKind.EPCI, siret=demo_siret(9102),
            city="Lorient", postcode="56100", signatory_name="Fabrice Loher",
            signatory_title="Président", public_accountant="SGC de Lorient Agglomération",
            reference_code="LA")


def _identity(authority) -> list[str]:
    return [authority.name, authority.siret, authority.signatory_name,
            authority.public_accountant]


@pytest.fixture
def two(settings):
    """Both authorities fund the same association; the commune publishes the site."""
    commune, epci = AuthorityFactory(**COMMUNE), AuthorityFactory(**EPCI)
    settings.SITE_AUTHORITY_ID = commune.pk
    organisation = OrganisationFactory(name="Les Ateliers du Scorff")
    agent = staff_user()
    ours = [make_convention(authority=commune, organisation=organisation, agent=agent,
                            signed=True, confirmed=True) for _ in range(2)]
    theirs = make_convention(authority=epci, organisation=organisation, agent=agent,
                             signed=True, confirmed=True)
    return {"commune": commune, "epci": epci, "organisation": organisation, "agent": agent,
            "ours": ours, "theirs": theirs}


def test_each_authority_numbers_its_own_conventions(two):
    assert [c.reference for c in two["ours"]] == ["CONV-2026-0001", "CONV-2026-0002"]
    assert two["theirs"].reference == "CONV-LA-2026-0001"
    again = make_convention(authority=two["epci"], organisation=two["organisation"],
                            start=dt.date(2027, 1, 1), end=dt.date(2027, 12, 31),
                            amounts=(Decimal("12000"),))
    assert again.reference == "CONV-LA-2027-0001"
    # Past 9 999 the numbers go on (not back to « …-9999 » + 1 read in text order).
    type(again).objects.filter(pk=again.pk).update(reference="CONV-LA-2027-9999")
    for expected in ("CONV-LA-2027-10000", "CONV-LA-2027-10001"):
        assert make_convention(authority=two["epci"], organisation=two["organisation"],
                               start=dt.date(2027, 1, 1), end=dt.date(2027, 12, 31),
                               amounts=(Decimal("12000"),)).reference == expected


def test_a_second_authority_without_code_or_a_code_taken_is_refused(two):
    third = Authority(name="Ville de Quéven", kind=AuthorityKind.COMMUNE, siret=demo_siret(9103))
    with pytest.raises(ValidationError) as refused:
        third.full_clean()
    assert "numérote déjà ses conventions sans code" in str(refused.value.message_dict)
    third.reference_code = "LA"
    with pytest.raises(ValidationError) as taken:
        third.full_clean()
    assert "utilise déjà ce code" in str(taken.value)
    third.reference_code = "queven"
    with pytest.raises(ValidationError) as lower:
        third.full_clean()
    assert "lettres majuscules" in str(lower.value.message_dict["reference_code"])
    third.reference_code = "QV"
    third.full_clean()


def test_each_document_carries_the_identity_of_its_own_authority(two):
    for convention, own, other in [(two["ours"][0], two["commune"], two["epci"]),
                                   (two["theirs"], two["epci"], two["commune"])]:
        html = document_html(document_request(convention=convention,
                                              kind=DocumentKind.CONVENTION))
        for fact in _identity(own):
            assert fact in html, (convention.reference, fact)
        for fact in _identity(other):
            assert fact not in html, (convention.reference, fact)
        assert convention.reference in html


def test_the_pages_show_each_convention_with_its_own_authority(client, two):
    client.force_login(two["agent"])
    for convention, own, other in [(two["ours"][0], two["commune"], two["epci"]),
                                   (two["theirs"], two["epci"], two["commune"])]:
        page = client.get(reverse("conventions:convention-detail", args=[convention.pk]))
        assert page.status_code == 200
        main = page.content.decode().split("<main", 1)[1].split("</main>", 1)[0]
        assert own.name in main and other.name not in main
    listing = client.get(reverse("conventions:convention-list")).content.decode()
    assert '<th scope="col">Collectivité</th>' in listing
    for convention in [*two["ours"], two["theirs"]]:
        row = listing.split(convention.reference, 1)[1].split("</tr>", 1)[0]
        assert convention.authority.name in row
    # The list and the API filter by authority.
    epci_only = client.get(reverse("conventions:convention-list"),
                           {"authority": two["epci"].pk}).content.decode()
    assert two["theirs"].reference in epci_only
    assert all(f">{c.reference}<" not in epci_only for c in two["ours"])
    api = client.get("/api/v1/conventions/", {"authority": two["commune"].pk}).json()
    rows = api["results"] if isinstance(api, dict) else api
    assert sorted(row["reference"] for row in rows) == sorted(c.reference for c in two["ours"])
    assert client.get("/api/v1/conventions/", {"authority": "x"}).status_code == 400


def _rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def test_payments_to_order_are_exported_per_authority(client, two):
    client.force_login(two["agent"])
    url = reverse("conventions:payments-due-export", args=["csv"])
    every = _rows(client.get(url))
    assert {(row["Convention"], row["Collectivité"]) for row in every} == {
        (c.reference, c.authority.name) for c in [*two["ours"], two["theirs"]]}
    for authority, conventions in [(two["commune"], two["ours"]), (two["epci"], [two["theirs"]])]:
        response = client.get(url, {"collectivite": authority.pk})
        own = _rows(response)
        assert own and {row["Convention"] for row in own} == {c.reference for c in conventions}
        assert {row["Collectivité"] for row in own} == {authority.name}
        assert authority.name.split()[-1].lower() in response["Content-Disposition"].lower() or (
            authority.reference_code.lower() in response["Content-Disposition"])
    assert client.get(url, {"collectivite": 999999}).status_code == 404

    calendar = client.get(reverse("conventions:calendar"),
                          {"collectivite": two["epci"].pk}).content.decode()
    assert two["theirs"].reference in calendar
    assert all(c.reference not in calendar for c in two["ours"])
    assert "Versements à mandater de Lorient Agglomération (CSV)" in calendar
    everything = client.get(reverse("conventions:calendar")).content.decode()
    assert "choisissez-en une avant d'exporter" in everything


def test_open_data_of_each_authority_holds_its_own_conventions_only(client, two):
    client.force_login(two["agent"])
    listing = client.get(reverse("conventions:convention-list")).content.decode()
    for authority, conventions in [(two["commune"], two["ours"]), (two["epci"], [two["theirs"]])]:
        rows = list(csv.DictReader(io.StringIO(scdl_csv(year=2026, authority=authority)),
                                   delimiter=","))
        assert {(row["nomAttribuant"], row["idAttribuant"]) for row in rows} == {
            (authority.name, authority.siret)}
        assert len(rows) == len(conventions)
        # The list offers each authority's file; the page serves it.
        assert f"Données ouvertes (SCDL) de {authority.name}" in listing
        page = client.get(reverse("conventions:scdl-export"),
                          {"annee": 2026, "collectivite": authority.pk})
        published = list(csv.DictReader(io.StringIO(page.content.decode("utf-8-sig"))))
        assert {row["idAttribuant"] for row in published} == {authority.siret}
        assert len(published) == len(conventions)
        api = client.get("/api/v1/conventions/scdl/", {"year": 2026, "authority": authority.pk})
        assert api.status_code == 200
        assert api.content.decode("utf-8-sig") == page.content.decode("utf-8-sig")
    refused = client.get("/api/v1/conventions/scdl/", {"year": 2026, "authority": 999999})
    assert refused.status_code == 400 and "sous cet identifiant" in str(refused.json())


def test_a_volunteering_attestation_is_addressed_to_the_authority_funding_the_project(two):
    organisation = two["organisation"]
    for convention in (two["ours"][0], two["theirs"]):
        attestation = VolunteerAttestation.objects.create(
            organisation=organisation, year=2026, project_reference=convention.reference)
        assert attestation_context(attestation)["authority"] == convention.authority
    # The whole year of an organisation both fund: the site's authority; of one funded by
    # the intercommunalité alone: the intercommunalité.
    whole_year = VolunteerAttestation.objects.create(organisation=organisation, year=2026)
    assert attestation_context(whole_year)["authority"] == two["commune"]
    alone = OrganisationFactory(name="Repair Café du Ter")
    make_convention(authority=two["epci"], organisation=alone, agent=two["agent"])
    only_epci = VolunteerAttestation.objects.create(organisation=alone, year=2026)
    assert attestation_context(only_epci)["authority"] == two["epci"]


def test_calls_and_funds_name_the_authority_that_funds_them(client, two):
    from tests.funds.factories import CallFactory, FundFactory

    fund = FundFactory(authority=two["epci"], name="Fonds territorial de réemploi")
    call = CallFactory(fund=fund, title="Appel réemploi 2026")
    public = client.get(reverse("funds:call-detail", args=[call.pk])).content.decode()
    main = public.split("<main", 1)[1].split("</main>", 1)[0]
    assert "Fonds territorial de réemploi — Lorient Agglomération" in main
    assert "Ville de Lanester" not in main
    client.force_login(two["agent"])
    page = client.get(reverse("funds:fund-detail", args=[fund.pk])).content.decode()
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    assert "<dt>Collectivité</dt><dd>Lorient Agglomération</dd>" in main
