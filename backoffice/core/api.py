"""REST API of the core app, scoped like the pages."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from . import selectors, services
from .models import Membership, Organisation, OrganisationDocument, User
from .permissions import can


def exception_handler(exc, context):
    """Services raise Django's ValidationError/PermissionDenied: answer 400/403 with French
    field messages instead of a 500."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = ValidationError(detail=detail)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = PermissionDenied(detail=str(exc) or None)
    return drf_exception_handler(exc, context)


class MembershipSerializer(serializers.ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "organisation", "organisation_name", "role", "status"]


class UserSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()
    memberships = MembershipSerializer(many=True, read_only=True)

    class Meta:
        model = User
        fields = ["id", "email", "first_name", "last_name", "roles", "memberships"]

    def get_roles(self, obj) -> list[str]:
        return sorted(obj.role_names)


class MeView(APIView):
    @extend_schema(responses=UserSerializer, summary="Utilisateur connecté")
    def get(self, request):
        user = User.objects.prefetch_related("memberships__organisation").get(pk=request.user.pk)
        return Response(UserSerializer(user).data)


class OrganisationSerializer(serializers.ModelSerializer):
    accept_cer = serializers.BooleanField(write_only=True, required=False, default=False,
                                          help_text="Acceptation du contrat d'engagement républicain")
    cer_accepted_at = serializers.DateTimeField(read_only=True)

    class Meta:
        model = Organisation
        fields = [
            "id", "name", "legal_form", "siret", "rna", "object", "address", "postcode", "city",
            "email", "phone", "website", "legal_representative_name",
            "legal_representative_title", "members_count", "volunteers_count",
            "employees_count", "fte", "iban", "bic", "bank_details_on_hold", "cer_accepted_at",
            "accept_cer", "created_at",
        ]
        read_only_fields = ["created_at", "bank_details_on_hold"]
        # Uniqueness is checked by the model's constraints (full_clean in the service).
        validators: list = []


class BankDetailsConfirmSerializer(serializers.Serializer):
    document = serializers.IntegerField(help_text="Identifiant du RIB déposé par l'organisation")


class OrganisationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                          mixins.CreateModelMixin, mixins.UpdateModelMixin,
                          viewsets.GenericViewSet):
    """Organisations visible to the user: their own; every one for the authority's staff."""

    serializer_class = OrganisationSerializer

    def get_queryset(self):
        return selectors.organisation_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        accept_cer = data.pop("accept_cer", False)
        organisation = services.organisation_create(user=request.user, accept_cer=accept_cer,
                                                    **data)
        return Response(self.get_serializer(organisation).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        organisation = self.get_object()
        allowed, reason = can(request.user, "organisation.edit", organisation)
        if not allowed:
            raise PermissionDenied(reason)
        serializer = self.get_serializer(organisation, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("accept_cer", None)
        organisation = services.organisation_update(organisation=organisation, user=request.user,
                                                    **data)
        return Response(self.get_serializer(organisation).data)

    @extend_schema(request=BankDetailsConfirmSerializer, responses=OrganisationSerializer,
                   summary="Vérifier l'IBAN d'après un RIB (agent financier)")
    @action(detail=True, methods=["post"], url_path="confirm-bank-details")
    def confirm_bank_details(self, request, pk=None):
        organisation = self.get_object()
        allowed, reason = can(request.user, "organisation.confirm_bank_details", organisation)
        if not allowed:
            raise PermissionDenied(reason)
        serializer = BankDetailsConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        document = OrganisationDocument.objects.filter(
            pk=serializer.validated_data["document"], organisation=organisation).first()
        if document is None:
            raise ValidationError({"document": ["Choisissez un RIB déposé par cette organisation."]})
        organisation = services.organisation_bank_details_confirm(
            organisation=organisation, actor=request.user, document=document)
        return Response(self.get_serializer(organisation).data)


class MembershipDecisionViewSet(viewsets.GenericViewSet):
    """Pending requests to join an organisation: approve or refuse (administrators of the
    organisation; finance agents for claims of organisations without administrator)."""

    serializer_class = MembershipSerializer

    def get_queryset(self):
        return Membership.objects.filter(
            organisation__in=selectors.organisation_list(user=self.request.user).values("pk"),
        ).select_related("organisation", "user")

    @extend_schema(request=None, responses=MembershipSerializer, summary="Valider une demande")
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        membership = services.membership_approve(membership=self.get_object(),
                                                 actor=request.user)
        return Response(MembershipSerializer(membership).data)

    @extend_schema(request=None, responses={204: None}, summary="Refuser une demande")
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        services.membership_refuse(membership=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
