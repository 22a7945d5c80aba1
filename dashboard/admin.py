from django.contrib import admin

from .models import ScorecardDocument


@admin.register(ScorecardDocument)
class ScorecardDocumentAdmin(admin.ModelAdmin):
    list_display = ("year", "authority", "status", "requested_by", "requested_at",
                    "rendered_at")
    list_filter = ("status", "year", "authority")
    readonly_fields = ("sha256", "error", "rendered_at", "requested_at")
