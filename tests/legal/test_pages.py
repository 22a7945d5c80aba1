"""The four pages every deployment publishes: default French text from the authority's
profile, edited by the administrator, linked from every page."""

import datetime as dt
import html

import pytest
from django.urls import reverse

from backoffice.core.models import AuditEvent
from backoffice.legal.models import Compliance, LegalPage, PageKind
from tests.factories import AuthorityFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGES = {
    "legal:accessibility": ["Déclaration d'accessibilité", "article 47 de la loi n° 2005-102",
                            "RGAA", "Défenseur des droits", "Libre réponse 71120"],
    "legal:accessibility-scheme": ["Schéma pluriannuel", "Plan d'actions"],
    "legal:legal-notice": ["Mentions légales", "Directeur de la publication", "Hébergeur",
                           "6-III de la loi n° 2004-575"],
    "legal:personal-data": ["Responsable du traitement", "Délégué à la protection des données",
                            "Durées de conservation", "61 jours", "CNIL"],
}


@pytest.fixture
def authority():
    return AuthorityFactory(name="Ville de Lorient", address="2 boulevard Leclerc",
                            postcode="56100", city="Lorient", email="contact@lorient.example",
                            signatory_name="Fabrice Loher", signatory_title="Maire")


@pytest.mark.parametrize("url_name", PAGES)
def test_each_page_has_its_default_french_text(client, authority, url_name):
    page = client.get(reverse(url_name))
    assert page.status_code == 200
    text = html.unescape(page.content.decode())
    for expected in PAGES[url_name]:
        assert expected in text, expected
    assert "Ville de Lorient" in text


def test_legal_notice_names_the_publisher_director_and_host(client, authority, settings):
    settings.LEGAL_HOST_NAME = "Hébergeur public"
    settings.LEGAL_HOST_ADDRESS = "1 rue du Centre, 75000 Paris"
    text = client.get(reverse("legal:legal-notice")).content.decode()
    assert "Fabrice Loher, Maire" in text and "2 boulevard Leclerc, 56100 Lorient" in text
    assert "Hébergeur public" in text and "À compléter" not in text


def test_retention_durations_are_written_the_french_way(client, authority):
    text = html.unescape(client.get(reverse("legal:personal-data")).content.decode())
    text = text.replace("\u202f", " ").replace("\u00a0", " ")
    assert "1 095 jours" in text and "730 jours" in text and "1095" not in text


def test_a_missing_host_is_shown_as_to_complete(client, authority, settings):
    settings.LEGAL_HOST_NAME = ""
    assert "À compléter" in client.get(reverse("legal:legal-notice")).content.decode()


def test_without_audit_the_service_is_declared_non_compliant(client, authority):
    text = client.get(reverse("legal:accessibility")).content.decode()
    assert "<strong>non conforme</strong>" in text and "aucun audit" in text


def test_an_audited_statement_shows_its_level_date_and_rate(client, authority):
    LegalPage.objects.create(authority=authority, kind=PageKind.ACCESSIBILITY,
                             compliance=Compliance.PARTIAL, compliance_rate="78.5",
                             audit_date=dt.date(2026, 10, 2), audit_by="Cabinet Accès",
                             non_compliant="Graphiques du tableau de bord sans légende longue")
    text = html.unescape(client.get(reverse("legal:accessibility")).content.decode())
    assert "<strong>partiellement conforme</strong>" in text
    assert "2 octobre 2026" in text and "78,50 %" in text and "Cabinet Accès" in text
    assert "Graphiques du tableau de bord sans légende longue" in text
    home = client.get(reverse("core:home")).content.decode()
    assert "Accessibilité : partiellement conforme" in home


@pytest.mark.parametrize("url", ["/", "/compte/connexion/", "/inscription/",
                                 "/accessibilite/", "/fonds/"])
def test_the_four_pages_are_linked_from_every_page(client, authority, url):
    text = client.get(url).content.decode()
    for name in ("legal:accessibility", "legal:legal-notice", "legal:personal-data",
                 "legal:accessibility-scheme"):
        assert f'href="{reverse(name)}"' in text, (url, name)


def test_home_page_states_the_compliance_level(client, authority):
    assert "Accessibilité : non conforme" in client.get("/").content.decode()


def test_the_administrator_edits_a_page_in_the_admin_escaped_and_audited(client, authority):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post(reverse("admin:legal_legalpage_add"), {
        "authority": authority.pk, "kind": PageKind.LEGAL_NOTICE,
        "body": "## Éditeur\nVille de Lorient\n\n- <script>alert(1)</script>\n- Un autre point",
        "compliance": Compliance.NONE, "scheme_years": "", "annual_plan": "",
        "non_compliant": "", "audit_by": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    text = client.get(reverse("legal:legal-notice")).content.decode()
    assert "<h2>Éditeur</h2>" in text and "<li>Un autre point</li>" in text
    assert "<script>alert(1)</script>" not in text and "&lt;script&gt;" in text
    page = LegalPage.objects.get(kind=PageKind.LEGAL_NOTICE)
    assert page.updated_by == admin and page.history.count() == 1
    assert AuditEvent.objects.filter(event="legal_page_updated").exists()


def test_with_several_authorities_the_site_authority_setting_decides(client, settings):
    AuthorityFactory(name="Lorient Agglomération")
    second = AuthorityFactory(name="Ville de Quéven")
    settings.SITE_AUTHORITY_ID = second.pk
    text = client.get(reverse("legal:legal-notice")).content.decode()
    assert "Ville de Quéven" in text and "Lorient Agglomération" not in text
