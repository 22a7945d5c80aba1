"""Rollups behind the pact scorecard, kept by PostgreSQL triggers.

Every source table gets statement-level AFTER triggers with transition tables: a statement's
change is added to the rollups as (what its new rows contribute) − (what its old rows
contributed), joined with the other tables as they stand, in the same transaction. A statement
changes one table, so the other side of each join is the same before and after it. Convention
facts (level 1, one row per convention and year) are summed into year figures (level 2) by a
trigger on the facts themselves. ``dashboard_rollups_rebuild()`` recomputes everything from the
source rows (used here for existing data, and by ``manage.py dashboard_rollups``).

Concurrent transactions: a trigger reads the other side of its joins in its own snapshot, so a
row it joins with must not change under it before it commits. Each trigger therefore takes a
FOR SHARE lock on the rows it joins with (the conventions of new facts, the tranches and lines of
payments and lines) before reading them: a concurrent UPDATE of those rows waits for the commit,
then its own trigger sees the committed change (READ COMMITTED takes a new snapshot for each
statement of a trigger function). Applications are recomputed per organisation under a
transaction-scoped advisory lock for the same reason.

SQLite has none of this: the scorecard pages say there that its figures need PostgreSQL.
"""

from django.conf import settings
from django.db import migrations, models

COMMITTED = "('signed', 'active', 'closed', 'terminated')"
COUNTED_ENTRIES = "('validated', 'locked')"
FACTS = "dashboard_conventionyearfacts"


def facts_upsert(delta: str) -> str:
    """Add ``delta`` (convention_id, year, tranches, amount, advance_lines, hours, value) to the
    facts, creating missing rows with the convention's status, nature and span."""
    return f"""
    PERFORM 1 FROM conventions_convention c
    WHERE c.id IN (SELECT d.convention_id FROM ({delta}) AS d) ORDER BY c.id FOR SHARE;
    INSERT INTO {FACTS} AS f (convention_id, year, tranches, amount, advance_lines,
                              volunteer_hours, volunteer_value, committed, nature, multi_year)
    SELECT d.convention_id, d.year, sum(d.tranches), sum(d.amount), sum(d.advance_lines),
           sum(d.hours), sum(d.value),
           coalesce(bool_or(c.status IN {COMMITTED}), false), coalesce(max(c.nature), ''),
           coalesce(bool_or(extract(year FROM c.end_date) - extract(year FROM c.start_date) >= 1),
                    false)
    FROM ({delta}) AS d LEFT JOIN conventions_convention c ON c.id = d.convention_id
    GROUP BY d.convention_id, d.year
    ORDER BY d.convention_id, d.year
    ON CONFLICT (convention_id, year) DO UPDATE SET
        tranches = f.tranches + EXCLUDED.tranches, amount = f.amount + EXCLUDED.amount,
        advance_lines = f.advance_lines + EXCLUDED.advance_lines,
        volunteer_hours = f.volunteer_hours + EXCLUDED.volunteer_hours,
        volunteer_value = f.volunteer_value + EXCLUDED.volunteer_value;
    """


def day_counts_upsert(delta: str) -> str:
    """Add ``delta`` (measure, year, days, count) to the day histograms."""
    return f"""
    INSERT INTO dashboard_daycounts AS h (measure, year, days, count)
    SELECT d.measure, d.year, d.days, sum(d.n) FROM ({delta}) AS d
    GROUP BY d.measure, d.year, d.days
    ORDER BY d.measure, d.year, d.days
    ON CONFLICT (measure, year, days) DO UPDATE SET count = h.count + EXCLUDED.count;
    """


