"""Each scorecard and dashboard figure on a small dataset computed by hand."""

import datetime as dt
from decimal import Decimal as D

import pytest

from backoffice.core.choices import Nature
from backoffice.core.models import LegalForm
from conventions.models import ConventionStatus, LineKind, PaymentStatus
from dashboard import rollups, selectors
from funds.models import ApplicationStatus, CallPhase
from tests.factories import OrganisationFactory
from tests.funds.factories import CallFactory, FundFactory
from volunteering.models import EntryStatus

from . import factories as f
from . import oracle

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 22)


def figures(year=2026):
    """The scorecard's figures of ``year`` read from the rollups, checked to be the same as
    those the oracle computes from the source rows."""
    if not rollups.available():
        pytest.skip("the scorecard is read from rollups kept by PostgreSQL triggers")
    data = selectors.scorecard_year(year=year, today=TODAY)
    assert data == oracle.scorecard_year(year=year, today=TODAY)
    return data


def test_no_data_at_all_gives_undefined_shares_not_zero():
    data = figures()
    for key in ("multi_year_share", "advance_share", "on_time_share",
                "operating_engineering_share", "investment_share", "newcomer_share",
                "cofinanced_share", "volunteering_share", "reports_on_time_share"):
        assert data[key] is None, key
    for key in ("advance_median_day", "delay_median", "delay_p90", "decision_median_days"):
        assert data[key] is None, key
    assert data["cpo_count"] == 0
    assert data["envelope"] == D("0.00")
    assert data["volunteer_hours"] == D("0.00")
    page = selectors.dashboard(year=2026, today=TODAY)
    assert page["funds"] == []
    assert page["totals"]["paid"] == D("0.00")
    assert all(m["paid"] == 0 and m["due"] == 0 for m in page["monthly"])
    assert sum(b["count"] for b in page["delays"]) == 0


def test_multi_year_share_and_cpo_count():
    f.convention(start=dt.date(2026, 1, 1), end=dt.date(2028, 12, 31),
                 years={2026: ("30000", "30000"), 2027: ("30000", None)})
    f.convention(years={2026: ("10000", None)})  # one year only, planned amount counts
    f.convention(status=ConventionStatus.DRAFT, end=dt.date(2027, 12, 31),
                 years={2026: ("99999", None)})  # a draft commits nothing
    data = figures()
    assert data["funding_total"] == D("40000.00")
    assert data["multi_year_share"] == D("0.7500")
    assert data["cpo_count"] == 1
    assert figures(2027)["multi_year_share"] == D("1.0000")


def test_a_year_with_only_investment():
    f.convention(nature=Nature.INVESTMENT, years={2026: ("50000", "50000")})
    data = figures()
    assert data["investment_share"] == D("1.0000")
    assert data["operating_engineering_share"] == D("0.0000")
    assert data["project_share"] == D("0.0000")


def test_operating_and_engineering_share():
    f.convention(nature=Nature.OPERATING, years={2026: ("30000", None)})
    f.convention(nature=Nature.ENGINEERING, years={2026: ("10000", None)})
    f.convention(nature=Nature.PROJECT, years={2026: ("20000", None)})
    f.convention(nature=Nature.INVESTMENT, years={2026: ("40000", None)})
    data = figures()
    assert data["operating_engineering_share"] == D("0.4000")
    assert data["investment_share"] == D("0.4000")
    assert data["project_share"] == D("0.2000")


def test_advance_share_and_median_day():
    with_advance = f.convention(years={2026: ("20000", "20000")}).years.get()
    other = f.convention(years={2026: ("20000", "20000")}).years.get()
    late_advance = f.convention(years={2026: ("20000", "20000")}).years.get()
    f.line(other, kind=LineKind.INSTALMENT)
    f.pay(f.line(with_advance, kind=LineKind.ADVANCE, trigger=dt.date(2026, 1, 20)),
          paid_on=dt.date(2026, 3, 1))  # day 60
    f.pay(f.line(late_advance, kind=LineKind.ADVANCE, trigger=dt.date(2026, 1, 20)),
          paid_on=dt.date(2026, 3, 3))  # day 62
    data = figures()
    assert data["advance_share"] == D("0.6667")
    assert data["advance_median_day"] == 61


def test_payment_on_day_60_is_on_time_and_day_61_late():
    year = f.convention(years={2026: ("40000", "40000")}).years.get()
    trigger = dt.date(2026, 2, 1)
    f.pay(f.line(year, trigger=trigger), paid_on=trigger + dt.timedelta(days=60))
    f.pay(f.line(year, trigger=trigger), paid_on=trigger + dt.timedelta(days=61))
    data = figures()
    assert data["paid_count"] == 2
    assert data["on_time_count"] == 1
    assert data["on_time_share"] == D("0.5000")
    assert data["delay_median"] == pytest.approx(60.5)
    buckets = selectors.delay_distribution(year=2026)
    assert [b["count"] for b in buckets] == [0, 0, 0, 1, 1, 0]


