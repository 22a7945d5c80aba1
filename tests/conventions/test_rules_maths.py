"""Convention money and date rules at their boundaries, and the invariants that hold for every
input: schedules never negative, repayments never above what was paid, month arithmetic across
year ends, the "soon late" window, days per calendar year, half-up rounding."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conventions import rules
from tests.rule_tables import table

deterministic = settings(derandomize=True, database=None, deadline=None)
D = Decimal
CENT = D("0.01")
small_amounts = st.decimals(min_value=D("0"), max_value=D("0.20"), places=2)
amounts = st.decimals(min_value=D("0"), max_value=D("999999.99"), places=2)
rates = st.decimals(min_value=D("0"), max_value=D("1"), places=4)
days = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2030, 12, 31))


def schedule(amount, rate="0", advance_due=dt.date(2026, 3, 31),
             balance=dt.date(2026, 9, 30), waits=False):
    return rules.build_schedule(amount=D(amount), year=2026, advance_rate=D(rate),
                                advance_due=advance_due,
                                balance_date=balance, balance_waits_for_report=waits)


# --- build_schedule -------------------------------------------------------------------------

@deterministic
@given(amount=st.one_of(small_amounts, amounts), rate=rates, advance_due=days, balance=days)
def test_schedule_lines_are_never_negative_and_sum_exactly(amount, rate, advance_due, balance):
    items = rules.build_schedule(amount=amount, year=2026, advance_rate=rate,
                                 advance_due=advance_due,
                                 balance_date=balance, balance_waits_for_report=True)
    assert [item.kind for item in items] == [rules.ADVANCE, rules.BALANCE]
    assert all(item.amount >= 0 for item in items)
    assert sum(item.amount for item in items) == amount
    assert items[0].amount == (amount * rate).quantize(CENT, rounding=ROUND_HALF_UP)
    planned = [item.planned_date for item in items]
    assert planned == sorted(planned)
    assert planned[0] == advance_due
    assert planned[-1] == max([advance_due, balance])
    assert [item.waits_for_report for item in items] == [False] * (len(items) - 1) + [True]


def test_schedule_examples_of_tiny_amounts():
    assert [item.amount for item in schedule("0.05")] == [D("0.00"), D("0.05")]


def test_the_advance_rounds_half_up_and_the_year_amount_too():
    assert [i.amount for i in schedule("0.15", rate="0.5")] == [D("0.08"), D("0.07")]
    assert [i.amount for i in schedule("0.125", rate="1")] == [D("0.13"), D("0.00")]
    assert [i.amount for i in schedule("100", rate="0.305")] == [D("30.50"), D("69.50")]


def test_schedule_dates_never_go_backwards():
    items = schedule("300", rate="0.5", advance_due=dt.date(2026, 3, 31),
                     balance=dt.date(2026, 2, 1), waits=True)
    assert [i.planned_date for i in items] == [dt.date(2026, 3, 31)] * 2
    assert [i.waits_for_report for i in items] == [False, True]
    assert schedule("10")[-1].amount == D("10.00")


@table("amount,rate,message", [
    ("-0.01", "0", "negative amount"), ("1", "1.0001", r"advance rate outside \[0, 1\]"),
    ("1", "-0.0001", r"advance rate outside \[0, 1\]"),
])
def test_schedule_guards(amount, rate, message):
    with pytest.raises(ValueError, match=message):
        schedule(amount, rate=rate)


def test_schedule_accepts_its_limits():
    assert [i.amount for i in schedule("0", rate="0")] == [D("0.00"), D("0.00")]
    assert [i.amount for i in schedule("7", rate="1")] == [D("7.00"), D("0.00")]


def test_schedule_errors_each_rule_alone():
    item = rules.ScheduleItem
    day = dt.date(2026, 5, 1)
    assert rules.schedule_errors(amount=D("1"), items=[item(rules.BALANCE, D("1"), day)]) == []
    assert rules.schedule_errors(amount=D("0"), items=[item(rules.BALANCE, D("0"), day)]) == []
    assert rules.schedule_errors(amount=D("1"), items=[
        item(rules.ADVANCE, D("1.01"), day), item(rules.BALANCE, D("-0.01"), day)]) == [
        "Un montant d'échéance ne peut pas être négatif."]
    assert rules.schedule_errors(amount=D("1.005"), items=[
        item(rules.BALANCE, D("1.005"), day)]) == [
        "Les montants s'expriment en euros et centimes."]
    assert rules.schedule_errors(amount=D("1"), items=[
        item(rules.ADVANCE, D("0.5"), dt.date(2026, 5, 2)),
        item(rules.BALANCE, D("0.5"), day)]) == [
        "Les dates de l'échéancier doivent se suivre dans l'ordre."]


# --- deadlines and lateness -----------------------------------------------------------------

@table("event,delay,due", [
    (None, 60, dt.date(2026, 3, 31)),
    (dt.date(2026, 1, 30), 60, dt.date(2026, 3, 31)),   # 30 Jan + 60 days = 31 March
    (dt.date(2026, 1, 31), 60, dt.date(2026, 4, 1)),
    (dt.date(2026, 1, 1), 0, dt.date(2026, 3, 31)),
])
def test_advance_due_date(event, delay, due):
    assert rules.advance_due_date(year=2026, deadline=(3, 31), event_date=event,
                                  delay_days=delay) == due


def test_a_yearly_deadline_on_29_february():
    assert rules.advance_due_date(year=2027, deadline=(2, 29), event_date=None,
                                  delay_days=60) == dt.date(2027, 2, 28)
    assert rules.on_month_day(2026, (4, 31)) == dt.date(2026, 4, 30)
    assert rules.month_day("12-01") == (12, 1)


def test_due_by():
    assert rules.due_by(None, 60) is None
    assert rules.due_by(dt.date(2026, 11, 2), 60) == dt.date(2027, 1, 1)
    assert rules.due_by(dt.date(2026, 11, 2), 0) == dt.date(2026, 11, 2)


@table("due_in,soon_days,state", [
    (-1, 15, "late"), (0, 15, "soon"), (14, 15, "soon"), (15, 15, "soon"), (16, 15, "ok"),
    (0, 0, "soon"), (1, 0, "ok"), (30, 30, "soon"), (31, 30, "ok"),
])
def test_the_soon_late_window(due_in, soon_days, state):
    today = dt.date(2026, 12, 20)
    due = today + dt.timedelta(days=due_in)
    assert rules.payment_state(due_by_date=due, paid_on=None, today=today,
                               soon_days=soon_days) == state


@deterministic
@given(due=days, today=days, paid=st.one_of(st.none(), days), soon=st.integers(0, 60))
def test_payment_state_for_every_date(due, today, paid, soon):
    state = rules.payment_state(due_by_date=due, paid_on=paid, today=today, soon_days=soon)
    if paid is not None:
        assert state == ("late" if paid > due else "ok")
    elif today > due:
        assert state == "late"
    else:
        assert state == ("soon" if (due - today).days <= soon else "ok")
    assert rules.payment_state(due_by_date=None, paid_on=paid, today=today,
                               soon_days=soon) == "waiting"


@table("year,year_end,months,due", [
    (2026, (12, 31), 6, dt.date(2027, 6, 30)),
    (2026, (6, 30), 6, dt.date(2026, 12, 31)),
    (2026, (11, 30), 3, dt.date(2027, 2, 28)),    # a month-end closing: a month-end due date
    (2027, (11, 30), 3, dt.date(2028, 2, 29)),
    (2026, (2, 28), 1, dt.date(2026, 3, 31)),     # 28 Feb is the end of its month
    (2028, (2, 28), 1, dt.date(2028, 3, 28)),     # 28 Feb 2028 is not
    (2026, (9, 15), 6, dt.date(2027, 3, 15)),
])
def test_report_due_date(year, year_end, months, due):
    assert rules.report_due_date(year=year, year_end=year_end, months=months) == due


def test_financial_year_end():
    assert rules.financial_year_end(year=2026) == dt.date(2026, 12, 31)
    assert rules.financial_year_end(year=2028, year_end=(2, 29)) == dt.date(2028, 2, 29)


@table("start,months,end", [
    ("2026-11-15", 1, "2026-12-15"),     # December: month index 11, same year
    ("2026-12-15", 1, "2027-01-15"),
    ("2026-11-15", 2, "2027-01-15"),
    ("2026-12-31", 12, "2027-12-31"),
    ("2026-12-31", 24, "2028-12-31"),
    ("2026-01-15", -1, "2025-12-15"),
    ("2026-01-31", -2, "2025-11-30"),
    ("2026-12-15", -12, "2025-12-15"),
    ("2026-12-15", -11, "2026-01-15"),
    ("2026-03-31", 0, "2026-03-31"),
    ("2028-02-29", 12, "2029-02-28"),
    ("2027-12-29", 2, "2028-02-29"),
    ("2026-08-31", 1, "2026-09-30"),
])
def test_add_months_around_year_ends(start, months, end):
    assert rules.add_months(dt.date.fromisoformat(start), months) == dt.date.fromisoformat(end)


@deterministic
@given(start=days, months=st.integers(-60, 60))
def test_add_months_moves_the_month_and_keeps_the_day_when_it_exists(start, months):
    end = rules.add_months(start, months)
    assert (end.year * 12 + end.month) - (start.year * 12 + start.month) == months
    assert end.day == min(start.day, (rules.add_months(end.replace(day=1), 1)
                                      - dt.timedelta(days=1)).day)


def test_open_data_deadline_and_written_convention():
    signed = dt.date(2026, 10, 31)
    assert rules.open_data_deadline(signed_on=signed, max_yearly=D("23000.01"),
                                    threshold=D("23000"), months=3,
                                    publishes=True) == dt.date(2027, 1, 31)
    assert rules.open_data_deadline(signed_on=signed, max_yearly=D("50000"),
                                    threshold=D("23000"), months=3, publishes=False) is None
    assert rules.requires_convention(yearly_amounts=[], threshold=D("23000")) is False


# --- amounts per year -----------------------------------------------------------------------

@table("start,end,expected", [
    ("2026-12-31", "2026-12-31", [1]),
    ("2027-01-01", "2028-12-31", [365, 366]),
    ("2028-02-28", "2028-03-01", [3]),
    ("2025-12-30", "2027-01-02", [2, 365, 2]),
])
def test_days_per_year_at_year_ends(start, end, expected):
    parse = dt.date.fromisoformat
    assert rules.days_per_year(parse(start), parse(end)) == [D(d) for d in expected]
    assert rules.calendar_years(parse(start), parse(end)) == list(
        range(parse(start).year, parse(end).year + 1))


@deterministic
@given(start=days, length=st.integers(0, 4 * 366))
def test_days_per_year_add_up_to_the_whole_period(start, length):
    end = start + dt.timedelta(days=length)
    per_year = rules.days_per_year(start, end)
    assert sum(per_year) == length + 1
    assert len(per_year) == end.year - start.year + 1
    assert all(1 <= d <= 366 for d in per_year)


def test_annual_amount_rounds_half_up_and_keeps_the_largest_tranche():
    # 2 years and a day: 0,03 € × 365 / 731 = 0,01498 → 0,01.
    assert rules.annual_amount(total=D("0.03"), yearly=[], start=dt.date(2026, 1, 1),
                               end=dt.date(2028, 1, 1)) == D("0.01")
    assert rules.annual_amount(total=D("10"), yearly=[D("9.99")], start=dt.date(2026, 1, 1),
                               end=dt.date(2026, 6, 30)) == D("10")
    assert rules.annual_amount(total=D("10"), yearly=[D("10.01")], start=dt.date(2026, 1, 1),
                               end=dt.date(2026, 6, 30)) == D("10.01")
    # Starting on 31 January: twelve months end on 30 January of the next year.
    assert rules.annual_amount(total=D("3660"), yearly=[], start=dt.date(2026, 1, 31),
                               end=dt.date(2027, 1, 30)) == D("3660")
    assert rules.annual_amount(total=D("3660"), yearly=[], start=dt.date(2026, 1, 31),
                               end=dt.date(2027, 1, 31)) == D("3650.00")


def test_aid_by_year_keeps_each_year_apart():
    assert rules.aid_by_year([([2026], D("1")), ([2026, 2027, 2028], D("2.50"))]) == {
        2026: D("3.50"), 2027: D("2.50"), 2028: D("2.50")}


# --- repayment and withdrawal ---------------------------------------------------------------

@deterministic
@given(granted=amounts, used=amounts, keep=rates)
def test_repayment_never_above_the_unspent_part(granted, used, keep):
    unspent, repayment = rules.repayment(granted=granted, used=used, keep_rate=keep)
    assert unspent == max(D(0), granted - used)
    kept = (granted * keep).quantize(CENT, rounding=ROUND_HALF_UP)
    assert repayment == max(D(0), unspent - kept)


def test_repayment_examples():
    assert rules.repayment(granted=D("100"), used=D("150"), keep_rate=D("0")) == (D("0"), D("0"))
    assert rules.repayment(granted=D("100"), used=D("100"), keep_rate=D("0")) == (D("0"), D("0"))
    assert rules.repayment(granted=D("100"), used=D("90"), keep_rate=D("0.1")) == (D("10"),
                                                                                   D("0"))
    assert rules.repayment(granted=D("100"), used=D("89.99"), keep_rate=D("0.1")) == (
        D("10.01"), D("0.01"))


@st.composite
def paid_tranches(draw):
    granted = draw(st.one_of(small_amounts, amounts))
    paid = draw(st.decimals(min_value=D("0"), max_value=granted, places=2))
    used = draw(st.decimals(min_value=D("0"), max_value=granted * 2, places=2))
    return granted, paid, used, draw(rates)


@deterministic
@given(paid_tranches())
def test_repayment_on_paid_invariants(tranche):
    granted, paid, used, keep = tranche
    split = rules.repayment_on_paid(granted=granted, paid=paid, used=used, keep_rate=keep)
    kept = (granted * keep).quantize(CENT, rounding=ROUND_HALF_UP)
    assert 0 <= split.claim <= paid                                   # never claim more than paid
    assert 0 <= split.cancelled <= granted - paid
    assert split.cancelled + split.still_payable == granted - paid
    assert paid - split.claim + split.still_payable == split.entitled <= used + kept
    assert split.entitled == min(granted, min(used, granted) + kept)
    assert split.unspent == granted - min(used, granted) >= 0
    assert split.claim == max(D(0), paid - split.entitled)


@table("granted,paid,used,keep,unspent,entitled,still,cancelled,claim", [
    ("100", "100", "150", "0", "0", "100", "0", "0", "0"),        # used beyond the grant
    ("100", "100", "0", "1", "100", "100", "0", "0", "0"),        # keep-rule of 100 %
    ("100", "0", "0", "0", "100", "0", "0", "100", "0"),
    ("100", "60", "50", "0.1", "50", "60", "0", "40", "0"),       # exactly what was paid
    ("100", "60", "50", "0.09", "50", "59", "0", "40", "1"),
    ("100", "40", "50", "0.1", "50", "60", "20", "40", "0"),
])
def test_repayment_on_paid_examples(granted, paid, used, keep, unspent, entitled, still,
                                    cancelled, claim):
    split = rules.repayment_on_paid(granted=D(granted), paid=D(paid), used=D(used),
                                    keep_rate=D(keep))
    assert split == rules.RepaymentSplit(unspent=D(unspent), entitled=D(entitled),
                                         still_payable=D(still), cancelled=D(cancelled),
                                         claim=D(claim))


@table("granted,paid,used,keep", [
    ("0", "0", "0", "0"), ("10", "10", "0", "1"),
])
def test_repayment_on_paid_accepts_its_limits(granted, paid, used, keep):
    rules.repayment_on_paid(granted=D(granted), paid=D(paid), used=D(used), keep_rate=D(keep))


def test_repayment_on_paid_refuses_a_keep_rate_above_one():
    with pytest.raises(ValueError, match=r"^negative amount or rate outside \[0, 1\]$"):
        rules.repayment_on_paid(granted=D("10"), paid=D("0"), used=D("0"),
                                keep_rate=D("1.0001"))


@deterministic
@given(start=days, length=st.integers(0, 3 * 366), data=st.data())
def test_cer_withdrawal_invariants(start, length, data):
    end = start + dt.timedelta(days=length)
    breach = start + dt.timedelta(days=data.draw(st.integers(0, length)))
    granted = data.draw(st.one_of(small_amounts, amounts))
    paid = data.draw(st.decimals(min_value=D("0"), max_value=granted, places=2))
    split = rules.cer_withdrawal(granted=granted, paid=paid, start=start, end=end,
                                 breach_date=breach)
    withdrawn = (granted * (end - breach).days / D((end - start).days + 1)).quantize(
        CENT, rounding=ROUND_HALF_UP)
    assert split.unspent == withdrawn
    assert split.entitled == granted - withdrawn
    assert 0 <= split.claim <= paid
    assert split.claim == max(D(0), paid - split.entitled)
    assert split.still_payable == max(D(0), split.entitled - paid)
    assert split.cancelled + split.still_payable == granted - paid
    assert paid - split.claim + split.still_payable == split.entitled


def test_cer_withdrawal_on_its_first_and_last_days():
    first = rules.cer_withdrawal(granted=D("100"), paid=D("100"), start=dt.date(2026, 1, 1),
                                 end=dt.date(2026, 1, 4), breach_date=dt.date(2026, 1, 1))
    assert (first.unspent, first.entitled, first.claim) == (D("75"), D("25"), D("75"))
    last = rules.cer_withdrawal(granted=D("100"), paid=D("100"), start=dt.date(2026, 1, 1),
                                end=dt.date(2026, 1, 4), breach_date=dt.date(2026, 1, 4))
    assert (last.unspent, last.claim, last.cancelled) == (D("0"), D("0"), D("0"))
    with pytest.raises(ValueError, match=r"^paid outside \[0, granted\]$"):
        rules.cer_withdrawal(granted=D("1"), paid=D("1.01"), start=dt.date(2026, 1, 1),
                             end=dt.date(2026, 1, 4), breach_date=dt.date(2026, 1, 2))
    with pytest.raises(ValueError, match="^breach outside the convention$"):
        rules.cer_withdrawal(granted=D("1"), paid=D("0"), start=dt.date(2026, 1, 1),
                             end=dt.date(2026, 1, 4), breach_date=dt.date(2026, 1, 5))


@table("amounts_,cut,expected", [
    (["10", "20", "30"], "0", ["10", "20", "30"]),
    (["10", "20", "30"], "30", ["10", "20", "0"]),
    (["10", "20", "30"], "35", ["10", "15", "0"]),
    (["10", "20", "30"], "60", ["0", "0", "0"]),
    (["10", "0", "30"], "31", ["9", "0", "0"]),
])
def test_reduce_lines_latest_first(amounts_, cut, expected):
    assert rules.reduce_lines([D(a) for a in amounts_], D(cut)) == [D(e) for e in expected]


def test_reduce_lines_refuses_one_cent_beyond_the_lines():
    with pytest.raises(ValueError, match=r"^cut outside \[0, total\]$"):
        rules.reduce_lines([D("10"), D("20")], D("30.01"))
    lines = [D("10"), D("20")]
    rules.reduce_lines(lines, D("5"))
    assert lines == [D("10"), D("20")]        # the caller's list is left as it was