def payment_days(sign: str, payments: str, lines: str, years: str, *, delays=True) -> str:
    """What ``payments`` joined with ``lines`` and ``years`` contribute to the histograms (the
    delays do not depend on the tranche: ``delays=False`` leaves them out)."""
    delay = f"""
    SELECT 'delay' AS measure, extract(year FROM p.paid_on)::int AS year,
           (p.paid_on - l.trigger_date) AS days, {sign} count(*) AS n
    FROM {payments} p JOIN {lines} l ON l.id = p.line_id
    WHERE p.status = 'paid' AND p.paid_on IS NOT NULL AND l.trigger_date IS NOT NULL
    GROUP BY 1, 2, 3
    UNION ALL""" if delays else ""
    return f"""{delay}
    SELECT 'advance_day' AS measure, y.year::int AS year, extract(doy FROM p.paid_on)::int AS days,
           {sign} count(*) AS n
    FROM {payments} p JOIN {lines} l ON l.id = p.line_id JOIN {years} y ON y.id = l.year_id
    WHERE p.status = 'paid' AND l.kind = 'advance' AND extract(year FROM p.paid_on) = y.year
    GROUP BY 1, 2, 3
    """


def advance_lines(sign: str, lines: str, years: str) -> str:
    """Advance lines (with an amount) of ``lines``, per convention and year, as facts delta."""
    return f"""
    SELECT y.convention_id, y.year::int AS year, 0 AS tranches, 0::numeric AS amount,
           {sign} count(*) AS advance_lines, 0::numeric AS hours, 0::numeric AS value
    FROM {lines} l JOIN {years} y ON y.id = l.year_id
    WHERE l.kind = 'advance' AND l.amount > 0
    GROUP BY 1, 2
    """


def tranches(sign: str, years: str) -> str:
    return f"""
    SELECT y.convention_id, y.year::int AS year, {sign} 1 AS tranches,
           {sign} coalesce(y.confirmed_amount, y.planned_amount) AS amount,
           {sign} (SELECT count(*) FROM conventions_scheduleline l
                   WHERE l.year_id = y.id AND l.kind = 'advance' AND l.amount > 0)
               AS advance_lines,
           0::numeric AS hours, 0::numeric AS value
    FROM {years} y
    """


def entries(sign: str, rows: str) -> str:
    return f"""
    SELECT e.convention_id, extract(year FROM e.date)::int AS year, 0 AS tranches,
           0::numeric AS amount, 0 AS advance_lines, {sign} sum(e.hours) AS hours,
           {sign} sum(e.value) AS value
    FROM {rows} e
    WHERE e.convention_id IS NOT NULL AND e.status IN {COUNTED_ENTRIES}
    GROUP BY 1, 2
    """


def year_figures(sign: str, facts: str) -> str:
    return f"""
    SELECT year, nature, multi_year, {sign} sum(tranches) AS tranches,
           {sign} sum(amount) AS amount, {sign} count(*) FILTER (WHERE advance_lines > 0)
               AS advance_tranches,
           {sign} sum(volunteer_hours) AS hours, {sign} sum(volunteer_value) AS value
    FROM {facts} WHERE committed AND tranches > 0
    GROUP BY 1, 2, 3
    """


def report_days(sign: str, reports: str) -> str:
    return f"""
    SELECT due_date, submitted_on IS NOT NULL AS submitted,
           coalesce(submitted_on <= due_date, false) AS on_time, {sign} count(*) AS n
    FROM {reports} GROUP BY 1, 2, 3
    """


def report_days_upsert(delta: str) -> str:
    return f"""
    INSERT INTO dashboard_reportdays AS r (due_date, submitted, on_time, count)
    SELECT d.due_date, d.submitted, d.on_time, sum(d.n) FROM ({delta}) AS d
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (due_date, submitted, on_time) DO UPDATE SET count = r.count + EXCLUDED.count;
    """