def test_delay_median_and_90th_percentile():
    year = f.convention(years={2026: ("40000", "40000")}).years.get()
    trigger = dt.date(2026, 1, 10)
    for days in (10, 60, 61, 100):
        f.pay(f.line(year, trigger=trigger), paid_on=trigger + dt.timedelta(days=days))
    # Ignored: a cancelled payment, an ordered one not paid yet, one paid in another year.
    f.pay(f.line(year, trigger=trigger), paid_on=trigger, status=PaymentStatus.CANCELLED)
    f.pay(f.line(year, trigger=trigger), status=PaymentStatus.ORDERED)
    f.pay(f.line(year, trigger=dt.date(2025, 12, 1)), paid_on=dt.date(2025, 12, 20))
    data = figures()
    assert data["paid_count"] == 4
    assert data["delay_median"] == pytest.approx(60.5)
    assert data["delay_p90"] == pytest.approx(88.3)
    assert data["on_time_share"] == D("0.5000")


def test_citizen_fund_figures():
    fund = FundFactory(envelope=D("50000"), year_start=2026, year_end=2026)
    FundFactory(envelope=D("70000"), year_start=2024, year_end=2025)  # another year
    call = CallFactory(fund=fund)
    returning = OrganisationFactory()
    informal = OrganisationFactory(legal_form=LegalForm.INFORMAL)
    march = f.application(call=call).submitted_at
    # Earlier (2025) applications: the returning association and the informal collective.
    for org in (returning, informal):
        f.application(call=call, organisation=org,
                      submitted_at=march.replace(year=2025))
    first_time = f.application(call=call)                   # new organisation
    f.application(call=call, organisation=returning)        # returning association
    f.application(call=call, organisation=informal)         # informal: counts anyway
    f.application(call=call, organisation=None)             # resident applying alone
    f.application(call=call, status=ApplicationStatus.DRAFT)  # drafts are not applications
    f.award(first_time, amount="4000", deliberation_date=dt.date(2026, 4, 30))  # 60 days
    data = figures()
    assert data["envelope"] == D("50000.00")
    assert data["applications_count"] == 5  # 4 above + the one giving ``march``
    assert data["newcomer_count"] == 4  # all but the returning association
    assert data["newcomer_share"] == D("0.8000")
    assert data["awards_count"] == 1
    assert data["awarded_amount"] == D("4000.00")
    assert data["decision_median_days"] == pytest.approx(60)


def test_cofinancing_share():
    cofinanced = f.application(budget=[("74", "3000", True), ("74", "2000", False)])
    alone = f.application(budget=[("74", "3000", True), ("74", "0", False), ("75", "500", False)])
    f.award(cofinanced)
    f.award(alone)
    data = figures()
    assert data["funded_count"] == 2
    assert data["cofinanced_share"] == D("0.5000")


def test_valued_volunteering_and_its_share_of_self_financing():
    funded = OrganisationFactory()
    conv = f.convention(organisation=funded, years={2026: ("30000", "30000")})
    f.volunteer_hours(funded, hours="10", value="120.20", convention=conv)
    f.volunteer_hours(funded, hours="5", value="60.10", status=EntryStatus.LOCKED,
                      convention=conv)
    f.volunteer_hours(funded, hours="7", value="84.14", status=EntryStatus.DRAFT,
                      convention=conv)                                   # not validated
    f.volunteer_hours(funded, hours="3", value="36.06", date=dt.date(2025, 5, 1),
                      convention=conv)                                   # no tranche in 2025
    f.volunteer_hours(funded, hours="4", value="48.08")                  # no convention
    later = f.convention(organisation=funded, years={2027: ("1000", "1000")})
    f.volunteer_hours(funded, hours="6", value="72.12", convention=later)  # tranche in 2027 only
    f.volunteer_hours(OrganisationFactory(), hours="8", value="96.16")  # not funded this year
    app = f.application(budget=[("74", "4000", True), ("75", "1000", False),
                                ("870", "1000", False), ("871", "500", False)])
    f.award(app)
    data = figures()
    assert data["volunteer_hours"] == D("15.00")
    assert data["volunteer_value"] == D("180.30")
    assert data["self_financing"] == D("2500.00")
    assert data["volunteering_share"] == D("0.4000")


def test_reports_received_on_time():
    def year():
        return f.convention(years={2025: ("1000", "1000")}).years.get()

    f.report(year(), due=dt.date(2026, 6, 30), submitted_on=dt.date(2026, 6, 30))  # on time
    f.report(year(), due=dt.date(2026, 6, 30), submitted_on=dt.date(2026, 7, 1))   # late
    f.report(year(), due=dt.date(2026, 6, 30))                                    # missing
    f.report(year(), due=dt.date(2026, 12, 31))                                   # not due yet
    data = figures()
    assert data["reports_count"] == 3
    assert data["reports_on_time"] == 1
    assert data["reports_on_time_share"] == D("0.3333")


