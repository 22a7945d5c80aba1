"""API of the pact scorecard: the same figures as the page, for agents and decision makers."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.exceptions import APIException
from rest_framework.response import Response

from backoffice.core.models import Authority

from . import presenters, selectors
from .permissions import can
from .services import MAX_YEAR, MIN_YEAR


class ScorecardUnavailableError(APIException):
    """503: the database keeps no rollups (SQLite, the demo)."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "scorecard_unavailable"


class TrendSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=["up", "down", "flat"])
    good = serializers.BooleanField(allow_null=True)


class IndicatorSerializer(serializers.Serializer):
    key = serializers.CharField()
    commitment = serializers.CharField()
    label = serializers.CharField()
    kind = serializers.ChoiceField(choices=["share", "money", "count", "days", "hours",
                                            "day_of_year"])
    definition = serializers.CharField()
    values = serializers.DictField(child=serializers.JSONField(allow_null=True),
                                   help_text="Valeur par année ; montants et parts en décimales "
                                             "exactes (chaînes), null si non défini.")
    display = serializers.DictField(child=serializers.CharField())
    trend = TrendSerializer(allow_null=True)


class AuthoritySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


@extend_schema_serializer(many=False)
class ScorecardSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    authority = AuthoritySerializer(allow_null=True, help_text="La collectivité dont ce sont "
                                    "les indicateurs ; null pour toutes celles du service.")
    years = serializers.ListField(child=serializers.IntegerField())
    indicators = IndicatorSerializer(many=True)


class ScorecardViewSet(viewsets.ViewSet):
    """GET /api/v1/scorecard/?year=YYYY[&authority=ID|all] — every indicator for the year and
    the two before, of one authority or of the whole deployment."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = ScorecardSerializer
    api_description = ("Tableau de bord du Pacte (agents et élus) : chaque indicateur pour "
                       "l'année demandée et les deux précédentes, comme sur la page.")

    @extend_schema(parameters=[
        OpenApiParameter("year", int, description="Année, par défaut l'année en cours."),
        OpenApiParameter("authority", str, required=False,
                         description="Identifiant de la collectivité, quand plusieurs partagent "
                                     "ce service, ou « all » pour toutes ; par défaut celle du "
                                     "site (SITE_AUTHORITY_ID), sinon toutes.")],
                   responses=ScorecardSerializer, summary="Indicateurs du Pacte d'une année")
    def list(self, request):
        allowed, reason = can(request.user, "scorecard.api")
        if not allowed:
            raise PermissionDenied(reason)
        today = timezone.localdate()
        raw = request.query_params.get("year", str(today.year))
        try:
            year = int(raw)
        except ValueError as exc:
            raise ValidationError({"year": _("L'année doit être un nombre, par exemple 2026.")}) \
                from exc
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise ValidationError({"year": _("Choisissez une année entre 2000 et 2100.")})
        try:
            authority = selectors.scorecard_authority(request.query_params.get("authority"))
        except Authority.DoesNotExist as exc:
            raise ValidationError({"authority": _(
                "Aucune collectivité de ce service ne porte cet identifiant (indiquez un "
                "nombre, ou « all » pour toutes).")}) from exc
        try:
            years = selectors.scorecard(year=year, today=today, authority=authority)
        except selectors.ScorecardUnavailable as exc:
            raise ScorecardUnavailableError(str(exc)) from exc
        indicators = []
        for line in presenters.scorecard_lines(years):
            indicator = line["indicator"]
            indicators.append({
                "key": indicator.key, "commitment": str(indicator.commitment),
                "label": str(indicator.label), "kind": indicator.kind,
                "definition": str(indicator.definition),
                "values": {str(v["year"]): presenters.api_value(indicator.kind, v["raw"])
                           for v in line["values"]},
                "display": {str(v["year"]): v["text"] for v in line["values"]},
                "trend": line["trend"],
            })
        return Response({"year": year,
                         "authority": ({"id": authority.pk, "name": authority.name}
                                       if authority else None),
                         "years": [f["year"] for f in years], "indicators": indicators})
