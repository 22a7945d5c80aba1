"""Round trips of the conventions pages' forms: creating a convention (by hand or from an
award), its lifecycle on the detail page, the schedule, open data, the financial report."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from backoffice.core.roles import Role
from conventions.models import Amendment, Convention, ConventionStatus, FinancialReport
from tests.conventions.factories import make_convention
from tests.factories import AuthorityFactory, OrganisationFactory, member_of, staff_user
from tests.funds.factories import ApplicationFactory

from .helpers import field_error, form_with, messages_of, summary_of, value_of


@pytest.fixture
def agent(db):
    return staff_user(Role.FINANCE_AGENT)


def _detail(app, convention):
    return app.get(reverse("conventions:convention-detail", args=[convention.pk]))


def _action(convention, name):
    return reverse("conventions:convention-action", args=[convention.pk, name])


def test_convention_create(app, agent):
    AuthorityFactory()
    organisation = OrganisationFactory(name="Ti Ar Vro")
    app.set_user(agent)
    form = form_with(app.get(reverse("conventions:convention-create")), "Créer la convention")
    form["organisation"] = str(organisation.pk)
    form["object"] = "Animation d'ateliers de sobriété énergétique"
    form["nature"] = "fonctionnement"
    form["start_date"], form["end_date"] = "2026-01-01", "2027-12-31"
    form["yearly_amounts"] = "30 000 ; trente mille"
    form["conditions_of_use"] = "Fonctionnement de l'association."
    form["evaluation_terms"] = "Comité de suivi annuel."
    refused = form.submit(status=400)
    assert field_error(refused, "yearly_amounts")
    assert value_of(refused, "yearly_amounts") == "30 000 ; trente mille"
    assert not Convention.objects.exists()
    form = form_with(refused, "Créer la convention")
    form["yearly_amounts"] = "30 000 ; 32 000"
    detail = form.submit().follow()
    convention = Convention.objects.get()
    assert convention.organisation == organisation
    assert [y.planned_amount for y in convention.years.order_by("year")] == [
        Decimal("30000.00"), Decimal("32000.00")]
    assert f"Convention {convention.reference} créée." in messages_of(detail)


def test_convention_from_award_on_the_list(app, agent):
    application = ApplicationFactory(eligible=True)
    award = _award(application)
    app.set_user(agent)
    page = app.get(reverse("conventions:convention-list"))
    button = form_with(page, "Créer la convention",
                       url=reverse("conventions:convention-from-award", args=[award.pk]))
    detail = button.submit().follow()
    assert Convention.objects.get().award == award
    assert "créée en brouillon" in messages_of(detail)
    again = button.submit().follow()
    assert Convention.objects.count() == 1
    assert "a déjà sa convention" in messages_of(again)


def _award(application):
    from funds import services as funds_services

    return funds_services.application_award(
        application=application, actor=staff_user(Role.DECISION_MAKER),
        amount=Decimal("4000.00"), nature=application.nature,
        deliberation_reference="DEL-2026-1", deliberation_date=timezone.localdate())


def test_convention_list_filter(app, agent):
    make_convention(organisation=OrganisationFactory(name="Brouillon & Cie"))
    make_convention(organisation=OrganisationFactory(name="Signée SA"), signed=True)
    app.set_user(agent)
    form = form_with(app.get(reverse("conventions:convention-list")), "Filtrer")
    form["status"] = "signed"
    listed = form.submit()
    rows = " ".join(row.get_text() for row in listed.html.select("table tbody tr"))
    assert "Signée SA" in rows and "Brouillon & Cie" not in rows
    assert value_of(listed, "status") == "signed"
    form = form_with(listed, "Filtrer")
    form["year"] = "1900"
    refused = form.submit()
    assert field_error(refused, "year")
    assert value_of(refused, "year") == "1900"


def test_send_for_signature(app, agent):
    incomplete = make_convention(conditions_of_use="")
    app.set_user(agent)
    refused = form_with(_detail(app, incomplete), url=_action(incomplete, "send")).submit()
    refused = refused.follow()
    incomplete.refresh_from_db()
    assert incomplete.status == ConventionStatus.DRAFT
    assert "Données manquantes pour les clauses obligatoires" in messages_of(refused)
    convention = make_convention()
    sent = form_with(_detail(app, convention), url=_action(convention, "send")).submit().follow()
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.SENT
    assert "Convention envoyée pour signature" in messages_of(sent)


def test_sign(app, agent):
    convention = make_convention()
    from conventions import services

    services.convention_transition(convention=convention, to=ConventionStatus.SENT, actor=agent)
    app.set_user(agent)
    form = form_with(_detail(app, convention), url=_action(convention, "sign"))
    form["authority_signatory"] = "Marie Le Du"
    form["organisation_signatory"] = ""
    refused = form.submit(status=400)
    assert "Ce champ est obligatoire." in field_error(refused, "organisation_signatory")
    assert value_of(refused, "authority_signatory") == "Marie Le Du"
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.SENT
    form = form_with(refused, url=_action(convention, "sign"))
    form["organisation_signatory"] = "Loïc Le Pape"
    signed = form.submit().follow()
    convention.refresh_from_db()
    assert (convention.status, convention.organisation_signatory) == (ConventionStatus.SIGNED,
                                                                      "Loïc Le Pape")
    assert "Signature enregistrée." in messages_of(signed)


def test_regenerate_document(app, agent):
    convention = make_convention(signed=True)
    before = convention.documents.count()
    app.set_user(agent)
    done = form_with(_detail(app, convention), "Générer une nouvelle version").submit().follow()
    assert convention.documents.count() == before + 1
    assert "Nouvelle version du document demandée." in messages_of(done)


def test_confirm_year(app, agent):
    convention = make_convention(signed=True)
    year = convention.years.order_by("year").first()
    app.set_user(agent)
    form = form_with(_detail(app, convention), url=_action(convention, "confirm-year"),
                     year=year.pk)
    form["amount"] = "vingt mille"
    form["vote_reference"] = "BP 2026"
    form["vote_date"] = "2026-01-20"
    refused = form.submit(status=400)
    row = {"url": _action(convention, "confirm-year"), "where": {"year": year.pk}}
    assert "Saisissez un nombre." in field_error(refused, "amount", **row)
    assert value_of(refused, "amount", **row) == "vingt mille"
    assert value_of(refused, "vote_reference", **row) == "BP 2026"
    year.refresh_from_db()
    assert year.confirmed_amount is None
    form = form_with(refused, url=_action(convention, "confirm-year"), year=year.pk)
    form["amount"] = "28000"
    done = form.submit().follow()
    year.refresh_from_db()
    assert (year.confirmed_amount, year.budget_vote_reference) == (Decimal("28000.00"), "BP 2026")
    assert "Tranche confirmée" in messages_of(done)


def _orderable_line(convention):
    for year in convention.years.all():
        for line in year.lines.all():
            if line.trigger_date and year.status != "planned":
                return line
    raise AssertionError("no line to order")


def test_order_then_pay(app, agent):
    convention = make_convention(confirmed=True)
    line = _orderable_line(convention)
    app.set_user(agent)
    form = form_with(_detail(app, convention), url=_action(convention, "order"), line=line.pk)
    form["ordered_on"] = "2026-02-01"
    form["mandate_reference"] = ""
    form["account"] = "6574-1"
    refused = form.submit(status=400)
    row = {"url": _action(convention, "order"), "where": {"line": line.pk}}
    assert "Ce champ est obligatoire." in field_error(refused, "mandate_reference", **row)
    assert value_of(refused, "account", **row) == "6574-1"
    assert not line.payments.exists()
    form = form_with(refused, url=_action(convention, "order"), line=line.pk)
    form["mandate_reference"] = "M-2026-17"
    ordered = form.submit().follow()
    payment = line.payments.get()
    assert (payment.status, payment.mandate_reference) == ("ordered", "M-2026-17")
    assert "Mandat enregistré." in messages_of(ordered)
    form = form_with(ordered, url=_action(convention, "paid"), payment=payment.pk)
    form["paid_on"] = "pas une date"
    refused = form.submit(status=400)
    row = {"url": _action(convention, "paid"), "where": {"payment": payment.pk}}
    assert "Saisissez une date valide." in field_error(refused, "paid_on", **row)
    assert value_of(refused, "paid_on", **row) == "pas une date"
    payment.refresh_from_db()
    assert payment.status == "ordered"
    form = form_with(refused, url=_action(convention, "paid"), payment=payment.pk)
    form["paid_on"] = "2026-02-10"
    paid = form.submit().follow()
    payment.refresh_from_db()
    assert (payment.status, payment.paid_on) == ("paid", dt.date(2026, 2, 10))
    assert "Versement enregistré." in messages_of(paid)


def test_amend_then_sign_amendment(app, agent):
    convention = make_convention(signed=True)
    app.set_user(agent)
    form = form_with(_detail(app, convention), url=_action(convention, "amend"))
    form["reason"] = "Extension du projet"
    form["new_amounts"] = "2027 trente-cinq mille"
    refused = form.submit(status=400)
    assert "année = montant" in field_error(refused, "new_amounts")
    assert value_of(refused, "reason", url=_action(convention, "amend")) == "Extension du projet"
    assert not Amendment.objects.exists()
    form = form_with(refused, url=_action(convention, "amend"))
    form["new_amounts"] = "2027 = 35 000"
    form["decision_reference"] = "DEL-2026-88"
    form["decision_date"] = "2026-05-20"
    prepared = form.submit().follow()
    amendment = Amendment.objects.get()
    assert amendment.status == "draft"
    assert "Avenant préparé" in messages_of(prepared)
    send = form_with(prepared, url=_action(convention, "send-amendment"), amendment=amendment.pk)
    sent = send.submit().follow()
    amendment.refresh_from_db()
    assert amendment.status == "sent"
    assert "Avenant envoyé pour signature" in messages_of(sent)
    # The same button of the stale page sends nothing twice: a French refusal.
    again = send.submit(status=400)
    amendment.refresh_from_db()
    assert amendment.status == "sent"
    assert "L'action n'a pas été enregistrée" in summary_of(again)
    form = form_with(sent, url=_action(convention, "sign-amendment"),
                     amendment=amendment.pk)
    form["signed_on"] = ""
    refused = form.submit(status=400)
    row = {"url": _action(convention, "sign-amendment"), "where": {"amendment": amendment.pk}}
    assert "Ce champ est obligatoire." in field_error(refused, "signed_on", **row)
    amendment.refresh_from_db()
    assert amendment.status == "sent"
    form = form_with(refused, url=_action(convention, "sign-amendment"), amendment=amendment.pk)
    form["signed_on"] = "2026-06-01"
    signed = form.submit().follow()
    amendment.refresh_from_db()
    assert amendment.status == "signed"
    assert convention.years.get(year=2027).planned_amount == Decimal("35000.00")
    assert "Avenant signé et appliqué." in messages_of(signed)


def test_terminate(app, agent):
    convention = make_convention(signed=True)
    app.set_user(agent)
    form = form_with(_detail(app, convention), url=_action(convention, "terminate"))
    form["terminated_on"] = "2026-06-30"
    refused = form.submit(status=400)
    terminate = _action(convention, "terminate")
    assert "Ce champ est obligatoire." in field_error(refused, "reason", url=terminate)
    assert value_of(refused, "terminated_on", url=terminate) == "2026-06-30"
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.SIGNED
    form = form_with(refused, url=_action(convention, "terminate"))
    form["reason"] = "Dissolution de l'association."
    done = form.submit().follow()
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.TERMINATED
    assert "Convention résiliée." in messages_of(done)


def test_open_data_publication(app, agent):
    convention = make_convention(signed=True)
    assert convention.open_data_deadline
    app.set_user(agent)
    url = reverse("conventions:open-data-published", args=[convention.pk])
    form = form_with(_detail(app, convention), url=url)
    refused = form.submit().follow()
    assert "Indiquez une date de publication valide." in messages_of(refused)
    convention.refresh_from_db()
    assert convention.open_data_published_on is None
    form = form_with(refused, url=url)
    form["published_on"] = "2026-02-01"
    done = form.submit().follow()
    convention.refresh_from_db()
    assert convention.open_data_published_on == dt.date(2026, 2, 1)
    assert "Publication en données ouvertes enregistrée" in messages_of(done)


def test_schedule_edit(app, agent):
    convention = make_convention(signed=True)
    year = convention.years.order_by("year").first()
    before = [(line.kind, line.planned_date, line.amount) for line in year.lines.all()]
    app.set_user(agent)
    url = reverse("conventions:schedule-edit", args=[convention.pk, year.pk])
    # The page submitted as rendered (an empty row offered to add a line) saves as is.
    unchanged = form_with(app.get(url), "Enregistrer l'échéancier").submit().follow()
    assert "Échéancier enregistré." in messages_of(unchanged)
    assert [(line.kind, line.planned_date, line.amount) for line in year.lines.all()] == before
    form = form_with(app.get(url), "Enregistrer l'échéancier")
    form["form-0-amount"] = "1000"
    refused = form.submit(status=400)
    assert "somme doit être exacte" in summary_of(refused)
    assert value_of(refused, "form-0-amount") == "1000"
    form = form_with(refused, "Enregistrer l'échéancier")
    form["form-2-kind"] = "instalment"
    form["form-2-planned_date"] = "2026-06-30"
    refused = form.submit(status=400)
    assert "Ce champ est obligatoire." in field_error(refused, "form-2-amount")
    assert value_of(refused, "form-2-planned_date") == "2026-06-30"
    assert [(line.kind, line.planned_date, line.amount) for line in year.lines.all()] == before
    form = form_with(refused, "Enregistrer l'échéancier")
    form["form-0-amount"], form["form-1-amount"], form["form-2-amount"] = "10000", "5000", "15000"
    form["form-1-kind"], form["form-1-planned_date"] = "instalment", "2026-06-30"
    form["form-2-kind"], form["form-2-planned_date"] = "balance", "2026-09-30"
    done = form.submit().follow()
    assert sorted(line.amount for line in year.lines.all()) == [
        Decimal("5000.00"), Decimal("10000.00"), Decimal("15000.00")]
    assert "Échéancier enregistré." in messages_of(done)


REPORT = {"amount_60": "20000", "amount_64": "10000", "amount_74_authority": "27000",
          "amount_75": "3000"}


def test_report_submit_and_review(app, agent):
    import time_machine

    with time_machine.travel(dt.datetime(2027, 2, 1, 12, 0), tick=False):
        _report_submit_and_review(app, agent)


def _report_submit_and_review(app, agent):
    convention = make_convention(confirmed=True)
    report = FinancialReport.objects.get(year__convention=convention)
    app.set_user(member_of(convention.organisation))
    url = reverse("conventions:report", args=[report.pk])
    form = form_with(app.get(url), "Déposer le compte rendu")
    for name, value in REPORT.items():
        form[name] = value
    form["amount_75"] = "2000"
    form["subsidy_used"] = "27000"
    form["qualitative_report"] = "Douze ateliers, 240 participants."
    refused = form.submit("action", value="submit", status=400)
    assert summary_of(refused)
    assert value_of(refused, "qualitative_report") == "Douze ateliers, 240 participants."
    assert value_of(refused, "amount_75") == "2000"
    report.refresh_from_db()
    assert report.status == "expected"
    form = form_with(refused, "Déposer le compte rendu")
    form["amount_75"] = "3000"
    done = form.submit("action", value="submit").follow()
    report.refresh_from_db()
    assert report.status == "submitted" and report.subsidy_used == Decimal("27000.00")
    assert "Compte rendu déposé." in messages_of(done)
    app.set_user(agent)
    form = form_with(app.get(url), "Enregistrer la décision")
    form["comment"] = "Merci de détailler les charges."
    refused = form.submit(status=400)
    assert "Ce champ est obligatoire." in field_error(refused, "decision")
    assert value_of(refused, "comment") == "Merci de détailler les charges."
    form = form_with(refused, "Enregistrer la décision")
    form["decision"] = "changes"
    decided = form.submit().follow()
    report.refresh_from_db()
    assert report.status == "changes_requested"
    assert "Décision enregistrée." in messages_of(decided)


def test_report_volunteering_attestation(app):
    import time_machine

    from tests.volunteering.factories import EntryFactory, VolunteerFactory
    from volunteering.models import VolunteerAttestation

    convention = make_convention(confirmed=True)
    report = FinancialReport.objects.get(year__convention=convention)
    EntryFactory(volunteer=VolunteerFactory(organisation=convention.organisation),
                 date=dt.date(2026, 2, 1), validated=True, convention=convention,
                 project_reference=convention.reference)
    app.set_user(member_of(convention.organisation))
    url = reverse("conventions:report", args=[report.pk])
    with time_machine.travel(dt.datetime(2025, 12, 15, 12, 0), tick=False):
        page = app.get(url)
        refused = form_with(page, "Demander l'attestation de bénévolat").submit(
            "attestation").follow()
    assert "L'année ne peut pas être future." in messages_of(refused)
    assert not VolunteerAttestation.objects.exists()
    with time_machine.travel(dt.datetime(2027, 1, 15, 12, 0), tick=False):
        done = form_with(app.get(url), "Demander l'attestation de bénévolat").submit(
            "attestation").follow()
    attestation = VolunteerAttestation.objects.get()
    assert (attestation.year, attestation.project_reference) == (2026, convention.reference)
    assert "L'attestation de bénévolat est en cours de génération." in messages_of(done)


def test_cancel_an_order(app, agent):
    from conventions import services

    convention = make_convention(confirmed=True)
    line = _orderable_line(convention)
    payment = services.payment_order(line=line, ordered_on=dt.date(2026, 2, 1),
                                     mandate_reference="M-2026-3", account="6574", actor=agent)
    app.set_user(agent)
    cancel = _action(convention, "cancel-payment")
    form = form_with(_detail(app, convention), url=cancel, payment=payment.pk)
    form["reason"] = "   "
    refused = form.submit(status=400)
    row = {"url": cancel, "where": {"payment": payment.pk}}
    assert "Ce champ est obligatoire." in field_error(refused, "reason", **row)
    payment.refresh_from_db()
    assert payment.status == "ordered"
    form = form_with(refused, url=cancel, payment=payment.pk)
    form["reason"] = "Erreur d'imputation"
    done = form.submit().follow()
    payment.refresh_from_db()
    assert payment.status == "cancelled"
    assert "Mandat annulé" in messages_of(done)


def test_convention_edit(app, agent, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC), tick=False)
    convention = make_convention(agent=agent, conditions_of_use="")
    app.set_user(agent)
    page = _detail(app, convention).click("Modifier les clauses du brouillon")
    assert "les conditions d'utilisation" in page.html.select_one("#missing-clauses").get_text()
    form = form_with(page, "Enregistrer les clauses")
    assert value_of(page, "yearly_amounts") == "30 000,00 ; 30 000,00 ; 30 000,00"
    assert (value_of(page, "advance_rate"), value_of(page, "keep_rule_rate")) == ("50", "10")
    # Error path: an amount missing for one year, a deliberation in the future.
    form["object"] = "Ateliers de réparation de vélos"
    form["yearly_amounts"] = "30 000 ; 31 000"
    form["decision_date"] = "2026-06-01"
    refused = form.submit(status=400)
    assert "chacune des 3 années" in field_error(refused, "yearly_amounts")
    assert value_of(refused, "yearly_amounts") == "30 000 ; 31 000"
    assert value_of(refused, "object") == "Ateliers de réparation de vélos"
    convention.refresh_from_db()
    assert convention.object != "Ateliers de réparation de vélos"
    # Success path: the same page, corrected; the missing clause is filled in too.
    form = form_with(refused, "Enregistrer les clauses")
    form["yearly_amounts"] = "30 000 ; 31 000 ; 32 000,50"
    form["decision_date"] = "2026-02-10"
    form["conditions_of_use"] = "Fonctionnement de l'atelier."
    detail = form.submit().follow()
    assert f"Clauses de la convention {convention.reference} enregistrées." in messages_of(detail)
    convention.refresh_from_db()
    assert convention.object == "Ateliers de réparation de vélos"
    assert [y.planned_amount for y in convention.years.order_by("year")] == [
        Decimal("30000.00"), Decimal("31000.00"), Decimal("32000.50")]
    assert "conditions d" not in " ".join(
        p.get_text() for p in detail.html.select(".tag.warning"))


def test_convention_edit_stale_form(app, agent, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC), tick=False)
    convention = make_convention(agent=agent)
    app.set_user(agent)
    url = reverse("conventions:convention-edit", args=[convention.pk])
    mine = form_with(app.get(url), "Enregistrer les clauses")
    theirs = form_with(app.get(url), "Enregistrer les clauses")
    theirs["imputation"] = "6574-2"
    theirs.submit().follow()
    mine["object"] = "Mon objet"
    refused = mine.submit(status=400)
    assert "modifiées depuis que vous avez ouvert" in summary_of(refused)
    assert value_of(refused, "object") == "Mon objet"
    convention.refresh_from_db()
    assert convention.imputation == "6574-2" and convention.object != "Mon objet"
    # Saving again from the page shown is a deliberate choice: it goes through.
    form_with(refused, "Enregistrer les clauses").submit().follow()
    convention.refresh_from_db()
    assert convention.object == "Mon objet"
