"""Reminder kind of the core app: organisation documents about to expire.

An expired document (accounts, RIB…) can no longer be reused by applications
("dites-le-nous une fois"): the association is told ahead so it can upload the new one.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..models import DocumentKind, Membership, MembershipStatus, OrganisationDocument
from ..notifications import Event
from .registry import DateOffsetKind, register, setting_days

_KIND_LABELS: dict[str, str] = {}
_URL: dict[str, str] = {}
_PLACEHOLDER = 987654321


@register
class DocumentExpiringKind(DateOffsetKind):
    code = "document_expiring"
    label = _("Document de l'organisation bientôt expiré")
    mandatory = False
    event = Event.DOCUMENT_EXPIRING
    date_field = "valid_until"

    def offsets(self):
        return [-days for days in setting_days("REMINDERS_DOCUMENT_EXPIRING_DAYS_BEFORE")]

    def get_queryset(self):
        # A newer document of the same kind valid longer replaces this one: no reminder then.
        renewed = OrganisationDocument.objects.filter(
            organisation=OuterRef("organisation"), kind=OuterRef("kind"),
            uploaded_at__gt=OuterRef("uploaded_at"),
        ).filter(Q(valid_until__isnull=True) | Q(valid_until__gt=OuterRef("valid_until")))
        return (
            OrganisationDocument.objects.filter(valid_until__isnull=False)
            .exclude(Exists(renewed))
            .select_related("organisation")
            .only("id", "kind", "label", "valid_until", "uploaded_at", "organisation_id",
                  "organisation__name")
        )

    def recipients(self, targets):
        people = defaultdict(list)
        organisation_ids = {target.organisation_id for target in targets}
        members = Membership.objects.filter(
            organisation_id__in=organisation_ids, status=MembershipStatus.ACTIVE,
            user__is_active=True,
        ).order_by("user_id").values_list("organisation_id", "user_id")
        by_organisation = defaultdict(list)
        for organisation_id, user_id in members:
            by_organisation[organisation_id].append(user_id)
        for target in targets:
            people[target.pk] = by_organisation[target.organisation_id]
        return people

    @staticmethod
    def _kind_label(target) -> str:
        # Translated once per kind, not once per document (get_FOO_display is costly in bulk).
        if target.kind not in _KIND_LABELS:
            _KIND_LABELS[target.kind] = str(DocumentKind(target.kind).label)
        return _KIND_LABELS[target.kind]

    def _name(self, target) -> str:
        # "Autre" says nothing: such a document is named by its own label.
        if target.kind == DocumentKind.OTHER and target.label:
            return target.label
        return self._kind_label(target)

    def context(self, target):
        return {"document_kind": self._kind_label(target), "document_name": self._name(target),
                "document_label": target.label,
                "organisation_name": target.organisation.name}

    def url(self, target):
        # Reversed once, then filled in: reverse() per document dominates a large batch.
        if "pattern" not in _URL:
            _URL["pattern"] = reverse("core:organisation-detail", args=[_PLACEHOLDER])
        return _URL["pattern"].replace(str(_PLACEHOLDER), str(target.organisation_id))

    def target_repr(self, target):
        return f"{self._name(target)} — {target.organisation.name}"
