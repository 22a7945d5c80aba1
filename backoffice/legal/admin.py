from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .models import DataRequest, LegalPage


@admin.register(LegalPage)
class LegalPageAdmin(SimpleHistoryAdmin):
    list_display = ("kind", "authority", "compliance", "audit_date", "updated_at")
    list_filter = ("kind", "authority")
    readonly_fields = ("updated_at", "updated_by")

    def save_model(self, request, obj, form, change):
        services.legal_page_save(page=obj, actor=request.user)


@admin.register(DataRequest)
class DataRequestAdmin(admin.ModelAdmin):
    list_display = ("email", "kind", "status", "created_at", "answer_due_on")
    list_filter = ("kind", "status")
    readonly_fields = ("user", "email", "kind", "message", "created_at", "answer_due_on")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
