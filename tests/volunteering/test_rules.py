"""Property tests of the pure valuation rules."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from volunteering import rules

SMIC = [
    rules.Rate("smic", dt.date(2024, 1, 1), Decimal("11.65")),
    rules.Rate("smic", dt.date(2024, 11, 1), Decimal("11.88")),
    rules.Rate("smic", dt.date(2026, 1, 1), Decimal("12.02")),
    rules.Rate("charges_coefficient", dt.date(2024, 1, 1), Decimal("1.45")),
    rules.Rate("replacement", dt.date(2024, 1, 1), Decimal("14.50"), "employe"),
    rules.Rate("replacement", dt.date(2024, 1, 1), Decimal("28.00"), "cadre"),
    rules.Rate("replacement", dt.date(2025, 7, 1), Decimal("29.10"), "cadre"),
]
hours_st = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("24"), places=2)
rate_st = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500"), places=2)
day_st = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2027, 12, 31))


def expected_smic(day: dt.date) -> Decimal:
    if day >= dt.date(2026, 1, 1):
        return Decimal("12.02")
    if day >= dt.date(2024, 11, 1):
        return Decimal("11.88")
    return Decimal("11.65")


@pytest.mark.parametrize("day,rate", [
    (dt.date(2024, 1, 1), "11.65"), (dt.date(2024, 10, 31), "11.65"),
    (dt.date(2024, 11, 1), "11.88"), (dt.date(2025, 12, 31), "11.88"),
    (dt.date(2026, 1, 1), "12.02"), (dt.date(2026, 6, 30), "12.02"),
])
def test_smic_at_boundaries(day, rate):
    assert rules.hourly_rate(SMIC, method="smic_gross", on=day, qualification="") == Decimal(rate)


@given(day=day_st)
def test_rate_selection_matches_the_dated_table(day):
    assert rules.hourly_rate(SMIC, method="smic_gross", on=day, qualification="employe") \
        == expected_smic(day)


@given(day=day_st, shuffle=st.randoms())
def test_rate_selection_ignores_table_order(day, shuffle):
    rates = list(SMIC)
    shuffle.shuffle(rates)
    assert rules.rate_in_force(rates, kind="smic", on=day) == expected_smic(day)


def test_no_rate_before_the_first_one():
    with pytest.raises(rules.RateMissing):
        rules.hourly_rate(SMIC, method="smic_gross", on=dt.date(2023, 12, 31), qualification="")


def test_loaded_smic_is_gross_times_coefficient_rounded():
    # 11.88 × 1.45 = 17.226 → 17.23
    assert rules.hourly_rate(SMIC, method="smic_loaded", on=dt.date(2025, 1, 1),
                             qualification="") == Decimal("17.23")


def test_replacement_cost_depends_on_qualification_and_date():
    assert rules.hourly_rate(SMIC, method="replacement", on=dt.date(2025, 6, 30),
                             qualification="cadre") == Decimal("28.00")
    assert rules.hourly_rate(SMIC, method="replacement", on=dt.date(2025, 7, 1),
                             qualification="cadre") == Decimal("29.10")
    with pytest.raises(rules.RateMissing):
        rules.hourly_rate(SMIC, method="replacement", on=dt.date(2025, 7, 1),
                          qualification="technicien")


@given(hours=hours_st, rate=rate_st)
def test_entry_value_is_exact_to_the_cent(hours, rate):
    value = rules.entry_value(hours, rate)
    assert value == value.quantize(Decimal("0.01"))
    assert abs(value - hours * rate) <= Decimal("0.005")


def test_entry_value_refuses_floats():
    with pytest.raises(TypeError):
        rules.entry_value(2.5, Decimal("11.88"))


@given(st.lists(st.tuples(hours_st, rate_st), max_size=60))
def test_totals_equal_the_sum_of_entries(pairs):
    entries = [(h, rules.entry_value(h, r)) for h, r in pairs]
    hours, value = rules.sum_totals(entries)
    assert hours == sum((h for h, _v in entries), Decimal(0))
    assert value == sum((v for _h, v in entries), Decimal(0))
    # Splitting the entries in two and adding the partial totals gives the same figures.
    half = len(entries) // 2
    first, second = rules.sum_totals(entries[:half]), rules.sum_totals(entries[half:])
    assert (first[0] + second[0], first[1] + second[1]) == (hours, value)


@given(st.lists(st.tuples(st.sampled_from("ab"), st.sampled_from([1, 2]), hours_st),
                max_size=30))
def test_days_over_limit_flags_exactly_the_days_above_24(rows):
    new = [(person, dt.date(2025, 5, day), hours) for person, day, hours in rows]
    existing = {("a", dt.date(2025, 5, 1)): Decimal("20")}
    over = rules.days_over_limit(existing, new)
    totals = dict(existing)
    for person, day, hours in new:
        totals[(person, day)] = totals.get((person, day), Decimal(0)) + hours
    touched = {(p, d) for p, d, _h in new}
    assert set(over) == {k for k in touched if totals[k] > 24}


def test_exactly_24_hours_is_allowed():
    assert rules.days_over_limit({("a", 1): Decimal("20")}, [("a", 1, Decimal("4"))]) == {}
    assert rules.days_over_limit({("a", 1): Decimal("20")}, [("a", 1, Decimal("4.01"))]) \
        == {("a", 1): Decimal("24.01")}


def test_week_days_start_on_monday():
    days = rules.week_days(dt.date(2026, 3, 12))  # a Thursday
    assert days[0] == dt.date(2026, 3, 9) and days[-1] == dt.date(2026, 3, 15)


@given(day=day_st, reference=st.sampled_from(["", "A", "B", "Z"]))
def test_project_problem(day, reference):
    periods = {"A": (dt.date(2025, 1, 1), dt.date(2025, 12, 31)), "B": (None, None)}
    problem = rules.project_problem(reference, day, periods)
    if reference in ("", "B"):
        assert problem is None
    elif reference == "Z":
        assert problem == rules.UNKNOWN_PROJECT
    else:
        expected = (rules.BEFORE_PROJECT if day.year < 2025 else
                    rules.AFTER_PROJECT if day.year > 2025 else None)
        assert problem == expected
    assert rules.project_problem(reference, day, None) is None
