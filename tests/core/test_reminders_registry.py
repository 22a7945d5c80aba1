"""The registry's API as another app uses it: a kind of its own, found by autodiscovery or
registered directly, recorded and delivered exactly once through the same engine."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured

from backoffice.core.models import Organisation, Reminder, ReminderStatus
from backoffice.core.reminders import Due, ReminderKind, all_kinds, get_kind, register, registry
from backoffice.core.reminders.services import reminders_run
from tests.factories import OrganisationFactory, member_of

D = dt.date(2027, 3, 1)


class CerRenewalKind(ReminderKind):
    """Remind every organisation, on 1 March, to confirm its republican commitment contract."""

    code = "test_cer_renewal"
    label = "Renouvellement du contrat d'engagement républicain"
    mandatory = False

    def _due(self, organisation, users):
        return Due(target=organisation, due_date=D, step="J", remind_on=D,
                   recipients=users, context={}, organisation_id=organisation.pk,
                   target_repr=organisation.name)

    def find(self, start, end, *, batch_size):
        if not start <= D <= end:
            return
        last = 0
        while True:
            batch = list(Organisation.objects.filter(pk__gt=last).order_by("pk")
                         .prefetch_related("memberships")[:batch_size])
            if not batch:
                return
            last = batch[-1].pk
            yield [self._due(o, [m.user_id for m in o.memberships.all()]) for o in batch]

    def find_for(self, target):
        return [self._due(target, [m.user_id for m in target.memberships.all()])]


@pytest.fixture
def cer_kind():
    kind = CerRenewalKind()
    register(kind)
    yield kind
    registry._kinds.pop(kind.code)


def test_autodiscovery_registers_the_core_kind():
    assert "document_expiring" in [kind.code for kind in all_kinds()]
    assert get_kind("document_expiring").mandatory is False


def test_a_kind_needs_a_code_and_a_label_and_a_unique_code():
    class Nameless(ReminderKind):
        pass

    with pytest.raises(ImproperlyConfigured):
        register(Nameless)

    class Impostor(ReminderKind):
        code = "document_expiring"
        label = "Autre chose"

    with pytest.raises(ImproperlyConfigured, match="already registered"):
        register(Impostor)


@pytest.mark.django_db(transaction=True)
def test_a_kind_of_another_app_is_recorded_and_delivered_once(cer_kind, settings):
    settings.REMINDERS_BATCH_SIZE = 2
    users = [member_of(OrganisationFactory()) for _ in range(5)]
    report = reminders_run(day=D, kinds=[cer_kind])
    assert (report.due, report.sent) == (5, 5)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users)
    assert reminders_run(day=D, kinds=[cer_kind]).skipped_already_sent == 5
    assert Reminder.objects.filter(kind=cer_kind.code, status=ReminderStatus.SENT).count() == 5
    assert len(mail.outbox) == 5
    assert "Renouvellement du contrat" in mail.outbox[0].subject


def test_the_daily_job_and_the_digest_are_scheduled(settings):
    from celery.schedules import crontab

    daily = settings.CELERY_BEAT_SCHEDULE["reminders-daily"]
    assert daily["task"] == "backoffice.core.tasks.reminders_daily_task"
    assert daily["schedule"] == crontab(hour=settings.REMINDERS_HOUR, minute=0)
    assert settings.CELERY_TIMEZONE == "Europe/Paris"
    assert "notifications-digest" in settings.CELERY_BEAT_SCHEDULE
