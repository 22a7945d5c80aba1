"""Round trips of the recovery procedure on the convention page (CER withdrawal → observations
→ reasoned decision → titre de recettes → offset) and of the in-kind aid page."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from backoffice.core.models import AuditEvent
from backoffice.core.roles import Role
from conventions import services
from conventions.models import (
    ConventionStatus,
    InKindAid,
    LineKind,
    Recovery,
    RecoveryStatus,
)
from tests.conventions.factories import make_convention
from tests.factories import AuthorityFactory, OrganisationFactory, member_of, staff_user

from .helpers import field_error, form_with, messages_of, post_refused, value_of


@pytest.fixture
def agent(db):
    return staff_user(Role.FINANCE_AGENT)


@pytest.fixture
def frozen():
    with time_machine.travel(dt.datetime(2026, 6, 15, 10), tick=False) as traveller:
        yield traveller


def _flat(text: str) -> str:
    """The text as read: French amounts' narrow and non-breaking spaces as plain spaces."""
    return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())


def _detail(app, convention):
    return app.get(reverse("conventions:convention-detail", args=[convention.pk]))


def _step(convention, recovery, step):
    return reverse("conventions:recovery-step", args=[convention.pk, recovery.pk, step])


def _paid_advance(agent, organisation):
    convention = make_convention(organisation=organisation, agent=agent, confirmed=True)
    advance = convention.years.get(year=2026).lines.get(kind=LineKind.ADVANCE)
    services.payment_record(line=advance, paid_on=dt.date(2026, 3, 31),
                            mandate_reference="M-2026-4", actor=agent)
    return convention


