"""Agents' view of the reminders: sent, upcoming, failed, and sending one now."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from .. import selectors
from ..forms import ReminderFilterForm, ReminderSendNowForm
from ..permissions import can
from ..reminders import all_kinds
from ..reminders.services import reminder_send_now
from .mixins import PermissionMixin


class ReminderListView(PermissionMixin, View):
    """Agents: reminders sent and upcoming, with filters, and e-mails that failed for good."""

    def get(self, request):
        self.check("reminder.view")
        form = ReminderFilterForm(request.GET or None)
        filters = form.cleaned_data if form.is_valid() else {}
        reminders = selectors.reminder_list(
            user=request.user, kind=filters.get("kind", ""),
            organisation=filters.get("organisation"), date_from=filters.get("date_from"),
            date_to=filters.get("date_to"), status=filters.get("status", ""))
        page = Paginator(reminders, 50).get_page(request.GET.get("page"))
        today = timezone.localdate()
        upcoming_end = today + timedelta(days=settings.REMINDERS_UPCOMING_DAYS)
        upcoming = selectors.reminder_upcoming(
            user=request.user, start=today + timedelta(days=1), end=upcoming_end,
            kind=filters.get("kind", ""), organisation=filters.get("organisation"))
        query = request.GET.copy()
        query.pop("page", None)
        return render(request, "core/reminder_list.html", {
            "form": form, "page": page, "upcoming": upcoming, "upcoming_end": upcoming_end,
            "failures": selectors.email_failures(user=request.user),
            "can_send": can(request.user, "reminder.send_now")[0],
            "query": query.urlencode(), "kinds": {k.code: k.label for k in all_kinds()},
        }, status=200 if form.is_valid() or not request.GET else 400)


class ReminderSendNowView(PermissionMixin, View):
    """Send one upcoming reminder now; the same unique key keeps it to exactly once."""

    def post(self, request):
        self.check("reminder.send_now")
        form = ReminderSendNowForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Demande d'envoi invalide."))
            return redirect("core:reminder-list")
        data = form.cleaned_data
        try:
            reminder, created = reminder_send_now(
                kind_code=data["kind"], target_type_id=data["target_type"],
                target_id=data["target_id"], due_date=data["due_date"], step=data["step"],
                actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if created:
                messages.success(request, _("Le rappel « %(reminder)s » est envoyé.")
                                 % {"reminder": reminder.target_repr})
            else:
                messages.info(request, _("Ce rappel a déjà été envoyé le %(date)s : il n'est pas "
                                         "renvoyé.") % {"date": reminder.created_at.strftime(
                                             "%d/%m/%Y")})
        return redirect("core:reminder-list")
