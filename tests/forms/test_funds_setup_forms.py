"""Round trips of the pages that set up funds and calls: the fund form, the call form (with
its questions and its calendar) and the copy of last year's call."""

import datetime as dt
from decimal import Decimal

import time_machine
from django.urls import reverse

from backoffice.core.roles import Role
from funds.models import Award, Call, CallPhase, Fund
from tests.factories import AuthorityFactory, staff_user
from tests.funds.factories import ApplicationFactory, CallFactory, FundFactory

from .helpers import field_error, form_with, messages_of, summary_of, tick, value_of


def _fill_fund(form, **values):
    form["name"] = "Fonds pour les initiatives citoyennes 2027"
    form["year_start"] = form["year_end"] = "2027"
    form["envelope"] = "200 000,00"
    tick(form, "natures", ["projet", "fonctionnement"])
    form["budget_imputation"] = "6574"
    form["max_authority_share"] = "80"
    form["max_public_share"] = ""
    form["min_self_financing_share"] = "10"
    form["min_amount"] = "500"
    form["max_amount"] = "15 000 €"
    for name, value in values.items():
        form[name] = value


def test_fund_create(app):
    AuthorityFactory()
    app.set_user(staff_user(Role.FINANCE_AGENT))
    page = app.get(reverse("funds:fund-create"))
    form = form_with(page, "Créer le fonds")
    _fill_fund(form, envelope="200.000", max_authority_share="120")
    tick(form, "natures", [])
    refused = form.submit(status=400)
    assert "Deux décimales au plus" in field_error(refused, "envelope")
    assert "compris entre 0 et 100" in field_error(refused, "max_authority_share")
    assert value_of(refused, "max_authority_share") == "120"
    assert "Cochez au moins une case." in field_error(refused, "natures")
    assert value_of(refused, "envelope") == "200.000"
    assert value_of(refused, "name") == "Fonds pour les initiatives citoyennes 2027"
    assert summary_of(refused)
    assert not Fund.objects.exists()

    form = form_with(refused, "Créer le fonds")
    _fill_fund(form)
    done = form.submit().follow()
    fund = Fund.objects.get()
    assert fund.envelope == Decimal("200000.00")
    assert (fund.max_authority_share, fund.min_self_financing_share) == (Decimal("0.8000"),
                                                                         Decimal("0.1000"))
    assert fund.max_public_share is None
    assert sorted(fund.natures) == ["fonctionnement", "projet"]
    assert fund.max_amount == Decimal("15000.00")
    assert "Fonds « Fonds pour les initiatives citoyennes 2027 » créé" in messages_of(done)
    assert "80\u00a0%" in done.text


def test_fund_create_asks_which_authority_when_several_share_the_service(app, settings):
    """Two authorities share the service: the page asks which one endows the fund (none
    preselected without SITE_AUTHORITY_ID), refuses to guess and keeps what was typed."""
    settings.SITE_AUTHORITY_ID = None
    commune = AuthorityFactory(name="Ville de Lanester")
    epci = AuthorityFactory(name="Lorient Agglomération", reference_code="LA")
    app.set_user(staff_user(Role.FINANCE_AGENT))
    page = app.get(reverse("funds:fund-create"))
    form = form_with(page, "Créer le fonds")
    options = [text for _value, _selected, text in form.fields["authority"][0].options]
    assert options == ["Choisissez la collectivité", commune.name, epci.name] or options == [
        "Choisissez la collectivité", epci.name, commune.name]
    _fill_fund(form)
    refused = form.submit(status=400)
    assert "Choisissez la collectivité concernée" in field_error(refused, "authority")
    assert value_of(refused, "envelope") == "200 000,00"
    assert not Fund.objects.exists()
    form = form_with(refused, "Créer le fonds")
    form["authority"] = str(epci.pk)
    form.submit().follow()
    assert Fund.objects.get().authority == epci


