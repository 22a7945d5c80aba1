"""The scorecard of each authority sharing a deployment: the page, its export, its PDF and the
API read one authority's figures (``?collectivite=`` on pages, ``authority`` in the API), by
default the site's, and the whole deployment's with "toutes"."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from rest_framework.test import APIClient

from backoffice.core.models import AuthorityKind
from conventions.models import LineKind
from dashboard import presenters, selectors
from dashboard.models import ScorecardDocument, ScorecardStatus
from tests.factories import AuthorityFactory
from tests.funds.factories import CallFactory, FundFactory

from . import factories as f
from . import oracle

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="the scorecard is read from rollups kept by PostgreSQL"),
]
TODAY = dt.date(2026, 11, 22)
URL = "/tableau-de-bord/engagements/"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 11, 22, 10, 0), tick=False):
        yield


@pytest.fixture
def two(settings):
    """A commune and its intercommunalité, each with a fund, a convention paid once and an
    award; no SITE_AUTHORITY_ID: the site is the whole deployment's."""
    settings.SITE_AUTHORITY_ID = None
    commune = AuthorityFactory(name="Ville de Lanester", kind=AuthorityKind.COMMUNE)
    epci = AuthorityFactory(name="Lorient Agglomération", kind=AuthorityKind.EPCI,
                            reference_code="LA")
    for authority, amount, envelope, awarded, paid_on in (
            (commune, "20000", "100000", "4000", dt.date(2026, 3, 10)),  # day 59: on time
            (epci, "50000", "400000", "9000", dt.date(2026, 6, 1))):     # day 142: late
        tranche = f.convention(authority=authority, years={2026: (amount, None)}).years.get()
        f.pay(f.line(tranche, kind=LineKind.ADVANCE, trigger=dt.date(2026, 1, 10)),
              paid_on=paid_on)
        fund = FundFactory(authority=authority, year_start=2026, year_end=2026,
                           envelope=Decimal(envelope))
        f.award(f.application(call=CallFactory(fund=fund)), amount=awarded)
    return {"commune": commune, "epci": epci}


def money(value: str) -> str:
    return presenters.display("money", Decimal(value))


def main(response) -> str:
    assert response.status_code == 200
    return response.content.decode().split("<main", 1)[1].split("</main>", 1)[0]


def test_each_authority_has_its_own_figures_and_they_add_up(two):
    whole = selectors.scorecard_year(year=2026, today=TODAY)
    assert whole == oracle.scorecard_year(year=2026, today=TODAY)
    assert (whole["funding_total"], whole["paid_count"], whole["on_time_count"],
            whole["envelope"], whole["awards_count"]) == (
        Decimal("70000.00"), 2, 1, Decimal("500000.00"), 2)
    for key, expected in (("commune", ("20000.00", 1, 1, "100000.00")),
                          ("epci", ("50000.00", 1, 0, "400000.00"))):
        own = selectors.scorecard_year(year=2026, today=TODAY, authority=two[key])
        assert own == oracle.scorecard_year(year=2026, today=TODAY, authority=two[key])
        assert (own["funding_total"], own["paid_count"], own["on_time_count"],
                own["envelope"], own["awards_count"]) == (
            Decimal(expected[0]), expected[1], expected[2], Decimal(expected[3]), 1)
    assert selectors.scorecard_authorities() == [two["epci"], two["commune"]]


def test_the_page_shows_the_chosen_authority_only(client, agent, two):
    client.force_login(agent)
    everything = main(client.get(URL, {"annee": 2026}))
    assert money("500000") in everything and money("13000") in everything
    assert '<nav aria-label="Collectivité"' in everything
    assert 'collectivite=toutes" aria-current="page">toutes</a>' in everything

    page = main(client.get(URL, {"annee": 2026, "collectivite": two["commune"].pk}))
    assert money("100000") in page and money("4000") in page
    assert money("500000") not in page and money("13000") not in page
    assert money("400000") not in page and money("9000") not in page
    assert "Engagements du Pacte 2026 — Ville de Lanester</h1>" in page
    assert (f'collectivite={two["commune"].pk}" aria-current="page">Ville de Lanester</a>'
            in page)
    assert 'collectivite=toutes">toutes</a>' in page
    # The year form, the downloads and the PDF request keep the authority.
    assert f'name="collectivite" value="{two["commune"].pk}"' in page
    assert f'export.csv?annee=2026&amp;collectivite={two["commune"].pk}"' in page
    assert f"authority={two['commune'].pk}" in page

    theirs = main(client.get(URL, {"annee": 2026, "collectivite": two["epci"].pk}))
    assert money("400000") in theirs and money("100000") not in theirs
    assert client.get(URL, {"collectivite": 999999}).status_code == 404
    for wrong in ("lorient", "²", "9" * 30, "-1"):
        assert client.get(URL, {"collectivite": wrong}).status_code == 404


def test_the_site_authority_is_the_default(client, agent, two, settings):
    settings.SITE_AUTHORITY_ID = two["epci"].pk
    client.force_login(agent)
    page = main(client.get(URL, {"annee": 2026}))
    assert money("400000") in page and money("500000") not in page
    assert 'aria-current="page">Lorient Agglomération</a>' in page
    everything = main(client.get(URL, {"annee": 2026, "collectivite": "toutes"}))
    assert money("500000") in everything
    assert 'value="toutes"' in everything


