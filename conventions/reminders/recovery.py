"""The recovery procedure (CRPA L121-1, L122-1): steps waiting for a finance agent."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from backoffice.core.money import format_eur
from backoffice.core.reminders import register

from ..models import Recovery, RecoveryStatus
from .base import ConventionTargetKind, convention_context, french_date, url_for


class RecoveryKindBase(ConventionTargetKind):
    """A step of the recovery procedure (CRPA L121-1, L122-1) waiting for a finance agent. The
    convention may be terminated (a CER withdrawal ends it): the recovery still runs."""

    convention_path = "convention"

    def get_queryset(self):
        return Recovery.objects.filter(status=self.status).select_related(
            "convention__organisation")

    def url(self, target):
        return url_for("conventions:convention-detail", target.convention_id) + \
            f"#recovery-{target.pk}"

    def context(self, target):
        return {**convention_context(target.convention),
                "recovery_kind": str(target.get_kind_display()),
                "amount": format_eur(target.decided_amount if target.decided_amount is not None
                                     else target.amount),
                "notice_on": french_date(target.notice_on),
                "observation_deadline": french_date(target.observation_deadline),
                "title_reference": target.title_reference,
                "title_date": french_date(target.title_date),
                "due": french_date(target.due_date)}

    def target_repr(self, target):
        return (f"{target.convention.reference} — {target.get_kind_display()} — "
                f"{target.convention.organisation.name}")


@register
class RecoveryDecisionDueKind(RecoveryKindBase):
    """The delay for observations ran out and none was recorded: the agents are reminded, the
    day after it, to take the reasoned decision (CRPA L122-1, L211-2). Recording the
    observations or the decision stops it."""

    code = "recovery_decision_due"
    label = _("Reversement : délai d'observations expiré, décision à prendre")
    mandatory = True
    date_field = "observation_deadline"
    status = RecoveryStatus.NOTICE

    def offsets(self):
        return [1]


@register
class RecoveryTitleUnpaidKind(RecoveryKindBase):
    """A titre de recettes issued and not recorded as received (nor offset) after
    REMINDERS_RECOVERY_UNPAID_DAYS days: the agents are reminded to check with the public
    accountant or to offset it on an unpaid line."""

    code = "recovery_title_unpaid"
    label = _("Titre de recettes non recouvré")
    mandatory = True
    date_field = "title_date"
    status = RecoveryStatus.TITLE

    def offsets(self):
        return [settings.REMINDERS_RECOVERY_UNPAID_DAYS]
