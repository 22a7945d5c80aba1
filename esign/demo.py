"""Demo: a PKI of its own (a CA, the platform's and the authority's signers) and a convention
sent for electronic signature, ready to be signed by the association's representative
(oncime@demo.local) and then by the authority's signatory (elu@demo.local). Idempotent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from django.conf import settings

from backoffice.core.choices import Nature

OBJECT = ("Centrale solaire citoyenne sur le toit du gymnase de Kervénanec : études, "
          "animation de l'actionnariat des habitants et ateliers dans les écoles.")


def seed(demo) -> None:
    from conventions import services
    from conventions.demo import CLAUSES
    from conventions.models import Convention, DocumentStatus

    from . import pki
    from .services import signature_request_create

    pki.make_demo_pki(Path(settings.MEDIA_ROOT) / "esign-demo",
                      authority_name=demo.authority.name)
    organisation = demo.organisations["oncime"]
    if Convention.objects.filter(organisation=organisation, object=OBJECT).exists():
        return
    agent = demo.users["agent@demo.local"]
    y = demo.today.year
    convention = services.convention_create(
        authority=demo.authority, organisation=organisation, object=OBJECT, actor=agent,
        nature=Nature.PROJECT, start_date=dt.date(y + 1, 1, 1), end_date=dt.date(y + 1, 12, 31),
        yearly_amounts=[Decimal("26000")], decision_reference=f"Délibération n° {y}-211",
        decision_date=demo.today - dt.timedelta(days=20), volunteering_planned=Decimal("4000"),
        **CLAUSES)
    services.convention_transition(convention=convention, to="sent", actor=agent,
                                   on=demo.today - dt.timedelta(days=2))
    document = convention.documents.order_by("-version").first()
    # The demo seeds in one transaction: render now rather than after its commit.
    services.document_render(document_id=document.pk)
    document.refresh_from_db()
    if document.status == DocumentStatus.READY:
        signature_request_create(document=document, actor=agent)
