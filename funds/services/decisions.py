"""Decisions: award (within the envelope, under a row lock on the fund) or reject."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.core import dates
from backoffice.core.money import format_eur
from backoffice.core.notifications import Event, notify
from backoffice.core.permissions import require

from .. import rules, selectors
from ..models import (
    Application,
    ApplicationMessage,
    ApplicationStatus,
    Award,
    Fund,
    MessageKind,
)
from ..permissions import can
from .applications import application_transition, application_url, recipients_of


def _deliberation_errors(reference: str, date: dt.date | None) -> dict[str, str]:
    errors = {}
    if not (reference or "").strip():
        errors["deliberation_reference"] = _("Indiquez la référence de la délibération.")
    if date is None:
        errors["deliberation_date"] = _("Indiquez la date de la délibération.")
    return errors


def application_award(*, application: Application, actor, amount: Decimal, nature: str,
                      deliberation_reference: str, deliberation_date: dt.date) -> Award:
    """Award a subsidy to an eligible application; the record conventions are built from.

    Invariant: the fund row is locked (SELECT … FOR UPDATE) before the committed total is
    read, so concurrent awards are serialised and the envelope is never exceeded. Callable
    inside a caller's transaction (e.g. participatory-budget results, one per winner). Only a
    decision maker (``application.decide``) awards.
    """
    require(can, actor, "application.decide", application)
    with transaction.atomic():
        fund = Fund.objects.select_for_update().get(pk=application.call.fund_id)
        application = (Application.objects.select_for_update(of=("self",))
                       .select_related("call", "organisation").get(pk=application.pk))
        if application.status != ApplicationStatus.ELIGIBLE:
            raise ValidationError({"status": _(
                "Seul un dossier recevable peut recevoir une attribution (statut actuel : "
                "%(status)s).") % {"status": application.get_status_display()}})
        errors = _deliberation_errors(deliberation_reference, deliberation_date)
        if "deliberation_date" not in errors:
            message = (dates.future_error(value=deliberation_date, today=timezone.localdate(),
                                          label=_("la date de la délibération"))
                       or dates.order_error(earlier=application.submitted_at,
                                            later=deliberation_date,
                                            earlier_label=_("le dépôt du dossier"),
                                            later_label=_("la date de la délibération"),
                                            hint=_("une délibération décide de dossiers déjà "
                                                   "déposés ; vérifiez sa date.")))
            if message:
                errors["deliberation_date"] = message
        if nature not in fund.natures:
            errors["nature"] = _("Ce fonds ne finance pas cette nature de dépense.")
        remaining = fund.envelope - selectors.fund_committed(fund)
        errors.update(rules.award_errors(amount=amount, requested=application.amount_requested,
                                         rules=selectors.fund_rules(fund), remaining=remaining))
        if errors:
            raise ValidationError(errors)
        award = Award(application=application, fund=fund, amount=amount, nature=nature,
                      deliberation_reference=deliberation_reference.strip(),
                      deliberation_date=deliberation_date, awarded_by=actor,
                      awarded_at=timezone.now())
        award.full_clean()
        award.save()
        text = _("Subvention de %(amount)s attribuée (délibération %(ref)s du %(date)s).") % {
            "amount": format_eur(amount), "ref": award.deliberation_reference,
            "date": deliberation_date.strftime("%d/%m/%Y")}
        ApplicationMessage.objects.create(application=application, author=actor,
                                          kind=MessageKind.DECISION, body=text)
        application_transition(application=application, to=ApplicationStatus.AWARDED,
                               actor=actor, message=text)
        notify(Event.APPLICATION_AWARDED, application, actor,
               recipients=recipients_of(application), url=application_url(application),
               context={"message": text})
    return award


def application_reject(*, application: Application, actor, motivation: str,
                       deliberation_reference: str = "",
                       deliberation_date: dt.date | None = None) -> Application:
    """Reject an eligible application. Invariant: always motivated, applicant notified, and
    only by a decision maker."""
    require(can, actor, "application.decide", application)
    if not (motivation or "").strip():
        raise ValidationError({"motivation": _("Motivez le rejet.")})
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        if application.status != ApplicationStatus.ELIGIBLE:
            raise ValidationError({"status": _("Seul un dossier recevable peut être rejeté "
                                               "par une décision.")})
        text = motivation.strip()
        if deliberation_reference:
            text = _("%(text)s (délibération %(ref)s)") % {"text": text,
                                                           "ref": deliberation_reference}
        application.motivation = text
        application.save(update_fields=["motivation", "updated_at"])
        ApplicationMessage.objects.create(application=application, author=actor,
                                          kind=MessageKind.DECISION, body=text)
        application_transition(application=application, to=ApplicationStatus.REJECTED,
                               actor=actor, message=_("Demande rejetée"))
        notify(Event.APPLICATION_REJECTED, application, actor,
               recipients=recipients_of(application), url=application_url(application),
               context={"message": text})
    return application


def applications_decide_batch(*, decisions: list[dict], actor, deliberation_reference: str,
                              deliberation_date: dt.date | None) -> list:
    """A committee's decisions on several applications under one deliberation.

    ``decisions``: dicts with ``application``, ``decision`` ("award"/"reject"/"" to skip),
    ``amount``, ``nature``, ``motivation``. Invariant: all or nothing — one invalid line rolls
    back the whole batch, and the error names the line.
    """
    require(can, actor, "application.decide")
    errors = _deliberation_errors(deliberation_reference, deliberation_date)
    if errors:
        raise ValidationError(errors)
    results = []
    with transaction.atomic():
        for index, item in enumerate(decisions, start=1):
            decision = item.get("decision") or ""
            try:
                if decision == "award":
                    results.append(application_award(
                        application=item["application"], actor=actor, amount=item["amount"],
                        nature=item["nature"], deliberation_reference=deliberation_reference,
                        deliberation_date=deliberation_date))
                elif decision == "reject":
                    results.append(application_reject(
                        application=item["application"], actor=actor,
                        motivation=item.get("motivation") or "",
                        deliberation_reference=deliberation_reference,
                        deliberation_date=deliberation_date))
            except ValidationError as exc:
                # The error names its line, and carries the application for the page's row.
                raise ValidationError({"__all__": [ValidationError(
                    _("Ligne %(n)s (« %(title)s ») : %(errors)s"), code="line", params={
                        "n": index, "title": item["application"].title,
                        "errors": " ".join(exc.messages),
                        "application": item["application"].pk})]}) from exc
    return results
