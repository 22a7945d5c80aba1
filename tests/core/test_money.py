from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backoffice.core.money import format_eur, split_exact, to_money


@given(
    total=st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False),
    weights=st.lists(st.integers(min_value=1, max_value=100), min_size=1, max_size=12),
)
def test_split_exact_always_sums_to_total(total, weights):
    parts = split_exact(total, [Decimal(w) for w in weights])
    assert sum(parts) == total
    assert all(p == p.quantize(Decimal("0.01")) for p in parts)


@pytest.mark.parametrize("raw, expected", [
    ("137 825,00", Decimal("137825.00")), ("1.234,5", Decimal("1234.50")),
    ("12.3", Decimal("12.30")), (5, Decimal("5.00")), ("1 000 €", Decimal("1000.00")),
    ("1,234.56", Decimal("1234.56")), ("1.234.567,89", Decimal("1234567.89")),
])
def test_to_money_reads_french_notation(raw, expected):
    assert to_money(raw) == expected


@pytest.mark.parametrize("raw", ["NaN", "nan", "Infinity", "-inf", "sNaN", "douze", ""])
def test_to_money_refuses_what_is_not_an_amount(raw):
    with pytest.raises(ValueError, match="Montant illisible"):
        to_money(raw)


def test_to_money_refuses_float():
    with pytest.raises(TypeError):
        to_money(0.1)


def test_format_eur():
    assert format_eur(Decimal("12345.6")) == "12\u202f345,60\u00a0€"
