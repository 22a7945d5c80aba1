"""Financial reports: filed by the organisation's members, reviewed by the agents."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from .. import services
from ..models import FinancialReport
from ._common import check_allowed
from .serializers import ReportReviewSerializer, ReportSerializer, ReportSubmitSerializer


class FinancialReportViewSet(viewsets.ReadOnlyModelViewSet):
    """Financial reports visible to the user; submit (members), approve/changes (agents)."""

    api_description = ("Comptes rendus financiers annuels des conventions visibles : dépôt "
                       "par les membres de l'organisation, examen par les agents.")

    serializer_class = ReportSerializer

    def get_queryset(self):
        from ..selectors import scope_to_user

        return (scope_to_user(FinancialReport.objects.all(), self.request.user,
                       "year__convention__organisation__")
                .select_related("year").order_by("due_date", "pk").distinct())

    @extend_schema(request=ReportSubmitSerializer, responses=ReportSerializer,
                   summary="Déposer le compte rendu financier")
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        report = self.get_object()
        check_allowed(request.user, "report.submit", report)
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
        check_allowed(request.user, "report.submit", report)
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
        check_allowed(request.user, "report.review", report)
        serializer = ReportReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = services.report_review(report=report, actor=request.user,
                                        **serializer.validated_data)
        return Response(ReportSerializer(report).data)
