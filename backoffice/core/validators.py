"""Identifiers of French organisations: SIRET (python-stdnum, Luhn) and RNA."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import siret as stdnum_siret

RNA_RE = re.compile(r"^W\d{9}$")


def normalize_siret(value: str) -> str:
    """Strip spaces and dots used as separators; never repairs a float-mangled value."""
    return re.sub(r"[\s\u00a0]", "", str(value or ""))


def validate_siret(value: str) -> None:
    """A SIRET is 14 digits whose SIREN and SIRET both pass the Luhn check (stdnum.fr.siret)."""
    raw = normalize_siret(value)
    if not (raw.isascii() and raw.isdigit()):
        raise ValidationError(
            _("Le SIRET « %(value)s » doit contenir exactement 14 chiffres, sans lettre ni virgule."),
            code="siret_format",
            params={"value": value},
        )
    if len(raw) != 14:
        raise ValidationError(
            _("Le SIRET doit contenir 14 chiffres (%(count)s saisis)."),
            code="siret_length",
            params={"count": len(raw)},
        )
    try:
        stdnum_siret.validate(raw)
    except StdnumError as exc:
        raise ValidationError(
            _("Le SIRET « %(value)s » n'est pas valide (clé de contrôle incorrecte)."),
            code="siret_checksum",
            params={"value": value},
        ) from exc


def validate_rna(value: str) -> None:
    """RNA number of an association: W followed by 9 digits."""
    if not RNA_RE.match(str(value or "").strip().upper()):
        raise ValidationError(
            _("Le numéro RNA doit être la lettre W suivie de 9 chiffres (ex. W353012345)."),
            code="rna_format",
        )


def validate_iban(value: str) -> None:
    try:
        stdnum_iban.validate(value)
    except StdnumError as exc:
        raise ValidationError(_("L'IBAN saisi n'est pas valide."), code="iban") from exc


def parse_day_month(value: str) -> tuple[int, int]:
    """'31/12' → (12, 31): a closing date of a financial year, the same every year (so never
    29/02). ValueError when it is not one."""
    import calendar

    match = re.fullmatch(r"\s*(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*", str(value or ""))
    if not match:
        raise ValueError(value)
    day, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(2023, month)[1]:
        raise ValueError(value)
    return month, day


def validate_day_month(value: str) -> None:
    try:
        parse_day_month(value)
    except ValueError as exc:
        raise ValidationError(
            _("Indiquez un jour et un mois, par exemple 31/12 ou 30/06."), code="day_month",
        ) from exc
