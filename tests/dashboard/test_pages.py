import datetime as dt
import io
import re

import pytest
import time_machine
from openpyxl import load_workbook
from rest_framework.test import APIClient

from backoffice.core.roles import Role
from conventions.models import LineKind
from dashboard.models import ScorecardDocument, ScorecardStatus
from tests.factories import staff_user

from . import factories as f

pytestmark = pytest.mark.django_db
PAGES = ["/tableau-de-bord/", "/tableau-de-bord/engagements/",
         "/tableau-de-bord/donnees/versements.csv", "/tableau-de-bord/engagements/export.csv"]


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 11, 22, 10, 0), tick=False):
        yield


@pytest.fixture
def data():
    year = f.convention(years={2026: ("20000", "20000")}).years.get()
    f.pay(f.line(year, kind=LineKind.ADVANCE, trigger=dt.date(2026, 1, 10)),
          paid_on=dt.date(2026, 3, 10))  # day 59
    f.pay(f.line(year, trigger=dt.date(2026, 4, 1)), paid_on=dt.date(2026, 6, 1))  # day 61
    return year


@pytest.mark.parametrize("url", PAGES)
def test_associations_never_see_the_dashboard(client, association_member, url):
    client.force_login(association_member)
    assert client.get(url).status_code == 404


def test_anonymous_is_sent_to_login(client):
    response = client.get("/tableau-de-bord/")
    assert response.status_code == 302 and "/compte/connexion/" in response["Location"]


@pytest.mark.parametrize("role", [Role.FINANCE_AGENT, Role.DECISION_MAKER, Role.INSTRUCTOR])
def test_staff_see_dashboard_and_scorecard(client, role, data):
    client.force_login(staff_user(role))
    page = client.get("/tableau-de-bord/?annee=2026")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "60 jours" in html
    assert "/conventions/?late=on" in html and "/conventions/?report_overdue=on" in html
    scorecard = client.get("/tableau-de-bord/engagements/?annee=2026").content.decode()
    assert "Part des versements payés sous 60 jours" in scorecard
    assert "<details><summary>" in scorecard
    assert "50,0\u00a0%" in scorecard  # one payment on day 59, one on day 61


def test_agent_home_links_to_the_dashboard(client, agent):
    client.force_login(agent)
    html = client.get("/agent/").content.decode()
    assert 'href="/tableau-de-bord/"' in html and 'href="/tableau-de-bord/engagements/"' in html


def test_bad_year_falls_back_with_a_french_message(client, agent):
    client.force_login(agent)
    response = client.get("/tableau-de-bord/?annee=deux-mille", follow=True)
    assert response.status_code == 200
    assert "Année invalide" in response.content.decode()
    response = client.get("/tableau-de-bord/engagements/?annee=1850")
    assert response.status_code == 200
    assert "entre 2000 et 2100" in response.content.decode()


def test_chart_table_downloads(client, agent, data):
    client.force_login(agent)
    csv = client.get("/tableau-de-bord/donnees/delais.csv?annee=2026")
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Délai;Nombre de versements")
    assert lines[4].startswith("46–60 j;1") and lines[5].startswith("61–90 j;1")
    xlsx = client.get("/tableau-de-bord/donnees/versements.xlsx?annee=2026")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[1]] == ["Mois", "Versé (€)", "Dû (€)"]
    assert client.get("/tableau-de-bord/donnees/inconnu.csv").status_code == 404
    export = client.get("/tableau-de-bord/engagements/export.xlsx?annee=2026")
    assert load_workbook(io.BytesIO(export.content)).active["A1"].value == "Engagement"


def test_pages_query_count_is_constant(client, agent, data, django_assert_max_num_queries):
    client.force_login(agent)
    with django_assert_max_num_queries(25):
        client.get("/tableau-de-bord/?annee=2026")
    with django_assert_max_num_queries(22):
        client.get("/tableau-de-bord/engagements/?annee=2026")


def test_api_scorecard_for_staff(agent, data):
    api = APIClient()
    api.force_authenticate(agent)
    body = api.get("/api/v1/scorecard/?year=2026").json()
    assert body["years"] == [2026, 2025, 2024]
    by_key = {i["key"]: i for i in body["indicators"]}
    assert by_key["on_time_share"]["values"]["2026"] == "0.5000"
    assert by_key["delay_median"]["values"]["2026"] == 60.0
    assert by_key["advance_share"]["values"]["2026"] == "1.0000"
    assert by_key["advance_median_day"]["values"]["2026"] == 69  # 10 March
    assert by_key["cofinanced_share"]["values"]["2026"] is None
    assert by_key["on_time_share"]["definition"]


def test_api_refuses_associations_and_bad_years(association_member, decision_maker):
    api = APIClient()
    assert api.get("/api/v1/scorecard/?year=2026").status_code in (401, 403)
    api.force_authenticate(association_member)
    assert api.get("/api/v1/scorecard/?year=2026").status_code == 403
    api.force_authenticate(decision_maker)
    response = api.get("/api/v1/scorecard/?year=abc")
    assert response.status_code == 400 and "year" in response.json()
    assert api.get("/api/v1/scorecard/?year=1800").status_code == 400
    assert api.get("/api/v1/scorecard/").status_code == 200


