from django.contrib import admin

from .models import SignatureEvidence, SignatureRequest


class EvidenceInline(admin.TabularInline):
    model = SignatureEvidence
    extra = 0
    can_delete = False
    readonly_fields = [f.name for f in SignatureEvidence._meta.fields]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SignatureRequest)
class SignatureRequestAdmin(admin.ModelAdmin):
    """A window on signatures: everything is read-only, nothing is deleted."""

    list_display = ("document", "status", "created_at", "completed_at")
    list_filter = ("status",)
    inlines = [EvidenceInline]
    readonly_fields = [f.name for f in SignatureRequest._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
