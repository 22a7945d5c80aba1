"""Round trips of the core pages' forms: account, organisation, documents, notifications,
reminders. Each loads the page, fills the form as rendered and submits it."""

import datetime as dt
import re

import time_machine
from django.core import mail
from django.urls import reverse

from backoffice.core.models import (
    Membership,
    Notification,
    NotificationPreference,
    Organisation,
    OrganisationDocument,
    Reminder,
    User,
)
from backoffice.core.notifications import Event, notify
from tests.core.factories import OrganisationDocumentFactory
from tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
    member_of,
    staff_user,
)

from .helpers import field_error, form_with, messages_of, summary_of, value_of

PASSWORD = "motdepasse-solide-42"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_login_and_logout(app):
    user = UserFactory(email="camille@example.org")
    page = app.get(reverse("login"))
    form = form_with(page, "Se connecter")
    form["username"] = "camille@example.org"
    form["password"] = "pas le bon"
    refused = form.submit()
    assert refused.status_code == 200
    assert "mot de passe valides" in summary_of(refused)
    assert value_of(refused, "username") == "camille@example.org"
    form = form_with(refused, "Se connecter")
    form["password"] = PASSWORD
    home = form.submit().follow()
    assert home.context["user"] == user
    logout = form_with(home, "Se déconnecter", url=reverse("logout"))
    assert "Se connecter" in logout.submit().follow().text
    assert app.get(reverse("core:space")).status_code == 302


def test_signup(app):
    UserFactory(email="deja@example.org")
    form = form_with(app.get(reverse("core:signup")), "Créer mon compte")
    form["first_name"], form["last_name"] = "Gwen", "Le Goff"
    form["email"] = "gwen@example.org"
    form["password1"], form["password2"] = "un-mot-de-passe-sur", "un-autre-mot-de-passe"
    refused = form.submit(status=400)
    assert "Les deux mots de passe ne correspondent pas." in field_error(refused, "password2")
    assert value_of(refused, "first_name") == "Gwen"
    assert User.objects.count() == 1
    form = form_with(refused, "Créer mon compte")
    form["password1"] = form["password2"] = "un-mot-de-passe-sur"
    form.submit().follow()
    assert User.objects.filter(email="gwen@example.org").exists()


def test_password_reset_and_confirm(app):
    user = UserFactory(email="oubli@example.org")
    form = form_with(app.get(reverse("password_reset")), "Recevoir le lien")
    form["email"] = "pas-une-adresse"
    refused = form.submit()
    assert "Saisissez une adresse" in field_error(refused, "email")
    assert value_of(refused, "email") == "pas-une-adresse"
    assert not mail.outbox
    form = form_with(refused, "Recevoir le lien")
    form["email"] = "oubli@example.org"
    form.submit().follow()
    [message] = mail.outbox
    link = re.search(r"https?://[^/\s]+(/compte/reset/\S+)", message.body).group(1)
    confirm = app.get(link).follow()
    form = form_with(confirm, "Enregistrer")
    form["new_password1"], form["new_password2"] = "nouveau-secret-42", "autre-secret-42"
    refused = form.submit()
    assert "deux mots de passe" in field_error(refused, "new_password2")
    form = form_with(refused, "Enregistrer")
    form["new_password1"] = form["new_password2"] = "nouveau-secret-42"
    form.submit().follow()
    user.refresh_from_db()
    assert user.check_password("nouveau-secret-42")


def test_organisation_create(app):
    user = UserFactory()
    app.set_user(user)
    form = form_with(app.get(reverse("core:organisation-create")), "Enregistrer")
    form["name"] = "Les Jardins partagés"
    form["legal_form"] = "association"
    form["siret"] = "123"
    form["city"] = "Lorient"
    form["accept_cer"] = True
    refused = form.submit(status=400)
    assert field_error(refused, "siret")
    assert value_of(refused, "name") == "Les Jardins partagés"
    assert not Organisation.objects.exists()
    form = form_with(refused, "Enregistrer")
    form["siret"] = OrganisationFactory.build().siret
    detail = form.submit().follow()
    organisation = Organisation.objects.get(name="Les Jardins partagés")
    assert organisation.cer_accepted_by == user
    assert Membership.objects.get(organisation=organisation).user == user
    assert "est créée" in messages_of(detail)


