"""The scorecard's rollups per authority: several authorities (an intercommunalité and its
communes) may share one deployment, and each reads its own pact scorecard.

Every grouped rollup gets an ``authority_id`` in its key: the convention's authority for the
figures of tranches, payments, reports and volunteering, the authority of the application's
call's fund for applications and awards. The trigger functions of migration 0002 are replaced
by the same design (statement triggers with transition tables adding new minus old, joined with
the other tables as they stand), now joined with the conventions (or the calls and funds) for
the authority:

- the payment histograms and the report counts join tranches and conventions, so the tranches'
  trigger counts them too (a tranche moved to another convention moves them), and the
  conventions' trigger moves them when a convention changes authority;
- the convention facts copy the convention's authority like its status and nature, and their
  own trigger moves the year figures;
- the application facts are recomputed when a call changes fund or a fund changes authority.

Concurrent transactions: each trigger locks FOR SHARE the rows it joins with before reading
them (conventions included now), so a concurrent change of those rows waits for its commit.
The rollup rows are then rebuilt from the source rows.

SQLite has none of this: the scorecard pages say there that its figures need PostgreSQL.
"""

import importlib

from django.conf import settings
from django.db import migrations, models

COMMITTED = "('signed', 'active', 'closed', 'terminated')"
COUNTED_ENTRIES = "('validated', 'locked')"
FACTS = "dashboard_conventionyearfacts"
APPLICATION_FACTS = "dashboard_applicationfacts"
PAYMENTS, LINES, YEARS = ("conventions_payment", "conventions_scheduleline",
                          "conventions_conventionyear")
CONVENTIONS, REPORTS = "conventions_convention", "conventions_financialreport"
SUBMITTED = ("('submitted', 'info_requested', 'eligible', 'ineligible', 'awarded', "
             "'rejected')")
OWN_RESOURCES = "('70', '73', '75', '76', '77', '78', '870', '871', '875')"
ADVISORY_NAMESPACE = 7301  # first key of the advisory locks taken by the rollups
SPAN = "extract(year FROM {c}.end_date) - extract(year FROM {c}.start_date) >= 1"


# --- Convention facts and year figures --------------------------------------------------------


def facts_upsert(delta: str) -> str:
    """Add ``delta`` (convention_id, year, tranches, amount, advance_lines, hours, value) to the
    facts, creating missing rows with the convention's status, nature, span and authority."""
    return f"""
    PERFORM 1 FROM {CONVENTIONS} c
    WHERE c.id IN (SELECT d.convention_id FROM ({delta}) AS d) ORDER BY c.id FOR SHARE;
    INSERT INTO {FACTS} AS f (convention_id, year, tranches, amount, advance_lines,
                              volunteer_hours, volunteer_value, committed, nature, multi_year,
                              authority_id)
    SELECT d.convention_id, d.year, sum(d.tranches), sum(d.amount), sum(d.advance_lines),
           sum(d.hours), sum(d.value),
           coalesce(bool_or(c.status IN {COMMITTED}), false), coalesce(max(c.nature), ''),
           coalesce(bool_or({SPAN.format(c="c")}), false), max(c.authority_id)
    FROM ({delta}) AS d LEFT JOIN {CONVENTIONS} c ON c.id = d.convention_id
    GROUP BY d.convention_id, d.year
    ORDER BY d.convention_id, d.year
    ON CONFLICT (convention_id, year) DO UPDATE SET
        tranches = f.tranches + EXCLUDED.tranches, amount = f.amount + EXCLUDED.amount,
        advance_lines = f.advance_lines + EXCLUDED.advance_lines,
        volunteer_hours = f.volunteer_hours + EXCLUDED.volunteer_hours,
        volunteer_value = f.volunteer_value + EXCLUDED.volunteer_value;
    """


