"""Reminder kinds of the funds app: a call closes while an application is still a draft.

A draft is not an application: the association is told 7 days and 1 day before the closing
date (settings), so the work it started is not lost. Submitting the draft stops the series.
"""

from __future__ import annotations

from collections import defaultdict

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from backoffice.core.models import Membership, MembershipStatus
from backoffice.core.money import format_eur
from backoffice.core.reminders import DateOffsetKind, register, setting_days

from .models import Application, ApplicationStatus, CallPhase

_PLACEHOLDER = 987654321
_URL: dict[str, str] = {}


@register
class CallClosingKind(DateOffsetKind):
    code = "call_closing"
    label = _("Clôture d'un appel avec un dossier en brouillon")
    mandatory = False
    # The deadline is the call's, reached through a join: found in Python (few drafts).
    date_field = "call__closes_on"
    set_based = False

    def offsets(self):
        return [-days for days in setting_days("REMINDERS_CALL_CLOSING_DAYS_BEFORE")]

    def get_queryset(self):
        return (Application.objects
                .filter(status=ApplicationStatus.DRAFT, call__phase=CallPhase.OPEN)
                .select_related("call", "organisation"))

    def recipients(self, targets):
        # The organisation's active members; an individual applicant is reminded alone.
        members = defaultdict(list)
        rows = Membership.objects.filter(
            organisation_id__in={t.organisation_id for t in targets if t.organisation_id},
            status=MembershipStatus.ACTIVE, user__is_active=True,
        ).order_by("user_id").values_list("organisation_id", "user_id")
        for organisation_id, user_id in rows:
            members[organisation_id].append(user_id)
        return {t.pk: (members.get(t.organisation_id, []) if t.organisation_id
                       else [t.applicant_id]) for t in targets}

    def context(self, target):
        return {"application_title": target.title, "call_title": target.call.title,
                "organisation_name": target.organisation.name if target.organisation else "",
                "amount": format_eur(target.amount_requested) if target.amount_requested else "",
                "deadline": date_format(target.call.closes_on, "j F Y")}

    def url(self, target):
        if "pattern" not in _URL:
            _URL["pattern"] = reverse("funds:application-edit", args=[_PLACEHOLDER])
        return _URL["pattern"].replace(str(_PLACEHOLDER), str(target.pk))

    def target_repr(self, target):
        owner = target.organisation.name if target.organisation else str(target.applicant)
        return f"{target.title} — {target.call.title} — {owner}"