def test_recovery_procedure_from_withdrawal_to_offset(
        app, agent, frozen, django_capture_on_commit_callbacks):
    organisation = OrganisationFactory(name="Les Amis du Scorff")
    convention = _paid_advance(agent, organisation)
    # Another convention of the same organisation, whose unpaid balance can take the offset.
    other = make_convention(authority=convention.authority, organisation=organisation,
                            agent=agent, confirmed=True)
    balance = other.years.get(year=2026).lines.get(kind=LineKind.BALANCE)
    app.set_user(agent)
    url = reverse("conventions:cer-withdrawal", args=[convention.pk])

    # Withdrawal: a future breach and no confirmation are refused, nothing changes.
    form = form_with(_detail(app, convention), "Retirer la subvention", url=url)
    form["breach_date"] = "2099-01-01"
    form["reason"] = "Engagement n° 3 : refus d'accueillir un public."
    refused = form.submit(status=400)
    assert "dans le futur" in field_error(refused, "breach_date", url=url)
    assert "Cochez la case" in field_error(refused, "confirm", url=url)
    assert value_of(refused, "reason", url=url) == "Engagement n° 3 : refus d'accueillir un public."
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.ACTIVE or convention.status == "signed"
    assert not Recovery.objects.exists()
    form = form_with(refused, "Retirer la subvention", url=url)
    form["breach_date"] = "2026-05-01"
    form["confirm"] = True
    with django_capture_on_commit_callbacks(execute=True):
        done = form.submit()
    page = done.follow()
    recovery = Recovery.objects.get()
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.TERMINATED
    assert recovery.status == RecoveryStatus.NOTICE
    assert recovery.observation_deadline == dt.date(2026, 7, 15)
    assert "à recouvrer" in messages_of(page)
    assert "attendues avant le 15/07/2026" in page.text
    assert "Notification de retrait" in page.html.select_one(f"#recovery-{recovery.pk}").text

    # Observations: a date before the notice is refused, the text is kept.
    frozen.move_to(dt.datetime(2026, 7, 1, 10))
    url = _step(convention, recovery, "observations")
    prefix = f"r{recovery.pk}-observations-"
    form = form_with(_detail(app, convention), url=url)
    form[prefix + "on"] = "2026-06-01"
    form[prefix + "observations"] = "Les faits sont contestés."
    refused = form.submit(status=400)
    assert "précède la notification" in field_error(refused, prefix + "on", url=url)
    assert value_of(refused, prefix + "observations", url=url) == "Les faits sont contestés."
    recovery.refresh_from_db()
    assert recovery.status == RecoveryStatus.NOTICE
    form = form_with(refused, url=url)
    form[prefix + "on"] = "2026-06-28"
    page = form.submit().follow()
    recovery.refresh_from_db()
    assert (recovery.status, recovery.observations_on) == ("observations", dt.date(2026, 6, 28))
    assert "Observations enregistrées" in messages_of(page)

    # Decision: more than the notified amount, French amount kept; then taken.
    url = _step(convention, recovery, "decide")
    prefix = f"r{recovery.pk}-decide-"
    form = form_with(page, url=url)
    assert value_of(page, prefix + "amount", url=url) == str(recovery.amount).replace(".", ",")
    form[prefix + "amount"] = "99 999,00"
    form[prefix + "reasons"] = "Manquement établi malgré les observations."
    form[prefix + "on"] = "2026-07-01"
    form[prefix + "confirm"] = True
    refused = form.submit(status=400)
    assert "nouvelle notification" in field_error(refused, prefix + "amount", url=url)
    assert value_of(refused, prefix + "amount", url=url) == "99 999,00"
    recovery.refresh_from_db()
    assert recovery.decision_on is None
    form = form_with(refused, url=url)
    form[prefix + "amount"] = "2 000,50"
    form[prefix + "confirm"] = True
    with django_capture_on_commit_callbacks(execute=True):
        done = form.submit()
    page = done.follow()
    recovery.refresh_from_db()
    assert (recovery.status, recovery.decided_amount) == ("decided", Decimal("2000.50"))
    assert "2 000,50 € à reverser avant le 01/01/2027" in _flat(messages_of(page))
    assert "Décision de reversement" in page.html.select_one(f"#recovery-{recovery.pk}").text

    # Titre de recettes: dated before the decision is refused.
    url = _step(convention, recovery, "title")
    prefix = f"r{recovery.pk}-title-"
    form = form_with(page, url=url)
    form[prefix + "reference"] = "T-2026-118"
    form[prefix + "on"] = "2026-06-30"
    form[prefix + "confirm"] = True
    refused = form.submit(status=400)
    assert "précède la décision" in field_error(refused, prefix + "on", url=url)
    assert value_of(refused, prefix + "reference", url=url) == "T-2026-118"
    form = form_with(refused, url=url)
    form[prefix + "on"] = "2026-07-01"
    form[prefix + "confirm"] = True
    page = form.submit().follow()
    recovery.refresh_from_db()
    assert (recovery.status, recovery.title_reference) == ("title", "T-2026-118")

    # Offset on the other convention's unpaid balance; unconfirmed first.
    url = _step(convention, recovery, "settle")
    prefix = f"r{recovery.pk}-settle-"
    form = form_with(page, url=url)
    form[prefix + "on"] = "2026-07-01"
    form[prefix + "offset_line"] = str(balance.pk)
    refused = form.submit(status=400)
    assert "Cochez la case" in field_error(refused, prefix + "confirm", url=url)
    assert value_of(refused, prefix + "offset_line", url=url) == str(balance.pk)
    form = form_with(refused, url=url)
    form[prefix + "confirm"] = True
    page = form.submit().follow()
    recovery.refresh_from_db()
    balance_before = balance.amount
    balance.refresh_from_db()
    assert recovery.status == RecoveryStatus.SETTLED
    assert balance.amount == balance_before - Decimal("2000.50")
    assert "par compensation" in page.html.select_one(f"#recovery-{recovery.pk}").text
    assert set(AuditEvent.objects.filter(event__startswith="recovery_").values_list(
        "event", flat=True)) >= {"recovery_notice", "recovery_observations",
                                 "recovery_decided", "recovery_title", "recovery_settled"}


