"""Admin of conventions: a window, not a back door. Money rows change only through the
services (checks, schedules, audit): once a convention has left its draft, it and its
tranches, schedule lines, payments, amendments and reports are read-only here, and no money
row is ever deleted (the database PROTECTs them as well). History is read-only
(SIMPLE_HISTORY_REVERT_DISABLED)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Amendment,
    AmendmentStatus,
    Convention,
    ConventionStatus,
    ConventionYear,
    FinancialReport,
    GeneratedDocument,
    InKindAid,
    Payment,
    Recovery,
    ScheduleLine,
)


def _all_fields(model) -> list[str]:
    return [field.name for field in model._meta.fields]


class ReadOnlyAdmin(SimpleHistoryAdmin):
    """Viewable, never added, changed or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ConventionYearInline(admin.TabularInline):
    model = ConventionYear
    extra = 0
    can_delete = False
    fields = ["year", "planned_amount", "confirmed_amount", "withdrawn_amount", "status"]

    def get_readonly_fields(self, request, obj=None):
        # Tranches are created by the convention service (one per calendar year); their
        # amounts change by amendment and confirmation only.
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Convention)
class ConventionAdmin(SimpleHistoryAdmin):
    list_display = ["reference", "organisation", "status", "start_date", "end_date"]
    list_filter = ["status", "nature"]
    search_fields = ["reference", "organisation__name"]
    inlines = [ConventionYearInline]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != ConventionStatus.DRAFT:
            return _all_fields(Convention)
        # A draft's clauses may be completed here; its money, status and dates may not.
        return ["reference", "authority", "organisation", "status", "award", "start_date",
                "end_date", "advance_rate", "advance_delay_days", "payment_delay_days",
                "balance_requires_report", "sent_on",
                "signed_on", "open_data_deadline", "open_data_published_on", "terminated_on",
                "termination_reason", "created_by", "authority_signatory",
                "organisation_signatory"]

    def has_add_permission(self, request):
        return False   # conventions are created by convention_create (tranches, schedule)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ScheduleLine)
class ScheduleLineAdmin(ReadOnlyAdmin):
    list_display = ["year", "kind", "amount", "planned_date", "trigger_date", "due_by"]
    list_select_related = ["year__convention"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["mandate_reference", "line", "amount", "ordered_on", "paid_on", "status"]
    list_select_related = ["line__year__convention"]


@admin.register(Amendment)
class AmendmentAdmin(SimpleHistoryAdmin):
    list_display = ["convention", "number", "status", "decision_reference", "signed_on"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != AmendmentStatus.DRAFT:
            return _all_fields(Amendment)
        return ["convention", "number", "new_amounts", "new_end_date", "status", "sent_on",
                "signed_on"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FinancialReport)
class FinancialReportAdmin(ReadOnlyAdmin):
    list_display = ["year", "due_date", "status", "repayment_amount"]
    list_select_related = ["year__convention"]


@admin.register(Recovery)
class RecoveryAdmin(ReadOnlyAdmin):
    list_display = ["convention", "kind", "status", "amount", "decided_amount", "notice_on",
                    "observation_deadline", "title_reference"]
    list_filter = ["kind", "status"]
    list_select_related = ["convention"]


@admin.register(InKindAid)
class InKindAidAdmin(ReadOnlyAdmin):
    list_display = ["convention", "kind", "year", "value", "account"]
    list_select_related = ["convention"]


@admin.register(GeneratedDocument)
class GeneratedDocumentAdmin(admin.ModelAdmin):
    list_display = ["convention", "kind", "version", "status", "signed", "sha256"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
