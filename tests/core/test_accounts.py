"""Sign-up verifies the address by an e-mailed link and never tells whether an account exists."""

import re

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from backoffice.core.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "un-mot-de-passe-solide"


def _link(message) -> str:
    url = re.search(r"http\S+/compte/confirmer/\S+", message.body).group(0)
    return url.replace("http://127.0.0.1:8000", "")


def _without_csrf(response) -> str:
    return re.sub(r'"X-CSRFToken": "[^"]+"|name="csrfmiddlewaretoken" value="[^"]+"', "",
                  response.content.decode())


def _fill(form, email):
    form["first_name"], form["last_name"], form["email"] = "Anne", "Le Bris", email
    form["password1"] = form["password2"] = PASSWORD
    return form


def test_signup_form_as_rendered_sends_a_link_that_verifies_and_returns_to_next(
        django_app, django_capture_on_commit_callbacks):
    page = django_app.get("/inscription/?next=/fonds/appels/7/vote/")
    with django_capture_on_commit_callbacks(execute=True):
        response = _fill(page.forms[1] if len(page.forms) > 1 else page.form,
                         "Anne@Example.org").submit()
    assert response.status_code == 302 and response["Location"] == "/inscription/message-envoye/"
    user = User.objects.get(email="anne@example.org")
    assert user.email_verified_at is None
    assert "_auth_user_id" not in django_app.session   # not logged in before the link
    assert "Vérifiez votre messagerie" in response.follow().text
    link = _link(mail.outbox[0])
    assert "next=%2Ffonds%2Fappels%2F7%2Fvote%2F" in link
    response = django_app.get(link)
    assert response.status_code == 302 and response["Location"] == "/fonds/appels/7/vote/"
    user.refresh_from_db()
    assert user.email_verified_at is not None
    assert django_app.session["_auth_user_id"] == str(user.pk)


def test_signup_form_error_keeps_what_was_typed(django_app):
    page = django_app.get("/inscription/")
    form = _fill(page.forms[1] if len(page.forms) > 1 else page.form, "anne@example.org")
    form["password2"] = "autre-chose-encore"
    response = form.submit(status=400)
    assert "ne correspondent pas" in response.text
    assert response.forms[1 if len(response.forms) > 1 else 0]["email"].value == \
        "anne@example.org"
    assert not User.objects.exists()


def test_signup_with_a_known_address_answers_the_same_and_mails_the_owner(
        client, django_capture_on_commit_callbacks):
    owner = UserFactory(email="deja@example.org")
    old_hash = owner.password
    data = {"first_name": "X", "last_name": "Y", "password1": PASSWORD, "password2": PASSWORD}
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post("/inscription/", {**data, "email": "DEJA@example.org"})
        new = client.post("/inscription/", {**data, "email": "nouveau@example.org"})
    assert (known.status_code, known["Location"]) == (new.status_code, new["Location"])
    assert _without_csrf(client.get(known["Location"])) == \
        _without_csrf(client.get(new["Location"]))
    assert User.objects.filter(email__iexact="deja@example.org").count() == 1
    owner.refresh_from_db()
    assert owner.password == old_hash
    to_owner = [m for m in mail.outbox if m.to == ["deja@example.org"]]
    assert len(to_owner) == 1 and "déjà un compte" in to_owner[0].subject
    assert "/compte/confirmer/" not in to_owner[0].body


def test_a_used_link_no_longer_logs_in_and_a_forged_or_expired_one_is_refused(
        client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/inscription/", {"first_name": "A", "last_name": "B",
                                      "email": "a@example.org", "password1": PASSWORD,
                                      "password2": PASSWORD})
    link = _link(mail.outbox[0])
    assert client.get(link.replace("/confirmer/", "/confirmer/x")).status_code == 400
    with time_machine.travel(timezone.now() + timezone.timedelta(days=4)):
        response = Client().get(link)
        assert response.status_code == 400 and "expiré" in response.content.decode()
    assert client.get(link)["Location"] == "/espace/"
    client.logout()
    response = client.get(link)
    assert response["Location"].startswith("/compte/connexion/")
    assert "_auth_user_id" not in client.session


def test_unverified_account_is_offered_a_new_link_on_the_vote_page(
        client, django_capture_on_commit_callbacks):
    from funds.models import CallPhase
    from tests.funds.factories import CallFactory

    call = CallFactory(participatory=True, phase=CallPhase.VOTE)
    user = UserFactory(email_verified_at=None)
    client.force_login(user)
    page = client.get(f"/fonds/appels/{call.pk}/vote/").content.decode()
    assert "Confirmez l'adresse de votre compte" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/compte/confirmer-adresse/renvoyer/",
                               {"next": f"/fonds/appels/{call.pk}/vote/"})
    assert response["Location"] == f"/fonds/appels/{call.pk}/vote/"
    assert client.get(_link(mail.outbox[0])).status_code == 302
    user.refresh_from_db()
    assert user.email_verified_at is not None


def test_signup_cannot_flood_a_mailbox(client, django_capture_on_commit_callbacks):
    from django.conf import settings

    UserFactory(email="cible@example.org")
    data = {"first_name": "X", "last_name": "Y", "email": "cible@example.org",
            "password1": PASSWORD, "password2": PASSWORD}
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(settings.ACCOUNT_EMAIL_LIMIT):
            assert client.post("/inscription/", data).status_code == 302
        response = client.post("/inscription/", data)
    assert response.status_code == 429 and "Trop de demandes" in response.content.decode()
    assert len(mail.outbox) == settings.ACCOUNT_EMAIL_LIMIT


def test_a_link_opened_in_another_browser_verifies_but_does_not_log_in(
        client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/inscription/?next=/fonds/", {
            "first_name": "A", "last_name": "B", "email": "a@example.org",
            "password1": PASSWORD, "password2": PASSWORD, "next": "/fonds/"})
    other = Client()
    response = other.get(_link(mail.outbox[0]))
    assert response.status_code == 302
    assert response["Location"].startswith("/compte/connexion/?next=/fonds/")
    assert "_auth_user_id" not in other.session
    assert User.objects.get(email="a@example.org").email_verified_at is not None
