"""The admin is a window: a logged-in superuser cannot change money past draft, add or delete
money rows, forge audit events, revert history, or shrink an envelope below its awards."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import ProtectedError
from django.urls import reverse

from backoffice.core.models import AuditEvent, User
from conventions import services
from conventions.models import Amendment, Convention, LineKind, Payment
from funds.models import Award

from .factories import make_convention
from .test_from_award import make_award

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = User.objects.create_superuser(email="root@example.org", password="x-secret-42")
    client.force_login(user)
    return client


@pytest.fixture
def active(authority, organisation, agent):
    convention = make_convention(authority=authority, organisation=organisation, agent=agent,
                                 confirmed=True)
    line = convention.years.get(year=2026).lines.get(kind=LineKind.ADVANCE)
    services.payment_record(line=line, paid_on=dt.date(2026, 2, 1), mandate_reference="M1",
                            actor=agent)
    return convention


def _url(obj, view="change"):
    meta = obj._meta
    args = [obj.pk] if view in ("change", "delete", "history") else []
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


def test_signed_convention_is_read_only_in_the_admin(admin_client, active):
    page = admin_client.get(_url(active))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="object"' not in html and 'name="organisation"' not in html
    assert 'name="years-0-planned_amount"' not in html
    admin_client.post(_url(active), {"object": "Autre objet", "imputation": "6745"})
    active.refresh_from_db()
    assert active.object != "Autre objet" and active.imputation == "6574"


def test_draft_convention_cannot_change_its_money_in_the_admin(admin_client, authority, agent):
    draft = make_convention(authority=authority, agent=agent)
    html = admin_client.get(_url(draft)).content.decode()
    assert 'name="object"' in html                       # its clauses may be completed
    assert 'name="end_date"' not in html and 'name="advance_rate"' not in html
    assert 'name="years-0-planned_amount"' not in html


def test_conventions_are_never_added_nor_deleted_in_the_admin(admin_client, active):
    assert admin_client.get(_url(active, "delete")).status_code == 403
    assert admin_client.get(reverse("admin:conventions_convention_add")).status_code == 403
    with pytest.raises(ProtectedError):
        Convention.objects.filter(pk=active.pk).delete()   # the database protects it too


def test_payments_are_read_only_in_the_admin(admin_client, active):
    payment = Payment.objects.get()
    assert admin_client.get(reverse("admin:conventions_payment_add")).status_code == 403
    assert admin_client.get(_url(payment, "delete")).status_code == 403
    admin_client.post(_url(payment), {"amount": "1", "status": "cancelled"})
    payment.refresh_from_db()
    assert payment.amount == Decimal("15000.00") and payment.status == "paid"


def test_schedule_lines_are_read_only_in_the_admin(admin_client, active):
    line = active.years.get(year=2026).lines.get(kind=LineKind.BALANCE)
    assert admin_client.get(reverse("admin:conventions_scheduleline_add")).status_code == 403
    assert admin_client.get(_url(line, "delete")).status_code == 403
    admin_client.post(_url(line), {"amount": "1"})
    line.refresh_from_db()
    assert line.amount == Decimal("15000.00")


def test_financial_reports_are_read_only_in_the_admin(admin_client, active):
    report = active.years.get(year=2026).report
    assert admin_client.get(_url(report, "delete")).status_code == 403
    admin_client.post(_url(report), {"status": "approved", "repayment_amount": "0"})
    report.refresh_from_db()
    assert report.status == "expected"


def test_signed_amendment_is_read_only_in_the_admin(admin_client, active, agent):
    amendment = services.amendment_create(
        convention=active, reason="Hausse", new_amounts={2027: "36000"}, actor=agent,
        decision_reference="DEL-1", decision_date=dt.date(2026, 3, 2))
    services.amendment_transition(amendment=amendment, to="sent", actor=agent,
                                  on=dt.date(2026, 3, 3))
    html = admin_client.get(_url(amendment)).content.decode()
    assert 'name="reason"' not in html
    assert admin_client.get(_url(amendment, "delete")).status_code == 403
    admin_client.post(_url(amendment), {"reason": "Autre", "decision_reference": "X"})
    amendment = Amendment.objects.get(pk=amendment.pk)
    assert amendment.reason == "Hausse" and amendment.decision_reference == "DEL-1"


def test_awards_are_never_deleted_in_the_admin(admin_client):
    award = make_award()
    assert admin_client.get(_url(award, "delete")).status_code == 403
    admin_client.post(_url(award, "delete"), {"post": "yes"})
    assert Award.objects.filter(pk=award.pk).exists()


def test_audit_events_cannot_be_forged_in_the_admin(admin_client, active):
    assert admin_client.get(reverse("admin:core_auditevent_add")).status_code == 403
    event = AuditEvent.objects.first()
    admin_client.post(_url(event), {"message": "falsifié"})
    event.refresh_from_db()
    assert event.message != "falsifié"
    assert admin_client.get(_url(event, "delete")).status_code == 403


def test_history_cannot_be_reverted_in_the_admin(admin_client, active):
    year = active.years.get(year=2026)
    record = year.history.order_by("history_id").first()
    url = reverse("admin:conventions_convention_history", args=[active.pk])
    assert admin_client.get(url).status_code == 200
    convention_record = active.history.order_by("history_id").first()
    revert = reverse("admin:conventions_convention_simple_history",
                     args=[active.pk, convention_record.history_id])
    admin_client.post(revert, {"status": "draft"})
    active.refresh_from_db()
    assert active.status == "active" and record is not None


def test_fund_envelope_cannot_go_below_the_committed_total(admin_client):
    award = make_award(amount=Decimal("4000.00"))
    fund = award.fund
    page = admin_client.get(_url(fund))
    form_data = {key: value for key, value in page.context["adminform"].form.initial.items()
                 if value is not None}
    form_data.update({"envelope": "3999.99", "natures": '["projet", "fonctionnement"]'})
    response = admin_client.post(_url(fund), form_data)
    assert response.status_code == 200
    assert ("ne peut pas descendre sous le montant déjà attribué (4\u202f000,00\u00a0€)"
            in response.content.decode())
    fund.refresh_from_db()
    assert fund.envelope >= Decimal("4000.00")
