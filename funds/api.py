"""REST API of the funds app, scoped like the pages (out of scope → 404, wrong role → 403)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from backoffice.core.budget import (
    ALL_ACCOUNTS,
    FUNDER_STATUSES,
    PRIVATE_FUNDER,
    PUBLIC_FUNDERS,
    BudgetLine,
)
from backoffice.core.choices import Nature
from backoffice.core.selectors import user_organisations

from . import rules, selectors, services
from .models import Application, ApplicationStatus, Call
from .permissions import can

MONEY_ERRORS = {"min_value": "Un montant ne peut pas être négatif.",
                "invalid": "Montant invalide : utilisez un nombre décimal, par exemple 1250.50."}


def money(**kwargs):
    return serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0"),
                                    error_messages=MONEY_ERRORS, **kwargs)


def _check(user, action_name, obj=None):
    allowed, reason = can(user, action_name, obj)
    if not allowed:
        raise DjangoPermissionDenied(reason)


class CallSerializer(serializers.ModelSerializer):
    fund = serializers.CharField(source="fund.name", read_only=True)
    min_amount = serializers.DecimalField(source="fund.min_amount", max_digits=12,
                                          decimal_places=2, read_only=True)
    max_amount = serializers.DecimalField(source="fund.max_amount", max_digits=12,
                                          decimal_places=2, read_only=True)

    class Meta:
        model = Call
        fields = ["id", "title", "kind", "description", "phase", "fund", "min_amount",
                  "max_amount", "applicant_kinds", "min_age", "one_per_applicant", "questions",
                  "required_documents", "opens_on", "closes_on", "vote_on", "decision_on",
                  "results_on", "ends_on"]


class CallViewSet(viewsets.ReadOnlyModelViewSet):
    """Calls open for applications (public)."""

    api_description = "Appels à projets ouverts aux dépôts de dossiers (public, sans connexion)."

    serializer_class = CallSerializer
    permission_classes = [AllowAny]
    authentication_classes: list = []

    def get_queryset(self):
        return selectors.call_list_open()


class BudgetLineSerializer(serializers.Serializer):
    account = serializers.ChoiceField(choices=sorted(ALL_ACCOUNTS), error_messages={
        "invalid_choice": "Compte budgétaire inconnu : {input}."})
    label = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    funder = serializers.ChoiceField(choices=["", *PUBLIC_FUNDERS, PRIVATE_FUNDER],
                                     required=False, allow_blank=True, default="")
    status = serializers.ChoiceField(choices=["", *FUNDER_STATUSES], required=False,
                                     allow_blank=True, default="")
    amount = money()


class ApplicationSerializer(serializers.ModelSerializer):
    budget = BudgetLineSerializer(many=True, required=False,
                                  help_text="Lignes du budget, hors montant demandé à la "
                                            "collectivité (ajouté d'office).")
    shares = serializers.SerializerMethodField()
    amount_requested = money(required=False)
    volunteer_hours = serializers.DecimalField(max_digits=9, decimal_places=2, required=False,
                                               min_value=Decimal("0"))
    nature = serializers.ChoiceField(choices=Nature.choices, required=False, allow_blank=True)

    class Meta:
        model = Application
        fields = ["id", "call", "organisation", "applicant_age", "external_reference", "status",
                  "title", "summary", "place", "start_date", "end_date", "nature",
                  "amount_requested", "volunteer_hours", "answers", "cer_accepted", "version",
                  "submitted_at", "budget", "shares"]
        read_only_fields = ["status", "version", "submitted_at", "external_reference"]

    def get_shares(self, obj) -> dict:
        lines = selectors.budget_lines_of(obj)
        fund_rules = selectors.fund_rules(obj.call.fund)
        shares = rules.compute_shares(lines, volunteering_counts=fund_rules.volunteering_counts,
                                      in_kind_counts=fund_rules.in_kind_counts)
        return {
            "authority_share": str(shares.authority_share),
            "public_share": str(shares.public_share),
            "self_financing_share": str(shares.self_financing_share),
            "self_financing_share_without_in_kind": str(
                shares.self_financing_share_without_in_kind),
            "rule_errors": rules.rule_errors(lines, amount_requested=obj.amount_requested,
                                             rules=fund_rules),
        }

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["budget"] = [{"account": line.account, "label": line.label, "funder": line.funder,
                           "status": line.status, "amount": str(line.amount)}
                          for line in selectors.budget_lines_of(instance)
                          if not line.is_this_authority]
        return data


def _lines(data) -> list[BudgetLine] | None:
    """The budget sent, as BudgetLine values (the service adds this authority's 74 line)."""
    if "budget" not in data:
        return None
    return [BudgetLine(account=row["account"], amount=row["amount"], label=row.get("label", ""),
                       funder=row.get("funder", ""), status=row.get("status", ""))
            for row in data["budget"]]


class ReviewSerializer(serializers.Serializer):
    checklist = serializers.DictField(child=serializers.BooleanField(), required=False,
                                      default=dict)
    estimated_cost = money(required=False, allow_null=True, default=None)
    proposed_amount = money(required=False, allow_null=True, default=None)
    opinion = serializers.CharField(required=False, allow_blank=True, default="")


class MessageSerializer(serializers.Serializer):
    message = serializers.CharField()


class EligibilitySerializer(serializers.Serializer):
    eligible = serializers.BooleanField()
    motivation = serializers.CharField(required=False, allow_blank=True, default="")


class DecideSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[("award", "Attribuer"), ("reject", "Rejeter")])
    amount = money(required=False, default=Decimal("0"))
    nature = serializers.ChoiceField(choices=Nature.choices, required=False, allow_blank=True,
                                     default="")
    deliberation_reference = serializers.CharField(max_length=100)
    deliberation_date = serializers.DateField()
    motivation = serializers.CharField(required=False, allow_blank=True, default="")


