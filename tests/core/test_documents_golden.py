"""Every generated document kind, rendered to PDF from fixed data: its extracted text equals the
approved text in tests/core/golden/<kind>.txt (whitespace normalised), and its signature block
never starts a page. Set UPDATE_GOLDEN=1 to rewrite the approved texts after reading the PDFs
(PDF_DIR=/some/dir keeps them for pdftoppm)."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone
from pypdf import PdfReader

from backoffice.core.demo import demo_siret
from backoffice.core.pdf import html_to_pdf
from backoffice.core.roles import Role
from conventions import services
from conventions.models import ConventionStatus
from funds.models import ApplicationStatus, Award
from tests.factories import AuthorityFactory, OrganisationFactory, UserFactory, staff_user
from tests.funds.factories import ApplicationFactory, CallFactory, FundFactory, balanced_budget

GOLDEN = Path(__file__).parent / "golden"
NOW = dt.datetime(2027, 2, 10, 10, 0)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(timezone.make_aware(NOW), tick=False):
        yield


@pytest.fixture
def world():
    authority = AuthorityFactory(
        name="Ville de Lorient", siret=demo_siret(4242), address="2 boulevard Général Leclerc",
        postcode="56100", city="Lorient", signatory_name="Fabrice Loher",
        signatory_title="Maire", public_accountant="Service de gestion comptable de Lorient",
        administrative_court="tribunal administratif de Rennes")
    organisation = OrganisationFactory(
        name="Les Jardins partagés de Lorient", siret=demo_siret(4243), rna="W561234567",
        address="12 rue de Kerjulaude", postcode="56100", city="Lorient",
        legal_representative_name="Gwenaëlle Le Floch", legal_representative_title="Présidente",
        cer_accepted_at=timezone.make_aware(dt.datetime(2025, 9, 1, 9, 0)))
    fund = FundFactory(authority=authority, name="Fonds des transitions",
                       max_amount=Decimal("200000"))
    call = CallFactory(fund=fund, title="Appel à initiatives 2026")
    return {"authority": authority, "organisation": organisation, "call": call,
            "agent": staff_user(email="agent@lorient.test")}


def award(world, amount: Decimal, *, start=dt.date(2026, 4, 1), end=dt.date(2026, 11, 30)):
    application = ApplicationFactory(
        call=world["call"], organisation=world["organisation"],
        applicant=UserFactory(email="tresoriere@jardins.test", first_name="Anne",
                              last_name="Le Goff"),
        title="Jardins nourriciers de Kervénanec", status=ApplicationStatus.AWARDED, version=1,
        summary="Douze ateliers de jardinage et deux récoltes partagées.",
        submitted_at=timezone.make_aware(dt.datetime(2026, 2, 2, 14, 30)), start_date=start,
        end_date=end, amount_requested=amount, budget=balanced_budget(amount))
    return Award.objects.create(
        application=application, fund=world["call"].fund, amount=amount,
        nature=application.nature, deliberation_reference="DEL-2026-044",
        deliberation_date=dt.date(2026, 3, 12), awarded_by=staff_user(Role.DECISION_MAKER),
        awarded_at=timezone.make_aware(dt.datetime(2026, 3, 12, 18, 0)))


def signed_convention(world, amount: Decimal, **dates):
    agent = world["agent"]
    convention = services.convention_create_from_award(award=award(world, amount, **dates),
                                                       actor=agent)
    services.convention_transition(convention=convention, to=ConventionStatus.SENT, actor=agent,
                                   on=dt.date(2026, 3, 20))
    services.convention_transition(convention=convention, to=ConventionStatus.SIGNED,
                                   actor=agent, on=dt.date(2026, 3, 25),
                                   authority_signatory="Fabrice Loher",
                                   organisation_signatory="Gwenaëlle Le Floch")
    year = convention.years.order_by("year").first()
    services.convention_year_confirm(year=year, amount=year.planned_amount,
                                     vote_reference="Budget primitif 2026",
                                     vote_date=dt.date(2026, 3, 26), actor=agent,
                                     on=dt.date(2026, 3, 26))
    return convention


def convention_pdf(convention, kind: str) -> tuple[bytes, dict]:
    document = convention.documents.filter(kind=kind).order_by("-version").first()
    replacements = {convention.reference: "<CONVENTION>"}
    if convention.award_id:
        replacements[convention.award.application.reference] = "<DOSSIER>"
    return html_to_pdf(services.document_html(document)), replacements


def build_convention(world):
    return convention_pdf(signed_convention(world, Decimal("40000")), "convention")


def build_notification(world):
    return convention_pdf(signed_convention(world, Decimal("4000")), "notification")


def build_amendment(world):
    convention = signed_convention(world, Decimal("40000"))
    amendment = services.amendment_create(convention=convention,
                                          reason="Deux récoltes partagées de plus.",
                                          new_amounts={2026: "42000"}, actor=world["agent"],
                                          decision_reference="DEL-2026-101",
                                          decision_date=dt.date(2026, 5, 28))
    services.amendment_transition(amendment=amendment, to="sent", actor=world["agent"],
                                  on=dt.date(2026, 5, 30))
    services.amendment_transition(amendment=amendment, to="signed", actor=world["agent"],
                                  on=dt.date(2026, 6, 2))
    return convention_pdf(convention, "amendment")


def build_repayment(world):
    from tests.conventions.factories import BALANCED_REPORT
    from tests.factories import member_of

    convention = signed_convention(world, Decimal("4000"))
    year = convention.years.get()
    for line in year.lines.order_by("position"):  # only money paid is claimed back
        services.payment_record(line=line, paid_on=line.planned_date,
                                mandate_reference=f"M-{line.position}", actor=world["agent"])
    report = year.report
    lines = [{"account": "60", "amount": "4500"}, {"account": "62", "amount": "500"},
             {"account": "74", "amount": "4000", "funder": "commune", "is_this_authority": True},
             {"account": "75", "amount": "1000"}, {"account": "864", "amount": "1000"},
             {"account": "870", "amount": "1000"}]
    assert BALANCED_REPORT  # the same grid as every other report of the tests
    services.report_submit(report=report, budget_lines=lines, subsidy_used="3000",
                           qualitative_report="Dix ateliers sur douze.",
                           actor=member_of(convention.organisation), on=dt.date(2027, 1, 20))
    services.report_review(report=report, approve=True, actor=world["agent"],
                           on=dt.date(2027, 2, 1))
    return convention_pdf(convention, "repayment")


def _cer_withdrawal(world):
    convention = signed_convention(world, Decimal("40000"))
    advance = convention.years.get().lines.order_by("position").first()
    services.payment_record(line=advance, paid_on=dt.date(2026, 4, 10),
                            mandate_reference="M-1", actor=world["agent"])
    recovery = services.convention_withdraw_for_cer_breach(
        convention=convention, breach_date=dt.date(2026, 6, 1), on=dt.date(2026, 6, 10),
        reason="Propos appelant à la haine lors d'un atelier public.", actor=world["agent"])
    return convention, recovery


def build_withdrawal_notice(world):
    convention, _recovery = _cer_withdrawal(world)
    return convention_pdf(convention, "withdrawal_notice")


def build_recovery_decision(world):
    convention, recovery = _cer_withdrawal(world)
    services.recovery_decide(recovery=recovery, amount=recovery.amount,
                             reasons="Les faits sont établis et n'ont pas été contestés.",
                             on=dt.date(2026, 7, 20), actor=world["agent"])
    return convention_pdf(convention, "recovery_decision")


def build_repayment_breach(world):
    """A repayment started by hand for a breach of the convention, outside any report."""
    convention = signed_convention(world, Decimal("40000"))
    advance = convention.years.get().lines.order_by("position").first()
    services.payment_record(line=advance, paid_on=dt.date(2026, 4, 10),
                            mandate_reference="M-1", actor=world["agent"])
    services.repayment_request(
        convention=convention, ground="breach", amount="6000", on=dt.date(2026, 9, 15),
        reason="Les deux récoltes partagées n'ont pas eu lieu et les achats de semences "
               "n'ont pas été faits.", actor=world["agent"])
    return convention_pdf(convention, "repayment")


def build_receipt(world):
    from funds.models import ApplicationVersion
    from funds.services import application_submit
    from funds.services.applications import application_receipt_generate
    from tests.factories import MembershipFactory

    world["call"].opens_on = dt.date(2027, 1, 15)
    world["call"].closes_on = dt.date(2027, 3, 15)
    world["call"].save()
    application = ApplicationFactory(
        call=world["call"], organisation=world["organisation"],
        applicant=UserFactory(email="tresoriere@jardins.test", first_name="Anne",
                              last_name="Le Goff"),
        title="Jardins nourriciers de Kervénanec", start_date=dt.date(2027, 4, 1),
        end_date=dt.date(2027, 11, 30), summary="Douze ateliers de jardinage.")
    MembershipFactory(user=application.applicant, organisation=application.organisation)
    application_submit(application=application, user=application.applicant)
    version = ApplicationVersion.objects.get(application=application)
    application_receipt_generate(version_id=version.pk)
    version.refresh_from_db()
    return version.receipt.read(), {application.reference: "<DOSSIER>"}


def build_attestation(world):
    from tests.factories import member_of
    from tests.volunteering.factories import EntryFactory, VolunteerFactory
    from volunteering import services as volunteering
    from volunteering.models import VolunteerAttestation

    organisation = world["organisation"]
    anne = VolunteerFactory(organisation=organisation, name="Anne B.")
    yann = VolunteerFactory(organisation=organisation, name="Yann K.")
    EntryFactory(volunteer=anne, date=dt.date(2026, 3, 1), hours=Decimal("3"),
                 activity="animation", validated=True, project_reference="P1")
    EntryFactory(volunteer=yann, date=dt.date(2026, 11, 1), hours=Decimal("2.5"),
                 activity="travaux", validated=True, project_reference="P1")
    attestation = volunteering.attestation_request(organisation=organisation, year=2026,
                                                   project_reference="P1",
                                                   actor=member_of(organisation))
    volunteering.attestation_generate(attestation_id=attestation.pk)
    attestation = VolunteerAttestation.objects.get(pk=attestation.pk)
    return attestation.file.read(), {}


def build_scorecard(world):
    from dashboard import services as dashboard

    signed_convention(world, Decimal("40000"))
    document = dashboard.scorecard_document_request(year=2026, actor=world["agent"])
    dashboard.scorecard_document_render(document_id=document.pk)
    document.refresh_from_db()
    return document.file.read(), {}


BUILDERS = {"convention": build_convention, "notification": build_notification,
            "amendment": build_amendment, "repayment": build_repayment,
            "repayment_breach": build_repayment_breach, "receipt": build_receipt, "attestation": build_attestation,
            "scorecard": build_scorecard, "withdrawal_notice": build_withdrawal_notice,
            "recovery_decision": build_recovery_decision}
# The first words of each signature block ("Fait à …" or the signatory, when the letter is
# dated at its top): they must never open a page on their own.
CLOSINGS = {"convention": "Fait à Lorient", "notification": "Fait à Lorient",
            "amendment": "Fait à Lorient", "repayment": "Fabrice Loher",
            "repayment_breach": "Fabrice Loher",
            "receipt": "Ce récépissé atteste", "attestation": "Fait à Lorient",
            "scorecard": None, "withdrawal_notice": "Vous pouvez présenter vos observations",
            "recovery_decision": "Décide :"}


def pages_text(content: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(content))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def normalise(text: str, replacements: dict) -> str:
    for value, placeholder in replacements.items():
        text = text.replace(value, placeholder)
    text = text.replace("\u202f", " ").replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text).strip()


def closing_starts_a_page(pages: list[str], closing: str) -> bool:
    """True when the page holding the closing block has nothing before it but the running
    header (the document reference and page number)."""
    for text in pages:
        if closing in text:
            before = text[:text.index(closing)]
            before = re.sub(r"Page \d+ sur \d+", "", before)
            return len(before.strip()) < 80
    raise AssertionError(f"closing block « {closing} » not found")


@pytest.mark.parametrize("kind", list(BUILDERS))
def test_document_text_is_the_approved_one_and_signatures_stay_with_their_text(world, kind):
    content, replacements = BUILDERS[kind](world)
    if os.environ.get("PDF_DIR"):
        Path(os.environ["PDF_DIR"], f"{kind}.pdf").write_bytes(content)
    pages = pages_text(content)
    text = normalise("\n".join(pages), replacements)
    golden = GOLDEN / f"{kind}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        # One line per page, for a readable diff.
        golden.write_text("\n".join(normalise(page, replacements) for page in pages) + "\n",
                          encoding="utf-8")
    assert text == normalise(golden.read_text(encoding="utf-8"), {})
    if CLOSINGS[kind]:
        assert not closing_starts_a_page(pages, CLOSINGS[kind]), kind
    # French notation everywhere, no leftovers of the engine's vocabulary.
    assert not re.search(r"\d+\.\d{2} ?€", text) and "percentile_cont" not in text


# Signed after they are produced: the date of signature is left to the signatories.
SIGNED_LATER = {"convention", "amendment", "notification"}


@pytest.mark.parametrize("kind", sorted(set(BUILDERS) - SIGNED_LATER))
def test_a_letter_dated_by_the_authority_leaves_no_blank_to_fill(world, kind):
    content, replacements = BUILDERS[kind](world)
    text = normalise("\n".join(pages_text(content)), replacements)
    assert "……" not in text, kind


def test_the_decision_is_made_at_the_authority_s_city_on_its_date(world):
    content, replacements = build_recovery_decision(world)
    text = normalise("\n".join(pages_text(content)), replacements)
    assert "Fait à Lorient, le 20/07/2026." in text
    assert text.count("20/07/2026") == 1


def test_the_withdrawal_notice_states_the_breach_once(world):
    content, replacements = build_withdrawal_notice(world)
    text = normalise("\n".join(pages_text(content)), replacements)
    assert text.count("01/06/2026") == 1
    assert text.count("Propos appelant à la haine lors d'un atelier public") == 1
    assert text.count("Manquement au contrat d'engagement républicain") == 0
    assert "souscrit le contrat d'engagement républicain le 02/02/2026" in text


def test_the_page_break_check_sees_a_lonely_signature():
    assert closing_starts_a_page(["Article 16 texte " * 10, "Page 2 sur 2 Fait à Lorient, le"],
                                 "Fait à Lorient")
    assert not closing_starts_a_page(["Article 16 texte " * 10 + "Fait à Lorient, le"],
                                     "Fait à Lorient")
