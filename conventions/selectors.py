"""Reads of the conventions app, scoped by the requesting user; lists at constant queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from backoffice.core.models import MembershipStatus
from volunteering.projects import Project

from . import rules
from .models import (
    Amendment,
    Convention,
    ConventionStatus,
    ConventionYear,
    FinancialReport,
    GeneratedDocument,
    InKindAid,
    Payment,
    PaymentStatus,
    RecoveryStatus,
    ReportStatus,
    ScheduleLine,
)

MONEY = DecimalField(max_digits=14, decimal_places=2)
OPEN_REPORT = (ReportStatus.EXPECTED, ReportStatus.CHANGES_REQUESTED)


def _paid_payment(line_ref: str = "pk"):
    return Payment.objects.filter(line=OuterRef(line_ref), status=PaymentStatus.PAID)


def unpaid_lines() -> QuerySet[ScheduleLine]:
    """Lines not yet paid (no payment in the 'paid' state)."""
    return ScheduleLine.objects.filter(~Exists(_paid_payment()))


def scope_to_user(qs: QuerySet, user, path: str) -> QuerySet:
    if not user.is_authenticated:
        return qs.none()
    if user.works_for_authority:
        return qs
    return qs.filter(**{f"{path}memberships__user": user,
                        f"{path}memberships__status": MembershipStatus.ACTIVE})


def convention_list(*, user, status: str = "", year: int | None = None, organisation=None,
                    late: bool = False, report_overdue: bool = False, search: str = "",
                    authority=None, on: dt.date | None = None) -> QuerySet[Convention]:
    """Conventions the user may see, filtered, with totals and late/overdue flags annotated
    (one query whatever the number of rows)."""
    on = on or timezone.localdate()
    qs = scope_to_user(Convention.objects.select_related("organisation", "authority"), user,
                       "organisation__")
    if authority:
        qs = qs.filter(authority=authority)
    if status:
        qs = qs.filter(status=status)
    if year:
        qs = qs.filter(Exists(ConventionYear.objects.filter(convention=OuterRef("pk"), year=year)))
    if organisation:
        qs = qs.filter(organisation=organisation)
    if search:
        qs = qs.filter(Q(reference__icontains=search) | Q(organisation__name__icontains=search)
                       | Q(object__icontains=search))
    planned = (ConventionYear.objects.filter(convention=OuterRef("pk")).order_by()
               .values("convention").annotate(s=Sum(Coalesce("confirmed_amount",
                                                             "planned_amount"))).values("s"))
    paid = (Payment.objects.filter(line__year__convention=OuterRef("pk"),
                                   status=PaymentStatus.PAID).order_by()
            .values("line__year__convention").annotate(s=Sum("amount")).values("s"))
    late_lines = unpaid_lines().filter(year__convention=OuterRef("pk"), due_by__lt=on)
    overdue = FinancialReport.objects.filter(year__convention=OuterRef("pk"),
                                             status__in=OPEN_REPORT, due_date__lt=on)
    qs = qs.annotate(
        total_amount=Coalesce(Subquery(planned, output_field=MONEY), Value(Decimal("0")),
                              output_field=MONEY),
        total_paid=Coalesce(Subquery(paid, output_field=MONEY), Value(Decimal("0")),
                            output_field=MONEY),
        is_late=Exists(late_lines), has_overdue_report=Exists(overdue),
    )
    if late:
        qs = qs.filter(is_late=True)
    if report_overdue:
        qs = qs.filter(has_overdue_report=True)
    return qs.order_by("-start_date", "reference")


def convention_detail(*, user, pk: int) -> Convention:
    """One convention with its tranches, lines, payments, report, amendments and documents
    loaded; Convention.DoesNotExist when out of scope (→ 404)."""
    lines = ScheduleLine.objects.order_by("position").prefetch_related(
        Prefetch("payments", queryset=Payment.objects.order_by("ordered_on", "pk")))
    years = ConventionYear.objects.order_by("year").select_related("report").prefetch_related(
        Prefetch("lines", queryset=lines), "report__attachments")
    return (scope_to_user(Convention.objects.select_related("organisation", "authority"), user,
                   "organisation__")
            .prefetch_related(Prefetch("years", queryset=years),
                              Prefetch("amendments", queryset=Amendment.objects.order_by("number")),
                              Prefetch("documents", queryset=GeneratedDocument.objects.order_by(
                                  "kind", "-version")))
            .distinct().get(pk=pk))


CALENDAR_GROUPS = ("imputation", "fund")


def payment_calendar(*, on: dt.date | None = None, soon_days: int = 15, months: int = 12,
                     by: str = "imputation", limit: int = 100, authority=None) -> dict:
    """The calendar of the payments to order: built on ``payments_due`` (the export the
    finance software reads), so the calendar and the export agree by construction.
    Tallies per ``rules.due_calendar`` ('late', 'soon', 'month', 'months', 'later',
    'payable_now', 'total'), each with its count, amount and breakdown per imputation or per
    fund (``by``); 'late', 'soon' and 'month' also carry their ``limit`` most urgent lines.
    Four queries whatever the volume: one grouped sum, three short lists."""
    on = on or timezone.localdate()
    base = payments_due(on=on, authority=authority)
    group = ("year__convention__award__fund__name" if by == "fund"
             else "year__convention__imputation")
    outside = _("Hors fonds (convention directe)")
    rows = (base.order_by()
            .annotate(payable=Case(When(trigger_date__lte=on, then=Value(True)),
                                   default=Value(False), output_field=BooleanField()),
                      due=Coalesce("due_by", "trigger_date"))
            .values("due", "payable", group)
            .annotate(n=Count("pk"), total=Sum("amount")))
    items = [rules.DueItem(due_by=row["due"], payable=row["payable"], amount=row["total"],
                           group=row[group] or outside, count=row["n"]) for row in rows]
    tallies = rules.due_calendar(items, today=on, soon_days=soon_days, months=months)
    first_next = rules.add_months(on.replace(day=1), 1)
    lines = base.select_related("year__convention__organisation")
    picks = {
        "late": lines.filter(due_by__lt=on),
        "soon": lines.filter(due_by__gte=on, due_by__lte=on + dt.timedelta(days=soon_days)),
        "month": lines.filter(due_by__gte=on, due_by__lt=first_next),
    }

    def view(tally, key=""):
        row = {"count": tally.count, "amount": tally.amount, "groups": tally.group_rows()}
        if key in picks:
            row["lines"] = list(picks[key][:limit])
        return row

    result = {key: view(tallies[key], key)
              for key in ("late", "soon", "month", "later", "payable_now", "total")}
    result["months"] = [{"start": start, **view(tally)} for start, tally in tallies["months"]]
    return result


def payments_due(*, on: dt.date | None = None, authority=None) -> QuerySet[ScheduleLine]:
    """Payable lines without a payment order yet: what the finance software must mandate —
    of one ``authority`` (each pays from its own budget), or of every one when None.

    Organisations whose bank details changed and are not yet checked against a RIB are left
    out until a finance agent confirms them (see ``payments_on_hold``)."""
    lines = (ScheduleLine.objects.filter(trigger_date__isnull=False)
             .exclude(year__convention__organisation__bank_details_on_hold=True)
             .exclude(payments__status__in=[PaymentStatus.ORDERED, PaymentStatus.PAID])
             .select_related("year__convention__organisation", "year__convention__authority")
             .order_by("due_by", "pk"))
    return lines if authority is None else lines.filter(year__convention__authority=authority)


def payments_on_hold(*, authority=None) -> QuerySet[ScheduleLine]:
    """Payable lines held back because their organisation's new bank details await a check."""
    lines = (ScheduleLine.objects.filter(trigger_date__isnull=False,
                                         year__convention__organisation__bank_details_on_hold=True)
             .exclude(payments__status__in=[PaymentStatus.ORDERED, PaymentStatus.PAID])
             .select_related("year__convention__organisation").order_by("due_by", "pk"))
    return lines if authority is None else lines.filter(year__convention__authority=authority)


