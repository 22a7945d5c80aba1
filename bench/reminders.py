"""Daily reminder scan against its floor, on PostgreSQL.

Generates targets with a share of them due on day D (1 % by default), then times:
- ours: ``reminders_run(day=D)`` — find the due reminders with the kinds' indexed batches,
  record them (unique rows) and queue their delivery (one broker message per batch; e-mails
  are queued, not sent: the broker is in memory and no worker runs);
- the floor: one ``INSERT … SELECT`` of the same due rows into a scratch table.
value = our seconds, reference = floor seconds (goal: ratio ≤ 3).

Each target family is a ``Scenario`` (generate rows, floor SQL, expected due count): add one
for conventions' schedule lines and financial reports once their reminder kinds exist, and
list it in ``SCENARIOS``.

    python -m bench.reminders            # 1,000,000 documents
    BENCH_REMINDER_TARGETS=100000 python -m bench.reminders
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

    def floor_sql(self) -> tuple[str, list]:
        """One INSERT … SELECT of the due rows into the scratch table."""
        raise NotImplementedError


class DocumentsExpiring(Scenario):
    """Organisation documents: five kinds per organisation, one member each; a document is
    due when it expires 30 days after DAY (REMINDERS_DOCUMENT_EXPIRING_DAYS_BEFORE)."""

    KINDS = ["statutes", "rib", "accounts", "activity_report", "other"]

    def generate(self, cursor, count):
        organisations = max(1, count // len(self.KINDS))
        deadline = DAY + dt.timedelta(days=30)
        cursor.execute("""
            INSERT INTO core_organisation (id, name, legal_form, siret, rna, address, postcode,
                city, email, phone, website, object, legal_representative_name,
                legal_representative_title, volunteers_count, employees_count, fte,
                members_count, iban, bic, created_at)
            SELECT g, 'Association ' || g, 'association', '', '', '', '', 'Lorient', '', '', '',
                '', 'Référent', '', 0, 0, 0, 0, '', '', now()
            FROM generate_series(1, %s) g""", [organisations])
        cursor.execute("""
            INSERT INTO core_user (id, password, is_superuser, first_name, last_name, is_staff,
                is_active, date_joined, email, phone)
            SELECT g, '!', false, 'Camille', 'Membre ' || g, false, true, now(),
                'membre' || g || '@bench.example', ''
            FROM generate_series(1, %s) g""", [organisations])
        cursor.execute("""
            INSERT INTO core_membership (user_id, organisation_id, role, status, created_at)
            SELECT g, g, 'admin', 'active', now() FROM generate_series(1, %s) g""",
                       [organisations])
        cursor.execute("""
            INSERT INTO core_organisationdocument (organisation_id, kind, label, file,
                original_name, content_type, size, sha256, valid_until, uploaded_at)
            SELECT 1 + (g %% %s), (%s::text[])[1 + g / %s], 'Document ' || g, 'bench.pdf',
                'bench.pdf', 'application/pdf', 1000, repeat('0', 64),
                CASE WHEN g %% %s = 0 THEN %s::date
                     ELSE %s::date + 1 + (g %% 700) END,
                now()
            FROM generate_series(0, %s - 1) g""",
                       [organisations, self.KINDS, organisations, DUE_EVERY, deadline, deadline,
                        organisations * len(self.KINDS)])
        for table in ["core_organisation", "core_user"]:
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                           f"(SELECT max(id) FROM {table}))")
        cursor.execute("ANALYZE core_organisation, core_user, core_membership, "
                       "core_organisationdocument")
        cursor.execute("SELECT count(*) FROM core_organisationdocument WHERE valid_until = %s",
                       [deadline])
        return cursor.fetchone()[0]

    def floor_sql(self):
        return ("INSERT INTO bench_scratch (target_id, organisation_id, due_date) "
                "SELECT id, organisation_id, valid_until FROM core_organisationdocument "
                "WHERE valid_until = %s", [DAY + dt.timedelta(days=30)])


SCENARIOS: list[Scenario] = [DocumentsExpiring("documents")]


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
                cursor.execute(*scenario.floor_sql())
            cursor.execute("TRUNCATE bench_scratch")
            with timed() as floor:
                for scenario in SCENARIOS:
                    cursor.execute(*scenario.floor_sql())
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
