from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    AuditEvent,
    Authority,
    Membership,
    Notification,
    NotificationPreference,
    Organisation,
    OrganisationDocument,
    Reminder,
    ReminderRun,
    User,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_active", "is_staff"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Identité"), {"fields": ("first_name", "last_name", "phone", "email_verified_at")}),
        (_("Rôles et droits"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Dates"), {"fields": ("last_login", "date_joined", "password_changed_at")}),
    )
    readonly_fields = ["password_changed_at"]
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(Authority)
class AuthorityAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "reference_code", "siret", "population"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


class DocumentInline(admin.TabularInline):
    model = OrganisationDocument
    extra = 0
    fields = ["kind", "label", "original_name", "valid_until", "uploaded_at"]
    readonly_fields = ["original_name", "uploaded_at"]


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "legal_form", "siret", "rna", "city", "cer_accepted_at"]
    list_filter = ["legal_form"]
    search_fields = ["name", "siret", "rna"]
    inlines = [MembershipInline, DocumentInline]
    # Bank details change through the profile (audited, notified, payments held) and are
    # confirmed by a finance agent against a RIB: never edited here.
    readonly_fields = ["iban", "bic", "bank_details_on_hold", "bank_details_changed_at",
                       "bank_details_confirmed_at", "bank_details_confirmed_by"]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "organisation", "role", "status"]
    list_filter = ["role", "status"]
    list_select_related = ["user", "organisation"]
    autocomplete_fields = ["user", "organisation"]


@admin.register(OrganisationDocument)
class OrganisationDocumentAdmin(SimpleHistoryAdmin):
    list_display = ["organisation", "kind", "original_name", "valid_until", "uploaded_at"]
    list_filter = ["kind"]
    list_select_related = ["organisation"]
    readonly_fields = ["sha256", "size", "content_type"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "event", "title", "created_at", "read_at", "email_status",
                    "email_attempts"]
    list_filter = ["event", "email_status"]
    list_select_related = ["recipient"]
    search_fields = ["recipient__email", "title"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "event", "object_repr"]
    list_filter = ["event"]
    list_select_related = ["actor"]
    search_fields = ["object_repr", "message"]

    # The audit trail is written by the services only: no forged author or date.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "topic", "delivery"]
    list_filter = ["topic", "delivery"]
    list_select_related = ["user"]


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    """Read-only: reminders are recorded by the engine only (exactly-once key)."""

    list_display = ["remind_on", "kind", "step", "target_repr", "due_date", "status", "late"]
    list_filter = ["kind", "status", "late"]
    list_select_related = ["organisation"]
    search_fields = ["target_repr"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReminderRun)
class ReminderRunAdmin(admin.ModelAdmin):
    list_display = ["day", "scanned_from", "started_at", "finished_at", "succeeded", "due", "sent",
                    "skipped"]
    list_filter = ["succeeded"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
