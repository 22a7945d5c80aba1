"""Equal Shares with Add1 and the comparison step, vote thresholds, exclusive groups and
category budgets: real outcomes, pabutools where it has the rule, and properties."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pabutools.election import Cost_Sat
from pabutools.rules import exhaustion_by_budget_increase, method_of_equal_shares
from pabutools.tiebreaking import TieBreakingRule

from funds.voting import rules as W
from funds.voting.pabulib import parse_pb

from .test_winners import pabutools_election

DATASETS = Path("/work/shared/datasets/pabulib")


def load(name):
    return parse_pb((DATASETS / name).read_bytes())


# --- real outcomes --------------------------------------------------------------------------------

@pytest.mark.parametrize("exhaustive", [False, True])
def test_swiecie_add1_reproduces_the_real_outcome_with_both_stop_rules(exhaustive):
    instance = load("Poland_Swiecie_2023.pb")
    assert instance.rule == "equalshares/add1"
    selected = {p.id for p in instance.projects if p.selected}
    result = W.equal_shares_add1(instance.costs(), instance.ballots(), instance.budget,
                                 stop_when_exhaustive=exhaustive)
    assert set(result.winners) == selected
    # the shares were raised by whole units: 419 per voter at first, more in the end
    per_voter = Decimal(result.details["per_voter"])
    assert per_voter > instance.budget / len(instance.votes)
    assert per_voter == per_voter.to_integral_value()
    assert result.details["add1_steps"] > 0
    # explanations: who paid each winner
    won = [p for p in result.projects if p.won]
    assert all(p.payers and p.payers <= p.votes and p.share > 0 for p in won)
    assert "soutiens" in won[0].explanation()


def test_swiecie_comparison_keeps_equal_shares_which_more_voters_prefer():
    instance = load("Poland_Swiecie_2023.pb")
    selected = {p.id for p in instance.projects if p.selected}
    result = W.compute_winners("mes-add1-comparison", instance.costs(), instance.ballots(), instance.budget)
    comparison = result.details["comparison"]
    assert comparison["kept"] == "equal-shares"
    assert comparison["prefer_equal_shares"] > comparison["prefer_greedy"]
    assert set(result.winners) == selected
    # more voters have at least one winning project than with greedy
    assert comparison["covered_equal_shares"] > comparison["covered_greedy"]
    assert result.covered == comparison["covered_equal_shares"]


def test_gdynia_threshold_is_a_score_and_reproduces_the_real_outcome():
    instance = load("Poland_Gdynia_2021_Wielki_Kack__small.pb")
    selected = {p.id for p in instance.projects if p.selected}
    constraints = W.Constraints(min_score=instance.min_votes)
    result = W.compute_winners("greedy-no-skip", instance.costs(), instance.ballots(), instance.budget,
                               constraints=constraints)
    assert set(result.winners) == selected


# --- pabutools: Add1 with the exhaustive stop is its exhaustion by budget increase ---------------

PROJECT_IDS = ["1", "2", "10", "a", "c2"]


@st.composite
def elections(draw, max_ballots=8):
    chosen = draw(st.lists(st.sampled_from(PROJECT_IDS), min_size=1, max_size=5, unique=True))
    projects = {p: Decimal(draw(st.integers(0, 60))) for p in chosen}
    ballots = draw(st.lists(st.lists(st.sampled_from(chosen), unique=True), max_size=max_ballots))
    budget = Decimal(draw(st.integers(0, 150)))
    return projects, ballots, budget


@settings(max_examples=40, deadline=None)
@given(elections(max_ballots=5))
def test_add1_exhaustive_equals_pabutools_budget_increase_by_one_unit_per_voter(election):
    projects, ballots, budget = election
    assume(ballots and budget > 0)
    budget = budget - budget % len(ballots)      # a whole number of units per voter
    assume(budget > 0)
    instance, profile = pabutools_election(projects, ballots, budget)
    votes = {p: sum(p in b for b in ballots) for p in projects}
    ties = TieBreakingRule(lambda inst, prof, p: (p.cost, -votes[p.name], W.id_order_key(p.name)))
    expected = exhaustion_by_budget_increase(
        instance, profile, method_of_equal_shares,
        {"sat_class": Cost_Sat, "tie_breaking": ties}, budget_step=len(ballots))
    result = W.equal_shares_add1(projects, ballots, budget, stop_when_exhaustive=True)
    assert set(result.winners) == {p.name for p in expected}


# --- properties -----------------------------------------------------------------------------------

ADD1 = ["mes-add1", "mes-add1-comparison"]


@settings(max_examples=60, deadline=None)
@given(elections(), st.sampled_from(ADD1), st.booleans())
def test_add1_never_overspends_and_explains_every_project(election, rule, exhaustive):
    projects, ballots, budget = election
    function = W.RULE_FUNCTIONS[W.Rule(rule)]
    result = function(projects, ballots, budget, stop_when_exhaustive=exhaustive)
    assert result.spent == sum((projects[p] for p in result.winners), Decimal(0)) <= budget
    assert sorted(p.project_id for p in result.projects) == sorted(projects)
    assert all(p.explanation() for p in result.projects)
    assert result.covered == sum(1 for b in ballots if set(b) & set(result.winners))


@settings(max_examples=60, deadline=None)
@given(elections())
def test_add1_with_the_exhaustive_stop_is_exhaustive_when_a_next_step_fits(election):
    projects, ballots, budget = election
    result = W.equal_shares_add1(projects, ballots, budget, stop_when_exhaustive=True)
    plain = W.equal_shares(projects, ballots, budget)
    # Add1 only ever keeps outcomes within budget, and never does worse than no completion
    # when every supported project fits at once
    supported = [p for p in projects if any(p in b for b in ballots) and projects[p] > 0]
    if sum((projects[p] for p in supported), Decimal(0)) <= budget:
        assert set(supported) <= set(result.winners)
    assert result.spent <= budget and plain.spent <= budget


@settings(max_examples=80, deadline=None)
@given(elections())
def test_comparison_keeps_the_outcome_more_voters_prefer(election):
    projects, ballots, budget = election
    result = W.equal_shares_add1_comparison(projects, ballots, budget)
    mes = W.equal_shares_add1(projects, ballots, budget)
    greedy = W.greedy(projects, ballots, budget)
    prefer_mes, prefer_greedy = W.satisfaction_preferences(ballots, mes.winners, greedy.winners)
    comparison = result.details["comparison"]
    assert (comparison["prefer_equal_shares"], comparison["prefer_greedy"]) == (prefer_mes, prefer_greedy)
    if prefer_greedy > prefer_mes:
        assert set(result.winners) == set(greedy.winners)
    else:   # a tie keeps Equal Shares
        assert set(result.winners) == set(mes.winners)


def test_comparison_switches_to_greedy_when_more_voters_prefer_it():
    # 6 voters want the big project A (100); 4 others want B and C (50 each); envelope 100.
    projects = {"A": Decimal(100), "B": Decimal(50), "C": Decimal(50)}
    ballots = [["A"]] * 6 + [["B", "C"]] * 4
    assert W.greedy(projects, ballots, Decimal(100)).winners == ("A",)
    # Equal Shares: A's 6 supporters never hold 100 before B's 4 supporters buy B, and one more
    # unit each (17 per voter) would buy both A and B: over budget, so B alone is kept
    mes = W.equal_shares_add1(projects, ballots, Decimal(100))
    assert mes.winners == ("B",)
    assert mes.details["per_voter"] == "16"
    result = W.equal_shares_add1_comparison(projects, ballots, Decimal(100))
    assert result.details["comparison"] == {
        "prefer_equal_shares": 4, "prefer_greedy": 6, "kept": "greedy",
        "covered_equal_shares": 4, "covered_greedy": 6}
    assert result.winners == ("A",)
    assert result.outcome("B").reason is W.Reason.GREEDY_PREFERRED
    assert "davantage de votants" in result.outcome("B").explanation()


@settings(max_examples=80, deadline=None)
@given(elections(), st.sampled_from(W.RULES), st.integers(0, 5) | st.none(),
       st.sampled_from([None, Fraction(1, 4), Fraction(1, 2)]))
def test_threshold_is_a_score_and_says_what_was_missing(election, rule, min_score, min_share):
    projects, ballots, budget = election
    constraints = W.Constraints(min_score=min_score, min_share=min_share)
    result = W.compute_winners(rule, projects, ballots, budget, constraints=constraints)
    required = constraints.required_score(len(ballots))
    assert result.spent <= budget
    for outcome in result.projects:
        if required is not None and outcome.score < required:
            assert not outcome.won
            assert outcome.reason is W.Reason.BELOW_THRESHOLD
            assert f"il en manquait {required - outcome.score}" in outcome.explanation()


def test_threshold_counts_points_on_cumulative_ballots():
    projects = {"1": Decimal(10), "2": Decimal(10)}
    ballots = [{"1": 3}, {"1": 2}, {"2": 1}, {"2": 1}, {"2": 1}]
    # 1: 2 supporters, 5 points; 2: 3 supporters, 3 points — a threshold of 4 is a score
    result = W.greedy(projects, ballots, Decimal(100), constraints=W.Constraints(min_score=4))
    assert result.winners == ("1",)
    assert result.outcome("2").explanation() == "3 voix pour un seuil de 4 : il en manquait 1."
    # a share of voters: 50 % of 5 ballots = a score of at least 3 (rounded up)
    assert W.Constraints(min_share=Fraction(1, 2)).required_score(5) == 3


@settings(max_examples=80, deadline=None)
@given(elections(), st.sampled_from(W.RULES), st.data())
def test_exclusive_groups_never_have_two_winners(election, rule, data):
    projects, ballots, budget = election
    ids = sorted(projects)
    assume(len(ids) >= 2)
    group = frozenset(data.draw(st.lists(st.sampled_from(ids), min_size=2, unique=True)))
    result = W.compute_winners(rule, projects, ballots, budget,
                               constraints=W.Constraints(exclusive=(group,)))
    assert len(group & set(result.winners)) <= 1
    assert result.spent <= budget
    for outcome in result.projects:
        if outcome.reason is W.Reason.EXCLUSIVE:
            assert outcome.blocked_by in group and outcome.blocked_by in result.winners


def test_a_project_in_two_exclusive_groups_is_refused():
    with pytest.raises(ValueError, match="deux groupes exclusifs"):
        W.Constraints(exclusive=(frozenset({"1", "2"}), frozenset({"2", "3"})))


@settings(max_examples=80, deadline=None)
@given(elections(), st.sampled_from(W.RULES), st.integers(0, 100), st.sampled_from(list(W.CategoryMode)))
def test_category_budgets_capped_or_reserved(election, rule, amount, mode):
    projects, ballots, budget = election
    ids = sorted(projects)
    categories = {p: ("parcs",) for p in ids[::2]}
    constraints = W.Constraints(categories=categories, category_budgets={"parcs": Decimal(amount)},
                                category_mode=mode)
    result = W.compute_winners(rule, projects, ballots, budget, constraints=constraints)
    assert result.spent == sum((projects[p] for p in result.winners), Decimal(0)) <= budget
    assert len(set(result.winners)) == len(result.winners)
    assert sorted(p.project_id for p in result.projects) == sorted(projects)
    if mode == W.CategoryMode.CAPPED:
        assert sum((projects[p] for p in result.winners if p in categories), Decimal(0)) <= amount
    assert all(p.explanation() for p in result.projects)


def test_reserved_category_money_goes_first_to_its_projects():
    projects = {"1": Decimal(60), "2": Decimal(40), "3": Decimal(40)}
    ballots = [["1"]] * 5 + [["2"]] * 4 + [["3"]]
    plain = W.greedy(projects, ballots, Decimal(100))
    assert set(plain.winners) == {"1", "2"}
    constraints = W.Constraints(categories={"3": ("jeunesse",)}, category_budgets={"jeunesse": Decimal(40)},
                                category_mode=W.CategoryMode.RESERVED)
    reserved = W.compute_winners("greedy", projects, ballots, Decimal(100), constraints=constraints)
    assert set(reserved.winners) == {"3", "1"}
    assert reserved.details["reserved"][0]["winners"] == ["3"]
    capped = W.compute_winners("greedy", projects, ballots, Decimal(100), constraints=W.Constraints(
        categories={"2": ("jeunesse",), "3": ("jeunesse",)}, category_budgets={"jeunesse": Decimal(30)}))
    assert set(capped.winners) == {"1"}
    assert "catégorie « jeunesse »" in capped.outcome("2").explanation()


def test_rule_labels_are_plain_french():
    assert set(W.RULE_LABELS) == set(W.Rule)
    for rule in W.RULES:
        label = W.rule_label(rule)
        assert label != rule and "mes" not in label.lower() and "glouton" not in label.lower()


@settings(max_examples=80, deadline=None)
@given(elections(), st.sampled_from(["greedy", "mes-completed"]), st.integers(0, 3), st.data())
def test_greedy_walks_stay_exhaustive_under_threshold_and_exclusive_groups(election, rule, min_score, data):
    projects, ballots, budget = election
    ids = sorted(projects)
    group = frozenset(data.draw(st.lists(st.sampled_from(ids), min_size=2, unique=True))) if len(ids) > 1 else None
    constraints = W.Constraints(min_score=min_score, exclusive=(group,) if group else ())
    result = W.compute_winners(rule, projects, ballots, budget, constraints=constraints)
    # every eligible loser that no constraint blocks costs more than the money left
    for outcome in result.projects:
        if outcome.won or outcome.reason in (W.Reason.BELOW_THRESHOLD, W.Reason.EXCLUSIVE):
            continue
        assert outcome.cost > result.leftover, outcome
