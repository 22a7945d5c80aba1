"""Pages: the full journey through the test client, bad input, scoping, query counts."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from backoffice.core.roles import Role
from funds.models import Application, ApplicationStatus, ApplicationVersion, Award
from tests.factories import OrganisationFactory, member_of, staff_user

from .factories import ApplicationFactory, CallFactory

pytestmark = pytest.mark.django_db


def _page_data(**overrides):
    data = {
        "title": "Jardin partagé de Kervénanec", "summary": "Un jardin cultivé par les habitants.",
        "place": "Lorient", "start_date": (timezone.localdate() + dt.timedelta(days=40)).isoformat(),
        "end_date": (timezone.localdate() + dt.timedelta(days=200)).isoformat(),
        "nature": "projet", "amount_requested": "3 000,00", "volunteer_hours": "120",
        "cer_accepted": "on",
        "c60": "3500", "c62": "500", "r75": "1000", "k864": "1440", "k870": "1440",
    }
    for key in ["f_etat", "f_region", "f_departement", "f_commune", "f_ue", "f_autre_public",
                "f_prive"]:
        data.setdefault(key, "")
        data.setdefault(key.replace("f_", "s_"), "requested")
    data.update(overrides)
    return data


def test_full_journey_applicant_instructor_decision(client, django_capture_on_commit_callbacks):
    call = CallFactory(questions=["Combien d'habitants participeront ?"])
    organisation = OrganisationFactory()
    applicant = member_of(organisation)
    client.force_login(applicant)
    assert call.title.encode() in client.get("/fonds/").content
    response = client.post(f"/fonds/appels/{call.pk}/deposer/",
                           {"organisation": organisation.pk, "title": "Jardin partagé"})
    application = Application.objects.get()
    assert response.status_code == 302 and response.url == f"/fonds/dossiers/{application.pk}/modifier/"
    page = client.get(response.url)
    assert page.status_code == 200 and "Parts de financement" in page.content.decode()
    # Live shares (htmx) save the draft as you type.
    live = client.post(f"/fonds/dossiers/{application.pk}/parts/",
                       _page_data(q_0="Une trentaine"), HTTP_HX_REQUEST="true")
    assert "Brouillon enregistré" in live.content.decode(), live.content.decode()[:1500]
    assert "75\u00a0%" not in live.content.decode()
    application.refresh_from_db()
    assert application.amount_requested == Decimal("3000.00")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/fonds/dossiers/{application.pk}/modifier/",
                               _page_data(q_0="Une trentaine", action="submit"))
    assert response.status_code == 302, response.content.decode()[:3000]
    # Double click: the second submit is harmless.
    again = client.post(f"/fonds/dossiers/{application.pk}/modifier/",
                        _page_data(q_0="Une trentaine", action="submit"))
    assert again.status_code == 302
    assert ApplicationVersion.objects.filter(application=application).count() == 1
    assert ApplicationVersion.objects.get().receipt
    assert client.get(f"/fonds/dossiers/{application.pk}/recepisse/1/").status_code == 200

    instructor = staff_user(Role.INSTRUCTOR)
    client.force_login(instructor)
    assert "Jardin partagé" in client.get(f"/fonds/gestion/appels/{call.pk}/dossiers/").content.decode()
    # Declaring it eligible with a check missing is refused and saves nothing of the review.
    response = client.post(f"/fonds/gestion/dossiers/{application.pk}/", {
        "action": "eligible", "check_object": "on", "estimated_cost": "4000",
        "proposed_amount": "1000", "opinion": "Trop tôt."})
    assert response.status_code == 400
    application.refresh_from_db()
    assert (application.proposed_amount, application.opinion) == (None, "")
    response = client.post(f"/fonds/gestion/dossiers/{application.pk}/", {
        "action": "eligible", "check_object": "on", "check_territory": "on",
        "check_general_interest": "on", "check_feasibility": "on",
        "estimated_cost": "4000", "proposed_amount": "2500", "opinion": "Favorable."})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ELIGIBLE

    decider = staff_user(Role.DECISION_MAKER)
    client.force_login(decider)
    response = client.post(f"/fonds/gestion/dossiers/{application.pk}/decision/", {
        "decision": "award", "amount": "2500", "nature": "projet",
        "deliberation_reference": "DEL-2026-042",
        "deliberation_date": timezone.localdate().isoformat(), "confirm": "on"})
    assert response.status_code == 302
    assert Award.objects.get().amount == Decimal("2500.00")

    client.force_login(applicant)
    detail = client.get(f"/fonds/dossiers/{application.pk}/").content.decode()
    assert "Subvention attribuée" in detail and "DEL-2026-042" in detail


def test_bad_input_on_the_page_gets_french_errors_and_saves_nothing(client, draft):
    client.force_login(draft.applicant)
    response = client.post(f"/fonds/dossiers/{draft.pk}/modifier/",
                           _page_data(c60="-10", amount_requested="abc", action="save"))
    assert response.status_code == 400
    body = response.content.decode()
    assert "ne peut pas être négatif" in body and "Saisissez un montant" in body
    draft.refresh_from_db()
    assert draft.title != "Jardin partagé de Kervénanec"


def test_submit_with_rule_violation_shows_the_explanation(client, draft):
    client.force_login(draft.applicant)
    response = client.post(f"/fonds/dossiers/{draft.pk}/modifier/", _page_data(
        amount_requested="9000", c60="9000", c62="0", r75="0", k864="0", k870="0",
        action="submit"))
    assert response.status_code == 400
    assert "ce fonds en finance au plus 80" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.DRAFT


def test_member_of_another_organisation_gets_404(client, draft):
    stranger = member_of(OrganisationFactory())
    client.force_login(stranger)
    for url in [f"/fonds/dossiers/{draft.pk}/", f"/fonds/dossiers/{draft.pk}/modifier/",
                f"/fonds/dossiers/{draft.pk}/versions/"]:
        assert client.get(url).status_code == 404, url
    assert client.post(f"/fonds/dossiers/{draft.pk}/parts/", _page_data()).status_code == 404


@pytest.mark.parametrize("role, url_name, expected", [
    (Role.APPLICANT, "queue", 403), (Role.FINANCE_AGENT, "queue", 200),
    (Role.INSTRUCTOR, "queue", 200), (Role.DECISION_MAKER, "queue", 200),
    (Role.APPLICANT, "calls", 403), (Role.INSTRUCTOR, "calls", 200),
    (Role.FINANCE_AGENT, "review_post", 403), (Role.DECISION_MAKER, "review_post", 403),
    (Role.INSTRUCTOR, "review_post", 400),
    (Role.INSTRUCTOR, "decide", 403), (Role.FINANCE_AGENT, "decide", 403),
    (Role.DECISION_MAKER, "decide", 400),
    (Role.INSTRUCTOR, "committee", 403), (Role.DECISION_MAKER, "committee", 200),
])
def test_permission_matrix_on_pages(client, role, url_name, expected):
    application = ApplicationFactory(submitted=True)
    call = application.call
    client.force_login(staff_user(role))
    if url_name == "queue":
        response = client.get(f"/fonds/gestion/appels/{call.pk}/dossiers/")
    elif url_name == "calls":
        response = client.get("/fonds/gestion/")
    elif url_name == "review_post":
        response = client.post(f"/fonds/gestion/dossiers/{application.pk}/",
                               {"action": "ineligible", "motivation": ""})
    elif url_name == "decide":
        response = client.post(f"/fonds/gestion/dossiers/{application.pk}/decision/",
                               {"decision": "award"})
    else:
        response = client.get(f"/fonds/gestion/appels/{call.pk}/comite/")
    assert response.status_code == expected


def test_list_pages_run_a_constant_number_of_queries(client, django_assert_max_num_queries):
    call = CallFactory()
    for _ in range(3):
        ApplicationFactory(call=call, submitted=True)
    client.force_login(staff_user(Role.INSTRUCTOR))
    with django_assert_max_num_queries(12) as few:
        client.get(f"/fonds/gestion/appels/{call.pk}/dossiers/")
    with django_assert_max_num_queries(12) as agent_few:
        client.get("/fonds/gestion/")
    for _ in range(20):
        ApplicationFactory(call=call, submitted=True)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(f"/fonds/gestion/appels/{call.pk}/dossiers/")
    with django_assert_max_num_queries(len(agent_few.captured_queries)):
        client.get("/fonds/gestion/")


def test_home_page_lists_open_calls_and_committee_batch(client):
    call = CallFactory(title="Fonds des initiatives du Scorff")
    assert "Fonds des initiatives du Scorff" in client.get("/").content.decode()
    a = ApplicationFactory(call=call, eligible=True)
    b = ApplicationFactory(call=call, eligible=True)
    client.force_login(staff_user(Role.DECISION_MAKER))
    response = client.post(f"/fonds/gestion/appels/{call.pk}/comite/", {
        "deliberation_reference": "CM-2026-07", "deliberation_date": timezone.localdate().isoformat(),
        "confirm": "on", f"d_{a.pk}": "award", f"a_{a.pk}": "3000", f"n_{a.pk}": "projet",
        f"d_{b.pk}": "reject", f"m_{b.pk}": "Projet hors du territoire."})
    assert response.status_code == 302
    assert Application.objects.get(pk=b.pk).status == ApplicationStatus.REJECTED
    assert Award.objects.get().deliberation_reference == "CM-2026-07"


def test_without_a_valuation_rate_the_applicant_types_the_volunteering(client, draft):
    from volunteering.models import ValuationRate

    ValuationRate.objects.all().delete()
    client.force_login(draft.applicant)
    body = client.get(f"/fonds/dossiers/{draft.pk}/modifier/").content.decode()
    assert "Aucun taux de valorisation du bénévolat" in body
    assert 'name="k864"' in body and 'name="k864" disabled' not in body


def test_with_a_valuation_rate_volunteering_is_hours_times_rate(client, draft):
    # The rates are the seeded SMIC data (12.02 € gross from 2026-01-01); the organisation's
    # method defaults to gross SMIC.
    from volunteering.selectors import valuation_rate

    with time_machine.travel(dt.date(2026, 11, 22)):
        rate = valuation_rate(organisation=draft.organisation, on=timezone.localdate())
        assert rate == Decimal("12.02")
        client.force_login(draft.applicant)
        client.post(f"/fonds/dossiers/{draft.pk}/parts/", _page_data(volunteer_hours="100"))
    lines = {line.account: line.amount for line in draft.budget_lines.all()}
    assert lines["864"] == lines["870"] == Decimal("1202.00")


def test_versions_page_shows_what_changed(client, draft):
    from funds import services

    instructor = staff_user(Role.INSTRUCTOR)
    services.application_submit(application=draft, user=draft.applicant)
    services.application_request_info(application=draft, user=instructor, message="Le lieu ?")
    services.application_update(application=draft, user=draft.applicant,
                                data={"place": "Quai de Rohan"})
    services.application_submit(application=draft, user=draft.applicant, answer="Précisé.")
    client.force_login(instructor)
    body = client.get(f"/fonds/dossiers/{draft.pk}/versions/").content.decode()
    assert "Quai de Rohan" in body and "Lieu" in body
    client.force_login(draft.applicant)
    body = client.get(f"/fonds/dossiers/{draft.pk}/").content.decode()
    assert "Le lieu ?" in body and "Précisé." in body


def test_agent_call_page_switches_phase_by_hand(client):
    call = CallFactory()
    client.force_login(staff_user(Role.FINANCE_AGENT))
    page = client.get(f"/fonds/gestion/appels/{call.pk}/").content.decode()
    assert "Passer à « Instruction »" in page
    client.post(f"/fonds/gestion/appels/{call.pk}/phase/", {"phase": "review"})
    call.refresh_from_db()
    assert call.phase == "review"
    response = client.post(f"/fonds/gestion/appels/{call.pk}/phase/", {"phase": "closed"})
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.phase == "review"


def test_individual_applies_to_a_participatory_call(client):
    call = CallFactory(participatory=True)
    person = member_of(OrganisationFactory())
    client.force_login(person)
    response = client.post(f"/fonds/appels/{call.pk}/deposer/",
                           {"organisation": "individual", "title": "Des bancs au Moustoir",
                            "applicant_age": "15"})
    assert response.status_code == 400 and "16 ans" in response.content.decode()
    response = client.post(f"/fonds/appels/{call.pk}/deposer/",
                           {"organisation": "individual", "title": "Des bancs au Moustoir",
                            "applicant_age": "17"})
    assert response.status_code == 302
    application = Application.objects.get()
    assert application.organisation is None and application.applicant == person
    assert "Mes dossiers" in client.get("/fonds/dossiers/").content.decode()


def test_seed_demo_is_idempotent_with_every_status():
    from django.core.management import call_command

    from funds.models import Call

    call_command("seed_demo")
    counts = (Call.objects.count(), Application.objects.count(), Award.objects.count())
    call_command("seed_demo")
    assert (Call.objects.count(), Application.objects.count(), Award.objects.count()) == counts
    assert set(Application.objects.values_list("status", flat=True)) == set(ApplicationStatus.values)
    assert {c.kind for c in Call.objects.filter(phase="open")} == {"initiatives"}
    assert Call.objects.filter(phase="vote", kind="participatory").exists()


def test_applicant_and_public_lists_run_a_constant_number_of_queries(
        client, django_assert_max_num_queries):
    organisation = OrganisationFactory()
    member = member_of(organisation)
    call = CallFactory()
    ApplicationFactory(call=call, organisation=organisation)
    client.force_login(member)
    with django_assert_max_num_queries(20) as before:
        assert client.get("/fonds/dossiers/").status_code == 200
    with django_assert_max_num_queries(20) as public_before:
        assert client.get("/fonds/").status_code == 200
    for _ in range(10):
        ApplicationFactory(call=CallFactory(), organisation=organisation)
    with django_assert_max_num_queries(len(before.captured_queries)):
        client.get("/fonds/dossiers/")
    with django_assert_max_num_queries(len(public_before.captured_queries)):
        client.get("/fonds/")


def test_missing_document_is_asked_and_uploaded_from_the_application(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from backoffice.core.pdf import html_to_pdf

    call = CallFactory(required_documents=["statutes"])
    application = ApplicationFactory(call=call)
    member = member_of(application.organisation)
    client.force_login(member)
    page = client.get(f"/fonds/dossiers/{application.pk}/modifier/").content.decode()
    assert "Documents à fournir" in page and "Statuts" in page
    bad = client.post(f"/fonds/dossiers/{application.pk}/documents/",
                      {"kind": "statutes", "file": SimpleUploadedFile("s.pdf", b"not a pdf")})
    assert bad.status_code == 302
    assert not application.organisation.documents.exists()
    pdf = SimpleUploadedFile("statuts.pdf", html_to_pdf("<p>Statuts</p>"),
                             content_type="application/pdf")
    client.post(f"/fonds/dossiers/{application.pk}/documents/", {"kind": "statutes", "file": pdf})
    assert application.organisation.documents.filter(kind="statutes").exists()
    page = client.get(f"/fonds/dossiers/{application.pk}/modifier/").content.decode()
    assert "Documents à jour" in page


def test_submitting_after_the_closing_date_on_the_page(client, draft):
    import time_machine

    with time_machine.travel(draft.call.closes_on + dt.timedelta(days=2)):
        client.force_login(draft.applicant)
        response = client.post(f"/fonds/dossiers/{draft.pk}/modifier/", _page_data(
            c60="3500", c62="500", r75="1000", k864="1440", k870="1440",
            amount_requested="3000", action="submit"))
    assert response.status_code == 400
    assert "Les dépôts sont clos pour cet appel depuis le" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.DRAFT and not draft.versions.exists()


def test_committee_bad_input_is_refused_whole(client):
    call = CallFactory()
    a = ApplicationFactory(call=call, eligible=True)
    client.force_login(staff_user(Role.DECISION_MAKER))
    page = client.get(f"/fonds/gestion/appels/{call.pk}/comite/").content.decode()
    assert ">Projet</option>" in page
    response = client.post(f"/fonds/gestion/appels/{call.pk}/comite/", {
        "deliberation_reference": "", "deliberation_date": "",
        f"d_{a.pk}": "award", f"a_{a.pk}": "trois mille", f"n_{a.pk}": "projet"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "montant illisible" in body
    assert not Award.objects.exists()
    for amount in ("NaN", "Infinity"):
        response = client.post(f"/fonds/gestion/appels/{call.pk}/comite/", {
            "deliberation_reference": "D-1", "deliberation_date": "2026-03-01", "confirm": "on",
            f"d_{a.pk}": "award", f"a_{a.pk}": amount, f"n_{a.pk}": "projet"})
        assert response.status_code == 400
        assert "montant illisible" in response.content.decode()
    assert not Award.objects.exists()
