"""Valuation of volunteer hours at its boundaries: which rate is in force, half-up rounding to
the cent, exact totals, the 24-hour day, project periods and what a page accepts as input."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.rule_tables import table
from volunteering import rules

deterministic = settings(derandomize=True, database=None, deadline=None)
D = Decimal
RATES = [
    rules.Rate(rules.SMIC, dt.date(2025, 1, 1), D("11.88")),
    rules.Rate(rules.SMIC, dt.date(2026, 1, 1), D("12.02")),
    rules.Rate(rules.CHARGES_COEFFICIENT, dt.date(2025, 1, 1), D("1.5")),
    rules.Rate(rules.CHARGES_COEFFICIENT, dt.date(2026, 1, 1), D("1.45")),
    rules.Rate(rules.REPLACEMENT, dt.date(2025, 1, 1), D("20.005"), "cadre"),
    rules.Rate(rules.REPLACEMENT, dt.date(2025, 1, 1), D("15.125"), "employe"),
    rules.Rate(rules.REPLACEMENT, dt.date(2025, 1, 1), D("99"), ""),
]


@table("kind,on,qualification,value", [
    (rules.SMIC, dt.date(2025, 1, 1), "", D("11.88")),      # from its first day included
    (rules.SMIC, dt.date(2025, 12, 31), "", D("11.88")),    # until the day before the next
    (rules.SMIC, dt.date(2026, 1, 1), "", D("12.02")),
    (rules.REPLACEMENT, dt.date(2025, 6, 1), "cadre", D("20.005")),
    (rules.REPLACEMENT, dt.date(2025, 6, 1), "", D("99")),  # no qualification is its own level
])
def test_rate_in_force(kind, on, qualification, value):
    assert rules.rate_in_force(RATES, kind=kind, on=on, qualification=qualification) == value
    assert rules.rate_in_force(reversed(RATES), kind=kind, on=on,
                               qualification=qualification) == value


def test_a_missing_rate_says_which_one():
    with pytest.raises(rules.RateMissing) as missing:
        rules.rate_in_force(RATES, kind=rules.SMIC, on=dt.date(2024, 12, 31))
    assert missing.value.args == (rules.SMIC, "", dt.date(2024, 12, 31))
    with pytest.raises(rules.RateMissing) as missing:
        rules.rate_in_force(RATES, kind=rules.REPLACEMENT, on=dt.date(2025, 6, 1),
                            qualification="technicien")
    assert missing.value.args == (rules.REPLACEMENT, "technicien", dt.date(2025, 6, 1))
    assert issubclass(rules.RateMissing, LookupError)


@table("method,on,qualification,value", [
    (rules.SMIC_GROSS, dt.date(2025, 3, 1), "cadre", D("11.88")),
    (rules.SMIC_LOADED, dt.date(2025, 3, 1), "", D("17.82")),    # 11,88 × 1,5
    (rules.SMIC_LOADED, dt.date(2026, 3, 1), "", D("17.43")),    # 12,02 × 1,45 = 17,429
    (rules.METHOD_REPLACEMENT, dt.date(2025, 3, 1), "cadre", D("20.01")),   # half up
    (rules.METHOD_REPLACEMENT, dt.date(2025, 3, 1), "employe", D("15.13")),
])
def test_hourly_rate_by_method(method, on, qualification, value):
    rate = rules.hourly_rate(iter(RATES), method=method, on=on, qualification=qualification)
    assert rate == value
    assert rate.as_tuple().exponent == -2


def test_an_unknown_method_is_refused():
    with pytest.raises(ValueError, match="^Unknown valuation method 'forfait'$"):
        rules.hourly_rate(RATES, method="forfait", on=dt.date(2025, 3, 1), qualification="")


@table("hours,rate,value", [
    ("1", "0.125", "0.13"), ("1", "0.135", "0.14"), ("1", "0.124", "0.12"),
    ("2.5", "12.02", "30.05"), ("0.5", "0.01", "0.01"), ("0.4", "0.01", "0.00"),
    ("0", "12.02", "0.00"), ("24", "12.02", "288.48"),
])
def test_entry_value_rounds_half_up(hours, rate, value):
    result = rules.entry_value(D(hours), D(rate))
    assert result == D(value)
    assert result.as_tuple().exponent == -2


@table("hours,rate", [(2.5, D("11.88")), (D("2.5"), 11.88)])
def test_entry_value_refuses_a_float_in_either_place(hours, rate):
    with pytest.raises(TypeError, match=r"^Les heures et les taux ne passent jamais par un float\.$"):
        rules.entry_value(hours, rate)


def test_totals_of_nothing_are_zero_to_the_cent():
    hours, value = rules.sum_totals([])
    assert (str(hours), str(value)) == ("0.00", "0.00")
    assert rules.sum_totals([(D("1.5"), D("18.03")), (D("2"), D("24.04"))]) == (D("3.5"),
                                                                               D("42.07"))


@deterministic
@given(st.lists(st.tuples(st.sampled_from("ab"), st.integers(1, 3),
                          st.decimals(min_value=D("0.25"), max_value=D("24"), places=2)),
                max_size=12))
def test_days_over_limit_reports_each_total_above_24_hours(rows):
    existing = {("a", 1): D("20"), ("b", 3): D("24")}
    over = rules.days_over_limit(existing, iter(rows))
    totals = dict(existing)
    for person, day, hours in rows:
        totals[(person, day)] = totals.get((person, day), D(0)) + hours
    touched = {(person, day) for person, day, _hours in rows}
    assert over == {key: totals[key] for key in touched if totals[key] > 24}
    assert existing == {("a", 1): D("20"), ("b", 3): D("24")}  # the saved hours are untouched


def test_days_over_limit_boundaries():
    assert rules.days_over_limit({}, [("a", 1, D("24"))]) == {}
    assert rules.days_over_limit({}, [("a", 1, D("24.01"))]) == {("a", 1): D("24.01")}
    assert rules.days_over_limit({}, [("a", 1, D("12")), ("a", 1, D("12.5")),
                                      ("b", 1, D("12"))]) == {("a", 1): D("24.5")}
    # A day already above 24 h that gets no new hours is not reported again.
    assert rules.days_over_limit({("a", 1): D("30")}, [("a", 2, D("1"))]) == {}
    assert rules.MAX_HOURS_PER_DAY == D("24")


@table("reference,day,expected", [
    ("P", dt.date(2025, 1, 31), rules.BEFORE_PROJECT),
    ("P", dt.date(2025, 2, 1), None),                  # the first day counts
    ("P", dt.date(2025, 6, 30), None),                 # the last day counts
    ("P", dt.date(2025, 7, 1), rules.AFTER_PROJECT),
    ("OPEN_START", dt.date(1999, 1, 1), None),
    ("OPEN_START", dt.date(2025, 7, 1), rules.AFTER_PROJECT),
    ("OPEN_END", dt.date(2025, 1, 31), rules.BEFORE_PROJECT),
    ("OPEN_END", dt.date(2099, 1, 1), None),
    ("Q", dt.date(2025, 3, 1), rules.UNKNOWN_PROJECT),
    ("", dt.date(2025, 3, 1), None),
])
def test_project_problem_at_the_edges_of_the_period(reference, day, expected):
    periods = {"P": (dt.date(2025, 2, 1), dt.date(2025, 6, 30)),
               "OPEN_START": (None, dt.date(2025, 6, 30)),
               "OPEN_END": (dt.date(2025, 2, 1), None)}
    assert rules.project_problem(reference, day, periods) == expected
    assert rules.project_problem(reference, day, None) is None
    assert (rules.UNKNOWN_PROJECT, rules.BEFORE_PROJECT, rules.AFTER_PROJECT) == (
        "unknown", "before", "after")


@table("text,year", [
    ("2000", 2000), ("2100", 2100), (" 2026 ", 2026), (2026, 2026),
    ("1999", None), ("2101", None), ("", None), (None, None), ("20a6", None),
    ("-2026", None), ("٢٠٢٦", None), ("2026.0", None),
])
def test_parse_year(text, year):
    assert rules.parse_year(text) == year


@table("text,value", [
    ("0", 0), ("42", 42), (" 7 ", 7), (7, 7), ("9" * 18, int("9" * 18)),
    ("1" * 19, None), ("", None), (None, None), ("-1", None), ("٣", None), ("4x", None),
])
def test_parse_id(text, value):
    assert rules.parse_id(text) == value


def test_year_bounds_and_week_days():
    assert rules.year_bounds(2028) == (dt.date(2028, 1, 1), dt.date(2028, 12, 31))
    # A Sunday belongs to the week that started the Monday before; weeks cross year ends.
    assert rules.week_days(dt.date(2026, 1, 4)) == [dt.date(2025, 12, 29) + dt.timedelta(days=i)
                                                   for i in range(7)]
    assert rules.week_days(dt.date(2025, 12, 29))[0] == dt.date(2025, 12, 29)
    assert len(rules.week_days(dt.date(2026, 3, 12))) == 7
