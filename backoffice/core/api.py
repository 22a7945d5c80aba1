"""REST API of the core app, scoped like the pages."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from . import selectors, services
from .models import (
    Membership,
    Notification,
    Organisation,
    OrganisationDocument,
    ReminderStatus,
    User,
)
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
    api_description = "Votre compte : identité, rôles dans la collectivité, adhésions."

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
    api_description = ("Organisations (associations, collectifs) : les vôtres ; toutes pour "
                       "les agents de la collectivité.")

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
    api_description = ("Demandes d'adhésion à une organisation, validées ou refusées par ses "
                       "administrateurs (ou par un agent pour une organisation sans "
                       "administrateur).")

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


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "event", "topic", "title", "body", "url", "created_at", "read_at"]
        read_only_fields = fields


class NotificationFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=[("unread", "Non lues"), ("read", "Lues")], required=False,
        help_text="unread : non lues seulement ; read : lues seulement.",
        error_messages={"invalid_choice": "État inconnu : « {input} » (unread ou read)."})
    topic = serializers.CharField(required=False, max_length=60,
                                  help_text="Sujet : un événement ou un type de rappel.")


@extend_schema_view(list=extend_schema(summary="Vos notifications, les plus récentes d'abord",
                                       parameters=[NotificationFilterSerializer]))
class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The user's own notifications: never another user's (404)."""

    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()  # schema only; get_queryset scopes to the user
    api_description = ("Vos notifications dans l'application (jamais celles d'un autre "
                       "compte) : liste, marquer une notification ou toutes comme lues.")

    def get_queryset(self):
        filters = {}
        if self.action == "list":
            params = NotificationFilterSerializer(data=self.request.query_params)
            params.is_valid(raise_exception=True)
            filters = params.validated_data
        return selectors.notification_list(user=self.request.user, **filters)

    @extend_schema(request=None, responses=NotificationSerializer,
                   summary="Marquer une notification comme lue")
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        from .notifications import notification_mark_read

        notification = self.get_object()
        notification_mark_read(user=request.user, notification_id=notification.pk)
        notification.refresh_from_db()
        return Response(NotificationSerializer(notification).data)

    @extend_schema(request=None, summary="Marquer toutes vos notifications comme lues",
                   responses=inline_serializer("NotificationsMarkedRead", {
                       "marked": serializers.IntegerField(
                           help_text="Nombre de notifications passées de non lues à lues.")}))
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        from .notifications import notification_mark_read

        return Response({"marked": notification_mark_read(user=request.user)})


class ReminderRule(BasePermission):
    """The rule table decides (French reason in the 403)."""

    def has_permission(self, request, view):
        allowed, reason = can(request.user, "reminder.view")
        if not allowed:
            raise PermissionDenied(reason)
        return True


def _kind_choices():
    from .reminders import all_kinds

    return [(kind.code, str(kind.label)) for kind in all_kinds()]


def _kind_label(code: str) -> str:
    return dict(_kind_choices()).get(code, code)


class ReminderFilterSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=[], required=False, help_text="Type de rappel.",
        error_messages={"invalid_choice": "Type de rappel inconnu : « {input} »."})
    organisation = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, help_text="Identifiant de "
        "l'organisation.", error_messages={"invalid": "Identifiant d'organisation invalide.",
                                            "min_value": "Identifiant d'organisation invalide.",
                                            "max_value": "Identifiant d'organisation invalide."})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = _kind_choices()

    def validate_organisation(self, value):
        organisation = Organisation.objects.filter(pk=value).first()
        if organisation is None:
            raise serializers.ValidationError("Organisation inconnue.")
        return organisation


class SentReminderFilterSerializer(ReminderFilterSerializer):
    date_from = serializers.DateField(required=False, help_text="Rappels du… (AAAA-MM-JJ).")
    date_to = serializers.DateField(required=False, help_text="…au (AAAA-MM-JJ).")
    status = serializers.ChoiceField(
        choices=ReminderStatus.choices, required=False, help_text="Statut du rappel.",
        error_messages={"invalid_choice": "Statut inconnu : « {input} »."})

    def validate(self, data):
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError({"date_to": ["La date de fin doit suivre la date de début."]})
        return data


class ReminderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text="Code du type de rappel.")
    kind_label = serializers.SerializerMethodField(help_text="Type de rappel, en clair.")
    target_repr = serializers.CharField(help_text="Objet du rappel.")
    organisation = serializers.IntegerField(source="organisation_id", allow_null=True)
    organisation_name = serializers.CharField(source="organisation.name", allow_null=True,
                                              default=None)
    step = serializers.CharField(help_text="Étape (par exemple J-30, J, J+15).")
    due_date = serializers.DateField(help_text="Échéance rappelée.")
    remind_on = serializers.DateField(help_text="Date du rappel.")
    status = serializers.ChoiceField(choices=ReminderStatus.choices)
    late = serializers.BooleanField(help_text="Envoyé en rattrapage, après sa date.")
    sent_at = serializers.DateTimeField(allow_null=True, help_text="Notifié le.")
    url = serializers.CharField(help_text="Lien vers l'objet.")

    def get_kind_label(self, obj) -> str:
        return _kind_label(obj.kind)


class UpcomingReminderSerializer(serializers.Serializer):
    kind = serializers.CharField(source="kind.code", help_text="Code du type de rappel.")
    kind_label = serializers.CharField(source="kind.label", help_text="Type de rappel.")
    target_type = serializers.IntegerField(source="target_type_id",
                                           help_text="Type de l'objet (content type).")
    target_id = serializers.IntegerField(source="due.target.pk",
                                         help_text="Identifiant de l'objet.")
    target_repr = serializers.CharField(source="due.target_repr", help_text="Objet du rappel.")
    organisation = serializers.IntegerField(source="due.organisation_id", allow_null=True)
    step = serializers.CharField(source="due.step", help_text="Étape.")
    due_date = serializers.DateField(source="due.due_date", help_text="Échéance rappelée.")
    remind_on = serializers.DateField(source="due.remind_on", help_text="Date prévue du rappel.")
    recipients = serializers.SerializerMethodField(help_text="Nombre de destinataires.")
    url = serializers.CharField(source="due.url", help_text="Lien vers l'objet.")
    recorded = serializers.BooleanField(help_text="Déjà envoyé (à la main, en avance).")

    def get_recipients(self, row) -> int:
        return len(row["due"].recipients)


@extend_schema_view(list=extend_schema(summary="Rappels enregistrés (envoyés ou en cours)",
                                       parameters=[SentReminderFilterSerializer]))
class ReminderViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Reminders for the authority's staff: recorded (sent) and upcoming; 403 for others."""

    serializer_class = ReminderSerializer
    permission_classes = [IsAuthenticated, ReminderRule]
    api_description = ("Rappels aux associations et aux agents (réservé aux agents de la "
                       "collectivité) : ceux déjà enregistrés, et ceux à venir.")

    def get_queryset(self):
        params = SentReminderFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return selectors.reminder_list(user=self.request.user, **params.validated_data)

    @extend_schema(parameters=[ReminderFilterSerializer],
                   responses=UpcomingReminderSerializer(many=True),
                   summary="Rappels à venir",
                   description="Rappels que l'envoi quotidien fera de demain jusqu'à "
                               "REMINDERS_UPCOMING_DAYS jours (100 au plus), chacun marqué s'il "
                               "a déjà été envoyé à la main.")
    @action(detail=False, methods=["get"])
    def upcoming(self, request):
        params = ReminderFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        today = timezone.localdate()
        rows = selectors.reminder_upcoming(
            user=request.user, start=today + dt.timedelta(days=1),
            end=today + dt.timedelta(days=settings.REMINDERS_UPCOMING_DAYS),
            **params.validated_data)
        return Response(UpcomingReminderSerializer(rows, many=True).data)
