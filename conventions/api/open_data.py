"""Open data: the SCDL export of a year's subsidies, one authority's at a time."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.views import APIView

from backoffice.core.selectors import NO_SITE_AUTHORITY, site_authority

from .. import selectors
from ..scdl import scdl_csv
from ._common import check_allowed


def _publishing_authority(raw: str):
    """The authority named by ``authority`` (one that has conventions), else the site's."""
    if not raw:
        authority = site_authority()
        if authority is None:
            raise ValidationError({"non_field_errors": [str(NO_SITE_AUTHORITY)]})
        return authority
    authority = selectors.paying_authorities().filter(pk=raw).first() if raw.isascii() and raw.isdigit() else None
    if authority is None:
        raise ValidationError({"authority": [
            "Aucune collectivité de ce service n'a de convention sous cet identifiant."]})
    return authority


class ScdlExportView(APIView):
    api_description = ("Données ouvertes : les subventions d'une année au format SCDL 2.1.1 "
                       "(CSV), pour les agents.")

    @extend_schema(parameters=[
        OpenApiParameter("year", int, required=True, description="Année, par exemple 2026."),
        OpenApiParameter("authority", int, required=False,
                         description="Identifiant de la collectivité qui publie, quand "
                                     "plusieurs partagent ce service (par défaut celle du "
                                     "site, SITE_AUTHORITY_ID).")],
        responses={(200, "text/csv"): str},
        summary="Export SCDL subventions 2.1.1 d'une année")
    def get(self, request):
        check_allowed(request.user, "export.download")
        try:
            year = int(request.query_params.get("year", ""))
        except ValueError as exc:
            raise ValidationError({"year": ["Indiquez l'année (par exemple 2026)."]}) from exc
        authority = _publishing_authority(request.query_params.get("authority", "").strip())
        return HttpResponse(scdl_csv(year=year, authority=authority),
                            content_type="text/csv; charset=utf-8")
