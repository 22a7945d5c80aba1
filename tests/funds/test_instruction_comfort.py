"""The instructor's comfort: finding a file by its reference, going on with the instruction
while the applicant completes it, confirming irreversible decisions, the organisation's
documents at hand."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from backoffice.core.roles import Role
from backoffice.core.services import document_upload
from funds import selectors, services
from funds.models import Application, ApplicationStatus
from funds.rules import MANUAL_CHECKS
from tests.factories import member_of, staff_user
from tests.forms.helpers import field_error, form_with, messages_of, value_of

from .factories import ApplicationFactory, CallFactory

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_queue_search_by_reference_title_or_organisation():
    call = CallFactory()
    garden = ApplicationFactory(call=call, submitted=True, title="Jardin du Moustoir",
                                organisation__name="Les Incroyables Comestibles")
    cinema = ApplicationFactory(call=call, submitted=True, title="Ciné plein air")
    instructor = staff_user(Role.INSTRUCTOR)

    def found(text):
        return list(selectors.application_queue(user=instructor, call=call, search=text))

    for text in (f"DOS-{garden.pk}", f"dos-{garden.pk}", f" Dos {garden.pk} ", str(garden.pk)):
        assert found(text) == [garden], text
    assert found("moustoir") == [garden]
    assert found("incroyables") == [garden]
    assert found(f"DOS-{cinema.pk}") == [cinema]
    assert found("DOS-999999") == []


def test_queue_search_keeps_a_constant_number_of_queries(client, django_assert_max_num_queries):
    call = CallFactory()
    ApplicationFactory(call=call, submitted=True, title="Jardin des Plantes")
    client.force_login(staff_user(Role.INSTRUCTOR))
    url = reverse("funds:review-queue", args=[call.pk]) + "?q=jardin"
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for _ in range(15):
        ApplicationFactory(call=call, submitted=True, title="Jardin partagé")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.context["page"].paginator.count == 16


def test_the_instruction_goes_on_while_information_is_requested(django_app):
    application = ApplicationFactory(submitted=True, amount_requested=Decimal("4000.00"))
    member_of(application.organisation)
    instructor = staff_user(Role.INSTRUCTOR)
    services.application_request_info(application=application, user=instructor,
                                      message="Merci de joindre un devis.")
    page = django_app.get(reverse("funds:review", args=[application.pk]), user=instructor)
    assert "Enregistrer et déclarer recevable" not in page.text
    assert "Envoyer la demande" not in page.text
    form = form_with(page, "Enregistrer l'instruction")
    form["estimated_cost"], form["proposed_amount"] = "4 000", "5 000"
    form["opinion"] = "Favorable sous réserve du devis."
    refused = form.submit("action", value="save", status=400)
    assert "ne peut pas dépasser" in field_error(refused, "proposed_amount")
    assert value_of(refused, "opinion") == "Favorable sous réserve du devis."
    application.refresh_from_db()
    assert application.opinion == ""
    form = form_with(refused, "Enregistrer l'instruction")
    form["proposed_amount"] = "3 000"
    done = form.submit("action", value="save").follow()
    assert "Instruction enregistrée." in messages_of(done)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.INFO_REQUESTED
    assert (application.proposed_amount, application.opinion) == (
        Decimal("3000.00"), "Favorable sous réserve du devis.")


def test_an_application_waiting_for_information_is_not_declared_eligible():
    application = ApplicationFactory(submitted=True)
    instructor = staff_user(Role.INSTRUCTOR)
    services.application_request_info(application=application, user=instructor,
                                      message="Un devis, svp.")
    with pytest.raises(ValidationError):
        services.application_review_save(
            application=application, user=instructor, opinion="Favorable.",
            checklist={code: True for code, _label in MANUAL_CHECKS}, declare_eligible=True)
    application.refresh_from_db()
    assert (application.status, application.opinion) == (ApplicationStatus.INFO_REQUESTED, "")


def test_irreversible_decisions_need_the_confirmation(client):
    application = ApplicationFactory(submitted=True)
    client.force_login(staff_user(Role.INSTRUCTOR))
    url = reverse("funds:review", args=[application.pk])
    response = client.post(url, {"action": "ineligible", "motivation": "Hors territoire."})
    assert response.status_code == 400
    assert "Cochez cette case pour confirmer" in response.content.decode()
    assert Application.objects.get().status == ApplicationStatus.SUBMITTED
    eligible = ApplicationFactory(eligible=True)
    client.force_login(staff_user(Role.DECISION_MAKER))
    response = client.post(reverse("funds:decision", args=[eligible.pk]), {
        "decision": "reject", "motivation": "Budget non équilibré.",
        "deliberation_reference": "DEL-1", "deliberation_date": timezone.localdate().isoformat()})
    assert response.status_code == 400
    assert Application.objects.get(pk=eligible.pk).status == ApplicationStatus.ELIGIBLE


def test_the_review_page_links_the_organisations_valid_documents(client):
    application = ApplicationFactory(submitted=True)
    organisation = application.organisation
    admin = member_of(organisation)
    statutes = document_upload(organisation=organisation, user=admin, kind="statutes",
                               file=SimpleUploadedFile("statuts.pdf", PDF))
    expired = document_upload(organisation=organisation, user=admin, kind="accounts",
                              file=SimpleUploadedFile("comptes-2019.pdf", PDF),
                              valid_until=timezone.localdate() - dt.timedelta(days=1))
    client.force_login(staff_user(Role.INSTRUCTOR))
    page = client.get(reverse("funds:review", args=[application.pk])).content.decode()
    assert reverse("core:document-download", args=[statutes.pk]) in page
    assert reverse("core:document-download", args=[expired.pk]) not in page
    download = client.get(reverse("core:document-download", args=[statutes.pk]))
    assert download.status_code == 200
