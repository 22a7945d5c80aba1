"""Conventions, with their schedule, payments, amendments and recoveries."""

from __future__ import annotations

from django.http import FileResponse, Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from .. import selectors, services
from ..models import Convention, Payment, ScheduleLine
from ._common import check_allowed
from .serializers import (
    RECOVERY_STEPS,
    AmendmentSerializer,
    AmendmentSignSerializer,
    CerWithdrawalSerializer,
    ConventionDetailSerializer,
    ConventionFilterSerializer,
    ConventionSerializer,
    FromAwardSerializer,
    PaymentCancelSerializer,
    PaymentOrderSerializer,
    PaymentPaySerializer,
    PaymentRecordSerializer,
    PaymentSerializer,
    RecoverySerializer,
    RepaymentRequestSerializer,
    YearSerializer,
)


@extend_schema_view(list=extend_schema(
    summary="Liste des conventions",
    description="Conventions visibles : celles de vos organisations ; toutes pour les agents "
                "de la collectivité. Filtres : statut, année de tranche, organisation, collectivité, retard "
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

        check_allowed(request.user, "convention.manage")
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
        check_allowed(request.user, "payment.manage", convention)
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
        check_allowed(request.user, "payment.manage", convention)
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
        check_allowed(request.user, "payment.manage", convention)
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
        check_allowed(request.user, "convention.manage", convention)
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
        check_allowed(request.user, "convention.manage", convention)
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
        check_allowed(request.user, "payment.manage", convention)
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
        check_allowed(request.user, "convention.manage", convention)
        serializer = CerWithdrawalSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        recovery = services.convention_withdraw_for_cer_breach(
            convention=convention, actor=request.user, **serializer.validated_data)
        if recovery is None:
            return Response(status=204)
        return Response(RecoverySerializer(recovery).data, status=201)

    @extend_schema(request=RepaymentRequestSerializer, responses={201: RecoverySerializer},
                   summary="Demander un reversement hors compte rendu (versé et non utilisé, "
                           "ou manquement), au plus ce qui a été versé et pas encore demandé")
    @action(detail=True, methods=["post"], url_path="repayments")
    def repayment(self, request, pk=None):
        convention = self.get_object()
        check_allowed(request.user, "repayment.request", convention)
        serializer = RepaymentRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        recovery = services.repayment_request(convention=convention, actor=request.user,
                                              **serializer.validated_data)
        return Response(RecoverySerializer(recovery).data, status=201)

    @extend_schema(request=None, responses=RecoverySerializer,
                   summary="Étape de la procédure contradictoire : observations, decide, title "
                           "ou settle")
    @action(detail=True, methods=["post"],
            url_path=r"recoveries/(?P<recovery_pk>\d+)/(?P<step>observations|decide|title|settle)")
    def recovery_step(self, request, pk=None, recovery_pk=None, step=None):
        convention = self.get_object()
        check_allowed(request.user, "payment.manage", convention)
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
        check_allowed(request.user, "convention.manage", convention)
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