def paying_authorities():
    """The authorities that have conventions: more than one, and the payment pages and
    exports are chosen per authority."""
    from backoffice.core.models import Authority

    # EXISTS stops at the first convention of each authority: no join over all of them.
    return Authority.objects.filter(
        Exists(Convention.objects.filter(authority=OuterRef("pk")))).order_by("name")


def financial_reports_overdue(*, organisation, on=None) -> list:
    """Financial reports of ``organisation`` past their due date and not yet received.

    The funds app warns (or blocks) an application from an organisation with an overdue report.
    Returns FinancialReport rows (with ``year.convention`` loaded), oldest first.
    """
    on = on or timezone.localdate()
    return list(FinancialReport.objects.filter(
        year__convention__organisation=organisation, status__in=OPEN_REPORT, due_date__lt=on,
    ).select_related("year__convention").order_by("due_date"))


def reports_to_submit(*, user) -> QuerySet[FinancialReport]:
    """Reports the user's organisations still have to submit (or correct)."""
    return (scope_to_user(FinancialReport.objects.all(), user, "year__convention__organisation__")
            .filter(status__in=OPEN_REPORT)
            .select_related("year__convention__organisation").order_by("due_date").distinct())


def report_detail(*, user, pk: int) -> FinancialReport:
    return (scope_to_user(FinancialReport.objects.all(), user, "year__convention__organisation__")
            .select_related("year__convention__organisation").distinct().get(pk=pk))


def document_detail(*, user, pk: int) -> GeneratedDocument:
    return (scope_to_user(GeneratedDocument.objects.all(), user, "convention__organisation__")
            .select_related("convention").distinct().get(pk=pk))


def latest_document(*, convention: Convention) -> GeneratedDocument | None:
    """The newest ready PDF of the convention's main document (convention or letter)."""
    return (GeneratedDocument.objects.filter(convention=convention, status="ready",
                                             kind__in=["convention", "notification"])
            .order_by("-version").first())


