"""Money helpers: exact Decimal euros, exact splits, and the one French formatting of numbers,
hours, percentages, dates and plurals used by every message, page, export header and PDF."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def parse_decimal(value) -> Decimal:
    """Read a number typed the French or the English way ("200 000,50", "200000.5",
    "1.234,56", "200 000 €") exactly as written: no rounding, nothing multiplied.

    The one parser of typed numbers: money (``to_money``) and percentages go through it.
    Floats are refused (never binary floating point); ValueError when unreadable.
    """
    if isinstance(value, float):
        raise TypeError("Les montants ne passent jamais par un float.")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    text = str(value).strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    text = text.replace("€", "")
    if "," in text and "." in text:
        # The last separator is the decimal one: 1.234,56 (French) or 1,234.56 (English).
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    else:
        text = text.replace(",", ".")
    try:
        number = Decimal(text)
        if not number.is_finite():
            raise InvalidOperation
        return number
    except InvalidOperation as exc:
        raise ValueError(f"Nombre illisible : « {value} »") from exc


def to_money(value) -> Decimal:
    """Parse a number (Decimal, int, str with French or English notation) into euros and cents.

    Floats are refused: money never goes through binary floating point.
    """
    try:
        return parse_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    except (ValueError, ArithmeticError) as exc:
        # ArithmeticError: a number too large to hold to the cent ("1e30").
        raise ValueError(f"Montant illisible : « {value} »") from exc


def split_exact(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split ``total`` in proportion to ``weights``: each running total of the parts is its
    share of ``total`` rounded half up to the cent, and each part is the difference of two
    running totals (rounding each part alone could push the last one below zero: 0,02 € in
    four equal parts would give 0,01 + 0,01 + 0,01 − 0,01).

    Invariants: the parts are rounded to the cent, sum exactly to ``total``, are ≥ 0 for
    non-negative weights and each lies within a cent of its exact share.
    """
    total = to_money(total)
    if not weights:
        return []
    weight_sum = sum(weights, Decimal(0))
    if weight_sum <= 0:
        raise ValueError("La somme des poids doit être positive.")
    running, reached, parts = Decimal(0), ZERO, []
    for w in weights[:-1]:
        running += Decimal(w)
        share = (total * running / weight_sum).quantize(CENT, rounding=ROUND_HALF_UP)
        parts.append(share - reached)
        reached = share
    parts.append(total - reached)
    return parts


THIN_SPACE = "\u202f"  # thousands separator (narrow no-break space)
NO_BREAK_SPACE = "\u00a0"  # between a number and its unit
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre")


def format_number(value, places: int = 2, *, trim: bool = False) -> str:
    """12345.6 → '12 345,60' (``places`` decimals, comma, narrow no-break space between
    thousands); ``trim`` drops useless trailing zeros ('12,5', '200'). '—' for None or ''."""
    if value is None or value == "":
        return "—"
    if isinstance(value, float):
        value = Decimal(repr(value))
    number = Decimal(value) if not isinstance(value, Decimal) else value
    if not number.is_finite():
        return "—"
    number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    sign = "-" if number < 0 else ""
    text = f"{abs(number):f}"
    units, _dot, decimals = text.partition(".")
    if trim:
        decimals = decimals.rstrip("0")
    groups = []
    while units:
        groups.insert(0, units[-3:])
        units = units[:-3]
    return sign + THIN_SPACE.join(groups) + (f",{decimals}" if decimals else "")


def format_eur(value) -> str:
    """12345.6 → '12 345,60 €'; '—' for None."""
    if value is None or value == "":
        return "—"
    return f"{format_number(to_money(value))}{NO_BREAK_SPACE}€"


def format_hours(value, *, trim: bool = False) -> str:
    """200 → '200,00 h' (``trim``: '200 h', '12,5 h'); '—' for None."""
    if value is None or value == "":
        return "—"
    return f"{format_number(value, 2, trim=trim)}{NO_BREAK_SPACE}h"


def format_rate(value) -> str:
    """An hourly rate: 12.02 → '12,02 €/h'."""
    if value is None or value == "":
        return "—"
    return f"{format_number(value)}{NO_BREAK_SPACE}€/h"


def format_percent(value, places: int = 2) -> str:
    """A percentage number (not a share): 12.5 → '12,5 %', 10 → '10 %'."""
    if value is None or value == "":
        return "—"
    return f"{format_number(value, places, trim=True)}{NO_BREAK_SPACE}%"


def plural_suffix(count) -> str:
    """French rule: 0 and 1 are singular ('0 salarié', '1 convention'), 2 and more plural."""
    try:
        return "s" if abs(Decimal(str(count))) >= 2 else ""
    except (InvalidOperation, ValueError):
        return ""


def plural(count, singular: str, plural_form: str | None = None) -> str:
    """'1 convention', '3 conventions', '4 voix', '1 salarié' (count, a no-break space, the
    word; words ending in s, x or z do not change; ``plural_form`` for irregular words)."""
    if plural_form is None:
        plural_form = singular if singular[-1:] in ("s", "x", "z") else singular + "s"
    word = plural_form if plural_suffix(count) else singular
    number = format_number(count, 0) if isinstance(count, int) else format_number(
        count, 2, trim=True)
    return f"{number}{NO_BREAK_SPACE}{word}"


def format_date(value, *, long: bool = True) -> str:
    """date(2026, 12, 1) → '1er décembre 2026' (``long``) or '01/12/2026'; '—' for None."""
    if value is None or value == "":
        return "—"
    if not long:
        return value.strftime("%d/%m/%Y")
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {MONTHS[value.month - 1]} {value.year}"


def amount_in_words(value) -> str:
    """4000 → 'quatre mille euros', 12345.5 → 'douze mille trois cent quarante-cinq euros et
    cinquante centimes' (a convention states its amounts in figures and in words)."""
    from num2words import num2words

    amount = to_money(value)
    euros, cents = divmod(int(abs(amount) * 100), 100)
    words = num2words(euros, lang="fr")
    text = f"{words} euro{'s' if euros >= 2 else ''}"
    if euros and euros % 1_000_000 == 0:
        text = f"{words} d'euros"
    if cents:
        text += f" et {num2words(cents, lang='fr')} centime{'s' if cents >= 2 else ''}"
    return ("moins " if amount < 0 else "") + text


def with_article(name: str) -> str:
    """The authority's name with its article, as a sentence needs it: 'la Ville de Lorient',
    'le Département du Morbihan', "l'Eurométropole", 'Lorient Agglomération' (no article)."""
    name = (name or "").strip()
    first = name.split(" ")[0].lower() if name else ""
    feminine = {"ville", "commune", "région", "communauté", "métropole", "collectivité"}
    masculine = {"département", "conseil", "syndicat", "pays", "pôle"}
    if first in feminine:
        return f"la {name}"
    if first in masculine:
        return f"le {name}"
    if first[:1] and first[:1] in "aeiouyéèêh":
        return f"l'{name}"
    return name


def to_name(name: str) -> str:
    """'à' before a name, contracted as French wants it: 'aux Jardins partagés', 'au Cercle
    nautique', 'à Énergies citoyennes'."""
    name = (name or "").strip()
    if name.startswith("Les "):
        return f"aux {name[4:]}"
    if name.startswith("Le "):
        return f"au {name[3:]}"
    return f"à {name}"