def advance_lines(sign: str, lines: str) -> str:
    """Advance lines (with an amount) of ``lines``, per convention and year, as facts delta."""
    return f"""
    SELECT y.convention_id, y.year::int AS year, 0 AS tranches, 0::numeric AS amount,
           {sign} count(*) AS advance_lines, 0::numeric AS hours, 0::numeric AS value
    FROM {lines} l JOIN {YEARS} y ON y.id = l.year_id
    WHERE l.kind = 'advance' AND l.amount > 0
    GROUP BY 1, 2
    """


def tranches(sign: str, years: str) -> str:
    return f"""
    SELECT y.convention_id, y.year::int AS year, {sign} 1 AS tranches,
           {sign} coalesce(y.confirmed_amount, y.planned_amount) AS amount,
           {sign} (SELECT count(*) FROM {LINES} l
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
    SELECT authority_id, year, nature, multi_year, {sign} sum(tranches) AS tranches,
           {sign} sum(amount) AS amount, {sign} count(*) FILTER (WHERE advance_lines > 0)
               AS advance_tranches,
           {sign} sum(volunteer_hours) AS hours, {sign} sum(volunteer_value) AS value
    FROM {facts} WHERE committed AND tranches > 0
    GROUP BY 1, 2, 3, 4
    """


def year_figures_upsert(delta: str) -> str:
    return f"""
    INSERT INTO dashboard_yearfigures AS g (authority_id, year, nature, multi_year, tranches,
                                           amount, advance_tranches, volunteer_hours,
                                           volunteer_value)
    SELECT d.authority_id, d.year, d.nature, d.multi_year, sum(d.tranches), sum(d.amount),
           sum(d.advance_tranches), sum(d.hours), sum(d.value)
    FROM ({delta}) AS d GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (authority_id, year, nature, multi_year) DO UPDATE SET
        tranches = g.tranches + EXCLUDED.tranches, amount = g.amount + EXCLUDED.amount,
        advance_tranches = g.advance_tranches + EXCLUDED.advance_tranches,
        volunteer_hours = g.volunteer_hours + EXCLUDED.volunteer_hours,
        volunteer_value = g.volunteer_value + EXCLUDED.volunteer_value;
    """


# --- Payment histograms and report counts (joined with tranches and conventions) -------------


def day_counts_upsert(delta: str) -> str:
    """Add ``delta`` (authority_id, measure, year, days, n) to the day histograms."""
    return f"""
    INSERT INTO dashboard_daycounts AS h (authority_id, measure, year, days, count)
    SELECT d.authority_id, d.measure, d.year, d.days, sum(d.n) FROM ({delta}) AS d
    GROUP BY 1, 2, 3, 4
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (authority_id, measure, year, days) DO UPDATE SET count = h.count + EXCLUDED.count;
    """


def payment_days(sign: str, payments=PAYMENTS, lines=LINES, years=YEARS,
                 conventions=CONVENTIONS) -> str:
    """What ``payments`` joined with ``lines``, ``years`` and ``conventions`` contribute to the
    histograms of their conventions' authorities."""
    joins = f"""
    FROM {payments} p JOIN {lines} l ON l.id = p.line_id JOIN {years} y ON y.id = l.year_id
    JOIN {conventions} c ON c.id = y.convention_id"""
    return f"""
    SELECT c.authority_id, 'delay' AS measure, extract(year FROM p.paid_on)::int AS year,
           (p.paid_on - l.trigger_date) AS days, {sign} count(*) AS n {joins}
    WHERE p.status = 'paid' AND p.paid_on IS NOT NULL AND l.trigger_date IS NOT NULL
    GROUP BY 1, 2, 3, 4
    UNION ALL
    SELECT c.authority_id, 'advance_day' AS measure, y.year::int AS year,
           extract(doy FROM p.paid_on)::int AS days, {sign} count(*) AS n {joins}
    WHERE p.status = 'paid' AND l.kind = 'advance' AND extract(year FROM p.paid_on) = y.year
    GROUP BY 1, 2, 3, 4
    """