def test_the_association_sees_the_procedure_and_cannot_act(
        app, agent, frozen, django_capture_on_commit_callbacks):
    organisation = OrganisationFactory()
    member = member_of(organisation)
    convention = _paid_advance(agent, organisation)
    with django_capture_on_commit_callbacks(execute=True):
        recovery = services.convention_withdraw_for_cer_breach(
            convention=convention, breach_date=dt.date(2026, 5, 1), reason="Faits",
            actor=agent)
    app.set_user(member)
    page = _detail(app, convention)
    block = page.html.select_one(f"#recovery-{recovery.pk}")
    assert "notifiée, observations attendues" in block.text
    assert "attendues avant le 15/07/2026" in block.text
    letter = block.select_one("a[href*='/documents/']")
    assert letter is not None and "Notification de retrait" in letter.text
    assert app.get(letter["href"]).content_type == "application/pdf"
    assert not block.select("form")
    assert not page.html.select(f"form[action='{reverse('conventions:cer-withdrawal', args=[convention.pk])}']")
    for step in ("observations", "decide", "title", "settle"):
        post_refused(app, _step(convention, recovery, step))
    post_refused(app, reverse("conventions:cer-withdrawal", args=[convention.pk]))
    recovery.refresh_from_db()
    assert recovery.status == RecoveryStatus.NOTICE


def test_a_step_out_of_order_is_refused(app, agent, frozen):
    convention = _paid_advance(agent, OrganisationFactory())
    recovery = services.convention_withdraw_for_cer_breach(
        convention=convention, breach_date=dt.date(2026, 5, 1), reason="Faits", actor=agent)
    app.set_user(agent)
    page = _detail(app, convention)
    # Only the steps the procedure allows now are offered.
    assert page.html.select(f"form[action='{_step(convention, recovery, 'decide')}']")
    assert not page.html.select(f"form[action='{_step(convention, recovery, 'title')}']")
    post_refused(app, _step(convention, recovery, "title"))


def test_in_kind_aid_add_edit_and_threshold(app, agent):
    authority = AuthorityFactory()
    organisation = OrganisationFactory()
    convention = make_convention(authority=authority, organisation=organisation, agent=agent,
                                 start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31),
                                 amounts=(Decimal("18000"),))
    app.set_user(agent)
    url = reverse("conventions:in-kind", args=[convention.pk])
    page = app.get(url)
    assert "18 000,00 € en numéraire + 0,00 € en nature = 18 000,00 €" in _flat(page.html.get_text(" "))
    form = form_with(page, "Ajouter l'aide")
    form["kind"] = "premises"
    form["description"] = "Salle Jean-Moulin, 2 soirs par semaine"
    form["value"] = "6 000,00 x"
    form["valuation_method"] = "Tarif municipal : 60 € la soirée × 100 soirées"
    refused = form.submit(status=400)
    assert "Saisissez un montant" in field_error(refused, "value")
    assert value_of(refused, "value") == "6 000,00 x"
    assert value_of(refused, "description") == "Salle Jean-Moulin, 2 soirs par semaine"
    assert not InKindAid.objects.exists()
    form = form_with(refused, "Ajouter l'aide")
    form["value"] = "6 000,00"
    page = form.submit().follow()
    aid = InKindAid.objects.get()
    assert (aid.value, aid.year, aid.account) == (Decimal("6000.00"), 2026, "870")
    assert ("Aides de l'année 2026 : 18 000,00 € en numéraire + 6 000,00 € en nature = "
            "24 000,00 € > 23 000,00 € : convention obligatoire") in _flat(page.html.get_text(" "))
    assert services.main_document_kind(convention) == "convention"

    edit_url = reverse("conventions:in-kind-edit", args=[convention.pk, aid.pk])
    form = form_with(app.get(edit_url), "Enregistrer les modifications")
    form["value"] = "-5"
    refused = form.submit(status=400)
    assert "négatif" in field_error(refused, "value")
    form = form_with(refused, "Enregistrer les modifications")
    form["value"] = "4 000"
    page = form.submit().follow()
    aid.refresh_from_db()
    assert aid.value == Decimal("4000.00")
    assert "≤ 23 000,00 € : lettre de notification suffisante" in _flat(page.html.get_text(" "))
    assert AuditEvent.objects.filter(event="in_kind_aid_updated").exists()

    # A stale edit page saves nothing.
    stale = form_with(app.get(edit_url), "Enregistrer les modifications")
    services.in_kind_aid_update(aid=aid, kind="premises", description="Salle B", year=2026,
                                value="4500", valuation_method="Tarif", actor=agent)
    stale["value"] = "1 000"
    refused = stale.submit(status=400)
    assert "modifiées depuis que vous avez ouvert cette page" in refused.text
    aid.refresh_from_db()
    assert aid.value == Decimal("4500.00")


