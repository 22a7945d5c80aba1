import time

import pytest

from dashboard import services
from dashboard.models import ScorecardDocument, ScorecardStatus
from tests.factories import staff_user


@pytest.mark.services
def test_real_worker_renders_the_printable_scorecard(celery_worker_process):
    agent = staff_user()
    document = services.scorecard_document_request(year=2026, actor=agent)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        document.refresh_from_db()
        if document.status != ScorecardStatus.PENDING:
            break
        time.sleep(0.5)
    assert document.status == ScorecardStatus.READY, document.error
    assert len(document.sha256) == 64
    assert ScorecardDocument.objects.count() == 1
