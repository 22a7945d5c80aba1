"""The envelope is never exceeded, even with concurrent awards (real PostgreSQL row locks)."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from backoffice.core.roles import Role
from funds import services
from funds.models import Application, Award
from tests.factories import staff_user

from .factories import ApplicationFactory, FundFactory


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_concurrent_awards_never_exceed_the_envelope():
    assert connection.vendor == "postgresql"
    fund = FundFactory(envelope=Decimal("10000.00"))
    first = ApplicationFactory(call__fund=fund, eligible=True)
    applications = [first] + [ApplicationFactory(call=first.call, eligible=True)
                              for _ in range(5)]
    decider = staff_user(Role.DECISION_MAKER)
    barrier = threading.Barrier(len(applications))
    outcomes = []

    def award(application):
        try:
            barrier.wait()
            services.application_award(
                application=Application.objects.get(pk=application.pk), actor=decider,
                amount=Decimal("3000.00"), nature="projet",
                deliberation_reference="DEL-2026-01", deliberation_date=timezone.localdate())
            outcomes.append("awarded")
        except ValidationError as exc:
            outcomes.append(" ".join(exc.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=award, args=(a,)) for a in applications]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert outcomes.count("awarded") == 3
    assert sum(a.amount for a in Award.objects.all()) == Decimal("9000.00")
    assert all("enveloppe" in o for o in outcomes if o != "awarded")
