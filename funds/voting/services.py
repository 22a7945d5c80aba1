"""Writes of the vote: voter registration and e-mail verification, ballots (online and paper)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from backoffice.core.audit import audit_log
from backoffice.core.permissions import require

from ..models import Ballot, BallotChannel, Call, CallKind, CallPhase, CensusEntry, District, Voter
from ..permissions import can
from . import rules, selectors
from .models import VoterSource, voter_identity_key

SIGNING_SALT = "funds.voter-verification"


def _already_registered_message() -> str:
    return _("Une inscription à ce vote existe déjà pour cette personne (mêmes nom, prénom et "
             "date de naissance), depuis un autre compte ou par un bulletin papier : chaque "
             "habitant ne vote qu'une fois. Si cette inscription n'est pas la vôtre, contactez "
             "la collectivité.")


def _vote_errors_for_voter(call: Call, voter: Voter, *, online: bool,
                           has_districts: bool | None = None) -> dict[str, str]:
    """Why this voter may not vote in this call (field -> French message)."""
    errors = {}
    if online and voter.verified_at is None:
        errors["voter"] = _("Confirmez d'abord votre adresse électronique avec le lien reçu.")
    errors.update(_eligibility_errors(call, birth_date=voter.birth_date, resident=voter.resident,
                                      district=voter.district, last_name=voter.last_name,
                                      first_name=voter.first_name,
                                      require_identity=voter.source != VoterSource.IMPORT,
                                      has_districts=has_districts))
    return errors


def _eligibility_errors(call: Call, *, birth_date, resident: bool, district, last_name: str,
                        first_name: str, require_identity: bool = True,
                        has_districts: bool | None = None) -> dict[str, str]:
    errors = {}
    if not require_identity:
        return errors
    if call.voter_min_age:
        day = call.vote_on or timezone.localdate()
        if birth_date is None:
            errors["birth_date"] = _("Indiquez votre date de naissance.")
        elif rules.age_on(birth_date, day) < call.voter_min_age:
            errors["birth_date"] = _("Ce vote est ouvert dès %(age)s ans.") % {
                "age": call.voter_min_age}
    if call.voter_residence and not resident:
        errors["resident"] = _("Ce vote est réservé aux habitants de %(place)s.") % {
            "place": call.voter_residence}
    if district is None and (call.districts.exists() if has_districts is None else has_districts):
        errors["district"] = _("Choisissez votre quartier.")
    if district is not None and district.call_id != call.pk:
        errors["district"] = _("Ce quartier n'appartient pas à ce budget participatif.")
    if call.census_required:
        if not (last_name and first_name and birth_date):
            errors["last_name"] = _("Nom, prénom et date de naissance sont nécessaires pour "
                                    "vérifier la liste des inscrits.")
        elif not CensusEntry.objects.filter(
                call=call, key=rules.census_key(last_name, first_name, birth_date)).exists():
            errors["last_name"] = _("Vous ne figurez pas sur la liste des inscrits de ce vote.")
    return errors


def _check_participatory(call: Call) -> None:
    if call.kind != CallKind.PARTICIPATORY:
        raise ValidationError({"call": _("Cet appel n'est pas un budget participatif.")})


def voter_register(*, call: Call, user, first_name: str = "", last_name: str = "",
                   birth_date: dt.date | None = None, district: District | None = None,
                   resident: bool = False) -> Voter:
    """Register (or update) a user's voter record for a call and send the verification link.

    Invariant: one record per user and call; eligibility (age on the first day of the vote,
    declared residence, district, census list) is checked before anything is saved.
    """
    _check_participatory(call)
    if call.phase not in (CallPhase.REVIEW, CallPhase.VOTE):
        raise ValidationError({"call": _("Les inscriptions sont ouvertes jusqu'à la fin du vote.")})
    if getattr(user, "email_verified_at", None) is None:
        raise ValidationError({"voter": _(
            "Confirmez d'abord l'adresse électronique de votre compte avec le lien reçu à "
            "l'inscription : seul un compte confirmé peut s'inscrire au vote.")})
    errors = _eligibility_errors(call, birth_date=birth_date, resident=resident,
                                 district=district, last_name=last_name, first_name=first_name)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        voter = Voter.objects.select_for_update().filter(call=call, user=user).first()
        if voter is None:
            voter = Voter(call=call, user=user, source=VoterSource.ONLINE)
        elif voter.district_id != (district.pk if district else None) and voter.ballots.exists():
            raise ValidationError({"district": _(
                "Vous avez déjà voté dans un quartier : votre bulletin y reste.")})
        voter.email = user.email
        voter.first_name, voter.last_name = first_name.strip(), last_name.strip()
        voter.birth_date, voter.district, voter.resident = birth_date, district, resident
        key = voter_identity_key(voter.last_name, voter.first_name, birth_date)
        if Voter.objects.filter(call=call, identity_key=key).exclude(pk=voter.pk).exists():
            raise ValidationError({"last_name": _already_registered_message()})
        voter.full_clean(validate_constraints=False)
        try:
            with transaction.atomic():
                voter.save()
        except IntegrityError:
            # The same person registered at the same instant from another account.
            raise ValidationError({"last_name": _already_registered_message()}) from None
        if voter.verified_at is None:
            from ..tasks import voter_verification_email_task

            transaction.on_commit(lambda: voter_verification_email_task.delay(voter.pk))
    return voter


def verification_token(voter: Voter) -> str:
    return signing.dumps({"voter": voter.pk, "email": voter.email}, salt=SIGNING_SALT)


def voter_send_verification(*, voter_id: int) -> bool:
    """E-mail the signed link to an unverified voter. Invariant: never to a verified voter."""
    voter = Voter.objects.select_related("call").filter(pk=voter_id).first()
    if voter is None or voter.verified_at is not None or not voter.email:
        return False
    url = settings.SITE_URL.rstrip("/") + reverse("funds:voter-verify",
                                                  args=[verification_token(voter)])
    send_mail(_("Confirmez votre inscription au vote"),
              _("Bonjour,\n\nPour confirmer votre inscription au vote « %(call)s », ouvrez ce "
                "lien :\n%(url)s\n\nSi vous n'avez rien demandé, ignorez ce message.")
              % {"call": voter.call.title, "url": url},
              None, [voter.email])
    return True


def voter_verify(*, token: str) -> Voter:
    """Mark the voter's e-mail as verified from a signed link. Invariant: only a link signed by us,
    younger than FUNDS_VOTER_LINK_MAX_AGE seconds and for the current e-mail, verifies."""
    try:
        data = signing.loads(token, salt=SIGNING_SALT,
                             max_age=getattr(settings, "FUNDS_VOTER_LINK_MAX_AGE", 7 * 86400))
    except signing.SignatureExpired:
        raise ValidationError({"token": _("Ce lien a expiré : inscrivez-vous de nouveau pour en "
                                          "recevoir un autre.")}) from None
    except signing.BadSignature:
        raise ValidationError({"token": _("Ce lien n'est pas valide.")}) from None
    with transaction.atomic():
        voter = Voter.objects.select_for_update().filter(pk=data.get("voter")).first()
        if voter is None or voter.email != data.get("email"):
            raise ValidationError({"token": _("Ce lien n'est plus valide.")})
        if voter.verified_at is None:
            voter.verified_at = timezone.now()
            voter.save(update_fields=["verified_at"])
            if voter.user is not None and voter.user.email == voter.email \
                    and voter.user.email_verified_at is None:
                voter.user.email_verified_at = voter.verified_at
                voter.user.save(update_fields=["email_verified_at"])
            audit_log(event="voter_verified", obj=voter.call, actor=voter.user,
                      message=_("Inscription au vote confirmée"), data={"voter": voter.pk})
    return voter


def _clean_choices(call: Call, choices, *, district: District | None) -> list[int]:
    try:
        ids = [int(c) for c in choices]
    except (TypeError, ValueError):
        raise ValidationError({"choices": _("Identifiant de projet invalide.")}) from None
    errors = rules.ballot_errors(
        style=call.ballot_style, choices=[str(i) for i in ids],
        costs=selectors.ballot_costs(call=call, district=district),
        min_choices=call.min_choices, max_choices=call.max_choices,
        envelope=selectors.call_envelope(call, district), min_budget_share=call.min_budget_share)
    if errors:
        raise ValidationError({"choices": errors})
    return ids


def _check_vote_open(call: Call, *, paper: bool) -> None:
    """Online, the vote closes at midnight (local time) ending its last day, even before the
    daily run has moved the call to its decision phase; paper ballots are entered until the
    results are published."""
    allowed_phases = (CallPhase.VOTE, CallPhase.DECISION) if paper else (CallPhase.VOTE,)
    if call.phase not in allowed_phases or call.results_published_at:
        raise ValidationError({"call": _("Le vote n'est pas ouvert pour ce budget participatif.")})
    if not paper and call.decision_on and timezone.localdate() >= call.decision_on:
        raise ValidationError({"call": _("Le vote est clos depuis le %(day)s à 0 h.")
                               % {"day": date_format(call.decision_on, "j F Y")}})


def _locked_voter(**lookup) -> Voter | None:
    """The voter row, locked until the end of the transaction (one ballot per voter: a second,
    simultaneous ballot of the same voter waits, then replaces the first), read in the same
    query as its district and its call as they are now (a vote closed meanwhile is closed)."""
    return (Voter.objects.select_for_update(of=("self",)).select_related("district", "call")
            .filter(**lookup).first())


def ballot_cast(*, call: Call, voter: Voter, choices, actor,
                channel: str = BallotChannel.ONLINE) -> Ballot:
    """Cast or replace a voter's ballot.

    Invariant: at most one ballot per voter and call (database constraint and a lock on the
    voter row; a second one replaces the first), only during the vote (paper ballots: until
    results are published), only from an eligible, verified voter, and only valid choices.
    Nothing is saved otherwise. Online, only the voter's own account casts (``vote.cast``); on
    paper, an agent (``vote.paper``).
    """
    paper = channel == BallotChannel.PAPER
    require(can, actor, "vote.paper" if paper else "vote.cast", call if paper else voter)
    _check_participatory(call)
    _check_vote_open(call, paper=paper)
    if voter.call_id != call.pk:
        raise ValidationError({"voter": _("Ce votant n'est pas inscrit à ce vote.")})
    with transaction.atomic():
        locked = _locked_voter(pk=voter.pk)
        if locked is None:
            raise ValidationError({"voter": _("Ce votant n'est pas inscrit à ce vote.")})
        return _ballot_write(call=call, voter=locked, choices=choices, actor=actor,
                             channel=channel)


def ballot_cast_by_user(*, call: Call, user, choices) -> Ballot:
    """The online ballot of ``user``'s own registration to ``call``: ``ballot_cast`` with the
    voter read once, locked, with what the checks need.

    Invariant: the same as :func:`ballot_cast` (online channel); a user without a registration
    to the call gets a French error on ``voter`` and nothing is saved.
    """
    _check_participatory(call)
    _check_vote_open(call, paper=False)
    with transaction.atomic():
        voter = _locked_voter(call=call, user=user) if user.is_authenticated else None
        if voter is None:
            raise ValidationError({"voter": _("Inscrivez-vous d'abord pour voter.")})
        require(can, user, "vote.cast", voter)
        return _ballot_write(call=call, voter=voter, choices=choices, actor=user,
                             channel=BallotChannel.ONLINE)


def _ballot_write(*, call: Call, voter: Voter, choices, actor, channel: str) -> Ballot:
    """The checks and the write of a ballot, inside the caller's transaction, ``voter`` locked."""
    paper = channel == BallotChannel.PAPER
    _check_vote_open(voter.call, paper=paper)
    # A district voter's call has districts; otherwise ask the database once.
    has_districts = voter.district_id is not None or call.districts.exists()
    errors = _vote_errors_for_voter(call, voter, online=not paper, has_districts=has_districts)
    if errors:
        raise ValidationError(errors)
    ids = _clean_choices(call, choices, district=voter.district if has_districts else None)
    ballot = Ballot.objects.filter(call=call, voter=voter).first()
    replaced = ballot is not None
    if ballot is None:
        ballot = Ballot(call=call, voter=voter)
    ballot.choices, ballot.points, ballot.channel = ids, None, channel
    ballot.entered_by = actor if paper else None
    ballot.cast_at = timezone.now()
    # call, voter and the agent were just read: no query to check that they exist.
    ballot.full_clean(exclude=["call", "voter", "entered_by"], validate_constraints=False)
    try:
        ballot.save()
    except IntegrityError:
        # Another path wrote this voter's ballot without the lock: the transaction is rolled back.
        raise ValidationError({"voter": _("Un bulletin vient d'être déposé pour ce votant : "
                                          "rechargez la page.")}) from None
    audit_log(event="ballot_replaced" if replaced else "ballot_cast", obj=call, actor=actor,
              message=_("Bulletin remplacé") if replaced else _("Bulletin déposé"),
              data={"voter": voter.pk, "channel": channel})
    return ballot


