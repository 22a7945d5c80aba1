import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from backoffice.core.roles import Role
from conventions.models import LineKind, Payment
from tests.factories import OrganisationFactory, member_of, staff_user

from .factories import BALANCED_REPORT, make_convention

pytestmark = pytest.mark.django_db


@pytest.fixture
def convention(authority, organisation, agent):
    return make_convention(authority=authority, organisation=organisation, agent=agent,
                           confirmed=True)


def test_list_constant_queries_and_filters(client, agent, authority,
                                           django_assert_max_num_queries):
    for _ in range(3):
        make_convention(authority=authority, agent=agent, confirmed=True)
    client.force_login(agent)
    url = reverse("conventions:convention-list")
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200
    for _ in range(5):
        make_convention(authority=authority, agent=agent)
    with django_assert_max_num_queries(12):
        response = client.get(url + "?status=active&year=2026&late=on&report_overdue=on")
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 0
    response = client.get(url + "?status=active")
    assert response.context["page"].paginator.count == 3


def test_late_filter_finds_a_late_advance(client, agent, convention, time_machine):
    time_machine.move_to(dt.datetime(2026, 6, 1, 12))
    client.force_login(agent)
    response = client.get(reverse("conventions:convention-list") + "?late=on")
    assert [c.pk for c in response.context["page"].object_list] == [convention.pk]
    calendar = client.get(reverse("conventions:calendar"))
    assert calendar.status_code == 200
    assert [line.kind for line in calendar.context["buckets"]["late"]["lines"]] == [LineKind.ADVANCE]


def test_member_of_other_organisation_gets_404(client, convention):
    stranger = member_of(OrganisationFactory())
    client.force_login(stranger)
    assert client.get(reverse("conventions:convention-detail", args=[convention.pk])).status_code == 404
    report = convention.years.get(year=2026).report
    assert client.get(reverse("conventions:report", args=[report.pk])).status_code == 404
    assert client.get(f"/api/v1/conventions/{convention.pk}/").status_code == 404
    assert client.get(f"/api/v1/financial-reports/{report.pk}/").status_code == 404
    assert client.get("/api/v1/conventions/").json()["count"] == 0
    assert client.get(reverse("conventions:convention-list")).status_code == 403


def test_member_sees_own_convention_but_cannot_act(client, convention, member):
    client.force_login(member)
    response = client.get(reverse("conventions:convention-detail", args=[convention.pk]))
    assert response.status_code == 200
    assert not response.context["agent"]
    line = convention.years.get(year=2026).lines.get(kind=LineKind.ADVANCE)
    response = client.post(reverse("conventions:convention-action", args=[convention.pk, "order"]),
                           {"line": line.pk, "ordered_on": "2026-02-01", "mandate_reference": "X"})
    assert response.status_code == 403
    assert not Payment.objects.exists()
    space = client.get(reverse("core:space"))
    assert convention.reference in space.content.decode()


def test_create_form_bad_input_is_french_and_saves_nothing(client, agent, organisation, authority):
    client.force_login(agent)
    response = client.post(reverse("conventions:convention-create"), {
        "organisation": organisation.pk, "object": "Objet", "nature": "fonctionnement",
        "imputation": "6574", "start_date": "2026-01-01", "end_date": "2027-12-31",
        "yearly_amounts": "30 000", "advance_rate": "50", "keep_rule_rate": "10",
        "keep_rule_text": "x", "conditions_of_use": "x", "evaluation_terms": "x",
        "volunteering_planned": "0"})
    assert response.status_code == 400
    assert "chacune des 2 années" in response.content.decode()
    response = client.post(reverse("conventions:convention-create"), {
        "organisation": organisation.pk, "object": "Objet", "nature": "fonctionnement",
        "imputation": "6574", "start_date": "2026-01-01", "end_date": "2027-12-31",
        "yearly_amounts": "30 000 ; 31 000,50", "advance_rate": "40", "keep_rule_rate": "10",
        "keep_rule_text": "x", "conditions_of_use": "x", "evaluation_terms": "x",
        "cofinancing": "Région ; 10 000 ; obtenu", "volunteering_planned": "1200"})
    assert response.status_code == 302
    from conventions.models import Convention

    convention = Convention.objects.get()
    assert convention.advance_rate == Decimal("0.4000")
    assert convention.cofinancing == [{"funder": "Région", "amount": "10000.00",
                                       "status": "obtained"}]
    assert [y.planned_amount for y in convention.years.order_by("year")] == [
        Decimal("30000.00"), Decimal("31000.50")]


