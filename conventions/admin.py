"""Admin of conventions: read-mostly, history on money models (simple-history)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Amendment,
    Convention,
    ConventionYear,
    FinancialReport,
    GeneratedDocument,
    Payment,
    ScheduleLine,
)


class ConventionYearInline(admin.TabularInline):
    model = ConventionYear
    extra = 0
    readonly_fields = ["status"]


@admin.register(Convention)
class ConventionAdmin(SimpleHistoryAdmin):
    list_display = ["reference", "organisation", "status", "start_date", "end_date"]
    list_filter = ["status", "nature"]
    search_fields = ["reference", "organisation__name"]
    readonly_fields = ["status", "award"]
    inlines = [ConventionYearInline]


@admin.register(ScheduleLine)
class ScheduleLineAdmin(SimpleHistoryAdmin):
    list_display = ["year", "kind", "amount", "planned_date", "trigger_date", "due_by"]


@admin.register(Payment)
class PaymentAdmin(SimpleHistoryAdmin):
    list_display = ["mandate_reference", "line", "amount", "ordered_on", "paid_on", "status"]
    readonly_fields = ["status"]


@admin.register(Amendment)
class AmendmentAdmin(SimpleHistoryAdmin):
    list_display = ["convention", "number", "status", "signed_on"]
    readonly_fields = ["status"]


@admin.register(FinancialReport)
class FinancialReportAdmin(SimpleHistoryAdmin):
    list_display = ["year", "due_date", "status", "repayment_amount"]
    readonly_fields = ["status"]


@admin.register(GeneratedDocument)
class GeneratedDocumentAdmin(admin.ModelAdmin):
    list_display = ["convention", "kind", "version", "status", "signed", "sha256"]
    readonly_fields = ["status", "sha256", "file", "signed"]
