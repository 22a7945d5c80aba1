"""Demo data of this app, called by ``manage.py seed_demo`` (must stay idempotent).

Two organisations log volunteer hours over two years: workshops, building work, training,
administration, part of them on their conventions (by the convention's reference). Older hours
are validated, the last weeks stay as drafts to validate; attestations are ready for the previous
year (the whole year, and the operating convention's hours for its financial report).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from .models import (
    Activity,
    Qualification,
    RateKind,
    ValuationMethod,
    ValuationRate,
    VolunteerAttestation,
    VolunteerEntry,
    VolunteeringProfile,
)
from .projects import organisation_projects

# Replacement-cost rates are a local choice of the authority (demo figures, € per hour).
REPLACEMENT_RATES = [
    (Qualification.EMPLOYEE, Decimal("14.50")),
    (Qualification.TECHNICIAN, Decimal("19.00")),
    (Qualification.EXECUTIVE, Decimal("28.00")),
]

PLANS = {
    "energies": {
        "method": ValuationMethod.SMIC_GROSS,
        "volunteers": ["Gaëlle L.", "Tanguy M.", "Maïwenn K.", "Paul-Henri D.", "Rozenn B.",
                       "Youssef A.", "Soazig P.", "Hervé L.", "Léna T.", "Corentin G."],
        "activities": [Activity.ANIMATION, Activity.ANIMATION, Activity.TRAINING,
                       Activity.ADMINISTRATION, Activity.SUPPORT],
    },
    "assiettes": {
        "method": ValuationMethod.REPLACEMENT,
        "volunteers": ["Soizic L.", "Mathilde R.", "Ahmed B.", "Jeanne-Marie C.", "Killian F.",
                       "Awa D.", "Loïc P.", "Nadia S."],
        "activities": [Activity.WORKS, Activity.ANIMATION, Activity.SUPPORT,
                       Activity.ADMINISTRATION, Activity.OTHER],
    },
}


def _seed_rates() -> None:
    for qualification, value in REPLACEMENT_RATES:
        ValuationRate.objects.get_or_create(
            kind=RateKind.REPLACEMENT, qualification=qualification,
            valid_from=dt.date(2024, 1, 1),
            defaults={"value": value, "source": "Démonstration : grille de la collectivité"})


def _seed_organisation(demo, key: str, plan: dict) -> None:
    from . import services

    organisation = demo.organisations[key]
    coordinator = demo.users[f"{key}@demo.local"]
    VolunteeringProfile.objects.get_or_create(organisation=organisation,
                                              defaults={"valuation_method": plan["method"]})
    if VolunteerEntry.objects.filter(organisation=organisation).exists():
        return
    volunteers = [services.volunteer_get_or_create(organisation=organisation, name=name,
                                                   actor=coordinator)
                  for name in plan["volunteers"]]
    # Sessions are linked to the organisation's conventions in force that day (or to none).
    conventions = [p for p in organisation_projects(organisation).values() if p.convention_id]
    rng = random.Random(f"volunteering-{key}")
    start = dt.date(demo.today.year - 1, 1, 1)
    rows = []
    day = start
    # One session about every five days, 2 to 5 volunteers each: about 150 entries a year.
    while day <= demo.today:
        activity = rng.choice(plan["activities"])
        project = rng.choice([""] + [p.reference for p in conventions
                                     if p.start <= day and (p.end is None or day <= p.end)])
        hours = rng.choice([Decimal("1.5"), Decimal("2"), Decimal("3"), Decimal("3.5"),
                            Decimal("4")])
        for volunteer in rng.sample(volunteers, rng.randint(2, 5)):
            qualification = (Qualification.TECHNICIAN if rng.random() < 0.25
                             else Qualification.EMPLOYEE)
            rows.append({"volunteer": volunteer, "date": day, "hours": hours,
                         "activity": activity, "qualification": qualification,
                         "project_reference": project})
        day += dt.timedelta(days=rng.randint(3, 7))
    entries = services.entries_log(organisation=organisation, rows=rows, actor=coordinator,
                                   confirm_duplicates=True)
    # The last three weeks stay as drafts for the coordinator to validate.
    cutoff = demo.today - dt.timedelta(days=21)
    services.entries_validate(organisation=organisation, actor=coordinator,
                              entry_ids=[e.pk for e in entries if e.date < cutoff])


def seed(demo) -> None:
    """Add this app's demo records. ``demo`` carries the authority, organisations and users."""
    from . import services

    _seed_rates()
    for key, plan in PLANS.items():
        _seed_organisation(demo, key, plan)
    energies = demo.organisations["energies"]
    year = demo.today.year - 1
    if not VolunteerAttestation.objects.filter(organisation=energies, year=year).exists():
        attestation = services.attestation_request(
            organisation=energies, year=year, actor=demo.users["energies@demo.local"])
        services.attestation_generate(attestation_id=attestation.pk)
    # The attestation of the operating convention's year, attached to its financial report.
    cpo = energies.conventions.filter(award__isnull=True).order_by("start_date").first()
    if cpo is not None and not VolunteerAttestation.objects.filter(
            organisation=energies, year=year, project_reference=cpo.reference).exists():
        attestation = services.attestation_request(
            organisation=energies, year=year, project_reference=cpo.reference,
            actor=demo.users["energies@demo.local"])
        services.attestation_generate(attestation_id=attestation.pk)
