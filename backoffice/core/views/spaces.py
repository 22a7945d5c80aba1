"""The public home page and each person's space after login."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect, render
from django.views import View
from django.views.generic import TemplateView

from .. import home, selectors
from ..models import Membership
from .mixins import PermissionMixin


class HomeView(TemplateView):
    template_name = "core/home.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(home.context())
        return ctx


class SpaceView(LoginRequiredMixin, View):
    """After login: agents go to their home, applicants to their organisations."""

    def get(self, request):
        if request.user.works_for_authority:
            return redirect("core:agent-home")
        organisations = selectors.user_organisations(user=request.user)
        pending = Membership.objects.filter(user=request.user, status="pending").select_related(
            "organisation")
        return render(request, "core/space.html", {"organisations": organisations,
                                                   "pending": pending})


class AgentHomeView(PermissionMixin, TemplateView):
    template_name = "core/agent_home.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.check("agent.area")
        return super().dispatch(request, *args, **kwargs)
