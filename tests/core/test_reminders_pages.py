"""The agents' page of reminders: scoped, filtered, constant queries, "send now" once."""

import datetime as dt

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.urls import reverse

from backoffice.core.models import Reminder
from backoffice.core.reminders import all_kinds
from backoffice.core.reminders.services import reminders_run
from tests.core.factories import OrganisationDocumentFactory
from tests.factories import OrganisationFactory, member_of, staff_user

TODAY = dt.date(2027, 5, 20)


@pytest.fixture
def frozen():
    with time_machine.travel(dt.datetime(2027, 5, 20, 9, 0), tick=False):
        yield


def documents(count, valid_until=dt.date(2027, 6, 30)):
    docs = []
    for _ in range(count):
        organisation = OrganisationFactory()
        member_of(organisation)
        docs.append(OrganisationDocumentFactory(organisation=organisation,
                                                valid_until=valid_until))
    return docs


@pytest.mark.django_db
def test_applicant_cannot_see_the_reminders_page(client):
    organisation = OrganisationFactory()
    client.force_login(member_of(organisation))
    assert client.get(reverse("core:reminder-list")).status_code == 403
    assert client.post(reverse("core:reminder-send-now")).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_reminders_page_lists_sent_and_upcoming_at_constant_queries(
        client, frozen, django_assert_max_num_queries):
    client.force_login(staff_user())
    url = reverse("core:reminder-list")
    documents(2, valid_until=TODAY + dt.timedelta(days=30))
    documents(2, valid_until=TODAY + dt.timedelta(days=40))
    reminders_run()
    # The page itself, then one query per reminder kind for the upcoming ones.
    with django_assert_max_num_queries(10 + len(all_kinds())) as few:
        response = client.get(url)
    assert len(response.context["page"].object_list) == 2
    assert len(response.context["upcoming"]) == 2
    documents(8, valid_until=TODAY + dt.timedelta(days=30))
    documents(8, valid_until=TODAY + dt.timedelta(days=40))
    Reminder.objects.all().delete()
    reminders_run(day=TODAY - dt.timedelta(days=1))
    reminders_run()
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["page"].object_list) == 10
    assert len(response.context["upcoming"]) == 10


@pytest.mark.django_db(transaction=True)
def test_reminders_page_filters(client, frozen):
    client.force_login(staff_user())
    [doc] = documents(1, valid_until=TODAY + dt.timedelta(days=30))
    documents(1, valid_until=TODAY + dt.timedelta(days=30))
    reminders_run()
    url = reverse("core:reminder-list")
    response = client.get(url, {"organisation": doc.organisation_id, "kind": "document_expiring"})
    assert [r.target_id for r in response.context["page"].object_list] == [doc.pk]
    assert not client.get(url, {"date_from": "2027-05-21"}).context["page"].object_list
    bad = client.get(url, {"date_from": "2027-06-01", "date_to": "2027-05-01"})
    assert bad.status_code == 400
    assert "La date de fin doit suivre la date de début." in bad.content.decode()


@pytest.mark.django_db(transaction=True)
def test_send_now_sends_once_and_the_daily_job_skips_it(client, frozen):
    agent = staff_user()
    client.force_login(agent)
    [doc] = documents(1, valid_until=TODAY + dt.timedelta(days=35))
    [row] = client.get(reverse("core:reminder-list")).context["upcoming"]
    data = {"kind": row["kind"].code, "target_type": row["target_type_id"], "target_id": doc.pk,
            "due_date": "2027-06-24", "step": "J-30"}
    response = client.post(reverse("core:reminder-send-now"), data, follow=True)
    assert "est envoyé" in response.content.decode()
    assert len(mail.outbox) == 1
    again = client.post(reverse("core:reminder-send-now"), data, follow=True)
    assert "déjà été envoyé" in again.content.decode()
    reminder = Reminder.objects.get()
    assert reminder.sent_by == agent and not reminder.late
    report = reminders_run(day=dt.date(2027, 5, 25))
    assert (report.due, report.sent, report.skipped_already_sent) == (1, 0, 1)
    assert len(mail.outbox) == 1
    stale = client.post(reverse("core:reminder-send-now"), {**data, "step": "J-7"}, follow=True)
    assert "plus dû" in stale.content.decode()
    # A forged target of another model is refused in French (it used to raise a 500).
    wrong = client.post(reverse("core:reminder-send-now"), {
        **data, "target_type": ContentType.objects.get_for_model(type(agent)).pk,
        "target_id": agent.pk}, follow=True)
    assert "ne concerne pas cet objet" in wrong.content.decode()
    assert client.post(reverse("core:reminder-send-now"), {"kind": "x"},
                       follow=True).status_code == 200
