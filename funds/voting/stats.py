"""Participation statistics of a vote: turnout per district and age band, ballots per day,
votes per project (tables; the pages draw them with backoffice.core.charts)."""

from __future__ import annotations

from collections import Counter

from django.db.models import Count, Q
from django.db.models.functions import TruncDate

from ..models import Ballot, Call, District, Voter
from . import rules, selectors


def turnout_by_district(call: Call) -> list[tuple[str, int, int]]:
    """(district, registered voters, ballots) — one row per district, or one for the call."""
    rows = (Voter.objects.filter(call=call).values("district__name")
            .annotate(voters=Count("pk"), ballots=Count("ballots"))
            .order_by("district__position", "district__name"))
    names = [d.name for d in District.objects.filter(call=call)]
    found = {r["district__name"]: (r["voters"], r["ballots"]) for r in rows}
    ordered = names + [n for n in found if n not in names]
    return [(name or "—", *found.get(name, (0, 0))) for name in ordered]


def turnout_by_age(call: Call) -> list[tuple[str, int]]:
    """(age band, ballots): age on the first day of the vote, or the age column of an import."""
    day = call.vote_on
    counts: Counter[str] = Counter()
    for birth_date, data in Ballot.objects.filter(call=call).values_list("voter__birth_date",
                                                                          "voter__data"):
        age = None
        if birth_date and day:
            age = rules.age_on(birth_date, day)
        elif data and str(data.get("age", "")).isascii() and str(data.get("age", "")).isdigit():
            age = int(data["age"])
        if age is None and data and data.get("age_band"):
            counts[data["age_band"]] += 1  # a purged voter keeps only their age band
            continue
        counts[rules.age_band(age)] += 1
    return [(label, counts[label]) for label in rules.age_band_labels() if counts[label]]


def ballots_by_day(call: Call) -> list[tuple[str, int, int]]:
    """(day, ballots online, ballots on paper or imported) by the day they were last cast."""
    rows = (Ballot.objects.filter(call=call).annotate(day=TruncDate("cast_at")).values("day")
            .annotate(online=Count("pk", filter=Q(channel="online")),
                      other=Count("pk", filter=~Q(channel="online")))
            .order_by("day"))
    return [(r["day"].strftime("%d/%m/%Y"), r["online"], r["other"]) for r in rows]


def votes_by_project(call: Call) -> list[tuple[str, str, int]]:
    """(project, district, votes) for every project on the ballot, most voted first."""
    counts: Counter[int] = Counter()
    for choices in Ballot.objects.filter(call=call).values_list("choices", flat=True):
        counts.update(choices)
    projects = selectors.ballot_projects(call=call)
    rows = [(p.title, p.district.name if p.district_id else "", counts[p.pk]) for p in projects]
    return sorted(rows, key=lambda r: (-r[2], r[0]))
