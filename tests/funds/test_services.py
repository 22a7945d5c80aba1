"""Services: submission, bad input, review, decisions, phases."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from backoffice.core.audit import audit_events_for
from backoffice.core.budget import BudgetLine
from backoffice.core.models import Notification
from funds import rules, services
from funds.models import Application, ApplicationStatus, ApplicationVersion, Award, CallPhase
from tests.factories import OrganisationFactory, UserFactory, member_of, staff_user

from .factories import ApplicationFactory, CallFactory, FundFactory, balanced_budget

pytestmark = pytest.mark.django_db
ALL_CHECKS = {code: True for code, _label in rules.MANUAL_CHECKS}


def test_submit_freezes_a_version_notifies_and_queues_the_receipt(draft,
                                                                  django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.application_submit(application=draft, user=draft.applicant)
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.SUBMITTED and draft.version == 1
    version = ApplicationVersion.objects.get(application=draft)
    assert version.data["amount_requested"] == "4000.00"
    assert version.receipt.name.endswith(".pdf") and len(version.receipt_sha256) == 64
    assert version.receipt.read().startswith(b"%PDF")
    assert Notification.objects.filter(recipient=draft.applicant,
                                       event="application_submitted").count() == 1
    assert draft.organisation.cer_accepted


def test_double_submit_creates_one_submission(draft):
    services.application_submit(application=draft, user=draft.applicant)
    with pytest.raises(ValidationError, match="déjà déposé"):
        services.application_submit(application=draft, user=draft.applicant)
    assert ApplicationVersion.objects.filter(application=draft).count() == 1


@pytest.mark.parametrize("change, field, message", [
    ({"amount_requested": Decimal("20000.00")}, "amount_requested", "dépasse le maximum"),
    ({"cer_accepted": False}, "cer_accepted", "engagement républicain"),
    ({"summary": ""}, "summary", "résumé"),
])
def test_submit_refuses_incomplete_or_out_of_rules(draft, change, field, message):
    services.application_update(application=draft, user=draft.applicant, data=change)
    with pytest.raises(ValidationError) as exc:
        services.application_submit(application=draft, user=draft.applicant)
    assert any(message in m for m in exc.value.message_dict[field])
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.DRAFT and not draft.versions.exists()


def test_unbalanced_budget_and_in_kind_mismatch_are_refused(draft):
    lines = [*balanced_budget()[:-1], BudgetLine("870", Decimal("10.00")),
             BudgetLine("63", Decimal("99.00"))]
    services.application_update(application=draft, user=draft.applicant, data={},
                                budget_lines=lines)
    with pytest.raises(ValidationError) as exc:
        services.application_submit(application=draft, user=draft.applicant)
    budget_messages = " ".join(exc.value.message_dict["budget"])
    assert "pas équilibré" in budget_messages and "(86" in budget_messages


def test_negative_budget_line_saves_nothing(draft):
    before = list(draft.budget_lines.values_list("account", "amount"))
    with pytest.raises(ValidationError, match="négatif"):
        services.application_update(
            application=draft, user=draft.applicant, data={"title": "Nouveau titre"},
            budget_lines=[BudgetLine("60", Decimal("-5.00"))])
    draft.refresh_from_db()
    assert draft.title != "Nouveau titre"
    assert list(draft.budget_lines.values_list("account", "amount")) == before


def test_negative_amount_requested_is_refused(draft):
    with pytest.raises(ValidationError) as exc:
        services.application_update(application=draft, user=draft.applicant,
                                    data={"amount_requested": Decimal("-1.00")})
    assert "amount_requested" in exc.value.message_dict


def test_submitting_after_the_closing_date_is_refused(draft):
    with time_machine.travel(draft.call.closes_on + dt.timedelta(days=1, hours=12)):
        with pytest.raises(ValidationError, match="clos"):
            services.application_submit(application=draft, user=draft.applicant)


def test_one_application_per_applicant(db):
    call = CallFactory(one_per_applicant=True)
    organisation = OrganisationFactory()
    user = member_of(organisation)
    services.application_create(user=user, call=call, organisation=organisation, title="Un")
    with pytest.raises(ValidationError, match="qu'un dossier par porteur"):
        services.application_create(user=user, call=call, organisation=organisation,
                                    title="Deux")
    assert Application.objects.filter(call=call).count() == 1


def test_individuals_only_where_the_call_allows_and_with_the_minimum_age(db):
    initiatives = CallFactory()
    participatory = CallFactory(participatory=True)
    person = UserFactory()
    with pytest.raises(ValidationError, match="réservé aux organisations"):
        services.application_create(user=person, call=initiatives, title="Banc", applicant_age=30)
    with pytest.raises(ValidationError, match="16 ans"):
        services.application_create(user=person, call=participatory, title="Banc",
                                    applicant_age=14)
    application = services.application_create(user=person, call=participatory, title="Banc",
                                              applicant_age=17)
    assert application.organisation is None and application.applicant == person


def test_non_member_cannot_apply_for_an_organisation(call):
    with pytest.raises(PermissionDenied):
        services.application_create(user=UserFactory(), call=call,
                                    organisation=OrganisationFactory(), title="X")


def test_request_info_then_resubmit_keeps_both_versions(draft, instructor):
    services.application_submit(application=draft, user=draft.applicant)
    services.application_request_info(application=draft, user=instructor,
                                      message="Précisez le devis du matériel.")
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.INFO_REQUESTED
    services.application_update(application=draft, user=draft.applicant,
                                data={"place": "Lorient, Bois-du-Château"})
    with time_machine.travel(draft.call.closes_on + dt.timedelta(days=3)):
        services.application_submit(application=draft, user=draft.applicant,
                                    answer="Devis joint.")
    versions = list(draft.versions.order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    diff = rules.version_diff(versions[0].data, versions[1].data)
    assert diff == [("place", "Lorient, Kervénanec", "Lorient, Bois-du-Château")]
    assert [m.kind for m in draft.messages.all()] == ["info_request", "answer"]


def test_eligibility_needs_every_manual_check_and_ineligibility_a_motivation(draft, instructor):
    services.application_submit(application=draft, user=draft.applicant)
    with pytest.raises(ValidationError, match="Cochez"):
        services.application_declare_eligible(application=draft, user=instructor)
    with pytest.raises(ValidationError, match="Motivez"):
        services.application_declare_ineligible(application=draft, user=instructor,
                                                motivation=" ")
    services.application_review_save(application=draft, user=instructor, checklist=ALL_CHECKS,
                                     estimated_cost=Decimal("5500"),
                                     proposed_amount=Decimal("3500"), opinion="Favorable.")
    services.application_declare_eligible(application=draft, user=instructor)
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.ELIGIBLE
    assert draft.proposed_amount == Decimal("3500.00")


def test_proposed_amount_cannot_exceed_request(draft, instructor):
    services.application_submit(application=draft, user=draft.applicant)
    with pytest.raises(ValidationError, match="dépasser le montant demandé"):
        services.application_review_save(application=draft, user=instructor, checklist={},
                                         proposed_amount=Decimal("4000.01"))


def test_award_checks_amount_nature_envelope_and_logs(decider):
    fund = FundFactory(envelope=Decimal("5000.00"))
    first = ApplicationFactory(call__fund=fund, eligible=True)
    second = ApplicationFactory(call=first.call, eligible=True)
    kwargs = dict(actor=decider, nature="projet", deliberation_reference="DEL-2026-12",
                  deliberation_date=timezone.localdate())
    with pytest.raises(ValidationError, match="ne peut pas dépasser le montant demandé"):
        services.application_award(application=first, amount=Decimal("4000.01"), **kwargs)
    with pytest.raises(ValidationError, match="nature"):
        services.application_award(application=first, amount=Decimal("100"),
                                   **{**kwargs, "nature": "investissement"})
    award = services.application_award(application=first, amount=Decimal("3000.00"), **kwargs)
    assert award.organisation == first.organisation and award.budget_imputation == "6574"
    with pytest.raises(ValidationError, match="il reste 2"):
        services.application_award(application=second, amount=Decimal("2500.00"), **kwargs)
    assert Award.objects.count() == 1 and award.history.count() == 1
    assert any(e.event == "application_awarded" for e in audit_events_for(first))


def test_committee_batch_is_all_or_nothing(decider):
    fund = FundFactory(envelope=Decimal("6000.00"))
    a = ApplicationFactory(call__fund=fund, eligible=True)
    b = ApplicationFactory(call=a.call, eligible=True)
    c = ApplicationFactory(call=a.call, eligible=True)
    decisions = [
        {"application": a, "decision": "award", "amount": Decimal("4000"), "nature": "projet"},
        {"application": b, "decision": "reject", "motivation": "Hors territoire."},
        {"application": c, "decision": "award", "amount": Decimal("4000"), "nature": "projet"},
    ]
    with pytest.raises(ValidationError, match="Ligne 3"):
        services.applications_decide_batch(decisions=decisions, actor=decider,
                                           deliberation_reference="CM-2026-04",
                                           deliberation_date=timezone.localdate())
    assert not Award.objects.exists()
    assert Application.objects.get(pk=b.pk).status == ApplicationStatus.ELIGIBLE
    decisions[2]["amount"] = Decimal("2000")
    services.applications_decide_batch(decisions=decisions, actor=decider,
                                       deliberation_reference="CM-2026-04",
                                       deliberation_date=timezone.localdate())
    assert Award.objects.count() == 2
    assert Application.objects.get(pk=b.pk).status == ApplicationStatus.REJECTED


def test_status_table_forbids_jumps(draft, decider):
    with pytest.raises(ValidationError, match="ne peut pas passer"):
        services.application_transition(application=draft, to=ApplicationStatus.AWARDED,
                                        actor=decider)


def test_phases_switch_at_their_dates_and_by_hand(db):
    call = CallFactory(participatory=True, phase=CallPhase.DRAFT)
    assert services.calls_advance_phases(today=timezone.localdate()) == 1
    call.refresh_from_db()
    assert call.phase == CallPhase.OPEN
    assert services.calls_advance_phases(today=timezone.localdate()) == 0
    services.calls_advance_phases(today=call.vote_on)
    call.refresh_from_db()
    assert call.phase == CallPhase.VOTE
    assert [e.event for e in audit_events_for(call)].count("call_phase_changed") == 3
    with pytest.raises(ValidationError, match="suivante ou à la précédente"):
        services.call_set_phase(call=call, phase=CallPhase.CLOSED, actor=staff_user())
    services.call_set_phase(call=call, phase=CallPhase.DECISION, reason="vote clos",
                            actor=staff_user())
    call.refresh_from_db()
    assert call.phase == CallPhase.DECISION


def test_overdue_report_blocks_only_when_configured(draft, settings, monkeypatch):
    # the provider the conventions app registers (funds never imports conventions)
    monkeypatch.setattr("funds.interfaces._overdue_reports",
                        [lambda organisation, on=None: ["CR 2024"]])
    settings.FUNDS_OVERDUE_REPORT_BLOCKS = True
    with pytest.raises(ValidationError, match="compte rendu financier"):
        services.application_submit(application=draft, user=draft.applicant)
    settings.FUNDS_OVERDUE_REPORT_BLOCKS = False
    services.application_submit(application=draft, user=draft.applicant)


def test_phase_switching_is_scheduled(settings):
    from celery import current_app

    import funds.tasks  # noqa: F401 - registers the task

    entry = settings.CELERY_BEAT_SCHEDULE["funds-advance-call-phases"]
    assert entry["task"] in current_app.tasks


def test_phase_task_advances_calls(db):
    from funds.tasks import calls_advance_phases_task

    call = CallFactory(phase=CallPhase.DRAFT)
    assert calls_advance_phases_task.delay().get() == 1
    call.refresh_from_db()
    assert call.phase == CallPhase.OPEN


def test_award_list_is_scoped(decider):
    from funds.selectors import award_list
    from tests.factories import MembershipFactory

    application = ApplicationFactory(eligible=True)
    services.application_award(application=application, actor=decider, amount=Decimal("1000"),
                               nature="projet", deliberation_reference="D-1",
                               deliberation_date=timezone.localdate())
    member = UserFactory()
    MembershipFactory(user=member, organisation=application.organisation)
    assert award_list(user=member).count() == 1
    assert award_list(user=member_of(OrganisationFactory())).count() == 0
    assert award_list(user=decider).get().authority == application.call.fund.authority


def test_award_export_has_one_row_per_award_with_exact_amounts(decider, client):
    from funds.resources import AwardResource

    application = ApplicationFactory(eligible=True)
    services.application_award(application=application, actor=decider,
                               amount=Decimal("1234.56"), nature="projet",
                               deliberation_reference="D-7",
                               deliberation_date=timezone.localdate())
    dataset = AwardResource().export()
    assert dataset.headers[0] == "Bénéficiaire"
    assert len(dataset) == 1
    row = dict(zip(dataset.headers, dataset[0], strict=True))
    assert row["Montant attribué"] == "1234.56" and row["Imputation"] == "6574"
    admin = UserFactory(roles=[])
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    assert client.get("/admin/funds/award/export/").status_code == 200


def test_admin_award_export_costs_the_same_queries_for_more_awards(rf, decider):
    from django.contrib.admin.sites import site
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from funds.admin import AwardAdmin
    from funds.resources import AwardResource

    admin = UserFactory(roles=[])
    admin.is_staff = admin.is_superuser = True
    admin.save()
    counts = []
    for more in (1, 4):
        for _ in range(more):
            services.application_award(application=ApplicationFactory(eligible=True),
                                       actor=decider, amount=Decimal("100"), nature="projet",
                                       deliberation_reference="D-8",
                                       deliberation_date=timezone.localdate())
        request = rf.get("/admin/funds/award/export/")
        request.user = admin
        queryset = AwardAdmin(Award, site).get_export_queryset(request)
        with CaptureQueriesContext(connection) as queries:
            AwardResource().export(queryset=queryset)
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("model", ["fund", "call", "application", "applicationversion",
                                   "award"])
def test_admin_pages_answer(client, model):
    ApplicationFactory(submitted=True)
    admin = UserFactory()
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    assert client.get(f"/admin/funds/{model}/").status_code == 200
