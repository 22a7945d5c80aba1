"""Personal data by design: notices, one's own data, requests, and the purge on schedule."""

import datetime as dt
import json
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from backoffice.core.models import AuditEvent, User
from backoffice.legal.models import DataRequest
from backoffice.legal.services import personal_data_purge
from funds.models import Ballot, CallPhase, Voter
from funds.voting import stats
from tests.factories import OrganisationFactory, UserFactory, member_of, staff_user
from tests.funds.factories import ApplicationFactory, CallFactory

pytestmark = pytest.mark.django_db
PUBLISHED = dt.datetime(2026, 6, 15, 10, tzinfo=dt.UTC)


def _voted_call(published_at=PUBLISHED):
    call = CallFactory(participatory=True, phase=CallPhase.DECISION)
    call.vote_on = dt.date(2026, 5, 2)
    call.results_published_at = published_at
    call.save()
    a, b = (ApplicationFactory(call=call, eligible=True, amount_requested=Decimal("1000.00"),
                               title=title) for title in ("Verger partagé", "Abri vélos"))
    people = []
    for n, (first, last, born) in enumerate([("Maëlle", "Le Goff", dt.date(1990, 4, 12)),
                                             ("Yann", "Kerhervé", dt.date(1950, 1, 3)),
                                             ("Anna", "Riou", dt.date(2005, 9, 30))]):
        user = UserFactory(email=f"habitant{n}-{call.pk}@example.org")
        voter = Voter.objects.create(call=call, user=user, email=user.email, first_name=first,
                                     last_name=last, birth_date=born, resident=True,
                                     verified_at=timezone.now(), data={"source": "test"})
        Ballot.objects.create(call=call, voter=voter, choices=[a.pk] if n else [a.pk, b.pk],
                              cast_at=timezone.now())
        people.append(user)
    return call, people


def test_voters_are_purged_only_after_the_dispute_delay_and_once():
    call, _people = _voted_call()
    unpublished, _ = _voted_call(published_at=None)
    ages_before = stats.turnout_by_age(call)
    with time_machine.travel(dt.datetime(2026, 8, 14, 12, tzinfo=dt.UTC)):   # 60 days later
        assert personal_data_purge()["votants anonymisés"] == 0
    assert Voter.objects.filter(call=call).exclude(last_name="").count() == 3
    with time_machine.travel(dt.datetime(2026, 8, 16, 12, tzinfo=dt.UTC)):   # 62 days later
        assert personal_data_purge(dry_run=True)["votants anonymisés"] == 3
        assert Voter.objects.filter(call=call, last_name="").count() == 0
        assert personal_data_purge()["votants anonymisés"] == 3
        assert personal_data_purge()["votants anonymisés"] == 0       # idempotent
    voters = list(Voter.objects.filter(call=call))
    for voter in voters:
        assert (voter.first_name, voter.last_name, voter.email, voter.birth_date,
                voter.user_id, voter.external_id) == ("", "", "", None, None, "")
        assert set(voter.data) == {"age_band", "purged_on"}
    assert Ballot.objects.filter(call=call).count() == 3                  # kept, anonymous
    assert stats.turnout_by_age(call) == ages_before                      # bands kept
    # a vote whose results are not published is never touched
    assert Voter.objects.filter(call=unpublished, last_name="").count() == 0
    event = AuditEvent.objects.get(event="voter_data_purged")
    assert event.data["voters"] == 3


def test_purge_command_has_a_dry_run_and_reports_in_french(capsys):
    call, _ = _voted_call()
    call_command("purge_personal_data", "--dry-run", "--date", "2026-09-01")
    assert "À purger (simulation) — votants anonymisés : 3" in capsys.readouterr().out
    assert Voter.objects.filter(call=call, last_name="").count() == 0
    call_command("purge_personal_data", "--date", "2026-09-01")
    assert "Purgé — votants anonymisés : 3" in capsys.readouterr().out
    from django.core.management.base import CommandError
    with pytest.raises(CommandError, match="Date illisible"):
        call_command("purge_personal_data", "--date", "demain")


