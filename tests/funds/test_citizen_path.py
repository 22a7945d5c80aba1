"""A resident's path, through the rendered pages: sign up from the vote, confirm, results."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from backoffice.core.roles import Role
from funds.models import CallPhase, Voter
from tests.factories import UserFactory, staff_user

from .factories import ApplicationFactory, CallFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def vote_call():
    call = CallFactory(participatory=True, phase=CallPhase.VOTE, max_choices=2,
                       voter_min_age=16, voter_residence="Lorient")
    call.projects = [ApplicationFactory(call=call, eligible=True, amount_requested=Decimal(a))
                     for a in ("4000.00", "3000.00")]
    return call


def test_signing_up_from_the_vote_page_returns_to_the_vote(vote_call, django_app, settings,
                                                           django_capture_on_commit_callbacks):
    settings.SITE_URL = "http://127.0.0.1:8101"
    vote_url = f"/fonds/appels/{vote_call.pk}/vote/"
    page = django_app.get(vote_url)
    signup = page.click("Créer un compte", index=1)  # the header has one too
    assert "habitant" in signup.text
    form = next(f for f in signup.forms.values() if "password1" in f.fields)
    form["first_name"], form["last_name"] = "Anne", "Le Bris"
    form["email"] = "anne@example.org"
    form["password1"] = form["password2"] = "velo-quartier-2026"
    with django_capture_on_commit_callbacks(execute=True):
        sent = form.submit().follow()
    assert "Vérifiez votre messagerie" in sent.text
    # the address is confirmed by the e-mailed link, which carries the way back to the vote
    account_link = re.search(r"(https?://\S+/compte/confirmer/\S+)", mail.outbox[-1].body).group(1)
    landed = django_app.get(account_link.removeprefix("http://127.0.0.1:8101")).follow()
    assert landed.request.path == vote_url
    assert "Inscription au vote" in landed.text

    register = next(f for f in landed.forms.values()
                    if "action" in f.fields and f["action"].value == "register")
    register["first_name"], register["last_name"] = "Anne", "Le Bris"
    register["birth_date"] = "1990-01-01"
    register["resident"] = True
    with django_capture_on_commit_callbacks(execute=True):
        register.submit().follow()
    link = re.search(r"(https?://\S+)", mail.outbox[-1].body).group(1)
    assert link.startswith("http://127.0.0.1:8101/")
    django_app.get(link.removeprefix("http://127.0.0.1:8101")).follow()
    assert Voter.objects.get(email="anne@example.org").verified_at is not None


def test_a_forged_next_does_not_leave_the_site(django_app, django_capture_on_commit_callbacks):
    signup = django_app.get("/inscription/?next=https://ailleurs.example/")
    form = next(f for f in signup.forms.values() if "password1" in f.fields)
    form["first_name"], form["last_name"] = "Paul", "Martin"
    form["email"] = "paul@example.org"
    form["password1"] = form["password2"] = "velo-quartier-2026"
    with django_capture_on_commit_callbacks(execute=True):
        response = form.submit()
    assert response.location.endswith("/inscription/message-envoye/")
    link = re.search(r"(https?://\S+/compte/confirmer/\S+)", mail.outbox[-1].body).group(1)
    assert "ailleurs" not in link
    response = django_app.get(link.removeprefix("http://127.0.0.1:8000"))
    assert response.location.endswith("/espace/")


@pytest.mark.parametrize("role, space", [(None, "/espace/"), (Role.INSTRUCTOR, "/agent/")])
def test_after_login_each_person_lands_on_their_own_space(django_app, role, space):
    user = staff_user(role) if role else UserFactory()
    user.set_password("velo-quartier-2026")
    user.save()
    page = django_app.get("/compte/connexion/")
    form = next(f for f in page.forms.values() if "password" in f.fields)
    form["username"], form["password"] = user.email, "velo-quartier-2026"
    landed = form.submit().maybe_follow()
    assert landed.request.path == space


def test_published_results_are_linked_from_the_home_page_and_the_call(django_app):
    call = CallFactory(participatory=True, phase=CallPhase.CLOSED,
                       vote_on=timezone.localdate() - dt.timedelta(days=60))
    call.results_published_at = timezone.now()
    call.save()
    home = django_app.get("/")
    results = home.click(href=f"/fonds/appels/{call.pk}/resultats/")
    assert results.status_code == 200
    detail = django_app.get(f"/fonds/appels/{call.pk}/")
    assert f"/fonds/appels/{call.pk}/resultats/" in detail.text
