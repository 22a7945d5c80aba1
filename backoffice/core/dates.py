"""Pure date rules shared by every app: an act cannot be recorded before it happened, and acts
that depend on each other keep their order. No ORM: dates in, French messages out (None when
the date is fine), one message style everywhere:

    « La date de signature (20/12/2026) est dans le futur : enregistrez l'acte une fois
    accompli. »
    « La date de la délibération (01/02/2026) précède le dépôt du dossier (10/02/2026) : … »
"""

from __future__ import annotations

import datetime as dt

from django.utils.text import capfirst
from django.utils.translation import gettext as _


def fr(date: dt.date) -> str:
    return date.strftime("%d/%m/%Y")


def as_date(value) -> dt.date | None:
    """A date, or the local date of an aware datetime (Europe/Paris)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        from django.utils import timezone

        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return value


def future_error(*, value, today: dt.date, label: str) -> str | None:
    """A signature, a payment, a vote or an acceptance is recorded once it happened: never
    after ``today``."""
    value = as_date(value)
    if value is None or value <= today:
        return None
    return _("%(label)s (%(date)s) est dans le futur : enregistrez l'acte une fois accompli.") % {
        "label": capfirst(label), "date": fr(value)}


def order_error(*, earlier, later, earlier_label: str, later_label: str,
                hint: str) -> str | None:
    """``earlier`` must not come after ``later`` (same day allowed). The message names both
    dates and the rule (``hint``) the way forward follows from."""
    earlier, later = as_date(earlier), as_date(later)
    if earlier is None or later is None or earlier <= later:
        return None
    return _("%(later_label)s (%(later)s) précède %(earlier_label)s (%(earlier)s) : "
             "%(hint)s") % {"later_label": capfirst(later_label), "later": fr(later),
                            "earlier_label": earlier_label, "earlier": fr(earlier),
                            "hint": hint}


def collect(**checks: str | None) -> dict[str, str]:
    """{field: message} of the checks that failed, for a ValidationError."""
    return {field: message for field, message in checks.items() if message}