def test_organisation_update(app):
    organisation = OrganisationFactory(name="Avant")
    app.set_user(member_of(organisation))
    url = reverse("core:organisation-update", args=[organisation.pk])
    form = form_with(app.get(url), "Enregistrer")
    form["name"] = "Après"
    form["rna"] = "X12"
    refused = form.submit(status=400)
    assert field_error(refused, "rna")
    assert value_of(refused, "name") == "Après"
    organisation.refresh_from_db()
    assert organisation.name == "Avant"
    form = form_with(refused, "Enregistrer")
    form["rna"] = "W561234567"
    detail = form.submit().follow()
    organisation.refresh_from_db()
    assert (organisation.name, organisation.rna) == ("Après", "W561234567")
    assert "Le profil de l'organisation est enregistré." in messages_of(detail)


def test_organisation_join(app):
    organisation = OrganisationFactory()
    member_of(organisation)
    user = UserFactory()
    app.set_user(user)
    form = form_with(app.get(reverse("core:organisation-join")), "Envoyer ma demande")
    form["identifier"] = "W569999999"
    refused = form.submit(status=400)
    assert "Aucune organisation n'est enregistrée" in field_error(refused, "identifier")
    assert value_of(refused, "identifier") == "W569999999"
    form = form_with(refused, "Envoyer ma demande")
    form["identifier"] = organisation.rna
    space = form.submit().follow()
    assert Membership.objects.get(user=user, organisation=organisation).status == "pending"
    assert "Votre demande a été transmise" in messages_of(space)


def test_membership_approve_and_remove(app):
    organisation = OrganisationFactory()
    app.set_user(member_of(organisation))
    newcomer = UserFactory(last_name="Nouvelle")
    pending = MembershipFactory(organisation=organisation, user=newcomer, role="member",
                                status="pending")
    page = app.get(reverse("core:organisation-detail", args=[organisation.pk]))
    approved = form_with(page, "Valider").submit().follow()
    pending.refresh_from_db()
    assert pending.status == "active"
    assert "est maintenant membre" in messages_of(approved)
    remove = form_with(approved, url=reverse("core:membership-remove",
                                                args=[organisation.pk, pending.pk]))
    removed = remove.submit().follow()
    assert not Membership.objects.filter(pk=pending.pk).exists()
    assert "Le membre a été retiré." in messages_of(removed)
    # The last admin cannot remove themselves: a French message, the membership stays.
    [own] = Membership.objects.filter(organisation=organisation)
    remove = form_with(removed, url=reverse("core:membership-remove",
                                               args=[organisation.pk, own.pk]))
    kept = remove.submit().follow()
    assert Membership.objects.filter(pk=own.pk).exists()
    assert messages_of(kept)


def test_membership_refuse(app):
    organisation = OrganisationFactory()
    app.set_user(member_of(organisation))
    pending = MembershipFactory(organisation=organisation, user=UserFactory(), role="member",
                                status="pending")
    page = app.get(reverse("core:organisation-detail", args=[organisation.pk]))
    refuse = form_with(page, "Refuser", url=reverse("core:membership-refuse",
                                                   args=[organisation.pk, pending.pk]))
    refused = refuse.submit().follow()
    assert not Membership.objects.filter(pk=pending.pk, status="pending").exists()
    assert "est refusée" in messages_of(refused)
    # The stale button again: the request is gone, a French 404 page, nothing else changes.
    gone = refuse.submit(status=404)
    assert "Page introuvable" in gone.text


def test_document_upload(app):
    organisation = OrganisationFactory()
    app.set_user(member_of(organisation))
    page = app.get(reverse("core:organisation-detail", args=[organisation.pk]))
    form = form_with(page, "Déposer", url=reverse("core:document-upload",
                                                     args=[organisation.pk]))
    form["kind"] = "statutes"
    form["label"] = "Statuts 2024"
    form["file"] = ("statuts.txt", b"pas un pdf")
    refused = form.submit(status=400)
    assert field_error(refused, "file")
    assert value_of(refused, "label") == "Statuts 2024"
    assert not OrganisationDocument.objects.exists()
    form = form_with(refused, "Déposer", url=reverse("core:document-upload",
                                                        args=[organisation.pk]))
    form["file"] = ("statuts.pdf", PDF, "application/pdf")
    detail = form.submit().follow()
    document = OrganisationDocument.objects.get(organisation=organisation)
    assert (document.kind, document.label) == ("statutes", "Statuts 2024")
    assert "statuts.pdf" in detail.text


