"""Error answers: the API answers JSON (as its schema documents), the pages answer HTML."""

from __future__ import annotations

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults


def page_not_found(request, exception):
    """An address that matches no route: ``{"detail": …}`` under /api/, the 404 page
    elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Introuvable.")}, status=404)
    return defaults.page_not_found(request, exception)
