"""Factories of the conventions app: a convention is built through its service, so the
tranches and schedule are real. Traits as keyword flags: signed=True, confirmed=True."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from backoffice.core.choices import Nature
from conventions import services
from conventions.models import ConventionStatus
from tests.factories import AuthorityFactory, OrganisationFactory, staff_user

CLAUSES = dict(
    conditions_of_use="La subvention finance exclusivement le fonctionnement de l'association.",
    evaluation_terms="Un comité de suivi annuel examine les indicateurs du projet.",
    keep_rule_text="L'association peut conserver un excédent raisonnable.",
    decision_reference="DEL-2025-112",
)


def make_convention(*, authority=None, organisation=None, agent=None,
                    start=dt.date(2026, 1, 1), end=dt.date(2028, 12, 31),
                    amounts=(Decimal("30000"), Decimal("30000"), Decimal("30000")),
                    signed: bool = False, signed_on=dt.date(2026, 1, 15), confirmed: bool = False,
                    confirmed_on=dt.date(2026, 1, 20), **kwargs):
    authority = authority or AuthorityFactory()
    organisation = organisation or OrganisationFactory()
    agent = agent or staff_user()
    # The deliberation precedes the signature it allows (CGCT L2311-7).
    options = {**CLAUSES, "decision_date": min(signed_on, start) - dt.timedelta(days=20),
               **kwargs}
    convention = services.convention_create(
        authority=authority, organisation=organisation,
        object="Animation d'ateliers de sobriété énergétique", nature=Nature.OPERATING,
        start_date=start, end_date=end, yearly_amounts=list(amounts), actor=agent, **options)
    if signed or confirmed:
        services.convention_transition(convention=convention, to=ConventionStatus.SENT,
                                       actor=agent, on=signed_on)
        services.convention_transition(convention=convention, to=ConventionStatus.SIGNED,
                                       actor=agent, on=signed_on, authority_signatory="Marie Le Du",
                                       organisation_signatory="Loïc Le Pape")
    if confirmed:
        first = convention.years.order_by("year").first()
        services.convention_year_confirm(year=first, amount=first.planned_amount,
                                         vote_reference="BP 2026", vote_date=confirmed_on,
                                         actor=agent, on=confirmed_on)
    convention.refresh_from_db()
    return convention


BALANCED_REPORT = [
    {"account": "60", "amount": "20000"}, {"account": "64", "amount": "10000"},
    {"account": "74", "amount": "27000", "funder": "commune", "status": "obtained",
     "is_this_authority": True},
    {"account": "75", "amount": "3000"},
    {"account": "864", "amount": "4000"}, {"account": "870", "amount": "4000"},
]