def year_figures_upsert(delta: str) -> str:
    return f"""
    INSERT INTO dashboard_yearfigures AS g (year, nature, multi_year, tranches, amount,
                                           advance_tranches, volunteer_hours, volunteer_value)
    SELECT d.year, d.nature, d.multi_year, sum(d.tranches), sum(d.amount),
           sum(d.advance_tranches), sum(d.hours), sum(d.value)
    FROM ({delta}) AS d GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (year, nature, multi_year) DO UPDATE SET
        tranches = g.tranches + EXCLUDED.tranches, amount = g.amount + EXCLUDED.amount,
        advance_tranches = g.advance_tranches + EXCLUDED.advance_tranches,
        volunteer_hours = g.volunteer_hours + EXCLUDED.volunteer_hours,
        volunteer_value = g.volunteer_value + EXCLUDED.volunteer_value;
    """


def lock_years_of_lines(rows: str) -> str:
    """Lock the tranches of the schedule lines ``rows`` (their year and convention are read)."""
    return f"""
    PERFORM 1 FROM conventions_conventionyear y
    WHERE y.id IN (SELECT year_id FROM {rows}) ORDER BY y.id FOR SHARE;
    """


def lock_lines_of_payments(rows: str) -> str:
    """Lock the lines and tranches of the payments ``rows`` (trigger date, kind, year read)."""
    return f"""
    PERFORM 1 FROM conventions_scheduleline l JOIN conventions_conventionyear y
        ON y.id = l.year_id
    WHERE l.id IN (SELECT line_id FROM {rows}) ORDER BY l.id FOR SHARE OF l, y;
    """


def trigger_function(name: str, *, old: str, new: str) -> str:
    """A trigger function running ``old`` for the old rows (UPDATE, DELETE) and ``new`` for the
    new rows (INSERT, UPDATE); each branch names only the transition table it has."""
    return f"""
    CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN {old} END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN {new} END IF;
        RETURN NULL;
    END $$;
    """


def triggers(table: str, function: str, events=("INSERT", "UPDATE", "DELETE")) -> str:
    tables = {"INSERT": "NEW TABLE AS new_rows",
              "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
              "DELETE": "OLD TABLE AS old_rows"}
    return "".join(f"""
    DROP TRIGGER IF EXISTS {function}_{event.lower()} ON {table};
    CREATE TRIGGER {function}_{event.lower()} AFTER {event} ON {table}
        REFERENCING {tables[event]} FOR EACH STATEMENT EXECUTE FUNCTION {function}();
    """ for event in events)


SUBMITTED = ("('submitted', 'info_requested', 'eligible', 'ineligible', 'awarded', "
             "'rejected')")
OWN_RESOURCES = "('70', '73', '75', '76', '77', '78', '870', '871', '875')"
APPLICATION_FACTS = "dashboard_applicationfacts"
ADVISORY_NAMESPACE = 7301  # first key of the advisory locks taken by the rollups


def applications_refresh(ids: str, tz: str) -> str:
    """Recompute the facts of the applications ``ids`` (an SQL set of ids) from the tables as
    they stand; a statement trigger runs after the whole statement, so this is exact."""
    return f"""
    DELETE FROM {APPLICATION_FACTS} WHERE application_id IN ({ids});
    INSERT INTO {APPLICATION_FACTS} (application_id, submitted_year, newcomer, decided_year,
        awarded_amount, decision_days, cofinanced, budget_volunteering, budget_own)
    SELECT a.id,
           CASE WHEN a.status IN {SUBMITTED}
                THEN extract(year FROM a.submitted_at AT TIME ZONE '{tz}')::int END,
           a.organisation_id IS NULL OR o.legal_form = 'informal' OR NOT EXISTS (
               SELECT 1 FROM funds_application e
               WHERE e.organisation_id = a.organisation_id AND e.status IN {SUBMITTED}
                 AND e.submitted_at < a.submitted_at),
           extract(year FROM w.deliberation_date)::int, coalesce(w.amount, 0),
           w.deliberation_date - (a.submitted_at AT TIME ZONE '{tz}')::date,
           EXISTS (SELECT 1 FROM funds_applicationbudgetline l
                   WHERE l.application_id = a.id AND l.account = '74'
                     AND NOT l.is_this_authority AND l.amount > 0),
           coalesce((SELECT sum(l.amount) FROM funds_applicationbudgetline l
                     WHERE l.application_id = a.id AND l.account = '870'), 0),
           coalesce((SELECT sum(l.amount) FROM funds_applicationbudgetline l
                     WHERE l.application_id = a.id AND l.account IN {OWN_RESOURCES}), 0)
    FROM funds_application a
    LEFT JOIN core_organisation o ON o.id = a.organisation_id
    LEFT JOIN funds_award w ON w.application_id = a.id
    WHERE a.id IN ({ids})
      AND ((a.status IN {SUBMITTED} AND a.submitted_at IS NOT NULL) OR w.id IS NOT NULL);
    """


