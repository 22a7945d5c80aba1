from django.conf import settings

from .models import Compliance, LegalPage, PageKind
from .selectors import site_authority


def _compliance_label() -> str:
    authority = site_authority()
    compliance = (LegalPage.objects.filter(authority=authority, kind=PageKind.ACCESSIBILITY)
                  .values_list("compliance", flat=True).first() if authority else None)
    return str(Compliance(compliance or Compliance.NONE).label)


def legal(request):
    """The accessibility mention (its compliance level, required on the home page; a callable,
    so other pages run no query for it) and the retention the registration notices quote."""
    return {"accessibility_compliance": _compliance_label,
            "voter_retention_days": settings.VOTER_DATA_RETENTION_DAYS}