def paper_ballot_enter(*, call: Call, agent, first_name: str, last_name: str,
                       birth_date: dt.date | None, district: District | None, choices,
                       resident: bool = True, replace: bool = False) -> Ballot:
    """An agent enters a paper ballot after checking the voter's identity at the polling place.

    Invariant: the same person (name + birth date) has one voter record and one ballot per call,
    whether they voted on paper or online; the ballot records the agent who entered it. A second
    paper ballot for a person who already has one is refused, unless the agent explicitly
    confirms the replacement (``replace``), which is audited with both agents. The agent must
    be allowed to enter paper ballots (``vote.paper``).
    """
    require(can, agent, "vote.paper", call)
    _check_participatory(call)
    if not (first_name.strip() and last_name.strip() and birth_date):
        raise ValidationError({"last_name": _("Nom, prénom et date de naissance du votant sont "
                                              "obligatoires.")})
    with transaction.atomic():
        key = voter_identity_key(last_name, first_name, birth_date)
        voter = Voter.objects.select_for_update().filter(call=call, identity_key=key).first()
        if voter is not None and voter.source == VoterSource.ONLINE and voter.ballots.exists():
            raise ValidationError({"last_name": _("Cette personne a déjà voté en ligne.")})
        previous = Ballot.objects.filter(voter=voter).first() if voter is not None else None
        if previous is not None and not replace:
            raise ValidationError({"replace": _(
                "Cette personne a déjà un bulletin papier, saisi le %(date)s : rien n'a été "
                "enregistré. Pour le remplacer (erreur de saisie), cochez la confirmation.")
                % {"date": timezone.localtime(previous.cast_at).strftime("%d/%m/%Y à %H:%M")}})
        if previous is not None:
            audit_log(event="paper_ballot_replaced", obj=call, actor=agent,
                      message=_("Bulletin papier remplacé après confirmation"),
                      data={"voter": voter.pk, "previous_choices": previous.choices,
                            "previous_agent": previous.entered_by_id})
        if voter is None:
            voter = Voter(call=call, source=VoterSource.PAPER, first_name=first_name.strip(),
                          last_name=last_name.strip(), birth_date=birth_date,
                          district=district, resident=resident)
            errors = _vote_errors_for_voter(call, voter, online=False)
            if errors:
                raise ValidationError(errors)
            voter.full_clean(validate_constraints=False)
            try:
                with transaction.atomic():
                    voter.save()
            except IntegrityError:
                raise ValidationError({"last_name": _already_registered_message()}) from None
        return ballot_cast(call=call, voter=voter, choices=choices, actor=agent,
                           channel=BallotChannel.PAPER)
