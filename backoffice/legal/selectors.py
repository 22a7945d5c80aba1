"""Reads of the legal pages."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from backoffice.core.models import Authority
from backoffice.core.selectors import site_authority

from .models import Compliance, LegalPage, PageKind


@dataclass
class PageView:
    kind: PageKind
    title: str
    page: LegalPage | None
    authority: Authority | None

    @property
    def compliance(self) -> str:
        return self.page.compliance if self.page else Compliance.NONE

    @property
    def compliance_label(self) -> str:
        return Compliance(self.compliance).label

    @property
    def edited(self) -> bool:
        return bool(self.page and self.page.body.strip())

    @property
    def updated_at(self):
        return self.page.updated_at if self.page else None


def legal_page(kind: PageKind) -> PageView:
    authority = site_authority()
    page = (LegalPage.objects.filter(authority=authority, kind=kind).first()
            if authority else None)
    return PageView(kind=kind, title=str(kind.label), page=page, authority=authority)


def retention_days() -> dict[str, int]:
    return {"voters": settings.VOTER_DATA_RETENTION_DAYS,
            "rejected_applications": settings.REJECTED_APPLICATION_RETENTION_DAYS,
            "inactive_accounts": settings.INACTIVE_ACCOUNT_RETENTION_DAYS}


def current_year() -> int:
    return timezone.localdate().year
