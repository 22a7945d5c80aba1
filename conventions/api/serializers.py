"""Serializers of the conventions API: what it answers, and the checked input of each action."""

from __future__ import annotations

from rest_framework import serializers

from ..models import (
    Amendment,
    Convention,
    ConventionStatus,
    ConventionYear,
    FinancialReport,
    Payment,
    Recovery,
    ScheduleLine,
)


class PaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payment
        fields = ["id", "amount", "ordered_on", "mandate_reference", "account", "paid_on",
                  "status"]


class LineSerializer(serializers.ModelSerializer):
    payments = PaymentSerializer(many=True, read_only=True)

    class Meta:
        model = ScheduleLine
        fields = ["id", "position", "kind", "amount", "planned_date", "waits_for_report",
                  "trigger_date", "due_by", "payments"]


class YearSerializer(serializers.ModelSerializer):
    lines = LineSerializer(many=True, read_only=True)

    class Meta:
        model = ConventionYear
        fields = ["id", "year", "planned_amount", "confirmed_amount", "budget_vote_reference",
                  "budget_vote_date", "status", "lines"]


class ConventionSerializer(serializers.ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    total_amount = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    total_paid = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    is_late = serializers.BooleanField(read_only=True)
    has_overdue_report = serializers.BooleanField(read_only=True)

    class Meta:
        model = Convention
        fields = ["id", "reference", "organisation", "organisation_name", "object", "nature",
                  "imputation", "start_date", "end_date", "status", "signed_on",
                  "open_data_deadline", "total_amount", "total_paid", "is_late",
                  "has_overdue_report", "award"]


class ConventionDetailSerializer(ConventionSerializer):
    years = YearSerializer(many=True, read_only=True)

    class Meta(ConventionSerializer.Meta):
        fields = ConventionSerializer.Meta.fields + [
            "advance_rate", "keep_rule_rate", "keep_rule_text", "conditions_of_use",
            "evaluation_terms", "cofinancing", "volunteering_planned", "years"]


class ConventionFilterSerializer(serializers.Serializer):
    """Query parameters of the list: checked, so a wrong value is a French 400."""

    status = serializers.ChoiceField(
        choices=ConventionStatus.choices, required=False,
        help_text="Statut de la convention.",
        error_messages={"invalid_choice": "Statut inconnu : « {input} »."})
    year = serializers.IntegerField(
        required=False, min_value=2000, max_value=2100,
        help_text="Conventions ayant une tranche cette année-là.",
        error_messages={"invalid": "Indiquez une année, par exemple 2026.",
                        "min_value": "Choisissez une année entre 2000 et 2100.",
                        "max_value": "Choisissez une année entre 2000 et 2100."})
    organisation = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1,
        help_text="Identifiant de l'organisation.",
        error_messages={"invalid": "Identifiant d'organisation invalide.",
                        "min_value": "Identifiant d'organisation invalide.",
                        "max_value": "Identifiant d'organisation invalide."})
    authority = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1,
        help_text="Identifiant de la collectivité qui signe, quand plusieurs partagent ce "
                  "service.",
        error_messages={"invalid": "Identifiant de collectivité invalide.",
                        "min_value": "Identifiant de collectivité invalide.",
                        "max_value": "Identifiant de collectivité invalide."})
    late = serializers.BooleanField(
        required=False, help_text="true : seulement celles dont une échéance est en retard de "
                                  "paiement.")
    report_overdue = serializers.BooleanField(
        required=False, help_text="true : seulement celles dont un compte rendu financier est "
                                  "attendu après sa date limite.")


LINE_HELP = "Identifiant de l'échéance (ligne de l'échéancier) de cette convention."


class PaymentRecordSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text=LINE_HELP, min_value=1, max_value=2**63 - 1)
    paid_on = serializers.DateField(help_text="Date du versement (pas dans le futur).")
    mandate_reference = serializers.CharField(max_length=60, help_text="Référence du mandat.")
    ordered_on = serializers.DateField(
        required=False, help_text="Date du mandat ; par défaut, la date du versement.")
    account = serializers.CharField(
        max_length=40, required=False, default="", allow_blank=True,
        help_text="Compte d'imputation ; par défaut, celui de la convention.")


class PaymentOrderSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text=LINE_HELP, min_value=1, max_value=2**63 - 1)
    ordered_on = serializers.DateField(
        help_text="Date du mandat : pas dans le futur, ni avant la signature de la convention.")
    mandate_reference = serializers.CharField(max_length=60, help_text="Référence du mandat.")
    account = serializers.CharField(
        max_length=40, required=False, default="", allow_blank=True,
        help_text="Compte d'imputation ; par défaut, celui de la convention.")


class PaymentPaySerializer(serializers.Serializer):
    paid_on = serializers.DateField(
        help_text="Date du versement : pas dans le futur, ni avant la date du mandat.")


class AmendmentSerializer(serializers.ModelSerializer):
    new_amounts = serializers.DictField(child=serializers.CharField(), required=False,
                                        default=dict)

    class Meta:
        model = Amendment
        fields = ["id", "number", "reason", "new_amounts", "new_end_date", "decision_reference",
                  "decision_date", "status", "sent_on", "signed_on"]
        read_only_fields = ["number", "status", "sent_on", "signed_on"]


class AmendmentSignSerializer(serializers.Serializer):
    signed_on = serializers.DateField()


class PaymentCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class RecoverySerializer(serializers.ModelSerializer):
    class Meta:
        model = Recovery
        fields = ["id", "kind", "status", "ground", "reason", "amount", "cancelled_amount",
                  "breach_date", "notice_on", "observation_deadline", "observations", "observations_on",
                  "decision_on", "decision_reasons", "decided_amount", "due_date",
                  "title_reference", "title_date", "settled_on", "offset_line"]
        read_only_fields = fields


class CerWithdrawalSerializer(serializers.Serializer):
    breach_date = serializers.DateField()
    reason = serializers.CharField()


class RepaymentRequestSerializer(serializers.Serializer):
    """Read as typed: every rule (and its French message, the page's) is the service's."""

    ground = serializers.CharField(
        required=False, allow_blank=True, default="",
        help_text="Fondement : « unused » (versée et non utilisée) ou « breach » (manquement "
                  "aux obligations de la convention).")
    amount = serializers.CharField(required=False, allow_blank=True, default="",
                                   help_text="Montant à reverser, par exemple « 1 500,00 ».")
    reason = serializers.CharField(required=False, allow_blank=True, default="",
                                   help_text="Les faits qui fondent la demande ; ils figurent "
                                             "dans la notification.")
    on = serializers.DateField(help_text="Date de la notification (pas dans le futur).")


class RecoveryObservationsSerializer(serializers.Serializer):
    observations = serializers.CharField()
    on = serializers.DateField()


class RecoveryDecideSerializer(serializers.Serializer):
    amount = serializers.CharField()
    reasons = serializers.CharField()
    on = serializers.DateField()


class RecoveryTitleSerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=60)
    on = serializers.DateField()


class RecoverySettleSerializer(serializers.Serializer):
    on = serializers.DateField()
    offset_line = serializers.IntegerField(required=False)


RECOVERY_STEPS = {"observations": RecoveryObservationsSerializer,
                  "decide": RecoveryDecideSerializer, "title": RecoveryTitleSerializer,
                  "settle": RecoverySettleSerializer}


class FromAwardSerializer(serializers.Serializer):
    award = serializers.IntegerField(help_text="Identifiant de l'attribution (fonds).")


class ReportSerializer(serializers.ModelSerializer):
    convention = serializers.IntegerField(source="year.convention_id", read_only=True)
    year_number = serializers.IntegerField(source="year.year", read_only=True)

    class Meta:
        model = FinancialReport
        fields = ["id", "convention", "year_number", "due_date", "status", "budget_lines",
                  "subsidy_used", "qualitative_report", "submitted_on", "reviewed_on",
                  "review_comment", "unspent_amount", "repayment_amount", "gap_explanations",
                  "draft_saved_at"]
        read_only_fields = fields


class ReportSubmitSerializer(serializers.Serializer):
    """Amounts may be typed the French way ("1 234,50"): the service reads them."""

    budget_lines = serializers.ListField(child=serializers.DictField())
    subsidy_used = serializers.CharField(allow_blank=True)
    qualitative_report = serializers.CharField(allow_blank=True)
    gap_explanations = serializers.DictField(child=serializers.CharField(allow_blank=True),
                                             required=False, default=dict)


class ReportReviewSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    comment = serializers.CharField(required=False, allow_blank=True, default="")
