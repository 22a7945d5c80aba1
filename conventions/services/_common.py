"""Shared helpers of the conventions services: settings read at call time, transitions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from backoffice.core.audit import audit_log

from .. import rules


def convention_url(convention) -> str:
    """The convention's page, the link of its notifications."""
    return reverse("conventions:convention-detail", args=[convention.pk])


@dataclass(frozen=True)
class Conf:
    threshold: Decimal
    recommended_years: int
    max_years: int
    advance_rate: Decimal
    advance_deadline: tuple[int, int]
    advance_delay_days: int
    balance_date: tuple[int, int]
    balance_requires_report: bool
    payment_delay_days: int
    soon_late_days: int
    report_due_months: int
    report_gap_percent: Decimal
    open_data_months: int
    default_imputation: str
    investment_imputation: str
    default_keep_rate: Decimal
    document_max_retries: int
    observation_days: int
    cer_restitution_months: int
    repayment_due_months: int


def conf() -> Conf:
    """The app's settings, read when called (never at import time)."""
    s = settings
    return Conf(
        threshold=Decimal(s.CONVENTIONS_THRESHOLD),
        recommended_years=s.CONVENTIONS_RECOMMENDED_YEARS,
        max_years=s.CONVENTIONS_MAX_YEARS,
        advance_rate=Decimal(s.CONVENTIONS_ADVANCE_RATE),
        advance_deadline=rules.month_day(s.CONVENTIONS_ADVANCE_DEADLINE),
        advance_delay_days=s.CONVENTIONS_ADVANCE_DELAY_DAYS,
        balance_date=rules.month_day(s.CONVENTIONS_BALANCE_DATE),
        balance_requires_report=s.CONVENTIONS_BALANCE_REQUIRES_REPORT,
        payment_delay_days=s.CONVENTIONS_PAYMENT_DELAY_DAYS,
        soon_late_days=s.CONVENTIONS_SOON_LATE_DAYS,
        report_due_months=s.CONVENTIONS_REPORT_DUE_MONTHS,
        report_gap_percent=Decimal(s.CONVENTIONS_REPORT_GAP_PERCENT),
        open_data_months=s.CONVENTIONS_OPEN_DATA_MONTHS,
        default_imputation=s.CONVENTIONS_DEFAULT_IMPUTATION,
        investment_imputation=s.CONVENTIONS_INVESTMENT_IMPUTATION,
        default_keep_rate=Decimal(s.CONVENTIONS_DEFAULT_KEEP_RATE),
        document_max_retries=s.CONVENTIONS_DOCUMENT_MAX_RETRIES,
        observation_days=s.CONVENTIONS_OBSERVATION_DAYS,
        cer_restitution_months=s.CONVENTIONS_CER_RESTITUTION_MONTHS,
        repayment_due_months=s.CONVENTIONS_REPAYMENT_DUE_MONTHS,
    )


def report_due_date_of(*, year) -> dt.date:
    """The due date of a tranche's financial report: N months after the end of the
    organisation's financial year closing in that year (Organisation.financial_year_end)."""
    from backoffice.core.validators import parse_day_month

    organisation = year.convention.organisation
    try:
        year_end = parse_day_month(organisation.financial_year_end)
    except ValueError:
        year_end = (12, 31)
    return rules.report_due_date(year=year.year, year_end=year_end,
                                 months=conf().report_due_months)


def apply_transition(*, obj, to: str, table: dict, actor, event: str, label: str,
                     message: str = "", data: dict | None = None) -> str:
    """Move ``obj.status`` to ``to`` if ``table`` allows it, save and audit (before/after).

    The ONE place a status field of this app changes; callers hold the transaction.
    """
    before = obj.status
    before_label = obj.get_status_display()
    if to not in table.get(before, set()):
        raise ValidationError(
            _("Passage impossible de « %(before)s » à « %(after)s » pour %(label)s.")
            % {"before": obj.get_status_display(), "after": dict(obj._meta.get_field("status").choices).get(to, to),
               "label": label}
        )
    obj.status = to
    obj.full_clean()
    obj.save()
    audit_log(event=event, obj=obj, actor=actor,
              message=message or _("%(label)s : %(before)s → %(after)s")
              % {"label": capfirst(label), "before": before_label, "after": obj.get_status_display()},
              data={"before": before, "after": to, **(data or {})})
    return before
