"""The bounded table reader: bombs are refused in French before rows are materialised."""

from __future__ import annotations

import resource
import time
import tracemalloc

import pytest

from backoffice.core.tables import TableError, iter_table, table_limits
from tests.core.bombs import (
    VOLUNTEER_ROWS,
    dimension_bomb,
    far_cell_bomb,
    wide_row_bomb,
    workbook,
)


def _read(content, **limits):
    return list(iter_table(content, limits=table_limits(**limits)))


def test_a_normal_workbook_and_csv_are_read():
    assert _read(workbook(VOLUNTEER_ROWS)) == VOLUNTEER_ROWS
    assert _read(b"date;benevole\n01/03/2026;Anne\n") == [
        ["date", "benevole"], ["01/03/2026", "Anne"]]


def test_dimension_bomb_is_refused_from_its_declaration_fast_and_small():
    bomb = dimension_bomb()
    assert len(bomb) < 10_000
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(TableError) as exc:
        _read(bomb)
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert "lignes" in str(exc.value)
    assert elapsed < 2
    assert peak < 20 * 1024 * 1024


@pytest.mark.parametrize("ref, word", [("A1:XFD2", "colonnes"), ("A1:D1048576", "lignes")])
def test_declared_width_or_height_alone_is_refused(ref, word):
    with pytest.raises(TableError, match=word):
        _read(dimension_bomb(ref=ref))


def test_cells_beyond_the_caps_are_refused_even_when_nothing_is_declared():
    with pytest.raises(TableError, match="colonnes"):
        _read(far_cell_bomb())
    with pytest.raises(TableError, match="lignes"):
        _read(far_cell_bomb(), max_columns=20_000)


def test_a_row_with_more_cells_than_a_sheet_can_hold_stops_the_scan():
    tracemalloc.start()
    with pytest.raises(TableError, match="colonnes"):
        _read(wide_row_bomb())
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 30 * 1024 * 1024


def test_row_column_cell_and_size_caps_for_csv():
    with pytest.raises(TableError, match="lignes"):
        _read(("a;b\n" + "1;2\n" * 11).encode(), max_rows=10)
    assert len(_read(("a;b\n" + "1;2\n" * 10).encode(), max_rows=10)) == 11
    with pytest.raises(TableError, match="colonnes"):
        _read((";" * 200 + "\n").encode())
    with pytest.raises(TableError, match="cellule"):
        _read(("a;b\n" + "x" * 20_000 + ";1\n").encode())
    with pytest.raises(TableError, match="ligne dépasse"):
        _read(("a;b\n" + "\"" + "x;" * 60_000 + "\"\n").encode())
    with pytest.raises(TableError, match="Mo"):
        _read(b"a;b\n" + b"1;2\n" * 1000, max_bytes=100)


def test_xlsx_cell_and_row_caps():
    long_text = workbook([["a", "b"], ["x" * 20_000, "1"]])
    with pytest.raises(TableError, match="cellule"):
        _read(long_text)
    many = workbook([["a"]] + [[i] for i in range(30)])
    with pytest.raises(TableError, match="lignes"):
        _read(many, max_rows=10)


def test_peak_rss_of_the_bomb_stays_bounded():
    """ru_maxrss is the process's peak: reading the bomb must not raise it by more than a few
    megabytes (the unbounded reader grew it by gigabytes)."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(5):
        with pytest.raises(TableError):
            _read(dimension_bomb())
        with pytest.raises(TableError):
            _read(far_cell_bomb())
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert (after - before) < 50 * 1024  # kilobytes on Linux
