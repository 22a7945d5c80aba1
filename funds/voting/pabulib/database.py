"""Pabulib ``.pb`` files in and out of the database (the format itself: funds.voting.pabulib).

Import: one fund and one participatory call per file (envelope from META ``budget``), districts
when every project carries one (equal split of the META budget, as Toulouse's 20 x 400,000 €),
projects keeping the file's ids as ``external_reference``, one voter and one ballot per VOTES row
(bulk inserts). Approval and ``choose-1`` ballots are approvals; cumulative ballots keep their
points; ordinal ballots are stored in their order with their points if any, and the winner rules
read them as the approval of every ranked project (see funds.voting.pabulib.reader).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from backoffice.core.audit import audit_log
from backoffice.core.choices import Nature

from ...models import (
    Application,
    ApplicationStatus,
    Ballot,
    BallotChannel,
    BallotStyle,
    Call,
    CallKind,
    CallPhase,
    District,
    Fund,
    Voter,
)
from .. import selectors
from ..models import VoterSource
from . import (
    PabulibError,
    PabulibInstance,
    PbProject,
    PbVote,
    meta_settings,
    parse_pb,
    write_meta_settings,
)

BATCH = 5000
NULL = "\\N"   # COPY text format
DATE_RE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})")
EXPORTABLE_PHASES = (CallPhase.DECISION, CallPhase.RESULTS, CallPhase.CLOSED)


def _meta_date(meta: dict, key: str) -> dt.date | None:
    match = DATE_RE.match(meta.get(key, "").strip())
    if not match:
        return None
    day, month, year = (int(g) for g in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _title(meta: dict) -> str:
    parts = [meta.get("unit", "").strip(), meta.get("instance", "").strip()]
    subunit = meta.get("subunit", "").strip()
    title = " ".join(p for p in parts if p) or meta.get("description", "").strip() or "Pabulib"
    if subunit:
        title = f"{title} — {subunit}"
    return _("Budget participatif %(name)s") % {"name": title[:170]}


def _districts(instance: PabulibInstance) -> dict[str, Decimal] | None:
    if not instance.projects or any(p.district is None for p in instance.projects):
        return None
    try:
        parts = instance.split_by("district")
    except ValueError as exc:
        raise PabulibError([_("quartiers : %(error)s") % {"error": exc}]) from None
    return {name: part.budget for name, part in parts.items()}


def _whole(text: str, default):
    """A whole number written in ASCII digits (``min_length`` « 3 »), else ``default``."""
    return int(text) if text.isascii() and text.isdigit() else default


def pabulib_import(*, content: str | bytes, authority, actor=None) -> tuple[Call, int, int]:
    """Create a fund, a participatory call, its districts, projects, voters and ballots.

    Invariant: all or nothing — a malformed file raises PabulibError (line-numbered French
    messages) before anything is written, and any later failure rolls the whole import back.
    Returns (call, number of projects, number of ballots).
    """
    instance = parse_pb(content)
    settings = meta_settings(instance, content)
    meta = instance.meta
    begin = _meta_date(meta, "date_begin")
    end = _meta_date(meta, "date_end")
    instance_year = meta.get("instance", "").strip()
    year = begin.year if begin else int(instance_year) if re.fullmatch(r"(19|20)\d\d",
                                                                     instance_year) \
        else timezone.localdate().year
    vote_on = begin or dt.date(year, 1, 1)
    decision_on = end + dt.timedelta(days=1) if end and end > vote_on else \
        vote_on + dt.timedelta(days=30)
    budget = instance.budget
    costs = [p.cost for p in instance.projects]
    vote_type = instance.vote_type
    style = BallotStyle.CUMULATIVE if vote_type == "cumulative" else BallotStyle.APPROVAL
    min_length = meta.get("min_length", "").strip()
    max_length = meta.get("max_length", "").strip()
    if vote_type == "choose-1":
        max_length = "1"
    districts = _districts(instance)

    with transaction.atomic():
        fund = Fund(authority=authority, name=_title(meta)[:200], year_start=year, year_end=year,
                    envelope=budget, natures=[Nature.INVESTMENT.value],
                    budget_imputation="20421", max_authority_share=Decimal(1),
                    min_self_financing_share=Decimal(0), min_amount=Decimal(0),
                    max_amount=max([budget, *costs]))
        fund.full_clean()
        fund.save()
        call = Call(
            fund=fund, kind=CallKind.PARTICIPATORY, title=_title(meta)[:200],
            description=meta.get("description", "").strip() or _("Importé d'un fichier Pabulib."),
            applicant_kinds=["individual", "association"], phase=CallPhase.DECISION,
            opens_on=vote_on - dt.timedelta(days=60), closes_on=vote_on - dt.timedelta(days=31),
            vote_on=vote_on, decision_on=decision_on,
            results_on=decision_on + dt.timedelta(days=1),
            ends_on=decision_on + dt.timedelta(days=365), ballot_style=style,
            min_choices=_whole(min_length, 1), max_choices=_whole(max_length, None),
            winner_rule=settings.rule, min_score=settings.min_score,
            exclusive_groups=settings.exclusive_groups,
            category_budgets={k: str(v) for k, v in settings.budget_per_category.items()},
            category_budget_mode=settings.category_mode, pb_meta=dict(meta))
        call.full_clean()
        call.save()
        by_name = {}
        for position, (name, envelope) in enumerate((districts or {}).items()):
            by_name[name] = District.objects.create(call=call, name=name[:200],
                                                    envelope=envelope, position=position)
        applications = bulk_create_with_history([
            Application(call=call, title=(project.name.strip() or
                                          _("Projet %(id)s") % {"id": project.id})[:200],
                        status=ApplicationStatus.ELIGIBLE, amount_requested=project.cost,
                        nature=Nature.INVESTMENT, external_reference=project.id,
                        district=by_name.get(project.district) if districts else None,
                        pb_data={"name": project.name, **project.extra})
            for project in instance.projects], Application, batch_size=500)
        ids = {a.external_reference: a.pk for a in
               Application.objects.filter(call=call).only("pk", "external_reference")}
        del applications
        count = _ingest_votes(call, instance.votes, ids)
        audit_log(event="pabulib_imported", obj=call, actor=actor,
                  message=_("Import Pabulib : %(projects)s projets, %(ballots)s bulletins")
                  % {"projects": len(ids), "ballots": count},
                  data={"projects": len(ids), "ballots": count})
    return call, len(ids), count


def _ingest_votes(call: Call, votes: list[PbVote], ids: dict[str, int]) -> int:
    """One voter and one ballot per row: COPY on PostgreSQL, bulk inserts elsewhere."""
    if connection.vendor == "postgresql":
        return _copy_votes(call, votes, ids)
    return _bulk_votes(call, votes, ids)


def _bulk_votes(call: Call, votes: list[PbVote], ids: dict[str, int]) -> int:
    now = timezone.now()
    count = 0
    for start in range(0, len(votes), BATCH):
        chunk = votes[start:start + BATCH]
        try:
            voters = Voter.objects.bulk_create([
                Voter(call=call, source=VoterSource.IMPORT, external_id=vote.voter_id[:100],
                      data=vote.extra) for vote in chunk])
        except IntegrityError:
            raise PabulibError([_("VOTES : identifiants de votants en double.")]) from None
        Ballot.objects.bulk_create([
            Ballot(call=call, voter=voter, choices=[ids[p] for p in vote.vote],
                   points=vote.points, channel=BallotChannel.IMPORT, cast_at=now)
            for voter, vote in zip(voters, chunk, strict=True)])
        count += len(chunk)
    return count


def _copy_text(value: str) -> str:
    """A value escaped for COPY's text format (backslash, tab and line breaks)."""
    return (value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            .replace("\r", "\\r"))


