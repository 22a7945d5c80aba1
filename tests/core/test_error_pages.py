"""Refusals and failures answer a styled French page with a way back."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, override_settings
from django.urls import path

from backoffice.core.roles import Role
from backoffice.urls import urlpatterns as site_urlpatterns
from tests.factories import UserFactory, staff_user
from tests.funds.factories import CallFactory

pytestmark = pytest.mark.django_db


def _refuse(request):
    raise PermissionDenied("Action réservée aux décideurs.")


def _crash(request):
    raise RuntimeError("boom")


def _bad(request):
    from django.core.exceptions import SuspiciousOperation

    raise SuspiciousOperation("forged")


urlpatterns = [path("essai/refus/", _refuse), path("essai/panne/", _crash),
               path("essai/mauvais/", _bad), *site_urlpatterns]


def _assert_french_page(response, status, heading):
    assert response.status_code == status
    text = response.content.decode()
    assert '<html lang="fr">' in text and heading in text
    assert 'href="/"' in text and "Revenir à l" in text  # the way back
    for english in ("Forbidden", "Not Found", "Server Error", "Bad Request"):
        assert english not in text


def test_a_page_refused_by_a_rule_says_why_in_french(django_app):
    call = CallFactory()
    user = staff_user(Role.INSTRUCTOR)
    response = django_app.get(f"/fonds/gestion/appels/{call.pk}/comite/", user=user, status=403)
    _assert_french_page(response, 403, "Vous n'avez pas accès à cette page")
    assert "Action réservée aux décideurs." in response.text


@override_settings(ROOT_URLCONF=__name__)
def test_permission_denied_shows_its_reason(client):
    client.force_login(UserFactory())
    response = client.get("/essai/refus/")
    _assert_french_page(response, 403, "Action réservée aux décideurs.")


def test_unknown_page_is_a_french_404(client):
    _assert_french_page(client.get("/nulle-part/"), 404, "Cette page n'existe pas ou plus")


@override_settings(ROOT_URLCONF=__name__)
def test_a_crash_is_a_french_500():
    response = Client(raise_request_exception=False).get("/essai/panne/")
    _assert_french_page(response, 500, "Une erreur est survenue de notre côté")


@override_settings(ROOT_URLCONF=__name__)
def test_a_bad_request_is_a_french_400(client):
    _assert_french_page(client.get("/essai/mauvais/"), 400,
                        "Cette demande n'a pas pu être comprise")


def test_an_expired_form_is_a_french_403(client):
    csrf_client = Client(enforce_csrf_checks=True)
    response = csrf_client.post("/compte/connexion/", {"username": "a", "password": "b"})
    _assert_french_page(response, 403, "Ce formulaire a expiré")
