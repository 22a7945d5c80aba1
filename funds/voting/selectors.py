"""Reads of the vote: the projects on a voter's ballot, the envelope, the inputs of a computation."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from ..models import (
    Application,
    ApplicationStatus,
    Ballot,
    Call,
    District,
    VoteComputation,
    Voter,
)
from .models import ComputationStatus
from .rules import WinnerResult

ON_BALLOT_STATUSES = (ApplicationStatus.ELIGIBLE, ApplicationStatus.AWARDED)


def ballot_projects(*, call: Call, district: District | None = None) -> QuerySet[Application]:
    """Projects put to the vote: eligible (or already awarded), not withdrawn, of the district."""
    qs = (Application.objects.filter(call=call, status__in=ON_BALLOT_STATUSES, vote_exclusion="")
          .select_related("district", "organisation", "applicant").order_by("district__position",
                                                                             "title", "pk"))
    if district is not None:
        qs = qs.filter(district=district)
    return qs


def ballot_costs(*, call: Call, district: District | None = None) -> dict[str, Decimal]:
    """Project id (as a string) -> cost, for the projects of ``ballot_projects``: what a ballot
    is checked against, in one light query."""
    return {str(pk): cost for pk, cost in ballot_projects(call=call, district=district)
            .select_related(None).values_list("pk", "amount_requested")}


def project_cost(application: Application) -> Decimal:
    """The cost put to the vote: the amount requested (the award can never exceed it)."""
    return application.amount_requested


def call_envelope(call: Call, district: District | None = None) -> Decimal:
    """The envelope a ballot or a computation works with: the district's, or the fund's."""
    if district is not None:
        return district.envelope
    return call.fund.envelope


def call_districts(call: Call) -> list[District]:
    return list(District.objects.filter(call=call))


def voter_for(*, call: Call, user) -> Voter | None:
    if not user.is_authenticated:
        return None
    return (Voter.objects.filter(call=call, user=user).select_related("district")
            .prefetch_related("ballots").first())


def ballot_of(voter: Voter | None) -> Ballot | None:
    if voter is None:
        return None
    return Ballot.objects.filter(voter=voter).first()


def computation_inputs(call: Call) -> list[dict]:
    """One part per district (or one for the whole call): name, budget, costs, ballots.

    Ballots only keep the projects of the part still on the ballot (a withdrawn project's votes
    are dropped) and a ballot left empty there is not counted in that part.
    """
    projects = list(ballot_projects(call=call))
    districts = call_districts(call)
    groups: list[tuple[District | None, list[Application]]]
    if districts:
        groups = [(d, [p for p in projects if p.district_id == d.pk]) for d in districts]
    else:
        groups = [(None, projects)]
    rows = list(Ballot.objects.filter(call=call).order_by("pk").values_list("choices", "points"))
    parts = []
    for district, members in groups:
        ids = {str(p.pk) for p in members}
        ballots: list = []
        for choices, points in rows:
            if points is None:
                kept = [str(c) for c in choices if str(c) in ids]
                if kept:
                    ballots.append(kept)
            else:
                kept_points = {str(c): int(n) for c, n in zip(choices, points, strict=True)
                               if str(c) in ids}
                if kept_points:
                    ballots.append(kept_points)
        parts.append({"district": district.pk if district else None,
                      "name": district.name if district else "",
                      "budget": call_envelope(call, district),
                      "projects": {str(p.pk): project_cost(p) for p in members},
                      "ballots": ballots,
                      "constraints": call_constraints(call, members)})
    return parts


def project_categories(application: Application) -> tuple[str, ...]:
    """A project's categories for category budgets: its Pabulib ``category`` values (comma
    separated) and its district's name."""
    raw = str((application.pb_data or {}).get("category", "") or "")
    values = [part.strip() for part in raw.split(",") if part.strip() and part.strip() != "none"]
    if application.district_id:
        values.append(application.district.name)
    return tuple(dict.fromkeys(values))


def call_constraints(call: Call, members: list[Application]):
    """The call's threshold, exclusive groups and category budgets for these projects, as
    :class:`funds.voting.rules.Constraints` (project ids are application pks as strings; groups are
    stored with the projects' references)."""
    from fractions import Fraction

    from .rules import CategoryMode, Constraints

    by_reference = {}
    for application in members:
        by_reference[str(application.pk)] = str(application.pk)
        if application.external_reference:
            by_reference[application.external_reference] = str(application.pk)
    groups = []
    for group in call.exclusive_groups or []:
        ids = frozenset(by_reference[ref] for ref in group if ref in by_reference)
        if len(ids) > 1:
            groups.append(ids)
    budgets = {name: Decimal(str(amount)) for name, amount in (call.category_budgets or {}).items()}
    return Constraints(
        min_score=call.min_score,
        min_share=Fraction(str(call.min_share)) if call.min_share is not None else None,
        exclusive=tuple(groups),
        categories={str(a.pk): project_categories(a) for a in members} if budgets else {},
        category_budgets=budgets, category_mode=CategoryMode(call.category_budget_mode))


def call_ballot_count(call: Call) -> int:
    return Ballot.objects.filter(call=call).count()


def vote_counts_visible(call: Call) -> bool:
    """Votes per project stay hidden from everyone (pages, API, exports) until the results are
    published, so that no one can influence or anticipate the outcome; turnout is shown."""
    return call.results_published_at is not None


@dataclass(frozen=True)
class ShownResults:
    """The computation a results page shows; ``preview``: not published, shown to an agent."""

    computation: VoteComputation | None
    preview: bool


def shown_results(*, call: Call, user) -> ShownResults:
    """The published computation, or for the authority's agents the latest finished one (a
    preview); nothing for anyone else before publication."""
    if call.results_computation_id:
        return ShownResults(computation=call.results_computation, preview=False)
    if user.is_authenticated and user.works_for_authority:
        latest = (VoteComputation.objects.filter(call=call, status=ComputationStatus.DONE)
                  .order_by("-computed_at", "-pk").first())
        return ShownResults(computation=latest, preview=True)
    return ShownResults(computation=None, preview=False)


def result_tables(computation: VoteComputation) -> list[dict]:
    """The stored result, part by part: ``name``, ``result`` (:class:`WinnerResult`) and
    ``rows`` (``outcome``, ``application`` with its organisation, French ``explanation``,
    ``effective`` support). Two queries whatever the number of projects."""
    parts = computation.parts()
    ids = [int(p["project_id"]) for part in parts for p in part["projects"]]
    applications = {a.pk: a for a in Application.objects.filter(pk__in=ids).select_related(
        "organisation", "applicant")}
    tables = []
    for part in parts:
        result = WinnerResult.from_dict(part)
        rows = [{"outcome": outcome, "application": applications.get(int(outcome.project_id)),
                 "explanation": outcome.explanation(), "effective": _effective_support(outcome)}
                for outcome in result.projects]
        tables.append({"name": part["name"], "result": result, "rows": rows})
    return tables


def _effective_support(outcome) -> int | None:
    """Effective support of a winner (equalshares.net): its cost / the share each full payer
    paid; None for the others."""
    return int(outcome.cost / outcome.share) if outcome.won and outcome.share else None
