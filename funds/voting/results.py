"""Vote settings, withdrawn projects, winner computations and the publication of results."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.core.audit import audit_log
from backoffice.core.notifications import Event, notify
from backoffice.core.permissions import require

from ..models import (
    Application,
    ApplicationStatus,
    Ballot,
    Call,
    CallKind,
    CallPhase,
    VoteComputation,
    VoteExclusion,
)
from ..permissions import can
from ..services.applications import application_transition, recipients_of
from ..services.decisions import application_award
from . import rules, selectors
from .models import ComputationStatus

LOCKED_FIELDS = ("ballot_style", "min_choices", "max_choices", "min_budget_share",
                 "winner_rule", "min_votes", "min_score", "min_share", "exclusive_groups",
                 "category_budgets", "category_budget_mode")
SETTING_FIELDS = (*LOCKED_FIELDS, "voter_min_age", "voter_residence", "census_required")


def call_vote_configure(*, call: Call, actor, **values) -> Call:
    """Set the ballot style, the winner rule and who may vote.

    Invariant: the ballot style and the winner rule cannot change once a ballot exists (the
    rule is chosen before the vote and the voters knew it). Agents only (``vote.manage``).
    """
    require(can, actor, "vote.manage", call)
    if call.kind != CallKind.PARTICIPATORY:
        raise ValidationError({"call": _("Cet appel n'est pas un budget participatif.")})
    unknown = set(values) - set(SETTING_FIELDS)
    if unknown:
        raise TypeError(f"unknown settings {sorted(unknown)}")
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call.pk)
        changed = {k: v for k, v in values.items() if getattr(call, k) != v}
        locked = [k for k in changed if k in LOCKED_FIELDS]
        if locked and Ballot.objects.filter(call=call).exists():
            raise ValidationError({locked[0]: _(
                "Des bulletins ont déjà été déposés : le type de bulletin et la règle de "
                "désignation des lauréats ne peuvent plus changer.")})
        for key, value in changed.items():
            setattr(call, key, value)
        call.full_clean()
        call.save()
        if changed:
            audit_log(event="vote_configured", obj=call, actor=actor,
                      message=_("Paramètres du vote modifiés"),
                      data={k: str(v) for k, v in changed.items()})
    return call


def project_set_exclusion(*, application: Application, actor, exclusion: str,
                          reason: str = "") -> Application:
    """Withdraw a project from the vote (incompatible or withdrawn) or put it back ("").

    Invariant: only before results are published, always motivated when withdrawing, audited;
    agents only (``vote.manage``).
    """
    require(can, actor, "vote.manage", application.call)
    if exclusion and exclusion not in VoteExclusion.values:
        raise ValidationError({"vote_exclusion": _("Motif de retrait inconnu.")})
    if exclusion and not reason.strip():
        raise ValidationError({"vote_exclusion_reason": _("Expliquez pourquoi le projet est "
                                                          "retiré.")})
    with transaction.atomic():
        application = Application.objects.select_for_update().select_related("call").get(
            pk=application.pk)
        if application.call.results_published_at:
            raise ValidationError({"vote_exclusion": _("Les résultats sont publiés : plus de "
                                                       "retrait possible.")})
        application.vote_exclusion = exclusion
        application.vote_exclusion_reason = reason.strip() if exclusion else ""
        application.save(update_fields=["vote_exclusion", "vote_exclusion_reason", "updated_at"])
        audit_log(event="vote_exclusion", obj=application, actor=actor,
                  message=(_("Retiré du vote : %(reason)s") % {"reason": reason.strip()})
                  if exclusion else _("Remis au vote"), data={"exclusion": exclusion})
    return application


def vote_computation_request(*, call: Call, actor, rule: str | None = None) -> VoteComputation:
    """Store a computation request and compute it now, or in a Celery task for large votes.

    Invariant: every computation is stored with its rule, the SHA-256 of its inputs, who asked
    and when; above FUNDS_VOTE_ASYNC_BALLOTS ballots it runs in a worker after commit. Agents
    only (``vote.manage``); ``actor=None`` is the operator's ``compute_winners`` command, which
    only computes (publishing and awarding need a decision maker).
    """
    if actor is not None:
        require(can, actor, "vote.manage", call)
    if call.phase == CallPhase.VOTE:
        # Votes per project stay hidden from everyone while the vote is open.
        raise ValidationError({"call": _("Le vote est encore ouvert : les lauréats se calculent "
                                         "après sa clôture, les voix restent cachées d'ici là.")})
    rule = rule or call.winner_rule
    if rule not in rules.RULES:
        raise ValidationError({"rule": _("Règle inconnue : %(rule)s.") % {"rule": rule}})
    computation = VoteComputation.objects.create(call=call, rule=rule, min_votes=call.min_votes,
                                                 requested_by=actor)
    threshold = getattr(settings, "FUNDS_VOTE_ASYNC_BALLOTS", 20000)
    if selectors.call_ballot_count(call) > threshold:
        from ..tasks import vote_computation_run_task

        transaction.on_commit(lambda: vote_computation_run_task.delay(computation.pk))
        return computation
    return vote_computation_run(computation_id=computation.pk)


def vote_computations_compare(*, call: Call, actor) -> list[VoteComputation]:
    """Compute the call's winners with every rule, for comparison, without changing its rule.

    Invariant: one stored (auditable) computation per rule; only a computation of the call's own
    rule can be published (:func:`vote_results_publish`).
    """
    if call.results_published_at:
        raise ValidationError({"call": _("Les résultats sont déjà publiés.")})
    return [vote_computation_request(call=call, actor=actor, rule=rule) for rule in rules.RULES]


def computation_summary(computation: VoteComputation) -> dict:
    """Winners, money spent and share of voters with at least one winning project (parts
    added up: a ballot is counted in each district where it names a project)."""
    parts = computation.parts()
    ballots = sum(part.get("ballots", 0) for part in parts)
    covered = sum(part.get("covered", 0) for part in parts)
    return {"computation": computation, "rule": computation.rule,
            "label": rules.rule_label(computation.rule),
            "winners": sum(len(part["winners"]) for part in parts),
            "spent": sum((Decimal(part["spent"]) for part in parts), Decimal(0)),
            "budget": sum((Decimal(part["budget"]) for part in parts), Decimal(0)),
            "ballots": ballots, "covered": covered,
            "covered_share": Decimal(covered) / ballots if ballots else None,
            "published": computation.call.results_computation_id == computation.pk}


def rules_comparison(call: Call) -> list[dict]:
    """The latest finished computation of each rule, side by side, in the order of RULES."""
    latest: dict[str, VoteComputation] = {}
    for computation in (VoteComputation.objects.filter(call=call, status=ComputationStatus.DONE)
                        .select_related("call").order_by("-computed_at", "-pk")):
        latest.setdefault(computation.rule, computation)
    if call.results_computation_id:
        latest[call.results_computation.rule] = call.results_computation
    return [computation_summary(latest[rule]) for rule in rules.RULES if rule in latest]


def publishable_computations(call: Call) -> list[VoteComputation]:
    """Finished computations of the call's own rule, latest first: the ones that can be published."""
    return list(VoteComputation.objects.filter(call=call, status=ComputationStatus.DONE,
                                               rule=call.winner_rule)
                .order_by("-computed_at", "-pk")[:20])


