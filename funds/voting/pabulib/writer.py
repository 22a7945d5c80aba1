"""Writing participatory-budget instances in the Pabulib ``.pb`` format: the inverse of the reader.

Invariant: ``parse_pb(write_pb(x)) == x``; ``meta_settings`` reads back what
``write_meta_settings`` wrote.
"""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _

from .format import META_RULES, OUR_META_RULE, PabulibInstance


def write_pb(instance: PabulibInstance, *, anonymise_voters: bool = False) -> str:
    """Write an instance as ``.pb`` text (LF line endings, CSV quoting where needed).

    Invariant: ``parse_pb(write_pb(x)) == x``; with ``anonymise_voters`` the voter ids become
    ``1..n`` in ballot order and nothing else changes. Columns keep the order of the first
    project / vote that carries them.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    for key, value in instance.meta.items():
        writer.writerow([key, value])

    writer.writerow(["PROJECTS"])
    extra_columns = _columns(project.extra for project in instance.projects)
    with_name = any(project.name for project in instance.projects) or not instance.projects
    header = ["project_id", "cost"] + (["name"] if with_name else []) + extra_columns
    writer.writerow(header)
    for project in instance.projects:
        if "," in project.id or not project.id:
            raise ValueError(_("Identifiant de projet invalide : « %(id)s ».") % {"id": project.id})
        row = [project.id, str(project.cost)] + ([project.name] if with_name else [])
        writer.writerow(row + [project.extra.get(column, "") for column in extra_columns])

    writer.writerow(["VOTES"])
    extra_columns = _columns(vote.extra for vote in instance.votes)
    with_points = any(vote.points is not None for vote in instance.votes)
    writer.writerow(["voter_id", "vote"] + (["points"] if with_points else []) + extra_columns)
    for number, vote in enumerate(instance.votes, start=1):
        row = [str(number) if anonymise_voters else vote.voter_id, ",".join(vote.vote)]
        if with_points:
            row.append("" if vote.points is None else ",".join(str(p) for p in vote.points))
        writer.writerow(row + [vote.extra.get(column, "") for column in extra_columns])
    return buffer.getvalue()


def _columns(extras) -> list[str]:
    columns: dict[str, None] = {}
    for extra in extras:
        columns.update(dict.fromkeys(extra))
    return list(columns)


def write_meta_settings(meta: dict[str, str], *, rule: str, min_score: int | None,
                        exclusive_groups: list[list[str]], budget_per_category: dict,
                        category_mode: str) -> dict[str, str]:
    """META written back from a call's settings; inverse of :func:`meta_settings`."""
    meta = dict(meta)
    for key in (OUR_META_RULE, "exclusive_groups", "budget_per_category",
                "budget_per_category_mode", "min_project_score_threshold"):
        meta.pop(key, None)
    if META_RULES.get(meta.get("rule", "")) == rule and not (
            meta.get("rule") == "greedy-threshold" and min_score is None) and not (
            meta.get("rule") == "greedy-exclusive" and not exclusive_groups):
        pass   # the file's own name for our rule is kept
    elif rule == "greedy" and exclusive_groups:
        meta["rule"] = "greedy-exclusive"
    elif rule == "greedy" and min_score is not None:
        meta["rule"] = "greedy-threshold"
    else:
        names = [name for name, ours in META_RULES.items() if ours == rule]
        if names:
            meta["rule"] = names[0]
        else:
            meta["rule"], meta[OUR_META_RULE] = "unknown", rule
    if min_score is not None:
        meta["min_project_score_threshold"] = str(min_score)
    if exclusive_groups:
        meta["exclusive_groups"] = "|".join(",".join(group) for group in exclusive_groups)
    if budget_per_category:
        meta["budget_per_category"] = ",".join(f"{name}:{amount}" for name, amount
                                               in budget_per_category.items())
        meta["budget_per_category_mode"] = category_mode
    return meta