def awards_without_convention(*, user, limit: int = 50):
    """Awards (funds app) to an organisation that have no convention yet, oldest decision
    first: the agents' "one click" list. Empty for anyone outside the authority."""
    from funds.models import Award

    if not getattr(user, "works_for_authority", False):
        return Award.objects.none()
    return (Award.objects.filter(convention__isnull=True,
                                 application__organisation__isnull=False)
            .select_related("application__organisation", "fund__authority")
            .order_by("deliberation_date", "pk")[:limit])


def convention_of_award(*, award) -> Convention | None:
    """The convention created from an award, if any."""
    return Convention.objects.filter(award=award).first()


def report_planned(*, report: FinancialReport) -> dict[str, Decimal] | None:
    """The provisional budget a report is compared with, per grid row: the budget of the
    application the convention was awarded from (CERFA 12156). None when the convention was
    not made from an application (nothing to compare)."""
    from backoffice.core.budget import BudgetLine, amounts_by_row

    convention = report.year.convention
    if convention.award_id is None:
        return None
    from funds.models import ApplicationBudgetLine

    lines = ApplicationBudgetLine.objects.filter(application__award__pk=convention.award_id)
    return amounts_by_row(BudgetLine(line.account, line.amount, funder=line.funder,
                                     status=line.funder_status,
                                     is_this_authority=line.is_this_authority)
                          for line in lines)


def authorities_without_population():
    """Authorities with conventions whose population is not set: the open-data obligation
    (décret 2017-779, 3,500 inhabitants) cannot be decided for them — a missing setting."""
    from backoffice.core.models import Authority

    return (Authority.objects.filter(population__isnull=True)
            .filter(Exists(Convention.objects.filter(authority=OuterRef("pk"))))
            .order_by("name"))


def volunteering_projects(organisation) -> list[Project]:
    """The organisation's conventions volunteers may log hours on: every one, a terminated one
    until its termination date. One query."""
    conventions = (Convention.objects.filter(organisation=organisation)
                   .only("pk", "reference", "object", "start_date", "end_date", "terminated_on",
                         "authority_id")
                   .order_by("start_date", "pk"))
    return [Project(reference=convention.reference,
                    label=_("Convention %(ref)s — %(object)s")
                    % {"ref": convention.reference,
                       "object": Truncator(convention.object).chars(80)},
                    start=convention.start_date,
                    end=convention.terminated_on or convention.end_date,
                    convention_id=convention.pk, authority_id=convention.authority_id)
            for convention in conventions]


def repayment_room(*, convention: Convention) -> dict[str, Decimal]:
    """What a new repayment may still claim (CGCT L1611-4: only money paid): ``paid`` (the
    payments in the 'paid' state), ``claimed`` (what the convention's recoveries ask back: the
    notified amount until the decision, then the decided one; nothing once abandoned) and
    ``room`` = paid − claimed, never below 0. Two queries."""
    paid = Payment.objects.filter(line__year__convention=convention,
                                  status=PaymentStatus.PAID).aggregate(
        total=Coalesce(Sum("amount"), Value(Decimal("0.00")), output_field=MONEY))["total"]
    claimed = Decimal("0.00")
    for recovery in convention.recoveries.all():
        if recovery.status == RecoveryStatus.WAIVED:
            continue
        claimed += (recovery.decided_amount if recovery.decided_amount is not None
                    else recovery.amount)
    return {"paid": paid, "claimed": claimed, "room": max(paid - claimed, Decimal("0.00"))}


def organisation_in_kind_aids(*, organisation, user) -> dict | None:
    """The in-kind aid granted to an organisation, for the authority's staff (None for anyone
    else): the value per authority and year (the conventions not terminated, as in the
    threshold, loi 2000-321 art. 9-1) and each convention with aid in kind, its years and
    value. One query, however many conventions and aids."""
    if not user.works_for_authority:
        return None
    aids = (InKindAid.objects.filter(convention__organisation=organisation)
            .select_related("convention__authority")
            .order_by("convention__authority__name", "convention__reference", "year", "pk"))
    years: dict[tuple[str, int], Decimal] = {}
    conventions: dict[int, dict] = {}
    for aid in aids:
        convention = aid.convention
        terminated = convention.status == ConventionStatus.TERMINATED
        row = conventions.setdefault(convention.pk, {
            "convention": convention, "years": [], "total": Decimal("0.00"),
            "terminated": terminated, "count": 0})
        row["count"] += 1
        row["total"] += aid.value
        if aid.year not in row["years"]:
            row["years"].append(aid.year)
        if not terminated:
            key = (convention.authority.name, aid.year)
            years[key] = years.get(key, Decimal("0.00")) + aid.value
    authorities = {name for name, _year in years}
    return {
        "in_kind_years": [{"authority": name, "year": year, "value": value}
                          for (name, year), value in sorted(years.items(),
                                                            key=lambda item: (item[0][1],
                                                                              item[0][0]))],
        "in_kind_conventions": list(conventions.values()),
        "in_kind_several_authorities": len(authorities) > 1,
    }
