"""Pabulib .pb reading and writing: every real file round-trips, malformed files get line numbers."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pabutools.election import parse_pabulib

from funds.voting.pabulib import (
    PabulibError,
    PabulibInstance,
    PbProject,
    PbVote,
    parse_pb,
    write_pb,
)

DATASETS = Path("/work/shared/datasets/pabulib")
FILES = sorted(DATASETS.glob("*.pb"))
TOULOUSE_2022_DISTRICTS = sorted(DATASETS.glob("France_Toulouse_2022_*.pb"))


def load(name: str) -> PabulibInstance:
    return parse_pb((DATASETS / name).read_bytes())


def test_the_dataset_is_there():
    assert len(FILES) == 29
    assert len(TOULOUSE_2022_DISTRICTS) == 20


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_file_parses_like_pabutools_and_round_trips(path):
    # given a real file (CRLF, as published)
    instance = parse_pb(path.read_bytes())
    # then every row is read...
    assert len(instance.projects) == int(instance.meta["num_projects"])
    assert len(instance.votes) == int(instance.meta["num_votes"])
    # ...and agrees with the reference parser: ids, exact costs, budget, ballots
    reference, profile = parse_pabulib(str(path))
    assert {p.id: Fraction(p.cost) for p in instance.projects} == {
        p.name: Fraction(int(p.cost.numerator), int(p.cost.denominator)) for p in reference}
    assert Fraction(instance.budget) == Fraction(int(reference.budget_limit.numerator),
                                                 int(reference.budget_limit.denominator))
    ours = Counter(frozenset(vote.vote) for vote in instance.votes)
    theirs = Counter(frozenset(p.name for p in ballot) for ballot in profile)
    assert ours == theirs
    # and writing then reading gives back the same instance
    text = write_pb(instance)
    assert parse_pb(text) == instance
    anonymous = parse_pb(write_pb(instance, anonymise_voters=True))
    assert [vote.voter_id for vote in anonymous.votes] == [str(i) for i in range(1, len(instance.votes) + 1)]
    assert anonymous.projects == instance.projects
    assert [(v.vote, v.points, v.extra) for v in anonymous.votes] == [
        (v.vote, v.points, v.extra) for v in instance.votes]
    assert anonymous.meta == instance.meta


def test_decimal_costs_stay_exact_and_keep_their_writing():
    instance = load("France_Toulouse_2022_17_-_Mirail-Universite_Reynerie_Bellefontaine.pb")
    assert instance.budget == Decimal("400000.0")
    assert instance.projects[0].cost == Decimal("75000.0")
    assert "180;75000.0;" in write_pb(instance)


def test_quoted_fields_semicolons_and_doubled_quotes():
    district_17 = load("France_Toulouse_2022_17_-_Mirail-Universite_Reynerie_Bellefontaine.pb")
    assert any('""OASIS""' not in p.name and '"OASIS"' in p.name for p in district_17.projects)
    amsterdam = load("Netherlands_Amsterdam_613.pb")
    with_semicolon = [p for p in amsterdam.projects if ";" in p.extra.get("category", "")]
    assert with_semicolon, "Amsterdam 613 has a ';' inside a quoted category"
    assert all(len(p.extra) == len(amsterdam.projects[0].extra) for p in amsterdam.projects)


def test_string_ids_categories_selected_and_demographics():
    gdynia = load("Poland_Gdynia_2021_Wielki_Kack__small.pb")
    assert gdynia.projects[0].id == "WIK/0018"
    assert gdynia.projects[0].selected is True
    assert gdynia.votes[0].extra == {"age": "38", "sex": "M", "voting_method": "internet"}
    assert gdynia.winner_rule == "greedy-no-skip"
    assert gdynia.min_votes == 50
    warszawa = load("Poland_Warszawa_2023_Wesola.pb")
    assert warszawa.projects[0].categories == ["urban greenery", "public space", "environmental protection"]
    assert warszawa.projects[1].extra["latitude"] == ""
    assert load("Poland_Swiecie_2023.pb").winner_rule == "mes-add1"


def test_cumulative_points_are_parallel_to_votes():
    toulouse = load("France_Toulouse_2019.pb")
    first = toulouse.votes[0]
    assert (first.voter_id, first.vote, first.points) == ("0", ["15", "22", "25", "10"], [2, 2, 2, 1])
    assert toulouse.ballots()[0] == {"15": 2, "22": 2, "25": 2, "10": 1}
    # the PROJECTS score column is the sum of the points
    scores = Counter()
    for vote in toulouse.votes:
        for project_id, points in zip(vote.vote, vote.points, strict=True):
            scores[project_id] += points
    assert all(scores[p.id] == int(p.extra["score"]) for p in toulouse.projects)


def test_ordinal_ballots_keep_their_order_and_read_as_approvals():
    text = ("META\nkey;value\nbudget;100\nvote_type;ordinal\nPROJECTS\nproject_id;cost\n"
            "a;10\nb;20\nVOTES\nvoter_id;vote\n1;b,a\n2;a\n")
    instance = parse_pb(text)
    assert instance.votes[0].vote == ["b", "a"]
    assert instance.ballots() == [["b", "a"], ["a"]]
    assert parse_pb(write_pb(instance)) == instance


def test_lf_endings_bom_spaces_after_separator_and_blank_lines():
    text = ("\ufeffMETA\nkey; value\nbudget; 1000\nvote_type; approval\n\nPROJECTS\n"
            "project_id; cost; name\n1; 500; Bancs\n2; 600,5; Arbres\nVOTES\nvoter_id; vote\nv1; 1,2\nv2; \n")
    instance = parse_pb(text)
    assert instance.budget == Decimal(1000)
    assert instance.projects[1] == PbProject(id="2", cost=Decimal("600.5"), name="Arbres")
    assert instance.votes[1] == PbVote(voter_id="v2", vote=[], points=None)


def test_written_instance_built_by_code_round_trips():
    instance = PabulibInstance(
        meta={"description": "Budget participatif; édition 1", "budget": "1000.50", "vote_type": "cumulative"},
        projects=[PbProject("10", Decimal("999.99"), 'Le "grand" banc', {"district": "Nord"}),
                  PbProject("9", Decimal("0"), "Gratuit", {"district": "Sud"})],
        votes=[PbVote("x", ["10", "9"], [2, 1], {"age": "17"}), PbVote("y", [], [], {"age": ""})],
    )
    text = write_pb(instance)
    assert parse_pb(text) == instance
    assert '"Budget participatif; édition 1"' in text


def test_writer_refuses_an_id_that_would_break_vote_lists():
    instance = PabulibInstance(meta={"budget": "1"}, projects=[PbProject("a,b", Decimal(1))], votes=[])
    with pytest.raises(ValueError):
        write_pb(instance)


VALID_HEAD = "META\nkey;value\nbudget;1000\nvote_type;approval\nPROJECTS\nproject_id;cost;name\n"


@pytest.mark.parametrize(("text", "expected"), [
    (VALID_HEAD + "1;12a;Bancs\nVOTES\nvoter_id;vote\n", ["ligne 7 : coût illisible « 12a »."]),
    (VALID_HEAD + "1;-5;Bancs\nVOTES\nvoter_id;vote\n", ["ligne 7 : coût illisible « -5 »."]),
    (VALID_HEAD + "1;5;Bancs\n1;6;Arbres\nVOTES\nvoter_id;vote\n", ["ligne 8 : projet « 1 » en double."]),
    (VALID_HEAD + "1;5\nVOTES\nvoter_id;vote\n", ["ligne 7 : 2 colonnes au lieu de 3."]),
    (VALID_HEAD + "1;5;Bancs\nVOTES\nvoter_id;vote\nv1;1,7\n", ["ligne 10 : projet inconnu « 7 » dans le vote."]),
    (VALID_HEAD + "1;5;Bancs\nVOTES\nvoter_id;vote\nv1;1\nv1;1\n", ["ligne 11 : votant « v1 » en double."]),
    (VALID_HEAD + "1;5;Bancs\nVOTES\nvoter_id;vote\nv1;1,1\n",
     ["ligne 10 : le vote cite plusieurs fois le même projet."]),
    (VALID_HEAD + "1;5;Bancs\n", ["fichier : section « VOTES » absente."]),
    ("PROJECTS\nproject_id;cost\n", ["ligne 1 : section « PROJECTS » inattendue, « META » attendue.",
                                     "fichier : section « META » absente.", "fichier : section « VOTES » absente."]),
    ("bonjour\n", ["ligne 1 : le fichier doit commencer par la ligne « META ».",
                   "fichier : section « META » absente.", "fichier : section « PROJECTS » absente.",
                   "fichier : section « VOTES » absente."]),
    ("META\nkey;value\nvote_type;approval\nPROJECTS\nproject_id;cost\nVOTES\nvoter_id;vote\n",
     ["META : clé « budget » absente."]),
    ("META\nkey;value\nbudget;1 000\nPROJECTS\nproject_id;cost\nVOTES\nvoter_id;vote\n",
     ["ligne 3 : budget illisible « 1 000 »."]),
    ("META\nkey;value\nbudget;10\nvote_type;scoring\nPROJECTS\nproject_id;cost\nVOTES\nvoter_id;vote\n",
     ["ligne 4 : type de vote « scoring » non pris en charge (acceptés : approval, choose-1, cumulative, ordinal)."]),
    ("META\nkey;value\nbudget;10\nbudget;20\nPROJECTS\nproject_id;cost\nVOTES\nvoter_id;vote\n",
     ["ligne 4 : clé « budget » en double dans META."]),
    ("META\nkey;value\nbudget;10\nPROJECTS\nproject_id;name\nVOTES\nvoter_id;vote\n",
     ["ligne 5 : colonne « cost » absente de l'en-tête de PROJECTS."]),
])
def test_malformed_files_get_line_numbered_french_errors(text, expected):
    with pytest.raises(PabulibError) as error:
        parse_pb(text)
    assert error.value.errors == expected


CUMULATIVE_HEAD = ("META\nkey;value\nbudget;1000\nvote_type;cumulative\nPROJECTS\nproject_id;cost\n"
                   "1;100\n2;200\nVOTES\n")


@pytest.mark.parametrize(("rows", "expected"), [
    ("voter_id;vote\nv1;1,2\n", ["ligne 11 : points absents pour un vote cumulatif."]),
    ("voter_id;vote;points\nv1;1,2;3\n", ["ligne 11 : 1 points pour 2 projets."]),
    ("voter_id;vote;points\nv1;1,2;3,x\n", ["ligne 11 : points illisibles « x »."]),
])
def test_malformed_cumulative_points(rows, expected):
    with pytest.raises(PabulibError) as error:
        parse_pb(CUMULATIVE_HEAD + rows)
    assert error.value.errors == expected


def test_every_error_is_reported_at_once_and_nothing_is_returned():
    text = (VALID_HEAD + "1;12a;Bancs\n2;5;Arbres\n2;7;Fontaine\nVOTES\nvoter_id;vote\n"
            "v1;1,9\nv2;2\n")
    with pytest.raises(PabulibError) as error:
        parse_pb(text)
    assert error.value.errors == [
        "ligne 7 : coût illisible « 12a ».",
        "ligne 9 : projet « 2 » en double.",
        "ligne 12 : projet inconnu « 9 » dans le vote.",
    ]
    assert "ligne 7" in str(error.value)


def test_a_file_that_is_not_utf8_is_refused():
    with pytest.raises(PabulibError) as error:
        parse_pb((VALID_HEAD + "1;5;Bancs à vélo\nVOTES\nvoter_id;vote\n").encode("latin-1"))
    assert error.value.errors[0].startswith("fichier : encodage illisible, UTF-8 attendu")


def test_toulouse_2022_city_file_splits_into_its_20_district_files():
    # given the city-wide file, whose projects carry their district, and no district budget in META
    city = load("France_Toulouse_2022.pb")
    parts = city.split_by("district")
    # then each part is exactly the district file: same projects, same ballots, 400,000 each
    assert len(parts) == 20
    for path in TOULOUSE_2022_DISTRICTS:
        district = parse_pb(path.read_bytes())
        part = parts[district.meta["subunit"]]
        assert part.budget == district.budget == Decimal(400000)
        assert part.projects == district.projects
        assert Counter(tuple(v.vote) for v in part.votes) == Counter(tuple(v.vote) for v in district.votes)
        # district voter ids are the city ids prefixed by the district number
        number = district.meta["subunit"].split(" ")[0]
        assert {f"{number}-{v.voter_id}" for v in part.votes} == {v.voter_id for v in district.votes}


def test_split_refuses_a_budget_that_does_not_divide_and_takes_explicit_ones():
    instance = PabulibInstance(
        meta={"budget": "100", "vote_type": "approval"},
        projects=[PbProject("1", Decimal(10), extra={"district": d}) for d in ("A",)]
        + [PbProject("2", Decimal(10), extra={"district": "B"}), PbProject("3", Decimal(10), extra={"district": "C"})],
        votes=[PbVote("v", ["1", "2"])],
    )
    with pytest.raises(ValueError, match="ne se partage pas exactement"):
        instance.split_by("district")
    parts = instance.split_by("district", {"A": Decimal(50), "B": Decimal(30), "C": Decimal(20)})
    assert parts["A"].budget == Decimal(50)
    assert [v.vote for v in parts["B"].votes] == [["2"]]
    assert parts["C"].votes == []
    with pytest.raises(ValueError, match="Enveloppe manquante"):
        instance.split_by("district", {"A": Decimal(50)})


CELL = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=12).map(str.strip)
IDENT = st.from_regex(r"[A-Za-z0-9/_-]{1,6}", fullmatch=True)


@st.composite
def instances(draw):
    ids = draw(st.lists(IDENT, min_size=1, max_size=5, unique=True))
    columns = draw(st.lists(st.sampled_from(["district", "category", "votes", "selected"]), unique=True))
    projects = [PbProject(project_id, Decimal(draw(st.integers(0, 10**9))) / 100, draw(CELL),
                          {column: draw(CELL) for column in columns}) for project_id in ids]
    cumulative = draw(st.booleans())
    votes = []
    for number in range(draw(st.integers(0, 5))):
        chosen = draw(st.lists(st.sampled_from(ids), unique=True))
        points = [draw(st.integers(1, 9)) for _ in chosen] if cumulative else None
        votes.append(PbVote(f"v{number}", chosen, points, {"age": draw(CELL)}))
    meta = {"description": draw(CELL), "budget": str(Decimal(draw(st.integers(0, 10**9))) / 100),
            "vote_type": "cumulative" if cumulative else "approval"}
    return PabulibInstance(meta=meta, projects=projects, votes=votes)


@settings(max_examples=100, deadline=None)
@given(instances())
def test_any_instance_round_trips(instance):
    assert parse_pb(write_pb(instance)) == instance
    assert parse_pb(write_pb(instance).replace("\n", "\r\n").encode()) == instance
