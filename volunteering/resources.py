"""django-import-export resources: the export of entries and the import template share the
import's French column names, so an exported file can be imported again as it is."""

from __future__ import annotations

from django.utils import timezone
from import_export import fields, resources, widgets

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


def template_dataset():
    """The import template: header and two example rows."""
    import tablib

    return tablib.Dataset(*TEMPLATE_ROWS, headers=["date", "benevole", "heures", "activite",
                                                   "projet", "qualification", "note"])


def export_dataset(queryset):
    return VolunteerEntryResource().export(queryset=queryset.select_related("volunteer"))


def dataset_bytes(dataset, file_format: str) -> bytes:
    """CSV (UTF-8 with BOM, ';' for French spreadsheets) or XLSX bytes of a tablib dataset."""
    if file_format == "xlsx":
        return dataset.export("xlsx")
    return ("\ufeff" + dataset.export("csv", delimiter=";")).encode("utf-8")


def export_filename(prefix: str, file_format: str) -> str:
    return f"{prefix}-{timezone.localdate():%Y%m%d}.{file_format}"