def test_in_kind_aid_page_refused_to_the_association(app, agent):
    organisation = OrganisationFactory()
    member = member_of(organisation)
    convention = make_convention(organisation=organisation, agent=agent)
    app.set_user(member)
    app.get(reverse("conventions:in-kind", args=[convention.pk]), status=403)
    page = _detail(app, convention)
    assert "gérer les aides en nature" not in page.text
    assert "Aides de l'année 2026" in page.text


def test_repayment_request_by_hand(app, agent, frozen, django_capture_on_commit_callbacks):
    organisation = OrganisationFactory(name="Les Amis du Blavet")
    convention = _paid_advance(agent, organisation)      # 15 000 € paid
    url = reverse("conventions:repayment-request", args=[convention.pk])
    app.set_user(agent)
    page = _detail(app, convention).click("Demander un reversement")
    assert _flat(page.html.select_one("#repayment-room").text) == "15 000,00 €"

    # More than was paid: the French error next to the amount, what was typed kept.
    form = form_with(page, "Notifier la demande de reversement", url=url)
    form["ground"] = "unused"
    form["amount"] = "15 000,01"
    form["reason"] = "L'atelier d'automne est annulé : 2 000 € non dépensés."
    form["confirm"] = True
    refused = form.submit(status=400)
    assert "au plus 15 000,00 €" in _flat(field_error(refused, "amount", url=url))
    assert value_of(refused, "amount", url=url) == "15 000,01"
    assert value_of(refused, "reason", url=url) == (
        "L'atelier d'automne est annulé : 2 000 € non dépensés.")
    assert not Recovery.objects.exists()
    # No reason, a future date, no confirmation: each said next to its field.
    form = form_with(refused, "Notifier la demande de reversement", url=url)
    form["amount"] = "2 000,00"
    form["reason"] = ""
    form["on"] = "2026-07-01"
    form["confirm"] = False
    refused = form.submit(status=400)
    assert "Décrivez les faits" in field_error(refused, "reason", url=url)
    assert "dans le futur" in field_error(refused, "on", url=url)
    assert "Cochez la case" in field_error(refused, "confirm", url=url)
    assert not Recovery.objects.exists()

    form = form_with(refused, "Notifier la demande de reversement", url=url)
    form["reason"] = "L'atelier d'automne est annulé : 2 000 € non dépensés."
    form["on"] = "2026-06-15"
    form["confirm"] = True
    with django_capture_on_commit_callbacks(execute=True):
        done = form.submit()
    page = done.follow()
    recovery = Recovery.objects.get()
    assert (recovery.kind, recovery.ground, recovery.amount, recovery.report) == (
        "repayment", "unused", Decimal("2000.00"), None)
    assert "observations attendues avant le 15/07/2026" in _flat(messages_of(page))
    section = page.html.select_one(f"#recovery-{recovery.pk}").text
    assert "L'atelier d'automne est annulé" in section and "Demande de reversement" in section
    assert AuditEvent.objects.filter(event="recovery_notice",
                                     data__recovery=recovery.pk).exists()

    # The association sees the state, not the form, and cannot post it.
    app.set_user(member_of(organisation))
    page = app.get(url)
    assert _flat(page.html.select_one("#repayment-claimed").text) == "2 000,00 €"
    assert "Notifier la demande de reversement" not in page.text
    assert "Demander un reversement" not in _detail(app, convention).text
    post_refused(app, url, {"ground": "unused", "amount": "1", "reason": "x",
                            "on": "2026-06-15", "confirm": "on"})
    assert Recovery.objects.count() == 1
