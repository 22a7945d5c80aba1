"""Open data: the SCDL export of a year's subsidies."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.views import APIView

from ._common import check_allowed


class ScdlExportView(APIView):
    api_description = ("Données ouvertes : les subventions d'une année au format SCDL 2.1.1 "
                       "(CSV), pour les agents.")

    @extend_schema(parameters=[OpenApiParameter("year", int, required=True,
                                                description="Année, par exemple 2026.")],
                   responses={(200, "text/csv"): str},
                   summary="Export SCDL subventions 2.1.1 d'une année")
    def get(self, request):
        from ..scdl import scdl_csv

        check_allowed(request.user, "export.download")
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
