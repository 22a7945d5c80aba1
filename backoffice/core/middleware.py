"""Request guards applied before any view reads the body."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _


def _too_large(request, limit: int) -> HttpResponse:
    message = _("La requête est trop volumineuse : la limite est de %(limit)s Mo. Déposez un "
                "fichier plus petit ou découpez-le.") % {
        "limit": f"{limit / 1048576:.0f}"}
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=413)
    return HttpResponse(render_to_string("413.html", {"message": message}),
                        status=413)


class RequestBodyLimitMiddleware:
    """Refuse a body larger than REQUEST_MAX_BODY_BYTES from its Content-Length, with a French
    413, before a byte of it is read (Django reads no more than Content-Length announces).
    A form body over DATA_UPLOAD_MAX_MEMORY_SIZE met by a view gets the same answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.REQUEST_MAX_BODY_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            return _too_large(request, limit)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, RequestDataTooBig):
            return _too_large(request, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        return None