def report_days(sign: str, reports=REPORTS, years=YEARS, conventions=CONVENTIONS) -> str:
    return f"""
    SELECT c.authority_id, r.due_date, r.submitted_on IS NOT NULL AS submitted,
           coalesce(r.submitted_on <= r.due_date, false) AS on_time, {sign} count(*) AS n
    FROM {reports} r JOIN {years} y ON y.id = r.year_id
    JOIN {conventions} c ON c.id = y.convention_id
    GROUP BY 1, 2, 3, 4
    """


def report_days_upsert(delta: str) -> str:
    return f"""
    INSERT INTO dashboard_reportdays AS r (authority_id, due_date, submitted, on_time, count)
    SELECT d.authority_id, d.due_date, d.submitted, d.on_time, sum(d.n) FROM ({delta}) AS d
    GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (authority_id, due_date, submitted, on_time) DO UPDATE SET
        count = r.count + EXCLUDED.count;
    """


def lock_years(rows: str) -> str:
    """Lock the tranches named by ``year_id`` in ``rows`` and their conventions (their year,
    convention and authority are read)."""
    return f"""
    PERFORM 1 FROM {YEARS} y JOIN {CONVENTIONS} c ON c.id = y.convention_id
    WHERE y.id IN (SELECT year_id FROM {rows}) ORDER BY y.id FOR SHARE OF y, c;
    """


