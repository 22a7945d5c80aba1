"""Money helpers: exact Decimal euros, French formatting, exact splits."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_money(value) -> Decimal:
    """Parse a number (Decimal, int, str with French or English notation) into euros and cents.

    Floats are refused: money never goes through binary floating point.
    """
    if isinstance(value, float):
        raise TypeError("Les montants ne passent jamais par un float.")
    if isinstance(value, Decimal):
        return value.quantize(CENT, rounding=ROUND_HALF_UP)
    if isinstance(value, int):
        return Decimal(value).quantize(CENT)
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
        amount = Decimal(text)
        if not amount.is_finite():
            raise InvalidOperation
        return amount.quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:
        raise ValueError(f"Montant illisible : « {value} »") from exc


def split_exact(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split ``total`` in proportion to ``weights``; the last part takes the rounding remainder.

    Invariant: the parts are rounded to the cent and always sum exactly to ``total``.
    """
    total = to_money(total)
    if not weights:
        return []
    weight_sum = sum(weights, Decimal(0))
    if weight_sum <= 0:
        raise ValueError("La somme des poids doit être positive.")
    parts = [(total * Decimal(w) / weight_sum).quantize(CENT, rounding=ROUND_HALF_UP)
             for w in weights[:-1]]
    parts.append(total - sum(parts, ZERO))
    return parts


def format_eur(value) -> str:
    """12345.6 → '12 345,60 €' (narrow no-break space as thousands separator)."""
    if value is None:
        return "—"
    amount = to_money(value)
    sign = "-" if amount < 0 else ""
    units, cents = f"{abs(amount):.2f}".split(".")
    groups = []
    while units:
        groups.insert(0, units[-3:])
        units = units[:-3]
    thin_space, no_break_space = "\u202f", "\u00a0"
    return f"{sign}{thin_space.join(groups)},{cents}{no_break_space}€"
