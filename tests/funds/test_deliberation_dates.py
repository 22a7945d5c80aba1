"""A deliberation decides applications already submitted, and is not dated in the future."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from backoffice.core.roles import Role
from funds import services
from funds.models import Award
from tests.factories import staff_user

from .factories import ApplicationFactory

pytestmark = pytest.mark.django_db


def _award(application, day):
    return services.application_award(
        application=application, actor=staff_user(Role.DECISION_MAKER),
        amount=Decimal("1000.00"), nature="projet", deliberation_reference="DEL-2026-12",
        deliberation_date=day)


def test_deliberation_before_the_submission_is_refused():
    application = ApplicationFactory(
        eligible=True, submitted_at=timezone.make_aware(dt.datetime(2026, 3, 10, 9)))
    with pytest.raises(ValidationError) as exc:
        _award(application, dt.date(2026, 3, 8))
    assert exc.value.message_dict["deliberation_date"] == [
        "La date de la délibération (08/03/2026) précède le dépôt du dossier (10/03/2026) : "
        "une délibération décide de dossiers déjà déposés ; vérifiez sa date."]
    assert not Award.objects.exists()
    assert _award(application, dt.date(2026, 3, 10)).deliberation_date == dt.date(2026, 3, 10)


def test_deliberation_in_the_future_is_refused():
    application = ApplicationFactory(eligible=True)
    with pytest.raises(ValidationError) as exc:
        _award(application, timezone.localdate() + dt.timedelta(days=1))
    assert "est dans le futur" in exc.value.message_dict["deliberation_date"][0]
    assert not Award.objects.exists()