def organisations_applications(organisations: str) -> str:
    """The applications of the organisations ``organisations`` (their newcomer flags depend on
    each other)."""
    return f"SELECT id FROM funds_application WHERE organisation_id IN ({organisations})"


def fund_year_figures(sign: str, facts: str) -> str:
    return f"""
    SELECT submitted_year AS year, {sign} count(*) AS applications,
           {sign} count(*) FILTER (WHERE newcomer) AS newcomers, 0 AS awards,
           0::numeric AS awarded_amount, 0 AS cofinanced, 0::numeric AS budget_volunteering,
           0::numeric AS budget_own
    FROM {facts} WHERE submitted_year IS NOT NULL GROUP BY 1
    UNION ALL
    SELECT decided_year, 0, 0, {sign} count(*), {sign} sum(awarded_amount),
           {sign} count(*) FILTER (WHERE cofinanced), {sign} sum(budget_volunteering),
           {sign} sum(budget_own)
    FROM {facts} WHERE decided_year IS NOT NULL GROUP BY 1
    """


def fund_year_figures_upsert(delta: str) -> str:
    return f"""
    INSERT INTO dashboard_fundyearfigures AS g (year, applications, newcomers, awards,
        awarded_amount, cofinanced, budget_volunteering, budget_own)
    SELECT d.year, sum(d.applications), sum(d.newcomers), sum(d.awards), sum(d.awarded_amount),
           sum(d.cofinanced), sum(d.budget_volunteering), sum(d.budget_own)
    FROM ({delta}) AS d GROUP BY 1 ORDER BY 1
    ON CONFLICT (year) DO UPDATE SET
        applications = g.applications + EXCLUDED.applications,
        newcomers = g.newcomers + EXCLUDED.newcomers, awards = g.awards + EXCLUDED.awards,
        awarded_amount = g.awarded_amount + EXCLUDED.awarded_amount,
        cofinanced = g.cofinanced + EXCLUDED.cofinanced,
        budget_volunteering = g.budget_volunteering + EXCLUDED.budget_volunteering,
        budget_own = g.budget_own + EXCLUDED.budget_own;
    """


def decision_days(sign: str, facts: str) -> str:
    return f"""
    SELECT 'decision' AS measure, decided_year AS year, decision_days AS days,
           {sign} count(*) AS n
    FROM {facts} WHERE decided_year IS NOT NULL AND decision_days IS NOT NULL GROUP BY 1, 2, 3
    """


def refresh_trigger_function(name: str, ids: str) -> str:
    """A trigger function recomputing the application facts of ``ids``, an SQL set built from
    the transition tables (``old_ids``/``new_ids`` stand for the branch's own)."""
    return f"""
    CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN PERFORM dashboard_applications_refresh(ARRAY(
            {ids.format(rows="new_rows")}));
        ELSIF TG_OP = 'DELETE' THEN PERFORM dashboard_applications_refresh(ARRAY(
            {ids.format(rows="old_rows")}));
        ELSE PERFORM dashboard_applications_refresh(ARRAY(
            {ids.format(rows="old_rows")} UNION {ids.format(rows="new_rows")}));
        END IF;
        RETURN NULL;
    END $$;
    """


