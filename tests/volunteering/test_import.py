"""The file import: formats, row-numbered French errors, all or nothing, round trip."""

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from volunteering import resources, selectors, services
from volunteering.importing import volunteer_hours_import
from volunteering.models import EntryStatus, VolunteerEntry

from .factories import EntryFactory

pytestmark = pytest.mark.django_db


def run(organisation, actor, content, **kwargs):
    kwargs.setdefault("dry_run", False)
    return volunteer_hours_import(organisation=organisation, content=content, actor=actor,
                                  filename="heures.csv", **kwargs)


def test_semicolon_cp1252_french_decimals_and_dates(organisation, admin, volunteers, today,
                                                    free_text_projects):
    content = ("date;bénévole;heures;activité;projet\n"
               "14/02/2026;Anne B.;2,5;Animation;P-1\n"
               "2024-10-31;Hélène Ç.;3;travaux;\n").encode("cp1252")
    report = run(organisation, admin, content)
    assert report.ok and report.imported == 2, report.as_dict()
    assert report.new_volunteers == ["Hélène Ç."]
    anne = VolunteerEntry.objects.get(volunteer__name="Anne B.")
    assert (anne.hours, anne.rate, anne.value, anne.project_reference) == (
        Decimal("2.50"), Decimal("12.02"), Decimal("30.05"), "P-1")
    helene = VolunteerEntry.objects.get(volunteer__name="Hélène Ç.")
    assert (helene.date, helene.rate) == (dt.date(2024, 10, 31), Decimal("11.65"))
    assert {e.status for e in VolunteerEntry.objects.all()} == {EntryStatus.DRAFT}
    assert report.summary() == {"rows": 2, "imported": 2, "invalid": 0, "hours": "5.50",
                                "valued": "65.00"}


def test_comma_separator_utf8_with_quoted_decimal_comma(organisation, admin, today):
    content = b'date,benevole,heures,activite\n2026-01-05,Yann K.,"1,25",formation\n'
    report = run(organisation, admin, content)
    assert report.imported == 1
    assert VolunteerEntry.objects.get().hours == Decimal("1.25")


