"""Content-Security-Policy without inline scripts, and sessions that end."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_pages_send_a_policy_that_forbids_inline_scripts(client):
    for path in ("/", "/compte/connexion/", "/inscription/", "/api/docs/"):
        policy = _policy(client.get(path))
        assert policy["script-src"] == ["'self'"], path
        assert "'unsafe-eval'" not in policy["script-src"]
        assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]


def test_no_template_has_an_inline_script_or_event_handler():
    offenders = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        for match in re.finditer(r"<script\b([^>]*)>", text):
            if "src=" not in match.group(1):
                offenders.append(f"{template.relative_to(TEMPLATES)}: inline <script>")
        if re.search(r"\son[a-z]+\s*=", text) or "hx-on" in text or "javascript:" in text:
            offenders.append(f"{template.relative_to(TEMPLATES)}: inline event handler")
    assert offenders == []


def test_swagger_ui_loads_its_setup_as_a_script_file(client):
    page = client.get("/api/docs/").content.decode()
    assert not re.search(r"<script>\s*\S", page)
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


def test_htmx_is_configured_for_the_policy(client):
    page = client.get("/").content.decode()
    assert '"allowEval": false' in page and '"includeIndicatorStyles": false' in page


def test_session_lasts_a_working_day_and_ends_with_the_browser(client):
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    user = UserFactory()
    response = client.post("/compte/connexion/", {"username": user.email,
                                                  "password": "motdepasse-solide-42"})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["expires"] == "" and cookie["max-age"] == ""   # a browser-session cookie
    assert cookie["httponly"]
    assert 0 < client.session.get_expiry_age() <= 8 * 3600
