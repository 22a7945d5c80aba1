import csv
import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from frictionless import Resource, Schema

from backoffice.core.models import Organisation
from conventions.models import ImportedSubsidy
from conventions.scdl import parse_amount, parse_date, scdl_csv
from conventions.services.scdl_import import scdl_import

from .factories import make_convention

pytestmark = pytest.mark.django_db
SHARED = Path("/work/shared")
SCHEMA = SHARED / "specs/scdl-subventions-2.1.1/schema.json"
def _schema() -> Schema:
    return Schema.from_descriptor(json.loads(SCHEMA.read_text(encoding="utf-8")))


REAL = sorted((SHARED / "datasets/scdl-real").glob("*.csv"))


def test_export_is_valid_against_the_official_schema(authority, organisation, agent, tmp_path):
    make_convention(authority=authority, organisation=organisation, agent=agent, confirmed=True)
    make_convention(authority=authority, agent=agent, signed=True, end=dt.date(2026, 12, 31),
                    amounts=[Decimal("5000")])
    make_convention(authority=authority, agent=agent)  # unsigned: not published
    content = scdl_csv(year=2026, authority=authority)
    rows = list(csv.DictReader(io.StringIO(content)))
    assert len(rows) == 2
    # The total of the convention as signed (3 × 30 000), not the year's tranche.
    assert {r["montant"] for r in rows} == {"90000.00", "5000.00"}
    assert {r["nature"] for r in rows} == {"aide en numéraire"}
    path = tmp_path / "export.csv"
    path.write_text(content, encoding="utf-8")
    report = Resource(path=path.name, basepath=str(tmp_path), schema=_schema()).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_schema_validation_can_fail(tmp_path):
    assert not Resource(path="exemple_invalide_erreurs_cellules.csv", basepath=str(SCHEMA.parent),
                        schema=_schema()).validate().valid


def test_export_command_writes_file(authority, organisation, agent, tmp_path):
    make_convention(authority=authority, organisation=organisation, agent=agent, signed=True)
    out = tmp_path / "o.csv"
    call_command("export_scdl", "--year", "2027", "--output", str(out))
    assert organisation.name in out.read_text(encoding="utf-8")


def test_each_authority_publishes_only_its_own_conventions(authority, organisation, agent,
                                                           client, settings, tmp_path):
    """An intercommunalité and one of its communes share one deployment: each one's open data
    holds its own conventions only — service, page, API and command."""
    from tests.factories import AuthorityFactory

    commune = AuthorityFactory(name="Commune de Lanester", siret="21560098600016")
    make_convention(authority=authority, organisation=organisation, agent=agent, signed=True)
    other = make_convention(authority=commune, agent=agent, signed=True)
    other.object = "Fête du quartier de Kerfrehour"
    type(other).objects.filter(pk=other.pk).update(object=other.object)
    ours = {r["objet"] for r in csv.DictReader(io.StringIO(
        scdl_csv(year=2026, authority=authority)))}
    theirs = list(csv.DictReader(io.StringIO(scdl_csv(year=2026, authority=commune))))
    assert "Fête du quartier de Kerfrehour" not in ours and len(ours) == 1
    assert [(r["objet"], r["nomAttribuant"], r["idAttribuant"]) for r in theirs] == [
        (other.object, "Commune de Lanester", "21560098600016")]

    client.force_login(agent)
    settings.SITE_AUTHORITY_ID = None  # two authorities, none designated: nothing published
    refused = client.get("/conventions/donnees-ouvertes/?annee=2026")
    assert refused.status_code == 400
    assert "Aucune collectivité désignée" in refused.content.decode()
    api = client.get("/api/v1/conventions/scdl/?year=2026")
    assert api.status_code == 400 and "Aucune collectivité désignée" in str(api.json())
    with pytest.raises(CommandError, match="--authority"):
        call_command("export_scdl", "--year", "2026")
    settings.SITE_AUTHORITY_ID = commune.pk
    page = client.get("/conventions/donnees-ouvertes/?annee=2026").content.decode("utf-8-sig")
    assert "Kerfrehour" in page and organisation.name not in page
    out = tmp_path / "o.csv"
    call_command("export_scdl", "--year", "2026", "--authority", str(authority.pk),
                 "--output", str(out))
    assert organisation.name in out.read_text(encoding="utf-8")
    assert "Kerfrehour" not in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("raw,expected", [("137 825,00", "137825.00"), ("10000.0", "10000.00"),
                                          ("40\u00a0000,00 €", "40000.00"), ("2400", "2400.00")])
