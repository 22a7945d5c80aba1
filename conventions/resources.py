"""django-import-export resources: the payments-due export for the finance software."""

from __future__ import annotations

from import_export import fields, resources

from .models import ScheduleLine


class PaymentDueResource(resources.ModelResource):
    """One row per payable line without a payment order (export only)."""

    beneficiary = fields.Field(attribute="year__convention__organisation__name",
                               column_name="beneficiaire")
    siret = fields.Field(attribute="year__convention__organisation__siret", column_name="siret")
    iban = fields.Field(attribute="year__convention__organisation__iban", column_name="iban")
    amount = fields.Field(attribute="amount", column_name="montant")
    account = fields.Field(attribute="year__convention__imputation", column_name="compte")
    convention = fields.Field(attribute="year__convention__reference", column_name="convention")
    year = fields.Field(attribute="year__year", column_name="annee")
    kind = fields.Field(column_name="echeance")
    trigger_date = fields.Field(attribute="trigger_date", column_name="date_declenchement")
    due_by = fields.Field(attribute="due_by", column_name="a_verser_avant_le")

    class Meta:
        model = ScheduleLine
        fields = ("beneficiary", "siret", "iban", "amount", "account", "convention", "year",
                  "kind", "trigger_date", "due_by")
        export_order = fields

    def dehydrate_kind(self, line) -> str:
        return str(line.get_kind_display())

    def dehydrate_amount(self, line) -> str:
        return f"{line.amount:.2f}"