def test_xlsx_with_real_dates_and_numbers(organisation, admin, today):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Date", "Benevole", "Heures", "Activite", "Qualification"])
    sheet.append([dt.datetime(2025, 6, 1), "Awa D.", 2.5, "accompagnement", "cadre"])
    sheet.append([dt.date(2025, 6, 2), "Awa D.", 4, "Administration", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = run(organisation, admin, buffer.getvalue())
    assert report.imported == 2, report.as_dict()
    assert VolunteerEntry.objects.filter(qualification="cadre").get().hours == Decimal("2.50")


def test_errors_are_row_numbered_in_french_and_nothing_is_imported(organisation, admin,
                                                                    volunteers, today):
    content = (b"date;benevole;heures;activite\n"
               b"01/03/2026;Anne B.;2;animation\n"       # line 2: fine
               b"31/02/2026;Anne B.;2;animation\n"       # line 3: no such date
               b"01/03/2026;Yann K.;0;animation\n"       # line 4: zero hours
               b"01/03/2026;Yann K.;-3;animation\n"      # line 5: negative
               b"01/04/2026;Yann K.;2;animation\n"       # line 6: future
               b"01/03/2026;;2;animation\n"              # line 7: no name
               b"01/03/2026;Soizic L.;2;jardinage\n"     # line 8: unknown activity
               b"2026/03/01;Soizic L.;2;animation\n"     # line 9: unreadable date
               )
    report = run(organisation, admin, content)
    assert not report.ok and report.imported == 0
    assert not VolunteerEntry.objects.exists()
    by_row = {e.row: e.message for e in report.errors}
    assert set(by_row) == {3, 4, 5, 6, 7, 8, 9}
    assert "illisible" in by_row[3] and "strictement positif" in by_row[4]
    assert "date future" in by_row[6] and "obligatoire" in by_row[7]
    assert "Activité inconnue" in by_row[8]
    assert report.summary()["invalid"] == 7


@pytest.fixture
def csv_default_field_limit():
    """Python's own limit on a CSV cell (131,072 characters); another library imported in the
    same process (frictionless) may have raised it for everyone."""
    previous = csv.field_size_limit(131072)
    yield
    csv.field_size_limit(previous)


def test_a_csv_cell_too_long_to_read_is_a_file_error(organisation, admin, today,
                                                     csv_default_field_limit):
    content = b"date;benevole;heures;activite\n01/03/2026;" + b"A" * 200_000 + b";2;animation\n"
    report = run(organisation, admin, content)
    assert report.imported == 0 and not VolunteerEntry.objects.exists()
    assert "illisible" in report.file_errors[0]


def test_24_hour_rule_across_the_file_and_saved_entries(organisation, admin, volunteers, today):
    EntryFactory(volunteer=volunteers[0], date=dt.date(2026, 3, 2), hours=Decimal("20"))
    content = (b"date;benevole;heures;activite\n"
               b"02/03/2026;anne b.;3;travaux\n"
               b"02/03/2026;Anne B.;2;formation\n"
               b"02/03/2026;Yann K.;8;travaux\n")
    report = run(organisation, admin, content)
    assert {e.row for e in report.errors} == {2, 3}
    assert "25" in report.errors[0].message and "24 heures" in report.errors[0].message
    assert VolunteerEntry.objects.count() == 1


def test_missing_columns_and_unreadable_files(organisation, admin, today):
    report = run(organisation, admin, b"date;benevole;activite\n01/03/2026;Anne;animation\n")
    assert report.file_errors and "heures" in report.file_errors[0]
    assert "Colonnes manquantes" in report.file_errors[0]
    report = run(organisation, admin, b"\x81\x8d\x8f\x90;\x9d\n")
    assert "Encodage illisible" in report.file_errors[0]
    report = run(organisation, admin, b"")
    assert "vide" in report.file_errors[0]
    report = run(organisation, admin, b"PK\x03\x04garbage")
    assert "XLSX" in report.file_errors[0]
    report = run(organisation, admin, b"date;benevole;heures;activite\n")
    assert "aucune ligne" in report.file_errors[0]
    assert not VolunteerEntry.objects.exists()


def test_dry_run_writes_nothing(organisation, admin, today):
    content = b"date;benevole;heures;activite\n01/03/2026;Nouveau N.;2;animation\n"
    report = run(organisation, admin, content, dry_run=True)
    assert report.ok and report.imported == 0 and report.hours == Decimal("2")
    assert not VolunteerEntry.objects.exists() and not organisation.volunteers.exists()


def test_duplicates_need_confirmation(organisation, admin, volunteers, today):
    EntryFactory(volunteer=volunteers[0], date=dt.date(2026, 3, 2), activity="animation")
    content = b"date;benevole;heures;activite\n02/03/2026;Anne B.;2;animation\n"
    report = run(organisation, admin, content)
    assert report.ok and report.needs_confirmation and report.imported == 0
    assert report.duplicates[0].row == 2
    report = run(organisation, admin, content, confirm_duplicates=True)
    assert report.imported == 1


def test_export_then_import_gives_the_same_totals(organisation, admin, volunteers, today,
                                                  other_organisation, outsider,
                                                  free_text_projects):
    for i, volunteer in enumerate(volunteers):
        services.entry_log(organisation=organisation, volunteer=volunteer,
                           date=dt.date(2025, 10, 20 + i * 5), hours=Decimal("2.75"),
                           activity="animation", project_reference="P", actor=admin)
    services.entries_validate(organisation=organisation, entry_ids=None, actor=admin)
    before = selectors.volunteer_totals(organisation=organisation)
    for file_format in ("csv", "xlsx"):
        content = resources.export_file_bytes(
            VolunteerEntry.objects.filter(organisation=organisation), file_format)
        target_admin = outsider
        VolunteerEntry.objects.filter(organisation=other_organisation).delete()
        report = run(other_organisation, target_admin, content)
        assert report.imported == 3, report.as_dict()
        services.entries_validate(organisation=other_organisation, entry_ids=None,
                                  actor=target_admin)
        assert selectors.volunteer_totals(organisation=other_organisation) == before


def test_template_is_importable(organisation, admin, today):
    for file_format in ("csv", "xlsx"):
        content = resources.template_bytes(file_format)
        report = run(organisation, admin, content, dry_run=True)
        assert report.ok and report.rows == 2, report.as_dict()


def test_command_json_last_line(organisation, admin, tmp_path, capsys, today):
    path = tmp_path / "heures.csv"
    path.write_text("date;benevole;heures;activite\n01/03/2026;Anne B.;2,5;animation\n")
    call_command("import_volunteer_hours", str(path), "--organisation", organisation.siret,
                 "--dry-run")
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1]) == {
        "rows": 1, "imported": 0, "invalid": 0, "hours": "2.50", "valued": "30.05"}
    call_command("import_volunteer_hours", str(path), "--organisation", organisation.siret)
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["imported"] == 1
    path.write_text("date;benevole;heures;activite\n01/03/2026;Anne B.;30;animation\n")
    with pytest.raises(SystemExit):
        call_command("import_volunteer_hours", str(path), "--organisation", organisation.siret)
    captured = capsys.readouterr()
    assert json.loads(captured.out.strip().splitlines()[-1])["invalid"] == 1
    assert "ligne 2" in captured.err