# A computation is requested (pending), then done or failed; a redelivered task runs a failed
# one again. A done one never changes: a new request is a new row.
COMPUTATION_TRANSITIONS = {
    ComputationStatus.PENDING: {ComputationStatus.DONE, ComputationStatus.FAILED},
    ComputationStatus.FAILED: {ComputationStatus.DONE, ComputationStatus.FAILED},
}


def vote_computation_transition(*, computation: VoteComputation, to: str,
                                **fields) -> VoteComputation:
    """The one place a computation's status changes, with the fields that come with it (the
    error of a failure; the result, its inputs' hash and the ballot count of a success)."""
    allowed = COMPUTATION_TRANSITIONS.get(ComputationStatus(computation.status), set())
    if to not in allowed:
        raise ValueError(f"Computation {computation.pk}: {computation.status} → {to} refused")
    previous = computation.status
    computation.status = to
    for name, value in fields.items():
        setattr(computation, name, value)
    computation.save(update_fields=["status", *fields])
    audit_log(event=f"vote_computation_{to}", obj=computation.call,
              actor=computation.requested_by,
              data={"computation": computation.pk, "from": previous, "to": to,
                    **({"error": computation.error} if to == ComputationStatus.FAILED else {})})
    return computation


def vote_computation_run(*, computation_id: int) -> VoteComputation:
    """Compute the winners of a stored request (per district when the call has districts).

    Invariant: idempotent (a finished computation is returned as is); the stored result is the
    rule's ``as_dict()`` for each part, with the hash of exactly the inputs it read.
    """
    with transaction.atomic():
        # Locked: a task delivered twice computes once, the second sees it done.
        computation = (VoteComputation.objects.select_for_update(of=("self",))
                       .select_related("call__fund").get(pk=computation_id))
        if computation.status == ComputationStatus.DONE:
            return computation
        return _computation_fill(computation)


