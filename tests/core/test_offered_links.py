"""Every link the agent home offers a role opens for that role: no 403 behind a click."""

import pytest

from backoffice.core.roles import Role
from tests.factories import AuthorityFactory, staff_user

pytestmark = pytest.mark.django_db

SKIPPED = ("/api/", "/healthz", "/static/", "/admin/", "#")


@pytest.mark.parametrize("role", [Role.FINANCE_AGENT, Role.INSTRUCTOR, Role.DECISION_MAKER])
def test_every_link_of_the_agent_home_opens_for_the_role(django_app, role):
    AuthorityFactory()
    user = staff_user(role)
    home = django_app.get("/agent/", user=user)
    hrefs = {a["href"] for a in home.html.select("main a[href]")}
    assert hrefs
    for href in sorted(hrefs):
        if href.startswith(SKIPPED) or href.startswith("http"):
            continue
        response = django_app.get(href, user=user, expect_errors=True)
        assert response.status_code < 400, (href, response.status_code)


def test_only_finance_agents_are_offered_a_new_convention(django_app):
    AuthorityFactory()
    assert "Nouvelle convention" in django_app.get(
        "/agent/", user=staff_user(Role.FINANCE_AGENT)).text
    assert "Nouvelle convention" not in django_app.get(
        "/agent/", user=staff_user(Role.INSTRUCTOR)).text
