"""Demo data of the funds app, called by ``manage.py seed_demo`` (idempotent: natural keys).

An open initiatives call and an open participatory budget (Lorient), a closed 2025 call with
its decisions, and applications in every status.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from backoffice.core.budget import BudgetLine
from backoffice.core.choices import Nature
from backoffice.core.models import DocumentKind

from . import rules, services
from .models import (
    ApplicantKind,
    Application,
    ApplicationBudgetLine,
    Award,
    Call,
    CallKind,
    CallPhase,
    Fund,
)
from .voting.demo import freeze_deposited_version, seed_vote

D = Decimal
ZERO = Decimal("0.00")
ALL_CHECKS = {code: True for code, _label in rules.MANUAL_CHECKS}

# Shown by seed_demo next to the core logins.
DEMO_LOGINS = [("habitant@demo.local", "Habitant inscrit au vote du budget participatif")]


def demo_budget(amount: Decimal, *, own: Decimal, volunteering: Decimal,
                departement: Decimal = ZERO) -> list[BudgetLine]:
    """A balanced CERFA 12156 budget around the amount asked from the commune."""
    cash = amount + own + departement
    lines = [
        BudgetLine("60", cash - D("800"), "Achats de matériel et fournitures"),
        BudgetLine("62", D("800"), "Communication et assurance"),
        BudgetLine("74", amount, "Ville de Lorient", funder="commune", status="requested",
                   is_this_authority=True),
        BudgetLine("75", own, "Cotisations et dons"),
        BudgetLine("864", volunteering, "Personnel bénévole"),
        BudgetLine("870", volunteering, "Bénévolat"),
    ]
    if departement:
        lines.append(BudgetLine("74", departement, "Département du Morbihan",
                                funder="departement", status="obtained"))
    return lines


def _fund(demo, name, **fields) -> Fund:
    fund = Fund.objects.filter(authority=demo.authority, name=name).first()
    if fund is None:
        fund = Fund(authority=demo.authority, name=name, **fields)
        fund.full_clean()
        fund.save()
    return fund


def _call(fund, title, **fields) -> Call:
    call = Call.objects.filter(fund=fund, title=title).first()
    if call is None:
        call = Call(fund=fund, title=title, **fields)
        call.full_clean()
        call.save()
    return call


PROJECTS = [
    # organisation key, title, amount, own, volunteering hours value, target status
    ("energies", "Cadastre solaire citoyen du quartier de Merville", D("6000"), D("1500"),
     D("1200"), "draft"),
    ("scorff", "Chantiers nature : restaurer le bocage du Scorff", D("8000"), D("2000"),
     D("2400"), "submitted"),
    ("assiettes", "Cuisine mobile de produits locaux", D("9500"), D("2500"), D("1800"),
     "info_requested"),
    ("oncime", "Panneaux solaires sur le toit de l'école Bisson", D("12000"), D("6000"),
     D("900"), "eligible"),
    ("boisduchateau", "Fête de quartier et troc de printemps", D("2500"), D("300"), D("400"),
     "ineligible"),
]


def _open_application(demo, call, key, title, amount, own, volunteering, target):
    existing = Application.objects.filter(call=call, title=title).first()
    if existing is not None:
        return existing
    organisation = demo.organisations[key]
    applicant = demo.users[f"{key}@demo.local"]
    instructor = demo.users["instructeur@demo.local"]
    today = demo.today
    application = services.application_create(user=applicant, call=call,
                                              organisation=organisation, title=title)
    services.application_update(
        application=application, user=applicant,
        data={"summary": f"Projet porté par {organisation.name} : {title.lower()}.",
              "place": "Lorient", "start_date": today + dt.timedelta(days=60),
              "end_date": today + dt.timedelta(days=240), "nature": Nature.PROJECT,
              "amount_requested": amount, "volunteer_hours": (volunteering / D("12")).quantize(D("1")),
              "answers": ["Des ateliers ouverts à tous les habitants, chaque mois.",
                          "Moins de déchets et d'énergie consommée dans le quartier."],
              "cer_accepted": True},
        budget_lines=demo_budget(amount, own=own, volunteering=volunteering))
    if target == "draft":
        return application
    services.application_submit(application=application, user=applicant)
    if target == "info_requested":
        services.application_request_info(
            application=application, user=instructor,
            message="Merci de joindre le devis de la remorque et de préciser le nombre de "
                    "repas prévus.")
    elif target == "eligible":
        services.application_review_save(
            application=application, user=instructor, checklist=ALL_CHECKS,
            estimated_cost=D("19500"), proposed_amount=D("10000"),
            opinion="Projet solide, porté par 66 sociétaires ; coût un peu élevé.")
        services.application_declare_eligible(application=application, user=instructor)
    elif target == "ineligible":
        services.application_declare_ineligible(
            application=application, user=instructor,
            motivation="Une fête ponctuelle relève de l'appel « animations de quartier », pas "
                       "du fonds pour les transitions.")
    return application


def _closed_call_decisions(demo, call):
    """Decided applications of the 2025 call (created as they stood after the committee)."""
    decider = demo.users["elu@demo.local"]
    rows = [
        ("energies", "Défi familles à énergie positive 2025", D("4000"), "awarded", D("4000")),
        ("scorff", "Inventaire participatif des haies", D("6000"), "awarded", D("5000")),
        ("assiettes", "Jardins partagés de Kervénanec", D("7000"), "rejected", None),
    ]
    deliberation_date = call.decision_on + dt.timedelta(days=10)
    for key, title, amount, status, awarded in rows:
        if Application.objects.filter(call=call, title=title).exists():
            continue
        organisation = demo.organisations[key]
        submitted_at = timezone.make_aware(dt.datetime.combine(call.closes_on, dt.time(10)))
        application = Application(
            call=call, organisation=organisation, applicant=demo.users[f"{key}@demo.local"],
            title=title, summary=f"{title} — projet 2025.", place="Lorient",
            start_date=call.results_on, end_date=call.ends_on, nature=Nature.PROJECT,
            amount_requested=amount, cer_accepted=True, version=1, submitted_at=submitted_at,
            status=status, motivation="" if awarded else
            "Enveloppe insuffisante au regard des autres projets.")
        application.full_clean()
        application.save()
        ApplicationBudgetLine.objects.bulk_create([
            ApplicationBudgetLine(application=application, account=line.account,
                                  label=line.label, funder=line.funder,
                                  funder_status=line.status,
                                  is_this_authority=line.is_this_authority, amount=line.amount)
            for line in demo_budget(amount, own=D("1500"), volunteering=D("1000"))])
        freeze_deposited_version(application)
        if awarded:
            Award.objects.create(
                application=application, fund=call.fund, amount=awarded, nature=Nature.PROJECT,
                deliberation_reference="DEL-2025-118", deliberation_date=deliberation_date,
                awarded_by=decider,
                awarded_at=timezone.make_aware(dt.datetime.combine(deliberation_date,
                                                                   dt.time(18))))


def seed(demo) -> None:
    """Add two open calls, a closed one with its decisions, and applications in every status."""
    today = demo.today
    year = today.year
    initiatives = _fund(
        demo, f"Fonds pour les initiatives citoyennes {year}", year_start=year, year_end=year,
        envelope=D("150000.00"), natures=[n.value for n in Nature], budget_imputation="6574",
        max_authority_share=D("0.8000"), min_self_financing_share=D("0.1000"),
        min_amount=D("500.00"), max_amount=D("15000.00"))
    participatory = _fund(
        demo, f"Budget participatif de Lorient {year}", year_start=year, year_end=year,
        envelope=D("285000.00"), natures=[Nature.INVESTMENT.value], budget_imputation="20421",
        max_authority_share=D("1.0000"), min_self_financing_share=D("0.0000"),
        min_amount=D("5000.00"), max_amount=D("70000.00"))
    previous = _fund(
        demo, f"Fonds pour les initiatives citoyennes {year - 1}", year_start=year - 1,
        year_end=year - 1, envelope=D("120000.00"), natures=[n.value for n in Nature],
        budget_imputation="6574", min_amount=D("500.00"), max_amount=D("15000.00"))

    open_call = _call(
        initiatives, f"Appel à initiatives pour les transitions {year}",
        kind=CallKind.INITIATIVES, phase=CallPhase.OPEN,
        description="La Ville de Lorient soutient les projets des associations et collectifs "
                    "du Pays de Lorient qui font avancer les transitions : énergie citoyenne, "
                    "alimentation locale, nature en ville, mobilités douces, lien social. Un "
                    "dossier court, votre organisation et ses documents sont réutilisés.",
        applicant_kinds=[ApplicantKind.ASSOCIATION.value, ApplicantKind.COOPERATIVE.value,
                         ApplicantKind.INFORMAL.value],
        required_documents=[DocumentKind.STATUTES.value, DocumentKind.RIB.value],
        questions=["Comment les habitants sont-ils associés au projet ?",
                   "Quels effets attendez-vous pour la transition écologique ?"],
        opens_on=today - dt.timedelta(days=20), closes_on=today + dt.timedelta(days=25),
        decision_on=today + dt.timedelta(days=45), results_on=today + dt.timedelta(days=60),
        ends_on=today + dt.timedelta(days=120))
    vote_call = _call(
        participatory, f"Budget participatif {year} — vos idées pour Lorient",
        kind=CallKind.PARTICIPATORY, phase=CallPhase.VOTE, max_choices=3,
        voter_min_age=16, voter_residence="Lorient",
        description="285 000 € pour des projets d'investissement proposés par les habitants "
                    "dès 16 ans, les associations et les collectifs : un projet par personne, "
                    "de 5 000 à 70 000 €. Après l'étude de faisabilité, les Lorientais votent.",
        applicant_kinds=[ApplicantKind.ASSOCIATION.value, ApplicantKind.INFORMAL.value,
                         ApplicantKind.INDIVIDUAL.value],
        min_age=16, one_per_applicant=True,
        questions=["Quel quartier profitera du projet ?"],
        opens_on=today - dt.timedelta(days=90), closes_on=today - dt.timedelta(days=45),
        vote_on=today - dt.timedelta(days=7), decision_on=today + dt.timedelta(days=14),
        results_on=today + dt.timedelta(days=30), ends_on=today + dt.timedelta(days=365))
    closed = _call(
        previous, f"Appel à initiatives pour les transitions {year - 1}",
        kind=CallKind.INITIATIVES, phase=CallPhase.CLOSED,
        description="Édition précédente de l'appel à initiatives.",
        applicant_kinds=[ApplicantKind.ASSOCIATION.value, ApplicantKind.INFORMAL.value],
        opens_on=dt.date(year - 1, 2, 1), closes_on=dt.date(year - 1, 3, 31),
        decision_on=dt.date(year - 1, 5, 15), results_on=dt.date(year - 1, 6, 1),
        ends_on=dt.date(year - 1, 12, 31))

    for key, title, amount, own, volunteering, target in PROJECTS:
        _open_application(demo, open_call, key, title, amount, own, volunteering, target)
    _closed_call_decisions(demo, closed)
    seed_vote(demo, vote_call)
