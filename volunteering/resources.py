"""django-import-export resources: the export of entries and the import template share the
import's French column names, so an exported file can be imported again as it is."""

from __future__ import annotations

from django.utils import timezone
from import_export import fields, resources, widgets

from backoffice.core.exports import DATE, DECIMAL, MONEY, TEXT, Column, export_bytes

from .models import VolunteerEntry

TEMPLATE_ROWS = [
    ["14/09/2025", "Camille D.", "3", "animation", "", "employe", "Atelier réparation vélos"],
    ["2025-09-20", "Yann K.", "2,5", "travaux", "", "technicien", ""],
]


class FrenchDecimalWidget(widgets.DecimalWidget):
    """Decimal written with a point, as the import reads it whatever the separator."""

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else f"{value:.2f}"


class VolunteerEntryResource(resources.ModelResource):
    """Columns date, benevole, heures, activite, projet, qualification, note (the import's),
    then statut, methode, taux, valeur (information, ignored by the import)."""

    date = fields.Field(attribute="date", column_name="date",
                        widget=widgets.DateWidget(format="%d/%m/%Y"))
    benevole = fields.Field(attribute="volunteer__name", column_name="benevole")
    heures = fields.Field(attribute="hours", column_name="heures", widget=FrenchDecimalWidget())
    activite = fields.Field(attribute="activity", column_name="activite")
    projet = fields.Field(attribute="project_reference", column_name="projet")
    qualification = fields.Field(attribute="qualification", column_name="qualification")
    note = fields.Field(attribute="note", column_name="note")
    statut = fields.Field(attribute="get_status_display", column_name="statut")
    methode = fields.Field(attribute="valuation_method", column_name="methode")
    taux = fields.Field(attribute="rate", column_name="taux", widget=FrenchDecimalWidget())
    valeur = fields.Field(attribute="value", column_name="valeur", widget=FrenchDecimalWidget())

    class Meta:
        model = VolunteerEntry
        fields = ("date", "benevole", "heures", "activite", "projet", "qualification", "note",
                  "statut", "methode", "taux", "valeur")
        export_order = fields

    def get_export_headers(self, *args, **kwargs):
        return [f.column_name for f in self.get_export_fields()]


# The export's French headers read back as the import's columns (accents and case are ignored
# by the import), so an exported file can be imported again as it is.
EXPORT_COLUMNS = [
    Column("Date", DATE, 12), Column("Bénévole", TEXT, 24), Column("Heures", DECIMAL, 10),
    Column("Activité", TEXT, 16), Column("Projet", TEXT, 16), Column("Qualification", TEXT, 16),
    Column("Note", TEXT, 40), Column("Statut", TEXT, 14), Column("Méthode", TEXT, 14),
    Column("Taux horaire", MONEY, 14), Column("Valeur", MONEY, 14),
]
TEMPLATE_COLUMNS = [Column(header, TEXT, 16) for header in (
    "Date", "Bénévole", "Heures", "Activité", "Projet", "Qualification", "Note")]


def template_rows() -> list[list[str]]:
    """The import template's two example rows."""
    return [list(row) for row in TEMPLATE_ROWS]


def export_rows(queryset):
    """One row per entry, typed (dates, decimals, amounts) for the export writer."""
    for entry in queryset.select_related("volunteer").order_by("date", "pk").iterator(
            chunk_size=2000):
        yield [entry.date, entry.volunteer.name, entry.hours, entry.activity,
               entry.project_reference, entry.qualification, entry.note,
               entry.get_status_display(), entry.valuation_method, entry.rate, entry.value]


def template_bytes(file_format: str) -> bytes:
    return export_bytes(TEMPLATE_COLUMNS, template_rows(), fmt=file_format,
                        title="Modèle heures de bénévolat")


def export_file_bytes(queryset, file_format: str) -> bytes:
    """The export of entries as CSV or XLSX, written (and escaped) by the one export module."""
    return export_bytes(EXPORT_COLUMNS, export_rows(queryset), fmt=file_format,
                        title="Heures de bénévolat")


def export_filename(prefix: str, file_format: str) -> str:
    return f"{prefix}-{timezone.localdate():%Y%m%d}.{file_format}"
