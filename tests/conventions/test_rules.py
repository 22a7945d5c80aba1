"""Property tests of the pure schedule rules."""

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from conventions import rules

amounts = st.decimals(min_value=Decimal("0"), max_value=Decimal("9999999.99"), places=2)
rates = st.decimals(min_value=Decimal("0"), max_value=Decimal("1"), places=4)
dates = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2035, 12, 31))


@given(amount=amounts, rate=rates, advance_due=dates, balance=dates, waits=st.booleans())
def test_schedule_sums_exactly_in_order_with_the_advance_share(amount, rate, advance_due,
                                                               balance, waits):
    items = rules.build_schedule(amount=amount, year=advance_due.year, advance_rate=rate,
                                 advance_due=advance_due,
                                 balance_date=balance, balance_waits_for_report=waits)
    assert sum(item.amount for item in items) == amount
    assert all(item.amount >= 0 and item.amount == item.amount.quantize(Decimal("0.01"))
               for item in items)
    planned = [item.planned_date for item in items]
    assert planned == sorted(planned)
    assert items[0].kind == rules.ADVANCE and items[-1].kind == rules.BALANCE
    assert abs(items[0].amount - amount * rate) <= Decimal("0.005")
    assert items[-1].waits_for_report is waits
    assert rules.schedule_errors(amount=amount, items=items) == []


@given(year=st.integers(2020, 2035), event=st.one_of(st.none(), dates),
       delay=st.integers(0, 120))
def test_advance_due_is_the_later_of_31_march_and_the_delay(year, event, delay):
    due = rules.advance_due_date(year=year, deadline=(3, 31), event_date=event, delay_days=delay)
    assert due >= dt.date(year, 3, 31)
    if event is not None:
        assert due >= event + dt.timedelta(days=delay)
        assert due in (dt.date(year, 3, 31), event + dt.timedelta(days=delay))
    else:
        assert due == dt.date(year, 3, 31)


@given(amount=amounts, items=st.lists(st.tuples(amounts, dates), min_size=1, max_size=5))
def test_schedule_errors_reject_any_wrong_sum(amount, items):
    schedule = [rules.ScheduleItem(rules.INSTALMENT, a, d) for a, d in items]
    errors = rules.schedule_errors(amount=amount, items=schedule)
    total_ok = sum(a for a, _ in items) == amount
    ordered = [d for _, d in items] == sorted(d for _, d in items)
    assert (errors == []) == (total_ok and ordered)


@given(granted=amounts, used=amounts, keep=rates)
def test_repayment_bounds(granted, used, keep):
    unspent, repayment = rules.repayment(granted=granted, used=used, keep_rate=keep)
    assert Decimal(0) <= repayment <= unspent <= granted


def test_repayment_example():
    assert rules.repayment(granted=Decimal("30000"), used=Decimal("24000"),
                           keep_rate=Decimal("0.10")) == (Decimal("6000"), Decimal("3000.00"))


@given(trigger=dates, paid_delta=st.integers(0, 200))
def test_late_iff_paid_after_60_days(trigger, paid_delta):
    due = rules.due_by(trigger, 60)
    state = rules.payment_state(due_by_date=due, paid_on=trigger + dt.timedelta(days=paid_delta),
                                today=trigger, soon_days=15)
    assert (state == "late") == (paid_delta > 60)


def test_payment_state_soon_and_waiting():
    today = dt.date(2026, 5, 1)
    assert rules.payment_state(due_by_date=None, paid_on=None, today=today, soon_days=15) == "waiting"
    assert rules.payment_state(due_by_date=dt.date(2026, 5, 10), paid_on=None, today=today,
                               soon_days=15) == "soon"
    assert rules.payment_state(due_by_date=dt.date(2026, 7, 1), paid_on=None, today=today,
                               soon_days=15) == "ok"


def test_deadlines():
    assert rules.report_due_date(year=2026) == dt.date(2027, 6, 30)
    assert rules.report_due_date(year=2026, year_end=(6, 30)) == dt.date(2026, 12, 31)
    assert rules.report_due_date(year=2026, year_end=(9, 30), months=6) == dt.date(2027, 3, 31)
    assert rules.report_due_date(year=2027, year_end=(8, 15)) == dt.date(2028, 2, 15)
    assert rules.open_data_deadline(signed_on=dt.date(2026, 11, 30), max_yearly=Decimal("23000.01"),
                                    threshold=Decimal("23000"), months=3,
                                    publishes=True) == dt.date(2027, 2, 28)
    assert rules.open_data_deadline(signed_on=dt.date(2026, 1, 1), max_yearly=Decimal("23000"),
                                    threshold=Decimal("23000"), months=3, publishes=True) is None
    assert rules.requires_convention(yearly_amounts=[Decimal("1"), Decimal("23000.01")],
                                     threshold=Decimal("23000"))
    assert not rules.requires_convention(yearly_amounts=[Decimal("23000")],
                                         threshold=Decimal("23000"))
