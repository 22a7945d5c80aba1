"""Import of historical subsidies from SCDL-like open-data files."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from stdnum.fr import siret as stdnum_siret

from backoffice.core.models import LegalForm, Organisation
from backoffice.core.tables import TableError, csv_rows, table_limits, too_large_message

from ..models import ImportedSubsidy
from ..scdl import decode, normalise_header, parse_amount, parse_date, sniff_delimiter


@dataclass
class ImportReport:
    """``valid`` rows would be saved; ``imported`` were (0 on a dry run or when any row is
    invalid: all or nothing)."""

    rows: int = 0
    valid: int = 0
    imported: int = 0
    invalid: int = 0
    dry_run: bool = False
    amount: Decimal = Decimal("0.00")
    encoding: str = ""
    delimiter: str = ""
    errors: list[tuple[int, str]] = field(default_factory=list)

    def summary(self) -> dict:
        return {"rows": self.rows, "valid": self.valid, "invalid": self.invalid,
                "imported": self.imported, "amount": f"{self.amount:.2f}"}


class _Invalid(Exception):
    pass


@dataclass(frozen=True)
class _Beneficiary:
    """Who a row's subsidy went to: its name, and its SIRET or RNA number (at least one)."""

    name: str
    siret: str
    rna: str


@dataclass(frozen=True)
class _Row:
    """A checked row: the subsidy to save (without its organisation yet) and its beneficiary."""

    subsidy: ImportedSubsidy
    beneficiary: _Beneficiary


def _siret(raw: str) -> str:
    text = (raw or "").strip().replace(" ", "")
    if not text:
        return ""
    if re.fullmatch(r"\d+\.\d*(e\+?\d+)?", text, flags=re.IGNORECASE):
        # A spreadsheet turned the SIRET into a float: the last digits are lost, never guess.
        raise _Invalid(_("SIRET « %(value)s » écrit comme un nombre à virgule : ses derniers "
                         "chiffres sont perdus.") % {"value": raw.strip()})
    if not stdnum_siret.is_valid(text):
        raise _Invalid(_("SIRET « %(value)s » invalide (14 chiffres et clé de contrôle).")
                       % {"value": raw.strip()})
    return text


def _organisation(beneficiary: _Beneficiary) -> Organisation:
    name, siret, rna = beneficiary.name, beneficiary.siret, beneficiary.rna
    organisation = None
    if siret:
        organisation = Organisation.objects.filter(siret=siret).first()
    if organisation is None and rna:
        organisation = Organisation.objects.filter(rna=rna).first()
    if organisation is not None:
        return organisation
    organisation = Organisation(name=name[:200], siret=siret, rna=rna,
                                legal_form=LegalForm.ASSOCIATION if rna else LegalForm.OTHER)
    # A historical beneficiary known only by its RNA number is still identified (décret
    # 2017-779 accepts SIRET or RNA): field and uniqueness checks, not the SIRET-required rule
    # that applies to applicants signing up.
    organisation.clean_fields()
    organisation.validate_constraints()
    organisation.save()
    return organisation


def _text(values: dict, key: str) -> str:
    return (values.get(key) or "").strip()


def _rna(values: dict) -> str:
    rna = _text(values, "rna").upper()
    if rna and not re.fullmatch(r"W\d{9}", rna):
        raise _Invalid(_("numéro RNA « %(value)s » invalide (W suivi de 9 chiffres).")
                       % {"value": rna})
    return rna


def _beneficiary(values: dict) -> _Beneficiary:
    name = _text(values, "name")
    if not name:
        raise _Invalid(_("nom du bénéficiaire manquant."))
    siret = _siret(values.get("siret", ""))
    rna = _rna(values)
    if not (siret or rna):
        raise _Invalid(_("ni SIRET ni numéro RNA du bénéficiaire."))
    return _Beneficiary(name=name, siret=siret, rna=rna)


def _amount(values: dict) -> Decimal:
    try:
        amount = parse_amount(values.get("amount", ""))
    except ValueError as exc:
        raise _Invalid(_("montant illisible « %(value)s ».")
                       % {"value": _text(values, "amount")}) from exc
    if amount <= 0:
        raise _Invalid(_("montant nul ou négatif."))
    return amount