class SubmitSerializer(serializers.Serializer):
    answer = serializers.CharField(required=False, allow_blank=True, default="")


ID_ERRORS = {"invalid": "Identifiant invalide : un nombre entier est attendu.",
             "min_value": "Identifiant invalide.", "max_value": "Identifiant invalide."}


def _identifier(help_text):
    return serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1,
                                    help_text=help_text, error_messages=ID_ERRORS)


class ApplicationFilterSerializer(serializers.Serializer):
    """Query parameters of the list: checked, so a wrong value is a French 400."""

    status = serializers.ChoiceField(
        choices=ApplicationStatus.choices, required=False, help_text="Statut du dossier.",
        error_messages={"invalid_choice": "Statut inconnu : « {input} »."})
    call = _identifier("Identifiant de l'appel à projets.")
    fund = _identifier("Identifiant du fonds.")
    organisation = _identifier("Identifiant de l'organisation.")
    reference = serializers.CharField(
        required=False, max_length=30,
        help_text="Référence du dossier : DOS- suivi de son numéro, par exemple DOS-42.")

    def validate_reference(self, value):
        from volunteering.projects import application_number

        number = application_number(value)
        if number is None:
            raise serializers.ValidationError(
                "Référence de dossier invalide : DOS- suivi du numéro, par exemple DOS-42.")
        return number


@extend_schema_view(list=extend_schema(
    summary="Liste des dossiers",
    description="Dossiers de vos organisations et vos dossiers individuels ; tous pour les "
                "agents de la collectivité. Filtres : statut, appel, fonds, organisation, "
                "référence DOS-n ; une valeur invalide répond 400.",
    parameters=[ApplicationFilterSerializer]))
class ApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                         mixins.CreateModelMixin, mixins.UpdateModelMixin,
                         viewsets.GenericViewSet):
    """Applications of the user's organisations (all of them for the authority's staff)."""

    serializer_class = ApplicationSerializer
    api_description = ("Dossiers de demande de subvention : vos organisations ; tous pour les "
                       "agents de la collectivité.")

    def get_queryset(self):
        filters = {}
        if self.action == "list":
            params = ApplicationFilterSerializer(data=self.request.query_params)
            params.is_valid(raise_exception=True)
            filters = dict(params.validated_data)
            if "reference" in filters:
                filters["number"] = filters.pop("reference")
        return selectors.application_search(user=self.request.user, **filters).prefetch_related(
            "budget_lines").order_by("-created_at")

    def _reload(self, application):
        return self.get_queryset().get(pk=application.pk)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        call = data.pop("call")
        if call.phase == "draft":
            raise Http404
        organisation = data.pop("organisation", None)
        if organisation is not None and not user_organisations(user=request.user).filter(
                pk=organisation.pk).exists():
            raise DjangoPermissionDenied("Vous n'êtes pas membre de cette organisation.")
        application = services.application_create(
            user=request.user, call=call, organisation=organisation, title=data.get("title", ""),
            applicant_age=data.get("applicant_age"))
        lines = _lines(data)
        data.pop("budget", None)
        data.pop("applicant_age", None)
        application = services.application_update(application=application, user=request.user,
                                                   data=data, budget_lines=lines)
        return Response(self.get_serializer(self._reload(application)).data,
                        status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        application = self.get_object()
        _check(request.user, "application.edit", application)
        serializer = self.get_serializer(application, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        for frozen in ("call", "organisation"):
            data.pop(frozen, None)
        lines = _lines(data)
        data.pop("budget", None)
        if application.organisation_id:
            data.pop("applicant_age", None)
        application = services.application_update(application=application, user=request.user,
                                                   data=data, budget_lines=lines)
        return Response(self.get_serializer(self._reload(application)).data)

    @extend_schema(request=SubmitSerializer, responses=ApplicationSerializer,
                   summary="Déposer le dossier")
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        application = self.get_object()
        _check(request.user, "application.submit", application)
        body = SubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.application_submit(application=application, user=request.user,
                                    answer=body.validated_data["answer"])
        return Response(self.get_serializer(self._reload(application)).data)

    @extend_schema(request=ReviewSerializer, responses=ApplicationSerializer,
                   summary="Enregistrer l'instruction (vérifications, estimation, avis)")
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        application = self.get_object()
        _check(request.user, "application.review", application)
        body = ReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.application_review_save(application=application, user=request.user,
                                         **body.validated_data)
        return Response(self.get_serializer(self._reload(application)).data)

    @extend_schema(request=MessageSerializer, responses=ApplicationSerializer,
                   summary="Demander des compléments au porteur")
    @action(detail=True, methods=["post"], url_path="request-info")
    def request_info(self, request, pk=None):
        application = self.get_object()
        _check(request.user, "application.review", application)
        body = MessageSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.application_request_info(application=application, user=request.user,
                                          message=body.validated_data["message"])
        return Response(self.get_serializer(self._reload(application)).data)

    @extend_schema(request=EligibilitySerializer, responses=ApplicationSerializer,
                   summary="Déclarer le dossier recevable ou irrecevable")
    @action(detail=True, methods=["post"])
    def eligibility(self, request, pk=None):
        application = self.get_object()
        _check(request.user, "application.review", application)
        body = EligibilitySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if body.validated_data["eligible"]:
            services.application_declare_eligible(application=application, user=request.user)
        else:
            services.application_declare_ineligible(
                application=application, user=request.user,
                motivation=body.validated_data["motivation"])
        return Response(self.get_serializer(self._reload(application)).data)

    @extend_schema(request=DecideSerializer, responses=ApplicationSerializer,
                   summary="Décider : attribuer ou rejeter")
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        application = self.get_object()
        _check(request.user, "application.decide", application)
        body = DecideSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if data["decision"] == "award":
            services.application_award(
                application=application, actor=request.user, amount=data["amount"],
                nature=data["nature"], deliberation_reference=data["deliberation_reference"],
                deliberation_date=data["deliberation_date"])
        else:
            services.application_reject(
                application=application, actor=request.user, motivation=data["motivation"],
                deliberation_reference=data["deliberation_reference"],
                deliberation_date=data["deliberation_date"])
        return Response(self.get_serializer(self._reload(application)).data)