def lock_lines_of_payments(rows: str) -> str:
    """Lock the lines, tranches and conventions of the payments ``rows``."""
    return f"""
    PERFORM 1 FROM {LINES} l JOIN {YEARS} y ON y.id = l.year_id
        JOIN {CONVENTIONS} c ON c.id = y.convention_id
    WHERE l.id IN (SELECT line_id FROM {rows}) ORDER BY l.id FOR SHARE OF l, y, c;
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


def changed(column: str) -> tuple[str, str]:
    """The old and the new version of the rows of an UPDATE whose ``column`` changed."""
    return tuple(f"""(SELECT {side}.* FROM old_rows o JOIN new_rows n ON n.id = o.id
                     WHERE n.{column} IS DISTINCT FROM o.{column})""" for side in ("o", "n"))


MOVED_OLD, MOVED_NEW = changed("authority_id")

CONVENTION_FUNCTIONS = (
    # Tranches: their amount and advance lines, and the payments and report they hold (counted
    # for their convention's authority).
    trigger_function(
        "dashboard_rollup_conventionyear",
        old=facts_upsert(tranches("-", "old_rows"))
        + day_counts_upsert(payment_days("-", years="old_rows"))
        + report_days_upsert(report_days("-", years="old_rows")),
        new=facts_upsert(tranches("", "new_rows"))
        + day_counts_upsert(payment_days("", years="new_rows"))
        + report_days_upsert(report_days("", years="new_rows")))
    + triggers(YEARS, "dashboard_rollup_conventionyear")
    # Schedule lines: advances, and the trigger dates their payments' delays count from.
    + trigger_function(
        "dashboard_rollup_scheduleline",
        old=lock_years("old_rows") + facts_upsert(advance_lines("-", "old_rows"))
        + day_counts_upsert(payment_days("-", lines="old_rows")),
        new=lock_years("new_rows") + facts_upsert(advance_lines("", "new_rows"))
        + day_counts_upsert(payment_days("", lines="new_rows")))
    + triggers(LINES, "dashboard_rollup_scheduleline")
    # Payments.
    + trigger_function(
        "dashboard_rollup_payment",
        old=lock_lines_of_payments("old_rows")
        + day_counts_upsert(payment_days("-", payments="old_rows")),
        new=lock_lines_of_payments("new_rows")
        + day_counts_upsert(payment_days("", payments="new_rows")))
    + triggers(PAYMENTS, "dashboard_rollup_payment")
    # Conventions: their status, nature, span and authority are copied on their facts; a
    # convention changing authority moves its payments and reports to the new one.
    + f"""
    CREATE OR REPLACE FUNCTION dashboard_rollup_convention() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            DELETE FROM {FACTS} WHERE convention_id IN (SELECT id FROM old_rows);
            {day_counts_upsert(payment_days("-", conventions="old_rows"))}
            {report_days_upsert(report_days("-", conventions="old_rows"))}
        ELSE
            UPDATE {FACTS} f SET committed = n.status IN {COMMITTED}, nature = n.nature,
                   multi_year = {SPAN.format(c="n")}, authority_id = n.authority_id
            FROM new_rows n
            WHERE f.convention_id = n.id
              AND (f.committed, f.nature, f.multi_year, f.authority_id) IS DISTINCT FROM
                  (n.status IN {COMMITTED}, n.nature, {SPAN.format(c="n")}, n.authority_id);
            {day_counts_upsert(payment_days("-", conventions=MOVED_OLD) + " UNION ALL "
                               + payment_days("", conventions=MOVED_NEW))}
            {report_days_upsert(report_days("-", conventions=MOVED_OLD) + " UNION ALL "
                                + report_days("", conventions=MOVED_NEW))}
        END IF;
        RETURN NULL;
    END $$;
    """
    + triggers(CONVENTIONS, "dashboard_rollup_convention", ("UPDATE", "DELETE"))
    # Volunteer entries linked to a convention.
    + trigger_function(
        "dashboard_rollup_volunteerentry",
        old=facts_upsert(entries("-", "old_rows")), new=facts_upsert(entries("", "new_rows")))
    + triggers("volunteering_volunteerentry", "dashboard_rollup_volunteerentry")
    # Financial reports.
    + trigger_function(
        "dashboard_rollup_financialreport",
        old=lock_years("old_rows") + report_days_upsert(report_days("-", reports="old_rows")),
        new=lock_years("new_rows") + report_days_upsert(report_days("", reports="new_rows")))
    + triggers(REPORTS, "dashboard_rollup_financialreport")
    # Level 2: the facts summed per authority, year, nature and span.
    + trigger_function(
        "dashboard_rollup_facts",
        old=year_figures_upsert(year_figures("-", "old_rows")),
        new=year_figures_upsert(year_figures("", "new_rows")))
    + triggers(FACTS, "dashboard_rollup_facts")
)


# --- Applications (per authority of their call's fund) ---------------------------------------


def applications_refresh(ids: str, tz: str) -> str:
    """Recompute the facts of the applications ``ids`` (an SQL set of ids) from the tables as
    they stand; a statement trigger runs after the whole statement, so this is exact."""
    return f"""
    DELETE FROM {APPLICATION_FACTS} WHERE application_id IN ({ids});
    INSERT INTO {APPLICATION_FACTS} (application_id, authority_id, submitted_year, newcomer,
        decided_year, awarded_amount, decision_days, cofinanced, budget_volunteering,
        budget_own)
    SELECT a.id, fu.authority_id,
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
    JOIN funds_call ca ON ca.id = a.call_id
    JOIN funds_fund fu ON fu.id = ca.fund_id
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
    SELECT authority_id, submitted_year AS year, {sign} count(*) AS applications,
           {sign} count(*) FILTER (WHERE newcomer) AS newcomers, 0 AS awards,
           0::numeric AS awarded_amount, 0 AS cofinanced, 0::numeric AS budget_volunteering,
           0::numeric AS budget_own
    FROM {facts} WHERE submitted_year IS NOT NULL GROUP BY 1, 2
    UNION ALL
    SELECT authority_id, decided_year, 0, 0, {sign} count(*), {sign} sum(awarded_amount),
           {sign} count(*) FILTER (WHERE cofinanced), {sign} sum(budget_volunteering),
           {sign} sum(budget_own)
    FROM {facts} WHERE decided_year IS NOT NULL GROUP BY 1, 2
    """


def fund_year_figures_upsert(delta: str) -> str:
    return f"""
    INSERT INTO dashboard_fundyearfigures AS g (authority_id, year, applications, newcomers,
        awards, awarded_amount, cofinanced, budget_volunteering, budget_own)
    SELECT d.authority_id, d.year, sum(d.applications), sum(d.newcomers), sum(d.awards),
           sum(d.awarded_amount), sum(d.cofinanced), sum(d.budget_volunteering),
           sum(d.budget_own)
    FROM ({delta}) AS d GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (authority_id, year) DO UPDATE SET
        applications = g.applications + EXCLUDED.applications,
        newcomers = g.newcomers + EXCLUDED.newcomers, awards = g.awards + EXCLUDED.awards,
        awarded_amount = g.awarded_amount + EXCLUDED.awarded_amount,
        cofinanced = g.cofinanced + EXCLUDED.cofinanced,
        budget_volunteering = g.budget_volunteering + EXCLUDED.budget_volunteering,
        budget_own = g.budget_own + EXCLUDED.budget_own;
    """


def decision_days(sign: str, facts: str) -> str:
    return f"""
    SELECT authority_id, 'decision' AS measure, decided_year AS year, decision_days AS days,
           {sign} count(*) AS n
    FROM {facts} WHERE decided_year IS NOT NULL AND decision_days IS NOT NULL
    GROUP BY 1, 2, 3, 4
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


