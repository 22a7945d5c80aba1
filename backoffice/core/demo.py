"""Demo data of the core app: a Breton commune, six organisations, one login per role.

Idempotent: records are found by natural keys (e-mail, SIRET, name) before being created.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone
from stdnum import luhn

from .models import (
    Authority,
    AuthorityKind,
    DocumentKind,
    LegalForm,
    Membership,
    MembershipRole,
    MembershipStatus,
    Organisation,
    OrganisationDocument,
    User,
)
from .roles import Role
from .services import user_set_roles

DEMO_PASSWORD = "demo"

DEMO_LOGINS = [
    ("agent@demo.local", "Agent financier", Role.FINANCE_AGENT, "Morgane", "Le Gall"),
    ("instructeur@demo.local", "Instructeur", Role.INSTRUCTOR, "Yann", "Kerhervé"),
    ("elu@demo.local", "Décideur (élue)", Role.DECISION_MAKER, "Anne", "Le Bihan"),
    ("admin@demo.local", "Administrateur", Role.ADMINISTRATOR, "Erwan", "Guillou"),
    ("asso@demo.local", "Membre de deux associations", Role.APPLICANT, "Nolwenn", "Tanguy"),
]


def demo_siret(seed: int) -> str:
    """A deterministic SIRET that passes the Luhn check on both SIREN and SIRET."""
    siren8 = f"{(seed * 7919 + 81234567) % 100000000:08d}"
    siren = siren8 + luhn.calc_check_digit(siren8)
    nic4 = f"{seed % 10000:04d}"
    return siren + nic4 + luhn.calc_check_digit(siren + nic4)


@dataclass
class Demo:
    """What the apps' demo seeds build on."""

    authority: Authority
    organisations: dict[str, Organisation] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    today: dt.date = field(default_factory=timezone.localdate)


ORGANISATIONS = [
    # key, name, legal form, rna, object, representative, volunteers, employees, fte, members
    ("energies", "Énergies Citoyennes du Pays de Lorient", LegalForm.ASSOCIATION, "W561001234",
     "Développer les énergies renouvelables citoyennes et sensibiliser les habitants à la sobriété.",
     "Gaëlle Le Roux", 45, 2, Decimal("1.60"), 120),
    ("oncime", "OnCIMè — SAS citoyenne solaire", LegalForm.SAS, "",
     "Louer et exploiter des panneaux photovoltaïques sur les toits publics ; 1 personne = 1 voix.",
     "Patrick Le Floch", 20, 0, Decimal("0"), 66),
    ("scorff", "Les Amis du Scorff", LegalForm.ASSOCIATION, "W561002345",
     "Protéger les rivières et le bocage du Pays de Lorient, animer des chantiers nature.",
     "Jean-Yves Le Goff", 80, 1, Decimal("0.80"), 210),
    ("jeunesse", "Collectif Jeunesse de Kervénanec", LegalForm.INFORMAL, "",
     "Des jeunes du quartier qui organisent des ateliers vélo et des sorties nature.",
     "Inès Benali", 12, 0, Decimal("0"), 18),
    ("assiettes", "Assiettes Solidaires du Pays de Lorient", LegalForm.ASSOCIATION, "W561003456",
     "Transition alimentaire : épicerie solidaire, jardins partagés, cuisine de produits locaux.",
     "Soizic Le Corre", 60, 3, Decimal("2.50"), 150),
    ("boisduchateau", "Collectif des habitants de Bois-du-Château", LegalForm.INFORMAL, "",
     "Habitants qui animent la vie du quartier : fête de quartier, troc, compost collectif.",
     "Mamadou Diallo", 25, 0, Decimal("0"), 40),
]

MEMBERSHIPS = {
    "asso@demo.local": [("energies", MembershipRole.ADMIN), ("assiettes", MembershipRole.ADMIN)],
}


