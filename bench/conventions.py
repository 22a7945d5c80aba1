"""Convention list and payment calendar at 20 and at 20,000 conventions.

value = queries per list page at 20,000 conventions, reference = at 20 (goal: ratio 1);
extra: ms per page for the list and the calendar, calendar queries.
Run: python -m bench.conventions  (BENCH_CONVENTIONS=20000 to change the volume)
"""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

from bench.harness import bench_database, emit, timed


def _bulk(count: int, authority, organisations) -> None:
    from conventions.models import (
        Convention,
        ConventionYear,
        FinancialReport,
        LineKind,
        ScheduleLine,
        YearStatus,
    )

    start = Convention.objects.count()
    conventions = Convention.objects.bulk_create([
        Convention(reference=f"BENCH-{start + i:06d}", authority=authority,
                   organisation=organisations[i % len(organisations)],
                   object="Fonctionnement", nature="fonctionnement", imputation="6574",
                   start_date=dt.date(2026, 1, 1), end_date=dt.date(2027, 12, 31),
                   status="active", advance_rate=Decimal("0.5"), advance_delay_days=30,
                   keep_rule_rate=Decimal("0.1"), signed_on=dt.date(2026, 1, 10))
        for i in range(count)], batch_size=2000)
    years = ConventionYear.objects.bulk_create([
        ConventionYear(convention=c, year=year, planned_amount=Decimal("30000"),
                       confirmed_amount=Decimal("30000") if year == 2026 else None,
                       status=YearStatus.CONFIRMED if year == 2026 else YearStatus.PLANNED)
        for c in conventions for year in (2026, 2027)], batch_size=4000)
    lines = []
    for index, year in enumerate(years):
        confirmed = year.year == 2026
        due = dt.date(2026, 3, 31) + dt.timedelta(days=index % 200)
        lines.append(ScheduleLine(year=year, position=1, kind=LineKind.ADVANCE,
                                  amount=Decimal("15000"), planned_date=due,
                                  trigger_date=dt.date(2026, 1, 20) if confirmed else None,
                                  due_by=due if confirmed else None))
        lines.append(ScheduleLine(year=year, position=2, kind=LineKind.BALANCE,
                                  amount=Decimal("15000"), planned_date=dt.date(year.year, 9, 30)))
    ScheduleLine.objects.bulk_create(lines, batch_size=5000)
    FinancialReport.objects.bulk_create([
        FinancialReport(year=y, due_date=dt.date(y.year + 1, 6, 30)) for y in years
        if y.year == 2026], batch_size=5000)


def _measure(client, url: str, repeat: int = 5) -> tuple[int, float]:
    from django.db import connection

    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    client.get(url)
    with connection.execute_wrapper(count):
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    with timed() as timer:
        for _ in range(repeat):
            client.get(url)
    return len(queries), timer.seconds / repeat * 1000


def main() -> None:
    big = int(os.environ.get("BENCH_CONVENTIONS", "20000"))
    with bench_database():
        import time_machine
        from django.test import Client

        from tests.factories import AuthorityFactory, OrganisationFactory, staff_user

        with time_machine.travel(dt.datetime(2026, 6, 15, 10), tick=False):
            authority = AuthorityFactory()
            organisations = [OrganisationFactory() for _ in range(50)]
            agent = staff_user()
            client = Client()
            client.force_login(agent)
            list_url = "/conventions/?status=active&late=on"
            _bulk(20, authority, organisations)
            small_list = _measure(client, list_url)
            small_calendar = _measure(client, "/conventions/versements/")
            _bulk(big - 20, authority, organisations)
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("ANALYZE") if connection.vendor == "postgresql" else None
            big_list = _measure(client, list_url)
            big_calendar = _measure(client, "/conventions/versements/")
        print(f"# list: {small_list[0]} queries / {small_list[1]:.1f} ms at 20; "
              f"{big_list[0]} queries / {big_list[1]:.1f} ms at {big}")
        print(f"# calendar: {small_calendar[0]} queries / {small_calendar[1]:.1f} ms at 20; "
              f"{big_calendar[0]} queries / {big_calendar[1]:.1f} ms at {big}")
        emit("conventions", value=big_list[0], unit="queries/page", reference=small_list[0],
             conventions=big, list_ms_per_page=round(big_list[1], 1),
             list_ms_per_page_at_20=round(small_list[1], 1),
             calendar_queries=big_calendar[0], calendar_queries_at_20=small_calendar[0],
             calendar_ms_per_page=round(big_calendar[1], 1))


if __name__ == "__main__":
    main()