def application_functions(tz: str) -> str:
    return (
        f"""
    CREATE OR REPLACE FUNCTION dashboard_applications_refresh(ids bigint[]) RETURNS void
    LANGUAGE plpgsql AS $$
    BEGIN
        -- One transaction at a time recomputes an organisation's applications (or a resident's
        -- application): the next one waits for the commit, then reads what was committed.
        PERFORM pg_advisory_xact_lock({ADVISORY_NAMESPACE}, k.key)
        FROM (SELECT DISTINCT mod(coalesce(a.organisation_id, -a.id), 2147483647)::int AS key
              FROM funds_application a WHERE a.id = ANY(ids) ORDER BY 1) AS k;
        -- Applications of those organisations committed while this one waited count too.
        ids := ids || ARRAY(SELECT a.id FROM funds_application a WHERE a.organisation_id IN (
            SELECT organisation_id FROM funds_application WHERE id = ANY(ids)));
        {applications_refresh("SELECT unnest(ids)", tz)}
    END $$;
    """
        # Applications: a change of status, submission or organisation touches the newcomer
        # flags of every application of the organisations concerned.
        + refresh_trigger_function(
            "dashboard_rollup_application",
            "SELECT id FROM {rows} UNION "
            + organisations_applications("SELECT organisation_id FROM {rows}"))
        + triggers("funds_application", "dashboard_rollup_application")
        + refresh_trigger_function("dashboard_rollup_award", "SELECT application_id FROM {rows}")
        + triggers("funds_award", "dashboard_rollup_award")
        + refresh_trigger_function("dashboard_rollup_budgetline",
                                   "SELECT application_id FROM {rows}")
        + triggers("funds_applicationbudgetline", "dashboard_rollup_budgetline")
        + refresh_trigger_function(
            "dashboard_rollup_organisation",
            organisations_applications("SELECT id FROM {rows}"))
        + triggers("core_organisation", "dashboard_rollup_organisation", ("UPDATE",))
        # Level 2: the application facts summed per year.
        + trigger_function(
            "dashboard_rollup_applicationfacts",
            old=fund_year_figures_upsert(fund_year_figures("-", "old_rows"))
            + day_counts_upsert(decision_days("-", "old_rows")),
            new=fund_year_figures_upsert(fund_year_figures("", "new_rows"))
            + day_counts_upsert(decision_days("", "new_rows")))
        + triggers(APPLICATION_FACTS, "dashboard_rollup_applicationfacts")
    )



