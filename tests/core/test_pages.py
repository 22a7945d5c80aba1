import pytest
from django.core.management import call_command

from backoffice.core.models import Organisation, User


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/compte/connexion/", "/inscription/", "/admin/login/",
                                 "/api/schema/", "/api/docs/", "/compte/password_reset/"])
def test_public_pages_answer(client, url):
    assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


@pytest.mark.django_db
def test_healthz_503_when_broker_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_logins_work(client):
    call_command("seed_demo")
    counts = (User.objects.count(), Organisation.objects.count())
    call_command("seed_demo")
    assert (User.objects.count(), Organisation.objects.count()) == counts
    assert Organisation.objects.count() == 6
    asso = User.objects.get(email="asso@demo.local")
    assert asso.memberships.count() == 2
    for email in ["agent@demo.local", "instructeur@demo.local", "elu@demo.local",
                  "admin@demo.local", "asso@demo.local"]:
        assert client.login(email=email, password="demo"), email
    client.login(email="agent@demo.local", password="demo")
    assert client.get("/agent/").status_code == 200
    client.login(email="admin@demo.local", password="demo")
    assert client.get("/admin/core/organisation/").status_code == 200


@pytest.mark.django_db
def test_me_endpoint_and_token_auth(client):
    call_command("seed_demo")
    response = client.post("/api/v1/auth/token/", {"username": "asso@demo.local",
                                                   "password": "demo"})
    assert response.status_code == 200
    token = response.json()["token"]
    me = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}").json()
    assert me["email"] == "asso@demo.local" and len(me["memberships"]) == 2
