"""The vote management page, submitted as the browser renders it."""

from decimal import Decimal

import pytest
from django.utils import timezone

from backoffice.core.roles import Role
from funds.models import Award, Ballot, CallPhase, Voter
from tests.factories import staff_user

from .factories import ApplicationFactory, CallFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def voted():
    call = CallFactory(participatory=True, phase=CallPhase.DECISION)
    call.fund.envelope, call.fund.max_amount = Decimal("7000.00"), Decimal("7000.00")
    call.fund.save()
    a, b, c = (ApplicationFactory(call=call, eligible=True, amount_requested=Decimal(x))
               for x in ("4000.00", "3000.00", "2000.00"))
    for n, choices in enumerate([[a.pk], [a.pk, b.pk], [b.pk, c.pk], [a.pk, c.pk], [b.pk]]):
        voter = Voter.objects.create(call=call, source="import", external_id=str(n))
        Ballot.objects.create(call=call, voter=voter, choices=choices, channel="import",
                              cast_at=voter.created_at)
    return call


def _form_with_action(page, action):
    return next(form for form in page.forms.values()
                if "action" in form.fields and form["action"].value == action)


def test_a_decision_maker_computes_then_publishes_from_the_rendered_forms(voted, django_app):
    decider = staff_user(Role.DECISION_MAKER)
    url = f"/fonds/gestion/appels/{voted.pk}/vote/"
    page = django_app.get(url, user=decider)
    page = _form_with_action(page, "compute").submit().follow()
    computation = voted.computations.get()

    form = _form_with_action(page, "publish")
    assert [f.value for f in form.fields["computation"]] == [str(computation.pk)]
    # Error path: the date is missing; what was typed is kept, nothing is published.
    form["deliberation_reference"] = "DEL-2026-14"
    bad = form.submit(status=400)
    assert "Ce champ est obligatoire" in bad.text and "Computation" not in bad.text
    assert not Award.objects.exists()
    form = _form_with_action(bad, "publish")
    assert form["deliberation_reference"].value == "DEL-2026-14"
    form["deliberation_date"] = timezone.localdate().isoformat()
    results = form.submit().follow()

    voted.refresh_from_db()
    assert voted.results_published_at is not None
    winners = set(voted.computations.get().winner_ids())
    assert winners and set(Award.objects.values_list("application_id", flat=True)) == winners
    assert "Résultats publiés" in results.text


def test_a_finance_agent_is_not_offered_the_publish_form(voted, django_app):
    agent = staff_user(Role.FINANCE_AGENT)
    url = f"/fonds/gestion/appels/{voted.pk}/vote/"
    page = django_app.get(url, user=agent)
    _form_with_action(page, "compute").submit().follow()
    page = django_app.get(url, user=agent)
    assert not [f for f in page.forms.values()
                if "action" in f.fields and f["action"].value == "publish"]
    assert "Publier les résultats" not in page.text