FUNCTIONS = (
    # Tranches: their amount and advance lines.
    trigger_function(
        "dashboard_rollup_conventionyear",
        old=facts_upsert(tranches("-", "old_rows"))
        + day_counts_upsert(payment_days("-", "conventions_payment", "conventions_scheduleline",
                                           "old_rows", delays=False)),
        new=facts_upsert(tranches("", "new_rows"))
        + day_counts_upsert(payment_days("", "conventions_payment", "conventions_scheduleline",
                                           "new_rows", delays=False)))
    + triggers("conventions_conventionyear", "dashboard_rollup_conventionyear")
    # Schedule lines: advances, and the trigger dates their payments' delays count from.
    + trigger_function(
        "dashboard_rollup_scheduleline",
        old=lock_years_of_lines("old_rows") + facts_upsert(advance_lines("-", "old_rows", "conventions_conventionyear"))
        + day_counts_upsert(payment_days("-", "conventions_payment", "old_rows",
                                           "conventions_conventionyear")),
        new=lock_years_of_lines("new_rows")
        + facts_upsert(advance_lines("", "new_rows", "conventions_conventionyear"))
        + day_counts_upsert(payment_days("", "conventions_payment", "new_rows",
                                           "conventions_conventionyear")))
    + triggers("conventions_scheduleline", "dashboard_rollup_scheduleline")
    # Payments.
    + trigger_function(
        "dashboard_rollup_payment",
        old=lock_lines_of_payments("old_rows") + day_counts_upsert(payment_days("-", "old_rows", "conventions_scheduleline",
                                             "conventions_conventionyear")),
        new=lock_lines_of_payments("new_rows")
        + day_counts_upsert(payment_days("", "new_rows", "conventions_scheduleline",
                                             "conventions_conventionyear")))
    + triggers("conventions_payment", "dashboard_rollup_payment")
    # Conventions: their status, nature and span are copied on their facts.
    + f"""
    CREATE OR REPLACE FUNCTION dashboard_rollup_convention() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            DELETE FROM {FACTS} WHERE convention_id IN (SELECT id FROM old_rows);
        ELSE
            UPDATE {FACTS} f SET committed = n.status IN {COMMITTED}, nature = n.nature,
                   multi_year = extract(year FROM n.end_date) - extract(year FROM n.start_date) >= 1
            FROM new_rows n
            WHERE f.convention_id = n.id
              AND (f.committed, f.nature, f.multi_year) IS DISTINCT FROM
                  (n.status IN {COMMITTED}, n.nature,
                   extract(year FROM n.end_date) - extract(year FROM n.start_date) >= 1);
        END IF;
        RETURN NULL;
    END $$;
    """
    + triggers("conventions_convention", "dashboard_rollup_convention", ("UPDATE", "DELETE"))
    # Volunteer entries linked to a convention.
    + trigger_function(
        "dashboard_rollup_volunteerentry",
        old=facts_upsert(entries("-", "old_rows")), new=facts_upsert(entries("", "new_rows")))
    + triggers("volunteering_volunteerentry", "dashboard_rollup_volunteerentry")
    # Financial reports.
    + trigger_function(
        "dashboard_rollup_financialreport",
        old=report_days_upsert(report_days("-", "old_rows")),
        new=report_days_upsert(report_days("", "new_rows")))
    + triggers("conventions_financialreport", "dashboard_rollup_financialreport")
    # Level 2: the facts summed per year, nature and span.
    + trigger_function(
        "dashboard_rollup_facts",
        old=year_figures_upsert(year_figures("-", "old_rows")),
        new=year_figures_upsert(year_figures("", "new_rows")))
    + triggers(FACTS, "dashboard_rollup_facts")
    # Everything from the source rows (the facts' own trigger fills the year figures).
    + f"""
    CREATE OR REPLACE FUNCTION dashboard_rollups_rebuild() RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM {FACTS};
        DELETE FROM {APPLICATION_FACTS};
        DELETE FROM dashboard_yearfigures;
        DELETE FROM dashboard_fundyearfigures;
        DELETE FROM dashboard_daycounts;
        DELETE FROM dashboard_reportdays;
        {facts_upsert(tranches("", "conventions_conventionyear") + " UNION ALL "
                      + entries("", "volunteering_volunteerentry"))}
        {day_counts_upsert(payment_days("", "conventions_payment", "conventions_scheduleline",
                                          "conventions_conventionyear"))}
        {report_days_upsert(report_days("", "conventions_financialreport"))}
        PERFORM dashboard_applications_refresh(ARRAY(SELECT id FROM funds_application));
    END $$;
    """
)

