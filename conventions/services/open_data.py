"""Recording the open-data publication of a convention (décret 2017-779)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.core.audit import audit_log
from backoffice.core.permissions import require

from ..models import Convention
from ..permissions import can


@transaction.atomic
def convention_open_data_record(*, convention: Convention, published_on: dt.date | None,
                                actor) -> Convention:
    """Record the day a convention's essential data were published as open data.

    Invariant: only for a convention that must be published (it has an open-data deadline),
    on a day between its signature and today; once recorded, the open-data reminders stop.
    """
    require(can, actor, "convention.manage", convention)
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    if convention.open_data_deadline is None:
        raise ValidationError(_("Cette convention n'a pas à être publiée en données ouvertes."))
    if published_on is None:
        raise ValidationError({"published_on": _("Indiquez la date de publication.")})
    if published_on > timezone.localdate():
        raise ValidationError({"published_on": _("La date de publication ne peut pas être "
                                                 "dans le futur.")})
    if convention.signed_on and published_on < convention.signed_on:
        raise ValidationError({"published_on": _("La publication ne peut pas précéder la "
                                                 "signature.")})
    convention.open_data_published_on = published_on
    convention.full_clean()
    convention.save(update_fields=["open_data_published_on"])
    audit_log(event="convention_open_data_published", obj=convention, actor=actor,
              message=_("Publication en données ouvertes enregistrée."),
              data={"published_on": published_on.isoformat()})
    return convention
