"""Dashboard and pact scorecard on a large database.

20,000 conventions (2 tranches each), 100,000 payments, 500,000 volunteer entries, 2,000 awards.
value = scorecard page server time (s), reference = one ``SELECT count(*)`` over the payments
(goal: ratio ≤ 10); extra: dashboard time, query counts at small and large sizes (must be equal),
the scorecard computed from the source rows instead of the rollups, and what the rollup triggers
add to recording a payment.
Run: python -m bench.dashboard   (PostgreSQL: the volunteer entries are generated in SQL)
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
from decimal import Decimal

from bench.harness import bench_database, emit, timed

CONVENTIONS = int(os.environ.get("BENCH_DASHBOARD_CONVENTIONS", "20000"))
PAYMENTS = int(os.environ.get("BENCH_DASHBOARD_PAYMENTS", "100000"))
ENTRIES = int(os.environ.get("BENCH_DASHBOARD_ENTRIES", "500000"))
AWARDS = int(os.environ.get("BENCH_DASHBOARD_AWARDS", "2000"))
NATURES = ("fonctionnement", "projet", "investissement", "ingenierie")


def _load(*, conventions: int, payments: int, entries: int, awards: int, tag: str) -> None:
    from django.db import connection
    from django.utils import timezone

    from backoffice.core.models import Authority, Organisation
    from conventions.models import (
        Convention,
        ConventionYear,
        FinancialReport,
        LineKind,
        Payment,
        ScheduleLine,
    )
    from funds.models import Application, ApplicationBudgetLine, Award, Call, Fund
    from tests.factories import UserFactory
    from volunteering.models import Volunteer, VolunteerEntry

    authority = Authority.objects.order_by("pk").first()
    organisations = list(Organisation.objects.order_by("pk"))
    user = UserFactory()
    fund = Fund.objects.create(authority=authority, name=f"Fonds {tag}", year_start=2026,
                               year_end=2026, envelope=Decimal("5000000"), natures=list(NATURES),
                               budget_imputation="6574", max_amount=Decimal("100000"))
    call = Call.objects.create(fund=fund, title=f"Appel {tag}", description="Appel",
                               applicant_kinds=["association"], phase="closed",
                               opens_on=dt.date(2026, 1, 1), closes_on=dt.date(2026, 2, 1),
                               decision_on=dt.date(2026, 3, 1), results_on=dt.date(2026, 4, 1),
                               ends_on=dt.date(2026, 12, 31))
    rows = Convention.objects.bulk_create([
        Convention(reference=f"B{tag}-{i:06d}", authority=authority,
                   organisation=organisations[i % len(organisations)], object="Objet",
                   nature=NATURES[i % 4], imputation="6574",
                   start_date=dt.date(2025 + i % 2, 1, 1), end_date=dt.date(2026 + i % 3, 12, 31),
                   status="active", advance_rate=Decimal("0.5"), advance_delay_days=30,
                   decision_reference=f"DEL-{tag}-{i}" if i < awards else "")
        for i in range(conventions)], batch_size=4000)
    years = ConventionYear.objects.bulk_create([
        ConventionYear(convention=c, year=year, planned_amount=Decimal("20000"),
                       confirmed_amount=Decimal("20000"))
        for c in rows for year in (2025, 2026)], batch_size=5000)
    per_year = max(1, -(-payments // len(years)))
    lines = ScheduleLine.objects.bulk_create([
        ScheduleLine(year=y, position=p + 1,
                     kind=LineKind.ADVANCE if p == 0 and i % 3 else LineKind.INSTALMENT,
                     amount=Decimal("5000"), trigger_date=dt.date(y.year, 1 + (i + p) % 10, 5),
                     due_by=dt.date(y.year, 1 + (i + p) % 10, 5) + dt.timedelta(days=60))
        for i, y in enumerate(years) for p in range(per_year + 1)], batch_size=5000)
    paid = [line for line in lines if line.position <= per_year][:payments]
    Payment.objects.bulk_create([
        Payment(line=line, amount=line.amount, ordered_on=line.trigger_date,
                mandate_reference=f"M{tag}{k}", account="6574", status="paid",
                paid_on=line.trigger_date + dt.timedelta(days=(k * 7) % 95))
        for k, line in enumerate(paid)], batch_size=5000)
    FinancialReport.objects.bulk_create([
        FinancialReport(year=y, due_date=dt.date(y.year + 1, 6, 30),
                        status="submitted" if k % 4 else "expected",
                        submitted_on=dt.date(y.year + 1, 6, 1 + k % 60 // 2) if k % 4 else None)
        for k, y in enumerate(years) if y.year == 2025], batch_size=5000)
    applications = Application.objects.bulk_create([
        Application(call=call, organisation=organisations[i % len(organisations)],
                    applicant=user, status="awarded", title=f"Projet {i}", version=1,
                    submitted_at=timezone.make_aware(dt.datetime(2026, 1, 1 + i % 28)))
        for i in range(awards)], batch_size=5000)
    ApplicationBudgetLine.objects.bulk_create([
        ApplicationBudgetLine(application=a, account=account, amount=Decimal(amount),
                              is_this_authority=mine, funder="commune" if account == "74" else "")
        for k, a in enumerate(applications)
        for account, amount, mine in (("74", "4000", True), ("74", str(k % 2 * 1000), False),
                                      ("75", "1000", False), ("870", "800", False))],
        batch_size=5000)
    Award.objects.bulk_create([
        Award(application=a, fund=fund, amount=Decimal("4000"), nature=NATURES[i % 4],
              deliberation_reference=f"DEL-{tag}-{i}", deliberation_date=dt.date(2026, 3, 1),
              awarded_by=user, awarded_at=timezone.now())
        for i, a in enumerate(applications)], batch_size=5000)
    volunteers = Volunteer.objects.bulk_create([
        Volunteer(organisation=o, name=f"Bénévole {tag} {k}")
        for k, o in enumerate(organisations)])
    if connection.vendor == "postgresql" and entries:
        # Four entries in five are linked to one of the organisation's conventions.
        volunteer_of = {v.organisation_id: v.pk for v in volunteers}
        conventions_ids = [c.pk for c in rows]
        conventions_orgs = [c.organisation_id for c in rows]
        conventions_volunteers = [volunteer_of[c.organisation_id] for c in rows]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {VolunteerEntry._meta.db_table} (organisation_id, volunteer_id, date,"
                " hours, activity, qualification, project_reference, note, status,"
                " valuation_method, rate, value, import_reference, created_at, convention_id)"
                " SELECT (%s::bigint[])[1 + g %% %s], (%s::bigint[])[1 + g %% %s],"
                " DATE '2025-01-01' + (g %% 700), 2.5, 'animation', 'employe', '', '',"
                " CASE WHEN g %% 5 = 0 THEN 'draft' ELSE 'validated' END, 'smic_gross',"
                " 12.02, 30.05, '', now(),"
                " CASE WHEN g %% 5 < 4 THEN (%s::bigint[])[1 + g %% %s] END"
                " FROM generate_series(0, %s - 1) AS g",
                [conventions_orgs, len(rows), conventions_volunteers, len(rows),
                 conventions_ids, len(rows), entries])
    else:
        VolunteerEntry.objects.bulk_create([
            VolunteerEntry(organisation_id=volunteers[g % len(volunteers)].organisation_id,
                           volunteer=volunteers[g % len(volunteers)],
                           date=dt.date(2025, 1, 1) + dt.timedelta(days=g % 700),
                           hours=Decimal("2.5"), activity="animation", status="validated",
                           valuation_method="smic_gross", rate=Decimal("12.02"),
                           value=Decimal("30.05"))
            for g in range(entries)], batch_size=5000)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")


def _measure(client, url: str, repeat: int = 9) -> tuple[int, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    queries = len(ctx.captured_queries)
    for _ in range(repeat):
        with timed() as t:
            client.get(url)
        times.append(t.seconds)
    return queries, statistics.median(times)


def _write_cost(repeat: int = 50) -> dict:
    """Median time to record a payment order then mark it paid (two single-row statements, as
    the payment service does), with the rollup triggers and with them disabled."""
    from django.db import connection, transaction

    from conventions.models import Payment, ScheduleLine

    lines = list(ScheduleLine.objects.filter(payments__isnull=True).order_by("pk")[:2 * repeat])
    result = {}
    for label, batch in (("with", lines[:repeat]), ("without", lines[repeat:])):
        times = []
        with transaction.atomic():
            if label == "without" and connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ALTER TABLE conventions_payment DISABLE TRIGGER USER")
            for line in batch:
                with timed() as t:
                    payment = Payment.objects.create(
                        line=line, amount=line.amount, ordered_on=dt.date(2026, 11, 2),
                        mandate_reference=f"W{line.pk}", account="6574")
                    Payment.objects.filter(pk=payment.pk).update(
                        status="paid", paid_on=dt.date(2026, 11, 20))
                times.append(t.seconds)
            transaction.set_rollback(True)
        result[label] = statistics.median(times)
    return result


def main() -> None:
    with bench_database() as connection:
        from django.test import Client

        from backoffice.core.roles import Role
        from conventions.models import Payment
        from tests.factories import AuthorityFactory, OrganisationFactory, staff_user

        AuthorityFactory()
        OrganisationFactory.create_batch(300)
        client = Client()
        client.force_login(staff_user(Role.FINANCE_AGENT))
        dashboard_url, scorecard_url = "/tableau-de-bord/?annee=2026", \
            "/tableau-de-bord/engagements/?annee=2026"

        _load(conventions=20, payments=100, entries=500, awards=10, tag="s")
        small = {"dashboard": _measure(client, dashboard_url),
                 "scorecard": _measure(client, scorecard_url)}
        print(f"# small: dashboard {small['dashboard'][0]} queries {small['dashboard'][1]:.3f} s, "
              f"scorecard {small['scorecard'][0]} queries {small['scorecard'][1]:.3f} s",
              flush=True)

        with timed() as load:
            _load(conventions=CONVENTIONS, payments=PAYMENTS, entries=ENTRIES, awards=AWARDS,
                  tag="L")
        print(f"# loaded {Payment.objects.count()} payments in {load.seconds:.1f} s", flush=True)
        large = {"dashboard": _measure(client, dashboard_url),
                 "scorecard": _measure(client, scorecard_url)}
        print(f"# large: dashboard {large['dashboard'][0]} queries {large['dashboard'][1]:.3f} s, "
              f"scorecard {large['scorecard'][0]} queries {large['scorecard'][1]:.3f} s",
              flush=True)
        from tests.dashboard import oracle

        with timed() as source_rows:
            oracle.scorecard(year=2026, today=dt.date(2026, 11, 22))
        print(f"# scorecard figures from the source rows instead of the rollups: "
              f"{source_rows.seconds:.3f} s", flush=True)
        write_cost = _write_cost()
        print(f"# one payment recorded then paid: {write_cost['with'] * 1000:.2f} ms with the "
              f"rollup triggers, {write_cost['without'] * 1000:.2f} ms without", flush=True)
        counts = []
        for _ in range(9):
            with timed() as t, connection.cursor() as cursor:
                cursor.execute(f"SELECT count(*) FROM {Payment._meta.db_table}")
                cursor.fetchone()
            counts.append(t.seconds)
        reference = statistics.median(counts)
        print(f"# SELECT count(*) over payments: {reference * 1000:.1f} ms", flush=True)
        emit("dashboard_scorecard", value=round(large["scorecard"][1], 4), unit="s",
             reference=round(reference, 4),
             dashboard_s=round(large["dashboard"][1], 4),
             scorecard_source_rows_s=round(source_rows.seconds, 4),
             payment_write_ms={k: round(v * 1000, 2) for k, v in write_cost.items()},
             queries_small={k: v[0] for k, v in small.items()},
             queries_large={k: v[0] for k, v in large.items()})


if __name__ == "__main__":
    main()