def moved_trigger_function(name: str, column: str, applications: str) -> str:
    """A trigger function recomputing the application facts of the rows whose ``column``
    changed (UPDATE) or that were deleted; ``applications`` selects the applications of the
    rows ``{rows}``."""
    return f"""
    CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN PERFORM dashboard_applications_refresh(ARRAY(
            {applications.format(rows="old_rows")}));
        ELSE PERFORM dashboard_applications_refresh(ARRAY(
            {applications.format(rows=changed(column)[1])}));
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
        -- The calls and funds of these applications (their authority is read) do not change
        -- before this transaction commits; taken first, before the organisations' locks.
        PERFORM 1 FROM funds_call ca JOIN funds_fund fu ON fu.id = ca.fund_id
        WHERE ca.id IN (SELECT call_id FROM funds_application WHERE id = ANY(ids))
        ORDER BY ca.id FOR SHARE OF ca, fu;
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
        # A call moved to another fund, a fund to another authority: their applications too.
        + moved_trigger_function(
            "dashboard_rollup_call", "fund_id",
            "SELECT id FROM funds_application WHERE call_id IN (SELECT id FROM {rows} AS r)")
        + triggers("funds_call", "dashboard_rollup_call", ("UPDATE", "DELETE"))
        + moved_trigger_function(
            "dashboard_rollup_fund", "authority_id",
            "SELECT a.id FROM funds_application a JOIN funds_call ca ON ca.id = a.call_id "
            "WHERE ca.fund_id IN (SELECT id FROM {rows} AS r)")
        + triggers("funds_fund", "dashboard_rollup_fund", ("UPDATE", "DELETE"))
        # Level 2: the application facts summed per authority and year.
        + trigger_function(
            "dashboard_rollup_applicationfacts",
            old=fund_year_figures_upsert(fund_year_figures("-", "old_rows"))
            + day_counts_upsert(decision_days("-", "old_rows")),
            new=fund_year_figures_upsert(fund_year_figures("", "new_rows"))
            + day_counts_upsert(decision_days("", "new_rows")))
        + triggers(APPLICATION_FACTS, "dashboard_rollup_applicationfacts")
    )


# Everything from the source rows (the facts' own triggers fill the year figures).
REBUILD = f"""
    CREATE OR REPLACE FUNCTION dashboard_rollups_rebuild() RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM {FACTS};
        DELETE FROM {APPLICATION_FACTS};
        DELETE FROM dashboard_yearfigures;
        DELETE FROM dashboard_fundyearfigures;
        DELETE FROM dashboard_daycounts;
        DELETE FROM dashboard_reportdays;
        {facts_upsert(tranches("", YEARS) + " UNION ALL "
                      + entries("", "volunteering_volunteerentry"))}
        {day_counts_upsert(payment_days(""))}
        {report_days_upsert(report_days(""))}
        PERFORM dashboard_applications_refresh(ARRAY(SELECT id FROM funds_application));
    END $$;
    """

DROP = """
DROP FUNCTION IF EXISTS dashboard_rollup_conventionyear, dashboard_rollup_scheduleline,
    dashboard_rollup_payment, dashboard_rollup_convention, dashboard_rollup_volunteerentry,
    dashboard_rollup_financialreport, dashboard_rollup_facts, dashboard_rollups_rebuild,
    dashboard_applications_refresh, dashboard_rollup_application, dashboard_rollup_award,
    dashboard_rollup_budgetline, dashboard_rollup_organisation, dashboard_rollup_call,
    dashboard_rollup_fund, dashboard_rollup_applicationfacts CASCADE;
