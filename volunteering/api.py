"""REST API of volunteer hours, scoped like the pages: entries CRUD, validation, bulk import
(same validation and report as the page), totals, volunteers and rates."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from backoffice.core.models import Organisation
from backoffice.core.parsers import BoundedJSONParser

from . import rules, selectors, services
from .importing import read_import_upload, volunteer_hours_import
from .models import ValuationRate, Volunteer, VolunteerEntry


def _organisation(request, pk) -> Organisation:
    try:
        return selectors.organisation_for(user=request.user, pk=int(pk))
    except (Organisation.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404 from exc


def _year_or_400(text) -> int:
    year = rules.parse_year(text)
    if year is None:
        raise ValidationError({"year": [
            f"Année invalide : indiquez une année entre {rules.MIN_YEAR} et {rules.MAX_YEAR}."]})
    return year


class VolunteerEntrySerializer(serializers.ModelSerializer):
    volunteer_name = serializers.CharField(source="volunteer.name", read_only=True)
    organisation = serializers.IntegerField(source="organisation_id")
    volunteer = serializers.IntegerField(source="volunteer_id")
    confirm_duplicates = serializers.BooleanField(write_only=True, required=False, default=False)

    class Meta:
        model = VolunteerEntry
        fields = ["id", "organisation", "volunteer", "volunteer_name", "date", "hours",
                  "activity", "qualification", "project_reference", "note", "status",
                  "application", "convention", "valuation_method", "rate", "value",
                  "created_at", "validated_at", "confirm_duplicates"]
        # The project is chosen by its reference (DOS-<n> or the convention's reference);
        # the links follow from it.
        read_only_fields = ["status", "application", "convention", "valuation_method", "rate",
                            "value", "created_at", "validated_at"]
        extra_kwargs = {"qualification": {"required": False}}
        validators: list = []


class VolunteerEntryViewSet(viewsets.ModelViewSet):
    """Volunteer hours of the organisations in the user's scope. Filters: organisation, status,
    year, project_reference."""

    serializer_class = VolunteerEntrySerializer
    api_description = ("Heures de bénévolat des organisations de votre périmètre : saisie, "
                       "validation, import d'un fichier, totaux valorisés.")
    parser_classes = [BoundedJSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        params = self.request.query_params
        organisation = None
        if params.get("organisation"):
            organisation = _organisation(self.request, params["organisation"])
        year = params.get("year") or None
        if year is not None:
            year = _year_or_400(year)
        return selectors.entry_list(user=self.request.user, organisation=organisation,
                                    status=params.get("status", ""), year=year,
                                    project_reference=params.get("project_reference") or None)

    def _volunteer(self, organisation, pk) -> Volunteer:
        volunteer = Volunteer.objects.filter(organisation=organisation, pk=pk).first()
        if volunteer is None:
            raise ValidationError({"volunteer": ["Bénévole inconnu dans cette organisation."]})
        return volunteer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        organisation = _organisation(request, data["organisation_id"])
        entry = services.entry_log(
            organisation=organisation, volunteer=self._volunteer(organisation,
                                                                 data["volunteer_id"]),
            date=data["date"], hours=data["hours"], activity=data["activity"],
            qualification=data.get("qualification", ""),
            project_reference=data.get("project_reference", ""), note=data.get("note", ""),
            confirm_duplicates=data["confirm_duplicates"], actor=request.user)
        return Response(self.get_serializer(entry).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        entry = self.get_object()
        serializer = self.get_serializer(entry, data=request.data,
                                         partial=kwargs.pop("partial", False))
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("organisation_id", None)
        confirm = data.pop("confirm_duplicates", False)
        if "volunteer_id" in data:
            data["volunteer"] = self._volunteer(entry.organisation, data.pop("volunteer_id"))
        entry = services.entry_update(entry=entry, actor=request.user,
                                      confirm_duplicates=confirm, **data)
        return Response(self.get_serializer(entry).data)

    def destroy(self, request, *args, **kwargs):
        services.entry_delete(entry=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Valider des heures",
        request=inline_serializer("ValidateRequest", {
            "organisation": serializers.IntegerField(),
            "ids": serializers.ListField(child=serializers.IntegerField(), required=False)}),
        responses=inline_serializer("ValidateResponse", {"validated": serializers.IntegerField()}))
    @action(detail=False, methods=["post"])
    def validate(self, request):
        organisation = _organisation(request, request.data.get("organisation"))
        ids = request.data.get("ids")
        if ids is not None and (not isinstance(ids, list)
                                or not all(isinstance(i, int) for i in ids)):
            raise ValidationError({"ids": ["Liste d'identifiants entiers attendue."]})
        count = services.entries_validate(organisation=organisation, entry_ids=ids,
                                          actor=request.user)
        return Response({"validated": count})

    @extend_schema(
        summary="Importer un fichier CSV ou XLSX (aperçu puis confirmation)",
        request={"multipart/form-data": inline_serializer("ImportRequest", {
            "organisation": serializers.IntegerField(), "file": serializers.FileField(),
            "dry_run": serializers.BooleanField(default=True),
            "confirm_duplicates": serializers.BooleanField(default=False)})},
        responses={200: dict, 400: dict})
    @action(detail=False, methods=["post"], url_path="import",
            parser_classes=[MultiPartParser, FormParser])
    def import_file(self, request):
        organisation = _organisation(request, request.data.get("organisation"))
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": ["Joignez un fichier CSV ou XLSX."]})
        content = read_import_upload(upload)
        if isinstance(content, str):
            raise ValidationError({"file": [content]})
        flag = serializers.BooleanField()
        report = volunteer_hours_import(
            organisation=organisation, content=content, filename=upload.name,
            actor=request.user,
            dry_run=flag.to_internal_value(request.data.get("dry_run", True)),
            confirm_duplicates=flag.to_internal_value(
                request.data.get("confirm_duplicates", False)))
        return Response(report.as_dict(), status=status.HTTP_200_OK if report.ok
                        else status.HTTP_400_BAD_REQUEST)

    @extend_schema(
        summary="Totaux validés (heures, valeur, par activité)",
        parameters=[OpenApiParameter("organisation", int, required=True),
                    OpenApiParameter("year", int), OpenApiParameter("project_reference", str)],
        responses=dict)
    @action(detail=False, methods=["get"])
    def totals(self, request):
        organisation = _organisation(request, request.query_params.get("organisation"))
        year = request.query_params.get("year")
        if year is not None:
            year = _year_or_400(year)
        reference = request.query_params.get("project_reference")
        totals = selectors.volunteer_totals(organisation=organisation, year=year,
                                            project_reference=reference)
        return Response({
            "organisation": organisation.pk, "year": int(year) if year else None,
            "project_reference": reference, "hours": str(totals.hours),
            "value": str(totals.value),
            "by_activity": [{"activity": r["activity"], "hours": str(r["hours"]),
                             "value": str(r["value"])}
                            for r in selectors.totals_by_activity(
                                organisation=organisation, year=year,
                                project_reference=reference)],
        })


class VolunteerSerializer(serializers.ModelSerializer):
    organisation = serializers.IntegerField(source="organisation_id")

    class Meta:
        model = Volunteer
        fields = ["id", "organisation", "name", "is_active", "created_at"]
        read_only_fields = ["is_active", "created_at"]
        validators: list = []


class VolunteerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Volunteers of the organisations in the user's scope."""

    serializer_class = VolunteerSerializer
    api_description = "Bénévoles des organisations de votre périmètre."

    def get_queryset(self):
        scope = selectors.organisations_for_volunteering(user=self.request.user)
        qs = Volunteer.objects.filter(organisation__in=scope.values("pk"))
        if self.request.query_params.get("organisation"):
            qs = qs.filter(organisation=_organisation(self.request,
                                                      self.request.query_params["organisation"]))
        return qs.order_by("organisation", "name")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        organisation = _organisation(request, serializer.validated_data["organisation_id"])
        volunteer = services.volunteer_create(organisation=organisation,
                                              name=serializer.validated_data["name"],
                                              actor=request.user)
        return Response(self.get_serializer(volunteer).data, status=status.HTTP_201_CREATED)


class ValuationRateSerializer(serializers.ModelSerializer):
    class Meta:
        model = ValuationRate
        fields = ["id", "kind", "qualification", "valid_from", "value", "source"]
        validators: list = []


class ValuationRateViewSet(mixins.ListModelMixin, mixins.CreateModelMixin,
                           viewsets.GenericViewSet):
    """The dated rates (readable by everyone logged in; finance agents add new ones)."""

    serializer_class = ValuationRateSerializer
    api_description = ("Taux de valorisation datés du bénévolat (lisibles par tous les "
                       "comptes ; les agents financiers en ajoutent).")
    queryset = ValuationRate.objects.order_by("kind", "qualification", "-valid_from")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rate = services.valuation_rate_create(actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(rate).data, status=status.HTTP_201_CREATED)
