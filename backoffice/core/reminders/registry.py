"""The registry of reminder kinds. Each installed app declares its kinds in ``<app>/reminders.py``
(found like admin.py modules); the daily run asks every kind for the reminders due.

A kind answers one question with indexed queries in bounded batches: which reminders fall
within [start, end]? Each answer is a ``Due`` (target, deadline, step, reminding date,
recipients, message context). Recording and notifying are the engine's job (services.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models
from django.db.models import Q, QuerySet
from django.utils.module_loading import autodiscover_modules

from ..notifications import Event
from . import rules


@dataclass(frozen=True)
class Due:
    """One reminder that must be sent (or has been): unique on (kind, target, due_date, step)."""

    target: models.Model
    due_date: dt.date
    step: str
    remind_on: dt.date
    recipients: Sequence[int]
    context: dict = field(default_factory=dict)
    organisation_id: int | None = None
    url: str = ""
    target_repr: str = ""

    @property
    def key(self) -> tuple:
        return (type(self.target)._meta.label_lower, self.target.pk, self.due_date, self.step)


class ReminderKind:
    """A kind of reminder. Subclass it (or ``DateOffsetKind``) and decorate with ``@register``.

    ``code`` is stable (stored in rows and preferences), ``label`` is French, ``mandatory``
    kinds cannot be opted out of (legal deadlines), ``event`` is the notify() event used.
    """

    code: str = ""
    label: str = ""
    mandatory: bool = True
    event: Event = Event.REMINDER

    def find(self, start: dt.date, end: dt.date, *, batch_size: int) -> Iterator[list[Due]]:
        """Yield, in batches of at most ``batch_size`` targets, every reminder whose reminding
        date is within [start, end]."""
        raise NotImplementedError

    def find_for(self, target: models.Model) -> list[Due]:
        """Every reminder of one target, whatever its date (used by "send now")."""
        raise NotImplementedError


class DateOffsetKind(ReminderKind):
    """Reminders at fixed offsets (in days) from a date field of the targets.

    Subclasses give ``date_field``, ``get_queryset()`` (the targets still concerned, e.g. a
    report not received yet), ``offsets()`` (read from settings at call time), and
    ``recipients(targets)``; ``context``, ``organisation_id``, ``url`` are optional.
    One query per batch finds the targets through the index on ``date_field`` (an OR of one
    range per offset), then ``recipients`` loads the people of the whole batch at once.
    """

    date_field: str = ""
    # Column (or lookup path) of the target's organisation, for the agents' filters; "" when
    # the targets belong to no organisation.
    organisation_field: str = "organisation_id"
    # On PostgreSQL the daily job records these kinds in SQL, batch by batch (see services).
    set_based: bool = True

    def get_queryset(self) -> QuerySet:
        raise NotImplementedError

    def offsets(self) -> list[int]:
        raise NotImplementedError

    def recipients(self, targets: list[models.Model]) -> dict[int, list[int]]:
        """User ids to remind, per target pk, for a whole batch (one or two queries)."""
        raise NotImplementedError

    def context(self, target: models.Model) -> dict:
        return {}

    def organisation_id(self, target: models.Model) -> int | None:
        return getattr(target, "organisation_id", None)

    def url(self, target: models.Model) -> str:
        get_url = getattr(target, "get_absolute_url", None)
        return get_url() if get_url else ""

    def target_repr(self, target: models.Model) -> str:
        return str(target)

    def deadline(self, target: models.Model) -> dt.date | None:
        """The target's deadline: ``date_field``, possibly across relations ("call__closes_on")."""
        value = target
        for part in self.date_field.split("__"):
            value = getattr(value, part)
        return value

    def due_within(self, start: dt.date, end: dt.date, offsets) -> Q:
        """Targets with a step in [start, end]: one range per group of overlapping steps."""
        condition = Q(pk__in=[])
        for low, high in rules.deadline_ranges(start, end, offsets):
            condition |= Q(**{f"{self.date_field}__range": (low, high)})
        return condition

    def step_recipients(self, people: list[int], offset: int) -> list[int]:
        """The recipients of one step: by default the same at every step (a kind may copy
        someone once the deadline has passed)."""
        return people

    def _dues(self, targets, offsets, start, end) -> list[Due]:
        people = self.recipients(targets)
        dues = []
        for target in targets:
            deadline = self.deadline(target)
            if deadline is None:
                continue
            for offset, on in rules.steps_within(deadline, offsets, start, end):
                dues.append(Due(
                    target=target, due_date=deadline, step=rules.step_label(offset), remind_on=on,
                    recipients=self.step_recipients(people.get(target.pk, []), offset),
                    context=self.context(target),
                    organisation_id=self.organisation_id(target), url=self.url(target),
                    target_repr=self.target_repr(target)[:255],
                ))
        return dues

    def keyset_sql(self) -> str:
        """Row-value keyset on (date, pk): with an index on those two columns every batch is
        one bounded index range scan, however many rows the table holds."""
        model = self.get_queryset().model
        quote = connection.ops.quote_name
        table = quote(model._meta.db_table)
        column = quote(model._meta.get_field(self.date_field).column)
        return f"({table}.{column}, {table}.{quote(model._meta.pk.column)}) > (%s, %s)"

    def find(self, start, end, *, batch_size):
        # One query per batch for all the steps (OR of merged date ranges, index range scans),
        # walked by a keyset on (date, id).
        offsets = sorted(set(self.offsets()))
        if not offsets:
            return
        queryset = (self.get_queryset().filter(self.due_within(start, end, offsets))
                    .order_by(self.date_field, "pk"))
        last = None
        while True:
            page = queryset if last is None else queryset.filter(
                Q(**{f"{self.date_field}__gt": last[0]})
                | Q(**{self.date_field: last[0], "pk__gt": last[1]}))
            targets = list(page[:batch_size])
            if not targets:
                break
            last = (self.deadline(targets[-1]), targets[-1].pk)
            yield self._dues(targets, offsets, start, end)
            if len(targets) < batch_size:
                break

    def find_for(self, target):
        if not self.get_queryset().filter(pk=target.pk).exists():
            return []
        return self._dues([target], self.offsets(), dt.date.min, dt.date.max)


_kinds: dict[str, ReminderKind] = {}
_discovered = False


def register(kind):
    """Register a kind (a ReminderKind subclass, used as a class decorator, or an instance)."""
    instance = kind() if isinstance(kind, type) else kind
    if not instance.code or not instance.label:
        raise ImproperlyConfigured(f"Reminder kind {kind!r} needs a code and a label.")
    existing = _kinds.get(instance.code)
    if existing is not None and type(existing) is not type(instance):
        raise ImproperlyConfigured(f"Reminder kind code {instance.code!r} is already registered.")
    _kinds[instance.code] = instance
    return kind


def autodiscover() -> None:
    """Import ``reminders`` of every installed app once, so their kinds register themselves."""
    global _discovered
    if not _discovered:
        autodiscover_modules("reminders")
        _discovered = True


def all_kinds() -> list[ReminderKind]:
    autodiscover()
    return sorted(_kinds.values(), key=lambda kind: kind.code)


def get_kind(code: str) -> ReminderKind | None:
    autodiscover()
    return _kinds.get(code)


def setting_days(name: str) -> list[int]:
    """A list of day counts from settings, read at call time (tests may override it)."""
    return [int(value) for value in getattr(settings, name)]