def test_dashboard_money_per_fund_and_alerts():
    fund = FundFactory(name="Initiatives 2026", envelope=D("100000"))
    org = OrganisationFactory()
    app = f.application(fund=fund, organisation=org)
    fund_award = f.award(app, amount="30000", reference="DEL-7")
    # Linked through the award only: the deliberation reference plays no part.
    from_fund = f.convention(organisation=org, award=fund_award,
                             years={2026: ("30000", "30000")}).years.get()
    # Same organisation and deliberation reference as the award, but no award: outside any fund.
    outside = f.convention(organisation=org, decision_reference="DEL-7",
                           years={2026: ("5000", "5000")}).years.get()
    f.pay(f.line(from_fund, amount="15000", trigger=dt.date(2026, 2, 1)),
          paid_on=dt.date(2026, 3, 1))
    f.pay(f.line(outside, amount="2000", trigger=dt.date(2026, 4, 1)),
          paid_on=dt.date(2026, 4, 20))
    f.line(from_fund, amount="10000", trigger=dt.date(2026, 9, 1))    # due 31/10: late
    f.line(from_fund, amount="5000", trigger=dt.date(2026, 10, 1),
           due_by=dt.date(2026, 11, 30))                              # due this month
    f.report(outside, due=dt.date(2026, 6, 30))                       # overdue
    f.convention(end=dt.date(2027, 3, 31), years={2026: ("1", None)})  # ends within 6 months
    f.convention(end=dt.date(2027, 6, 30), years={2026: ("1", None)})  # ends later
    CallFactory(fund=fund, phase=CallPhase.REVIEW)
    page = selectors.dashboard(year=2026, today=TODAY)
    (row,) = page["funds"]
    assert (row["envelope"], row["awarded"], row["confirmed"], row["paid"], row["remaining"]) == (
        D("100000.00"), D("30000.00"), D("30000.00"), D("15000.00"), D("70000.00"))
    totals = page["totals"]
    assert totals["confirmed"] == D("35000.00")
    assert totals["paid"] == D("17000.00")
    assert totals["outside_confirmed"] == D("5000.00")
    assert totals["outside_paid"] == D("2000.00")
    alerts = page["alerts"]
    assert (alerts["late_count"], alerts["late_amount"]) == (1, D("10000.00"))
    assert (alerts["due_month_count"], alerts["due_month_amount"]) == (1, D("5000.00"))
    assert alerts["reports_overdue_count"] == 1
    # The three conventions ending on 31/12/2026 or 31/03/2027, before 22/05/2027.
    assert alerts["ending_count"] == 3
    phases = {p["phase"]: p["count"] for p in page["phases"]}
    assert phases["review"] == 1 and phases["open"] == 1 and phases["closed"] == 0
    months = {m["month"]: m for m in page["monthly"]}
    assert months[3]["paid"] == D("15000.00")
    assert months[4]["paid"] == D("2000.00")
    assert months[10]["due"] == D("10000.00")
    natures = {n["nature"]: n for n in page["natures"]}
    assert natures["projet"]["amount"] == D("30000.00")
    assert natures["investissement"]["amount"] == D("0.00")
    # Tranches 2026 of the four operating conventions: 30,000 + 5,000 + 1 + 1.
    assert natures["fonctionnement"]["tranches"] == D("35002.00")


def _dataset(size: int):
    fund = FundFactory()
    for i in range(size):
        org = OrganisationFactory()
        app = f.application(fund=fund, organisation=org, budget=[("74", "100", False)])
        conv = f.convention(organisation=org, award=f.award(app, reference=f"DEL-{i}"),
                            end=dt.date(2027, 12, 31), years={2026: ("1000", "1000")})
        year = conv.years.get()
        f.pay(f.line(year, kind=LineKind.ADVANCE, trigger=dt.date(2026, 1, 5)),
              paid_on=dt.date(2026, 2, 1))
        f.report(year, due=dt.date(2026, 6, 30), submitted_on=dt.date(2026, 6, 1))
        f.volunteer_hours(org, convention=conv)


def test_query_count_does_not_grow_with_data(django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for size in (1, 6):
        _dataset(size)
        with CaptureQueriesContext(connection) as dashboard_queries:
            selectors.dashboard(year=2026, today=TODAY)
        with CaptureQueriesContext(connection) as scorecard_queries:
            if rollups.available():
                selectors.scorecard(year=2026, today=TODAY)
        counts.append((len(dashboard_queries), len(scorecard_queries)))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(12):
        selectors.dashboard(year=2026, today=TODAY)
    if rollups.available():
        # The scorecard reads the rollups: 5 queries whatever the data.
        with django_assert_max_num_queries(5):
            selectors.scorecard(year=2026, today=TODAY)
