"""Versions of editable objects: a stale form never overwrites newer data.

An edit page carries the version of the object it shows (its latest history record); the save
compares it with the current one under the row lock. When someone saved in between, the save is
refused with what changed, and the page is shown again with what the user typed and the new
version, so that saving once more is a deliberate choice.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .money import format_eur

# Bookkeeping fields that change on every save and say nothing to the person editing.
IGNORED_FIELDS = {"updated_at", "modified_at", "created_at"}


def _latest(history) -> int:
    return history.order_by("-history_id").values_list("history_id", flat=True).first() or 0


def object_version(obj, related=()) -> str:
    """The version of ``obj`` as a form carries it ("0" before any recorded change).
    ``related``: history querysets of rows edited with it (a year's schedule lines), whose
    changes also make a new version."""
    return ".".join(str(_latest(history)) for history in (obj.history, *related))


def _readable(field, value) -> str:
    if value in (None, ""):
        return "—"
    choices = dict(field.flatchoices) if getattr(field, "choices", None) else {}
    if isinstance(value, dict | list):
        return _("modifié")
    if value in choices:
        return str(choices[value])
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if isinstance(value, Decimal):
        return format_eur(value)
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    text = str(value)
    return text if len(text) <= 80 else text[:79] + "…"


def changes_since(obj, version: str) -> list[tuple[str, str, str]]:
    """(field label, value then, value now) of every field changed since ``version``."""
    try:
        then = obj.history.filter(history_id=int(str(version).split(".")[0])).first()
    except (TypeError, ValueError):
        then = None
    now = obj.history.order_by("-history_id").first()
    if then is None or now is None:
        return []
    fields = {f.attname: f for f in obj._meta.concrete_fields}
    delta = now.diff_against(then, excluded_fields=[
        name for name in fields if name in IGNORED_FIELDS])
    rows = []
    for change in delta.changes:
        field = fields.get(change.field) or obj._meta.get_field(change.field)
        rows.append((str(field.verbose_name).capitalize(), _readable(field, change.old),
                     _readable(field, change.new)))
    return rows


def version_check(*, obj, version: str | None, related=()) -> None:
    """Refuse (French ValidationError on ``version``) a save based on an older version of
    ``obj`` (and its ``related`` rows, see ``object_version``). ``None`` means the caller has
    no form (API, command): nothing to compare."""
    if version is None or str(version) == object_version(obj, related):
        return
    changes = changes_since(obj, version)
    if changes:
        detail = " ; ".join(_("%(field)s : « %(then)s » devenu « %(now)s »")
                            % {"field": label, "then": then, "now": now}
                            for label, then, now in changes)
    else:
        detail = _("des lignes liées : budget, échéances, pièces ou statut")
    raise ValidationError({"version": _(
        "Ces informations ont été modifiées depuis que vous avez ouvert cette page "
        "(%(changes)s). Rien n'a été enregistré. Vos saisies sont conservées ci-dessous : "
        "vérifiez-les puis enregistrez à nouveau pour confirmer.") % {"changes": detail}})