def test_parse_amount(raw, expected):
    assert parse_amount(raw) == Decimal(expected)


def test_parse_amount_and_date_refuse_garbage():
    with pytest.raises(ValueError):
        parse_amount("douze")
    assert parse_date("2018/01/30") == dt.date(2018, 1, 30)
    with pytest.raises(ValueError):
        parse_date("30 janvier")


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_import_every_real_file(path, capsys):
    call_command("import_scdl", str(path), "--dry-run")
    dry = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert ImportedSubsidy.objects.count() == 0
    assert dry["rows"] == dry["valid"] + dry["invalid"] and dry["imported"] == 0
    organisations = Organisation.objects.count()
    if dry["invalid"]:
        # All or nothing: one invalid row and nothing is saved, not even an organisation.
        with pytest.raises(CommandError, match="rien n'est enregistré"):
            call_command("import_scdl", str(path))
        out = capsys.readouterr().out.strip().splitlines()
        assert json.loads(out[-1]) == dry
        assert ImportedSubsidy.objects.count() == 0
        assert Organisation.objects.count() == organisations
        assert len([line for line in out if line.startswith("ligne ")]) == dry["invalid"]
        return
    call_command("import_scdl", str(path))
    out = capsys.readouterr().out.strip().splitlines()
    summary = json.loads(out[-1])
    assert summary == {**dry, "imported": dry["valid"]}
    assert ImportedSubsidy.objects.count() == summary["imported"]
    total = sum((s.amount for s in ImportedSubsidy.objects.all()), Decimal("0"))
    assert Decimal(summary["amount"]) == total


def test_real_files_expected_figures(capsys):
    results = {}
    for path in REAL:
        call_command("import_scdl", str(path), "--dry-run")
        results[path.name] = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    poitiers = results["poitiers-2017-subventions-associations.csv"]
    # 562 records (some span several lines); every SIRET became a float: none is guessed.
    assert poitiers == {"rows": 562, "valid": 0, "invalid": 562, "imported": 0,
                        "amount": "0.00"}
    # Line 35 has neither a beneficiary name nor an identifier.
    assert results["haute-garonne-communes-2017-subventions.csv"] == {
        "rows": 69, "valid": 68, "invalid": 1, "imported": 0, "amount": "351558.85"}
    assert results["somme-2018-conventions-latin1.csv"] == {
        "rows": 11, "valid": 11, "invalid": 0, "imported": 0, "amount": "2493742.00"}
    # 13 subsidies followed by separator-only blank lines, which are not rows.
    assert results["lot-2017-subventions-latin1.csv"] == {
        "rows": 13, "valid": 13, "invalid": 0, "imported": 0, "amount": "878205.00"}


def test_import_reports_line_numbers_and_skips_blank_lines():
    content = (
        "nomBeneficiaire;idBeneficiaire;dateConvention;montant\n"
        "Asso A;44137080600016;2017-04-13;1 000,50\n"
        "\n"
        "Asso B;45032466000000.0;2017-04-13;10\n"
        "Asso C;44137080600016;pas une date;10\n"
        "Asso D;;2017-04-13;10\n"
    ).encode("cp1252")
    report = scdl_import(content=content, source="t.csv")
    assert report.summary() == {"rows": 4, "valid": 1, "invalid": 3, "imported": 0,
                                "amount": "1000.50"}
    lines = dict(report.errors)
    assert "nombre à virgule" in lines[4]
    assert "date" in lines[5]
    assert "ni SIRET ni numéro RNA" in lines[6]
    # All or nothing: the valid row and its organisation were not saved either.
    assert not ImportedSubsidy.objects.exists()
    assert not Organisation.objects.filter(name__startswith="Asso").exists()
    valid_only = content.split(b"\n")[:2]
    report = scdl_import(content=b"\n".join(valid_only) + b"\n", source="t.csv")
    assert report.imported == 1 and ImportedSubsidy.objects.count() == 1
    again = scdl_import(content=content, source="t.csv")
    assert again.imported == 0 and "déjà importée" in dict(again.errors)[2]
    assert ImportedSubsidy.objects.count() == 1


