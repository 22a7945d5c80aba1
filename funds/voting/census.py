"""Import of the voter list (census) through django-import-export, with a row-numbered report."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from import_export import fields, resources
from import_export.formats.base_formats import CSV, XLSX

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
    fmt = XLSX() if filename.lower().endswith(".xlsx") else CSV(encoding="utf-8-sig")
    try:
        dataset = fmt.create_dataset(data if fmt.is_binary() else data.decode("utf-8-sig"))
    # A damaged workbook raises anything from BadZipFile to KeyError inside openpyxl.
    except Exception as exc:  # noqa: BLE001
        raise ValidationError({"file": _("Fichier illisible : %(error)s") % {"error": exc}}) \
            from None
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
