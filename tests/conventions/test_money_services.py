"""Money services at their edges: repayment of money paid, signed amounts, dates, cancelled
payment orders. Every refusal is a French message naming the rule and the way forward."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError

from backoffice.core.models import AuditEvent
from conventions import services
from conventions.models import (
    Convention,
    LineKind,
    Payment,
    PaymentStatus,
    ReportStatus,
    YearStatus,
)

from .factories import BALANCED_REPORT, make_convention

pytestmark = pytest.mark.django_db


def _messages(exc) -> str:
    return " ".join(exc.value.messages)


@pytest.fixture
def active(authority, organisation, agent):
    """Signed on 15/01/2026, 2026 confirmed at 30 000 € (advance 15 000 €, balance 15 000 €)."""
    return make_convention(authority=authority, organisation=organisation, agent=agent,
                           confirmed=True, keep_rule_rate=Decimal("0"))


def _pay(line, agent, on=None):
    return services.payment_record(line=line, paid_on=on or line.planned_date,
                                   mandate_reference=f"M{line.pk}", actor=agent)


# 1. Repayment of money paid (CGCT L1611-4) ------------------------------------------------

def test_repayment_claims_only_what_was_paid_beyond_use_and_cancels_the_balance(
        active, agent, member):
    year = active.years.get(year=2026)
    _pay(year.lines.get(kind=LineKind.ADVANCE), agent)
    report = year.report
    services.report_submit(report=report, budget_lines=BALANCED_REPORT, subsidy_used="10000",
                           qualitative_report="Bilan", actor=member, on=dt.date(2027, 1, 15))
    services.report_review(report=report, approve=True, actor=agent, on=dt.date(2027, 2, 1))
    report.refresh_from_db()
    year.refresh_from_db()
    assert report.repayment_amount == Decimal("5000.00")   # not 20 000 computed on the grant
    assert report.unspent_amount == Decimal("20000.00")
    assert not year.lines.filter(kind=LineKind.BALANCE).exists()
    assert year.withdrawn_amount == Decimal("15000.00") and year.amount == Decimal("15000.00")
    assert sum(line.amount for line in year.lines.all()) == year.amount
    assert year.status == YearStatus.CLOSED
    assert AuditEvent.objects.filter(event="schedule_reduced").exists()


def test_repayment_reduces_the_balance_without_claim_when_use_exceeds_payments(
        active, agent, member):
    year = active.years.get(year=2026)
    _pay(year.lines.get(kind=LineKind.ADVANCE), agent)
    report = year.report
    services.report_submit(report=report, budget_lines=BALANCED_REPORT, subsidy_used="22000",
                           qualitative_report="Bilan", actor=member, on=dt.date(2027, 1, 15))
    services.report_review(report=report, approve=True, actor=agent, on=dt.date(2027, 2, 1))
    report.refresh_from_db()
    year.refresh_from_db()
    assert report.repayment_amount == Decimal("0.00")
    assert year.lines.get(kind=LineKind.BALANCE).amount == Decimal("7000.00")
    assert year.status == YearStatus.CONFIRMED
    assert not active.documents.filter(kind="repayment").exists()


# 5. Amounts never exceed what was signed ---------------------------------------------------

def test_confirmation_above_the_signed_amount_is_refused(authority, organisation, agent):
    convention = make_convention(authority=authority, organisation=organisation, agent=agent,
                                 signed=True)
    year = convention.years.get(year=2026)
    with pytest.raises(ValidationError) as exc:
        services.convention_year_confirm(year=year, amount=Decimal("35000"),
                                         vote_reference="BP 2026", vote_date=dt.date(2026, 1, 20),
                                         actor=agent, on=dt.date(2026, 1, 20))
    assert exc.value.message_dict["amount"] == [
        "Le montant confirmé (35\u202f000,00\u00a0€) dépasse le montant signé "
        "(30\u202f000,00\u00a0€) : passez par un avenant."]
    year.refresh_from_db()
    assert year.status == YearStatus.PLANNED and year.confirmed_amount is None


def test_confirmation_refusals(authority, organisation, agent):
    draft = make_convention(authority=authority, organisation=organisation, agent=agent)
    with pytest.raises(ValidationError) as exc:
        services.convention_year_confirm(year=draft.years.first(), amount="1",
                                         vote_reference="BP", vote_date=dt.date(2026, 1, 2),
                                         actor=agent)
    assert "Seule une convention signée" in _messages(exc)
    convention = make_convention(authority=authority, organisation=organisation, agent=agent,
                                 signed=True)
    year = convention.years.get(year=2026)
    cases = [({"amount": "abc"}, "amount", "Montant illisible."),
             ({"amount": "-1"}, "amount", "ne peut pas être négatif"),
             ({"vote_reference": " "}, "vote_reference", "référence et la date du vote"),
             ({"vote_date": dt.date(2099, 1, 1)}, "vote_date", "est dans le futur"),
             ({"vote_date": dt.date(2026, 2, 1)}, "vote_date",
              "La date de confirmation (20/01/2026) précède le vote du budget (01/02/2026)"),
             ({"on": dt.date(2099, 1, 1), "vote_date": dt.date(2026, 1, 2)}, "on",
              "dans le futur")]
    for change, field, text in cases:
        kwargs = {"year": year, "amount": "30000", "vote_reference": "BP 2026",
                  "vote_date": dt.date(2026, 1, 20), "actor": agent, "on": dt.date(2026, 1, 20),
                  **change}
        with pytest.raises(ValidationError) as exc:
            services.convention_year_confirm(**kwargs)
        assert text in " ".join(exc.value.message_dict[field]), change


def _amend(convention, agent, **kwargs):
    options = {"reason": "Hausse", "new_amounts": {2027: "36000"},
               "decision_reference": "DEL-2026-050", "decision_date": dt.date(2026, 3, 2),
               **kwargs}
    return services.amendment_create(convention=convention, actor=agent, **options)


def test_amendment_has_its_deliberation_is_sent_then_signed(active, agent,
                                                           django_capture_on_commit_callbacks):
    for change, field, text in [
            ({"decision_reference": ""}, "decision_reference", "CGCT L2311-7"),
            ({"decision_date": None}, "decision_date", "CGCT L2311-7"),
            ({"decision_date": dt.date(2099, 1, 1)}, "decision_date", "dans le futur"),
            ({"decision_date": dt.date(2026, 1, 2)}, "decision_date",
             "un avenant modifie une convention déjà signée")]:
        with pytest.raises(ValidationError) as exc:
            _amend(active, agent, **change)
        assert text in " ".join(exc.value.message_dict[field])
    with pytest.raises(ValidationError) as exc:
        _amend(active, agent, reason=" ")
    assert "motif" in _messages(exc)
    with pytest.raises(ValidationError) as exc:
        _amend(active, agent, new_amounts={})
    assert "ne change rien" in _messages(exc)
    with pytest.raises(ValidationError) as exc:
        _amend(active, agent, new_amounts={"x": "1"})
    assert "illisible" in _messages(exc)
    with pytest.raises(ValidationError) as exc:
        _amend(active, agent, new_amounts={2031: "1"})
    assert "hors de la durée" in _messages(exc)
    with pytest.raises(ValidationError) as exc:
        _amend(active, agent, new_amounts={2027: "-1"})
    assert "négatif" in _messages(exc)
    with pytest.raises(ValidationError) as exc:
        _amend(active, agent, new_end_date=dt.date(2025, 1, 1))
    assert "précède le début" in _messages(exc)
    with pytest.raises(ValidationError) as exc:
        _amend(active, agent, new_end_date=dt.date(2040, 1, 1))
    assert "au plus" in _messages(exc)

    amendment = _amend(active, agent)
    with pytest.raises(ValidationError) as exc:
        services.amendment_transition(amendment=amendment, to="signed", actor=agent,
                                      on=dt.date(2026, 4, 1))
    assert "Envoyez d'abord l'avenant pour signature" in _messages(exc)
    with django_capture_on_commit_callbacks(execute=True):
        services.amendment_transition(amendment=amendment, to="sent", actor=agent,
                                      on=dt.date(2026, 3, 5))
    document = active.documents.get(kind="amendment")
    assert document.status == "ready" and not document.signed
    assert active.years.get(year=2027).planned_amount == Decimal("30000.00")
    with pytest.raises(ValidationError) as exc:
        services.amendment_transition(amendment=amendment, to="signed", actor=agent,
                                      on=dt.date(2099, 1, 1))
    assert "dans le futur" in " ".join(exc.value.message_dict["signed_on"])
    with pytest.raises(ValidationError) as exc:
        services.amendment_transition(amendment=amendment, to="signed", actor=agent,
                                      on=dt.date(2026, 3, 1))
    assert "CGCT L2311-7" in " ".join(exc.value.message_dict["signed_on"])
    services.amendment_transition(amendment=amendment, to="signed", actor=agent,
                                  on=dt.date(2026, 4, 1))
    assert active.years.get(year=2027).planned_amount == Decimal("36000.00")
    document.refresh_from_db()
    assert document.signed


def test_amendment_on_a_draft_convention_is_refused(authority, organisation, agent):
    draft = make_convention(authority=authority, organisation=organisation, agent=agent)
    with pytest.raises(ValidationError) as exc:
        _amend(draft, agent)
    assert "Seule une convention signée" in _messages(exc)


# 6. Dates make sense -----------------------------------------------------------------------

def _sign(convention, agent, on):
    services.convention_transition(convention=convention, to="sent", actor=agent,
                                   on=dt.date(2026, 1, 2))
    services.convention_transition(convention=convention, to="signed", actor=agent, on=on,
                                   authority_signatory="Marie Le Du",
                                   organisation_signatory="Loïc Le Pape")


def test_signature_in_the_future_is_refused(authority, organisation, agent):
    convention = make_convention(authority=authority, organisation=organisation, agent=agent)
    with pytest.raises(ValidationError) as exc:
        _sign(convention, agent, dt.date(2099, 1, 1))
    assert exc.value.message_dict["signed_on"] == [
        "La date de signature (01/01/2099) est dans le futur : enregistrez l'acte une fois "
        "accompli."]
    assert Convention.objects.get(pk=convention.pk).status == "sent"


def test_signature_before_its_deliberation_is_refused(authority, organisation, agent):
    convention = make_convention(authority=authority, organisation=organisation, agent=agent,
                                 decision_date=dt.date(2026, 2, 1))
    with pytest.raises(ValidationError) as exc:
        _sign(convention, agent, dt.date(2026, 1, 15))
    assert exc.value.message_dict["signed_on"] == [
        "La date de signature (15/01/2026) précède la délibération (01/02/2026) : la convention "
        "se signe après la délibération qui l'approuve (CGCT L2311-7)."]


def test_signature_before_the_cer_acceptance_is_refused(authority, organisation, agent):
    from django.utils import timezone

    organisation.cer_accepted_at = timezone.make_aware(dt.datetime(2026, 1, 20, 9))
    organisation.save()
    convention = make_convention(authority=authority, organisation=organisation, agent=agent)
    with pytest.raises(ValidationError) as exc:
        _sign(convention, agent, dt.date(2026, 1, 15))
    assert "loi 2021-1109" in exc.value.message_dict["signed_on"][0]


def test_a_convention_without_its_deliberation_cannot_be_sent(authority, organisation, agent):
    convention = make_convention(authority=authority, organisation=organisation, agent=agent,
                                 decision_reference="")
    with pytest.raises(ValidationError) as exc:
        services.convention_transition(convention=convention, to="sent", actor=agent)
    assert "la référence et la date de la délibération" in _messages(exc)


def test_payment_dates_in_the_future_or_before_signature_are_refused(active, agent):
    line = active.years.get(year=2026).lines.get(kind=LineKind.ADVANCE)
    with pytest.raises(ValidationError) as exc:
        services.payment_order(line=line, ordered_on=dt.date(2099, 1, 1),
                               mandate_reference="M", actor=agent)
    assert "La date du mandat (01/01/2099) est dans le futur" in _messages(exc)
    with pytest.raises(ValidationError) as exc:
        services.payment_order(line=line, ordered_on=dt.date(2026, 1, 10),
                               mandate_reference="M", actor=agent)
    assert "un mandat suit la signature" in _messages(exc)
    with pytest.raises(ValidationError) as exc:
        services.payment_order(line=line, ordered_on=dt.date(2026, 2, 1),
                               mandate_reference=" ", actor=agent)
    assert "référence du mandat" in _messages(exc)
    with pytest.raises(ValidationError) as exc:
        services.payment_order(line=line, ordered_on=None, mandate_reference="M", actor=agent)
    assert "date du mandat" in _messages(exc)
    payment = services.payment_order(line=line, ordered_on=dt.date(2026, 2, 1),
                                     mandate_reference="M", actor=agent)
    with pytest.raises(ValidationError) as exc:
        services.payment_order(line=line, ordered_on=dt.date(2026, 2, 1),
                               mandate_reference="M2", actor=agent)
    assert "déjà un mandat en cours" in _messages(exc)
    for paid_on, text in [(None, "Indiquez la date du versement"),
                          (dt.date(2026, 1, 31), "ne peut pas précéder le mandat"),
                          (dt.date(2099, 1, 1), "La date du versement (01/01/2099) est dans le "
                                                "futur")]:
        with pytest.raises(ValidationError) as exc:
            services.payment_transition(payment=payment, to=PaymentStatus.PAID, paid_on=paid_on,
                                        actor=agent)
        assert text in _messages(exc)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.ORDERED and payment.paid_on is None


def test_payment_order_refusals_on_unsigned_and_waiting_lines(authority, organisation, agent):
    draft = make_convention(authority=authority, organisation=organisation, agent=agent)
    with pytest.raises(ValidationError) as exc:
        services.payment_order(line=draft.years.first().lines.first(),
                               ordered_on=dt.date(2026, 2, 1), mandate_reference="M", actor=agent)
    assert "pas signée" in _messages(exc)


# 8. Cancelling a wrong payment order -------------------------------------------------------

def test_cancel_a_wrong_order_keeps_its_history_and_the_schedule_exact(active, agent):
    year = active.years.get(year=2026)
    advance = year.lines.get(kind=LineKind.ADVANCE)
    payment = services.payment_order(line=advance, ordered_on=dt.date(2026, 2, 1),
                                     mandate_reference="M-FAUX", actor=agent)
    with pytest.raises(ValidationError) as exc:
        services.payment_cancel(payment=payment, reason=" ", actor=agent)
    assert "pourquoi le mandat est annulé" in _messages(exc)
    services.payment_cancel(payment=payment, reason="Mauvais RIB", actor=agent)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELLED
    assert AuditEvent.objects.filter(event="payment_cancelled",
                                     message__contains="Mauvais RIB").exists()
    # An amendment afterwards rebuilds the schedule without deleting the line (no 500).
    amendment = _amend(active, agent, new_amounts={2026: "28000"})
    services.amendment_transition(amendment=amendment, to="sent", actor=agent,
                                  on=dt.date(2026, 3, 5))
    services.amendment_transition(amendment=amendment, to="signed", actor=agent,
                                  on=dt.date(2026, 3, 6))
    year.refresh_from_db()
    assert Payment.objects.get(pk=payment.pk).line_id == advance.pk
    assert sum(line.amount for line in year.lines.all()) == year.amount == Decimal("28000.00")
    # The line can be ordered again and paid; a paid payment is never cancelled.
    advance.refresh_from_db()
    new = services.payment_record(line=advance, paid_on=dt.date(2026, 4, 1),
                                  mandate_reference="M-BON", actor=agent)
    assert advance.payments.count() == 2
    with pytest.raises(ValidationError) as exc:
        services.payment_cancel(payment=new, reason="Erreur", actor=agent)
    assert "demandez un reversement" in _messages(exc)
    with pytest.raises(ProtectedError):
        advance.delete()


def test_schedule_generate_keeps_a_line_whose_only_order_was_cancelled(active, agent):
    from conventions.services.schedule import schedule_generate

    year = active.years.get(year=2026)
    advance = year.lines.get(kind=LineKind.ADVANCE)
    payment = services.payment_order(line=advance, ordered_on=dt.date(2026, 2, 1),
                                     mandate_reference="M", actor=agent)
    services.payment_cancel(payment=payment, reason="Doublon", actor=agent)
    schedule_generate(year=year)
    assert year.lines.filter(pk=advance.pk).exists()
    assert sum(line.amount for line in year.lines.all()) == year.amount


def test_report_and_amendment_refuse_to_drop_a_tranche_with_payments(active, agent):
    year = active.years.get(year=2026)
    _pay(year.lines.get(kind=LineKind.ADVANCE), agent)
    with pytest.raises(ValidationError) as exc:
        _amend(active, agent, new_amounts={2026: "1000"})
    assert "déjà mandatés ou versés" in _messages(exc)
    assert year.report.status == ReportStatus.EXPECTED


# Every refusal of the money services, with its French message --------------------------

def test_convention_create_refusals(authority, organisation, agent):
    base = dict(authority=authority, organisation=organisation, object="Objet", actor=agent,
                nature="fonctionnement", start_date=dt.date(2026, 1, 1),
                end_date=dt.date(2026, 12, 31), yearly_amounts=["1000"])
    for change, field, text in [
            ({"end_date": dt.date(2025, 12, 31)}, "end_date", "doit suivre la date de début"),
            ({"end_date": dt.date(2033, 12, 31), "yearly_amounts": ["1"] * 8}, "end_date",
             "au plus 6 années"),
            ({"yearly_amounts": ["abc"]}, "yearly_amounts", "illisible"),
            ({"yearly_amounts": ["0"]}, "yearly_amounts", "au moins un n'est pas nul"),
            ({"cofinancing": [{"funder": "Région", "amount": "x"}]}, "cofinancing",
             "montant illisible"),
            ({"cofinancing": [{"funder": "", "amount": "10"}]}, "cofinancing",
             "indiquez le financeur"),
            ({"cofinancing": [{"funder": "Région", "amount": "10", "status": "peut-être"}]},
             "cofinancing", "« demandé » ou « obtenu »")]:
        with pytest.raises(ValidationError) as exc:
            services.convention_create(**{**base, **change})
        assert text in " ".join(exc.value.message_dict[field]), change
    assert not Convention.objects.exists()


def test_transition_refusals(authority, organisation, agent):
    convention = make_convention(authority=authority, organisation=organisation, agent=agent)
    services.convention_transition(convention=convention, to="sent", actor=agent,
                                   on=dt.date(2026, 1, 2))
    with pytest.raises(ValidationError) as exc:
        services.convention_transition(convention=convention, to="signed", actor=agent,
                                       on=dt.date(2026, 1, 15), authority_signatory="A")
    assert "deux signataires" in _messages(exc)
    with pytest.raises(ValidationError) as exc:
        services.convention_transition(convention=convention, to="terminated", actor=agent,
                                       reason=" ")
    assert "motif de la résiliation" in _messages(exc)
    with pytest.raises(ValidationError) as exc:
        services.convention_transition(convention=convention, to="closed", actor=agent)
    assert "Passage impossible de « Envoyée pour signature » à « Clôturée »" in _messages(exc)


def test_payment_and_schedule_refusals(active, agent):
    from conventions.rules import ScheduleItem

    year = active.years.get(year=2026)
    payment = _pay(year.lines.get(kind=LineKind.ADVANCE), agent)
    with pytest.raises(ValidationError) as exc:
        services.payment_transition(payment=payment, to=PaymentStatus.CANCELLED, actor=agent)
    assert "Passage impossible de « Versée » à « Annulée »" in _messages(exc)
    with pytest.raises(ValidationError) as exc:
        services.schedule_update(year=year, actor=agent, items=[
            ScheduleItem("balance", Decimal("30000"), dt.date(2026, 9, 30))])
    assert "modifiez-la par un avenant" in _messages(exc)
    year.confirmed_amount = Decimal("1000")
    from conventions.services.schedule import schedule_generate

    with pytest.raises(ValidationError) as exc:
        schedule_generate(year=year)
    assert "ne peut pas descendre sous les 15\u202f000,00\u00a0€ déjà mandatés" in _messages(exc)


def test_report_submit_refusals(active, member):
    report = active.years.get(year=2026).report
    for change, field, text in [
            ({"subsidy_used": "x"}, "subsidy_used", "Montant illisible"),
            ({"subsidy_used": "30000.01"}, "subsidy_used", "entre 0 et le montant de la tranche"),
            ({"qualitative_report": " "}, "qualitative_report", "obligatoire"),
            ({"budget_lines": []}, "budget_lines", "Le budget réalisé est vide"),
            ({"budget_lines": [{"account": "60", "amount": "x"}]}, "budget_lines",
             "montant illisible")]:
        with pytest.raises(ValidationError) as exc:
            services.report_submit(report=report, actor=member, **{
                "budget_lines": BALANCED_REPORT, "subsidy_used": "100",
                "qualitative_report": "Bilan", **change})
        assert text in " ".join(exc.value.message_dict[field]), change


def test_amendment_cannot_drop_a_tranche_with_a_payment_history(active, agent):
    year = active.years.get(year=2028)
    services.convention_year_confirm(year=year, amount="30000", vote_reference="BP 2028",
                                     vote_date=dt.date(2026, 2, 1), actor=agent,
                                     on=dt.date(2026, 2, 1))
    payment = services.payment_order(line=year.lines.get(kind=LineKind.ADVANCE),
                                     ordered_on=dt.date(2026, 2, 2), mandate_reference="M",
                                     actor=agent)
    services.payment_cancel(payment=payment, reason="Erreur d'année", actor=agent)
    with pytest.raises(ValidationError) as exc:
        _amend(active, agent, new_amounts={}, new_end_date=dt.date(2027, 12, 31))
    assert "La tranche 2028 a déjà des mandats ou des versements" in _messages(exc)
    amendment = _amend(active, agent, new_amounts={2028: "0"})
    assert amendment.new_amounts == {"2028": "0.00"}
