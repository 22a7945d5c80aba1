"""Spreadsheet exports (django-import-export) of the funds app: awards and applications."""

from import_export import fields, resources

from .models import Application, Award


class AwardResource(resources.ModelResource):
    """One row per award, with what finance agents reconcile against the budget."""

    organisation = fields.Field(attribute="application__organisation__name",
                                column_name="Bénéficiaire")
    siret = fields.Field(attribute="application__organisation__siret", column_name="SIRET")
    project = fields.Field(attribute="application__title", column_name="Projet")
    call = fields.Field(attribute="application__call__title", column_name="Appel")
    fund = fields.Field(attribute="fund__name", column_name="Fonds")
    imputation = fields.Field(attribute="fund__budget_imputation", column_name="Imputation")
    amount = fields.Field(attribute="amount", column_name="Montant attribué")
    nature = fields.Field(attribute="get_nature_display", column_name="Nature")
    reference = fields.Field(attribute="deliberation_reference",
                             column_name="Délibération")
    date = fields.Field(attribute="deliberation_date", column_name="Date de la délibération")

    class Meta:
        model = Award
        fields = ("organisation", "siret", "project", "call", "fund", "imputation", "amount",
                  "nature", "reference", "date")
        export_order = fields

    def get_queryset(self):
        return Award.objects.select_related("application__organisation", "application__call",
                                            "fund")


class ApplicationResource(resources.ModelResource):
    organisation = fields.Field(attribute="applicant_name", column_name="Porteur")
    call = fields.Field(attribute="call__title", column_name="Appel")
    title = fields.Field(attribute="title", column_name="Projet")
    status = fields.Field(attribute="get_status_display", column_name="Statut")
    amount_requested = fields.Field(attribute="amount_requested", column_name="Montant demandé")
    proposed_amount = fields.Field(attribute="proposed_amount", column_name="Montant proposé")
    submitted_at = fields.Field(attribute="submitted_at", column_name="Déposé le")

    class Meta:
        model = Application
        fields = ("organisation", "call", "title", "status", "amount_requested",
                  "proposed_amount", "submitted_at")
        export_order = fields

    def get_queryset(self):
        return Application.objects.select_related("organisation", "call", "applicant")
