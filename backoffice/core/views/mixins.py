"""What the views of the back office share: refusals that explain themselves."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied

from ..permissions import can


class PermissionMixin(LoginRequiredMixin):
    """Deny with the French reason from can(); objects out of scope are 404 in selectors."""

    permission_action: str = ""

    def check(self, action: str, obj=None) -> None:
        allowed, reason = can(self.request.user, action, obj)
        if not allowed:
            raise PermissionDenied(reason)
