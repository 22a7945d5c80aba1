"""import_pabulib / compute_winners / export_pabulib on real Pabulib files."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from funds.models import Application, Ballot, Call, District
from funds.voting.pabulib import parse_pb
from funds.voting.rules import compute_winners
from tests.factories import AuthorityFactory

pytestmark = pytest.mark.django_db
DATA = Path("/work/shared/datasets/pabulib")
if not DATA.exists():
    DATA = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "pabulib"


def run(*args) -> dict:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


@pytest.fixture
def authority():
    return AuthorityFactory()


def test_toulouse_city_file_per_district_gives_the_20_district_files_winners(authority, tmp_path):
    imported = run("import_pabulib", str(DATA / "France_Toulouse_2022.pb"))
    assert imported["projects"] == 199 and imported["ballots"] == 4532
    assert District.objects.filter(call_id=imported["call"]).count() == 20
    ours = run("compute_winners", str(imported["call"]), "--rule", "greedy")
    expected = set()
    for path in DATA.glob("France_Toulouse_2022_*.pb"):
        instance = parse_pb(path.read_bytes())
        expected |= set(compute_winners("greedy", instance.costs(), instance.ballots(),
                                        instance.budget).winners)
    assert len(expected) == 112 and set(ours["winners"]) == expected
    assert ours["budget"] == "8000000.00"
    # export then re-import: same winners
    output = tmp_path / "t.pb"
    call_command("export_pabulib", str(imported["call"]), "--output", str(output),
                 stdout=io.StringIO())
    text = output.read_text()
    assert "\n1;" in text.split("VOTES", 1)[1]   # anonymised voter ids
    again = run("import_pabulib", str(output))
    assert set(run("compute_winners", str(again["call"]))["winners"]) == expected


@pytest.mark.parametrize(("name", "rule"), [
    ("Poland_Gdynia_2021_Wielki_Kack__small.pb", "greedy-no-skip"),
    ("Poland_Swiecie_2023.pb", "mes"),
    ("Netherlands_Amsterdam_588.pb", "mes-completed"),
    ("France_Toulouse_2019.pb", "greedy"),
])
def test_imported_winners_equal_the_pure_rules(authority, name, rule):
    instance = parse_pb((DATA / name).read_bytes())
    imported = run("import_pabulib", str(DATA / name))
    assert imported["ballots"] == len(instance.votes)
    ours = run("compute_winners", str(imported["call"]), "--rule", rule)
    expected = compute_winners(rule, instance.costs(), instance.ballots(), instance.budget,
                               min_votes=instance.min_votes)
    assert ours["winners"] == list(expected.winners)
    assert ours["spent"] == f"{expected.spent:.2f}"


def test_city_outcome_is_reproduced_where_the_file_records_it(authority):
    for name in ("Poland_Warszawa_2023_Wesola.pb", "Poland_Gdynia_2021_Wielki_Kack__small.pb",
                 "Poland_Swiecie_2023.pb"):
        instance = parse_pb((DATA / name).read_bytes())
        imported = run("import_pabulib", str(DATA / name))
        ours = run("compute_winners", str(imported["call"]), "--rule", instance.winner_rule)
        assert set(ours["winners"]) == {p.id for p in instance.projects if p.selected}


def test_malformed_file_imports_nothing(authority, tmp_path):
    bad = tmp_path / "bad.pb"
    bad.write_text("META\nkey;value\nbudget;abc\nPROJECTS\nproject_id;cost\n1;x\n"
                   "VOTES\nvoter_id;vote\n1;9\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="rien n'a été importé"):
        call_command("import_pabulib", str(bad), stderr=err)
    assert "ligne 3" in err.getvalue() and "ligne 9" in err.getvalue()
    assert not Call.objects.exists() and not Application.objects.exists()
    assert not Ballot.objects.exists()


def test_export_refuses_a_vote_still_open(authority):
    from funds.models import CallPhase

    imported = run("import_pabulib", str(DATA / "Netherlands_Amsterdam_522.pb"))
    Call.objects.filter(pk=imported["call"]).update(phase=CallPhase.VOTE)
    with pytest.raises(CommandError, match="pas terminé"):
        call_command("export_pabulib", str(imported["call"]), stdout=io.StringIO())


def test_copy_and_bulk_inserts_store_the_same_ballots(authority):
    from funds.models import Voter
    from funds.voting import stats
    from funds.voting.pabulib import database as pabulib_database

    content = (DATA / "Poland_Warszawa_2023_Wesola.pb").read_bytes()
    call, _projects, count = pabulib_database.pabulib_import(content=content, authority=authority)
    copied = list(Ballot.objects.filter(call=call).order_by("voter__external_id")
                  .values_list("voter__external_id", "choices", "points", "voter__data"))
    assert len(copied) == count and copied[0][3]["age"]
    ids = dict(Application.objects.filter(call=call).values_list("external_reference", "pk"))
    Ballot.objects.filter(call=call).delete()
    Voter.objects.filter(call=call).delete()
    pabulib_database._bulk_votes(call, parse_pb(content).votes, ids)
    assert list(Ballot.objects.filter(call=call).order_by("voter__external_id").values_list(
        "voter__external_id", "choices", "points", "voter__data")) == copied
    assert sum(n for _band, n in stats.turnout_by_age(call)) == count
    bands = dict(stats.turnout_by_age(call))
    assert bands["25–34 ans"] > 0 and bands.get("inconnu", 0) < count // 10
