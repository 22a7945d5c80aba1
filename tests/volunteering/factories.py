"""Factories of the volunteering models."""

import datetime as dt
from decimal import Decimal

import factory

from tests.factories import OrganisationFactory
from volunteering.models import Activity, EntryStatus, Volunteer, VolunteerEntry


class VolunteerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Volunteer

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Bénévole {n}")


class EntryFactory(factory.django.DjangoModelFactory):
    """An entry written directly (state set-up for tests; the services are tested elsewhere)."""

    class Meta:
        model = VolunteerEntry

    volunteer = factory.SubFactory(VolunteerFactory)
    organisation = factory.SelfAttribute("volunteer.organisation")
    date = dt.date(2025, 3, 15)
    hours = Decimal("3.00")
    activity = Activity.ANIMATION
    valuation_method = "smic_gross"
    rate = Decimal("11.88")
    value = factory.LazyAttribute(lambda o: (o.hours * o.rate).quantize(Decimal("0.01")))
    status = EntryStatus.DRAFT

    class Params:
        validated = factory.Trait(status=EntryStatus.VALIDATED)
        locked = factory.Trait(status=EntryStatus.LOCKED)