def test_payment_on_unconfirmed_year_is_refused_in_page(client, agent, authority, organisation):
    convention = make_convention(authority=authority, organisation=organisation, agent=agent,
                                 signed=True)
    line = convention.years.get(year=2026).lines.first()
    client.force_login(agent)
    response = client.post(reverse("conventions:convention-action", args=[convention.pk, "order"]),
                           {"line": line.pk, "ordered_on": "2026-02-01",
                            "mandate_reference": "M-1"})
    assert response.status_code == 400
    assert "non confirmée" in response.content.decode()
    assert not Payment.objects.exists()


def test_report_upload_refuses_non_pdf_and_saves_nothing(client, convention, member):
    report = convention.years.get(year=2026).report
    client.force_login(member)
    data = {"subsidy_used": "30000", "qualitative_report": "Bilan", "amount_60": "20000",
            "amount_64": "10000", "amount_74_authority": "30000",
            "attachment": SimpleUploadedFile("bilan.pdf", b"MZ\x90\x00 not a pdf",
                                             content_type="application/pdf")}
    response = client.post(reverse("conventions:report", args=[report.pk]), data)
    assert response.status_code == 400
    assert "Type de fichier refusé" in response.content.decode()
    report.refresh_from_db()
    assert report.status == "expected" and not report.attachments.exists()


def test_schedule_edit_page_refuses_wrong_sum(client, agent, authority, organisation):
    convention = make_convention(authority=authority, organisation=organisation, agent=agent)
    year = convention.years.get(year=2026)
    client.force_login(agent)
    url = reverse("conventions:schedule-edit", args=[convention.pk, year.pk])
    assert client.get(url).status_code == 200
    data = {"form-TOTAL_FORMS": "2", "form-INITIAL_FORMS": "0",
            "form-0-kind": "advance", "form-0-planned_date": "2026-03-31", "form-0-amount": "100",
            "form-1-kind": "balance", "form-1-planned_date": "2026-09-30", "form-1-amount": "100"}
    response = client.post(url, data)
    assert response.status_code == 400
    assert "somme doit être exacte" in response.content.decode()
    data["form-1-amount"] = "29900"
    assert client.post(url, data).status_code == 302
    assert [line.amount for line in year.lines.order_by("position")] == [
        Decimal("100.00"), Decimal("29900.00")]


def test_exports(client, agent, convention):
    client.force_login(agent)
    csv = client.get(reverse("conventions:payments-due-export", args=["csv"]))
    assert csv.status_code == 200
    text = csv.content.decode("utf-8-sig")
    assert text.startswith("Bénéficiaire;SIRET;IBAN;Montant") and convention.organisation.siret in text
    assert ";15000,00;" in text
    xlsx = client.get(reverse("conventions:payments-due-export", args=["xlsx"]))
    assert xlsx.content[:2] == b"PK"
    assert client.get(reverse("conventions:payments-due-export", args=["pdf"])).status_code == 404
    scdl = client.get(reverse("conventions:scdl-export") + "?annee=2026")
    assert convention.organisation.name in scdl.content.decode()


