"""Demo data of this app, called by ``manage.py seed_demo`` (must stay idempotent).

Relative to the demo's today (year Y): a 3-year CPO for "Énergies Citoyennes" (Y-1 to Y+1,
advance and balance of Y-1 paid, Y confirmed with its advance paid and its balance waiting for
the Y-1 report, which is submitted and awaits the agent's approval); a one-year letter under
€23,000 for "Assiettes Solidaires"; a 2-year convention for "Les Amis du Scorff" with a signed
amendment and an overdue report; the previous year's call award of "Énergies Citoyennes" turned
into its convention (a notification letter) in one click, signed and its advance paid. Documents are rendered after the seed's
transaction commits.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from backoffice.core.choices import Nature

from .models import Convention, LineKind

CLAUSES = dict(
    conditions_of_use=("La subvention finance le fonctionnement général de l'association et les "
                       "actions décrites dans son projet associatif ; elle ne peut être reversée "
                       "à un autre organisme."),
    evaluation_terms=("Un comité de suivi réunit chaque année la collectivité et l'association "
                      "pour examiner les indicateurs : participants, ateliers, heures de "
                      "bénévolat, partenariats."),
    keep_rule_text=("L'association peut conserver un excédent raisonnable pour consolider ses "
                    "fonds propres."),
)
BUDGET = [
    {"account": "60", "amount": "18000"}, {"account": "62", "amount": "12000"},
    {"account": "64", "amount": "26000"},
    {"account": "74", "amount": "36000", "funder": "commune", "status": "obtained",
     "is_this_authority": True},
    {"account": "74", "amount": "12000", "funder": "region", "status": "obtained"},
    {"account": "75", "amount": "8000"},
    {"account": "864", "amount": "9500"}, {"account": "870", "amount": "9500"},
]


def _convention(demo, key, object_text, **kwargs):
    from . import services

    organisation = demo.organisations[key]
    existing = Convention.objects.filter(organisation=organisation, object=object_text).first()
    if existing:
        return existing, False
    convention = services.convention_create(
        authority=demo.authority, organisation=organisation, object=object_text,
        actor=demo.users["agent@demo.local"], **{**CLAUSES, **kwargs})
    return convention, True


def _sign(convention, agent, on):
    from . import services

    services.convention_transition(convention=convention, to="sent", actor=agent, on=on)
    services.convention_transition(
        convention=convention, to="signed", actor=agent, on=on,
        authority_signatory=convention.authority.signatory_name,
        organisation_signatory=convention.organisation.legal_representative_name)


def _confirm(convention, year, agent, on):
    from . import services

    tranche = convention.years.get(year=year)
    services.convention_year_confirm(year=tranche, amount=tranche.planned_amount,
                                     vote_reference=f"Budget primitif {year}, délibération "
                                                    f"n° {year}-012", vote_date=on, actor=agent,
                                     on=on)


def _pay(convention, year, kind, agent, on):
    from . import services

    line = convention.years.get(year=year).lines.get(kind=kind)
    services.payment_record(line=line, paid_on=on, mandate_reference=f"MDT-{year}-{line.pk:04d}",
                            actor=agent)


def _from_award(demo, agent) -> None:
    """The previous year's call awarded "Énergies Citoyennes" a project: its convention is
    created from the award in one click (a notification letter, under €23,000), signed, and its
    year confirmed: the financial report is expected."""
    from funds.models import Award

    from . import services

    award = (Award.objects.filter(application__organisation=demo.organisations["energies"],
                                  application__call__closes_on__year=demo.today.year - 1)
             .order_by("pk").first())
    if award is None or hasattr(award, "convention"):
        return
    convention = services.convention_create_from_award(award=award, actor=agent)
    # Last year's project ran its course: the letter was signed after the deliberation, the
    # year confirmed and the advance paid, like any award of that year.
    signed_on = award.deliberation_date + dt.timedelta(days=10)
    _sign(convention, agent, signed_on)
    _confirm(convention, convention.start_date.year, agent, signed_on)
    _pay(convention, convention.start_date.year, LineKind.ADVANCE, agent,
         signed_on + dt.timedelta(days=20))


def seed(demo) -> None:
    """Add this app's demo records. ``demo`` carries the authority, organisations and users."""
    from . import services

    agent = demo.users["agent@demo.local"]
    y = demo.today.year

    cpo, created = _convention(
        demo, "energies",
        "Animation du réseau citoyen des énergies renouvelables du Pays de Lorient et ateliers "
        "de sobriété énergétique dans les quartiers.",
        nature=Nature.OPERATING, start_date=dt.date(y - 1, 1, 1), end_date=dt.date(y + 1, 12, 31),
        yearly_amounts=[Decimal("36000"), Decimal("36000"), Decimal("38000")],
        cofinancing=[{"funder": "Région Bretagne", "amount": "12000", "status": "obtained"},
                     {"funder": "ADEME", "amount": "8000", "status": "requested"}],
        volunteering_planned=Decimal("9500"), decision_reference=f"Délibération n° {y - 2}-148",
        decision_date=dt.date(y - 2, 12, 12))
    if created:
        _sign(cpo, agent, dt.date(y - 2, 12, 20))
        _confirm(cpo, y - 1, agent, dt.date(y - 1, 1, 15))
        _pay(cpo, y - 1, LineKind.ADVANCE, agent, dt.date(y - 1, 2, 20))
        _pay(cpo, y - 1, LineKind.BALANCE, agent, dt.date(y - 1, 10, 5))
        _confirm(cpo, y, agent, dt.date(y, 1, 14))
        _pay(cpo, y, LineKind.ADVANCE, agent, dt.date(y, 3, 2))
        report = cpo.years.get(year=y - 1).report
        services.report_submit(report=report, budget_lines=BUDGET, subsidy_used="34500",
                               qualitative_report=(
                                   "42 ateliers de sobriété, 610 participants, 3 toitures "
                                   "solaires citoyennes étudiées. Bénévolat : 790 heures."),
                               actor=demo.users["energies@demo.local"],
                               on=dt.date(y, 6, 12))

    letter, created = _convention(
        demo, "assiettes",
        "Épicerie solidaire : achat de produits locaux et animation d'ateliers cuisine.",
        nature=Nature.PROJECT, start_date=dt.date(y, 1, 1), end_date=dt.date(y, 12, 31),
        conditions_of_use=("La subvention finance exclusivement l'achat de produits locaux et "
                           "les ateliers cuisine de l'épicerie solidaire ; elle ne peut être "
                           "reversée à un autre organisme."),
        yearly_amounts=[Decimal("12500")], decision_reference=f"Délibération n° {y}-033",
        decision_date=dt.date(y, 2, 10))
    if created:
        _sign(letter, agent, dt.date(y, 2, 15))
        _confirm(letter, y, agent, dt.date(y, 2, 15))
        _pay(letter, y, LineKind.ADVANCE, agent, dt.date(y, 3, 20))

    _from_award(demo, agent)

    scorff, created = _convention(
        demo, "scorff",
        "Chantiers nature de restauration du bocage et des berges du Scorff.",
        nature=Nature.ENGINEERING, start_date=dt.date(y - 2, 1, 1), end_date=dt.date(y - 1, 12, 31),
        yearly_amounts=[Decimal("24000"), Decimal("24000")],
        decision_reference=f"Délibération n° {y - 3}-201", decision_date=dt.date(y - 3, 12, 8))
    if created:
        _sign(scorff, agent, dt.date(y - 3, 12, 15))
        _confirm(scorff, y - 2, agent, dt.date(y - 2, 1, 12))
        _pay(scorff, y - 2, LineKind.ADVANCE, agent, dt.date(y - 2, 2, 1))
        _pay(scorff, y - 2, LineKind.BALANCE, agent, dt.date(y - 2, 9, 30))
        amendment = services.amendment_create(
            convention=scorff, reason="Extension des chantiers à la vallée du Blavet.",
            new_amounts={y - 1: "27500"}, actor=agent,
            decision_reference=f"Délibération n° {y - 2}-187", decision_date=dt.date(y - 2, 10, 20))
        services.amendment_transition(amendment=amendment, to="sent", actor=agent,
                                      on=dt.date(y - 2, 10, 24))
        services.amendment_transition(amendment=amendment, to="signed", actor=agent,
                                      on=dt.date(y - 2, 11, 3))
        _confirm(scorff, y - 1, agent, dt.date(y - 1, 1, 20))
        _pay(scorff, y - 1, LineKind.ADVANCE, agent, dt.date(y - 1, 3, 10))
