"""Several authorities on one deployment: nothing takes "the first one"."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from backoffice.core.selectors import site_authority
from tests.factories import AuthorityFactory

pytestmark = pytest.mark.django_db


def test_the_only_authority_or_the_setting_never_the_first(settings):
    first = AuthorityFactory(name="Lorient Agglomération")
    assert site_authority() == first
    second = AuthorityFactory(name="Ville de Quéven")
    assert site_authority() is None
    settings.SITE_AUTHORITY_ID = second.pk
    assert site_authority() == second


def test_pages_show_the_site_authority_not_the_first(client, settings):
    AuthorityFactory(name="Lorient Agglomération")
    second = AuthorityFactory(name="Ville de Quéven")
    assert "Lorient Agglomération" not in client.get("/").content.decode()
    settings.SITE_AUTHORITY_ID = second.pk
    page = client.get("/").content.decode()
    assert "Ville de Quéven" in page and "Lorient Agglomération" not in page


def test_pabulib_import_asks_which_authority_when_several(tmp_path):
    AuthorityFactory()
    AuthorityFactory()
    path = tmp_path / "vote.pb"
    path.write_text("META\nkey;value\n")
    with pytest.raises(CommandError, match="précisez --authority"):
        call_command("import_pabulib", str(path))
