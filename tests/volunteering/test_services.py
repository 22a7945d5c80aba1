"""Logging, validation, locking and re-valuation through the services."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from backoffice.core.models import AuditEvent, Notification
from volunteering import selectors, services
from volunteering.models import EntryStatus, ValuationRate, VolunteerEntry

from .factories import EntryFactory, VolunteerFactory

pytestmark = pytest.mark.django_db


def log(organisation, admin, volunteer, day, hours, **kwargs):
    return services.entry_log(organisation=organisation, volunteer=volunteer, date=day,
                              hours=hours, activity=kwargs.pop("activity", "animation"),
                              actor=admin, **kwargs)


def test_seeded_smic_rates_from_the_data_migration():
    rates = {(r.valid_from, r.value) for r in ValuationRate.objects.filter(kind="smic")}
    assert {(dt.date(2024, 1, 1), Decimal("11.65")), (dt.date(2024, 11, 1), Decimal("11.88")),
            (dt.date(2026, 1, 1), Decimal("12.02"))} <= rates


def test_log_values_at_the_rate_in_force_on_the_entry_date(organisation, admin, volunteers,
                                                            today):
    old = log(organisation, admin, volunteers[0], dt.date(2024, 10, 31), "2,5")
    new = log(organisation, admin, volunteers[0], dt.date(2024, 11, 1), "2.5")
    recent = log(organisation, admin, volunteers[0], dt.date(2026, 1, 1), Decimal("3"))
    assert (old.rate, old.value) == (Decimal("11.65"), Decimal("29.13"))
    assert (new.rate, new.value) == (Decimal("11.88"), Decimal("29.70"))
    assert (recent.rate, recent.value) == (Decimal("12.02"), Decimal("36.06"))
    assert {old.status, new.status, recent.status} == {EntryStatus.DRAFT}
    assert old.valuation_method == "smic_gross"


@pytest.mark.parametrize("hours,message", [("0", "strictement positif"),
                                           ("-2", "strictement positif"),
                                           ("25", "24 heures"), ("trois", "illisible"),
                                           ("1.234", "centième"), ("2h30", "illisible")])
def test_bad_hours_are_refused(organisation, admin, volunteers, today, hours, message):
    with pytest.raises(ValidationError) as exc:
        log(organisation, admin, volunteers[0], dt.date(2026, 3, 1), hours)
    assert message in str(exc.value)
    assert not VolunteerEntry.objects.exists()


@pytest.mark.parametrize("text,hours", [("2,5", "2.50"), ("3 h", "3.00"), ("1.25", "1.25"),
                                        (Decimal("4"), "4.00")])
def test_hours_notations(text, hours):
    assert services.parse_hours(text) == Decimal(hours)


def test_future_date_is_refused(organisation, admin, volunteers, today):
    with pytest.raises(ValidationError, match="date future"):
        log(organisation, admin, volunteers[0], dt.date(2026, 3, 11), "2")
    log(organisation, admin, volunteers[0], dt.date(2026, 3, 10), "2")


def test_24_hour_rule_counts_every_entry_of_the_day(organisation, admin, volunteers, today):
    day = dt.date(2026, 3, 2)
    log(organisation, admin, volunteers[0], day, "20", activity="travaux")
    log(organisation, admin, volunteers[0], day, "4", activity="animation")  # exactly 24: ok
    with pytest.raises(ValidationError, match="plus de 24 heures"):
        log(organisation, admin, volunteers[0], day, "0.5", activity="formation")
    # Another person on the same day is not affected.
    log(organisation, admin, volunteers[1], day, "8")
    assert VolunteerEntry.objects.count() == 3


def test_24_hour_rule_within_one_batch_is_all_or_nothing(organisation, admin, volunteers, today):
    day = dt.date(2026, 3, 2)
    rows = [{"volunteer": volunteers[0], "date": day, "hours": "13", "activity": a}
            for a in ("travaux", "animation")]
    with pytest.raises(ValidationError, match="26"):
        services.entries_log(organisation=organisation, rows=rows, actor=admin)
    assert not VolunteerEntry.objects.exists()


def test_likely_duplicate_needs_confirmation(organisation, admin, volunteers, today,
                                             free_text_projects):
    day = dt.date(2026, 3, 2)
    log(organisation, admin, volunteers[0], day, "2", project_reference="P1")
    with pytest.raises(ValidationError) as exc:
        log(organisation, admin, volunteers[0], day, "2", project_reference="P1")
    assert exc.value.code == "duplicate" and "Doublon probable" in exc.value.messages[0]
    # Another project or activity is not a duplicate; a confirmed duplicate is saved.
    log(organisation, admin, volunteers[0], day, "2", project_reference="P2")
    log(organisation, admin, volunteers[0], day, "2", project_reference="P1",
        confirm_duplicates=True)
    assert VolunteerEntry.objects.count() == 3


def test_volunteer_of_another_organisation_is_refused(organisation, admin, today):
    stranger = VolunteerFactory()
    with pytest.raises(ValidationError, match="n'appartient pas"):
        log(organisation, admin, stranger, dt.date(2026, 3, 2), "2")


def test_session_logs_everyone_and_creates_new_names(organisation, admin, volunteers, today):
    entries = services.session_log(
        organisation=organisation, volunteers=volunteers[:2], new_names=["Paul D.", "anne b."],
        date=dt.date(2026, 3, 7), hours="3", activity="animation", actor=admin)
    # "anne b." is Anne B. (case-insensitive): 3 people, not 4.
    assert len(entries) == 3
    assert organisation.volunteers.count() == 4
    assert sum(e.value for e in entries) == Decimal("108.18")  # 3 × 3 h × 12.02


def test_refused_session_creates_no_volunteer(organisation, admin, volunteers, today):
    with pytest.raises(ValidationError):
        services.session_log(organisation=organisation, volunteers=volunteers,
                             new_names=["Nouvelle P."], date=dt.date(2026, 4, 1), hours="3",
                             activity="animation", actor=admin)
    assert organisation.volunteers.count() == 3


def test_only_validated_entries_count_and_totals_are_the_sum(organisation, admin, volunteers,
                                                             today):
    a = log(organisation, admin, volunteers[0], dt.date(2025, 5, 1), "3")
    b = log(organisation, admin, volunteers[1], dt.date(2025, 5, 1), "1.5")
    log(organisation, admin, volunteers[2], dt.date(2025, 5, 1), "4")
    assert selectors.volunteer_totals(organisation=organisation).hours == 0
    count = services.entries_validate(organisation=organisation, entry_ids=[a.pk, b.pk],
                                      actor=admin)
    assert count == 2
    totals = selectors.volunteer_totals(organisation=organisation, year=2025)
    assert totals == selectors.VolunteerTotals(hours=Decimal("4.50"), value=a.value + b.value)
    assert selectors.volunteer_totals(organisation=organisation, year=2024).hours == 0
    assert Notification.objects.filter(event="volunteer_entries_validated",
                                       recipient=admin).count() == 1
    assert AuditEvent.objects.filter(event="volunteer_entry_validated").count() == 2


def test_totals_by_project_reference(organisation, admin, volunteers, today,
                                     free_text_projects):
    log(organisation, admin, volunteers[0], dt.date(2025, 5, 1), "3", project_reference="A")
    log(organisation, admin, volunteers[0], dt.date(2025, 5, 2), "2", project_reference="B")
    services.entries_validate(organisation=organisation, entry_ids=None, actor=admin)
    assert selectors.volunteer_totals(organisation=organisation,
                                      project_reference="A").hours == Decimal("3")
    assert selectors.volunteer_totals(organisation=organisation).hours == Decimal("5")


def test_valuation_rate_follows_the_organisation_method(organisation, admin):
    assert selectors.valuation_rate(organisation=organisation,
                                    on=dt.date(2026, 1, 1)) == Decimal("12.02")
    services.organisation_set_valuation_method(organisation=organisation, method="smic_loaded",
                                               actor=admin)
    assert selectors.valuation_rate(organisation=organisation,
                                    on=dt.date(2026, 1, 1)) == Decimal("17.43")
    with pytest.raises(LookupError):
        selectors.valuation_rate(organisation=organisation, on=dt.date(2023, 6, 1))


def test_transition_table_is_enforced(organisation, admin):
    entry = EntryFactory(volunteer__organisation=organisation)
    with pytest.raises(ValidationError, match="impossible"):
        services.entry_transition(entry=entry, to=EntryStatus.LOCKED, actor=admin)
    services.entry_transition(entry=entry, to=EntryStatus.VALIDATED, actor=admin)
    services.entry_transition(entry=entry, to=EntryStatus.LOCKED, actor=admin)
    with pytest.raises(ValidationError):
        services.entry_transition(entry=entry, to=EntryStatus.DRAFT, actor=admin)
    assert list(AuditEvent.objects.filter(object_id=str(entry.pk)).values_list(
        "event", flat=True).order_by("created_at")) == ["volunteer_entry_validated",
                                                        "volunteer_entry_locked"]


def test_lock_protects_report_figures(organisation, admin, today):
    entry = EntryFactory(volunteer__organisation=organisation, validated=True,
                         date=dt.date(2025, 4, 1))
    other = EntryFactory(volunteer__organisation=organisation, validated=True,
                         date=dt.date(2025, 4, 2), project_reference="X")
    assert services.entries_lock(organisation=organisation, year=2025, project_reference="",
                                 actor=admin, reason="Compte rendu 2025 approuvé") == 1
    entry.refresh_from_db()
    other.refresh_from_db()
    assert (entry.status, other.status) == (EntryStatus.LOCKED, EntryStatus.VALIDATED)
    with pytest.raises(ValidationError):
        services.entry_update(entry=entry, actor=admin, hours="1")
    with pytest.raises(ValidationError):
        services.entry_delete(entry=entry, actor=admin)
    # The report is sent back for changes: its hours unlock, still counted.
    assert services.entries_unlock(organisation=organisation, year=2025, project_reference="",
                                   actor=admin, reason="Compte rendu à reprendre") == 1
    entry.refresh_from_db()
    assert entry.status == EntryStatus.VALIDATED


def test_revaluation_is_explicit_audited_and_spares_locked(organisation, admin, today):
    # Stored with an outdated rate: a later change of rates does not move the value by itself.
    stale = EntryFactory(volunteer__organisation=organisation, validated=True,
                         date=dt.date(2025, 4, 1), rate=Decimal("10.00"), value=Decimal("30.00"))
    locked = EntryFactory(volunteer__organisation=organisation, locked=True,
                          date=dt.date(2025, 4, 2), rate=Decimal("10.00"), value=Decimal("30.00"))
    assert selectors.volunteer_totals(organisation=organisation).value == Decimal("60.00")
    result = services.entries_revalue(organisation=organisation, year=2025, actor=admin)
    stale.refresh_from_db()
    locked.refresh_from_db()
    assert result["changed"] == 1
    assert (stale.rate, stale.value) == (Decimal("11.88"), Decimal("35.64"))
    assert (locked.rate, locked.value) == (Decimal("10.00"), Decimal("30.00"))
    audit = AuditEvent.objects.get(event="volunteer_entries_revalued")
    assert audit.data["before"] == "30.00" and audit.data["after"] == "35.64"
    assert stale.history.first().history_change_reason == "revaluation"


def test_members_log_but_only_admins_validate(organisation, member, volunteers, outsider,
                                              today):
    entry = log(organisation, member, volunteers[0], dt.date(2026, 3, 2), "2")
    with pytest.raises(PermissionDenied):
        services.entries_validate(organisation=organisation, entry_ids=None, actor=member)
    with pytest.raises(PermissionDenied):
        log(organisation, outsider, volunteers[0], dt.date(2026, 3, 3), "2")
    entry.refresh_from_db()
    assert entry.status == EntryStatus.DRAFT


def test_update_draft_rechecks_and_revalues(organisation, admin, volunteers, today):
    entry = log(organisation, admin, volunteers[0], dt.date(2024, 10, 31), "2")
    entry = services.entry_update(entry=entry, actor=admin, date=dt.date(2024, 11, 1),
                                  hours="3")
    assert (entry.rate, entry.value) == (Decimal("11.88"), Decimal("35.64"))
    with pytest.raises(ValidationError, match="date future"):
        services.entry_update(entry=entry, actor=admin, date=dt.date(2027, 1, 1))


def test_rate_creation_is_for_finance_agents(admin):
    from tests.factories import staff_user

    with pytest.raises(PermissionDenied):
        services.valuation_rate_create(kind="smic", valid_from=dt.date(2027, 1, 1),
                                       value=Decimal("12.30"), actor=admin)
    agent = staff_user()
    rate = services.valuation_rate_create(kind="smic", valid_from=dt.date(2027, 1, 1),
                                          value=Decimal("12.30"), actor=agent)
    assert rate.pk
    with pytest.raises(ValidationError, match="qualification"):
        services.valuation_rate_create(kind="replacement", valid_from=dt.date(2027, 1, 1),
                                       value=Decimal("15"), actor=agent)


def test_project_checks_when_projects_are_known(organisation, admin, volunteers, settings,
                                                today):
    settings.VOLUNTEERING_PROJECT_RESOLVER = "tests.volunteering.projects.periods"
    with pytest.raises(ValidationError, match="Projet inconnu"):
        log(organisation, admin, volunteers[0], dt.date(2025, 3, 1), "2",
            project_reference="NOPE")
    with pytest.raises(ValidationError, match="après la fin"):
        log(organisation, admin, volunteers[0], dt.date(2026, 1, 2), "2",
            project_reference="CONV-2025")
    assert log(organisation, admin, volunteers[0], dt.date(2025, 12, 31), "2",
               project_reference="CONV-2025").pk


def test_validation_writes_history_and_audit_for_each_entry(organisation, admin, volunteers):
    entries = [EntryFactory(volunteer=v) for v in volunteers]
    services.entries_validate(organisation=organisation, entry_ids=None, actor=admin)
    for entry in entries:
        record = entry.history.first()
        assert (record.status, record.history_user, record.history_change_reason) == (
            EntryStatus.VALIDATED, admin, "validated")
        assert AuditEvent.objects.filter(object_id=str(entry.pk), actor=admin,
                                         event="volunteer_entry_validated").count() == 1
