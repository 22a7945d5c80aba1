"""Factories of the funds models."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from backoffice.core.budget import BudgetLine
from backoffice.core.choices import Nature
from funds.models import (
    ApplicantKind,
    Application,
    ApplicationBudgetLine,
    ApplicationStatus,
    Call,
    CallKind,
    CallPhase,
    Fund,
)
from tests.factories import AuthorityFactory, OrganisationFactory, UserFactory


class FundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Fund

    authority = factory.SubFactory(AuthorityFactory)
    name = factory.Sequence(lambda n: f"Fonds d'initiatives citoyennes {n}")
    year_start = 2026
    year_end = 2026
    envelope = Decimal("100000.00")
    natures = factory.LazyFunction(lambda: [Nature.PROJECT.value, Nature.OPERATING.value])
    budget_imputation = "6574"
    max_authority_share = Decimal("0.8000")
    min_self_financing_share = Decimal("0.1000")
    min_amount = Decimal("500.00")
    max_amount = Decimal("10000.00")


class CallFactory(factory.django.DjangoModelFactory):
    """An open initiatives call, open from 10 days ago until 20 days from now."""

    class Meta:
        model = Call

    fund = factory.SubFactory(FundFactory)
    kind = CallKind.INITIATIVES
    title = factory.Sequence(lambda n: f"Appel à initiatives n°{n}")
    description = "Soutenir les initiatives citoyennes pour les transitions."
    applicant_kinds = factory.LazyFunction(
        lambda: [ApplicantKind.ASSOCIATION.value, ApplicantKind.INFORMAL.value,
                 ApplicantKind.COOPERATIVE.value])
    phase = CallPhase.OPEN
    opens_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=10))
    closes_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=20))
    decision_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=40))
    results_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=50))
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=60))

    class Params:
        participatory = factory.Trait(
            kind=CallKind.PARTICIPATORY,
            vote_on=factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=30)),
            applicant_kinds=[ApplicantKind.ASSOCIATION.value, ApplicantKind.INDIVIDUAL.value],
            min_age=16, one_per_applicant=True,
        )


def balanced_budget(amount: Decimal = Decimal("4000.00")) -> list[BudgetLine]:
    """A 6,000 € project: 4,000 € asked from the authority (≈ 57 %), 1,000 € own resources,
    1,000 € valued volunteering (86/87)."""
    charges = amount + Decimal("1000.00")
    return [
        BudgetLine("60", charges - Decimal("500.00"), "Matériel"),
        BudgetLine("62", Decimal("500.00"), "Communication"),
        BudgetLine("74", amount, "Ville", funder="commune", status="requested",
                   is_this_authority=True),
        BudgetLine("75", Decimal("1000.00"), "Cotisations et dons"),
        BudgetLine("864", Decimal("1000.00"), "Bénévolat"),
        BudgetLine("870", Decimal("1000.00"), "Bénévolat"),
    ]


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A complete draft that can be submitted as is (use ``submitted``/``eligible`` traits)."""

    class Meta:
        model = Application
        skip_postgeneration_save = True

    call = factory.SubFactory(CallFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    applicant = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Atelier de réparation de vélos n°{n}")
    summary = "Un atelier participatif mensuel dans le quartier."
    place = "Lorient, Kervénanec"
    start_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=60))
    end_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=200))
    nature = Nature.PROJECT
    amount_requested = Decimal("4000.00")
    volunteer_hours = Decimal("80")
    cer_accepted = True

    class Params:
        submitted = factory.Trait(status=ApplicationStatus.SUBMITTED, version=1,
                                  submitted_at=factory.LazyFunction(timezone.now))
        eligible = factory.Trait(status=ApplicationStatus.ELIGIBLE, version=1,
                                 submitted_at=factory.LazyFunction(timezone.now))

    @factory.post_generation
    def budget(self, create, extracted, **kwargs):
        if not create:
            return
        lines = extracted if extracted is not None else balanced_budget(self.amount_requested)
        ApplicationBudgetLine.objects.bulk_create([
            ApplicationBudgetLine(application=self, account=line.account, label=line.label,
                                  funder=line.funder, funder_status=line.status,
                                  is_this_authority=line.is_this_authority, amount=line.amount)
            for line in lines])
