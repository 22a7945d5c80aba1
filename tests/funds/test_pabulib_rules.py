"""Pabulib META settings of the winner rule: read at import, used by compute_winners, written
back at export; bad settings refused with line numbers and nothing imported."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from funds.models import Application, Ballot, Call, CallPhase
from funds.voting.pabulib import PabulibError, meta_settings, parse_pb, write_pb
from tests.factories import AuthorityFactory

pytestmark = pytest.mark.django_db
DATA = Path("/work/shared/datasets/pabulib")


def run(*args) -> dict:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


def pb(meta: str, projects: str = "1;40;Parc\n2;30;Jeux\n3;30;Banc\n4;20;Arbres",
       votes: str = "1;1,2\n2;1\n3;3,4\n4;2,4") -> str:
    return (f"META\nkey;value\nbudget;100\nvote_type;approval\n{meta}"
            f"PROJECTS\nproject_id;cost;name;category\n"
            + "\n".join(f"{row};{'parcs' if row[0] in '12' else 'jeunesse'}" for row in projects.split("\n"))
            + f"\nVOTES\nvoter_id;vote\n{votes}\n")


@pytest.fixture
def authority():
    return AuthorityFactory()


def test_import_reads_rule_threshold_groups_and_category_budgets(authority, tmp_path):
    path = tmp_path / "ok.pb"
    path.write_text(pb("rule;greedy-exclusive\nmin_project_score_threshold;2\n"
                       "exclusive_groups;1,3\nbudget_per_category;parcs:50,jeunesse:60\n"
                       "budget_per_category_mode;capped\n"))
    imported = run("import_pabulib", str(path))
    call = Call.objects.get(pk=imported["call"])
    assert call.winner_rule == "greedy" and call.min_score == 2
    assert call.exclusive_groups == [["1", "3"]]
    assert call.category_budgets == {"parcs": "50", "jeunesse": "60"}
    assert call.category_budget_mode == "capped"
    # votes: 1:2, 2:2, 3:1, 4:2 -> 3 is under the threshold; parcs capped at 50 keeps one of 1, 2
    ours = run("compute_winners", str(call.pk), "--rule", "greedy-exclusive")
    assert ours["rule"] == "greedy" and ours["rule_label"].startswith("Les plus votés")
    assert ours["winners"] == ["4", "2"]   # equal votes: cheaper first; 1 would exceed the cap
    # the export writes the settings back, and importing it again gives the same winners
    Call.objects.filter(pk=call.pk).update(phase=CallPhase.RESULTS)
    output = tmp_path / "out.pb"
    call_command("export_pabulib", str(call.pk), "--output", str(output), stdout=io.StringIO())
    meta = parse_pb(output.read_bytes()).meta
    assert meta["rule"] == "greedy-exclusive" and meta["min_project_score_threshold"] == "2"
    assert meta["exclusive_groups"] == "1,3" and meta["budget_per_category"] == "parcs:50,jeunesse:60"
    again = run("import_pabulib", str(output))
    assert run("compute_winners", str(again["call"]))["winners"] == ["4", "2"]


@pytest.mark.parametrize(("rule", "ours"), [
    ("equalshares", "mes"), ("equalshares/add1", "mes-add1"),
    ("equalshares/add1-comparison", "mes-add1-comparison"), ("greedy-no-skip", "greedy-no-skip"),
])
def test_pabulib_rule_names_map_to_ours_and_back(rule, ours):
    instance = parse_pb(pb(f"rule;{rule}\n"))
    assert meta_settings(instance).rule == ours
    from funds.voting.pabulib import write_meta_settings

    meta = write_meta_settings({}, rule=ours, min_score=None, exclusive_groups=[],
                               budget_per_category={}, category_mode="capped")
    assert meta_settings(parse_pb(write_pb(replace_meta(instance, meta)))).rule == ours


def replace_meta(instance, meta):
    from dataclasses import replace

    return replace(instance, meta={**instance.meta, **meta})


def test_our_rule_without_pabulib_name_round_trips():
    from funds.voting.pabulib import write_meta_settings

    instance = parse_pb(pb(""))
    meta = write_meta_settings(instance.meta, rule="mes-completed", min_score=None,
                               exclusive_groups=[], budget_per_category={}, category_mode="capped")
    assert meta["rule"] == "unknown" and meta["backoffice_rule"] == "mes-completed"
    assert meta_settings(replace_meta(instance, meta)).rule == "mes-completed"


@pytest.mark.parametrize(("meta", "line", "message"), [
    ("rule;greedy-custom\n", 5, "règle « greedy-custom » inconnue"),
    ("min_project_score_threshold;5\n", 5, "seuil de 5 voix supérieur au nombre de votants (4)"),
    ("budget_per_category;parcs:150\n", 5, "dépasse l'enveloppe totale"),
    ("budget_per_category;piscines:10\n", 5, "aucun projet dans la catégorie « piscines »"),
    ("exclusive_groups;1,2|2,3\n", 5, "groupes contradictoires"),
    ("exclusive_groups;1,9\n", 5, "projet inconnu « 9 »"),
    ("rule;greedy-threshold\n", 5, "sans seuil"),
])
def test_bad_settings_are_refused_with_their_line_and_nothing_is_imported(authority, tmp_path, meta, line, message):
    path = tmp_path / "bad.pb"
    path.write_text(pb(meta))
    err = io.StringIO()
    with pytest.raises(CommandError, match="rien n'a été importé"):
        call_command("import_pabulib", str(path), stderr=err)
    assert f"ligne {line} : " in err.getvalue() and message in err.getvalue()
    assert not Call.objects.exists() and not Application.objects.exists()
    assert not Ballot.objects.exists()


def test_every_problem_is_listed_at_once():
    content = pb("rule;nope\nmin_project_score_threshold;9\nbudget_per_category;parcs:500\n")
    with pytest.raises(PabulibError) as caught:
        meta_settings(parse_pb(content), content)
    assert [e.split(" : ")[0] for e in caught.value.errors] == ["ligne 5", "ligne 6", "ligne 7"]


def test_swiecie_imports_as_add1_and_reproduces_the_real_outcome(authority):
    instance = parse_pb((DATA / "Poland_Swiecie_2023.pb").read_bytes())
    imported = run("import_pabulib", str(DATA / "Poland_Swiecie_2023.pb"))
    assert Call.objects.get(pk=imported["call"]).winner_rule == "mes-add1"
    ours = run("compute_winners", str(imported["call"]), "--rule", "equalshares/add1")
    assert ours["rule"] == "mes-add1"
    assert set(ours["winners"]) == {p.id for p in instance.projects if p.selected}