def _date(values: dict) -> dt.date:
    try:
        return parse_date(values.get("date", ""))
    except ValueError as exc:
        raise _Invalid(_("date de convention illisible « %(value)s ».")
                       % {"value": _text(values, "date")}) from exc


def _fingerprint(values: dict, *, beneficiary: _Beneficiary, date: dt.date,
                 amount: Decimal) -> str:
    """The same subsidy imported twice (same beneficiary, date, amount, object, decision)
    has the same fingerprint."""
    return hashlib.sha256("|".join(
        [beneficiary.siret or beneficiary.rna, date.isoformat(), str(amount),
         " ".join((values.get("object") or "").split()), _text(values, "decision")]
    ).encode()).hexdigest()


def _row(values: dict, *, source: str, line: int) -> _Row:
    beneficiary = _beneficiary(values)
    amount = _amount(values)
    date = _date(values)
    period = _text(values, "period").replace("_", "/")
    return _Row(subsidy=ImportedSubsidy(
        authority_name=_text(values, "authority_name")[:255],
        authority_id=_text(values, "authority_id")[:20],
        convention_date=date, decision_reference=_text(values, "decision")[:255],
        object=_text(values, "object"), amount=amount,
        nature=_text(values, "nature").lower()[:120],
        payment_conditions=_text(values, "conditions"),
        payment_period=period[:60], source=source[:255], source_line=line,
        fingerprint=_fingerprint(values, beneficiary=beneficiary, date=date, amount=amount),
    ), beneficiary=beneficiary)


def _header(rows) -> list[str]:
    """The normalised column names of the first row; the required columns must be there."""
    try:
        _line, first = next(rows)
    except StopIteration as exc:
        raise ValidationError(_("Le fichier est vide.")) from exc
    header = [normalise_header(name) for name in first]
    missing = [label for key, label in (("name", "nomBeneficiaire"), ("amount", "montant"),
                                        ("date", "dateConvention")) if key not in header]
    if missing:
        raise ValidationError(_("Colonnes obligatoires absentes : %(cols)s.")
                              % {"cols": ", ".join(missing)})
    return header


def scdl_import(*, content: bytes, source: str, dry_run: bool = False) -> ImportReport:
    """Check every row of an SCDL-like file and report each invalid one by line number with a
    French reason; save the rows only when none is invalid.

    All or nothing, like every importer: one transaction; with ``dry_run``, or when a single
    row is invalid, nothing is saved — not even the organisations rows would create. The file
    is read within the table caps (size, rows, columns, cells). Blank lines are not rows."""
    report = ImportReport(dry_run=dry_run)
    limits = table_limits()
    if len(content) > limits.max_bytes:
        raise ValidationError(too_large_message(len(content), limits.max_bytes))
    text, report.encoding = decode(content)
    report.delimiter = sniff_delimiter(text)
    rows = csv_rows(text, delimiter=report.delimiter, limits=limits, with_line=True)
    seen: set[str] = set()
    try:
        header = _header(rows)
        with transaction.atomic():
            for line, cells in rows:
                if not any(cell.strip() for cell in cells):
                    continue
                report.rows += 1
                values = dict(zip(header, cells, strict=False))
                try:
                    with transaction.atomic():
                        row = _row(values, source=source, line=line)
                        subsidy = row.subsidy
                        if subsidy.fingerprint in seen or ImportedSubsidy.objects.filter(
                                fingerprint=subsidy.fingerprint).exists():
                            raise _Invalid(_("subvention déjà importée."))
                        subsidy.organisation = _organisation(row.beneficiary)
                        subsidy.full_clean()
                        subsidy.save()
                except _Invalid as exc:
                    report.invalid += 1
                    report.errors.append((line, str(exc)))
                    continue
                except ValidationError as exc:
                    report.invalid += 1
                    report.errors.append((line, " ".join(exc.messages)))
                    continue
                seen.add(subsidy.fingerprint)
                report.valid += 1
                report.amount += subsidy.amount
            if dry_run or report.invalid:
                transaction.set_rollback(True)
            else:
                report.imported = report.valid
    except TableError as exc:
        raise ValidationError(str(exc)) from exc
    return report
