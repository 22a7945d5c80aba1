"""The money helpers at their boundaries: parsing, half-up rounding, exact proportional splits
and the French notation of every amount, hour, rate, percentage, date and plural."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backoffice.core import money
from backoffice.core.money import (
    amount_in_words,
    format_date,
    format_eur,
    format_hours,
    format_number,
    format_percent,
    format_rate,
    plural,
    plural_suffix,
    split_exact,
    to_money,
    to_name,
    with_article,
)
from tests.rule_tables import table

NB, THIN = "\u00a0", "\u202f"
CENT = Decimal("0.01")
deterministic = settings(derandomize=True, database=None, deadline=None)


# --- to_money -------------------------------------------------------------------------------

@table("raw,expected", [
    # ROUND_HALF_UP, never banker's rounding (0,125 would give 0,12).
    (Decimal("0.125"), Decimal("0.13")), (Decimal("0.135"), Decimal("0.14")),
    (Decimal("0.124"), Decimal("0.12")), (Decimal("-0.125"), Decimal("-0.13")),
    ("0,125", Decimal("0.13")), ("0.125", Decimal("0.13")), ("2,675", Decimal("2.68")),
    ("0,005", Decimal("0.01")), ("0,0049", Decimal("0.00")),
    (0, Decimal("0.00")), (-3, Decimal("-3.00")), (Decimal("7"), Decimal("7.00")),
])
def test_to_money_rounds_half_up_to_the_cent(raw, expected):
    amount = to_money(raw)
    assert amount == expected
    assert amount.as_tuple().exponent == -2


@table("raw,expected", [
    (f"1{THIN}234,50", Decimal("1234.50")),       # narrow no-break space, as format_eur writes
    (f"1{NB}234,50", Decimal("1234.50")),         # no-break space
    (f"  12{NB}345,60{NB}€ ", Decimal("12345.60")),  # what format_eur printed reads back
    ("1,5", Decimal("1.50")), ("1.5", Decimal("1.50")), ("1,234.5", Decimal("1234.50")),
    ("1.234,5", Decimal("1234.50")), ("-1 234,56", Decimal("-1234.56")),
])
def test_to_money_reads_what_people_type(raw, expected):
    assert to_money(raw) == expected


@table("raw", [
    "1,234.567,89",   # a comma after the decimal point: not an amount
    "1.234,567.89",   # a point after the decimal comma: not an amount
    "1,2,3", "€", "12 €ur",
])
def test_to_money_refuses_mixed_up_separators(raw):
    with pytest.raises(ValueError, match=f"^Montant illisible : « {raw} »$"):
        to_money(raw)


def test_to_money_says_why_it_refuses_a_float():
    with pytest.raises(TypeError, match=r"^Les montants ne passent jamais par un float\.$"):
        to_money(1.5)


@deterministic
@given(st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=2))
def test_format_eur_reads_back_to_the_same_amount(amount):
    assert to_money(format_eur(amount)) == amount


# --- split_exact ----------------------------------------------------------------------------

@deterministic
@given(total=st.decimals(min_value=Decimal("0"), max_value=Decimal("9999999.99"), places=2),
       weights=st.lists(st.integers(0, 500), min_size=1, max_size=8).filter(any))
def test_split_exact_parts_are_proportional_non_negative_and_sum_exactly(total, weights):
    parts = split_exact(total, [Decimal(w) for w in weights])
    weight_sum = sum(weights)
    assert len(parts) == len(weights)
    assert sum(parts) == total
    assert all(part >= 0 and part == part.quantize(CENT) for part in parts)
    for part, weight in zip(parts, weights, strict=True):
        assert abs(part - total * weight / weight_sum) < CENT
    # Every running total is its exact share rounded half up to the cent.
    running = 0
    for index, weight in enumerate(weights):
        running += weight
        assert sum(parts[:index + 1]) == (total * running / weight_sum).quantize(
            CENT, rounding=ROUND_HALF_UP)


@table("total,weights,parts", [
    ("100", [1, 1, 1], ["33.33", "33.34", "33.33"]),   # running totals 33,33 / 66,67 / 100
    ("0.05", [1, 1], ["0.03", "0.02"]),                # 0,025 half up
    ("0.02", [1, 1, 1], ["0.01", "0.00", "0.01"]),
    ("0.02", [1, 1, 1, 1], ["0.01", "0.00", "0.01", "0.00"]),  # never 0,01 ×3 then −0,01
    ("0.01", [1, 1, 0], ["0.01", "0.00", "0.00"]),
    ("0.03", [0, 0, 1], ["0.00", "0.00", "0.03"]),
    ("10", [3], ["10.00"]),
    ("10", [0, 1], ["0.00", "10.00"]),
    ("10.005", [1, 1], ["5.01", "5.00"]),              # the total itself rounds half up first
    ("1", [2, 2], ["0.50", "0.50"]),
])
def test_split_exact_examples_at_each_boundary(total, weights, parts):
    assert split_exact(Decimal(total), [Decimal(w) for w in weights]) == [Decimal(p)
                                                                          for p in parts]


def test_split_exact_accepts_integer_weights_and_a_zero_weight_sum_is_refused():
    assert split_exact("7", [1, 1]) == [Decimal("3.50"), Decimal("3.50")]
    with pytest.raises(ValueError, match="^La somme des poids doit être positive.$"):
        split_exact(Decimal("1"), [Decimal(0), Decimal(0)])


# --- French notation ------------------------------------------------------------------------

@table("function,empty", [(function, empty) for function in (
    format_eur, format_hours, format_rate, format_percent, format_number, format_date)
    for empty in (None, "")])
def test_nothing_to_show_is_a_dash(function, empty):
    assert function(empty) == "—"


@table("value,places,trim,text", [
    (Decimal("0.125"), 2, False, "0,13"),             # half up, not half even
    (Decimal("0.135"), 2, False, "0,14"),
    (Decimal("2.5"), 0, False, "3"),
    (Decimal("-2.5"), 0, False, "-3"),
    (Decimal("1234567.891"), 2, False, f"1{THIN}234{THIN}567,89"),
    (Decimal("123456"), 2, False, f"123{THIN}456,00"),
    (Decimal("999.995"), 2, False, f"1{THIN}000,00"),
    (Decimal("-1000"), 2, False, f"-1{THIN}000,00"),
    (Decimal("0"), 2, False, "0,00"),
    (Decimal("12.50"), 2, True, "12,5"),
    (Decimal("200"), 2, True, "200"),
    (Decimal("100.10"), 2, True, "100,1"),
    (Decimal("1.005"), 3, False, "1,005"),
    (0.1, 2, False, "0,10"),                           # a float goes through its repr, exactly
    (2.675, 2, False, "2,68"),                         # binary 2.67499… would round down
    (12, 2, False, "12,00"),
    ("3.14159", 4, False, "3,1416"),
])
def test_format_number(value, places, trim, text):
    assert format_number(value, places, trim=trim) == text


@table("value", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")])
def test_format_number_of_what_is_not_a_number_is_a_dash(value):
    assert format_number(value) == "—"


def test_format_number_default_is_two_places():
    assert format_number(Decimal("1.005")) == "1,01"


def test_amounts_hours_rates_and_percentages():
    assert format_eur(Decimal("0.125")) == f"0,13{NB}€"
    assert format_eur("1 234,5") == f"1{THIN}234,50{NB}€"
    assert format_eur(0) == f"0,00{NB}€"
    assert format_hours(Decimal("1.005")) == f"1,01{NB}h"
    assert format_hours(Decimal("7.25"), trim=True) == f"7,25{NB}h"
    assert format_hours(Decimal("7.00"), trim=True) == f"7{NB}h"
    assert format_rate(Decimal("11.885")) == f"11,89{NB}€/h"
    assert format_percent(Decimal("12.345")) == f"12,35{NB}%"
    assert format_percent(Decimal("12.345"), 3) == f"12,345{NB}%"
    assert format_percent(Decimal("10")) == f"10{NB}%"


@table("count,suffix", [
    (0, ""), (1, ""), (Decimal("1.99"), ""), (2, "s"), (-2, "s"), (Decimal("-1.5"), ""),
    ("3", "s"), ("beaucoup", ""), (None, ""),
])
def test_plural_suffix(count, suffix):
    assert plural_suffix(count) == suffix


@table("count,singular,plural_form,text", [
    (2, "voix", None, f"2{NB}voix"),
    (2, "prix", None, f"2{NB}prix"),
    (2, "nez", None, f"2{NB}nez"),
    (2, "repas", None, f"2{NB}repas"),
    (2, "heure", None, f"2{NB}heures"),
    (Decimal("1.5"), "heure", None, f"1,5{NB}heure"),
    (Decimal("12.50"), "heure", None, f"12,5{NB}heures"),
    (Decimal("2.25"), "heure", None, f"2,25{NB}heures"),
    (Decimal("2.125"), "heure", None, f"2,13{NB}heures"),   # two places at most, half up
    (Decimal("3"), "jour", None, f"3{NB}jours"),
    (1234, "euro", None, f"1{THIN}234{NB}euros"),
    (1, "journal", "journaux", f"1{NB}journal"),
])
def test_plural(count, singular, plural_form, text):
    assert plural(count, singular, plural_form) == text


@table("day,long,text", [
    (dt.date(2026, 12, 1), True, "1er décembre 2026"),
    (dt.date(2026, 1, 2), True, "2 janvier 2026"),
    (dt.date(2027, 8, 31), True, "31 août 2027"),
    (dt.date(2026, 1, 1), False, "01/01/2026"),
])
def test_format_date(day, long, text):
    assert format_date(day, long=long) == text


@table("value,words", [
    ("0", "zéro euro"), ("1", "un euro"), ("2", "deux euros"), ("3", "trois euros"),
    ("1.01", "un euro et un centime"), ("1.02", "un euro et deux centimes"),
    ("1.03", "un euro et trois centimes"), ("0.50", "zéro euro et cinquante centimes"),
    ("2000000", "deux millions d'euros"),
    ("-2", "moins deux euros"), ("-0.50", "moins zéro euro et cinquante centimes"),
    ("0.40", "zéro euro et quarante centimes"),
])
def test_amount_in_words(value, words):
    assert amount_in_words(Decimal(value)) == words


@table("name,text", [
    ("Ville de Lorient", "la Ville de Lorient"),
    ("Commune de Ploemeur", "la Commune de Ploemeur"),
    ("Région Bretagne", "la Région Bretagne"),
    ("Communauté de communes du Kreiz-Breizh", "la Communauté de communes du Kreiz-Breizh"),
    ("Métropole de Lyon", "la Métropole de Lyon"),
    ("Collectivité européenne d'Alsace", "la Collectivité européenne d'Alsace"),
    ("Département du Morbihan", "le Département du Morbihan"),
    ("Conseil départemental", "le Conseil départemental"),
    ("Syndicat mixte", "le Syndicat mixte"),
    ("Pays de Lorient", "le Pays de Lorient"),
    ("Pôle métropolitain", "le Pôle métropolitain"),
    ("Agglo", "l'Agglo"), ("Eurométropole", "l'Eurométropole"),
    ("Île-de-France Mobilités", "Île-de-France Mobilités"),
    ("Hennebont", "l'Hennebont"), ("Établissement public", "l'Établissement public"),
    ("Lorient Agglomération", "Lorient Agglomération"),
    ("  Ville de Vannes  ", "la Ville de Vannes"),
    ("", ""), (None, ""),
])
def test_with_article(name, text):
    assert with_article(name) == text


@table("name,text", [
    ("Les Jardins partagés", "aux Jardins partagés"),
    ("Le Cercle nautique", "au Cercle nautique"),
    ("  Le Cercle nautique ", "au Cercle nautique"),
    ("Lecture pour tous", "à Lecture pour tous"),
    ("le cercle", "à le cercle"),
    ("Énergies citoyennes", "à Énergies citoyennes"),
    (None, "à "), ("", "à "),
])
def test_to_name(name, text):
    assert to_name(name) == text


def test_the_constants_are_a_cent_and_zero_euros():
    assert (money.CENT, money.ZERO) == (Decimal("0.01"), Decimal("0.00"))
    assert str(money.ZERO) == "0.00"
