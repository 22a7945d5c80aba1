"""Voters' personal data: what a person can download, and the purge after the dispute delay.

After a vote's results are published and ``VOTER_DATA_RETENTION_DAYS`` have passed (the time
for disputes, two months by default), each voter of the call keeps only their age band and
district: names, birth date, e-mail, census identifier, imported columns and the link to the
account are erased, so the ballots that stay are anonymous. Each call's purge is audited; a
purged voter is marked (``data["purged_on"]``), so running the purge again changes nothing.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.core.audit import audit_log

from ..models import Ballot, Call, Voter
from . import rules


def voter_purge_cutoff(today: dt.date):
    """Results published before this instant are past their dispute delay on ``today``."""
    return timezone.make_aware(dt.datetime.combine(
        today - dt.timedelta(days=settings.VOTER_DATA_RETENTION_DAYS), dt.time.max))


def _due(today: dt.date):
    return (Voter.objects.filter(call__results_published_at__isnull=False,
                                 call__results_published_at__lte=voter_purge_cutoff(today))
            .exclude(data__has_key="purged_on"))


def voter_data_purge(*, today: dt.date, dry_run: bool = False) -> dict:
    due = _due(today)
    if dry_run:
        return {"votants anonymisés": due.count()}
    total = 0
    for call in Call.objects.filter(pk__in=due.values("call_id").distinct()):
        with transaction.atomic():
            count = 0
            for voter in due.filter(call=call).select_for_update():
                age = (rules.age_on(voter.birth_date, call.vote_on or today)
                       if voter.birth_date else None)
                raw_age = str((voter.data or {}).get("age", ""))
                if age is None and raw_age.isascii() and raw_age.isdigit():
                    age = int(raw_age)
                voter.first_name = voter.last_name = voter.email = voter.external_id = ""
                voter.birth_date = None
                voter.user = None
                voter.data = {"age_band": str(rules.age_band(age)),
                              "purged_on": today.isoformat()}
                voter.save()
                count += 1
            audit_log(event="voter_data_purged", obj=call, actor=None,
                      message=_("Identité des votants effacée après le délai de recours "
                                "(%(count)s votants)") % {"count": count},
                      data={"voters": count, "retention_days": settings.VOTER_DATA_RETENTION_DAYS})
        total += count
    return {"votants anonymisés": total}


def rejected_applications_purge(*, today: dt.date, dry_run: bool = False) -> dict:
    """Answers and receipts of applications refused (rejected or ineligible) more than
    ``REJECTED_APPLICATION_RETENTION_DAYS`` ago are erased, in the application, its history and
    its submitted versions. The application itself (title, amounts, decision) stays: it is an
    administrative decision. Idempotent: a purged application has nothing left to erase."""
    from ..models import Application, ApplicationStatus, ApplicationVersion

    cutoff = timezone.make_aware(dt.datetime.combine(
        today - dt.timedelta(days=settings.REJECTED_APPLICATION_RETENTION_DAYS), dt.time.max))
    refused = Application.objects.filter(
        status__in=[ApplicationStatus.REJECTED, ApplicationStatus.INELIGIBLE],
        updated_at__lte=cutoff)
    due = refused.exclude(answers=[]) | refused.filter(
        pk__in=ApplicationVersion.objects.exclude(receipt="").values("application_id"))
    ids = list(due.values_list("pk", flat=True).distinct())
    if dry_run or not ids:
        return {"demandes refusées purgées": len(ids)}
    history = Application.history.model
    for pk in ids:
        with transaction.atomic():
            Application.objects.filter(pk=pk).update(answers=[])
            history.objects.filter(id=pk).update(answers=[])
            for version in ApplicationVersion.objects.select_for_update().filter(
                    application_id=pk):
                if isinstance(version.data, dict) and "answers" in version.data:
                    version.data = {**version.data, "answers": []}
                if version.receipt:
                    version.receipt.delete(save=False)
                    version.receipt_sha256 = ""
                version.save()
            audit_log(event="application_data_purged", obj=Application.objects.get(pk=pk),
                      actor=None, message=_("Réponses et récépissés effacés (durée de "
                                            "conservation échue)"))
    return {"demandes refusées purgées": len(ids)}


def voter_data_export(*, user) -> dict:
    rows = []
    for voter in Voter.objects.filter(user=user).select_related("call", "district"):
        ballot = Ballot.objects.filter(voter=voter).first()
        titles = []
        if ballot is not None:
            titles = list(voter.call.applications.filter(pk__in=ballot.choices)
                          .values_list("title", flat=True))
        rows.append({"vote": voter.call.title, "prénom": voter.first_name,
                     "nom": voter.last_name, "date de naissance":
                     voter.birth_date.isoformat() if voter.birth_date else None,
                     "quartier": voter.district.name if voter.district else None,
                     "courriel": voter.email,
                     "inscrit le": voter.created_at.isoformat(),
                     "bulletin": titles, "bulletin déposé le":
                     ballot.cast_at.isoformat() if ballot else None})
    return {"votes": rows}