def test_fund_create_preselects_the_site_authority(app, settings):
    commune = AuthorityFactory(name="Ville de Lanester")
    AuthorityFactory(name="Lorient Agglomération", reference_code="LA")
    settings.SITE_AUTHORITY_ID = commune.pk
    app.set_user(staff_user(Role.FINANCE_AGENT))
    assert value_of(app.get(reverse("funds:fund-create")), "authority") == str(commune.pk)


def test_fund_edit_keeps_the_envelope_above_what_is_awarded(app):
    fund = FundFactory(envelope=Decimal("100000.00"))
    Award.objects.create(
        application=ApplicationFactory(call=CallFactory(fund=fund), eligible=True), fund=fund,
        amount=Decimal("60000.00"), nature="projet", deliberation_reference="DEL-1",
        deliberation_date=dt.date(2026, 3, 1), awarded_by=staff_user(Role.DECISION_MAKER),
        awarded_at=dt.datetime(2026, 3, 1, 18, tzinfo=dt.UTC))
    app.set_user(staff_user(Role.ADMINISTRATOR))
    page = app.get(reverse("funds:fund-edit", args=[fund.pk]))
    form = form_with(page, "Enregistrer le fonds")
    assert value_of(page, "max_authority_share") == "80"
    assert value_of(page, "envelope") == "100000,00"
    form["envelope"] = "50 000"
    refused = form.submit(status=400)
    assert "ne peut pas descendre sous le montant déjà attribué (60\u202f000,00\u00a0€)" in (
        field_error(refused, "envelope"))
    assert value_of(refused, "envelope") == "50 000"
    fund.refresh_from_db()
    assert fund.envelope == Decimal("100000.00")

    form = form_with(refused, "Enregistrer le fonds")
    form["envelope"] = "120 000,50"
    form["max_public_share"] = "90"
    done = form.submit().follow()
    fund.refresh_from_db()
    assert (fund.envelope, fund.max_public_share) == (Decimal("120000.50"), Decimal("0.9000"))
    assert "enregistré" in messages_of(done)


def _fill_call(form, today, **values):
    form["kind"] = "initiatives"
    form["title"] = "Appel à initiatives 2027"
    form["description"] = "Des projets pour les transitions."
    tick(form, "applicant_kinds", ["association", "informal"])
    tick(form, "required_documents", ["statutes", "rib"])
    form["questions-0-label"] = "Comment les habitants sont-ils associés ?"
    form["questions-1-label"] = "Quels effets pour le climat ?"
    form["opens_on"] = (today + dt.timedelta(days=10)).isoformat()
    form["closes_on"] = (today + dt.timedelta(days=40)).isoformat()
    form["vote_on"] = ""
    form["decision_on"] = (today + dt.timedelta(days=60)).isoformat()
    form["results_on"] = (today + dt.timedelta(days=70)).isoformat()
    form["ends_on"] = (today + dt.timedelta(days=300)).isoformat()
    for name, value in values.items():
        form[name] = value


@time_machine.travel(dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC), tick=False)
def test_call_create(app):
    fund = FundFactory()
    today = dt.date(2026, 12, 1)
    app.set_user(staff_user(Role.FINANCE_AGENT))
    page = app.get(reverse("funds:call-create", args=[fund.pk]))
    form = form_with(page, "Créer l'appel")
    # The decision typed in the wrong year: the error is on the decision date, not elsewhere.
    _fill_call(form, today, decision_on="2026-02-01")
    refused = form.submit(status=400)
    assert "Le début de la décision (01/02/2026) doit venir après" in field_error(
        refused, "decision_on")
    assert field_error(refused, "ends_on") == ""
    assert field_error(refused, "closes_on") == ""
    assert value_of(refused, "questions-1-label") == "Quels effets pour le climat ?"
    assert value_of(refused, "decision_on") == "2026-02-01"
    assert not Call.objects.exists()

    form = form_with(refused, "Créer l'appel")
    _fill_call(form, today)
    done = form.submit().follow()
    call = Call.objects.get()
    assert call.phase == CallPhase.DRAFT
    assert call.applicant_kinds == ["association", "informal"]
    assert call.required_documents == ["statutes", "rib"]
    assert call.questions == ["Comment les habitants sont-ils associés ?",
                              "Quels effets pour le climat ?"]
    assert call.opens_on == dt.date(2026, 12, 11)
    assert "créé en préparation" in messages_of(done)