def test_payments_due_export_costs_the_same_queries_for_more_lines(
        client, agent, authority, convention, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(agent)
    url = reverse("conventions:payments-due-export", args=["csv"])
    with CaptureQueriesContext(connection) as few:
        rows_few = client.get(url).content.decode().count("\n")
    for _ in range(5):
        make_convention(authority=authority, organisation=OrganisationFactory(), agent=agent,
                        confirmed=True)
    with django_assert_max_num_queries(len(few.captured_queries)):
        rows_many = client.get(url).content.decode().count("\n")
    assert rows_many > rows_few


def test_instructor_can_view_but_not_pay(client, convention):
    instructor = staff_user(Role.INSTRUCTOR)
    client.force_login(instructor)
    assert client.get(reverse("conventions:convention-detail", args=[convention.pk])).status_code == 200
    line = convention.years.get(year=2026).lines.first()
    response = client.post(f"/api/v1/conventions/{convention.pk}/payments/",
                           {"line": line.pk, "paid_on": "2026-02-01", "mandate_reference": "M"})
    assert response.status_code == 403


def test_api_bad_inputs_are_400_in_french(client, agent, convention, member, time_machine):
    # After the end of the 2026 financial year, when its report may be filed.
    time_machine.move_to(dt.datetime(2027, 1, 15, 10), tick=False)
    client.force_login(agent)
    line = convention.years.get(year=2026).lines.get(kind=LineKind.ADVANCE)
    r = client.post(f"/api/v1/conventions/{convention.pk}/payments/",
                    {"line": line.pk, "paid_on": "2026-02-01", "mandate_reference": "M"},
                    content_type="application/json")
    assert r.status_code == 201
    r = client.post(f"/api/v1/conventions/{convention.pk}/amendments/",
                    {"reason": "Baisse", "new_amounts": {"2026": "100"}},
                    content_type="application/json")
    assert r.status_code == 400
    assert "déjà mandatés" in str(r.json())
    report = convention.years.get(year=2026).report
    client.force_login(member)
    r = client.post(f"/api/v1/financial-reports/{report.pk}/submit/",
                    {"budget_lines": [{"account": "60", "amount": "10"}], "subsidy_used": "1",
                     "qualitative_report": "x"}, content_type="application/json")
    assert r.status_code == 400
    assert "équilibré" in str(r.json())
    r = client.post(f"/api/v1/financial-reports/{report.pk}/submit/",
                    {"budget_lines": BALANCED_REPORT, "subsidy_used": "30000",
                     "qualitative_report": "Bilan"}, content_type="application/json")
    assert r.status_code == 200
    r = client.post(f"/api/v1/financial-reports/{report.pk}/review/", {"approve": True},
                    content_type="application/json")
    assert r.status_code == 403
    client.force_login(agent)
    r = client.post(f"/api/v1/financial-reports/{report.pk}/review/", {"approve": True},
                    content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "approved"
    r = client.post(f"/api/v1/financial-reports/{report.pk}/submit/",
                    {"budget_lines": BALANCED_REPORT, "subsidy_used": "1",
                     "qualitative_report": "x"}, content_type="application/json")
    assert r.status_code == 403
    client.force_login(member)
    r = client.post(f"/api/v1/financial-reports/{report.pk}/submit/",
                    {"budget_lines": BALANCED_REPORT, "subsidy_used": "1",
                     "qualitative_report": "x"}, content_type="application/json")
    assert r.status_code == 400 and "ne peut plus être modifié" in str(r.json())
    assert client.get("/api/v1/conventions/scdl/?year=2026").status_code == 403


def test_api_list_constant_queries(client, agent, authority, django_assert_max_num_queries):
    for _ in range(4):
        make_convention(authority=authority, agent=agent, confirmed=True)
    client.force_login(agent)
    with django_assert_max_num_queries(6):
        r = client.get("/api/v1/conventions/")
    assert r.json()["count"] == 4


def test_calendar_constant_queries(client, agent, authority, time_machine,
                                   django_assert_max_num_queries):
    time_machine.move_to(dt.datetime(2026, 6, 1, 12))
    make_convention(authority=authority, agent=agent, confirmed=True)
    client.force_login(agent)
    with django_assert_max_num_queries(14) as small:
        client.get(reverse("conventions:calendar"))
    for _ in range(4):
        make_convention(authority=authority, agent=agent, confirmed=True)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("conventions:calendar"))
    assert response.context["buckets"]["late"]["count"] == 5


def test_documents_of_another_organisation_are_404(client, authority, agent,
                                                   django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        convention = make_convention(authority=authority, agent=agent, signed=True)
    document = convention.documents.get()
    client.force_login(member_of(OrganisationFactory()))
    assert client.get(reverse("conventions:document-download",
                              args=[document.pk])).status_code == 404
    assert client.get(f"/api/v1/conventions/{convention.pk}/document/").status_code == 404
    client.force_login(agent)
    response = client.get(f"/api/v1/conventions/{convention.pk}/document/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_signing_a_draft_is_refused(client, agent, authority, organisation):
    from conventions.models import ConventionStatus

    convention = make_convention(authority=authority, organisation=organisation, agent=agent)
    client.force_login(agent)
    response = client.post(reverse("conventions:convention-action", args=[convention.pk, "sign"]),
                           {"signed_on": "2026-01-10", "authority_signatory": "A",
                            "organisation_signatory": "B"})
    assert response.status_code == 400
    assert "Passage impossible" in response.content.decode()
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.DRAFT and convention.signed_on is None
