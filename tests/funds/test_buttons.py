"""Pages offer an action only to the roles whose permission rule lets them through."""

import pytest

from backoffice.core.permissions import allowed
from backoffice.core.roles import Role
from funds.models import CallPhase
from tests.factories import staff_user

from .factories import CallFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_call():
    return CallFactory(participatory=True, phase=CallPhase.OPEN)


@pytest.mark.parametrize("role, committee, phases, vote", [
    (Role.INSTRUCTOR, False, True, True),
    (Role.FINANCE_AGENT, False, True, True),
    (Role.DECISION_MAKER, True, False, True),
    (Role.ADMINISTRATOR, True, True, True),
])
def test_the_call_page_shows_the_buttons_each_role_may_use(open_call, django_app, role,
                                                           committee, phases, vote):
    user = staff_user(role)
    page = django_app.get(f"/fonds/gestion/appels/{open_call.pk}/", user=user)
    assert ("Décisions en comité" in page.text) is committee
    assert ("Passer à «" in page.text) is phases
    assert ("Vote citoyen" in page.text) is vote
    # Every link the page offers opens for this user.
    for link in page.html.select("a.button"):
        assert django_app.get(link["href"], user=user).status_code == 200, link["href"]


def test_the_phase_form_as_rendered_moves_the_call_on(open_call, django_app):
    page = django_app.get(f"/fonds/gestion/appels/{open_call.pk}/",
                          user=staff_user(Role.INSTRUCTOR))
    form = next(f for f in page.forms.values() if f.action.endswith("/phase/"))
    form["reason"] = "Clôture anticipée"
    page = form.submit("phase", index=1).follow()  # "Passer à …", after "Revenir à …"
    open_call.refresh_from_db()
    assert open_call.phase not in (CallPhase.OPEN, CallPhase.DRAFT)
    assert "appel modifiée" in page.text


def test_one_question_answers_for_every_app_and_refuses_unknown_actions():
    decider = staff_user(Role.DECISION_MAKER)
    assert allowed(decider, "vote.publish")[0]
    assert not allowed(staff_user(Role.FINANCE_AGENT), "vote.publish")[0]
    assert allowed(decider, "dashboard.view")[0]
    with pytest.raises(KeyError):
        allowed(decider, "vote.unknown")
