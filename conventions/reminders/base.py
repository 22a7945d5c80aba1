"""What the conventions' reminder kinds share: live conventions, recipients (finance agents,
organisation members), the convention named in every message, and links."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.urls import reverse
from django.utils.formats import date_format

from backoffice.core.models import Membership, MembershipStatus, User
from backoffice.core.reminders import DateOffsetKind
from backoffice.core.roles import Role

from ..models import Convention, ConventionStatus

# Conventions whose deadlines still run: signed (or under way), not closed nor terminated.
LIVE = (ConventionStatus.SIGNED, ConventionStatus.ACTIVE)
_PLACEHOLDER = 987654321
_URLS: dict[str, str] = {}


def url_for(name: str, pk: int) -> str:
    # Reversed once per name, then filled in: reverse() per row dominates a large batch.
    if name not in _URLS:
        _URLS[name] = reverse(name, args=[_PLACEHOLDER])
    return _URLS[name].replace(str(_PLACEHOLDER), str(pk))


def finance_agents() -> list[int]:
    """Active users with the finance agent role: the authority side of every reminder."""
    return list(User.objects.filter(groups__name=Role.FINANCE_AGENT.label, is_active=True)
                .order_by("pk").values_list("pk", flat=True).distinct())


def organisation_members(organisation_ids) -> dict[int, list[int]]:
    """Active members of each organisation, in one query for a whole batch."""
    people = defaultdict(list)
    rows = Membership.objects.filter(
        organisation_id__in=set(organisation_ids), status=MembershipStatus.ACTIVE,
        user__is_active=True,
    ).order_by("user_id").values_list("organisation_id", "user_id")
    for organisation_id, user_id in rows:
        people[organisation_id].append(user_id)
    return people


def french_date(value: dt.date | None) -> str:
    return date_format(value, "j F Y") if value else ""


def convention_context(convention: Convention) -> dict:
    """What every convention reminder names: reference, object, organisation (JSON-safe)."""
    return {"convention_reference": convention.reference,
            "convention_object": convention.object[:200].rstrip(" ."),
            "organisation_name": convention.organisation.name}


class ConventionTargetKind(DateOffsetKind):
    """Targets reached through a convention: ``convention_path`` leads from the target to it."""

    convention_path = ""
    to_agents = True
    to_organisation = False

    @property
    def organisation_field(self):
        return f"{self.convention_path}__organisation_id" if self.convention_path else \
            "organisation_id"

    def convention(self, target) -> Convention:
        obj = target
        for part in filter(None, self.convention_path.split("__")):
            obj = getattr(obj, part)
        return obj

    def organisation_id(self, target):
        return self.convention(target).organisation_id

    def recipients(self, targets):
        agents = finance_agents() if self.to_agents else []
        members = (organisation_members(self.convention(t).organisation_id for t in targets)
                   if self.to_organisation else {})
        return {t.pk: [*members.get(self.convention(t).organisation_id, []),
                       *[a for a in agents
                         if a not in members.get(self.convention(t).organisation_id, [])]]
                for t in targets}

    def url(self, target):
        return url_for("conventions:convention-detail", self.convention(target).pk)

    def context(self, target):
        return convention_context(self.convention(target))