DROP = """
DROP FUNCTION IF EXISTS dashboard_rollup_conventionyear, dashboard_rollup_scheduleline,
    dashboard_rollup_payment, dashboard_rollup_convention, dashboard_rollup_volunteerentry,
    dashboard_rollup_financialreport, dashboard_rollup_facts, dashboard_rollups_rebuild,
    dashboard_applications_refresh, dashboard_rollup_application, dashboard_rollup_award,
    dashboard_rollup_budgetline, dashboard_rollup_organisation,
    dashboard_rollup_applicationfacts CASCADE;
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # Years of submission are counted in the project's time zone, as Django's ExtractYear.
    schema_editor.execute(application_functions(settings.TIME_ZONE) + FUNCTIONS)
    schema_editor.execute("SELECT dashboard_rollups_rebuild()")


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):

    dependencies = [
        ("dashboard", "0001_initial"),
        ("conventions", "0003_merge_award_and_reminder_indexes"),
        ("volunteering", "0003_entry_project_links"),
        ("funds", "0002_participatory_vote"),
        ("core", "0003_reminders_and_preferences"),
    ]

    operations = [
        migrations.CreateModel(
            name='ApplicationFacts',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('application_id', models.BigIntegerField(unique=True)),
                ('submitted_year', models.IntegerField(null=True)),
                ('newcomer', models.BooleanField(default=False)),
                ('decided_year', models.IntegerField(null=True)),
                ('awarded_amount', models.DecimalField(decimal_places=2, default=0, max_digits=16)),
                ('decision_days', models.IntegerField(null=True)),
                ('cofinanced', models.BooleanField(default=False)),
                ('budget_volunteering', models.DecimalField(decimal_places=2, default=0, max_digits=16)),
                ('budget_own', models.DecimalField(decimal_places=2, default=0, max_digits=16)),
            ],
        ),
        migrations.CreateModel(
            name='FundYearFigures',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.IntegerField(unique=True)),
                ('applications', models.IntegerField(default=0)),
                ('newcomers', models.IntegerField(default=0)),
                ('awards', models.IntegerField(default=0)),
                ('awarded_amount', models.DecimalField(decimal_places=2, default=0, max_digits=16)),
                ('cofinanced', models.IntegerField(default=0)),
                ('budget_volunteering', models.DecimalField(decimal_places=2, default=0, max_digits=16)),
                ('budget_own', models.DecimalField(decimal_places=2, default=0, max_digits=16)),
            ],
        ),
        migrations.CreateModel(
            name='ConventionYearFacts',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('convention_id', models.BigIntegerField()),
                ('year', models.IntegerField()),
                ('tranches', models.IntegerField(default=0)),
                ('amount', models.DecimalField(decimal_places=2, default=0, max_digits=16)),
                ('advance_lines', models.IntegerField(default=0)),
                ('volunteer_hours', models.DecimalField(decimal_places=2, default=0, max_digits=16)),
                ('volunteer_value', models.DecimalField(decimal_places=2, default=0, max_digits=16)),
                ('committed', models.BooleanField(default=False)),
                ('nature', models.CharField(blank=True, max_length=20)),
                ('multi_year', models.BooleanField(default=False)),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('convention_id', 'year'), name='rollup_convention_year_unique')],
            },
        ),
        migrations.CreateModel(
            name='DayCounts',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('measure', models.CharField(max_length=12)),
                ('year', models.IntegerField()),
                ('days', models.IntegerField()),
                ('count', models.IntegerField(default=0)),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('measure', 'year', 'days'), name='rollup_day_counts_unique')],
            },
        ),
        migrations.CreateModel(
            name='ReportDays',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('due_date', models.DateField()),
                ('submitted', models.BooleanField()),
                ('on_time', models.BooleanField()),
                ('count', models.IntegerField(default=0)),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('due_date', 'submitted', 'on_time'), name='rollup_report_days_unique')],
            },
        ),
        migrations.CreateModel(
            name='YearFigures',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.IntegerField()),
                ('nature', models.CharField(max_length=20)),
                ('multi_year', models.BooleanField()),
                ('tranches', models.IntegerField(default=0)),
                ('amount', models.DecimalField(decimal_places=2, default=0, max_digits=16)),
                ('advance_tranches', models.IntegerField(default=0)),
                ('volunteer_hours', models.DecimalField(decimal_places=2, default=0, max_digits=16)),
                ('volunteer_value', models.DecimalField(decimal_places=2, default=0, max_digits=16)),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('year', 'nature', 'multi_year'), name='rollup_year_figures_unique')],
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
