import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard import rules


def test_share_is_undefined_without_a_whole():
    assert rules.share(Decimal("3"), Decimal("4")) == Decimal("0.7500")
    assert rules.share(1, 3) == Decimal("0.3333")
    assert rules.share(0, 0) is None
    assert rules.share(5, None) is None


def test_percentile_matches_percentile_cont_by_hand():
    # 4 values: median between 60 and 61; p90 at rank 2.7 → 61 + 0.7 × (100 − 61).
    values = [100, 10, 61, 60]
    assert rules.percentile(values, 0.5) == pytest.approx(60.5)
    assert rules.percentile(values, 0.9) == pytest.approx(88.3)
    assert rules.percentile([7], 0.9) == 7
    assert rules.percentile([], 0.5) is None
    with pytest.raises(ValueError):
        rules.percentile([1], 1.5)


@given(st.lists(st.integers(min_value=-400, max_value=400), min_size=1, max_size=60),
       st.floats(min_value=0, max_value=1))
def test_percentile_lies_between_min_and_max_and_grows_with_q(values, q):
    p = rules.percentile(values, q)
    assert min(values) <= p <= max(values)
    assert rules.percentile(values, 0) == min(values)
    assert rules.percentile(values, 1) == max(values)
    assert rules.percentile(values, q) <= rules.percentile(values, min(1.0, q + 0.1)) + 1e-9


def test_day_60_is_on_time_and_day_61_late():
    assert rules.on_time(60)
    assert not rules.on_time(61)
    assert rules.delay_bucket(60) == 3
    assert rules.delay_bucket(61) == 4
    assert rules.delay_bucket(-3) == 0
    assert rules.delay_bucket(5000) == len(rules.DELAY_BUCKETS) - 1
    # The chart marker sits right after the last on-time bucket.
    assert rules.DELAY_BUCKETS[rules.DELAY_LIMIT_POSITION - 1][2] == rules.PAYMENT_LIMIT_DAYS


@given(st.integers(min_value=-30, max_value=400))
def test_every_delay_falls_in_exactly_one_bucket(days):
    index = rules.delay_bucket(days)
    _label, low, high = rules.DELAY_BUCKETS[index]
    assert (high is None or days <= high) and (days >= low or index == 0)
    assert (index >= rules.DELAY_LIMIT_POSITION) == (not rules.on_time(days))


def test_trend_says_whether_the_change_is_good_news():
    assert rules.trend(Decimal("0.8"), Decimal("0.7")) == {"direction": "up", "good": True}
    assert rules.trend(40, 30, higher_is_better=False) == {"direction": "up", "good": False}
    assert rules.trend(3, 3) == {"direction": "flat", "good": None}
    assert rules.trend(None, 3) is None


def test_add_months_clamps_to_the_end_of_month():
    assert rules.add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)
    assert rules.add_months(dt.date(2027, 8, 31), 6) == dt.date(2028, 2, 29)
    assert rules.month_bounds(dt.date(2026, 2, 10)) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))


def test_remaining_shows_overcommitment():
    assert rules.remaining(Decimal("100"), Decimal("130")) == Decimal("-30")
    assert rules.percent(Decimal("0.1234")) == Decimal("12.3")
    assert rules.percent(None) is None


@given(st.dictionaries(st.integers(-30, 400), st.integers(0, 50), max_size=40),
       st.sampled_from([0, 0.1, 0.5, 0.9, 1]))
def test_percentile_of_counts_equals_percentile_of_the_values(counts, q):
    values = [value for value, count in counts.items() for _ in range(count)]
    assert rules.percentile_of_counts(counts, q) == rules.percentile(values, q)


def test_percentile_of_counts_by_hand():
    # 60 ×2, 61, 100: the values 60, 60, 61, 100 → median 60.5; p90 61 + 0.7 × 39.
    assert rules.percentile_of_counts({61: 1, 100: 1, 60: 2}, 0.5) == 60.5
    assert rules.percentile_of_counts({61: 1, 100: 1, 60: 2}, 0.9) == pytest.approx(88.3)
    assert rules.percentile_of_counts({}, 0.5) is None
    assert rules.percentile_of_counts({5: 0}, 0.5) is None
    with pytest.raises(ValueError):
        rules.percentile_of_counts({1: 1}, 1.5)