def test_import_rolls_back_an_organisation_created_by_an_invalid_row():
    """The probe: a row with a valid RNA but an unreadable amount created the organisation."""
    content = ("nomBeneficiaire;rna;dateConvention;montant\n"
               "Asso valide;W561000001;2017-04-13;100\n"
               "Asso fantôme;W561000002;2017-04-13;douze\n").encode()
    report = scdl_import(content=content, source="t.csv")
    assert (report.valid, report.invalid, report.imported) == (1, 1, 0)
    assert not Organisation.objects.filter(rna__in=["W561000001", "W561000002"]).exists()


def test_import_refuses_a_file_beyond_the_caps_in_french(settings):
    from django.core.exceptions import ValidationError

    wide = ("nomBeneficiaire;montant;dateConvention" + ";x" * 200 + "\n").encode()
    with pytest.raises(ValidationError, match="colonnes"):
        scdl_import(content=wide, source="x.csv")
    settings.TABLE_IMPORT_MAX_ROWS = 3
    rows = b"nomBeneficiaire;rna;dateConvention;montant\n" + b"A;W561000001;2017-04-13;1\n" * 5
    with pytest.raises(ValidationError, match="lignes"):
        scdl_import(content=rows, source="x.csv")
    assert not ImportedSubsidy.objects.exists()


def test_import_refuses_file_without_required_columns():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        scdl_import(content=b"a;b\n1;2\n", source="x.csv")
    assert "Colonnes obligatoires absentes" in str(exc.value)


def test_export_is_in_scope_and_reads_its_fields_from_data(authority, organisation, agent,
                                                          client):
    from backoffice.core.models import Authority
    from conventions import services
    from conventions.models import ConventionStatus
    from tests.conventions.test_from_award import make_award

    signed = make_convention(authority=authority, organisation=organisation, agent=agent,
                             confirmed=True)
    signed.aid_form = "aide en nature"
    signed.eu_notified = True
    signed.save()
    # 2027 and 2028 are not confirmed yet: the total is still the signed 3 × 30 000.
    terminated = make_convention(authority=authority, agent=agent, signed=True,
                                 end=dt.date(2026, 12, 31), amounts=[Decimal("7000")])
    services.convention_transition(convention=terminated, to=ConventionStatus.TERMINATED,
                                   actor=agent, on=dt.date(2026, 6, 1),
                                   reason="Dissolution de l'association")
    sent = make_convention(authority=authority, agent=agent)
    services.convention_transition(convention=sent, to=ConventionStatus.SENT, actor=agent,
                                   on=dt.date(2026, 1, 10))
    from_award = services.convention_create_from_award(
        award=make_award(amount=Decimal("4000.00"), call__fund__authority=authority), actor=agent)
    services.convention_transition(convention=from_award, to=ConventionStatus.SENT, actor=agent,
                                   on=dt.date(2026, 3, 20))
    services.convention_transition(convention=from_award, to=ConventionStatus.SIGNED,
                                   actor=agent, on=dt.date(2026, 3, 25),
                                   authority_signatory="M", organisation_signatory="L")
    rows = {r["objet"]: r for r in csv.DictReader(io.StringIO(scdl_csv(year=2026,
                                                                      authority=authority)))}
    assert len(rows) == 2  # the terminated and the never-signed conventions are out
    cpo = rows[" ".join(signed.object.split())]
    assert (cpo["montant"], cpo["nature"], cpo["notificationUE"]) == (
        "90000.00", "aide en nature", "oui")
    assert cpo["dispositifAide"] == ""
    award_row = rows[from_award.object]
    assert award_row["dispositifAide"] == from_award.award.fund.name
    assert award_row["montant"] == "4000.00"
    # An authority without a population: agents see the missing setting.
    Authority.objects.filter(pk=authority.pk).update(population=None)
    client.force_login(agent)
    page = client.get("/conventions/").content.decode()
    assert "Paramètre manquant" in page and "population" in page
