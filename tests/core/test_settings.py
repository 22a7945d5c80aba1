import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


# What the test run itself sets (the browser journeys' async switch) is not a deployment's.
TEST_ONLY = {"DJANGO_ALLOW_ASYNC_UNSAFE"}


def _run(env):
    base = {key: value for key, value in os.environ.items() if key not in TEST_ONLY}
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level",
                           "WARNING"], cwd=ROOT, env={**base, **env}, capture_output=True,
                          text=True, timeout=120)


def test_production_refuses_to_start_without_secret_key():
    result = _run({"DJANGO_SETTINGS_MODULE": "backoffice.settings.production", "SECRET_KEY": "",
                   "ALLOWED_HOSTS": "pacte.example.fr"})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = _run({"DJANGO_SETTINGS_MODULE": "backoffice.settings.production",
                   "SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": ""})
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_production_passes_check_deploy_without_warnings():
    result = _run({"DJANGO_SETTINGS_MODULE": "backoffice.settings.production",
                   "SECRET_KEY": "k3y-" + "abcdefghij" * 6, "ALLOWED_HOSTS": "pacte.example.fr",
                   "SITE_URL": "https://pacte.example.fr"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_its_public_address():
    result = _run({"DJANGO_SETTINGS_MODULE": "backoffice.settings.production",
                   "SECRET_KEY": "k3y-" + "abcdefghij" * 6, "ALLOWED_HOSTS": "pacte.example.fr",
                   "SITE_URL": ""})
    assert result.returncode != 0
    assert "SITE_URL" in result.stderr


def test_the_demo_links_to_the_port_it_is_served_on():
    code = "from django.conf import settings; print(settings.SITE_URL)"
    env = {k: v for k, v in os.environ.items() if k != "SITE_URL"}
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT,
                            env={**env, "DJANGO_SETTINGS_MODULE": "backoffice.settings.base",
                                 "PORT": "8101"},
                            capture_output=True, text=True, timeout=120)
    assert result.stdout.strip().splitlines()[-1] == "http://127.0.0.1:8101", result.stderr
