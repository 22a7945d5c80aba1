"""Import of the voter list (census) through django-import-export, with a row-numbered report."""

from __future__ import annotations

import datetime as dt

import tablib
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from import_export import fields, resources

from backoffice.core.tables import TableError, is_xlsx, iter_table, read_upload, table_limits

from ..models import Call, CensusEntry
from .rules import census_key


class CensusResource(resources.ModelResource):
    """Columns ``nom``, ``prenom``, ``date_naissance`` (JJ/MM/AAAA or AAAA-MM-JJ)."""

    last_name = fields.Field(attribute="last_name", column_name="nom")
    first_name = fields.Field(attribute="first_name", column_name="prenom")
    birth_date = fields.Field(attribute="birth_date", column_name="date_naissance")

    class Meta:
        model = CensusEntry
        fields = ("last_name", "first_name", "birth_date")
        import_id_fields = ()
        skip_unchanged = False

    def __init__(self, call: Call):
        super().__init__()
        self.call = call

    def before_import_row(self, row, **kwargs):
        row["date_naissance"] = _parse_date(row.get("date_naissance"))

    def get_instance(self, instance_loader, row):
        return None

    def init_instance(self, row=None):
        return CensusEntry(call=self.call)


NAME_MAX = CensusEntry._meta.get_field("last_name").max_length


def census_import(*, call: Call, data: bytes, filename: str) -> int:
    """Replace the call's voter list with the file's rows.

    Invariant: all or nothing — any bad row gives a French, row-numbered error list and the
    previous list stays; duplicates (same names and birth date) are refused.
    """
    dataset = _bounded_dataset(data, filename)
    missing = [c for c in ("nom", "prenom", "date_naissance") if c not in (dataset.headers or [])]
    if missing:
        raise ValidationError({"file": _("Colonnes manquantes : %(columns)s.") % {
            "columns": ", ".join(missing)}})
    errors, keys = [], set()
    for number, row in enumerate(dataset.dict, start=2):   # line 1 is the header
        try:
            birth = _parse_date(row.get("date_naissance"))
        except ValueError:
            errors.append(_("Ligne %(n)s : date de naissance illisible « %(value)s ».")
                          % {"n": number, "value": row.get("date_naissance")})
            continue
        if not str(row.get("nom") or "").strip() or not str(row.get("prenom") or "").strip():
            errors.append(_("Ligne %(n)s : nom et prénom sont obligatoires.") % {"n": number})
            continue
        if max(len(str(row["nom"]).strip()), len(str(row["prenom"]).strip())) > NAME_MAX:
            errors.append(_("Ligne %(n)s : nom ou prénom de plus de %(max)s caractères.")
                          % {"n": number, "max": NAME_MAX})
            continue
        key = census_key(str(row["nom"]), str(row["prenom"]), birth)
        if key in keys:
            errors.append(_("Ligne %(n)s : personne en double.") % {"n": number})
        keys.add(key)
    if errors:
        raise ValidationError({"file": errors})
    with transaction.atomic():
        CensusEntry.objects.filter(call=call).delete()
        result = CensusResource(call).import_data(dataset, dry_run=False, raise_errors=True,
                                                  use_transactions=False)
    return result.totals.get("new", 0)


def census_upload_read(upload) -> bytes:
    """The uploaded voter list's bytes, refused by size before it is read."""
    try:
        return read_upload(upload, max_bytes=settings.UPLOAD_MAX_BYTES)
    except TableError as exc:
        raise ValidationError({"file": str(exc)}) from None


def _bounded_dataset(data: bytes, filename: str) -> tablib.Dataset:
    """The file as a dataset, read by the bounded table reader (declared dimensions, rows,
    columns and cells checked while streaming): a workbook bomb is a French error."""
    if filename.lower().endswith(".xlsx") and not is_xlsx(data):
        raise ValidationError({"file": _("Fichier illisible : ce n'est pas un classeur XLSX.")})
    try:
        rows = [row for row in iter_table(data, limits=table_limits(
                    max_bytes=settings.UPLOAD_MAX_BYTES), as_text=False)
                if any(str(cell if cell is not None else "").strip() for cell in row)]
    except TableError as exc:
        raise ValidationError({"file": _("Fichier illisible : %(error)s") % {"error": exc}}) \
            from None
    if not rows:
        raise ValidationError({"file": _("Fichier illisible : le fichier est vide.")})
    headers = [str(cell if cell is not None else "").strip() for cell in rows[0]]
    dataset = tablib.Dataset(headers=headers)
    for row in rows[1:]:
        row = list(row)[:len(headers)]
        dataset.append(row + [""] * (len(headers) - len(row)))
    return dataset


def _parse_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raw = str(value or "").strip()[:10]
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise ValueError(raw)
