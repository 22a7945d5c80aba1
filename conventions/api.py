"""REST API of conventions, scoped like the pages: services raise ValidationError → 400 with
French messages (core exception handler), PermissionDenied → 403, out of scope → 404."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors, services
from .models import (
    Amendment,
    Convention,
    ConventionStatus,
    ConventionYear,
    FinancialReport,
    Payment,
    Recovery,
    ScheduleLine,
)
from .permissions import can


def _check(user, name, obj=None):
    allowed, reason = can(user, name, obj)
    if not allowed:
        raise PermissionDenied(reason)


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
        fields = ["id", "kind", "status", "amount", "cancelled_amount", "breach_date",
                  "notice_on", "observation_deadline", "observations", "observations_on",
                  "decision_on", "decision_reasons", "decided_amount", "due_date",
                  "title_reference", "title_date", "settled_on", "offset_line"]
        read_only_fields = fields


class CerWithdrawalSerializer(serializers.Serializer):
    breach_date = serializers.DateField()
    reason = serializers.CharField()


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


@extend_schema_view(list=extend_schema(
    summary="Liste des conventions",
    description="Conventions visibles : celles de vos organisations ; toutes pour les agents "
                "de la collectivité. Filtres : statut, année de tranche, organisation, retard "
                "de paiement, compte rendu en retard ; une valeur invalide répond 400.",
    parameters=[ConventionFilterSerializer]),
    retrieve=extend_schema(summary="Détail d'une convention (tranches, échéances, "
                                   "versements)"))
class ConventionViewSet(viewsets.ReadOnlyModelViewSet):
    """Conventions visible to the user (their organisations'; all for the authority)."""

    api_description = ("Conventions pluriannuelles de financement : vos organisations ; "
                       "toutes pour les agents de la collectivité.")

    def get_queryset(self):
        filters = {}
        if self.action == "list":
            params = ConventionFilterSerializer(data=self.request.query_params)
            params.is_valid(raise_exception=True)
            filters = params.validated_data
        return selectors.convention_list(user=self.request.user, **filters)

    def get_serializer_class(self):
        return ConventionDetailSerializer if self.action == "retrieve" else ConventionSerializer

    def get_object(self):
        try:
            convention = selectors.convention_detail(user=self.request.user, pk=self.kwargs["pk"])
        except (Convention.DoesNotExist, ValueError) as exc:
            raise Http404 from exc
        annotated = self.get_queryset().filter(pk=convention.pk).first()
        for name in ("total_amount", "total_paid", "is_late", "has_overdue_report"):
            setattr(convention, name, getattr(annotated, name))
        return convention

    @extend_schema(request=FromAwardSerializer,
                   responses={200: ConventionDetailSerializer, 201: ConventionDetailSerializer},
                   summary="Créer la convention d'une attribution (201), ou retrouver celle "
                           "qui existe déjà (200)")
    @action(detail=False, methods=["post"], url_path="from-award")
    def from_award(self, request):
        from funds.models import Award

        _check(request.user, "convention.manage")
        serializer = FromAwardSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        award = Award.objects.filter(pk=serializer.validated_data["award"]).first()
        if award is None:
            raise serializers.ValidationError({"award": ["Attribution introuvable."]})
        existing = selectors.convention_of_award(award=award)
        convention = services.convention_create_from_award(award=award, actor=request.user)
        self.kwargs["pk"] = convention.pk
        return Response(ConventionDetailSerializer(self.get_object()).data,
                        status=200 if existing is not None else 201)

    @extend_schema(responses=YearSerializer(many=True), summary="Échéancier par tranche")
    @action(detail=True, methods=["get"])
    def schedule(self, request, pk=None):
        convention = self.get_object()
        return Response(YearSerializer(convention.years.all(), many=True).data)

    def _line(self, convention, pk) -> ScheduleLine:
        line = ScheduleLine.objects.filter(pk=pk, year__convention=convention).first()
        if line is None:
            raise serializers.ValidationError({"line": ["Échéance introuvable sur cette "
                                                        "convention."]})
        return line

    @extend_schema(request=PaymentRecordSerializer, responses={201: PaymentSerializer},
                   summary="Enregistrer un versement (mandat et paiement)",
                   description="Agents financiers : émet le mandat d'une échéance, pour son "
                               "montant exact, et enregistre son paiement, les deux ou rien.")
    @action(detail=True, methods=["post"])
    def payments(self, request, pk=None):
        convention = self.get_object()
        _check(request.user, "payment.manage", convention)
        serializer = PaymentRecordSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        line = self._line(convention, data["line"])
        payment = services.payment_record(line=line, paid_on=data["paid_on"],
                                          ordered_on=data.get("ordered_on"),
                                          mandate_reference=data["mandate_reference"],
                                          account=data.get("account", ""), actor=request.user)
        return Response(PaymentSerializer(payment).data, status=201)

    @extend_schema(request=PaymentOrderSerializer, responses={201: PaymentSerializer},
                   summary="Émettre un mandat (ordonnancement), sans le paiement",
                   description="Agents financiers : émet le mandat d'une échéance exigible, pour "
                               "son montant exact, sur une convention signée et une tranche "
                               "confirmée. Le paiement s'enregistre ensuite "
                               "(payments/{payment_pk}/pay/).")
    @action(detail=True, methods=["post"], url_path="payment-orders")
    def payment_orders(self, request, pk=None):
        convention = self.get_object()
        _check(request.user, "payment.manage", convention)
        serializer = PaymentOrderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        payment = services.payment_order(
            line=self._line(convention, data["line"]), ordered_on=data["ordered_on"],
            mandate_reference=data["mandate_reference"], account=data["account"],
            actor=request.user)
        return Response(PaymentSerializer(payment).data, status=201)

    @extend_schema(request=PaymentPaySerializer, responses=PaymentSerializer,
                   summary="Enregistrer le paiement d'un mandat émis")
    @action(detail=True, methods=["post"], url_path=r"payments/(?P<payment_pk>\d+)/pay")
    def payment_pay(self, request, pk=None, payment_pk=None):
        convention = self.get_object()
        _check(request.user, "payment.manage", convention)
        payment = Payment.objects.filter(pk=payment_pk, line__year__convention=convention).first()
        if payment is None:
            raise Http404
        serializer = PaymentPaySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        payment = services.payment_transition(payment=payment, to="paid", actor=request.user,
                                              paid_on=serializer.validated_data["paid_on"])
        return Response(PaymentSerializer(payment).data)

    @extend_schema(methods=["GET"], responses=AmendmentSerializer(many=True),
                   summary="Avenants de la convention")
    @extend_schema(methods=["POST"], request=AmendmentSerializer,
                   responses={201: AmendmentSerializer},
                   summary="Préparer un avenant (agents)")
    @action(detail=True, methods=["get", "post"])
    def amendments(self, request, pk=None):
        convention = self.get_object()
        if request.method == "GET":
            return Response(AmendmentSerializer(convention.amendments.all(), many=True).data)
        _check(request.user, "convention.manage", convention)
        serializer = AmendmentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        amendment = services.amendment_create(
            convention=convention, reason=data["reason"], new_amounts=data.get("new_amounts"),
            new_end_date=data.get("new_end_date"),
            decision_reference=data.get("decision_reference", ""),
            decision_date=data.get("decision_date"), actor=request.user)
        return Response(AmendmentSerializer(amendment).data, status=201)

    @extend_schema(request=None, responses=AmendmentSerializer,
                   summary="Envoyer un avenant pour signature (son document est produit)")
    @action(detail=True, methods=["post"], url_path=r"amendments/(?P<amendment_pk>\d+)/send")
    def amendment_send(self, request, pk=None, amendment_pk=None):
        convention = self.get_object()
        _check(request.user, "convention.manage", convention)
        amendment = convention.amendments.filter(pk=amendment_pk).first()
        if amendment is None:
            raise Http404
        amendment = services.amendment_transition(amendment=amendment, to="sent",
                                                  actor=request.user)
        return Response(AmendmentSerializer(amendment).data)

    @extend_schema(request=PaymentCancelSerializer, responses=PaymentSerializer,
                   summary="Annuler un mandat erroné (non payé), avec son motif")
    @action(detail=True, methods=["post"], url_path=r"payments/(?P<payment_pk>\d+)/cancel")
    def payment_cancel(self, request, pk=None, payment_pk=None):
        convention = self.get_object()
        _check(request.user, "payment.manage", convention)
        payment = Payment.objects.filter(pk=payment_pk, line__year__convention=convention).first()
        if payment is None:
            raise Http404
        serializer = PaymentCancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        payment = services.payment_cancel(payment=payment, actor=request.user,
                                          reason=serializer.validated_data["reason"])
        return Response(PaymentSerializer(payment).data)

    @extend_schema(responses=RecoverySerializer(many=True),
                   summary="Reversements et retraits de la convention")
    @action(detail=True, methods=["get"])
    def recoveries(self, request, pk=None):
        convention = self.get_object()
        return Response(RecoverySerializer(convention.recoveries.all(), many=True).data)

    @extend_schema(request=CerWithdrawalSerializer, responses={
        201: RecoverySerializer,
        204: OpenApiResponse(description="Retrait enregistré, rien à recouvrer : rien n'a été "
                                         "versé au-delà de la part conservée.")},
                   summary="Retirer la subvention pour manquement au contrat d'engagement "
                           "républicain (prorata de la période restant à courir)")
    @action(detail=True, methods=["post"], url_path="cer-withdrawal")
    def cer_withdrawal(self, request, pk=None):
        convention = self.get_object()
        _check(request.user, "convention.manage", convention)
        serializer = CerWithdrawalSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        recovery = services.convention_withdraw_for_cer_breach(
            convention=convention, actor=request.user, **serializer.validated_data)
        if recovery is None:
            return Response(status=204)
        return Response(RecoverySerializer(recovery).data, status=201)

    @extend_schema(request=None, responses=RecoverySerializer,
                   summary="Étape de la procédure contradictoire : observations, decide, title "
                           "ou settle")
    @action(detail=True, methods=["post"],
            url_path=r"recoveries/(?P<recovery_pk>\d+)/(?P<step>observations|decide|title|settle)")
    def recovery_step(self, request, pk=None, recovery_pk=None, step=None):
        convention = self.get_object()
        _check(request.user, "payment.manage", convention)
        recovery = convention.recoveries.filter(pk=recovery_pk).first()
        if recovery is None:
            raise Http404
        serializer = RECOVERY_STEPS[step](data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if step == "observations":
            recovery = services.recovery_observations(recovery=recovery, actor=request.user,
                                                      **data)
        elif step == "decide":
            recovery = services.recovery_decide(recovery=recovery, actor=request.user, **data)
        elif step == "title":
            recovery = services.recovery_title(recovery=recovery, actor=request.user, **data)
        else:
            line = None
            if data.get("offset_line"):
                line = ScheduleLine.objects.filter(
                    pk=data["offset_line"],
                    year__convention__organisation=convention.organisation).first()
                if line is None:
                    raise serializers.ValidationError(
                        {"offset_line": ["Échéance introuvable pour cette organisation."]})
            recovery = services.recovery_settle(recovery=recovery, actor=request.user,
                                                on=data["on"], offset_line=line)
        return Response(RecoverySerializer(recovery).data)

    @extend_schema(request=AmendmentSignSerializer, responses=AmendmentSerializer,
                   summary="Signer un avenant (il prend effet)")
    @action(detail=True, methods=["post"], url_path=r"amendments/(?P<amendment_pk>\d+)/sign")
    def amendment_sign(self, request, pk=None, amendment_pk=None):
        convention = self.get_object()
        _check(request.user, "convention.manage", convention)
        amendment = convention.amendments.filter(pk=amendment_pk).first()
        if amendment is None:
            raise Http404
        serializer = AmendmentSignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        amendment = services.amendment_transition(
            amendment=amendment, to="signed", on=serializer.validated_data["signed_on"],
            actor=request.user)
        return Response(AmendmentSerializer(amendment).data)

    @extend_schema(responses={(200, "application/pdf"): bytes},
                   summary="Dernière version PDF de la convention (ou de la lettre)")
    @action(detail=True, methods=["get"])
    def document(self, request, pk=None):
        convention = self.get_object()
        document = selectors.latest_document(convention=convention)
        if document is None:
            raise Http404("Aucun document disponible.")
        return FileResponse(document.file.open("rb"), filename=document.filename,
                            content_type="application/pdf")


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


class FinancialReportViewSet(viewsets.ReadOnlyModelViewSet):
    """Financial reports visible to the user; submit (members), approve/changes (agents)."""

    api_description = ("Comptes rendus financiers annuels des conventions visibles : dépôt "
                       "par les membres de l'organisation, examen par les agents.")

    serializer_class = ReportSerializer

    def get_queryset(self):
        from .selectors import scope_to_user

        return (scope_to_user(FinancialReport.objects.all(), self.request.user,
                       "year__convention__organisation__")
                .select_related("year").order_by("due_date", "pk").distinct())

    @extend_schema(request=ReportSubmitSerializer, responses=ReportSerializer,
                   summary="Déposer le compte rendu financier")
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        report = self.get_object()
        _check(request.user, "report.submit", report)
        serializer = ReportSubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = services.report_submit(report=report, actor=request.user,
                                        **serializer.validated_data)
        return Response(ReportSerializer(report).data)

    @extend_schema(request=ReportSubmitSerializer, responses=ReportSerializer,
                   summary="Enregistrer le compte rendu en brouillon, sans le déposer")
    @action(detail=True, methods=["post"])
    def draft(self, request, pk=None):
        from django.core.exceptions import ValidationError as DjangoValidationError

        report = self.get_object()
        _check(request.user, "report.submit", report)
        serializer = ReportSubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        rows, errors = services.rows_from_lines(data["budget_lines"])
        if errors:
            raise DjangoValidationError(errors)
        report = services.report_draft_save(
            report=report, rows=rows, explanations=data["gap_explanations"],
            subsidy_used=data["subsidy_used"], qualitative_report=data["qualitative_report"],
            actor=request.user)
        return Response(ReportSerializer(report).data)

    @extend_schema(request=ReportReviewSerializer, responses=ReportSerializer,
                   summary="Approuver ou demander des modifications")
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        report = self.get_object()
        _check(request.user, "report.review", report)
        serializer = ReportReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = services.report_review(report=report, actor=request.user,
                                        **serializer.validated_data)
        return Response(ReportSerializer(report).data)


class ScdlExportView(APIView):
    api_description = ("Données ouvertes : les subventions d'une année au format SCDL 2.1.1 "
                       "(CSV), pour les agents.")

    @extend_schema(parameters=[OpenApiParameter("year", int, required=True,
                                                description="Année, par exemple 2026.")],
                   responses={(200, "text/csv"): str},
                   summary="Export SCDL subventions 2.1.1 d'une année")
    def get(self, request):
        from .scdl import scdl_csv

        _check(request.user, "export.download")
        try:
            year = int(request.query_params.get("year", ""))
        except ValueError as exc:
            from rest_framework.exceptions import ValidationError

            raise ValidationError({"year": ["Indiquez l'année (par exemple 2026)."]}) from exc
        from backoffice.core.selectors import NO_SITE_AUTHORITY, site_authority

        authority = site_authority()
        if authority is None:
            from rest_framework.exceptions import ValidationError

            raise ValidationError({"non_field_errors": [str(NO_SITE_AUTHORITY)]})
        return HttpResponse(scdl_csv(year=year, authority=authority),
                            content_type="text/csv; charset=utf-8")
