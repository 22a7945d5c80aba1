"""The whole life of a three-year convention through the pages, time frozen at each step."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from backoffice.core.models import Notification
from conventions.models import Convention, LineKind

pytestmark = pytest.mark.django_db

REPORT = {"subsidy_used": "30000", "qualitative_report": "Ateliers tenus, public atteint.",
          "amount_60": "20000", "amount_64": "15000", "amount_74_authority": "30000",
          "amount_75": "5000", "amount_864": "4000", "amount_870": "4000"}


def test_three_years_of_a_convention(client, agent, authority, organisation, member, time_machine,
                                     django_capture_on_commit_callbacks):
    def at(day):
        time_machine.move_to(dt.datetime.combine(day, dt.time(10)), tick=False)

    def post(url, data, user=agent, status=302):
        client.force_login(user)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, data)
        assert response.status_code == status, response.content.decode()[:3000]
        return response

    def action(name, data=None):
        return post(reverse("conventions:convention-action", args=[convention.pk, name]),
                    data or {})

    def line(year, kind):
        return convention.years.get(year=year).lines.filter(kind=kind).order_by("-position").first()

    def pay(year, kind, day):
        at(day)
        action("order", {"line": line(year, kind).pk, "ordered_on": day.isoformat(),
                         "mandate_reference": f"M-{year}-{kind}", "account": "6574",
                         "paid_on": day.isoformat()})

    def confirm(year, amount, day):
        at(day)
        action("confirm-year", {"year": convention.years.get(year=year).pk, "amount": amount,
                                "vote_reference": f"BP {year}", "vote_date": day.isoformat()})

    def report_cycle(year, day, **figures):
        at(day)
        report = convention.years.get(year=year).report
        post(reverse("conventions:report", args=[report.pk]), {**REPORT, **figures},
             user=member)
        post(reverse("conventions:report", args=[report.pk]), {"decision": "approve"})

    # 2026: creation, signature, confirmation, advance and balance.
    at(dt.date(2026, 1, 5))
    post(reverse("conventions:convention-create"), {
        "organisation": organisation.pk, "object": "Réseau citoyen des énergies",
        "nature": "fonctionnement", "imputation": "6574", "start_date": "2026-01-01",
        "end_date": "2028-12-31", "yearly_amounts": "30 000 ; 30 000 ; 30 000",
        "advance_rate": "50", "keep_rule_rate": "10", "keep_rule_text": "Excédent raisonnable.",
        "conditions_of_use": "Fonctionnement.", "evaluation_terms": "Comité annuel.",
        "volunteering_planned": "4000", "decision_reference": "DEL-2025-112",
        "decision_date": "2025-12-10"})
    convention = Convention.objects.get()
    action("send")
    assert convention.documents.get().status == "ready"
    at(dt.date(2026, 1, 15))
    action("sign", {"signed_on": "2026-01-15", "authority_signatory": "Marie Le Du",
                    "organisation_signatory": "Loïc Le Pape"})
    confirm(2026, "30000", dt.date(2026, 1, 20))
    assert line(2026, LineKind.ADVANCE).due_by == dt.date(2026, 3, 31)
    pay(2026, LineKind.ADVANCE, dt.date(2026, 2, 10))
    pay(2026, LineKind.BALANCE, dt.date(2026, 10, 1))

    # 2027: confirmation, advance; the balance waits for the 2026 report.
    confirm(2027, "30000", dt.date(2027, 1, 15))
    pay(2027, LineKind.ADVANCE, dt.date(2027, 3, 1))
    at(dt.date(2027, 7, 2))
    client.force_login(agent)
    listing = client.get(reverse("conventions:convention-list") + "?report_overdue=on")
    assert [c.pk for c in listing.context["page"].object_list] == [convention.pk]
    from conventions.selectors import financial_reports_overdue

    assert [r.year.year for r in financial_reports_overdue(organisation=organisation)] == [2026]
    assert line(2027, LineKind.BALANCE).trigger_date is None
    report_cycle(2026, dt.date(2027, 7, 3))
    assert financial_reports_overdue(organisation=organisation) == []
    assert line(2027, LineKind.BALANCE).due_by == dt.date(2027, 11, 29)
    assert convention.years.get(year=2026).status == "closed"

    # An amendment raises 2028; the balance of 2027 is paid late and shows so.
    at(dt.date(2027, 9, 1))
    action("amend", {"reason": "Nouvelle antenne", "new_amounts": "2028 = 36 000",
                     "decision_reference": "DEL-2027-064", "decision_date": "2027-08-28"})
    amendment = convention.amendments.get()
    assert convention.years.get(year=2028).planned_amount == Decimal("30000.00")
    action("send-amendment", {"amendment": amendment.pk})
    assert convention.documents.filter(kind="amendment", status="ready").exists()
    assert convention.years.get(year=2028).planned_amount == Decimal("30000.00")
    action("sign-amendment", {"amendment": amendment.pk, "signed_on": "2027-09-01"})
    assert convention.years.get(year=2028).planned_amount == Decimal("36000.00")
    assert convention.documents.filter(kind="amendment", status="ready").exists()
    at(dt.date(2027, 12, 15))
    client.force_login(agent)
    assert client.get(reverse("conventions:convention-list") + "?late=on").context[
        "page"].paginator.count == 1
    pay(2027, LineKind.BALANCE, dt.date(2027, 12, 15))

    # 2028: last year, then the last reports close the convention.
    confirm(2028, "36000", dt.date(2028, 1, 10))
    pay(2028, LineKind.ADVANCE, dt.date(2028, 2, 1))
    # 2027 used 25 000 € of 30 000 € paid: beyond the 10 % kept, 2 000 € come back through
    # the contradictory procedure, offset on the 2028 balance not yet paid.
    report_cycle(2027, dt.date(2028, 5, 1), subsidy_used="25000",
                 amount_74_authority="25000", amount_75="10000")
    recovery = convention.recoveries.get()
    assert (recovery.kind, recovery.amount) == ("repayment", Decimal("2000.00"))
    assert recovery.observation_deadline == dt.date(2028, 5, 31)

    def step(name, data, day):
        at(day)
        prefix = f"r{recovery.pk}-{name}-"
        return post(reverse("conventions:recovery-step", args=[convention.pk, recovery.pk,
                                                               name]),
                    {prefix + key: value for key, value in data.items()})

    client.force_login(member)
    page = client.get(reverse("conventions:convention-detail", args=[convention.pk]))
    assert "attendues avant le 31/05/2028" in page.content.decode()
    step("decide", {"amount": "2 000", "reasons": "Aucune observation dans le délai.",
                    "on": "2028-06-05", "confirm": "on"}, dt.date(2028, 6, 5))
    step("title", {"reference": "T-2028-77", "on": "2028-06-10", "confirm": "on"},
         dt.date(2028, 6, 10))
    balance_2028 = line(2028, LineKind.BALANCE)
    step("settle", {"on": "2028-06-15", "offset_line": balance_2028.pk, "confirm": "on"},
         dt.date(2028, 6, 15))
    recovery.refresh_from_db()
    assert (recovery.status, recovery.offset_line) == ("settled", balance_2028)
    assert balance_2028.amount == Decimal("18000.00")
    assert line(2028, LineKind.BALANCE).amount == Decimal("16000.00")
    assert set(recovery.documents.values_list("kind", "status")) == {
        ("repayment", "ready"), ("recovery_decision", "ready")}
    pay(2028, LineKind.BALANCE, dt.date(2028, 10, 1))
    report_cycle(2028, dt.date(2029, 5, 1))
    convention.refresh_from_db()
    assert convention.status == "closed"
    assert [y.status for y in convention.years.order_by("year")] == ["closed"] * 3
    assert sum(p.amount for y in convention.years.all() for ln in y.lines.all()
               for p in ln.payments.all()) == Decimal("94000.00")

    # The association saw it all.
    client.force_login(member)
    space = client.get(reverse("core:space")).content.decode()
    assert convention.reference in space
    detail = client.get(reverse("conventions:convention-detail", args=[convention.pk]))
    assert detail.status_code == 200
    document = convention.documents.filter(kind="convention").first()
    download = client.get(reverse("conventions:document-download", args=[document.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content)[:4] == b"%PDF"
    recovery_block = detail.content.decode().split(f'id="recovery-{recovery.pk}"')[1]
    assert "recouvrée" in recovery_block and "par compensation" in recovery_block
    assert "Décision de reversement v1 (PDF)" in recovery_block
    assert "<form" not in recovery_block.split("</article>")[0]
    api = client.get(f"/api/v1/conventions/{convention.pk}/document/")
    assert api.status_code == 200
    events = set(Notification.objects.filter(recipient=member).values_list("event", flat=True))
    assert {"convention_sent", "convention_signed", "payment_paid", "amendment_signed",
            "report_approved", "convention_year_confirmed"} <= events