def test_a_single_authority_sees_no_choice(client, agent):
    FundFactory(year_start=2026, year_end=2026, envelope=Decimal("123000"))
    client.force_login(agent)
    page = main(client.get(URL, {"annee": 2026}))
    assert '<nav aria-label="Collectivité"' not in page and money("123000") in page
    assert "Engagements du Pacte 2026</h1>" in page


def test_export_of_one_authority(client, agent, two):
    client.force_login(agent)
    response = client.get(URL + "export.csv", {"annee": 2026, "collectivite": two["epci"].pk})
    assert 'filename="engagements-pacte-2026-la.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    by_label = {row[1]: row[2] for row in rows[1:]}
    label = next(line["indicator"].label for line in presenters.scorecard_lines(
        [selectors.scorecard_year(year=2026, today=TODAY)]) if line["indicator"].key
        == "envelope")
    assert by_label[str(label)] == money("400000")
    every = client.get(URL + "export.csv", {"annee": 2026})
    assert 'filename="engagements-pacte-2026.csv"' in every["Content-Disposition"]
    assert money("500000") in every.content.decode("utf-8-sig")
    assert client.get(URL + "export.csv", {"collectivite": 999999}).status_code == 404


def test_api_reads_one_authority_or_all(agent, two, settings):
    api = APIClient()
    api.force_authenticate(agent)

    def total(body):
        return next(i for i in body["indicators"] if i["key"] == "envelope")[
            "values"]["2026"]

    body = api.get("/api/v1/scorecard/", {"year": 2026, "authority": two["commune"].pk}).json()
    assert body["authority"] == {"id": two["commune"].pk, "name": "Ville de Lanester"}
    assert total(body) == "100000.00"
    whole = api.get("/api/v1/scorecard/", {"year": 2026}).json()
    assert whole["authority"] is None and total(whole) == "500000.00"
    settings.SITE_AUTHORITY_ID = two["epci"].pk
    assert total(api.get("/api/v1/scorecard/", {"year": 2026}).json()) == "400000.00"
    assert total(api.get("/api/v1/scorecard/", {"year": 2026, "authority": "all"}).json()) \
        == "500000.00"
    for wrong in ("999999", "lorient", "9" * 30):
        refused = api.get("/api/v1/scorecard/", {"year": 2026, "authority": wrong})
        assert refused.status_code == 400
        assert "Aucune collectivité de ce service" in str(refused.json()["authority"])


def _pdf_text(client, document) -> str:
    from pypdf import PdfReader

    download = client.get(f"/tableau-de-bord/engagements/pdf/{document.pk}/telecharger/")
    content = b"".join(download.streaming_content)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())


def test_the_pdf_names_only_the_authority_it_covers(client, agent, two,
                                                    django_capture_on_commit_callbacks):
    client.force_login(agent)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/tableau-de-bord/engagements/pdf/",
                    {"annee": "2026", "collectivite": str(two["epci"].pk)})
    document = ScorecardDocument.objects.get()
    assert document.authority == two["epci"] and document.status == ScorecardStatus.READY
    text = _pdf_text(client, document)
    assert "Lorient Agglomération" in text and "Lanester" not in text
    assert "400 000" in text and "500 000" not in text
    page = main(client.get(URL, {"annee": 2026, "collectivite": two["epci"].pk}))
    assert f"/tableau-de-bord/engagements/pdf/{document.pk}/" in page
    assert f"/tableau-de-bord/engagements/pdf/{document.pk}/" not in main(
        client.get(URL, {"annee": 2026, "collectivite": two["commune"].pk}))

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/tableau-de-bord/engagements/pdf/", {"annee": "2026"})
    whole = ScorecardDocument.objects.exclude(pk=document.pk).get()
    assert whole.authority is None
    text = _pdf_text(client, whole)
    assert "Lorient Agglomération" in text and "Ville de Lanester" in text
    assert "500 000" in text
    refused = client.post("/tableau-de-bord/engagements/pdf/",
                          {"annee": "2026", "collectivite": "999999"})
    assert refused.status_code == 404 and ScorecardDocument.objects.count() == 2


def test_page_query_count_is_constant_per_authority(client, agent, two,
                                                    django_assert_max_num_queries):
    client.force_login(agent)
    for asked in ("", "toutes", two["commune"].pk):
        with django_assert_max_num_queries(22):
            client.get(URL, {"annee": 2026, "collectivite": asked})
    with django_assert_max_num_queries(5):
        selectors.scorecard(year=2026, today=TODAY, authority=two["commune"])


def test_the_lists_behind_an_authority_s_figures_are_its_own(client, agent, two):
    """« Voir la liste » of one authority's scorecard opens that authority's conventions and
    payment calendar (the lists that can be narrowed to one authority)."""
    client.force_login(agent)
    epci = two["epci"]
    page = client.get(URL, {"collectivite": epci.pk, "annee": 2026}).content.decode()
    assert f"/conventions/?year=2026&amp;authority={epci.pk}" in page
    assert f"/conventions/versements/?collectivite={epci.pk}" in page
    everything = client.get(URL, {"collectivite": "toutes", "annee": 2026}).content.decode()
    assert "/conventions/?year=2026&amp;authority=" not in everything
    assert "/conventions/?year=2026\"" in everything