def _copy_votes(call: Call, votes: list[PbVote], ids: dict[str, int]) -> int:
    """PostgreSQL COPY of voters then ballots, with voter ids taken from the sequence first
    (COPY returns no ids): an order of magnitude faster than INSERTs for 100,000s of rows."""
    now = timezone.now().isoformat()
    voter_table, ballot_table = Voter._meta.db_table, Ballot._meta.db_table
    prefix = f"{call.pk}\t{VoterSource.IMPORT.value}\t\t\t\tf\t"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT nextval(pg_get_serial_sequence('{voter_table}', 'id')) "
                       "FROM generate_series(1, %s)", [len(votes)])
        voter_ids = [row[0] for row in cursor.fetchall()]
        raw = cursor.cursor
        with raw.copy(f"COPY {voter_table} (id, call_id, source, email, first_name, last_name, "
                      "resident, external_id, data, created_at) FROM STDIN") as copy:
            for start in range(0, len(votes), BATCH):
                copy.write("".join(
                    f"{voter_id}\t{prefix}{_copy_text(vote.voter_id[:100])}\t"
                    f"{_copy_text(json.dumps(vote.extra)) if vote.extra else '{}'}\t{now}\n"
                    for voter_id, vote in zip(voter_ids[start:start + BATCH],
                                              votes[start:start + BATCH], strict=True)))
        tail = f"\t{BallotChannel.IMPORT.value}\t{now}\t{now}\n"
        with raw.copy(f"COPY {ballot_table} (call_id, voter_id, choices, points, channel, "
                      "cast_at, updated_at) FROM STDIN") as copy:
            for start in range(0, len(votes), BATCH):
                copy.write("".join(
                    f"{call.pk}\t{voter_id}\t[{','.join(str(ids[p]) for p in vote.vote)}]\t"
                    f"{NULL if vote.points is None else json.dumps(vote.points)}{tail}"
                    for voter_id, vote in zip(voter_ids[start:start + BATCH],
                                              votes[start:start + BATCH], strict=True)))
    return len(votes)