def test_unknown_project_and_dates_outside_its_period(organisation, admin, settings, today):
    settings.VOLUNTEERING_PROJECT_RESOLVER = "tests.volunteering.projects.periods"
    content = (b"date;benevole;heures;activite;projet\n"
               b"01/03/2025;Anne B.;2;animation;CONV-2025\n"       # fine
               b"01/01/2026;Anne B.;2;animation;CONV-2025\n"       # after the end
               b"01/05/2025;Anne B.;2;animation;DOSSIER-OUVERT\n"  # before the start
               b"01/03/2026;Anne B.;2;animation;DOSSIER-OUVERT\n"  # open end: fine
               b"01/03/2025;Yann K.;2;animation;INCONNU\n"         # unknown
               b"01/03/2025;Yann K.;2;travaux;\n"                  # no project: fine
               )
    report = run(organisation, admin, content)
    by_row = {e.row: e.message for e in report.errors}
    assert set(by_row) == {3, 4, 6}
    assert "après la fin" in by_row[3] and "avant le début" in by_row[4]
    assert "Projet inconnu" in by_row[6]
    assert not VolunteerEntry.objects.exists()


def test_duplicate_rows_inside_the_file_are_flagged(organisation, admin, today):
    content = (b"date;benevole;heures;activite\n"
               b"02/03/2026;Anne B.;2;animation\n02/03/2026;Anne B.;1;animation\n")
    report = run(organisation, admin, content)
    assert report.needs_confirmation and report.imported == 0
    assert [d.row for d in report.duplicates] == [3]
    assert "saisi deux fois" in report.duplicates[0].message


def test_unconfirmed_previews_are_purged(settings):
    import os
    import time

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from volunteering.importing import stale_uploads_purge, upload_path
    from volunteering.tasks import stale_import_uploads_purge_task

    old = default_storage.save(upload_path(1, "old"), ContentFile(b"x"))
    fresh = default_storage.save(upload_path(1, "fresh"), ContentFile(b"y"))
    two_days_ago = time.time() - 48 * 3600
    os.utime(default_storage.path(old), (two_days_ago, two_days_ago))
    assert stale_import_uploads_purge_task.delay().get() == 1
    assert not default_storage.exists(old) and default_storage.exists(fresh)
    assert stale_uploads_purge() == 0
