"""An organisation's profile opened before someone else's save does not overwrite it."""

import pytest

from backoffice.core import services
from backoffice.core.models import Organisation
from tests.factories import OrganisationFactory, member_of

pytestmark = pytest.mark.django_db


def _profile_form(page):
    return next(f for f in page.forms.values() if "version" in f.fields)


def test_an_outdated_profile_page_is_refused_with_what_changed(django_app):
    organisation = OrganisationFactory()
    admin = member_of(organisation)
    url = f"/organisations/{organisation.pk}/modifier/"
    old_page = django_app.get(url, user=admin)
    assert "no-store" in old_page.headers["Cache-Control"]
    services.organisation_update(organisation=organisation, user=admin,
                                 version=_profile_form(old_page)["version"].value,
                                 city="Quimperlé")

    form = _profile_form(old_page)
    form["city"] = "Lanester"
    refused = form.submit(status=400)
    assert "modifiées depuis que vous avez ouvert cette page" in refused.text
    assert "Quimperlé" in refused.text
    assert Organisation.objects.get(pk=organisation.pk).city == "Quimperlé"

    again = _profile_form(refused)
    assert again["city"].value == "Lanester"  # what was typed is kept
    again.submit().follow()
    assert Organisation.objects.get(pk=organisation.pk).city == "Lanester"
