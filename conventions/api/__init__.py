"""REST API of conventions, scoped like the pages: services raise ValidationError → 400 with
French messages (core exception handler), PermissionDenied → 403, out of scope → 404.

One module per resource (``conventions``, ``reports``, ``open_data``); the serializers they
share in ``serializers``."""

from .conventions import ConventionViewSet
from .open_data import ScdlExportView
from .reports import FinancialReportViewSet

__all__ = ["ConventionViewSet", "FinancialReportViewSet", "ScdlExportView"]
