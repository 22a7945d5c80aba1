"""Factories of the core models, shared by every app's tests."""

import datetime as dt

import factory
from django.utils import timezone

from backoffice.core.demo import demo_siret
from backoffice.core.models import (
    Authority,
    AuthorityKind,
    LegalForm,
    Membership,
    MembershipRole,
    MembershipStatus,
    Organisation,
    User,
)
from backoffice.core.roles import Role
from backoffice.core.services import user_set_roles


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Martin{n}")
    email_verified_at = factory.LazyFunction(timezone.now)
    password = factory.PostGenerationMethodCall("set_password", "motdepasse-solide-42")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create:
            user_set_roles(user=self, roles=list(extracted or [Role.APPLICANT]))
            self.save()


def staff_user(role: Role = Role.FINANCE_AGENT, **kwargs) -> User:
    """A user of the authority with the given role (agent by default)."""
    return UserFactory(roles=[role], **kwargs)


class AuthorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Authority

    name = "Ville de Kerbruck"
    kind = AuthorityKind.COMMUNE
    siret = factory.Sequence(lambda n: demo_siret(5000 + n))
    population = 42000
    signatory_name = "Marie Le Du"
    signatory_title = "Maire"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Association n°{n}")
    legal_form = LegalForm.ASSOCIATION
    siret = factory.Sequence(lambda n: demo_siret(1000 + n))
    rna = factory.Sequence(lambda n: f"W56{n:07d}")
    city = "Lorient"
    legal_representative_name = "Loïc Le Pape"
    # Accepted before any convention the tests sign (a CER acceptance precedes the signature).
    cer_accepted_at = factory.LazyFunction(
        lambda: timezone.make_aware(dt.datetime(2024, 1, 2, 10, 0)))


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = MembershipRole.ADMIN
    status = MembershipStatus.ACTIVE


def member_of(organisation, *, role=MembershipRole.ADMIN, **user_kwargs) -> User:
    """A new user who is an active member of ``organisation``."""
    user = UserFactory(**user_kwargs)
    MembershipFactory(user=user, organisation=organisation, role=role)
    return user
