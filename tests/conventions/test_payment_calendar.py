"""The payment calendar and the payments-to-order export read the same selector: whatever
the states and dates of the lines, the calendar's tallies are the export's rows."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backoffice.core.money import to_money
from conventions import rules, services
from conventions.models import LineKind, PaymentStatus
from tests.factories import OrganisationFactory, staff_user

from .factories import make_convention

TODAY = dt.date(2026, 6, 10)


@pytest.fixture
def today(time_machine):
    time_machine.move_to(dt.datetime(2026, 6, 10, 10, tzinfo=dt.UTC), tick=False)
    return TODAY


def _advance(convention):
    return convention.years.get(year=2026).lines.get(kind=LineKind.ADVANCE)


def _export_rows(client) -> list[dict]:
    response = client.get(reverse("conventions:payments-due-export", args=["csv"]))
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def _month_key(due: dt.date) -> str:
    if due < TODAY:
        return "late"
    if due.year == TODAY.year and due.month == TODAY.month:
        return "month"
    return due.strftime("%Y-%m")


@pytest.mark.django_db
def test_calendar_totals_are_the_export_rows(client, today, django_assert_max_num_queries):
    agent = staff_user()
    # Advance late since 31 March, balance due end of November (trigger 30 September).
    plain = make_convention(agent=agent, confirmed=True)
    # Signed and confirmed in May: the advance is due on 24 June (soon, this month).
    recent = make_convention(agent=agent, confirmed=True, signed_on=dt.date(2026, 5, 20),
                             confirmed_on=dt.date(2026, 5, 25), imputation="20421")
    ordered = make_convention(agent=agent, confirmed=True)
    services.payment_order(line=_advance(ordered), ordered_on=dt.date(2026, 4, 2),
                           mandate_reference="M-1", actor=agent)
    paid = make_convention(agent=agent, confirmed=True)
    payment = services.payment_order(line=_advance(paid), ordered_on=dt.date(2026, 4, 2),
                                      mandate_reference="M-2", actor=agent)
    services.payment_transition(payment=payment, to=PaymentStatus.PAID,
                                paid_on=dt.date(2026, 4, 20), actor=agent)
    cancelled = make_convention(agent=agent, confirmed=True)
    payment = services.payment_order(line=_advance(cancelled), ordered_on=dt.date(2026, 4, 2),
                                     mandate_reference="M-3", actor=agent)
    services.payment_cancel(payment=payment, reason="Mauvais compte", actor=agent)
    make_convention(agent=agent, confirmed=True,
                    organisation=OrganisationFactory(bank_details_on_hold=True))
    make_convention(agent=agent, signed=True)  # signed, tranche not confirmed: nothing due
    make_convention(agent=agent)  # draft: nothing due

    client.force_login(agent)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("conventions:calendar"))
    calendar = page.context["buckets"]
    rows = _export_rows(client)

    # Given what the states imply: 5 conventions × 2 lines, minus the ordered and paid advances.
    assert len(rows) == 8
    assert calendar["total"]["count"] == len(rows)
    assert calendar["total"]["amount"] == sum(to_money(row["Montant"]) for row in rows)
    expected: dict[str, list] = {}
    for row in rows:
        due = dt.datetime.strptime(row["À verser avant le"], "%d/%m/%Y").date()
        tally = expected.setdefault(_month_key(due), [0, Decimal("0.00")])
        tally[0] += 1
        tally[1] += to_money(row["Montant"])
    shown = {"late": [calendar["late"]["count"], calendar["late"]["amount"]],
             "month": [calendar["month"]["count"], calendar["month"]["amount"]]}
    shown.update({m["start"].strftime("%Y-%m"): [m["count"], m["amount"]]
                  for m in calendar["months"] if m["count"]})
    assert {k: v for k, v in shown.items() if v[0]} == expected
    assert calendar["late"]["count"] == 2 and calendar["month"]["count"] == 1
    assert calendar["soon"]["count"] == 1
    assert calendar["payable_now"]["count"] == 3  # the two late advances and the recent one
    # Per imputation, the export's « Compte » column.
    by_account: dict[str, list] = {}
    for row in rows:
        tally = by_account.setdefault(row["Compte"], [0, Decimal("0.00")])
        tally[0] += 1
        tally[1] += to_money(row["Montant"])
    assert {name: [n, amount] for name, n, amount in calendar["total"]["groups"]} == by_account
    assert set(by_account) == {"6574", "20421"}

    text = page.content.decode()
    assert reverse("conventions:payments-due-export", args=["csv"]) in text
    assert "novembre 2026" in text
    assert "payables dès aujourd&#x27;hui" in text or "payables dès aujourd'hui" in text
    by_fund = client.get(reverse("conventions:calendar") + "?par=fund").context["buckets"]
    assert [name for name, _n, _a in by_fund["total"]["groups"]] == [
        "Hors fonds (convention directe)"]
    assert recent.pk and plain.pk


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(min_value=-400, max_value=800),
                          st.integers(min_value=-200, max_value=100),
                          st.integers(min_value=0, max_value=10_000_000),
                          st.sampled_from(["6574", "20421"])), max_size=30))
def test_the_calendar_partitions_what_is_due(raw):
    items = [rules.DueItem(due_by=TODAY + dt.timedelta(days=due), payable=trigger <= 0,
                           amount=Decimal(cents) / 100, group=group)
             for due, trigger, cents, group in raw]
    result = rules.due_calendar(items, today=TODAY, soon_days=15)
    parts = [result["late"], result["month"], result["later"],
             *(tally for _start, tally in result["months"])]
    assert sum(part.count for part in parts) == result["total"].count == len(items)
    assert sum((part.amount for part in parts), Decimal("0")) == result["total"].amount
    assert len(result["months"]) == 12
    assert result["months"][0][0] == dt.date(2026, 7, 1)
    assert result["months"][-1][0] == dt.date(2027, 6, 1)
    assert result["payable_now"].count == sum(1 for item in items if item.payable)
    for name, count, amount in result["total"].group_rows():
        assert count == sum(1 for item in items if item.group == name)
        assert amount == sum((item.amount for item in items if item.group == name),
                             Decimal("0"))
