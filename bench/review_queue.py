"""Instructor queue and agent call page: queries and server time at 10 and 10,000 applications.

Run: ``python -m bench.review_queue``. The last line is the JSON result: value = queries of the
instructor queue page at 10,000 applications, reference = at 10 (goal: ratio 1, the number of
queries does not grow with the number of applications).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from bench.harness import bench_database, emit, timed

BIG = 10_000
SMALL = 10


def _seed(call, organisations, applicant, count: int) -> None:
    from django.utils import timezone

    from funds.models import Application, ApplicationStatus

    statuses = [ApplicationStatus.SUBMITTED, ApplicationStatus.ELIGIBLE,
                ApplicationStatus.INFO_REQUESTED, ApplicationStatus.INELIGIBLE]
    now = timezone.now()
    rows = [Application(call=call, organisation=organisations[i % len(organisations)],
                        applicant=applicant, title=f"Projet citoyen n°{i}", summary="Résumé.",
                        place="Lorient", nature="projet", amount_requested=Decimal("4000.00"),
                        status=statuses[i % len(statuses)], version=1, submitted_at=now,
                        cer_accepted=True)
            for i in range(count)]
    Application.objects.bulk_create(rows, batch_size=2000)


def _measure(client, url: str) -> tuple[int, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assert client.get(url).status_code == 200  # warm-up (templates, caches)
    with CaptureQueriesContext(connection) as queries, timed() as timer:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries), timer.seconds


def main() -> None:
    with bench_database():
        from django.test import Client
        from django.utils import timezone

        from backoffice.core.models import Authority, Organisation
        from backoffice.core.roles import Role
        from backoffice.core.services import user_set_roles
        from funds.models import Call, Fund
        from tests.factories import UserFactory

        today = timezone.localdate()
        authority = Authority.objects.create(name="Ville de Lorient", kind="commune",
                                             siret="21560121100018")
        fund = Fund.objects.create(authority=authority, name="Fonds d'initiatives",
                                   year_start=today.year, year_end=today.year,
                                   envelope=Decimal("1000000.00"), natures=["projet"],
                                   budget_imputation="6574", max_amount=Decimal("10000.00"))
        calls = {}
        for size in (SMALL, BIG):
            calls[size] = Call.objects.create(
                fund=fund, title=f"Appel {size}", description="Banc d'essai.",
                applicant_kinds=["association"], phase="review",
                opens_on=today - dt.timedelta(days=60), closes_on=today - dt.timedelta(days=1),
                decision_on=today + dt.timedelta(days=30),
                results_on=today + dt.timedelta(days=40), ends_on=today + dt.timedelta(days=90))
        organisations = Organisation.objects.bulk_create([
            Organisation(name=f"Association {i}", legal_form="informal",
                         legal_representative_name="Référent") for i in range(200)])
        applicant = UserFactory()
        instructor = UserFactory(email="instructeur@bench.local")
        user_set_roles(user=instructor, roles=[Role.INSTRUCTOR])
        for size, call in calls.items():
            _seed(call, organisations, applicant, size)

        client = Client()
        client.force_login(instructor)
        results = {}
        for size, call in calls.items():
            results[size] = {
                "queue": _measure(client, f"/fonds/gestion/appels/{call.pk}/dossiers/"),
                "call": _measure(client, f"/fonds/gestion/appels/{call.pk}/"),
            }
            for page, (queries, seconds) in results[size].items():
                print(f"# {size:>6} applications — {page:<5} page: {queries} queries, "
                      f"{seconds * 1000:.1f} ms", flush=True)
        emit("review_queue", value=results[BIG]["queue"][0], unit="queries",
             reference=results[SMALL]["queue"][0],
             queue_ms_10000=round(results[BIG]["queue"][1] * 1000, 1),
             queue_ms_10=round(results[SMALL]["queue"][1] * 1000, 1),
             call_page_queries_10000=results[BIG]["call"][0],
             call_page_queries_10=results[SMALL]["call"][0],
             call_page_ms_10000=round(results[BIG]["call"][1] * 1000, 1),
             call_page_ms_10=round(results[SMALL]["call"][1] * 1000, 1))


if __name__ == "__main__":
    main()
