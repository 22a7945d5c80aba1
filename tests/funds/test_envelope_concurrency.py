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


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_concurrent_double_submit_creates_one_version():
    from funds.models import ApplicationVersion
    from tests.factories import MembershipFactory

    application = ApplicationFactory()
    MembershipFactory(user=application.applicant, organisation=application.organisation)
    barrier = threading.Barrier(2)
    outcomes = []

    def submit():
        try:
            barrier.wait()
            services.application_submit(application=Application.objects.get(pk=application.pk),
                                        user=application.applicant)
            outcomes.append("submitted")
        except ValidationError as exc:
            outcomes.append(" ".join(exc.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["Ce dossier est déjà déposé.", "submitted"]
    assert ApplicationVersion.objects.filter(application=application).count() == 1


@pytest.mark.services
def test_real_worker_writes_the_receipt_pdf(celery_worker_process):
    import time

    from funds.models import ApplicationVersion
    from tests.factories import MembershipFactory

    application = ApplicationFactory()
    MembershipFactory(user=application.applicant, organisation=application.organisation)
    services.application_submit(application=application, user=application.applicant)
    version = ApplicationVersion.objects.get(application=application)
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline and not version.receipt:
        time.sleep(0.5)
        version.refresh_from_db()
    assert version.receipt and len(version.receipt_sha256) == 64
