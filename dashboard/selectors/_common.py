"""Shared pieces of the dashboard and scorecard reads."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import DecimalField, F, Value
from django.db.models.functions import Coalesce

from conventions.models import ConventionStatus, ReportStatus
from funds.models import ApplicationStatus

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=14, decimal_places=2)
# A convention counts once signed: drafts and conventions waiting for signature commit nothing.
COMMITTED = (ConventionStatus.SIGNED, ConventionStatus.ACTIVE, ConventionStatus.CLOSED,
             ConventionStatus.TERMINATED)
LIVE = (ConventionStatus.SIGNED, ConventionStatus.ACTIVE)
REPORT_OPEN = (ReportStatus.EXPECTED, ReportStatus.CHANGES_REQUESTED)
SUBMITTED_STATUSES = [s for s in ApplicationStatus.values if s != ApplicationStatus.DRAFT]
OWN_RESOURCE_ACCOUNTS = ("70", "73", "75", "76", "77", "78")
IN_KIND_RESOURCE_ACCOUNTS = ("870", "871", "875")
VOLUNTEERING_RESOURCE = "870"


def _money(expression) -> Coalesce:
    return Coalesce(expression, Value(ZERO), output_field=MONEY)


def _cents(value) -> Decimal:
    # SQLite sums decimals through floats; PostgreSQL is exact. Always hand out cents.
    return Decimal(str(value if value is not None else 0)).quantize(Decimal("0.01"))


def _year_amount():
    return Coalesce(F("confirmed_amount"), F("planned_amount"), output_field=MONEY)