def test_notification_preferences(app):
    user = member_of(OrganisationFactory())
    app.set_user(user)
    form = form_with(app.get(reverse("core:notification-preferences")), "Enregistrer")
    form["document_expiring"] = "none"
    form["payment_paid"].force_value("none")  # a mandatory topic offers no "none"
    refused = form.submit(status=400)
    assert "Sélectionnez un choix valide" in field_error(refused, "payment_paid")
    assert value_of(refused, "document_expiring") == "none"
    assert not NotificationPreference.objects.exists()
    form = form_with(refused, "Enregistrer")
    form["payment_paid"] = "digest"
    saved = form.submit().follow()
    assert NotificationPreference.objects.get(user=user, topic="document_expiring").delivery == "none"
    assert NotificationPreference.objects.get(user=user, topic="payment_paid").delivery == "digest"
    assert "Vos préférences de notification sont enregistrées." in messages_of(saved)


def test_notifications_filter_mark_one_and_all_read(app):
    organisation = OrganisationFactory()
    user = member_of(organisation)
    notify(Event.ORGANISATION_CREATED, organisation, recipients=[user], send_email=False)
    notify(Event.MEMBERSHIP_ACCEPTED, organisation, recipients=[user], send_email=False)
    notify(Event.MEMBERSHIP_ACCEPTED, organisation, recipients=[user], send_email=False)
    app.set_user(user)
    page = app.get(reverse("core:notifications"))
    filters = form_with(page, "Filtrer")
    filters["etat"] = "non-lues"
    filters["sujet"] = "organisation_created"
    filtered = filters.submit()
    assert len(filtered.html.select(".notification-list li")) == 1
    assert value_of(filtered, "sujet") == "organisation_created"
    one = form_with(filtered, "Marquer comme lue")
    one.submit().follow()
    assert Notification.objects.filter(recipient=user, read_at__isnull=True).count() == 2
    page = app.get(reverse("core:notifications"))
    done = form_with(page, "Tout marquer comme lu").submit().follow()
    assert not Notification.objects.filter(recipient=user, read_at__isnull=True).exists()
    assert "Toutes les notifications sont marquées comme lues." in messages_of(done)
    # An unknown state or topic is ignored: every notification is listed.
    filters = form_with(done, "Filtrer")
    filters["sujet"].force_value("inconnu")
    assert len(filters.submit().html.select(".notification-list li")) == 3


def test_organisation_search(app):
    OrganisationFactory(name="Les Amis du Blavet")
    OrganisationFactory(name="Ciné-club de Lanester")
    app.set_user(staff_user())
    form = form_with(app.get(reverse("core:organisation-list")), "Rechercher")
    form["q"] = "blavet"
    found = form.submit()
    assert "Les Amis du Blavet" in found.text and "Ciné-club" not in found.text
    assert value_of(found, "q") == "blavet"
    form = form_with(found, "Rechercher")
    form["q"] = "rien de tel"
    assert "Aucune organisation." in form.submit().text


def test_reminder_filter_and_send_now(app):
    with time_machine.travel(dt.datetime(2027, 5, 20, 9, 0), tick=False):
        soon = OrganisationFactory()
        member_of(soon)
        OrganisationDocumentFactory(organisation=soon, valid_until=dt.date(2027, 6, 29))
        app.set_user(staff_user())
        page = app.get(reverse("core:reminder-list"))
        filters = form_with(page, "Filtrer")
        filters["date_from"], filters["date_to"] = "2027-06-01", "2027-05-01"
        refused = filters.submit(status=400)
        assert "La date de fin doit suivre la date de début." in field_error(refused, "date_to")
        assert value_of(refused, "date_from") == "2027-06-01"
        filters = form_with(refused, "Filtrer")
        filters["date_from"], filters["date_to"] = "", ""
        filters["kind"] = "document_expiring"
        listed = filters.submit()
        assert listed.status_code == 200
        send = form_with(listed, "Envoyer maintenant")
        sent = send.submit().follow()
        assert Reminder.objects.filter(target_id=soon.documents.get().pk).count() == 1
        assert "est envoyé" in messages_of(sent)
        assert "déjà envoyé" in sent.text
        # The same button posted again (a stale page) sends nothing twice.
        again = send.submit().follow()
        assert Reminder.objects.count() == 1
        assert "a déjà été envoyé" in messages_of(again)
