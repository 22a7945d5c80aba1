"""Shared base of the conventions views."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from django.views import View

from .. import selectors
from ..models import Convention
from ..permissions import can


class Base(LoginRequiredMixin, View):
    def check(self, action: str, obj=None) -> None:
        allowed, reason = can(self.request.user, action, obj)
        if not allowed:
            raise PermissionDenied(reason)

    def convention(self, pk) -> Convention:
        try:
            return selectors.convention_detail(user=self.request.user, pk=pk)
        except Convention.DoesNotExist as exc:
            raise Http404(_("Convention introuvable.")) from exc


