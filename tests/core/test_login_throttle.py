"""Throttled logins (page, API token, password reset) and API tokens that expire."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone
from rest_framework.authtoken.models import Token

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "motdepasse-solide-42"   # tests.factories.UserFactory


def test_login_page_refuses_after_the_failure_limit_then_unlocks_after_the_cool_off(client):
    user = UserFactory(email="anne@example.org")
    limit = settings.AXES_FAILURE_LIMIT
    for attempt in range(limit):
        response = client.post("/compte/connexion/", {"username": "ANNE@example.org",
                                                      "password": f"faux-{attempt}"})
        assert response.status_code == (429 if attempt == limit - 1 else 200)
    response = client.post("/compte/connexion/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Trop de tentatives de connexion" in response.content.decode()
    assert "_auth_user_id" not in client.session
    with time_machine.travel(timezone.now() + settings.AXES_COOLOFF_TIME
                             + dt.timedelta(minutes=1)):
        response = client.post("/compte/connexion/", {"username": user.email,
                                                      "password": PASSWORD})
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(user.pk)


def test_login_form_as_rendered_still_logs_in(django_app):
    user = UserFactory()
    page = django_app.get("/compte/connexion/")
    form = next(f for f in page.forms.values() if "password" in f.fields)
    form["username"], form["password"] = user.email, "mauvais"
    page = form.submit()
    assert page.status_code == 200 and "saisissez" in page.text.lower()
    form = next(f for f in page.forms.values() if "password" in f.fields)
    assert form["username"].value == user.email
    form["password"] = PASSWORD
    assert form.submit().status_code == 302


def test_token_endpoint_answers_429_in_french_after_the_failure_limit(client):
    user = UserFactory()
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/api/v1/auth/token/", {"username": user.email,
                                                       "password": f"faux-{attempt}"})
        assert response.status_code == 400
    response = client.post("/api/v1/auth/token/", {"username": user.email, "password": "x"})
    assert response.status_code == 429
    response = client.post("/api/v1/auth/token/", {"username": user.email,
                                                   "password": PASSWORD})
    assert response.status_code == 429
    assert "Trop de tentatives" in response.json()["detail"]


def _token(client, user) -> str:
    response = client.post("/api/v1/auth/token/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 200, response.content
    assert response.json()["expires_at"]
    return response.json()["token"]


def test_token_expires_after_its_lifetime(client):
    user = UserFactory()
    key = _token(client, user)
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
    assert client.get("/api/v1/me/", **auth).status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=settings.API_TOKEN_TTL + 60)):
        response = client.get("/api/v1/me/", **auth)
        assert response.status_code == 401
        assert "expiré" in response.json()["detail"]
        assert not Token.objects.filter(key=key).exists()
        assert _token(client, user) != key    # a new one is given


def test_token_is_revoked_by_a_password_change(client):
    user = UserFactory()
    key = _token(client, user)
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
    assert client.get("/api/v1/me/", **auth).status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=5)):
        user.set_password("un-tout-nouveau-secret")
        user.save()
        assert client.get("/api/v1/me/", **auth).status_code == 401


def test_password_reset_is_throttled(client):
    UserFactory(email="anne@example.org")
    for _ in range(settings.PASSWORD_RESET_LIMIT):
        assert client.post("/compte/password_reset/",
                           {"email": "anne@example.org"}).status_code == 302
    response = client.post("/compte/password_reset/", {"email": "anne@example.org"})
    assert response.status_code == 429
    assert "Trop de demandes de réinitialisation" in response.content.decode()
