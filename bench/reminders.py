"""Daily reminder scan against its floor, on PostgreSQL.

Generates targets with a share of them due on day D (1 % by default), then times:
- ours: ``reminders_run(day=D)`` — find the due reminders with the kinds' indexed batches,
  record them (unique rows) and queue their delivery (one broker message per batch; e-mails
  are queued, not sent: the broker is in memory and no worker runs);
- the floor: one ``INSERT … SELECT`` of the same due rows into a scratch table.
value = our seconds, reference = floor seconds (goal: ratio ≤ 3).

Each target family is a ``Scenario`` (generate rows, floor SQL, expected due count). The
default one is conventions': schedule lines (payment due 45 days after its trigger) and
financial reports (due in 30 days), half a million of each.

    python -m bench.reminders            # 1,000,000 schedule lines and reports
    BENCH_REMINDER_TARGETS=100000 python -m bench.reminders
    BENCH_REMINDER_SCENARIOS=documents python -m bench.reminders   # or documents,conventions
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

from bench.harness import bench_database, emit, timed

DAY = dt.date(2027, 5, 31)
DUE_EVERY = 100  # 1 % of the targets are due on DAY


@dataclass
class Scenario:
    name: str

    def generate(self, cursor, count: int) -> int:
        """Insert ``count`` targets; return how many are due on DAY."""
        raise NotImplementedError

    def floor_sql(self) -> list[tuple[str, list]]:
        """INSERT … SELECT of the due rows into the scratch table (one per target table)."""
        raise NotImplementedError


def organisations(cursor, count: int) -> int:
    """``count`` organisations with one active member each; returns the first id."""
    cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM core_organisation")
    first = cursor.fetchone()[0]
    cursor.execute("""
        INSERT INTO core_organisation (id, name, legal_form, siret, rna, address, postcode,
            city, email, phone, website, object, legal_representative_name,
            legal_representative_title, volunteers_count, employees_count, fte,
            members_count, financial_year_end, iban, bic, bank_details_on_hold, created_at)
        SELECT g, 'Association ' || g, 'association', '', '', '', '', 'Lorient', '', '', '',
            '', 'Référent', '', 0, 0, 0, 0, '31/12', '', '', false, now()
        FROM generate_series(%s, %s) g""", [first, first + count - 1])
    cursor.execute("""
        INSERT INTO core_user (id, password, is_superuser, first_name, last_name, is_staff,
            is_active, date_joined, email, phone)
        SELECT g, '!', false, 'Camille', 'Membre ' || g, false, true, now(),
            'membre' || g || '@bench.example', ''
        FROM generate_series(%s, %s) g""", [first, first + count - 1])
    cursor.execute("""
        INSERT INTO core_membership (user_id, organisation_id, role, status, created_at)
        SELECT g, g, 'admin', 'active', now() FROM generate_series(%s, %s) g""",
                   [first, first + count - 1])
    for table in ["core_organisation", "core_user"]:
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                       f"(SELECT max(id) FROM {table}))")
    return first


class DocumentsExpiring(Scenario):
    """Organisation documents: five kinds per organisation, one member each; a document is
    due when it expires 30 days after DAY (REMINDERS_DOCUMENT_EXPIRING_DAYS_BEFORE)."""

    KINDS = ["statutes", "rib", "accounts", "activity_report", "other"]

    def generate(self, cursor, count):
        count_organisations = max(1, count // len(self.KINDS))
        first = organisations(cursor, count_organisations)
        deadline = DAY + dt.timedelta(days=30)
        cursor.execute("""
            INSERT INTO core_organisationdocument (organisation_id, kind, label, file,
                original_name, content_type, size, sha256, valid_until, uploaded_at)
            SELECT %s + (g %% %s), (%s::text[])[1 + g / %s], 'Document ' || g, 'bench.pdf',
                'bench.pdf', 'application/pdf', 1000, repeat('0', 64),
                CASE WHEN g %% %s = 0 THEN %s::date
                     ELSE %s::date + 1 + (g %% 700) END,
                now()
            FROM generate_series(0, %s - 1) g""",
                       [first, count_organisations, self.KINDS, count_organisations, DUE_EVERY,
                        deadline, deadline, count_organisations * len(self.KINDS)])
        cursor.execute("ANALYZE core_organisation, core_user, core_membership, "
                       "core_organisationdocument")
        cursor.execute("SELECT count(*) FROM core_organisationdocument WHERE valid_until = %s",
                       [deadline])
        return cursor.fetchone()[0]

    def floor_sql(self):
        return [("INSERT INTO bench_scratch (target_id, organisation_id, due_date) "
                 "SELECT id, organisation_id, valid_until FROM core_organisationdocument "
                 "WHERE valid_until = %s", [DAY + dt.timedelta(days=30)])]


class Conventions(Scenario):
    """Five-year conventions (five per organisation): each year has one balance line and one
    financial report. 1 % of the lines were triggered 45 days before DAY (payment warning),
    1 % of the reports are due 30 days after DAY (first report reminder); the others fall on
    no step of DAY."""

    YEARS = 5

    def generate(self, cursor, count):
        years = max(self.YEARS, count // 2)
        conventions = years // self.YEARS
        years = conventions * self.YEARS
        count_organisations = max(1, conventions // 5)
        first = organisations(cursor, count_organisations)
        cursor.execute("""
            INSERT INTO core_authority (id, name, kind, siret, address, postcode, city, email,
                signatory_name, signatory_title, logo, administrative_court, population,
                public_accountant)
            VALUES (1, 'Ville de Lorient', 'commune', '21560121200014', '', '56100', 'Lorient',
                '', 'Maire', 'Maire', '', 'Tribunal administratif de Rennes', 57000, '')""")
        cursor.execute("""
            INSERT INTO conventions_convention (id, reference, authority_id, organisation_id,
                object, nature, imputation, start_date, end_date, status, keep_rule_rate,
                keep_rule_text, advance_rate, advance_delay_days, payment_delay_days,
                balance_requires_report, conditions_of_use, evaluation_terms, cofinancing,
                volunteering_planned, decision_reference, authority_signatory,
                organisation_signatory, aid_form, eu_notified, termination_reason, created_at)
            SELECT g, 'CONV-' || g, 1, %s + (g %% %s), 'Fonctionnement', 'fonctionnement',
                '6574', '2023-01-01', '2027-12-31', 'active', 0, '', 0.5, 30, 60, true, '', '',
                '[]', 0, '', '', '', 'aide en numéraire', false, '', now()
            FROM generate_series(1, %s) g""", [first, count_organisations, conventions])
        cursor.execute("""
            INSERT INTO conventions_conventionyear (id, convention_id, year, planned_amount,
                confirmed_amount, budget_vote_reference, withdrawn_amount, status)
            SELECT (c - 1) * %s + y, c, 2022 + y, 30000, 30000, 'BP', 0, 'confirmed'
            FROM generate_series(1, %s) c, generate_series(1, %s) y""",
                       [self.YEARS, conventions, self.YEARS])
        cursor.execute("""
            INSERT INTO conventions_scheduleline (id, year_id, position, kind, amount,
                waits_for_report, planned_date, trigger_date, due_by)
            SELECT g, g, 1, 'balance', 15000, false, d, d, d + 60
            FROM (SELECT g, CASE WHEN g %% %s = 0 THEN %s::date
                                 ELSE %s::date + 1 + (g %% 700) END AS d
                  FROM generate_series(1, %s) g) AS lines""",
                       [DUE_EVERY, DAY - dt.timedelta(days=45), DAY, years])
        cursor.execute("""
            INSERT INTO conventions_financialreport (id, year_id, due_date, status,
                budget_lines, qualitative_report, gap_explanations, review_comment)
            SELECT g, g, CASE WHEN g %% %s = %s THEN %s::date
                              ELSE %s::date + 31 + (g %% 700) END,
                'expected', '[]', '', '{}', ''
            FROM generate_series(1, %s) g""",
                       [DUE_EVERY, DUE_EVERY // 2, DAY + dt.timedelta(days=30), DAY, years])
        for table in ["conventions_convention", "conventions_conventionyear",
                      "conventions_scheduleline", "conventions_financialreport"]:
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                           f"(SELECT max(id) FROM {table}))")
        cursor.execute("ANALYZE core_organisation, core_user, core_membership, "
                       "conventions_convention, conventions_conventionyear, "
                       "conventions_scheduleline, conventions_financialreport")
        return 2 * (years // DUE_EVERY)

    def floor_sql(self):
        return [
            ("INSERT INTO bench_scratch (target_id, organisation_id, due_date) "
             "SELECT l.id, c.organisation_id, l.trigger_date FROM conventions_scheduleline l "
             "JOIN conventions_conventionyear y ON y.id = l.year_id "
             "JOIN conventions_convention c ON c.id = y.convention_id "
             "WHERE l.trigger_date = %s", [DAY - dt.timedelta(days=45)]),
            ("INSERT INTO bench_scratch (target_id, organisation_id, due_date) "
             "SELECT r.id, c.organisation_id, r.due_date FROM conventions_financialreport r "
             "JOIN conventions_conventionyear y ON y.id = r.year_id "
             "JOIN conventions_convention c ON c.id = y.convention_id "
             "WHERE r.due_date = %s", [DAY + dt.timedelta(days=30)]),
        ]


ALL_SCENARIOS: dict[str, Scenario] = {"conventions": Conventions("conventions"),
                                      "documents": DocumentsExpiring("documents")}
SCENARIOS: list[Scenario] = [ALL_SCENARIOS[name] for name in os.environ.get(
    "BENCH_REMINDER_SCENARIOS", "conventions").split(",")]


def main():
    count = int(os.environ.get("BENCH_REMINDER_TARGETS", "1000000"))
    with bench_database() as connection:
        from backoffice.celery import app
        from backoffice.core.models import Reminder
        from backoffice.core.reminders.services import reminders_run
        from backoffice.core.tasks import ping_task

        # E-mails queued, not sent: deliveries go to an in-memory broker that no worker reads.
        app.conf.task_always_eager = False
        app.conf.broker_url = "memory://"
        due = 0
        with connection.cursor() as cursor, timed() as generation:
            for scenario in SCENARIOS:
                due += scenario.generate(cursor, count // len(SCENARIOS))
        print(f"# generated {count} targets, {due} due, in {generation.seconds:.1f} s",
              flush=True)
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE bench_scratch (target_id bigint, "
                           "organisation_id bigint, due_date date)")
            # Both measures run warm: once untimed (caches, imports), then timed.
            for scenario in SCENARIOS:
                for statement in scenario.floor_sql():
                    cursor.execute(*statement)
            cursor.execute("TRUNCATE bench_scratch")
            with timed() as floor:
                for scenario in SCENARIOS:
                    for statement in scenario.floor_sql():
                        cursor.execute(*statement)
        reminders_run(day=DAY, dry_run=True)
        ping_task.delay()
        with timed() as ours:
            report = reminders_run(day=DAY)
        assert report.sent == due == Reminder.objects.count(), (report.as_dict(), due)
        print(f"# floor {floor.seconds:.3f} s, ours {ours.seconds:.3f} s: "
              f"{report.as_dict()}", flush=True)
        emit("reminders", value=ours.seconds, unit="s", reference=floor.seconds,
             targets=count, due=due, scenarios=[s.name for s in SCENARIOS])


if __name__ == "__main__":
    main()