def pabulib_export(call: Call) -> PabulibInstance:
    """The call as a Pabulib instance: projects still on the ballot, ballots with anonymisable
    voter ids. Invariant: importing ``write_pb`` of it gives the same winners with the same rule.
    """
    if call.phase not in EXPORTABLE_PHASES:
        raise ValueError(_("Le vote n'est pas terminé : l'export Pabulib est disponible après "
                           "le vote."))
    projects = _export_projects(call)
    votes = _export_votes(call, {pk: project.id for pk, project in projects.items()})
    meta = _export_meta(call)
    meta["num_projects"] = str(len(projects))
    meta["num_votes"] = str(len(votes))
    return PabulibInstance(meta=meta, projects=list(projects.values()), votes=votes)


def _export_budget(call: Call) -> Decimal:
    """The envelope of the whole call: the districts' together, or the fund's."""
    districts = selectors.call_districts(call)
    return sum((d.envelope for d in districts), Decimal(0)) if districts else call.fund.envelope


def _export_meta(call: Call) -> dict[str, str]:
    """The imported META (or a description of the call), with the budget, vote type, rule and
    ballot lengths of the call as it is now."""
    meta = dict(call.pb_meta) or {
        "description": call.title, "country": "France", "unit": call.fund.authority.name,
        "instance": str(call.fund.year_start)}
    budget = _export_budget(call)
    if "budget" not in meta or Decimal(meta["budget"]) != budget:
        meta["budget"] = str(budget)
    meta["vote_type"] = _export_vote_type(call, meta.get("vote_type"))
    meta = write_meta_settings(
        meta, rule=call.winner_rule,
        min_score=call.min_score if call.min_score is not None else call.min_votes,
        exclusive_groups=call.exclusive_groups or [],
        budget_per_category=call.category_budgets or {}, category_mode=call.category_budget_mode)
    if call.ballot_style != BallotStyle.CUMULATIVE:
        meta["min_length"] = str(call.min_choices)
        if call.max_choices:
            meta["max_length"] = str(call.max_choices)
    return meta


def _export_vote_type(call: Call, imported: str | None) -> str:
    if call.ballot_style == BallotStyle.CUMULATIVE:
        return "cumulative"
    return imported if imported in ("approval", "ordinal", "choose-1") else "approval"


def _export_projects(call: Call) -> dict[int, PbProject]:
    """Application pk -> the project as written: its Pabulib id (the imported one, else the
    pk), cost, name and columns, its district's name."""
    projects = {}
    for application in selectors.ballot_projects(call=call):
        extra = {k: v for k, v in application.pb_data.items() if k != "name"}
        if application.district_id:
            extra["district"] = application.district.name
        projects[application.pk] = PbProject(
            id=application.external_reference or str(application.pk),
            cost=application.amount_requested,
            name=application.pb_data.get("name") or application.title, extra=extra)
    return projects


def _export_votes(call: Call, names: dict[int, str]) -> list[PbVote]:
    """The ballots in casting order, restricted to the exported projects (a ballot left empty
    is not written); voter ids are left to the writer."""
    votes = []
    rows = (Ballot.objects.filter(call=call).order_by("pk")
            .values_list("choices", "points", "voter__data"))
    for choices, points, data in rows:
        keep = [i for i, c in enumerate(choices) if c in names]
        if not keep:
            continue
        votes.append(PbVote(voter_id="", vote=[names[choices[i]] for i in keep],
                            points=None if points is None else [points[i] for i in keep],
                            extra={k: str(v) for k, v in (data or {}).items()}))
    return votes
