import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from conventions import services
from conventions.models import (
    ConventionStatus,
    DocumentStatus,
    LineKind,
    PaymentStatus,
    ReportStatus,
    YearStatus,
)

from .factories import BALANCED_REPORT, make_convention

pytestmark = pytest.mark.django_db


def test_create_builds_one_tranche_per_year_with_exact_schedules(authority, organisation, agent):
    convention = make_convention(authority=authority, organisation=organisation, agent=agent,
                                 amounts=[Decimal("30000.01"), Decimal("25000"), Decimal("1")])
    years = list(convention.years.order_by("year"))
    assert [y.year for y in years] == [2026, 2027, 2028]
    for year in years:
        assert sum(line.amount for line in year.lines.all()) == year.planned_amount
    assert years[0].lines.get(kind=LineKind.ADVANCE).amount == Decimal("15000.01")
    assert years[1].lines.get(kind=LineKind.BALANCE).waits_for_report
    assert not years[0].lines.get(kind=LineKind.BALANCE).waits_for_report
    assert convention.reference.startswith("CONV-2026-")


def test_create_refuses_wrong_number_of_amounts(authority, organisation, agent):
    with pytest.raises(ValidationError) as exc:
        make_convention(authority=authority, organisation=organisation, agent=agent,
                        amounts=[Decimal("1000")])
    assert "chacune des 3 années" in str(exc.value)


def test_beyond_recommended_years_warns_and_beyond_max_refuses(authority, organisation, agent):
    convention = make_convention(authority=authority, organisation=organisation, agent=agent,
                                 end=dt.date(2030, 12, 31), amounts=[Decimal("1000")] * 5)
    assert convention.warnings
    with pytest.raises(ValidationError):
        make_convention(authority=authority, organisation=organisation, agent=agent,
                        end=dt.date(2033, 12, 31), amounts=[Decimal("1000")] * 8)


def test_sign_refuses_missing_clauses(authority, organisation, agent):
    convention = make_convention(authority=authority, organisation=organisation, agent=agent,
                                 evaluation_terms="")
    with pytest.raises(ValidationError) as exc:
        services.convention_transition(convention=convention, to=ConventionStatus.SENT,
                                       actor=agent)
    assert "contrôle et d'évaluation" in str(exc.value)
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.DRAFT


