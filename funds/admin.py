"""Admin of funds and calls (where the authority creates them); applications are read-mostly
here: their status only changes through the review and decision pages."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from backoffice.core.exports import EscapedExportMixin

from .models import (
    Application,
    ApplicationBudgetLine,
    ApplicationVersion,
    Award,
    Ballot,
    Call,
    District,
    Fund,
    VoteComputation,
    Voter,
)
from .resources import ApplicationResource, AwardResource


@admin.register(Fund)
class FundAdmin(SimpleHistoryAdmin):
    list_display = ["name", "authority", "year_start", "year_end", "envelope",
                    "budget_imputation"]
    list_filter = ["year_start", "authority"]
    search_fields = ["name"]


class DistrictInline(admin.TabularInline):
    model = District
    extra = 0


@admin.register(Call)
class CallAdmin(SimpleHistoryAdmin):
    list_display = ["title", "fund", "kind", "phase", "opens_on", "closes_on"]
    list_filter = ["kind", "phase"]
    search_fields = ["title"]
    inlines = [DistrictInline]
    # The phase changes through call_set_phase (logged), never by editing the row; the vote's
    # rule and publication go through the vote page (rule locked once a ballot exists).
    readonly_fields = ["phase", "ballot_style", "winner_rule", "results_computation",
                       "results_published_at", "pb_meta"]


@admin.register(Voter)
class VoterAdmin(admin.ModelAdmin):
    list_display = ["__str__", "call", "source", "district", "verified_at", "created_at"]
    list_filter = ["source", "call"]
    search_fields = ["last_name", "email", "external_id"]
    raw_id_fields = ["user", "call", "district"]


@admin.register(Ballot)
class BallotAdmin(admin.ModelAdmin):
    """Read-only: ballots change only through the vote page, the paper entry or an import."""

    list_display = ["pk", "call", "channel", "entered_by", "cast_at"]
    list_filter = ["channel", "call"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(VoteComputation)
class VoteComputationAdmin(admin.ModelAdmin):
    list_display = ["pk", "call", "rule_name", "status", "requested_by", "requested_at",
                    "inputs_sha256"]
    list_filter = ["rule", "status"]

    @admin.display(description="règle", ordering="rule")
    def rule_name(self, obj):
        from .voting.rules import rule_label

        return rule_label(obj.rule)

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


class BudgetLineInline(admin.TabularInline):
    model = ApplicationBudgetLine
    extra = 0
    can_delete = False
    readonly_fields = ["account", "label", "funder", "funder_status", "is_this_authority",
                       "amount"]


@admin.register(Application)
class ApplicationAdmin(EscapedExportMixin, SimpleHistoryAdmin):
    resource_classes = [ApplicationResource]
    list_display = ["title", "call", "organisation", "status", "amount_requested",
                    "submitted_at"]
    list_filter = ["status", "call"]
    search_fields = ["title", "organisation__name", "external_reference"]
    list_select_related = ["call", "organisation", "applicant"]
    # Amounts, the vote exclusion and the status change through the services (checks, audit).
    readonly_fields = ["status", "version", "submitted_at", "call", "organisation", "applicant",
                       "amount_requested", "proposed_amount", "vote_exclusion",
                       "vote_exclusion_reason"]
    inlines = [BudgetLineInline]


@admin.register(ApplicationVersion)
class ApplicationVersionAdmin(admin.ModelAdmin):
    list_display = ["application", "number", "submitted_at", "submitted_by"]
    readonly_fields = ["application", "number", "data", "submitted_by", "submitted_at",
                       "receipt", "receipt_sha256"]


@admin.register(Award)
class AwardAdmin(EscapedExportMixin, SimpleHistoryAdmin):
    resource_classes = [AwardResource]
    list_display = ["application", "fund", "amount", "nature", "deliberation_reference",
                    "deliberation_date", "awarded_by"]
    list_filter = ["fund", "nature"]
    list_select_related = ["application__organisation", "application__call", "fund",
                           "awarded_by"]
    # Awards are made by application_award (envelope lock): read-only here, never deleted
    # (the fund's committed total and the application's "awarded" status rest on them).
    readonly_fields = ["application", "fund", "amount", "nature", "deliberation_reference",
                       "deliberation_date", "awarded_by", "awarded_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