def test_inactive_accounts_are_anonymised_but_not_members_or_staff():
    old = timezone.now() - dt.timedelta(days=1200)
    idle = UserFactory(email="idle@example.org", last_login=old)
    member = member_of(OrganisationFactory())
    User.objects.filter(pk=member.pk).update(last_login=old)
    agent = staff_user()
    User.objects.filter(pk=agent.pk).update(last_login=old)
    recent = UserFactory(email="recent@example.org", last_login=timezone.now())
    assert personal_data_purge()["comptes inactifs anonymisés"] == 1
    idle.refresh_from_db()
    assert idle.email.endswith("@compte-supprime.invalid") and not idle.is_active
    assert not idle.has_usable_password() and idle.first_name == ""
    for kept in (member, agent, recent):
        kept.refresh_from_db()
        assert kept.is_active and not kept.email.endswith(".invalid")
    assert personal_data_purge()["comptes inactifs anonymisés"] == 0


def test_a_person_downloads_their_own_data_and_nobody_elses(client):
    call, (first, second, _third) = _voted_call()
    client.force_login(first)
    response = client.get(reverse("legal:my-data-download"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="mes-donnees-')
    data = json.loads(response.content)
    assert data["compte"]["adresse"] == first.email
    assert [v["nom"] for v in data["votes"]] == ["Le Goff"]
    assert sorted(data["votes"][0]["bulletin"]) == ["Abri vélos", "Verger partagé"]
    text = response.content.decode()
    assert second.email not in text and "Kerhervé" not in text


def test_my_data_needs_a_login(client):
    response = client.get(reverse("legal:my-data-download"))
    assert response.status_code == 302 and "/compte/connexion/" in response["Location"]


def test_an_erasure_request_through_the_page(client, settings, mailoutbox,
                                             django_capture_on_commit_callbacks):
    settings.DPO_EMAIL = "dpo@lorient.example"
    user = UserFactory()
    client.force_login(user)
    page = client.get(reverse("legal:my-data"))
    assert page.status_code == 200 and 'name="kind"' in page.content.decode()
    # no choice: refused in French, what was typed kept
    refused = client.post(reverse("legal:my-data"), {"message": "Mon ancien compte"})
    assert refused.status_code == 400
    assert "Ce champ est obligatoire" in refused.content.decode()
    assert "Mon ancien compte" in refused.content.decode()
    assert not DataRequest.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(reverse("legal:my-data"), {"kind": "effacement",
                                                      "message": "Mon ancien compte"},
                           follow=True)
    assert "délai d&#x27;un mois" in done.content.decode()
    request = DataRequest.objects.get()
    assert request.user == user and request.answer_due_on == timezone.localdate() + \
        dt.timedelta(days=30)
    assert mailoutbox[-1].to == ["dpo@lorient.example"]


def test_registration_forms_carry_the_information_notice(client):
    assert "notice-rgpd-signup" in client.get(reverse("core:signup")).content.decode()
    call = CallFactory(participatory=True, phase=CallPhase.VOTE)
    client.force_login(UserFactory())
    text = client.get(reverse("funds:vote", args=[call.pk])).content.decode()
    assert "notice-rgpd-vote" in text and "61 jours après la publication" in text


def test_refused_applications_lose_their_answers_and_receipts_after_the_delay():
    from django.core.files.base import ContentFile

    from funds.models import Application, ApplicationStatus, ApplicationVersion

    refused = ApplicationFactory(answers=["Notre projet en détail"])
    kept = ApplicationFactory(answers=["Un projet retenu"])
    version = ApplicationVersion.objects.create(
        application=refused, number=1, data={"answers": ["Notre projet en détail"], "title": "T"},
        submitted_by=UserFactory(), submitted_at=timezone.now())
    version.receipt.save("recu.pdf", ContentFile(b"%PDF-1.4 test"), save=True)
    receipt_name = version.receipt.name
    two_years_ago = timezone.now() - dt.timedelta(days=740)
    Application.objects.filter(pk=refused.pk).update(status=ApplicationStatus.REJECTED,
                                                     updated_at=two_years_ago)
    Application.objects.filter(pk=kept.pk).update(status=ApplicationStatus.AWARDED,
                                                  updated_at=two_years_ago)
    assert personal_data_purge(dry_run=True)["demandes refusées purgées"] == 1
    assert personal_data_purge()["demandes refusées purgées"] == 1
    assert personal_data_purge()["demandes refusées purgées"] == 0
    refused.refresh_from_db()
    version.refresh_from_db()
    assert refused.answers == [] and version.data == {"answers": [], "title": "T"}
    assert not version.receipt and not version.receipt.storage.exists(receipt_name)
    assert not refused.history.exclude(answers=[]).exists()
    assert Application.objects.get(pk=kept.pk).answers == ["Un projet retenu"]
    assert AuditEvent.objects.filter(event="application_data_purged").count() == 1