def _computation_fill(computation: VoteComputation) -> VoteComputation:
    parts = selectors.computation_inputs(computation.call)
    try:
        results = [
            {"district": part["district"], "name": part["name"],
             **rules.compute_winners(computation.rule, part["projects"], part["ballots"],
                                       part["budget"], min_votes=computation.min_votes,
                                       constraints=part["constraints"]).as_dict(),
             "constraints": part["constraints"].as_dict()}
            for part in parts]
    except ValueError as exc:
        return vote_computation_transition(computation=computation, to=ComputationStatus.FAILED,
                                           error=str(exc))
    vote_computation_transition(
        computation=computation, to=ComputationStatus.DONE,
        inputs_sha256=rules.inputs_sha256(rule=computation.rule,
                                          min_votes=computation.min_votes, parts=parts),
        ballots=selectors.call_ballot_count(computation.call), result={"parts": results},
        computed_at=timezone.now(), error="")
    audit_log(event="vote_computed", obj=computation.call, actor=computation.requested_by,
              message=_("Lauréats calculés (règle « %(rule)s »)")
              % {"rule": rules.rule_label(computation.rule)},
              data={"computation": computation.pk, "sha256": computation.inputs_sha256})
    return computation


def vote_results_publish(*, call: Call, computation: VoteComputation, actor,
                         deliberation_reference: str, deliberation_date: dt.date | None) -> Call:
    """Publish a computation and turn its winners into awards, all in one transaction.

    Invariant: only a finished computation of the call's own rule whose inputs are still the
    current ones (same SHA-256) is published; each winner gets an award of its cost through
    ``application_award`` (fund row locked, envelope respected); any failure publishes nothing.
    Decision makers only (``vote.publish``).
    """
    require(can, actor, "vote.publish", call)
    errors = {}
    if not (deliberation_reference or "").strip():
        errors["deliberation_reference"] = _("Indiquez la référence de la délibération.")
    if deliberation_date is None:
        errors["deliberation_date"] = _("Indiquez la date de la délibération.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        call = Call.objects.select_for_update().select_related("fund").get(pk=call.pk)
        if call.results_published_at:
            raise ValidationError({"call": _("Les résultats sont déjà publiés.")})
        if computation.call_id != call.pk or computation.status != ComputationStatus.DONE:
            raise ValidationError({"computation": _("Ce calcul n'est pas terminé.")})
        if computation.rule != call.winner_rule:
            raise ValidationError({"computation": _(
                "Ce calcul utilise la règle « %(rule)s », pas celle de l'appel.")
                % {"rule": rules.rule_label(computation.rule)}})
        current = rules.inputs_sha256(rule=computation.rule, min_votes=computation.min_votes,
                                      parts=selectors.computation_inputs(call))
        if current != computation.inputs_sha256:
            raise ValidationError({"computation": _(
                "Les bulletins ou les projets ont changé depuis ce calcul : relancez-le.")})
        applications = {a.pk: a for a in Application.objects.filter(
            pk__in=computation.winner_ids()).select_related("call", "organisation", "applicant")}
        for pk in computation.winner_ids():
            application = applications[pk]
            if application.amount_requested <= 0:
                continue   # a free project needs no award
            if application.status == ApplicationStatus.SUBMITTED:
                application_transition(application=application, to=ApplicationStatus.ELIGIBLE,
                                       actor=actor, message=_("Retenu par le vote citoyen"))
            nature = application.nature if application.nature in call.fund.natures \
                else call.fund.natures[0]
            try:
                application_award(application=application, actor=actor,
                                  amount=application.amount_requested, nature=nature,
                                  deliberation_reference=deliberation_reference,
                                  deliberation_date=deliberation_date)
            except ValidationError as exc:
                raise ValidationError({"computation": _("« %(title)s » : %(errors)s") % {
                    "title": application.title, "errors": " ".join(exc.messages)}}) from exc
        call.results_computation = computation
        call.results_published_at = timezone.now()
        call.save(update_fields=["results_computation", "results_published_at"])
        recipients = {}
        for application in selectors.ballot_projects(call=call):
            for user in recipients_of(application):
                if user is not None:
                    recipients[user.pk] = user
        notify(Event.VOTE_RESULTS_PUBLISHED, call, actor, recipients=list(recipients.values()),
               url=reverse("funds:vote-results", args=[call.pk]),
               context={"message": _("Résultats du vote publiés : %(n)s projets retenus.")
                        % {"n": len(computation.winner_ids())}})
    return call