DELETE FROM dashboard_conventionyearfacts;
DELETE FROM dashboard_applicationfacts;
DELETE FROM dashboard_yearfigures;
DELETE FROM dashboard_fundyearfigures;
DELETE FROM dashboard_daycounts;
DELETE FROM dashboard_reportdays;
"""


def uninstall(apps, schema_editor):
    """Drop the triggers (and their functions) and empty the rollups, whose key changes."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # Years of submission are counted in the project's time zone, as Django's ExtractYear.
    schema_editor.execute(application_functions(settings.TIME_ZONE) + CONVENTION_FUNCTIONS
                          + REBUILD)
    schema_editor.execute("SELECT dashboard_rollups_rebuild()")


def install_previous(apps, schema_editor):
    """Back to migration 0002: its functions, and its rollups rebuilt."""
    importlib.import_module("dashboard.migrations.0002_rollups").install(apps, schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ("dashboard", "0002_rollups"),
        ("core", "0003_reminders_and_preferences"),
        ("funds", "0002_participatory_vote"),
    ]

    operations = [
        migrations.RunPython(uninstall, install_previous),
        migrations.RemoveConstraint(model_name="yearfigures", name="rollup_year_figures_unique"),
        migrations.RemoveConstraint(model_name="daycounts", name="rollup_day_counts_unique"),
        migrations.RemoveConstraint(model_name="reportdays", name="rollup_report_days_unique"),
        migrations.AddField(
            model_name="conventionyearfacts", name="authority_id",
            field=models.BigIntegerField(null=True)),
        migrations.AddField(
            model_name="yearfigures", name="authority_id",
            field=models.BigIntegerField(default=0), preserve_default=False),
        migrations.AddField(
            model_name="daycounts", name="authority_id",
            field=models.BigIntegerField(default=0), preserve_default=False),
        migrations.AddField(
            model_name="reportdays", name="authority_id",
            field=models.BigIntegerField(default=0), preserve_default=False),
        migrations.AddField(
            model_name="applicationfacts", name="authority_id",
            field=models.BigIntegerField(default=0), preserve_default=False),
        migrations.AddField(
            model_name="fundyearfigures", name="authority_id",
            field=models.BigIntegerField(default=0), preserve_default=False),
        migrations.AlterField(
            model_name="fundyearfigures", name="year", field=models.IntegerField()),
        migrations.AddConstraint(
            model_name="yearfigures",
            constraint=models.UniqueConstraint(
                fields=("authority_id", "year", "nature", "multi_year"),
                name="rollup_year_figures_unique")),
        migrations.AddConstraint(
            model_name="daycounts",
            constraint=models.UniqueConstraint(
                fields=("authority_id", "measure", "year", "days"),
                name="rollup_day_counts_unique")),
        migrations.AddConstraint(
            model_name="reportdays",
            constraint=models.UniqueConstraint(
                fields=("authority_id", "due_date", "submitted", "on_time"),
                name="rollup_report_days_unique")),
        migrations.AddConstraint(
            model_name="fundyearfigures",
            constraint=models.UniqueConstraint(fields=("authority_id", "year"),
                                               name="rollup_fund_year_figures_unique")),
        migrations.AddField(
            model_name="scorecarddocument", name="authority",
            field=models.ForeignKey(
                blank=True, help_text="Vide : toutes les collectivités du service.", null=True,
                on_delete=models.deletion.PROTECT, related_name="+", to="core.authority",
                verbose_name="collectivité")),
        migrations.RunPython(install, uninstall),
    ]