def test_signature_sets_open_data_deadline_and_freezes_document(authority, organisation, agent,
                                                                django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        convention = make_convention(authority=authority, organisation=organisation, agent=agent,
                                     signed=True)
    assert convention.open_data_deadline == dt.date(2026, 4, 15)
    document = convention.documents.get(kind="convention")
    assert document.signed and document.status == DocumentStatus.READY
    assert len(document.sha256) == 64


def test_no_payment_on_unconfirmed_year(authority, organisation, agent):
    convention = make_convention(authority=authority, organisation=organisation, agent=agent,
                                 signed=True)
    line = convention.years.get(year=2026).lines.get(kind=LineKind.ADVANCE)
    with pytest.raises(ValidationError) as exc:
        services.payment_record(line=line, paid_on=dt.date(2026, 2, 1), mandate_reference="M1",
                                actor=agent)
    assert "non confirmée" in str(exc.value)
    assert not line.payments.exists()


def test_advance_due_is_later_of_31_march_and_delay(authority, organisation, agent):
    convention = make_convention(authority=authority, organisation=organisation, agent=agent,
                                 confirmed=True, confirmed_on=dt.date(2026, 3, 20))
    advance = convention.years.get(year=2026).lines.get(kind=LineKind.ADVANCE)
    assert advance.trigger_date == dt.date(2026, 3, 20)
    assert advance.planned_date == dt.date(2026, 4, 19)
    assert advance.due_by == dt.date(2026, 4, 19)


def test_full_year_flow_with_repayment(authority, organisation, agent, member):
    convention = make_convention(authority=authority, organisation=organisation, agent=agent,
                                 confirmed=True, keep_rule_rate=Decimal("0.10"))
    year = convention.years.get(year=2026)
    assert convention.status == ConventionStatus.ACTIVE
    for line in year.lines.order_by("position"):
        services.payment_record(line=line, paid_on=line.planned_date, mandate_reference=f"M{line.pk}",
                                actor=agent)
    year.refresh_from_db()
    assert year.status == YearStatus.PAID
    report = year.report
    assert report.due_date == dt.date(2027, 6, 30)
    services.report_submit(report=report, budget_lines=BALANCED_REPORT, subsidy_used="24000",
                           qualitative_report="Bilan", actor=member, on=dt.date(2027, 1, 15))
    services.report_review(report=report, approve=True, actor=agent, on=dt.date(2027, 5, 2))
    report.refresh_from_db()
    year.refresh_from_db()
    assert report.unspent_amount == Decimal("6000.00")
    assert report.repayment_amount == Decimal("3000.00")
    assert year.status == YearStatus.CLOSED
    assert convention.documents.filter(kind="repayment").exists()
    with pytest.raises(ValidationError) as exc:
        services.report_submit(report=report, budget_lines=BALANCED_REPORT, subsidy_used="1",
                               qualitative_report="x", actor=member)
    assert "ne peut plus être modifié" in str(exc.value)


def test_balance_waits_for_previous_report(authority, organisation, agent, member, time_machine):
    time_machine.move_to(dt.datetime(2027, 5, 2, 10, 0), tick=False)
    convention = make_convention(authority=authority, organisation=organisation, agent=agent,
                                 confirmed=True)
    y2 = convention.years.get(year=2027)
    services.convention_year_confirm(year=y2, amount=Decimal("30000"), vote_reference="BP 2027",
                                     vote_date=dt.date(2027, 1, 10), actor=agent,
                                     on=dt.date(2027, 1, 10))
    balance = y2.lines.get(kind=LineKind.BALANCE)
    assert balance.trigger_date is None and balance.due_by is None
    with pytest.raises(ValidationError):
        services.payment_order(line=balance, ordered_on=dt.date(2027, 10, 1),
                               mandate_reference="M", actor=agent)
    report = convention.years.get(year=2026).report
    services.report_submit(report=report, budget_lines=BALANCED_REPORT, subsidy_used="30000",
                           qualitative_report="Bilan", actor=member, on=dt.date(2027, 1, 15))
    services.report_review(report=report, approve=True, actor=agent, on=dt.date(2027, 5, 2))
    balance.refresh_from_db()
    assert balance.trigger_date == dt.date(2027, 9, 30)
    assert balance.due_by == dt.date(2027, 11, 29)


def test_report_rejects_unbalanced_budget(authority, organisation, agent, member):
    convention = make_convention(authority=authority, organisation=organisation, agent=agent,
                                 confirmed=True)
    report = convention.years.get(year=2026).report
    with pytest.raises(ValidationError) as exc:
        services.report_submit(report=report, budget_lines=BALANCED_REPORT[:2],
                               subsidy_used="1000", qualitative_report="x", actor=member)
    assert "équilibré" in str(exc.value)
    report.refresh_from_db()
    assert report.status == ReportStatus.EXPECTED


def test_changes_requested_needs_comment_then_resubmit(authority, organisation, agent, member):
    convention = make_convention(authority=authority, organisation=organisation, agent=agent,
                                 confirmed=True)
    report = convention.years.get(year=2026).report
    services.report_submit(report=report, budget_lines=BALANCED_REPORT, subsidy_used="30000",
                           qualitative_report="Bilan", actor=member, on=dt.date(2027, 1, 15))
    with pytest.raises(ValidationError):
        services.report_review(report=report, approve=False, actor=agent)
    services.report_review(report=report, approve=False, actor=agent, comment="Joindre les comptes")
    report.refresh_from_db()
    assert report.status == ReportStatus.CHANGES_REQUESTED
    services.report_submit(report=report, budget_lines=BALANCED_REPORT, subsidy_used="30000",
                           qualitative_report="Bilan complété", actor=member,
                           on=dt.date(2027, 1, 20))
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_amendment_cannot_go_below_paid_and_applies_when_signed(authority, organisation, agent):
    convention = make_convention(authority=authority, organisation=organisation, agent=agent,
                                 confirmed=True)
    year = convention.years.get(year=2026)
    advance = year.lines.get(kind=LineKind.ADVANCE)
    services.payment_record(line=advance, paid_on=dt.date(2026, 3, 1), mandate_reference="M1",
                            actor=agent)
    with pytest.raises(ValidationError) as exc:
        services.amendment_create(convention=convention, reason="Baisse",
                                  new_amounts={2026: "10000"}, actor=agent,
                                  decision_reference="DEL-2026-040",
                                  decision_date=dt.date(2026, 5, 20))
    assert "déjà mandatés" in str(exc.value)
    amendment = services.amendment_create(convention=convention, reason="Hausse",
                                          new_amounts={2026: "40000"},
                                          new_end_date=dt.date(2029, 12, 31), actor=agent,
                                          decision_reference="DEL-2026-040",
                                          decision_date=dt.date(2026, 5, 20))
    year.refresh_from_db()
    assert year.confirmed_amount == Decimal("30000.00")
    services.amendment_transition(amendment=amendment, to="sent", actor=agent,
                                  on=dt.date(2026, 5, 25))
    assert convention.documents.filter(kind="amendment").exists()
    year.refresh_from_db()
    assert year.confirmed_amount == Decimal("30000.00")
    services.amendment_transition(amendment=amendment, to="signed", actor=agent,
                                  on=dt.date(2026, 6, 1))
    year.refresh_from_db()
    assert year.confirmed_amount == Decimal("40000.00")
    assert sum(line.amount for line in year.lines.all()) == Decimal("40000.00")
    assert convention.years.filter(year=2029).exists()
    assert convention.documents.filter(kind="amendment").exists()


def test_schedule_update_keeps_sum_and_order(authority, organisation, agent):
    from conventions.rules import ScheduleItem

    convention = make_convention(authority=authority, organisation=organisation, agent=agent)
    year = convention.years.get(year=2026)
    with pytest.raises(ValidationError) as exc:
        services.schedule_update(year=year, actor=agent, items=[
            ScheduleItem("advance", Decimal("10000"), dt.date(2026, 3, 31)),
            ScheduleItem("balance", Decimal("10000"), dt.date(2026, 9, 30))])
    assert "somme doit être exacte" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        services.schedule_update(year=year, actor=agent, items=[
            ScheduleItem("advance", Decimal("10000"), dt.date(2026, 9, 30)),
            ScheduleItem("balance", Decimal("20000"), dt.date(2026, 3, 31))])
    assert "ordre" in str(exc.value)
    services.schedule_update(year=year, actor=agent, items=[
        ScheduleItem("advance", Decimal("10000"), dt.date(2026, 3, 31)),
        ScheduleItem("instalment", Decimal("10000"), dt.date(2026, 6, 30)),
        ScheduleItem("balance", Decimal("10000"), dt.date(2026, 9, 30))])
    assert year.lines.count() == 3


def test_payment_states_and_history(authority, organisation, agent):
    convention = make_convention(authority=authority, organisation=organisation, agent=agent,
                                 confirmed=True)
    line = convention.years.get(year=2026).lines.get(kind=LineKind.ADVANCE)
    payment = services.payment_order(line=line, ordered_on=dt.date(2026, 2, 1),
                                     mandate_reference="M-1", actor=agent)
    with pytest.raises(ValidationError):
        services.payment_order(line=line, ordered_on=dt.date(2026, 2, 1),
                               mandate_reference="M-2", actor=agent)
    services.payment_transition(payment=payment, to=PaymentStatus.PAID,
                                paid_on=dt.date(2026, 2, 10), actor=agent)
    payment.refresh_from_db()
    assert payment.history.count() == 2
    assert payment.status == PaymentStatus.PAID


def test_award_defaults_fill_convention_create(authority, organisation, agent):
    from types import SimpleNamespace

    from backoffice.core.budget import BudgetLine

    award = SimpleNamespace(
        authority=authority, organisation=organisation, amount=Decimal("24000.00"),
        nature="fonctionnement", budget_imputation="6574", deliberation_reference="D-12",
        deliberation_date=dt.date(2026, 2, 1),
        application=SimpleNamespace(title="Jardins partagés", start_date=dt.date(2026, 3, 1),
                                    end_date=dt.date(2027, 12, 31)))
    lines = [BudgetLine("74", Decimal("24000"), funder="commune", status="requested",
                        is_this_authority=True),
             BudgetLine("74", Decimal("5000"), funder="region", status="obtained"),
             BudgetLine("864", Decimal("3000")), BudgetLine("870", Decimal("3000"))]
    defaults = services.award_convention_defaults(award, budget_lines=lines)
    # The award is the project's total: 306 days in 2026, 365 in 2027, summing to the cent.
    assert defaults["yearly_amounts"] == [Decimal("10944.86"), Decimal("13055.14")]
    assert sum(defaults["yearly_amounts"]) == award.amount
    assert defaults["cofinancing"] == [{"funder": "Région", "amount": "5000",
                                        "status": "obtained"}]
    assert defaults["volunteering_planned"] == Decimal("3000")
    convention = services.convention_create(actor=agent, conditions_of_use="x",
                                            evaluation_terms="y", keep_rule_text="z", **defaults)
    assert convention.years.count() == 2 and convention.decision_reference == "D-12"
