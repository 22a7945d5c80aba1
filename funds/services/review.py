"""Review (instruction): checklist, cost estimate, opinion, requests for information."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from backoffice.core.notifications import Event, notify
from backoffice.core.permissions import require
from backoffice.core.versioning import version_check

from .. import rules
from ..models import Application, ApplicationMessage, ApplicationStatus, MessageKind
from ..permissions import can
from .applications import application_transition, application_url, recipients_of

# The instruction (checks, estimate, opinion) goes on while the applicant completes the file.
REVIEWABLE = (ApplicationStatus.SUBMITTED, ApplicationStatus.INFO_REQUESTED,
              ApplicationStatus.ELIGIBLE)


def _locked(application: Application) -> Application:
    return (Application.objects.select_for_update(of=("self",)).select_related("call__fund", "organisation")
            .get(pk=application.pk))


def application_review_save(*, application: Application, user, checklist: dict,
                            estimated_cost: Decimal | None = None,
                            proposed_amount: Decimal | None = None,
                            opinion: str = "", declare_eligible: bool = False,
                            version: str | None = None) -> Application:
    """Record the instructor's manual checks, estimate and opinion, and with
    ``declare_eligible`` declare the application eligible in the same transaction (a refused
    declaration saves nothing).

    Invariants: a proposed amount never exceeds the amount requested; a review form opened on
    an older ``version`` of the application saves nothing; only an instructor
    (``application.review``) records it.
    """
    require(can, user, "application.review", application)
    with transaction.atomic():
        application = _locked(application)
        version_check(obj=application, version=version)
        if application.status not in REVIEWABLE:
            raise ValidationError({"status": _("Ce dossier n'est pas en instruction.")})
        known = {code for code, _label in rules.MANUAL_CHECKS}
        if set(checklist) - known:
            raise ValidationError({"checklist": _("Vérification inconnue.")})
        if proposed_amount is not None and proposed_amount > application.amount_requested:
            raise ValidationError({"proposed_amount": _(
                "Le montant proposé ne peut pas dépasser le montant demandé.")})
        application.checklist = {code: bool(checklist.get(code)) for code in known}
        application.estimated_cost = estimated_cost
        application.proposed_amount = proposed_amount
        application.opinion = opinion
        application.reviewed_by = user
        application.full_clean()
        application.save()
        if declare_eligible:
            application = application_declare_eligible(application=application, user=user)
    return application


def application_request_info(*, application: Application, user, message: str) -> Application:
    """Send the application back to its applicant with a question; the applicant edits and
    resubmits a new version. Invariant: the request is always written down, by an instructor."""
    require(can, user, "application.review", application)
    if not (message or "").strip():
        raise ValidationError({"message": _("Précisez les compléments attendus.")})
    with transaction.atomic():
        application = _locked(application)
        ApplicationMessage.objects.create(application=application, author=user,
                                          kind=MessageKind.INFO_REQUEST, body=message.strip())
        application_transition(application=application, to=ApplicationStatus.INFO_REQUESTED,
                               actor=user, message=_("Compléments demandés"))
        notify(Event.APPLICATION_INFO_REQUESTED, application, user,
               recipients=recipients_of(application), url=application_url(application),
               context={"message": message.strip()})
    return application


def application_declare_eligible(*, application: Application, user) -> Application:
    """Declare an application eligible. Invariant: every manual check has been ticked, by an
    instructor."""
    require(can, user, "application.review", application)
    with transaction.atomic():
        application = _locked(application)
        unticked = [str(label) for code, label in rules.MANUAL_CHECKS
                    if not (application.checklist or {}).get(code)]
        if unticked:
            raise ValidationError({"checklist": _(
                "Cochez d'abord toutes les vérifications : %(items)s.")
                % {"items": ", ".join(unticked)}})
        application_transition(application=application, to=ApplicationStatus.ELIGIBLE,
                               actor=user, message=_("Dossier déclaré recevable"))
    return application


def application_declare_ineligible(*, application: Application, user,
                                   motivation: str) -> Application:
    """Declare an application ineligible. Invariant: always motivated, applicant notified,
    by an instructor."""
    require(can, user, "application.review", application)
    if not (motivation or "").strip():
        raise ValidationError({"motivation": _("Motivez l'irrecevabilité.")})
    with transaction.atomic():
        application = _locked(application)
        application.motivation = motivation.strip()
        application.save(update_fields=["motivation", "updated_at"])
        ApplicationMessage.objects.create(application=application, author=user,
                                          kind=MessageKind.DECISION, body=motivation.strip())
        application_transition(application=application, to=ApplicationStatus.INELIGIBLE,
                               actor=user, message=_("Dossier déclaré irrecevable"))
        notify(Event.APPLICATION_INELIGIBLE, application, user,
               recipients=recipients_of(application), url=application_url(application),
               context={"message": motivation.strip()})
    return application
