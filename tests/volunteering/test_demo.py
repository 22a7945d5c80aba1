"""The demo data: a few hundred entries over two years, drafts, one attestation; idempotent."""

import pytest
from django.core.management import call_command
from django.db.models import CharField, F, Q, Value
from django.db.models.functions import Concat

from volunteering.models import (
    AttestationStatus,
    EntryStatus,
    VolunteerAttestation,
    VolunteerEntry,
)


@pytest.mark.django_db
def test_seed_demo_volunteering_is_idempotent():
    call_command("seed_demo")
    counts = (VolunteerEntry.objects.count(), VolunteerAttestation.objects.count())
    call_command("seed_demo")
    assert (VolunteerEntry.objects.count(), VolunteerAttestation.objects.count()) == counts
    assert counts[0] >= 300
    assert VolunteerEntry.objects.values("organisation").distinct().count() == 2
    assert VolunteerEntry.objects.filter(status=EntryStatus.DRAFT).exists()
    assert VolunteerEntry.objects.dates("date", "year").count() == 2
    attestation = VolunteerAttestation.objects.get(project_reference="")
    assert attestation.status == AttestationStatus.READY and attestation.value > 0
    # Part of the hours are logged on conventions, by their reference, or on the application
    # whose award the convention was made from (DOS-N).
    linked = VolunteerEntry.objects.filter(convention__isnull=False)
    assert linked.exists()
    assert not linked.exclude(Q(project_reference=F("convention__reference"))
                              | Q(application=F("convention__award__application"),
                                  project_reference=Concat(Value("DOS-"), "application_id",
                                                           output_field=CharField()))).exists()
