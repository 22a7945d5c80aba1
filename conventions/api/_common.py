"""What every view of the conventions API shares."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from ..permissions import can


def check_allowed(user, name, obj=None):
    """Refuse (403, with the French reason) what the conventions permission map refuses."""
    allowed, reason = can(user, name, obj)
    if not allowed:
        raise PermissionDenied(reason)
