"""What the funds app asks of the apps above it, without importing them.

The conventions app registers, from its ``AppConfig.ready()``, the function listing an
organisation's overdue financial reports (CERFA 15059): a new application warns about them,
or is refused when ``FUNDS_OVERDUE_REPORT_BLOCKS`` is set. Without a provider there is none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

OverdueReports = Callable[..., Iterable]      # (organisation=, on=) -> reports

_overdue_reports: list[OverdueReports] = []


def overdue_reports_register(provider: OverdueReports) -> None:
    """Set the provider of overdue financial reports (one at a time: registering replaces)."""
    _overdue_reports[:] = [provider]


def overdue_reports(*, organisation, on: dt.date) -> list:
    """The organisation's overdue financial reports on ``on``, from the registered provider."""
    return [report for provider in _overdue_reports
            for report in provider(organisation=organisation, on=on)]