def test_printable_scorecard_is_rendered_after_commit(client, agent, data,
                                                      django_capture_on_commit_callbacks):
    from pypdf import PdfReader

    client.force_login(agent)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post("/tableau-de-bord/engagements/pdf/", {"annee": "2026"})
    assert len(callbacks) == 1
    document = ScorecardDocument.objects.get()
    assert response["Location"] == f"/tableau-de-bord/engagements/pdf/{document.pk}/"
    assert document.status == ScorecardStatus.READY and len(document.sha256) == 64
    download = client.get(f"/tableau-de-bord/engagements/pdf/{document.pk}/telecharger/")
    content = b"".join(download.streaming_content)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "Engagements de financement" in text and "60 jours" in text
    status = client.get(f"/tableau-de-bord/engagements/pdf/{document.pk}/",
                        headers={"HX-Request": "true"})
    assert "Télécharger le PDF" in status.content.decode()
    # The file gone from the storage: a French message, not a 500.
    document.file.storage.delete(document.file.name)
    gone = client.get(f"/tableau-de-bord/engagements/pdf/{document.pk}/telecharger/",
                      follow=True)
    assert gone.status_code == 200 and "introuvable" in gone.content.decode()


def test_pdf_request_refuses_bad_year_and_associations(client, agent, association_member):
    client.force_login(agent)
    client.post("/tableau-de-bord/engagements/pdf/", {"annee": "abc"})
    assert not ScorecardDocument.objects.exists()
    client.force_login(association_member)
    assert client.post("/tableau-de-bord/engagements/pdf/", {"annee": "2026"}).status_code == 404
    assert not ScorecardDocument.objects.exists()


def test_pdf_failure_is_recorded_then_retried(agent, monkeypatch):
    from dashboard import services

    document = ScorecardDocument.objects.create(year=2026, requested_by=agent)

    def broken(*args, **kwargs):
        raise OSError("disque plein")

    monkeypatch.setattr(services, "render_pdf", broken)
    services.scorecard_document_render(document_id=document.pk)
    document.refresh_from_db()
    assert document.status == ScorecardStatus.FAILED and "disque plein" in document.error
    assert not document.file
    monkeypatch.undo()
    services.scorecard_document_render(document_id=document.pk)
    document.refresh_from_db()
    assert document.status == ScorecardStatus.READY
    sha = document.sha256
    services.scorecard_document_render(document_id=document.pk)  # idempotent
    document.refresh_from_db()
    assert document.sha256 == sha


def test_without_the_rollup_triggers_the_scorecard_says_so(client, agent, data, monkeypatch):
    # SQLite (the demo) keeps no rollups: the pages say why, never show zeros.
    from dashboard.selectors import rollups

    monkeypatch.setattr(rollups, "available", lambda: False)
    client.force_login(agent)
    page = client.get("/tableau-de-bord/engagements/?annee=2026")
    html = page.content.decode()
    assert page.status_code == 200
    assert "calculés par la base PostgreSQL" in html
    assert "Part des versements payés sous 60 jours" not in html
    assert "Préparer le PDF" not in html
    export = client.get("/tableau-de-bord/engagements/export.csv?annee=2026", follow=True)
    assert "calculés par la base PostgreSQL" in export.content.decode()
    refused = client.post("/tableau-de-bord/engagements/pdf/", {"annee": "2026"}, follow=True)
    assert "calculés par la base PostgreSQL" in refused.content.decode()
    assert not ScorecardDocument.objects.exists()
    api = APIClient()
    api.force_authenticate(agent)
    response = api.get("/api/v1/scorecard/?year=2026")
    assert response.status_code == 503
    assert "PostgreSQL" in response.json()["detail"]
    assert client.get("/tableau-de-bord/?annee=2026").status_code == 200


def test_the_late_alert_says_it_counts_schedule_lines_not_paid_by_their_due_date(client, agent):
    year = f.convention(years={2026: ("20000", "20000")}).years.get()
    f.line(year, amount="3000", due_by=dt.date(2026, 9, 30))            # late, nothing ordered
    ordered = f.line(year, amount="2000", due_by=dt.date(2026, 10, 31))  # late, ordered only
    f.pay(ordered, status="ordered")
    f.pay(f.line(year, amount="1000", due_by=dt.date(2026, 8, 31)),     # paid: not counted
          paid_on=dt.date(2026, 8, 30))
    f.line(year, amount="500", due_by=dt.date(2026, 12, 15))            # not due yet
    client.force_login(agent)
    html = client.get("/tableau-de-bord/?annee=2026").content.decode()
    kpi = re.search(r'href="/conventions/\?late=on"><span class="value">(\d+)</span>'
                    r'<span class="label">([^<]*)</span>', html)
    assert kpi is not None
    assert kpi.group(1) == "2"
    assert kpi.group(2).replace("\u202f", " ").replace("\xa0", " ") == (
        "échéances non payées à date (5 000,00 €)")
    assert "versements en retard" not in html
