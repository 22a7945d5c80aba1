"""Each person's notification centre and delivery preferences."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View

from .. import selectors
from ..forms import NotificationPreferencesForm, add_service_errors
from ..models import Notification, NotificationPreference
from ..notifications import notification_mark_read, notification_preference_set


class NotificationListView(LoginRequiredMixin, View):
    """The notification centre: unread first-class, filters by state and by kind."""

    def get(self, request):
        from ..notifications import topic_choices

        state = request.GET.get("etat", "")
        state = {"non-lues": "unread", "lues": "read"}.get(state, "")
        topic = request.GET.get("sujet", "")
        labels = {code: label for code, label, _mandatory in topic_choices()}
        if topic not in labels:
            topic = ""
        notifications = selectors.notification_list(user=request.user, state=state,
                                                    topic=topic)[:100]
        return render(request, "core/notifications.html", {
            "notifications": notifications, "topics": sorted(labels.items(), key=lambda t: t[1]),
            "topic": topic, "state": request.GET.get("etat", ""),
        })

    def post(self, request):
        notification_mark_read(user=request.user)
        messages.success(request, _("Toutes les notifications sont marquées comme lues."))
        return redirect("core:notifications")


class NotificationReadView(LoginRequiredMixin, View):
    """Mark one of one's own notifications read (htmx swaps the item in place)."""

    def post(self, request, pk):
        notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
        notification_mark_read(user=request.user, notification_id=notification.pk)
        if request.htmx:
            notification.refresh_from_db()
            return render(request, "core/_notification.html", {"n": notification})
        next_url = request.POST.get("next", "")
        if next_url and url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
            return redirect(next_url)
        return redirect("core:notifications")


class NotificationPreferencesView(LoginRequiredMixin, View):
    template_name = "core/notification_preferences.html"

    def _form(self, request, data=None):
        from ..notifications import topic_choices

        current = dict(NotificationPreference.objects.filter(user=request.user)
                       .values_list("topic", "delivery"))
        return NotificationPreferencesForm(data, topics=topic_choices(), current=current)

    def get(self, request):
        return render(request, self.template_name, {"form": self._form(request)})

    def post(self, request):
        form = self._form(request, request.POST)
        if form.is_valid():
            try:
                with transaction.atomic():
                    for code, delivery in form.cleaned_data.items():
                        notification_preference_set(user=request.user, topic=code,
                                                    delivery=delivery)
            except ValidationError as exc:
                add_service_errors(exc, form)
            else:
                messages.success(request, _("Vos préférences de notification sont enregistrées."))
                return redirect("core:notification-preferences")
        return render(request, self.template_name, {"form": form}, status=400)
