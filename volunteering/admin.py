"""Admin of volunteer hours: rates are edited here too; entries change only through services."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from backoffice.core.exports import EscapedExportMixin

from .models import (
    ValuationRate,
    Volunteer,
    VolunteerAttestation,
    VolunteerEntry,
    VolunteeringProfile,
)
from .resources import VolunteerEntryResource


@admin.register(ValuationRate)
class ValuationRateAdmin(SimpleHistoryAdmin):
    list_display = ["kind", "qualification", "valid_from", "value", "source"]
    list_filter = ["kind", "qualification"]
    date_hierarchy = "valid_from"


@admin.register(VolunteeringProfile)
class VolunteeringProfileAdmin(SimpleHistoryAdmin):
    list_display = ["organisation", "valuation_method", "updated_at"]
    readonly_fields = ["organisation", "valuation_method"]


@admin.register(Volunteer)
class VolunteerAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "user", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "organisation__name"]
    raw_id_fields = ["organisation", "user"]


@admin.register(VolunteerEntry)
class VolunteerEntryAdmin(EscapedExportMixin, SimpleHistoryAdmin):
    resource_classes = [VolunteerEntryResource]
    list_display = ["date", "volunteer", "organisation", "hours", "activity", "status", "rate",
                    "value"]
    list_filter = ["status", "activity", "valuation_method"]
    search_fields = ["volunteer__name", "organisation__name", "project_reference"]
    date_hierarchy = "date"
    list_select_related = ["volunteer", "organisation"]
    raw_id_fields = ["application", "convention"]

    def has_change_permission(self, request, obj=None):
        # Status, hours and values change only through the audited services.
        return False

    def has_add_permission(self, request):
        return False


@admin.register(VolunteerAttestation)
class VolunteerAttestationAdmin(SimpleHistoryAdmin):
    list_display = ["organisation", "year", "project_reference", "status", "hours", "value",
                    "generated_at"]
    list_filter = ["status", "year"]
    readonly_fields = [f.name for f in VolunteerAttestation._meta.fields]

    def has_add_permission(self, request):
        return False
