"""Round trip of the personal-data request form (RGPD art. 15 to 21)."""

from django.urls import reverse

from backoffice.legal.models import DataRequest
from tests.factories import OrganisationFactory, member_of

from .helpers import field_error, form_with, messages_of, value_of


def test_personal_data_request(app):
    user = member_of(OrganisationFactory())
    app.set_user(user)
    form = form_with(app.get(reverse("legal:my-data")), "Envoyer ma demande")
    form["message"] = "Merci d'effacer mon inscription au vote 2025."
    refused = form.submit(status=400)
    assert "Ce champ est obligatoire." in field_error(refused, "kind")
    assert value_of(refused, "message") == "Merci d'effacer mon inscription au vote 2025."
    assert not DataRequest.objects.exists()
    form = form_with(refused, "Envoyer ma demande")
    form["kind"] = "effacement"
    done = form.submit().follow()
    request = DataRequest.objects.get()
    assert (request.user, request.kind) == (user, "effacement")
    assert "Votre demande est enregistrée" in messages_of(done)
