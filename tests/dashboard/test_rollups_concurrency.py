"""Two transactions changing rows the same rollup depends on, interleaved on real PostgreSQL
connections: the second waits for the first's commit, and the rollups stay exact."""

from __future__ import annotations

import datetime as dt
import threading
import time

import psycopg
import pytest
from django.db import connection

from conventions.models import ConventionStatus, PaymentStatus
from dashboard import rollups, selectors
from funds.models import Application, ApplicationStatus
from tests.factories import AuthorityFactory, OrganisationFactory

from . import factories as f

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_connections():
    if connection.vendor != "postgresql":
        pytest.skip("les agrégats n'existent que sous PostgreSQL")
    settings = connection.get_connection_params()
    params = {k: v for k, v in settings.items()
              if k in ("dbname", "user", "host", "port", "password")}
    first, second = psycopg.connect(**params), psycopg.connect(**params)
    yield first, second
    first.close()
    second.close()


def interleave(first, second, first_sql, second_sql):
    """Run ``first_sql`` in ``first`` without committing, start ``second_sql`` in ``second`` in
    a thread, commit ``first`` once ``second`` had time to block, then commit ``second``.
    Returns the errors of the second transaction and whether it was still waiting."""
    errors = []
    for sql, params in first_sql:
        first.execute(sql, params)

    def run_second():
        try:
            for sql, params in second_sql:
                second.execute(sql, params)
            second.commit()
        except psycopg.Error as exc:  # pragma: no cover - reported by the assertion
            errors.append(repr(exc))
            second.rollback()

    thread = threading.Thread(target=run_second)
    thread.start()
    time.sleep(0.5)
    waited = thread.is_alive()
    first.commit()
    thread.join(timeout=30)
    return errors, waited


def test_two_transactions_on_the_same_application(two_connections):
    app = f.application(organisation=OrganisationFactory(), budget=[("74", "100", False)])
    errors, waited = interleave(*two_connections, [(
        "INSERT INTO funds_applicationbudgetline (application_id, account, label, funder,"
        " funder_status, is_this_authority, amount) VALUES (%s, '870', '', '', '', false, 50)",
        [app.pk])], [(
            "UPDATE funds_applicationbudgetline SET amount = 200"
            " WHERE application_id = %s AND account = '74'", [app.pk])])
    assert errors == []
    assert waited
    assert rollups.check() == []


def test_a_new_advance_line_while_its_tranche_changes_year(two_connections):
    conv = f.convention(status=ConventionStatus.ACTIVE, end=dt.date(2027, 12, 31),
                        years={2026: ("1000", None)})
    year = conv.years.get()
    errors, waited = interleave(*two_connections, [(
        "INSERT INTO conventions_scheduleline (year_id, position, kind, amount,"
        " waits_for_report) VALUES (%s, 1, 'advance', 500, false)", [year.pk])], [(
            "UPDATE conventions_conventionyear SET year = 2027 WHERE id = %s", [year.pk])])
    assert errors == []
    assert waited
    assert rollups.check() == []
    figures = {row["year"]: row for row in selectors.scorecard(
        year=2027, today=dt.date(2027, 12, 1), previous_years=1)}
    assert figures[2027]["advance_count"] == 1
    assert figures[2026]["advance_count"] == 0


def test_hours_logged_while_the_convention_is_signed(two_connections):
    # The hours fall in a year with no tranche yet: they start a new row of facts, which
    # must carry the convention's status as committed by the other transaction.
    organisation = OrganisationFactory()
    conv = f.convention(organisation=organisation, status=ConventionStatus.SENT,
                        end=dt.date(2027, 12, 31), years={2026: ("1000", None)})
    entry = f.volunteer_hours(organisation, convention=None, date=dt.date(2027, 5, 1))
    errors, waited = interleave(*two_connections, [(
        "UPDATE volunteering_volunteerentry SET convention_id = %s WHERE id = %s",
        [conv.pk, entry.pk])], [(
            "UPDATE conventions_convention SET status = 'signed' WHERE id = %s", [conv.pk])])
    assert errors == []
    assert waited
    assert rollups.check() == []


def test_two_applications_of_one_organisation_submitted_at_once(two_connections):
    # The one submitted later must stop counting as a newcomer's, whichever commits first.
    template = f.application(organisation=OrganisationFactory(),
                             status=ApplicationStatus.DRAFT)
    columns = [field.column for field in Application._meta.concrete_fields
               if not field.primary_key]
    values = ["'submitted'" if c == "status" else "%s::timestamptz" if c == "submitted_at"
              else c for c in columns]
    insert = (f"INSERT INTO funds_application ({', '.join(columns)}) "
              f"SELECT {', '.join(values)} FROM funds_application WHERE id = %s")
    errors, waited = interleave(
        *two_connections, [(insert, ["2026-03-10T10:00:00Z", template.pk])],
        [(insert, ["2026-03-01T10:00:00Z", template.pk])])
    assert errors == []
    assert waited
    assert rollups.check() == []
    assert selectors.scorecard_year(year=2026, today=dt.date(2026, 11, 22))[
        "newcomer_count"] == 1


def test_a_payment_paid_while_its_convention_changes_authority(two_connections):
    # The payment's trigger reads the convention's authority: it waits for the change to
    # commit, then counts the payment for the new authority.
    conv = f.convention(status=ConventionStatus.ACTIVE, years={2026: ("1000", None)})
    payment = f.pay(f.line(conv.years.get(), trigger=dt.date(2026, 3, 1)),
                    status=PaymentStatus.ORDERED)
    other = AuthorityFactory(name="Lorient Agglomération")
    errors, waited = interleave(*two_connections, [(
        "UPDATE conventions_convention SET authority_id = %s WHERE id = %s",
        [other.pk, conv.pk])], [(
            "UPDATE conventions_payment SET status = 'paid', paid_on = '2026-03-20'"
            " WHERE id = %s", [payment.pk])])
    assert errors == []
    assert waited
    assert rollups.check() == []
    today = dt.date(2026, 11, 22)
    assert selectors.scorecard_year(year=2026, today=today, authority=other)["paid_count"] == 1
    assert selectors.scorecard_year(year=2026, today=today,
                                    authority=conv.authority)["paid_count"] == 0


def test_an_application_submitted_while_its_fund_changes_authority(two_connections):
    # The new application's facts read its call's fund's authority: they wait for the fund's
    # change to commit, then count the application for the new authority.
    template = f.application(organisation=OrganisationFactory(),
                             status=ApplicationStatus.DRAFT)
    newcomer = OrganisationFactory()
    fund = template.call.fund
    other = AuthorityFactory(name="Lorient Agglomération")
    columns = [field.column for field in Application._meta.concrete_fields
               if not field.primary_key]
    values = ["'submitted'" if c == "status" else "%s::bigint" if c == "organisation_id"
              else c for c in columns]
    insert = (f"INSERT INTO funds_application ({', '.join(columns)}) "
              f"SELECT {', '.join(values)} FROM funds_application WHERE id = %s")
    errors, waited = interleave(*two_connections, [(
        "UPDATE funds_fund SET authority_id = %s WHERE id = %s", [other.pk, fund.pk])],
        [(insert, [newcomer.pk, template.pk])])
    assert errors == []
    assert waited
    assert rollups.check() == []
    today = dt.date(2026, 11, 22)
    assert selectors.scorecard_year(year=2026, today=today,
                                    authority=other)["applications_count"] == 1