def _user(email, first_name, last_name, role: Role) -> User:
    user, created = User.objects.get_or_create(
        email=email, defaults={"first_name": first_name, "last_name": last_name,
                               "email_verified_at": timezone.now()}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        if role == Role.ADMINISTRATOR:
            user.is_staff = user.is_superuser = True
        elif role != Role.APPLICANT:
            user.is_staff = False
        user.save()
        user_set_roles(user=user, roles=[role])
    return user


def _demo_pdf(title: str) -> bytes:
    from .pdf import html_to_pdf

    return html_to_pdf(f"<h1>{title}</h1><p>Document de démonstration.</p>")


def seed_core() -> Demo:
    authority, _ = Authority.objects.get_or_create(
        name="Ville de Lorient",
        defaults=dict(
            kind=AuthorityKind.COMMUNE, siret=demo_siret(1), population=57274,
            address="2 boulevard du Général Leclerc", postcode="56100", city="Lorient",
            email="vie-associative@demo.local", signatory_name="Anne Le Bihan",
            signatory_title="Adjointe au maire déléguée à la vie associative",
            administrative_court="Tribunal administratif de Rennes",
        ),
    )
    demo = Demo(authority=authority)
    for email, _label, role, first, last in DEMO_LOGINS:
        demo.users[email] = _user(email, first, last, role)

    for index, (key, name, form, rna, obj, rep, vol, emp, fte, members) in enumerate(ORGANISATIONS):
        informal = form == LegalForm.INFORMAL
        organisation, created = Organisation.objects.get_or_create(
            name=name,
            defaults=dict(
                legal_form=form, siret="" if informal else demo_siret(100 + index), rna=rna,
                object=obj, address=f"{10 + index} rue de la Marne", postcode="56100",
                city="Lorient", email=f"contact-{key}@demo.local",
                legal_representative_name=rep,
                legal_representative_title="Référent du collectif" if informal else "Président·e",
                volunteers_count=vol, employees_count=emp, fte=fte, members_count=members,
                iban="FR7630006000011234567890189" if not informal else "",
            ),
        )
        demo.organisations[key] = organisation
        # Each organisation has its own coordinator account (admin of the organisation).
        coordinator = _user(f"{key}@demo.local", rep.split()[0], rep.split()[-1], Role.APPLICANT)
        demo.users[coordinator.email] = coordinator
        Membership.objects.get_or_create(
            user=coordinator, organisation=organisation,
            defaults={"role": MembershipRole.ADMIN, "status": MembershipStatus.ACTIVE},
        )
        if created:
            organisation.cer_accepted_by = coordinator
            # Accepted before the demo's oldest convention is signed (loi 2021-1109).
            organisation.cer_accepted_at = timezone.make_aware(
                dt.datetime(timezone.localdate().year - 4, 1, 2, 10, 0))
            organisation.save(update_fields=["cer_accepted_by", "cer_accepted_at"])
        if not informal and not organisation.documents.exists():
            for kind, title, valid_until in [
                (DocumentKind.STATUTES, f"Statuts — {name}", None),
                (DocumentKind.RIB, f"RIB — {name}", None),
                (DocumentKind.ACCOUNTS, f"Comptes approuvés — {name}",
                 dt.date(demo.today.year + 1, 6, 30)),
            ]:
                content = _demo_pdf(title)
                from .pdf import sha256_bytes

                document = OrganisationDocument(
                    organisation=organisation, kind=kind,
                    original_name=f"{kind}.pdf", content_type="application/pdf",
                    size=len(content), sha256=sha256_bytes(content), valid_until=valid_until,
                    uploaded_by=coordinator,
                )
                document.file.save(f"{kind}.pdf", ContentFile(content), save=False)
                document.save()

    _seed_expiring_documents(demo)

    for email, links in MEMBERSHIPS.items():
        for key, role in links:
            Membership.objects.get_or_create(
                user=demo.users[email], organisation=demo.organisations[key],
                defaults={"role": role, "status": MembershipStatus.ACTIVE},
            )
    return demo


def _seed_expiring_documents(demo: Demo) -> None:
    """Insurance certificates about to expire, so the reminders have something to say today
    and in the coming weeks. Found by (organisation, kind, label): created once."""
    from .pdf import sha256_bytes

    for key, days in [("assiettes", 30), ("scorff", 40)]:
        organisation = demo.organisations[key]
        label = f"Attestation d'assurance responsabilité civile — {organisation.name}"
        if OrganisationDocument.objects.filter(organisation=organisation,
                                               kind=DocumentKind.OTHER, label=label).exists():
            continue
        content = _demo_pdf(label)
        document = OrganisationDocument(
            organisation=organisation, kind=DocumentKind.OTHER, label=label,
            original_name="assurance.pdf", content_type="application/pdf", size=len(content),
            sha256=sha256_bytes(content), valid_until=demo.today + dt.timedelta(days=days),
        )
        document.file.save("assurance.pdf", ContentFile(content), save=False)
        document.save()
