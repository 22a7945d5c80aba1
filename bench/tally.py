"""Winner computation on a large participatory budget: our rules against pabutools.

200,000 seeded approval ballots over 40 projects (1 to 5 choices each, skewed popularity), costs
between 5,000 and 70,000 and an envelope of 800,000. Times greedy and the Method of Equal Shares
with ``funds.voting.rules`` and with pabutools (``Cost_Sat``, same tie-break) on the same instance,
checks both give the same winners, then prints the closing JSON line: value = our MES seconds,
reference = pabutools' MES seconds (goal: ratio <= 1).

Equal Shares with Add1 (``mes-add1``, ``mes-add1-comparison``): timed with both stop rules; the
reference is pabutools' ``exhaustion_by_budget_increase`` of MES with a step of one unit per
voter, which is exactly our Add1 with the exhaustive stop (property-tested in
tests/funds/test_winners_add1.py; here the envelope is a whole number of units per voter); the
winners must be the same (goal: ratio <= 1). Then every rule of the product is computed side by
side, as the staff comparison does (goal: under 5 s at 200,000 ballots).

Ballot ingestion is measured through the real path: the instance written as a ``.pb`` file and
imported with ``funds.voting.pabulib.database.pabulib_import`` (parse, then bulk inserts of voters and
ballots) into a throw-away database; ``ballots_per_second`` in the closing line.

Run: ``python -m bench.tally`` (optional ``--ballots N``).
"""

from __future__ import annotations

import argparse
import random
from decimal import Decimal

from bench.harness import emit, setup_django, timed

SEED = 20221031
PROJECTS = 40
BUDGET = Decimal(800_000)


