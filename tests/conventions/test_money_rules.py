"""Pure money and date rules at their boundaries: repayment of money paid (CGCT L1611-4),
reductions of unpaid lines, schedules, lateness, month arithmetic, shares, date order."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backoffice.core import dates
from backoffice.core.money import split_exact
from conventions import rules

CENT = Decimal("0.01")
amounts = st.decimals(min_value=Decimal("0"), max_value=Decimal("999999.99"), places=2)
rates = st.decimals(min_value=Decimal("0"), max_value=Decimal("1"), places=4)


@st.composite
def tranches(draw):
    granted = draw(amounts)
    paid = draw(st.decimals(min_value=Decimal("0"), max_value=granted, places=2))
    used = draw(st.decimals(min_value=Decimal("0"), max_value=granted, places=2))
    return granted, paid, used, draw(rates)


@given(tranches())
def test_repayment_on_paid_never_claims_more_than_paid_nor_leaves_more_than_used_and_kept(t):
    granted, paid, used, keep = t
    split = rules.repayment_on_paid(granted=granted, paid=paid, used=used, keep_rate=keep)
    kept = (granted * keep).quantize(CENT, rounding=ROUND_HALF_UP)
    assert Decimal(0) <= split.claim <= paid
    assert Decimal(0) <= split.cancelled <= granted - paid
    assert split.cancelled + split.still_payable == granted - paid
    assert paid - split.claim + split.still_payable == split.entitled <= used + kept
    assert split.entitled >= min(used, granted)
    # Nothing is claimed while unpaid lines remain payable.
    assert split.claim == 0 or split.still_payable == 0


@pytest.mark.parametrize("granted,paid,used,keep,claim,cancelled,still", [
    # The reported case: 30 000 granted, 15 000 paid, 10 000 used → 5 000 back, balance gone.
    ("30000", "15000", "10000", "0", "5000", "15000", "0"),
    ("30000", "15000", "10000", "0.10", "2000", "15000", "0"),
    ("30000", "15000", "20000", "0", "0", "10000", "5000"),
    ("30000", "30000", "24000", "0.10", "3000", "0", "0"),
    ("30000", "0", "24000", "0.10", "0", "3000", "27000"),
    ("30000", "30000", "30000", "0", "0", "0", "0"),
    ("30000", "15000", "15000", "0", "0", "15000", "0"),
    ("0.03", "0.01", "0", "0.5", "0", "0.01", "0.01"),   # 0.015 kept rounds half up to 0.02
])
def test_repayment_on_paid_examples(granted, paid, used, keep, claim, cancelled, still):
    split = rules.repayment_on_paid(granted=Decimal(granted), paid=Decimal(paid),
                                    used=Decimal(used), keep_rate=Decimal(keep))
    assert (split.claim, split.cancelled, split.still_payable) == (
        Decimal(claim), Decimal(cancelled), Decimal(still))


def test_repayment_on_paid_refuses_impossible_inputs():
    with pytest.raises(ValueError):
        rules.repayment_on_paid(granted=Decimal("10"), paid=Decimal("11"), used=Decimal("0"),
                                keep_rate=Decimal("0"))
    with pytest.raises(ValueError):
        rules.repayment_on_paid(granted=Decimal("10"), paid=Decimal("1"), used=Decimal("0"),
                                keep_rate=Decimal("1.5"))


def test_repayment_keep_rule_rounds_half_up():
    # 10 % of 0,05 € is 0,005 €: kept 0,01 € half up (0,00 € with banker's rounding).
    assert rules.repayment(granted=Decimal("0.05"), used=Decimal("0"),
                           keep_rate=Decimal("0.1")) == (Decimal("0.05"), Decimal("0.04"))
    assert rules.repayment_on_paid(granted=Decimal("0.05"), paid=Decimal("0.05"),
                                   used=Decimal("0"), keep_rate=Decimal("0.1")
                                   ).claim == Decimal("0.04")


@given(st.lists(amounts, min_size=1, max_size=5), st.data())
def test_reduce_lines_takes_the_cut_from_the_latest_lines(parts, data):
    cut = data.draw(st.decimals(min_value=Decimal("0"), max_value=sum(parts), places=2))
    reduced = rules.reduce_lines(parts, cut)
    assert sum(reduced) == sum(parts) - cut
    assert all(Decimal(0) <= new <= old for new, old in zip(reduced, parts, strict=True))
    # Lines are emptied from the end: only one line is partly cut, all later ones are 0.
    touched = [i for i, (new, old) in enumerate(zip(reduced, parts, strict=True)) if new != old]
    if touched:
        assert all(value == 0 for value in reduced[touched[0] + 1:])


def test_reduce_lines_refuses_a_cut_beyond_the_lines():
    with pytest.raises(ValueError):
        rules.reduce_lines([Decimal("1")], Decimal("1.01"))
    assert rules.reduce_lines([Decimal("5"), Decimal("3")], Decimal("4")) == [Decimal("4"),
                                                                              Decimal("0")]


def test_build_schedule_refuses_a_negative_amount_and_a_rate_outside_0_1():
    with pytest.raises(ValueError):
        rules.build_schedule(amount=Decimal("-1"), year=2026, advance_rate=Decimal("0"),
                             advance_due=dt.date(2026, 3, 31), balance_date=dt.date(2026, 9, 30),
                             balance_waits_for_report=False)
    with pytest.raises(ValueError):
        rules.build_schedule(amount=Decimal("1"), year=2026, advance_rate=Decimal("1.01"),
                             advance_due=dt.date(2026, 3, 31), balance_date=dt.date(2026, 9, 30),
                             balance_waits_for_report=False)


@pytest.mark.parametrize("due,paid,today,state", [
    (None, None, "2026-05-01", "waiting"),
    ("2026-05-16", None, "2026-05-01", "soon"),     # exactly 15 days ahead: soon
    ("2026-05-17", None, "2026-05-01", "ok"),       # 16 days ahead: not yet
    ("2026-05-01", None, "2026-05-01", "soon"),
    ("2026-04-30", None, "2026-05-01", "late"),
    ("2026-05-01", "2026-05-01", "2026-06-01", "ok"),
    ("2026-05-01", "2026-05-02", "2026-05-02", "late"),
    ("2026-05-10", "2026-05-02", "2026-05-02", "ok"),  # paid: never "soon"
])
def test_payment_state_boundaries(due, paid, today, state):
    parse = dt.date.fromisoformat
    assert rules.payment_state(due_by_date=parse(due) if due else None,
                               paid_on=parse(paid) if paid else None, today=parse(today),
                               soon_days=15) == state


@pytest.mark.parametrize("start,months,end", [
    ("2026-10-15", 3, "2027-01-15"),   # an October signature publishes in January of Y+1
    ("2026-09-30", 3, "2026-12-30"),
    ("2026-11-30", 3, "2027-02-28"),
    ("2027-11-30", 3, "2028-02-29"),
    ("2026-12-31", 1, "2027-01-31"),
    ("2026-01-31", 13, "2027-02-28"),
    ("2026-03-31", -1, "2026-02-28"),
])
def test_add_months(start, months, end):
    assert rules.add_months(dt.date.fromisoformat(start), months) == dt.date.fromisoformat(end)


@pytest.mark.parametrize("start,end,days", [
    ("2026-01-01", "2026-12-31", [365]),
    ("2028-01-01", "2028-12-31", [366]),
    ("2026-07-01", "2027-06-30", [184, 181]),
    ("2026-12-31", "2027-01-01", [1, 1]),
    ("2026-05-05", "2026-05-05", [1]),
    ("2026-06-01", "2028-01-31", [214, 365, 31]),
])
def test_days_per_year(start, end, days):
    parse = dt.date.fromisoformat
    assert rules.days_per_year(parse(start), parse(end)) == [Decimal(d) for d in days]


@given(total=amounts, weights=st.lists(st.integers(1, 400), min_size=1, max_size=6))
def test_split_exact_is_proportional_within_a_cent(total, weights):
    parts = split_exact(total, [Decimal(w) for w in weights])
    assert sum(parts) == total
    weight_sum = sum(weights)
    # Each part, the last one included, lies within a cent of its exact share (rounding every
    # part but the last to the nearest cent cannot promise that, nor that the last is ≥ 0).
    for part, weight in zip(parts, weights, strict=True):
        assert abs(part - total * weight / weight_sum) < CENT
    assert all(part >= 0 for part in parts)


def test_split_exact_examples():
    assert split_exact(Decimal("40000"), [Decimal(184), Decimal(181)]) == [Decimal("20164.38"),
                                                                          Decimal("19835.62")]
    assert split_exact(Decimal("0.01"), [Decimal(1), Decimal(1)]) == [Decimal("0.01"),
                                                                      Decimal("0.00")]
    assert split_exact(Decimal("10"), []) == []
    with pytest.raises(ValueError):
        split_exact(Decimal("10"), [Decimal(0)])


def test_date_rules_messages():
    today = dt.date(2026, 5, 1)
    assert dates.future_error(value=today, today=today, label="la date de signature") is None
    assert dates.future_error(value=dt.date(2026, 5, 2), today=today,
                              label="la date de signature") == (
        "La date de signature (02/05/2026) est dans le futur : enregistrez l'acte une fois "
        "accompli.")
    assert dates.order_error(earlier=today, later=today, earlier_label="a", later_label="b",
                             hint="h") is None
    assert dates.order_error(earlier=dt.date(2026, 5, 2), later=today,
                             earlier_label="la délibération", later_label="la date de signature",
                             hint="signez après la délibération.") == (
        "La date de signature (01/05/2026) précède la délibération (02/05/2026) : signez après "
        "la délibération.")
    assert dates.order_error(earlier=None, later=today, earlier_label="a", later_label="b",
                             hint="h") is None
    assert dates.collect(a=None, b="x") == {"b": "x"}


@pytest.mark.parametrize("total,yearly,start,end,annual", [
    # 12 months straddling two calendar years: the whole award is its annual amount.
    ("40000", ["20164.38", "19835.62"], "2026-07-01", "2027-06-30", "40000"),
    ("20000", ["20000"], "2026-01-01", "2026-12-31", "20000"),
    ("9000", ["9000"], "2026-03-01", "2026-05-31", "9000"),          # short: not inflated
    # Longer than 12 months: per 12 months, never below the largest tranche.
    ("90000", ["30000", "30000", "30000"], "2026-01-01", "2028-12-31", "30000"),
    ("60000", ["10000", "10000", "40000"], "2026-01-01", "2028-12-31", "40000"),
    ("48000", ["16000", "32000"], "2026-07-01", "2027-12-31", "32000"),
    ("48000", ["24000", "24000"], "2026-07-01", "2027-12-31", "31912.57"),
])
def test_annual_amount(total, yearly, start, end, annual):
    parse = dt.date.fromisoformat
    assert rules.annual_amount(total=Decimal(total), yearly=[Decimal(y) for y in yearly],
                               start=parse(start), end=parse(end)) == Decimal(annual)


def test_aid_by_year_adds_every_aid_of_the_year():
    assert rules.aid_by_year([([2026, 2027], Decimal("15000")), ([2026], Decimal("10000")),
                              ([2027], Decimal("500"))]) == {2026: Decimal("25000"),
                                                             2027: Decimal("15500")}
    assert rules.aid_by_year([]) == {}


@st.composite
def withdrawals(draw):
    start = draw(st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2030, 1, 1)))
    end = start + dt.timedelta(days=draw(st.integers(0, 4 * 366)))
    breach = start + dt.timedelta(days=draw(st.integers(0, (end - start).days)))
    granted = draw(amounts)
    paid = draw(st.decimals(min_value=Decimal("0"), max_value=granted, places=2))
    return granted, paid, start, end, breach


@given(withdrawals())
def test_cer_withdrawal_is_pro_rata_and_never_claims_more_than_paid(w):
    granted, paid, start, end, breach = w
    split = rules.cer_withdrawal(granted=granted, paid=paid, start=start, end=end,
                                 breach_date=breach)
    total, remaining = (end - start).days + 1, (end - breach).days
    assert abs(split.unspent - granted * remaining / total) <= Decimal("0.005")
    assert Decimal(0) <= split.unspent <= granted
    assert Decimal(0) <= split.claim <= paid
    assert split.cancelled + split.still_payable == granted - paid
    assert paid - split.claim + split.still_payable == split.entitled == granted - split.unspent


def test_cer_withdrawal_examples():
    # 36 500 € over 365 days, breach on day 100: 265 days remain → 26 500 € withdrawn.
    split = rules.cer_withdrawal(granted=Decimal("36500"), paid=Decimal("18250"),
                                 start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31),
                                 breach_date=dt.date(2026, 4, 10))
    assert (split.unspent, split.entitled, split.claim, split.cancelled) == (
        Decimal("26500.00"), Decimal("10000.00"), Decimal("8250.00"), Decimal("18250.00"))
    last_day = rules.cer_withdrawal(granted=Decimal("100"), paid=Decimal("0"),
                                    start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31),
                                    breach_date=dt.date(2026, 12, 31))
    assert last_day.unspent == 0 and last_day.still_payable == Decimal("100")
    with pytest.raises(ValueError):
        rules.cer_withdrawal(granted=Decimal("1"), paid=Decimal("0"), start=dt.date(2026, 1, 1),
                             end=dt.date(2026, 12, 31), breach_date=dt.date(2027, 1, 1))
    with pytest.raises(ValueError):
        rules.cer_withdrawal(granted=Decimal("1"), paid=Decimal("2"), start=dt.date(2026, 1, 1),
                             end=dt.date(2026, 12, 31), breach_date=dt.date(2026, 6, 1))


@pytest.mark.parametrize("nature,fund_account,account", [
    ("fonctionnement", "", "6574"),
    ("projet", "", "6574"),
    ("ingenierie", "", "6574"),
    ("investissement", "", "20421"),
    ("investissement", "6574", "20421"),     # an operating fund's account never charges equipment
    ("investissement", "20422", "20422"),    # the fund's own 204x account wins
    ("fonctionnement", "20421", "6574"),
    ("projet", "65748", "65748"),
])
def test_default_imputation_follows_the_nature(nature, fund_account, account):
    assert rules.default_imputation(nature=nature, operating="6574", investment="20421",
                                    fund_account=fund_account) == account


# Boundaries that pin the arithmetic (each fails if a rounding, a bound or a guard changes).

@pytest.mark.parametrize("call,message", [
    (lambda: rules.build_schedule(amount=Decimal("-0.01"), year=2026, advance_rate=Decimal(0),
                                  advance_due=dt.date(2026, 3, 31),
                                  balance_date=dt.date(2026, 9, 30),
                                  balance_waits_for_report=False), "negative amount"),
    (lambda: rules.build_schedule(amount=Decimal("1"), year=2026, advance_rate=Decimal("-0.01"),
                                  advance_due=dt.date(2026, 3, 31),
                                  balance_date=dt.date(2026, 9, 30),
                                  balance_waits_for_report=False),
     r"advance rate outside \[0, 1\]"),
    (lambda: rules.repayment_on_paid(granted=Decimal("-1"), paid=Decimal(0), used=Decimal(0),
                                     keep_rate=Decimal(0)),
     r"negative amount or rate outside \[0, 1\]"),
    (lambda: rules.repayment_on_paid(granted=Decimal(1), paid=Decimal("-1"), used=Decimal(0),
                                     keep_rate=Decimal(0)),
     r"negative amount or rate outside \[0, 1\]"),
    (lambda: rules.repayment_on_paid(granted=Decimal(1), paid=Decimal(0), used=Decimal("-1"),
                                     keep_rate=Decimal(0)),
     r"negative amount or rate outside \[0, 1\]"),
    (lambda: rules.repayment_on_paid(granted=Decimal(1), paid=Decimal(0), used=Decimal(0),
                                     keep_rate=Decimal("-0.1")),
     r"negative amount or rate outside \[0, 1\]"),
    (lambda: rules.repayment_on_paid(granted=Decimal(1), paid=Decimal(2), used=Decimal(0),
                                     keep_rate=Decimal(0)), "paid above granted"),
    (lambda: rules.cer_withdrawal(granted=Decimal(1), paid=Decimal(0), start=dt.date(2026, 1, 2),
                                  end=dt.date(2026, 12, 31), breach_date=dt.date(2026, 1, 1)),
     "breach outside the convention"),
    (lambda: rules.cer_withdrawal(granted=Decimal(1), paid=Decimal("-1"),
                                  start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31),
                                  breach_date=dt.date(2026, 6, 1)), r"paid outside \[0, granted\]"),
    (lambda: rules.reduce_lines([Decimal(1)], Decimal("-0.01")), r"cut outside \[0, total\]"),
    (lambda: split_exact(Decimal(1), [Decimal(1), Decimal(-1)]),
     "La somme des poids doit être positive."),
])
def test_guards_say_what_is_wrong(call, message):
    with pytest.raises(ValueError, match=f"^{message}$"):
        call()


def test_rounding_is_half_up_everywhere():
    # 0,025 € rounds to 0,03 € (half up), not 0,02 € (banker's rounding).
    items = rules.build_schedule(amount=Decimal("0.05"), year=2026, advance_rate=Decimal("0.5"),
                                 advance_due=dt.date(2026, 3, 31),
                                 balance_date=dt.date(2026, 9, 30),
                                 balance_waits_for_report=False)
    assert [i.amount for i in items] == [Decimal("0.03"), Decimal("0.02")]
    assert rules.annual_amount(total=Decimal("0.05"), yearly=[], start=dt.date(2026, 1, 1),
                               end=dt.date(2027, 12, 31)) == Decimal("0.03")
    split = rules.cer_withdrawal(granted=Decimal("0.05"), paid=Decimal("0"),
                                 start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 2),
                                 breach_date=dt.date(2026, 1, 1))
    assert split.unspent == Decimal("0.03")
    assert split_exact(Decimal("0.05"), [Decimal(1), Decimal(1)]) == [Decimal("0.03"),
                                                                      Decimal("0.02")]


def test_schedule_boundaries():
    items = rules.build_schedule(amount=Decimal("100"), year=2026, advance_rate=Decimal("1"),
                                 advance_due=dt.date(2026, 3, 31),
                                 balance_date=dt.date(2026, 9, 30),
                                 balance_waits_for_report=False)
    assert [(i.kind, i.amount) for i in items] == [
        (rules.ADVANCE, Decimal("100.00")), (rules.BALANCE, Decimal("0.00"))]


def test_annual_amount_boundary_of_twelve_months():
    start = dt.date(2026, 1, 1)
    # 12 months exactly (to 31/12): in full; one day more: per 12 months.
    assert rules.annual_amount(total=Decimal("36600"), yearly=[], start=start,
                               end=dt.date(2026, 12, 31)) == Decimal("36600")
    assert rules.annual_amount(total=Decimal("36600"), yearly=[], start=start,
                               end=dt.date(2027, 1, 1)) == Decimal("36500.00")
    assert rules.annual_amount(total=Decimal("38000"), yearly=[], start=start,
                               end=dt.date(2027, 1, 15)) == Decimal("36500.00")


@pytest.mark.parametrize("granted,used", [("30000", "10000"), ("30000", "0"), ("100", "100")])
def test_repayment_on_paid_reports_the_unspent_part(granted, used):
    split = rules.repayment_on_paid(granted=Decimal(granted), paid=Decimal(granted),
                                    used=Decimal(used), keep_rate=Decimal(0))
    assert split.unspent == Decimal(granted) - Decimal(used)
    assert split.claim == split.unspent


def test_default_imputation_without_fund_account():
    assert rules.default_imputation(nature="investissement", operating="6574",
                                    investment="20421") == "20421"
    assert rules.default_imputation(nature="projet", operating="6574",
                                    investment="20421") == "6574"


def test_schedule_errors_messages():
    item = rules.ScheduleItem
    assert rules.schedule_errors(amount=Decimal("10"), items=[]) == [
        "L'échéancier doit comporter au moins une ligne."]
    assert rules.schedule_errors(amount=Decimal("10"), items=[
        item(rules.ADVANCE, Decimal("-1"), dt.date(2026, 5, 1)),
        item(rules.BALANCE, Decimal("10.001"), dt.date(2026, 4, 1))]) == [
        "Un montant d'échéance ne peut pas être négatif.",
        "Les montants s'expriment en euros et centimes.",
        "L'échéancier totalise 9,00\u00a0€ alors que la tranche est de 10,00\u00a0€ : la somme "
        "doit être exacte.",
        "Les dates de l'échéancier doivent se suivre dans l'ordre."]
    assert rules.schedule_errors(amount=Decimal("10"), items=[
        item(rules.ADVANCE, Decimal("4"), None), item(rules.BALANCE, Decimal("6"),
                                                     dt.date(2026, 4, 1))]) == []


def test_month_day():
    assert rules.month_day("03-31") == (3, 31)
    assert rules.on_month_day(2027, (2, 29)) == dt.date(2027, 2, 28)
    assert rules.on_month_day(2028, (2, 29)) == dt.date(2028, 2, 29)
