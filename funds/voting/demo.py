"""Demo data of the participatory vote: the open vote of this year (projects, a registered
citizen) and last year's vote with published results and their awards. Idempotent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from backoffice.core.choices import Nature
from backoffice.core.models import User

from ..models import (
    ApplicantKind,
    Application,
    ApplicationStatus,
    Ballot,
    BallotChannel,
    Call,
    CallKind,
    CallPhase,
    District,
    Fund,
    Voter,
)
from .models import VoterSource

D = Decimal
CITIZEN = "habitant@demo.local"

OPEN_PROJECTS = [
    ("jeunesse", "Un atelier vélo en libre accès à Kervénanec", D("18000.00"),
     "Un local équipé d'outils et de pièces détachées, ouvert deux soirs par semaine, animé "
     "par les jeunes du quartier."),
    (None, "Des fontaines à eau dans les parcs de la ville", D("24000.00"),
     "Six fontaines raccordées au réseau, près des aires de jeux et des terrains de sport."),
    ("scorff", "Un verger partagé au bord du Scorff", D("12500.00"),
     "Quarante arbres fruitiers de variétés locales, plantés et entretenus avec les écoles."),
    (None, "Des abris vélos sécurisés près des gares", D("65000.00"),
     "Trois abris fermés de vingt places, accessibles avec la carte de transport."),
    ("energies", "Des panneaux solaires sur la maison de quartier de Merville", D("48000.00"),
     "Une centrale citoyenne de 36 kWc ; l'électricité produite alimente le bâtiment."),
    (None, "Un jardin de pluie place Aristide-Briand", D("30000.00"),
     "Des noues plantées qui absorbent l'eau des toitures et rafraîchissent la place."),
]
CLOSED_DISTRICTS = [("Lorient Nord", D("60000.00")), ("Lorient Sud", D("60000.00"))]
CLOSED_PROJECTS = [
    # district index, title, cost, votes
    (0, "Boîtes à livres dans les quartiers nord", D("6000.00"), 41),
    (0, "Terrain de basket de Kervénanec rénové", D("45000.00"), 37),
    (0, "Éclairage solaire du chemin du Ter", D("28000.00"), 22),
    (1, "Composteurs collectifs au centre-ville", D("9000.00"), 35),
    (1, "Aire de jeux inclusive du parc Chevassu", D("52000.00"), 30),
    (1, "Bancs et ombrières quai des Indes", D("15000.00"), 18),
]


def _project(call, organisation, applicant, title, amount, summary, district=None):
    application = Application.objects.filter(call=call, title=title).first()
    if application is None:
        application = Application(
            call=call, organisation=organisation, applicant=applicant, title=title,
            summary=summary, place="Lorient", nature=Nature.INVESTMENT,
            amount_requested=amount, cer_accepted=True, version=1, district=district,
            submitted_at=timezone.make_aware(dt.datetime.combine(call.closes_on, dt.time(9))),
            status=ApplicationStatus.ELIGIBLE)
        application.full_clean()
        application.save()
        freeze_deposited_version(application)
    return application


def freeze_deposited_version(application: Application) -> None:
    """An application seeded past draft shows what was deposited: its version 1 and receipt,
    as the submission would have left them (idempotent)."""
    from ..models import ApplicationVersion
    from ..services.applications import _snapshot, application_receipt_generate

    if application.versions.exists():
        return
    version = ApplicationVersion.objects.create(
        application=application, number=1, data=_snapshot(application),
        submitted_by=application.applicant, submitted_at=application.submitted_at)
    application_receipt_generate(version_id=version.pk)


def _citizen() -> User:
    user, created = User.objects.get_or_create(
        email=CITIZEN, defaults={"first_name": "Maëlle", "last_name": "Le Goff",
                                 "email_verified_at": timezone.now()})
    if created:
        user.set_password("demo")
        user.save()
    return user


def seed_vote(demo, call: Call) -> None:
    """Projects put to the open vote and a verified citizen who has not voted yet."""
    for key, title, amount, summary in OPEN_PROJECTS:
        organisation = demo.organisations[key] if key else None
        applicant = demo.users[f"{key}@demo.local"] if key else demo.users["agent@demo.local"]
        _project(call, organisation, applicant, title, amount, summary)
    citizen = _citizen()
    if not Voter.objects.filter(call=call, user=citizen).exists():
        Voter.objects.create(call=call, user=citizen, email=citizen.email, first_name="Maëlle",
                             last_name="Le Goff", birth_date=dt.date(1990, 4, 12), resident=True,
                             verified_at=timezone.now())
    seed_closed_vote(demo)


def seed_closed_vote(demo) -> None:
    """Last year's vote with two districts, its ballots, its computation, results and awards."""
    from ..services import call_set_phase
    from .results import vote_computation_request, vote_results_publish

    year = demo.today.year - 1
    title = f"Budget participatif {year} — Lorient"
    if Call.objects.filter(title=title).exists():
        return
    fund = Fund(authority=demo.authority, name=f"Budget participatif de Lorient {year}",
                year_start=year, year_end=year, envelope=D("120000.00"),
                natures=[Nature.INVESTMENT.value], budget_imputation="20421",
                max_authority_share=D("1.0000"), min_self_financing_share=D("0.0000"),
                min_amount=D("5000.00"), max_amount=D("70000.00"))
    fund.full_clean()
    fund.save()
    call = Call(fund=fund, kind=CallKind.PARTICIPATORY, title=title, phase=CallPhase.DECISION,
                description="Édition précédente du budget participatif, par quartier.",
                applicant_kinds=[ApplicantKind.ASSOCIATION.value, ApplicantKind.INDIVIDUAL.value],
                min_age=16, max_choices=3, voter_min_age=16, voter_residence="Lorient",
                opens_on=dt.date(year, 2, 1), closes_on=dt.date(year, 3, 31),
                vote_on=dt.date(year, 5, 2), decision_on=dt.date(year, 6, 1),
                results_on=dt.date(year, 6, 15), ends_on=dt.date(year, 12, 31))
    call.full_clean()
    call.save()
    districts = [District.objects.create(call=call, name=name, envelope=envelope, position=i)
                 for i, (name, envelope) in enumerate(CLOSED_DISTRICTS)]
    agent = demo.users["agent@demo.local"]
    projects = [(_project(call, None, agent, t, cost, f"{t}.", districts[d]), d, votes)
                for d, t, cost, votes in CLOSED_PROJECTS]
    # Ballots: each district's voters name up to three of its projects.
    number = 0
    for index, district in enumerate(districts):
        local = [(p, votes) for p, d, votes in projects if d == index]
        for voter_number in range(max(v for _p, v in local)):
            choices = [p.pk for p, votes in local if voter_number < votes][:3]
            number += 1
            cast = timezone.make_aware(dt.datetime.combine(
                call.vote_on + dt.timedelta(days=number % 20), dt.time(12)))
            voter = Voter.objects.create(
                call=call, source=VoterSource.PAPER, district=district, resident=True,
                first_name=f"Votant {number}", last_name="Démo",
                birth_date=dt.date(1950 + number % 55, 1 + number % 12, 1))
            Ballot.objects.create(call=call, voter=voter, choices=choices,
                                  channel=BallotChannel.PAPER, entered_by=agent, cast_at=cast)
    decider = demo.users["elu@demo.local"]
    computation = vote_computation_request(call=call, actor=decider)
    vote_results_publish(call=call, computation=computation, actor=decider,
                         deliberation_reference=f"DEL-{year}-064",
                         deliberation_date=dt.date(year, 6, 10))
    call_set_phase(call=call, phase=CallPhase.RESULTS, actor=agent)
