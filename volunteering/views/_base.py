"""Shared pieces of the volunteering pages: scoped organisation, form errors, downloads."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse

from backoffice.core.models import Organisation

from .. import selectors
from ..permissions import can


class OrganisationMixin(LoginRequiredMixin):
    """Loads the organisation in the user's scope (404 otherwise) and checks ``action``."""

    action = "volunteering.view"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        try:
            self.organisation = selectors.organisation_for(user=request.user, pk=kwargs["pk"])
        except Organisation.DoesNotExist as exc:
            raise Http404 from exc
        self.check(self.action)
        return super().dispatch(request, *args, **kwargs)

    def check(self, action: str, obj=None) -> None:
        allowed, reason = can(self.request.user, action, obj or self.organisation)
        if not allowed:
            raise PermissionDenied(reason)

    def allowed(self, action: str) -> bool:
        return can(self.request.user, action, self.organisation)[0]

    def context(self, **extra) -> dict:
        return {"organisation": self.organisation, **extra}


def _download(content: bytes, filename: str, file_format: str) -> HttpResponse:
    content_type = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                    if file_format == "xlsx" else "text/csv; charset=utf-8")
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
