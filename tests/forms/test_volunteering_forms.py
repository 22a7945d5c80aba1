"""Round trips of the volunteering pages' forms: volunteers, week grid, session, import,
validation, valuation method and revaluation, rates, attestations, filters."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from tests.factories import OrganisationFactory, member_of, staff_user
from tests.volunteering.factories import EntryFactory, VolunteerFactory
from volunteering.models import (
    ValuationRate,
    Volunteer,
    VolunteerAttestation,
    VolunteerEntry,
)

from .helpers import field_error, form_with, messages_of, tick, value_of


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(dt.datetime(2026, 3, 10, 12, 0), tick=False):
        yield dt.date(2026, 3, 10)


@pytest.fixture
def organisation(db):
    return OrganisationFactory(name="Les Amis du Blavet")


@pytest.fixture
def admin(organisation):
    return member_of(organisation)


@pytest.fixture
def volunteers(organisation):
    return [VolunteerFactory(organisation=organisation, name=name)
            for name in ["Anne B.", "Yann K.", "Soizic L."]]


def url(name, organisation, *args):
    return reverse(f"volunteering:{name}", args=[organisation.pk, *args])


def test_volunteer_add(app, organisation, admin):
    app.set_user(admin)
    form = form_with(app.get(url("volunteers", organisation)), "Ajouter")
    form["name"] = "   "
    refused = form.submit(status=400)
    assert "Ce champ est obligatoire." in field_error(refused, "name")
    assert not Volunteer.objects.exists()
    form = form_with(refused, "Ajouter")
    form["name"] = "Gwenaëlle P."
    done = form.submit().follow()
    assert Volunteer.objects.get().name == "Gwenaëlle P."
    assert "Gwenaëlle P. ajouté·e." in messages_of(done)


def test_week_grid(app, organisation, admin, volunteers):
    app.set_user(admin)
    page = app.get(url("week", organisation) + "?semaine=2026-03-04")
    form = form_with(page, "Enregistrer la semaine")
    form["volunteer"] = str(volunteers[0].pk)
    form["activity"] = "administration"
    form["day_0"], form["day_2"] = "2", "beaucoup"
    refused = form.submit(status=400)
    assert field_error(refused, "day_2")
    assert value_of(refused, "day_0") == "2"
    assert value_of(refused, "day_2") == "beaucoup"
    assert not VolunteerEntry.objects.exists()
    form = form_with(refused, "Enregistrer la semaine")
    form["day_2"] = "1,5"
    done = form.submit().follow()
    assert sorted(VolunteerEntry.objects.values_list("date", "hours")) == [
        (dt.date(2026, 3, 2), Decimal("2.00")), (dt.date(2026, 3, 4), Decimal("1.50"))]
    assert "2\xa0journées enregistrées" in messages_of(done)


def test_session(app, organisation, admin, volunteers):
    app.set_user(admin)
    form = form_with(app.get(url("session", organisation)), "Enregistrer la séance")
    form["date"] = "2026-03-07"
    form["hours"] = "-1"
    form["activity"] = "animation"
    tick(form, "volunteers", [v.pk for v in volunteers[:2]])
    form["new_names"] = "Paul D."
    refused = form.submit(status=400)
    assert "strictement positif" in field_error(refused, "hours")
    assert value_of(refused, "new_names") == "Paul D."
    assert not VolunteerEntry.objects.exists()
    form = form_with(refused, "Enregistrer la séance")
    form["hours"] = "3"
    done = form.submit().follow()
    assert VolunteerEntry.objects.filter(hours=Decimal("3.00")).count() == 3
    assert "Séance enregistrée pour 3 bénévoles" in messages_of(done)


def test_import_preview_then_confirm(app, organisation, admin, volunteers):
    app.set_user(admin)
    form = form_with(app.get(url("import", organisation)), "Vérifier le fichier")
    form["file"] = ("heures.csv", b"date;benevole;heures;activite\n01/03/2026;Anne B.;99;animation\n")
    refused = form.submit(status=400)
    assert "rien n'a été importé" in refused.text
    assert not VolunteerEntry.objects.exists()
    form = form_with(refused, "Vérifier le fichier")
    form["file"] = ("heures.csv", b"date;benevole;heures;activite\n01/03/2026;Anne B.;2,5;animation\n")
    preview = form.submit()
    assert "Aperçu avant import" in preview.text
    assert not VolunteerEntry.objects.exists()
    confirm = form_with(preview, "Confirmer l'import")
    done = confirm.submit().follow()
    assert VolunteerEntry.objects.get().hours == Decimal("2.50")
    assert "1\xa0saisie importée" in messages_of(done)
    again = confirm.submit().follow()
    assert "plus disponible" in messages_of(again)
    assert VolunteerEntry.objects.count() == 1


def test_validate_and_delete_from_the_list(app, organisation, admin, volunteers):
    drafts = [EntryFactory(volunteer=v, date=dt.date(2026, 3, 2)) for v in volunteers]
    app.set_user(admin)
    page = app.get(url("organisation", organisation))
    form = form_with(page, "Valider la sélection")
    refused = form.submit("action", value="selected").follow()
    assert "Cochez au moins une saisie à valider." in messages_of(refused)
    assert not VolunteerEntry.objects.filter(status="validated").exists()
    form = form_with(refused, "Valider la sélection")
    tick(form, "entry", [drafts[0].pk])
    done = form.submit("action", value="selected").follow()
    assert list(VolunteerEntry.objects.filter(status="validated")) == [drafts[0]]
    assert "1 saisies validées." in messages_of(done)
    # "Supprimer" is a button of the same form with its own formaction: the browser posts the
    # form's fields there.
    form = form_with(done, "Valider la sélection")
    delete = url("entry-delete", organisation, drafts[1].pk)
    assert done.html.find("button", attrs={"formaction": delete}) is not None
    form.action = delete
    deleted = form.submit().follow()
    assert not VolunteerEntry.objects.filter(pk=drafts[1].pk).exists()
    assert "Saisie supprimée." in messages_of(deleted)


def test_entries_filter(app, organisation, admin, volunteers):
    EntryFactory(volunteer=volunteers[0], date=dt.date(2026, 3, 2), validated=True)
    EntryFactory(volunteer=volunteers[1], date=dt.date(2026, 3, 3))
    app.set_user(admin)
    form = form_with(app.get(url("organisation", organisation)), "Filtrer")
    form["statut"] = "validated"
    listed = form.submit()
    rows = " ".join(r.get_text() for r in listed.html.select("#saisies ~ * tbody tr, "
                                                              "section tbody tr"))
    assert "Anne B." in rows and "Yann K." not in rows
    assert value_of(listed, "statut") == "validated"


def test_method_and_revalue(app, organisation, admin, volunteers):
    EntryFactory(volunteer=volunteers[0], date=dt.date(2025, 5, 1), validated=True)
    app.set_user(admin)
    page = app.get(url("organisation", organisation))
    form = form_with(page, "Changer de méthode")
    form["valuation_method"].force_value("inconnue")
    refused = form.submit().follow()
    assert "Méthode inconnue." in messages_of(refused)
    form = form_with(refused, "Changer de méthode")
    form["valuation_method"] = "smic_loaded"
    changed = form.submit().follow()
    assert "Méthode enregistrée." in messages_of(changed)
    form = form_with(changed, "Revaloriser")
    form["year"] = "1900"
    refused = form.submit().follow()
    assert "Année invalide." in messages_of(refused)
    assert VolunteerEntry.objects.get().rate == Decimal("11.88")
    form = form_with(refused, "Revaloriser")
    form["year"] = "2025"
    done = form.submit().follow()
    entry = VolunteerEntry.objects.get()
    assert (entry.valuation_method, entry.rate) == ("smic_loaded", Decimal("17.23"))
    assert "1\xa0saisie revalorisée" in messages_of(done)


def test_rates(app):
    app.set_user(staff_user())
    form = form_with(app.get(reverse("volunteering:rates")), "Enregistrer")
    form["kind"] = "smic"
    form["valid_from"] = "2027-01-01"
    form["value"] = "douze"
    refused = form.submit(status=400)
    assert field_error(refused, "value")
    assert value_of(refused, "valid_from") == "2027-01-01"
    assert not ValuationRate.objects.filter(valid_from=dt.date(2027, 1, 1)).exists()
    form = form_with(refused, "Enregistrer")
    form["value"] = "12,30"
    done = form.submit().follow()
    assert ValuationRate.objects.get(valid_from=dt.date(2027, 1, 1)).value == Decimal("12.3000")
    assert "Taux enregistré." in messages_of(done)


def test_attestation_request(app, organisation, admin, volunteers):
    EntryFactory(volunteer=volunteers[0], date=dt.date(2025, 5, 1), validated=True)
    app.set_user(admin)
    form = form_with(app.get(url("attestations", organisation)), "Générer")
    form["year"] = "1999"
    refused = form.submit(status=400)
    assert field_error(refused, "year")
    assert value_of(refused, "year") == "1999"
    assert not VolunteerAttestation.objects.exists()
    form = form_with(refused, "Générer")
    form["year"] = "2025"
    done = form.submit().follow()
    assert VolunteerAttestation.objects.get().year == 2025
    assert "L'attestation est en cours de génération" in messages_of(done)


def test_agents_year_choice(app, organisation, admin, volunteers):
    EntryFactory(volunteer=volunteers[0], date=dt.date(2025, 5, 1), validated=True,
                 hours=Decimal("7.00"))
    app.set_user(staff_user())
    form = form_with(app.get(reverse("volunteering:index")), "Afficher")
    form["annee"] = "2025"
    shown = form.submit()
    assert value_of(shown, "annee") == "2025"
    assert "heures validées en 2025" in shown.text
    [row] = [r for r in shown.html.select("tbody tr") if "Les Amis du Blavet" in r.get_text()]
    assert row.select("td")[1].get_text(strip=True).startswith("7")
    # The current year has no validated hours: the same form shows it empty.
    form = form_with(shown, "Afficher")
    form["annee"] = "2026"
    assert "Aucune heure de bénévolat." in form.submit().text
