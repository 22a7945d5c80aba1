"""Round trips of the funds pages' forms: applying, reviewing, deciding, the committee, the
phases, the review queue and the participatory vote (citizens and agents)."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from backoffice.core.models import OrganisationDocument
from backoffice.core.roles import Role
from conventions.models import Convention
from funds.models import (
    Application,
    ApplicationStatus,
    Award,
    Ballot,
    CallPhase,
    CensusEntry,
    VoteComputation,
    Voter,
)
from funds.voting import services as voting_services
from tests.factories import OrganisationFactory, UserFactory, member_of, staff_user
from tests.funds.factories import ApplicationFactory, CallFactory

from .helpers import field_error, form_with, messages_of, summary_of, tick, value_of

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_application_start(app):
    call = CallFactory()
    organisation = OrganisationFactory(name="Vélo Utile")
    app.set_user(member_of(organisation))
    form = form_with(app.get(reverse("funds:application-start", args=[call.pk])),
                     "Commencer le dossier")
    form["organisation"] = str(organisation.pk)
    refused = form.submit(status=400)
    assert "Ce champ est obligatoire." in field_error(refused, "title")
    assert value_of(refused, "organisation") == str(organisation.pk)
    assert not Application.objects.exists()
    form = form_with(refused, "Commencer le dossier")
    form["title"] = "Atelier vélo du Polygone"
    edit = form.submit().follow()
    application = Application.objects.get()
    assert (application.title, application.organisation) == ("Atelier vélo du Polygone",
                                                              organisation)
    assert "Brouillon créé" in messages_of(edit)


def _fill_application(form):
    form["title"] = "Jardin partagé de Kervénanec"
    form["summary"] = "Un jardin cultivé par les habitants."
    form["start_date"] = (timezone.localdate() + dt.timedelta(days=40)).isoformat()
    form["end_date"] = (timezone.localdate() + dt.timedelta(days=200)).isoformat()
    form["nature"] = "projet"
    form["amount_requested"] = "3 000,00"
    form["volunteer_hours"] = "120"
    form["cer_accepted"] = True
    for name in form.fields:
        if re.fullmatch(r"[crk]\d+|f_\w+", name) and not form[name].attrs.get("disabled") \
                and form[name].tag != "select":
            form[name] = ""
    form["c60"], form["c62"], form["r75"] = "3 500", "500", "1 000"
    if not form["k864"].attrs.get("disabled"):
        form["k864"] = form["k870"] = "1 440"


def test_application_edit_save_and_submit(app):
    call = CallFactory()
    application = ApplicationFactory(call=call, title="Avant")
    app.set_user(member_of(application.organisation))
    page = app.get(reverse("funds:application-edit", args=[application.pk]))
    form = form_with(page, "Déposer le dossier")
    _fill_application(form)
    form["amount_requested"] = "trois mille"
    form["c60"] = "-10"
    refused = form.submit("action", value="save", status=400)
    assert "Saisissez un montant" in field_error(refused, "amount_requested")
    assert "ne peut pas être négatif" in field_error(refused, "c60")
    assert value_of(refused, "amount_requested") == "trois mille"
    assert value_of(refused, "title") == "Jardin partagé de Kervénanec"
    application.refresh_from_db()
    assert application.title == "Avant"
    form = form_with(refused, "Déposer le dossier")
    form["amount_requested"], form["c60"] = "3 000,00", "3 500"
    saved = form.submit("action", value="save").follow()
    application.refresh_from_db()
    assert (application.title, application.amount_requested) == (
        "Jardin partagé de Kervénanec", Decimal("3000.00"))
    assert "Brouillon enregistré." in messages_of(saved)
    detail = form_with(saved, "Déposer le dossier").submit("action", value="submit").follow()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.versions.count() == 1
    assert "Dossier déposé" in messages_of(detail)


def test_application_missing_document_upload(app):
    call = CallFactory(required_documents=["statutes"])
    application = ApplicationFactory(call=call)
    app.set_user(member_of(application.organisation))
    page = app.get(reverse("funds:application-edit", args=[application.pk]))
    form = form_with(page, url=reverse("funds:application-document", args=[application.pk]))
    form["file"] = ("statuts.txt", b"pas un pdf")
    refused = form.submit().follow()
    assert messages_of(refused)
    assert not OrganisationDocument.objects.exists()
    form = form_with(refused, url=reverse("funds:application-document",
                                             args=[application.pk]))
    form["file"] = ("statuts.pdf", PDF, "application/pdf")
    form["valid_until"] = "2027-12-31"
    done = form.submit().follow()
    document = OrganisationDocument.objects.get()
    assert (document.kind, document.valid_until) == ("statutes", dt.date(2027, 12, 31))
    assert "Documents à jour" in done.text


def _checklist(form, value=True):
    for name in ("check_object", "check_territory", "check_general_interest",
                 "check_feasibility"):
        form[name] = value


def test_review_save_and_declare_eligible(app):
    application = ApplicationFactory(submitted=True)
    app.set_user(staff_user(Role.INSTRUCTOR))
    page = app.get(reverse("funds:review", args=[application.pk]))
    form = form_with(page, "Enregistrer l'instruction")
    form["check_object"] = True
    form["estimated_cost"], form["proposed_amount"] = "4 000", "2 500"
    form["opinion"] = "Favorable."
    refused = form.submit("action", value="eligible", status=400)
    assert summary_of(refused)
    assert value_of(refused, "opinion") == "Favorable."
    assert value_of(refused, "proposed_amount") == "2 500"
    application.refresh_from_db()
    assert (application.status, application.opinion) == (ApplicationStatus.SUBMITTED, "")
    form = form_with(refused, "Enregistrer l'instruction")
    form["proposed_amount"] = "deux mille"
    refused = form.submit("action", value="save", status=400)
    assert "Saisissez un montant" in field_error(refused, "proposed_amount")
    form = form_with(refused, "Enregistrer l'instruction")
    _checklist(form)
    form["proposed_amount"] = "2 500"
    done = form.submit("action", value="eligible").follow()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ELIGIBLE
    assert (application.proposed_amount, application.opinion) == (Decimal("2500.00"),
                                                                   "Favorable.")
    assert "Dossier déclaré recevable." in messages_of(done)


def test_review_request_info(app):
    application = ApplicationFactory(submitted=True)
    member_of(application.organisation)
    app.set_user(staff_user(Role.INSTRUCTOR))
    page = app.get(reverse("funds:review", args=[application.pk]))
    refused = form_with(page, "Envoyer la demande").submit("action", value="request_info",
                                                           status=400)
    assert "Ce champ est obligatoire." in field_error(refused, "message")
    assert Application.objects.get().status == ApplicationStatus.SUBMITTED
    form = form_with(refused, "Envoyer la demande")
    form["message"] = "Merci de joindre un devis."
    done = form.submit("action", value="request_info").follow()
    assert Application.objects.get().status == ApplicationStatus.INFO_REQUESTED
    assert "Demande de compléments envoyée" in messages_of(done)
    assert "Merci de joindre un devis." in done.text


def test_review_declare_ineligible(app):
    application = ApplicationFactory(submitted=True)
    app.set_user(staff_user(Role.INSTRUCTOR))
    page = app.get(reverse("funds:review", args=[application.pk]))
    form = form_with(page, "Déclarer irrecevable</button>")
    form["motivation"] = "   "
    refused = form.submit("action", value="ineligible", status=400)
    assert "Ce champ est obligatoire." in field_error(refused, "motivation")
    assert Application.objects.get().status == ApplicationStatus.SUBMITTED
    form = form_with(refused, "Déclarer irrecevable</button>")
    form["motivation"] = "Le projet est hors du territoire."
    # Not confirmed: refused next to the box, the motivation kept, nothing decided.
    unconfirmed = form.submit("action", value="ineligible", status=400)
    assert "Cochez cette case pour confirmer" in field_error(unconfirmed, "confirm")
    assert value_of(unconfirmed, "motivation") == "Le projet est hors du territoire."
    assert Application.objects.get().status == ApplicationStatus.SUBMITTED
    form = form_with(unconfirmed, "Déclarer irrecevable</button>")
    form["confirm"] = True
    done = form.submit("action", value="ineligible").follow()
    assert Application.objects.get().status == ApplicationStatus.INELIGIBLE
    assert "Dossier déclaré irrecevable" in messages_of(done)


def test_decision_then_convention_from_award(app):
    application = ApplicationFactory(eligible=True, amount_requested=Decimal("4000.00"))
    app.set_user(staff_user(Role.DECISION_MAKER))
    page = app.get(reverse("funds:review", args=[application.pk]))
    form = form_with(page, "Enregistrer la décision")
    form["decision"] = "award"
    form["amount"] = "3 000"
    form["deliberation_date"] = timezone.localdate().isoformat()
    refused = form.submit(status=400)
    assert "Ce champ est obligatoire." in field_error(refused, "deliberation_reference")
    assert value_of(refused, "amount") == "3 000"
    assert not Award.objects.exists()
    form = form_with(refused, "Enregistrer la décision")
    form["deliberation_reference"] = "DEL-2026-042"
    unconfirmed = form.submit(status=400)
    assert "Cochez cette case pour confirmer" in field_error(unconfirmed, "confirm")
    assert value_of(unconfirmed, "deliberation_reference") == "DEL-2026-042"
    assert not Award.objects.exists()
    form = form_with(unconfirmed, "Enregistrer la décision")
    form["confirm"] = True
    done = form.submit().follow()
    award = Award.objects.get()
    assert (award.amount, award.deliberation_reference) == (Decimal("3000.00"), "DEL-2026-042")
    assert "Subvention attribuée." in messages_of(done)
    # A finance agent turns the award into a convention from the same page.
    app.set_user(staff_user(Role.FINANCE_AGENT))
    page = app.get(reverse("funds:review", args=[application.pk]))
    create = form_with(page, "Créer la convention")
    created = create.submit().follow()
    convention = Convention.objects.get()
    assert convention.award == award
    assert "créée en brouillon" in messages_of(created)
    # The same button of the now stale page creates nothing more.
    again = create.submit().follow()
    assert Convention.objects.count() == 1
    assert "a déjà sa convention" in messages_of(again)


def test_call_phase_by_hand(app):
    call = CallFactory()
    app.set_user(staff_user(Role.FINANCE_AGENT))
    page = app.get(reverse("funds:agent-call-detail", args=[call.pk]))
    form = form_with(page, "Passer à « Instruction »")
    form["reason"] = "Clôture anticipée"
    done = form.submit("phase", value="review").follow()
    call.refresh_from_db()
    assert call.phase == CallPhase.REVIEW
    assert "Phase de l'appel modifiée." in messages_of(done)
    # The stale page's button (the call already moved on) is refused in French.
    stale = form.submit("phase", value="review").follow()
    call.refresh_from_db()
    assert call.phase == CallPhase.REVIEW
    assert messages_of(stale) and "Phase de l'appel modifiée." not in messages_of(stale)


def test_review_queue_filters(app):
    call = CallFactory()
    ApplicationFactory(call=call, submitted=True, title="Jardin du Moustoir")
    ApplicationFactory(call=call, eligible=True, title="Ciné plein air")
    app.set_user(staff_user(Role.INSTRUCTOR))
    form = form_with(app.get(reverse("funds:review-queue", args=[call.pk])), "Filtrer")
    form["status"] = "eligible"
    listed = form.submit()
    assert "Ciné plein air" in listed.text and "Jardin du Moustoir" not in listed.text
    assert value_of(listed, "status") == "eligible"
    form = form_with(listed, "Filtrer")
    form["status"] = ""
    form["q"] = "x" * 150  # over the field's length: the filter is ignored, not a 500
    assert form.submit().status_code == 200
    # By its reference, as shown on its pages, whatever the case; by the bare number too.
    garden = Application.objects.get(title="Jardin du Moustoir")
    for typed in (f"DOS-{garden.pk}", f"dos-{garden.pk}", str(garden.pk)):
        form = form_with(listed, "Filtrer")
        form["status"], form["q"] = "", typed
        found = form.submit()
        assert "Jardin du Moustoir" in found.text and "Ciné plein air" not in found.text
        assert value_of(found, "q") == typed


def test_committee_decides_under_one_deliberation(app):
    call = CallFactory()
    first = ApplicationFactory(call=call, eligible=True, amount_requested=Decimal("4000.00"))
    second = ApplicationFactory(call=call, eligible=True, amount_requested=Decimal("3000.00"))
    app.set_user(staff_user(Role.DECISION_MAKER))
    form = form_with(app.get(reverse("funds:committee", args=[call.pk])),
                     "Enregistrer les décisions")
    form[f"d_{first.pk}"] = "award"
    form[f"a_{first.pk}"] = "3 500"
    form[f"d_{second.pk}"] = "reject"
    form[f"m_{second.pk}"] = "Budget non équilibré."
    form["deliberation_date"] = timezone.localdate().isoformat()
    refused = form.submit(status=400)
    assert "Ce champ est obligatoire." in field_error(refused, "deliberation_reference")
    assert not Award.objects.exists()
    # What was typed row by row is still there.
    assert value_of(refused, f"d_{first.pk}") == "award"
    assert value_of(refused, f"a_{first.pk}") == "3 500"
    assert value_of(refused, f"d_{second.pk}") == "reject"
    assert value_of(refused, f"m_{second.pk}") == "Budget non équilibré."
    form = form_with(refused, "Enregistrer les décisions")
    form["deliberation_reference"] = "DEL-2026-7"
    unconfirmed = form.submit(status=400)
    assert "Cochez cette case pour confirmer" in field_error(unconfirmed, "confirm")
    assert value_of(unconfirmed, f"a_{first.pk}") == "3 500"
    assert not Award.objects.exists()
    form = form_with(unconfirmed, "Enregistrer les décisions")
    form["confirm"] = True
    done = form.submit().follow()
    assert Award.objects.get().application == first
    assert Award.objects.get().amount == Decimal("3500.00")
    second.refresh_from_db()
    assert second.status == ApplicationStatus.REJECTED
    assert "2 décision(s) enregistrée(s)." in messages_of(done)


# --- Participatory vote ------------------------------------------------------------------


@pytest.fixture
def vote_call(db):
    call = CallFactory(participatory=True, phase=CallPhase.VOTE, max_choices=2,
                       voter_min_age=16, voter_residence="Lorient")
    call.projects = [ApplicationFactory(call=call, eligible=True, amount_requested=Decimal(a),
                                        title=f"Projet {a}")
                     for a in ("4000.00", "3000.00", "2000.00")]
    return call


def test_vote_register_and_cast(app, vote_call, django_capture_on_commit_callbacks):
    user = UserFactory(first_name="Anne", last_name="Le Bris")
    app.set_user(user)
    page = app.get(reverse("funds:vote", args=[vote_call.pk]))
    form = form_with(page, "M'inscrire")
    assert value_of(page, "first_name") == "Anne"
    form["birth_date"] = (timezone.localdate() - dt.timedelta(days=365 * 15)).isoformat()
    form["resident"] = True
    refused = form.submit(status=400)
    assert "16" in field_error(refused, "birth_date")
    assert value_of(refused, "last_name") == "Le Bris"
    assert not Voter.objects.exists()
    form = form_with(refused, "M'inscrire")
    form["birth_date"] = "1990-01-01"
    with django_capture_on_commit_callbacks(execute=True):
        registered = form.submit().follow()
    assert "Inscription enregistrée" in messages_of(registered)
    link = re.search(r"https?://[^/\s]+(/fonds/vote/confirmer/\S+)", mail.outbox[-1].body)
    ballot_page = app.get(link.group(1)).follow()
    assert Voter.objects.get().verified_at is not None
    form = form_with(ballot_page, "Valider mon vote")
    tick(form, "choices", [p.pk for p in vote_call.projects])
    refused = form.submit(status=400)
    assert "au maximum" in refused.text
    assert not Ballot.objects.exists()
    form = form_with(refused, "Valider mon vote")
    tick(form, "choices", [p.pk for p in vote_call.projects[1:]])
    voted = form.submit().follow()
    assert sorted(map(int, Ballot.objects.get().choices)) == sorted(
        p.pk for p in vote_call.projects[1:])
    assert "Votre vote est enregistré." in messages_of(voted)


def test_vote_paper_ballot(app, vote_call):
    app.set_user(staff_user(Role.FINANCE_AGENT))
    form = form_with(app.get(reverse("funds:vote-paper", args=[vote_call.pk])),
                     "Enregistrer le bulletin")
    form["first_name"], form["last_name"] = "Paul", "Martin"
    form["birth_date"] = "05/05/1970x"
    form["resident"] = True
    tick(form, "choices", [vote_call.projects[0].pk])
    refused = form.submit(status=400)
    assert "Date invalide" in field_error(refused, "birth_date")
    assert value_of(refused, "last_name") == "Martin"
    assert not Ballot.objects.exists()
    form = form_with(refused, "Enregistrer le bulletin")
    form["birth_date"] = "1970-05-05"
    done = form.submit().follow()
    ballot = Ballot.objects.get()
    assert (ballot.channel, ballot.voter.last_name) == ("paper", "Martin")
    assert "Bulletin papier enregistré." in messages_of(done)


def test_vote_census_import(app, vote_call):
    app.set_user(staff_user(Role.FINANCE_AGENT))
    form = form_with(app.get(reverse("funds:vote-census", args=[vote_call.pk])), "Importer")
    form["file"] = ("liste.csv", b"nom,prenom,date_naissance\nLe Bris,Anne,31/02/1990\n")
    refused = form.submit(status=400)
    assert "Ligne 2" in field_error(refused, "file") + summary_of(refused)
    assert not CensusEntry.objects.exists()
    form = form_with(refused, "Importer")
    form["file"] = ("liste.csv", b"nom,prenom,date_naissance\nLe Bris,Anne,01/02/1990\n")
    done = form.submit().follow()
    assert CensusEntry.objects.get().last_name.upper() == "LE BRIS"
    assert "1 inscrits importés." in messages_of(done)


def test_vote_manage_configure(app, vote_call):
    app.set_user(staff_user(Role.FINANCE_AGENT))
    page = app.get(reverse("funds:vote-manage", args=[vote_call.pk]))
    form = form_with(page, **{"action": "configure"})
    form["max_choices"] = "-3"
    form["voter_residence"] = "Lanester"
    refused = form.submit(status=400)
    assert field_error(refused, "max_choices")
    assert value_of(refused, "voter_residence") == "Lanester"
    vote_call.refresh_from_db()
    assert vote_call.voter_residence == "Lorient"
    form = form_with(refused, **{"action": "configure"})
    form["max_choices"] = "3"
    done = form.submit().follow()
    vote_call.refresh_from_db()
    assert (vote_call.max_choices, vote_call.voter_residence) == (3, "Lanester")
    assert "Paramètres du vote enregistrés." in messages_of(done)


def test_vote_manage_exclude(app, vote_call):
    app.set_user(staff_user(Role.FINANCE_AGENT))
    page = app.get(reverse("funds:vote-manage", args=[vote_call.pk]))
    project = vote_call.projects[0]
    form = form_with(page, application=project.pk)
    form["vote_exclusion_reason"] = "x" * 301
    form["vote_exclusion"] = form["vote_exclusion"].options[-1][0]
    refused = form.submit(status=400)
    assert "Explication : " in messages_of(refused) and "300" in messages_of(refused)
    project.refresh_from_db()
    assert project.vote_exclusion == ""
    form = form_with(refused, application=project.pk)
    form["vote_exclusion"] = form["vote_exclusion"].options[-1][0]
    form["vote_exclusion_reason"] = "Déjà financé par le département."
    done = form.submit().follow()
    project.refresh_from_db()
    assert project.vote_exclusion and project.vote_exclusion_reason.startswith("Déjà financé")
    assert "Projet mis à jour" in messages_of(done)


def _voted(call):
    for index in range(3):
        user = UserFactory()
        voter = voting_services.voter_register(call=call, user=user, first_name="A",
                                               last_name=f"B{index}",
                                               birth_date=dt.date(1990, 1, 1), resident=True)
        voter = voting_services.voter_verify(token=voting_services.verification_token(voter))
        voting_services.ballot_cast(call=call, voter=voter, choices=[call.projects[index].pk],
                                    actor=user)


def test_vote_manage_compute_and_publish(app, vote_call):
    _voted(vote_call)
    app.set_user(staff_user(Role.DECISION_MAKER))
    page = app.get(reverse("funds:vote-manage", args=[vote_call.pk]))
    # while the vote is open, nothing to compute: the votes stay hidden
    assert not any(f.get("action", default=None) and f["action"].value == "compute"
                   for f in page.forms.values() if "action" in f.fields)
    assert "les voix par projet restent cachées" in page.text
    vote_call.phase = CallPhase.DECISION
    vote_call.save(update_fields=["phase"])
    page = app.get(reverse("funds:vote-manage", args=[vote_call.pk]))
    compared = form_with(page, **{"action": "compare"}).submit().follow()
    assert "Toutes les règles calculées" in messages_of(compared)
    vote_call.refresh_from_db()
    assert vote_call.results_published_at is None
    VoteComputation.objects.all().delete()
    computed = form_with(compared, **{"action": "compute"}).submit().follow()
    assert VoteComputation.objects.get().status == "done"
    assert "Calcul terminé." in messages_of(computed)
    form = form_with(computed, "Publier les résultats")
    form["deliberation_date"] = timezone.localdate().isoformat()
    refused = form.submit(status=400)
    assert "Ce champ est obligatoire." in field_error(refused, "deliberation_reference")
    assert value_of(refused, "deliberation_date") == timezone.localdate().isoformat()
    assert not Award.objects.exists()
    form = form_with(refused, "Publier les résultats")
    form["deliberation_reference"] = "DEL-BP-2026"
    results = form.submit().follow()
    vote_call.refresh_from_db()
    assert vote_call.results_published_at is not None
    assert Award.objects.count() == len(VoteComputation.objects.get().winner_ids()) > 0
    assert "Résultats publiés, attributions créées." in messages_of(results)
