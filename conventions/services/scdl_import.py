"""Import of historical subsidies from SCDL-like open-data files."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from stdnum.fr import siret as stdnum_siret

from backoffice.core.models import LegalForm, Organisation

from ..models import ImportedSubsidy
from ..scdl import decode, normalise_header, parse_amount, parse_date, sniff_delimiter


@dataclass
class ImportReport:
    rows: int = 0
    imported: int = 0
    invalid: int = 0
    amount: Decimal = Decimal("0.00")
    encoding: str = ""
    delimiter: str = ""
    errors: list[tuple[int, str]] = field(default_factory=list)

    def summary(self) -> dict:
        return {"rows": self.rows, "imported": self.imported, "invalid": self.invalid,
                "amount": f"{self.amount:.2f}"}


class _Invalid(Exception):
    pass


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


def _organisation(name: str, siret: str, rna: str) -> Organisation:
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


def _row(values: dict, *, source: str, line: int) -> ImportedSubsidy:
    name = (values.get("name") or "").strip()
    if not name:
        raise _Invalid(_("nom du bénéficiaire manquant."))
    siret = _siret(values.get("siret", ""))
    rna = (values.get("rna") or "").strip().upper()
    if rna and not re.fullmatch(r"W\d{9}", rna):
        raise _Invalid(_("numéro RNA « %(value)s » invalide (W suivi de 9 chiffres).")
                       % {"value": rna})
    if not (siret or rna):
        raise _Invalid(_("ni SIRET ni numéro RNA du bénéficiaire."))
    try:
        amount = parse_amount(values.get("amount", ""))
    except ValueError as exc:
        raise _Invalid(_("montant illisible « %(value)s ».")
                       % {"value": (values.get("amount") or "").strip()}) from exc
    if amount <= 0:
        raise _Invalid(_("montant nul ou négatif."))
    try:
        date = parse_date(values.get("date", ""))
    except ValueError as exc:
        raise _Invalid(_("date de convention illisible « %(value)s ».")
                       % {"value": (values.get("date") or "").strip()}) from exc
    period = (values.get("period") or "").strip().replace("_", "/")
    fingerprint = hashlib.sha256("|".join(
        [siret or rna, date.isoformat(), str(amount), " ".join((values.get("object") or "").split()),
         (values.get("decision") or "").strip()]).encode()).hexdigest()
    return ImportedSubsidy(
        authority_name=(values.get("authority_name") or "").strip()[:255],
        authority_id=(values.get("authority_id") or "").strip()[:20],
        convention_date=date, decision_reference=(values.get("decision") or "").strip()[:255],
        object=(values.get("object") or "").strip(), amount=amount,
        nature=(values.get("nature") or "").strip().lower()[:120],
        payment_conditions=(values.get("conditions") or "").strip(),
        payment_period=period[:60], source=source[:255], source_line=line,
        fingerprint=fingerprint,
    ), name, siret, rna


def scdl_import(*, content: bytes, source: str, dry_run: bool = False) -> ImportReport:
    """Load the valid rows of an SCDL-like file; report every invalid one by line number with
    a French reason. All or nothing: the valid rows are saved together (or not at all with
    ``dry_run``, or when anything unexpected fails). Blank lines are not rows."""
    report = ImportReport()
    text, report.encoding = decode(content)
    report.delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=report.delimiter)
    try:
        header = [normalise_header(name) for name in next(reader)]
    except StopIteration as exc:
        raise ValidationError(_("Le fichier est vide.")) from exc
    missing = [label for key, label in (("name", "nomBeneficiaire"), ("amount", "montant"),
                                        ("date", "dateConvention")) if key not in header]
    if missing:
        raise ValidationError(_("Colonnes obligatoires absentes : %(cols)s.")
                              % {"cols": ", ".join(missing)})
    seen: set[str] = set()
    with transaction.atomic():
        start = reader.line_num + 1
        for cells in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            report.rows += 1
            values = dict(zip(header, cells, strict=False))
            try:
                subsidy, name, siret, rna = _row(values, source=source, line=line)
                if subsidy.fingerprint in seen or ImportedSubsidy.objects.filter(
                        fingerprint=subsidy.fingerprint).exists():
                    raise _Invalid(_("subvention déjà importée."))
                subsidy.organisation = _organisation(name, siret, rna)
                subsidy.full_clean()
            except _Invalid as exc:
                report.invalid += 1
                report.errors.append((line, str(exc)))
                continue
            except ValidationError as exc:
                report.invalid += 1
                report.errors.append((line, " ".join(exc.messages)))
                continue
            subsidy.save()
            seen.add(subsidy.fingerprint)
            report.imported += 1
            report.amount += subsidy.amount
        if dry_run:
            transaction.set_rollback(True)
    return report
