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


@pytest.mark.parametrize("raw", ["NaN", "nan", "Infinity", "-inf", "sNaN", "douze", "", "1e30"])
def test_to_money_refuses_what_is_not_an_amount(raw):
    with pytest.raises(ValueError, match="Montant illisible"):
        to_money(raw)


def test_to_money_refuses_float():
    with pytest.raises(TypeError):
        to_money(0.1)


def test_format_eur():
    assert format_eur(Decimal("12345.6")) == "12\u202f345,60\u00a0€"


def test_french_formatting_of_amounts_hours_rates_and_plurals():
    import datetime as dt

    from backoffice.core.money import (
        format_date,
        format_hours,
        format_number,
        format_percent,
        format_rate,
        plural,
    )

    nb, thin = "\u00a0", "\u202f"
    assert format_eur(Decimal("9734.5")) == f"9{thin}734,50{nb}€"
    assert format_eur(Decimal("-36000")) == f"-36{thin}000,00{nb}€"
    assert format_hours(Decimal("200")) == f"200,00{nb}h"
    assert format_hours(Decimal("12.50"), trim=True) == f"12,5{nb}h"
    assert format_rate(Decimal("12.02")) == f"12,02{nb}€/h"
    assert format_number(Decimal("1234567.891")) == f"1{thin}234{thin}567,89"
    assert format_percent(Decimal("12.50")) == f"12,5{nb}%"
    assert plural(4, "voix") == f"4{nb}voix"
    assert plural(1, "convention") == f"1{nb}convention"
    assert plural(0, "salarié") == f"0{nb}salarié"
    assert plural(2, "salarié") == f"2{nb}salariés"
    assert plural(1500, "journal", "journaux") == f"1{thin}500{nb}journaux"
    assert format_date(dt.date(2026, 12, 1)) == "1er décembre 2026"
    assert format_date(dt.date(2027, 6, 30), long=False) == "30/06/2027"


def test_amounts_in_words_and_names_with_their_article():
    from backoffice.core.money import amount_in_words, to_name, with_article

    assert amount_in_words(Decimal("4000")) == "quatre mille euros"
    assert amount_in_words(Decimal("36000.50")) == "trente-six mille euros et cinquante centimes"
    assert amount_in_words(Decimal("1000000")) == "un million d'euros"
    assert amount_in_words(Decimal("1.01")) == "un euro et un centime"
    assert with_article("Ville de Lorient") == "la Ville de Lorient"
    assert with_article("Département du Morbihan") == "le Département du Morbihan"
    assert with_article("Eurométropole de Strasbourg") == "l'Eurométropole de Strasbourg"
    assert with_article("Lorient Agglomération") == "Lorient Agglomération"
    assert to_name("Les Jardins partagés") == "aux Jardins partagés"
    assert to_name("Énergies citoyennes") == "à Énergies citoyennes"