def generate(ballots: int, seed: int = SEED) -> tuple[dict[str, Decimal], list[list[str]]]:
    """Seeded instance: project id -> cost (multiples of 500) and approval ballots."""
    rng = random.Random(seed)
    projects = {str(100 + i): Decimal(rng.randrange(5_000, 70_001, 500)) for i in range(PROJECTS)}
    ids = list(projects)
    popularity = [rng.lognormvariate(0, 0.8) for _ in ids]
    votes = []
    for _ in range(ballots):
        size = rng.choices((1, 2, 3, 4, 5), weights=(30, 25, 20, 15, 10))[0]
        chosen: set[str] = set()
        while len(chosen) < size:
            chosen.add(rng.choices(ids, weights=popularity)[0])
        votes.append(sorted(chosen))
    return projects, votes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=200_000)
    args = parser.parse_args()
    setup_django()
    from pabutools.election import ApprovalBallot, ApprovalProfile, Cost_Sat, Instance, Project
    from pabutools.fractions import frac
    from pabutools.rules import (
        exhaustion_by_budget_increase,
        greedy_utilitarian_welfare,
        method_of_equal_shares,
    )
    from pabutools.tiebreaking import TieBreakingRule

    from funds.voting import rules as winners

    projects, ballots = generate(args.ballots)
    print(f"# {len(ballots)} approval ballots, {len(projects)} projects, budget {BUDGET}, "
          f"{len({tuple(b) for b in ballots})} distinct ballots", flush=True)

    with timed() as ours_greedy:
        greedy = winners.greedy(projects, ballots, BUDGET)
    with timed() as ours_mes:
        mes = winners.equal_shares(projects, ballots, BUDGET)
    with timed() as ours_completed:
        completed = winners.equal_shares_completed(projects, ballots, BUDGET)

    with timed() as build:
        instance = Instance(budget_limit=frac(int(BUDGET)))
        by_id = {}
        for project_id, cost in projects.items():
            by_id[project_id] = Project(project_id, frac(int(cost)))
            instance.add(by_id[project_id])
        profile = ApprovalProfile([ApprovalBallot(by_id[p] for p in ballot) for ballot in ballots])
    ties = TieBreakingRule(lambda inst, prof, p: (p.cost, winners.id_order_key(p.name)))
    with timed() as their_greedy:
        reference_greedy = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat, tie_breaking=ties)
    with timed() as their_mes:
        reference_mes = method_of_equal_shares(instance, profile, sat_class=Cost_Sat, tie_breaking=ties)

    with timed() as ours_add1_exhaustive:
        add1_exhaustive = winners.equal_shares_add1(projects, ballots, BUDGET, stop_when_exhaustive=True)
    votes = {p: 0 for p in projects}
    for ballot in ballots:
        for p in ballot:
            votes[p] += 1
    add1_ties = TieBreakingRule(lambda inst, prof, p: (p.cost, -votes[p.name], winners.id_order_key(p.name)))
    with timed() as their_add1:
        reference_add1 = exhaustion_by_budget_increase(
            instance, profile, method_of_equal_shares, {"sat_class": Cost_Sat, "tie_breaking": add1_ties},
            budget_step=len(ballots))
    same_add1 = set(add1_exhaustive.winners) == {p.name for p in reference_add1}
    with timed() as ours_add1:
        add1 = winners.compute_winners("mes-add1", projects, ballots, BUDGET)
    with timed() as ours_comparison:
        comparison = winners.compute_winners("mes-add1-comparison", projects, ballots, BUDGET)
    with timed() as every_rule:
        side_by_side = {rule: winners.compute_winners(rule, projects, ballots, BUDGET) for rule in winners.RULES}
    print(f"# mes-add1 (exhaustive stop): ours {ours_add1_exhaustive.seconds:.3f} s, pabutools budget "
          f"increase by one unit per voter {their_add1.seconds:.3f} s (ratio "
          f"{ours_add1_exhaustive.seconds / their_add1.seconds:.4f}), {len(add1_exhaustive.winners)} winners, "
          f"{add1_exhaustive.details['add1_steps']} steps, same winners: {same_add1}")
    print(f"# mes-add1 (Pabulib checker's stop): {ours_add1.seconds:.3f} s, {len(add1.winners)} winners, "
          f"{add1.details['add1_steps']} steps, spent {add1.spent}")
    print(f"# mes-add1-comparison: {ours_comparison.seconds:.3f} s, kept "
          f"{comparison.details['comparison']['kept']} ({comparison.details['comparison']})")
    print(f"# every rule side by side ({len(side_by_side)} rules): {every_rule.seconds:.3f} s — "
          + ", ".join(f"{rule}: {len(r.winners)} winners, {100 * r.covered / r.ballots:.1f} % covered"
                      for rule, r in side_by_side.items()))
    same_greedy = set(greedy.winners) == {p.name for p in reference_greedy}
    same_mes = list(mes.winners) == [p.name for p in reference_mes]
    print(f"# greedy: ours {ours_greedy.seconds:.3f} s, pabutools {their_greedy.seconds:.3f} s "
          f"(ratio {ours_greedy.seconds / their_greedy.seconds:.4f}), {len(greedy.winners)} winners, "
          f"same winners: {same_greedy}")
    print(f"# mes: ours {ours_mes.seconds:.3f} s, pabutools {their_mes.seconds:.3f} s "
          f"(ratio {ours_mes.seconds / their_mes.seconds:.4f}), {len(mes.winners)} winners, "
          f"spent {mes.spent}, same winners: {same_mes}")
    print(f"# mes-completed (ours only; pabutools re-runs MES once per 1 % step): "
          f"{ours_completed.seconds:.3f} s, {len(completed.winners)} winners, spent {completed.spent}")
    print(f"# pabutools instance and profile construction (not counted): {build.seconds:.3f} s")
    if not (same_greedy and same_mes and same_add1):
        raise SystemExit("winners differ from pabutools")
    ingest_seconds = ingest(projects, ballots)
    print(f"# ingestion through import_pabulib's path: {ingest_seconds:.3f} s, "
          f"{len(ballots) / ingest_seconds:.0f} ballots/s")
    emit("tally", value=ours_mes.seconds, unit="s", reference=their_mes.seconds,
         ballots=len(ballots), projects=len(projects),
         greedy_s=round(ours_greedy.seconds, 6), greedy_reference_s=round(their_greedy.seconds, 6),
         mes_completed_s=round(ours_completed.seconds, 6),
         mes_add1_s=round(ours_add1.seconds, 6),
         mes_add1_exhaustive_s=round(ours_add1_exhaustive.seconds, 6),
         mes_add1_reference_s=round(their_add1.seconds, 6),
         mes_add1_ratio=round(ours_add1_exhaustive.seconds / their_add1.seconds, 4),
         mes_add1_comparison_s=round(ours_comparison.seconds, 6),
         every_rule_s=round(every_rule.seconds, 6),
         ballots_per_second=round(len(ballots) / ingest_seconds))


def ingest(projects: dict[str, Decimal], ballots: list[list[str]]) -> float:
    """Seconds to import the instance as a .pb file into a fresh database (parse + inserts)."""
    from bench.harness import bench_database

    with bench_database():
        from backoffice.core.models import Authority
        from funds.models import Ballot
        from funds.voting.pabulib import PabulibInstance, PbProject, PbVote, write_pb
        from funds.voting.pabulib.database import pabulib_import

        text = write_pb(PabulibInstance(
            meta={"description": "bench", "country": "France", "unit": "Bench",
                  "instance": "2026", "num_projects": str(len(projects)),
                  "num_votes": str(len(ballots)), "budget": str(BUDGET),
                  "vote_type": "approval", "rule": "greedy"},
            projects=[PbProject(id=p, cost=c, name=f"Projet {p}") for p, c in projects.items()],
            votes=[PbVote(voter_id=str(i), vote=b) for i, b in enumerate(ballots, start=1)]))
        authority = Authority.objects.create(name="Bench", kind="commune",
                                             siret="21560121400017")
        with timed() as spent:
            call, _count, count = pabulib_import(content=text, authority=authority)
        assert count == len(ballots) == Ballot.objects.filter(call=call).count()
        return spent.seconds


if __name__ == "__main__":
    main()
