"""Recovery through the contradictory procedure (CRPA L121-1, L122-1): a repayment after a
financial report (CGCT L1611-4) and a withdrawal for a CER breach (décret 2021-1947 art. 5),
notice → observations → reasoned decision → titre de recettes → received or offset."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from backoffice.core.models import AuditEvent
from conventions import services
from conventions.models import (
    ConventionStatus,
    LineKind,
    Recovery,
    RecoveryStatus,
)

from .factories import BALANCED_REPORT, make_convention
from .test_documents import _text

pytestmark = pytest.mark.django_db


def _pay(line, agent):
    return services.payment_record(line=line, paid_on=line.planned_date,
                                   mandate_reference=f"M{line.pk}", actor=agent)


def test_repayment_goes_through_the_procedure_and_is_offset(
        authority, organisation, agent, member, django_capture_on_commit_callbacks):
    convention = make_convention(authority=authority, organisation=organisation, agent=agent,
                                 confirmed=True, keep_rule_rate=Decimal("0.10"))
    y2026 = convention.years.get(year=2026)
    for line in y2026.lines.order_by("position"):
        _pay(line, agent)
    services.convention_year_confirm(year=convention.years.get(year=2027), amount="30000",
                                     vote_reference="BP 2027", vote_date=dt.date(2026, 11, 20),
                                     actor=agent, on=dt.date(2026, 11, 20))
    report = y2026.report
    # The organisation closes its accounts on 30 June: its 2026 report is filed in September.
    organisation.financial_year_end = "30/06"
    organisation.save()
    services.report_submit(report=report, budget_lines=BALANCED_REPORT, subsidy_used="24000",
                           qualitative_report="Bilan", actor=member, on=dt.date(2026, 9, 20))
    with django_capture_on_commit_callbacks(execute=True):
        services.report_review(report=report, approve=True, actor=agent,
                               on=dt.date(2026, 10, 1))
    recovery = Recovery.objects.get()
    assert (recovery.kind, recovery.status, recovery.amount) == ("repayment", "notice",
                                                                 Decimal("3000.00"))
    assert recovery.observation_deadline == dt.date(2026, 10, 31)
    notice = _text(convention.documents.get(kind="repayment"))
    assert "01/10/2026" in notice and "31/10/2026" in notice

    # The decision waits for the observations or the end of their delay.
    with pytest.raises(ValidationError) as exc:
        services.recovery_decide(recovery=recovery, amount="3000", reasons="Excédent",
                                 on=dt.date(2026, 10, 15), actor=agent)
    assert "court jusqu'au 31/10/2026" in exc.value.message_dict["on"][0]
    for kwargs, field, text in [
            ({"observations": " "}, "observations", "Saisissez"),
            ({"on": dt.date(2026, 9, 1)}, "on", "précède la notification"),
            ({"on": dt.date(2099, 1, 1)}, "on", "dans le futur")]:
        with pytest.raises(ValidationError) as exc:
            services.recovery_observations(recovery=recovery, actor=agent, **{
                "observations": "Achats reportés", "on": dt.date(2026, 10, 12), **kwargs})
        assert text in exc.value.message_dict[field][0]
    services.recovery_observations(recovery=recovery, observations="Un atelier reporté en "
                                   "janvier a coûté 500 €.", on=dt.date(2026, 10, 12),
                                   actor=agent)
    for kwargs, field, text in [
            ({"amount": "3000.01"}, "amount", "nouvelle notification"),
            ({"amount": "x"}, "amount", "illisible"),
            ({"reasons": ""}, "reasons", "CRPA L211-2"),
            ({"on": dt.date(2026, 10, 11)}, "on", "la décision répond aux observations")]:
        with pytest.raises(ValidationError) as exc:
            services.recovery_decide(recovery=recovery, actor=agent, **{
                "amount": "2500", "reasons": "r", "on": dt.date(2026, 10, 20), **kwargs})
        assert text in exc.value.message_dict[field][0]
    with django_capture_on_commit_callbacks(execute=True):
        services.recovery_decide(recovery=recovery, amount="2500", on=dt.date(2026, 10, 20),
                                 reasons="L'atelier reporté justifie 500 € ; le reste n'est "
                                         "pas utilisé.", actor=agent)
    recovery.refresh_from_db()
    assert recovery.status == "decided" and recovery.due_date == dt.date(2026, 12, 20)
    decision = _text(convention.documents.get(kind="recovery_decision"))
    assert "20/10/2026" in decision and "Vu les observations reçues le 12/10/2026" in decision

    with pytest.raises(ValidationError) as exc:
        services.recovery_settle(recovery=recovery, on=dt.date(2026, 11, 1), actor=agent)
    assert "titre de recettes" in " ".join(exc.value.messages)
    with pytest.raises(ValidationError) as exc:
        services.recovery_title(recovery=recovery, reference="", on=dt.date(2026, 10, 25),
                                actor=agent)
    assert "référence du titre" in exc.value.message_dict["reference"][0]
    with pytest.raises(ValidationError) as exc:
        services.recovery_title(recovery=recovery, reference="T-1", on=dt.date(2026, 10, 19),
                                actor=agent)
    assert "exécute la décision" in exc.value.message_dict["on"][0]
    services.recovery_title(recovery=recovery, reference="T-2026-118",
                            on=dt.date(2026, 10, 25), actor=agent)

    # Offset against the unpaid 2027 advance of the same organisation.
    y2027 = convention.years.get(year=2027)
    advance = y2027.lines.get(kind=LineKind.ADVANCE)
    other = make_convention(authority=authority, agent=agent, confirmed=True)
    with pytest.raises(ValidationError) as exc:
        services.recovery_settle(recovery=recovery, on=dt.date(2026, 11, 2), actor=agent,
                                 offset_line=other.years.get(year=2026).lines.first())
    assert "même organisation" in exc.value.message_dict["offset_line"][0]
    services.recovery_settle(recovery=recovery, on=dt.date(2026, 11, 2), actor=agent,
                             offset_line=advance)
    recovery.refresh_from_db()
    advance.refresh_from_db()
    y2027.refresh_from_db()
    assert recovery.status == "settled" and recovery.offset_line == advance
    assert advance.amount == Decimal("12500.00")
    assert y2027.amount == Decimal("27500.00")
    assert sum(line.amount for line in y2027.lines.all()) == y2027.amount
    events = set(AuditEvent.objects.values_list("event", flat=True))
    assert {"recovery_notice", "recovery_observations", "recovery_decided", "recovery_title",
            "recovery_settled"} <= events


def test_cer_breach_withdraws_pro_rata_cancels_later_years_and_recovers(
        authority, organisation, agent, django_capture_on_commit_callbacks):
    convention = make_convention(authority=authority, organisation=organisation, agent=agent,
                                 confirmed=True)
    _pay(convention.years.get(year=2026).lines.get(kind=LineKind.ADVANCE), agent)
    for kwargs, field, text in [
            ({"reason": " "}, "reason", "7 engagements"),
            ({"breach_date": None}, "breach_date", "date du manquement"),
            ({"breach_date": dt.date(2099, 1, 1)}, "breach_date", "dans le futur"),
            ({"breach_date": dt.date(2025, 6, 1)}, "breach_date", "hors de la durée")]:
        with pytest.raises(ValidationError) as exc:
            services.convention_withdraw_for_cer_breach(convention=convention, actor=agent, **{
                "reason": "Propos appelant à la haine lors d'un atelier",
                "breach_date": dt.date(2026, 3, 1), **kwargs})
        assert text in exc.value.message_dict[field][0]
    with django_capture_on_commit_callbacks(execute=True):
        recovery = services.convention_withdraw_for_cer_breach(
            convention=convention, breach_date=dt.date(2026, 3, 1), actor=agent,
            on=dt.date(2026, 3, 20), reason="Propos appelant à la haine lors d'un atelier")
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.TERMINATED
    # 90 000 € over 1 096 days; 60 days elapsed up to the breach day: 4 927,01 € kept.
    assert recovery.amount == Decimal("15000.00") - Decimal("4927.01")
    assert recovery.cancelled_amount == Decimal("75000.00")
    for year in convention.years.all():
        assert sum(line.amount for line in year.lines.all()) == year.amount
    assert sum(year.amount for year in convention.years.all()) == Decimal("15000.00")
    notice = _text(convention.documents.get(kind="withdrawal_notice"))
    assert "01/03/2026" in notice and "19/04/2026" in notice
    services.recovery_decide(recovery=recovery, amount=recovery.amount, reasons="Faits établis",
                             on=dt.date(2026, 4, 20), actor=agent)
    recovery.refresh_from_db()
    assert recovery.due_date == dt.date(2026, 10, 20)   # 6 months (décret 2021-1947 art. 5)
    with pytest.raises(ValidationError) as exc:
        services.convention_withdraw_for_cer_breach(
            convention=convention, breach_date=dt.date(2026, 3, 1), actor=agent, reason="x")
    assert "Seule une convention signée" in " ".join(exc.value.messages)


def test_observations_can_lead_to_waiving_the_recovery(authority, organisation, agent):
    convention = make_convention(authority=authority, organisation=organisation, agent=agent,
                                 confirmed=True)
    _pay(convention.years.get(year=2026).lines.get(kind=LineKind.ADVANCE), agent)
    recovery = services.convention_withdraw_for_cer_breach(
        convention=convention, breach_date=dt.date(2026, 2, 1), actor=agent,
        on=dt.date(2026, 2, 10), reason="Faits signalés")
    services.recovery_observations(recovery=recovery, observations="Faits contestés, preuve "
                                   "jointe", on=dt.date(2026, 2, 20), actor=agent)
    services.recovery_decide(recovery=recovery, amount="0", reasons="Faits non établis",
                             on=dt.date(2026, 2, 25), actor=agent)
    recovery.refresh_from_db()
    assert recovery.status == RecoveryStatus.WAIVED and recovery.due_date is None


def test_the_association_sees_its_recovery_on_the_convention_page(
        client, authority, organisation, agent, member):
    convention = make_convention(authority=authority, organisation=organisation, agent=agent,
                                 confirmed=True)
    _pay(convention.years.get(year=2026).lines.get(kind=LineKind.ADVANCE), agent)
    services.convention_withdraw_for_cer_breach(
        convention=convention, breach_date=dt.date(2026, 2, 1), actor=agent,
        on=dt.date(2026, 2, 10), reason="Faits signalés")
    client.force_login(member)
    page = client.get(f"/conventions/{convention.pk}/").content.decode()
    assert "Reversements et retraits" in page and "avant le 12/03/2026" in page


def test_api_drives_the_procedure_with_field_errors(client, authority, organisation, agent):
    convention = make_convention(authority=authority, organisation=organisation, agent=agent,
                                 confirmed=True)
    _pay(convention.years.get(year=2026).lines.get(kind=LineKind.ADVANCE), agent)
    client.force_login(agent)
    base = f"/api/v1/conventions/{convention.pk}/"
    r = client.post(base + "cer-withdrawal/", {"breach_date": "2099-01-01", "reason": "Faits"},
                    content_type="application/json")
    assert r.status_code == 400 and "dans le futur" in r.json()["breach_date"][0]
    r = client.post(base + "cer-withdrawal/", {"breach_date": "2026-02-01", "reason": "Faits"},
                    content_type="application/json")
    assert r.status_code == 201 and r.json()["status"] == "notice"
    step = base + f"recoveries/{r.json()['id']}/"
    r = client.post(step + "observations/", {"observations": "Contestation"},
                    content_type="application/json")
    assert r.status_code == 400 and "on" in r.json()
    r = client.post(step + "observations/", {"observations": "Contestation", "on": "2026-02-05"},
                    content_type="application/json")
    assert r.status_code == 400 and "notification" in r.json()["on"][0]
    today = dt.date.today().isoformat()
    r = client.post(step + "observations/", {"observations": "Contestation", "on": today},
                    content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "observations"
    r = client.post(step + "decide/", {"amount": "999999", "reasons": "Établi", "on": today},
                    content_type="application/json")
    assert r.status_code == 400 and "nouvelle notification" in r.json()["amount"][0]
    r = client.post(step + "decide/", {"amount": "100", "reasons": "Établi", "on": today},
                    content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "decided"
    r = client.post(step + "title/", {"reference": "T-9", "on": today},
                    content_type="application/json")
    assert r.status_code == 200
    r = client.post(step + "settle/", {"on": today, "offset_line": 999999},
                    content_type="application/json")
    assert r.status_code == 400 and "offset_line" in r.json()
    r = client.post(step + "settle/", {"on": today}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "settled"
    assert len(client.get(base + "recoveries/").json()) == 1


def _repayment(convention, agent, **kwargs):
    return services.repayment_request(convention=convention, actor=agent, **{
        "ground": "unused", "amount": "1000", "on": dt.date(2026, 6, 1),
        "reason": "L'atelier de juin n'a pas eu lieu.", **kwargs})


def test_a_repayment_started_by_hand_claims_only_money_paid_and_not_yet_asked_back(
        authority, organisation, agent, django_capture_on_commit_callbacks):
    convention = make_convention(authority=authority, organisation=organisation, agent=agent,
                                 confirmed=True)
    _pay(convention.years.get(year=2026).lines.get(kind=LineKind.ADVANCE), agent)  # 15 000 €
    for kwargs, field, text in [
            ({"amount": "15000.01"}, "amount", "au plus 15 000,00"),
            ({"amount": "0"}, "amount", "supérieur à 0"),
            ({"reason": "  "}, "reason", "Décrivez les faits"),
            ({"ground": "other"}, "ground", "fondement"),
            ({"on": dt.date(2099, 1, 1)}, "on", "dans le futur"),
            ({"on": dt.date(2026, 1, 14)}, "on", "précède la signature de la convention")]:
        with pytest.raises(ValidationError) as exc:
            _repayment(convention, agent, **kwargs)
        assert text in " ".join(exc.value.message_dict[field]).replace("\u202f", " ").replace("\xa0", " ")
    assert not Recovery.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        first = _repayment(convention, agent, amount="9000", ground="breach",
                           reason="Dépenses sans rapport avec l'objet de la convention.")
    assert (first.kind, first.status, first.ground, first.report) == (
        "repayment", "notice", "breach", None)
    assert first.reason == "Dépenses sans rapport avec l'objet de la convention."
    assert first.observation_deadline == dt.date(2026, 7, 1)
    event = AuditEvent.objects.get(event="recovery_notice")
    assert event.data["ground"] == "breach" and "sans rapport" in event.data["reason"]
    notice = _text(convention.documents.get(kind="repayment"))
    assert "Dépenses sans rapport avec l'objet de la convention." in notice
    assert "9 000,00" in notice.replace("\u202f", " ").replace("\xa0", " ")

    # 15 000 € paid, 9 000 € already asked back: 6 000 € at most.
    with pytest.raises(ValidationError) as exc:
        _repayment(convention, agent, amount="6000.01")
    message = exc.value.message_dict["amount"][0].replace("\u202f", " ").replace("\xa0", " ")
    assert "15 000,00 € versés, 9 000,00 € déjà demandés" in message
    assert "au plus 6 000,00 €" in message
    # A decision lowers what is asked back; an abandoned recovery asks nothing.
    services.recovery_decide(recovery=first, amount="4000", reasons="En partie justifié",
                             on=dt.date(2026, 7, 2), actor=agent)
    decision = " ".join(services.document_html(
        convention.documents.get(kind="recovery_decision")).split())
    assert (f"territoriales et la convention {convention.reference} ;" in decision
            and "compte rendu financier de l'année" not in decision)
    assert "Fait le 02/07/2026." in decision    # an authority without a city: no blank either
    second = _repayment(convention, agent, amount="11000", on=dt.date(2026, 7, 3))
    services.recovery_decide(recovery=second, amount="0", reasons="Atelier reporté",
                             on=dt.date(2026, 8, 3), actor=agent)
    assert _repayment(convention, agent, amount="11000", on=dt.date(2026, 8, 4)).amount == (
        Decimal("11000.00"))
    with pytest.raises(ValidationError):
        _repayment(convention, agent, amount="0.01", on=dt.date(2026, 8, 4))


def test_no_repayment_before_anything_was_paid_or_signed(authority, organisation, agent, member):
    draft = make_convention(authority=authority, organisation=organisation, agent=agent)
    with pytest.raises(ValidationError) as exc:
        _repayment(draft, agent)
    assert "Seule une convention signée" in " ".join(exc.value.messages)
    signed = make_convention(authority=authority, organisation=organisation, agent=agent,
                             confirmed=True)
    with pytest.raises(ValidationError) as exc:   # nothing paid yet
        _repayment(signed, agent)
    assert "au plus 0,00" in exc.value.message_dict["amount"][0].replace("\u202f", " ").replace("\xa0", " ")
    from backoffice.core.permissions import allowed

    assert allowed(agent, "repayment.request", signed)[0]
    assert not allowed(agent, "repayment.request", draft)[0]
    assert not allowed(member, "repayment.request", signed)[0]


def test_money_asked_back_by_hand_is_not_claimed_again_by_the_report(
        authority, organisation, agent, member):
    """30 000 € paid; 28 000 € already asked back by hand: the report finds 3 000 € to repay
    but only 2 000 € were paid and not yet claimed — the claim stops there (CGCT L1611-4)."""
    convention = make_convention(authority=authority, organisation=organisation, agent=agent,
                                 confirmed=True, keep_rule_rate=Decimal("0.10"))
    y2026 = convention.years.get(year=2026)
    for line in y2026.lines.order_by("position"):
        _pay(line, agent)
    _repayment(convention, agent, amount="28000", on=dt.date(2026, 9, 1), ground="breach",
               reason="Dépenses sans rapport avec l'objet.")
    organisation.financial_year_end = "30/06"
    organisation.save()
    report = y2026.report
    services.report_submit(report=report, budget_lines=BALANCED_REPORT, subsidy_used="24000",
                           qualitative_report="Bilan", actor=member, on=dt.date(2026, 9, 20))
    services.report_review(report=report, approve=True, actor=agent, on=dt.date(2026, 10, 1))
    report.refresh_from_db()
    claimed = sorted(r.amount for r in Recovery.objects.all())
    assert claimed == [Decimal("2000.00"), Decimal("28000.00")]
    assert report.repayment_amount == Decimal("2000.00")