def test_call_edit(app):
    call = CallFactory(questions=["Première question ?"], required_documents=["rib"])
    app.set_user(staff_user(Role.FINANCE_AGENT))
    page = app.get(reverse("funds:call-edit", args=[call.pk]))
    assert value_of(page, "questions-0-label") == "Première question ?"
    assert [box._value for box in form_with(page, "Enregistrer l'appel").fields[
        "required_documents"] if box.checked] == ["rib"]
    form = form_with(page, "Enregistrer l'appel")
    tick(form, "applicant_kinds", [])
    refused = form.submit(status=400)
    assert "Cochez au moins une case." in field_error(refused, "applicant_kinds")
    form = form_with(refused, "Enregistrer l'appel")
    tick(form, "applicant_kinds", ["association"])
    form["closes_on"] = (call.opens_on - dt.timedelta(days=3)).isoformat()
    refused = form.submit(status=400)
    assert "La clôture des dépôts" in field_error(refused, "closes_on")
    assert "ne peut pas précéder l'ouverture des dépôts" in field_error(refused, "closes_on")
    assert field_error(refused, "ends_on") == ""
    call.refresh_from_db()
    assert call.closes_on > call.opens_on

    form = form_with(refused, "Enregistrer l'appel")
    form["closes_on"] = (call.closes_on + dt.timedelta(days=5)).isoformat()
    form["questions-1-label"] = "Deuxième question ?"
    tick(form, "applicant_kinds", ["association", "individual"])
    form["min_age"] = "16"
    done = form.submit().follow()
    call.refresh_from_db()
    assert call.questions == ["Première question ?", "Deuxième question ?"]
    assert call.applicant_kinds == ["association", "individual"]
    assert call.min_age == 16
    assert "enregistré" in messages_of(done)


@time_machine.travel(dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC), tick=False)
def test_call_duplicate(app):
    previous = FundFactory(name="Fonds 2026", year_start=2026, year_end=2026)
    following = FundFactory(authority=previous.authority, name="Fonds 2027", year_start=2027,
                            year_end=2027)
    call = CallFactory(fund=previous, title="Appel à initiatives 2026", phase=CallPhase.CLOSED,
                       questions=["Pour qui ?"], required_documents=["statutes"],
                       opens_on=dt.date(2026, 2, 1), closes_on=dt.date(2026, 2, 28),
                       decision_on=dt.date(2026, 4, 1), results_on=dt.date(2026, 5, 1),
                       ends_on=dt.date(2026, 12, 31))
    app.set_user(staff_user(Role.FINANCE_AGENT))
    detail = app.get(reverse("funds:agent-call-detail", args=[call.pk]))
    page = detail.click("Dupliquer pour l'an prochain")
    assert "Appel à initiatives 2027" in page.text
    form = form_with(page, "Créer la copie en préparation")
    assert value_of(page, "fund") == str(following.pk)
    form["fund"].force_value("999999")
    refused = form.submit(status=400)
    assert "Choisissez un fonds de la liste." in field_error(refused, "fund")
    assert Call.objects.count() == 1

    done = form_with(refused, "Créer la copie en préparation").submit().follow()
    copy = Call.objects.exclude(pk=call.pk).get()
    assert (copy.fund, copy.title, copy.phase) == (following, "Appel à initiatives 2027",
                                                   CallPhase.DRAFT)
    assert copy.opens_on == dt.date(2027, 2, 1)
    assert "Copie « Appel à initiatives 2027 » créée en préparation" in messages_of(done)
    # The same confirmation sent twice does not make a second copy.
    again = form_with(refused, "Créer la copie en préparation").submit(status=400)
    assert "existe sans doute déjà" in summary_of(again)
    assert Call.objects.count() == 2
