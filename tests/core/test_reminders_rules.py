"""Property tests of the pure reminder rules."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from backoffice.core.reminders import rules

dates = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2035, 12, 31))
offsets = st.lists(st.integers(min_value=-400, max_value=400), max_size=8)


@given(day=dates, last=st.one_of(st.none(), dates), lookback=st.integers(0, 90))
def test_scan_window_is_bounded_and_ends_on_the_day(day, last, lookback):
    start, end = rules.scan_window(day=day, last_success=last, lookback_days=lookback)
    assert end == day
    assert day - dt.timedelta(days=lookback) <= start <= day
    if last is not None and last < day and (day - last).days <= lookback:
        # Resumes exactly the day after the last success: no day skipped, none scanned twice.
        assert start == last + dt.timedelta(days=1)


@given(deadline=dates, offs=offsets, start=dates, span=st.integers(0, 60))
def test_steps_within_matches_the_deadline_ranges(deadline, offs, start, span):
    end = start + dt.timedelta(days=span)
    steps = rules.steps_within(deadline, offs, start, end)
    assert all(start <= on <= end for _offset, on in steps)
    assert [on for _o, on in steps] == sorted(on for _o, on in steps)
    for offset in set(offs):
        low, high = rules.deadline_range(start, end, offset)
        assert (low <= deadline <= high) == (offset in {o for o, _on in steps})


@given(offs=st.lists(st.integers(-1000, 1000), unique=True))
def test_step_labels_are_distinct(offs):
    assert len({rules.step_label(o) for o in offs}) == len(offs)


@given(first=st.integers(-30, 30), every=st.integers(1, 30), until=st.integers(-30, 400))
def test_repeating_offsets_are_bounded(first, every, until):
    result = rules.repeating_offsets(first=first, every=every, until=until)
    assert result == sorted(set(result))
    assert all(first <= o <= until for o in result)
    assert (result == []) == (first > until)
