"""Pure rules of conventions: schedules, deadlines, lateness, repayment. No ORM: Decimal, dates
and lists in, plain values out, so property tests can hammer them."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from backoffice.core.money import format_eur

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
ADVANCE, INSTALMENT, BALANCE = "advance", "instalment", "balance"


@dataclass(frozen=True)
class ScheduleItem:
    kind: str
    amount: Decimal
    planned_date: dt.date | None
    waits_for_report: bool = False


def default_imputation(*, nature: str, operating: str, investment: str,
                       fund_account: str = "") -> str:
    """The budget account an award is charged to follows its nature: an equipment subsidy is
    an investment expense (20421/204x), operating, project and engineering subsidies are
    operating expenses (6574). A fund's own account wins when it matches the nature."""
    is_investment = nature == "investissement"
    if fund_account and fund_account.startswith("204") == is_investment:
        return fund_account
    return investment if is_investment else operating


def month_day(text: str) -> tuple[int, int]:
    """'03-31' → (3, 31). Settings store yearly deadlines as MM-DD."""
    month, day = (int(part) for part in text.split("-"))
    return month, day


def on_month_day(year: int, month_day_value: tuple[int, int]) -> dt.date:
    month, day = month_day_value
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def advance_due_date(*, year: int, deadline: tuple[int, int], event_date: dt.date | None,
                     delay_days: int) -> dt.date:
    """When the advance is due: the later of the yearly deadline (31 March by default, State
    practice) and ``delay_days`` after the signature/confirmation event. Never before the
    deadline of its own year."""
    due = on_month_day(year, deadline)
    if event_date is not None:
        due = max(due, event_date + dt.timedelta(days=delay_days))
    return due


def build_schedule(*, amount: Decimal, year: int, advance_rate: Decimal, advance_due: dt.date,
                   balance_date: dt.date, balance_waits_for_report: bool) -> list[ScheduleItem]:
    """The payment schedule of a year: the advance, then the balance.

    Invariants: every amount ≥ 0 and rounded to the cent; the sum is exactly ``amount`` (the
    balance takes the rounding remainder); the advance is ``amount × advance_rate`` to the cent;
    planned dates never go backwards.
    """
    if amount < 0:
        raise ValueError("negative amount")
    if not (0 <= advance_rate <= 1):
        raise ValueError("advance rate outside [0, 1]")
    amount = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    advance = (amount * advance_rate).quantize(CENT, rounding=ROUND_HALF_UP)
    return [ScheduleItem(ADVANCE, advance, advance_due),
            ScheduleItem(BALANCE, amount - advance, max(advance_due, balance_date),
                         balance_waits_for_report)]


def schedule_errors(*, amount: Decimal, items: list[ScheduleItem]) -> list[str]:
    """French messages for a schedule an agent edited: it must sum to the year's amount, have
    no negative line, and keep its dates in order. Empty list = valid."""
    errors = []
    if not items:
        return [_("L'échéancier doit comporter au moins une ligne.")]
    if any(item.amount < 0 for item in items):
        errors.append(_("Un montant d'échéance ne peut pas être négatif."))
    if any(item.amount != item.amount.quantize(CENT) for item in items):
        errors.append(_("Les montants s'expriment en euros et centimes."))
    total = sum((item.amount for item in items), ZERO)
    if total != amount:
        errors.append(_("L'échéancier totalise %(total)s alors que la tranche est de "
                        "%(amount)s : la somme doit être exacte.")
                      % {"total": format_eur(total), "amount": format_eur(amount)})
    dates = [item.planned_date for item in items if item.planned_date is not None]
    if dates != sorted(dates):
        errors.append(_("Les dates de l'échéancier doivent se suivre dans l'ordre."))
    return errors


def due_by(trigger_date: dt.date | None, delay_days: int) -> dt.date | None:
    """Loi 2021-875: a subsidy is paid within 60 days (by default) of its triggering event."""
    if trigger_date is None:
        return None
    return trigger_date + dt.timedelta(days=delay_days)


def payment_state(*, due_by_date: dt.date | None, paid_on: dt.date | None, today: dt.date,
                  soon_days: int) -> str:
    """'late' when paid (or still unpaid) after its due-by date, 'soon' when unpaid and due
    within ``soon_days``, 'ok' otherwise (or 'waiting' with no trigger yet)."""
    if due_by_date is None:
        return "waiting"
    reference = paid_on or today
    if reference > due_by_date:
        return "late"
    if paid_on is None and (due_by_date - today).days <= soon_days:
        return "soon"
    return "ok"


def financial_year_end(*, year: int, year_end: tuple[int, int] = (12, 31)) -> dt.date:
    """The closing date of the organisation's financial year that ends in ``year`` (``year_end``
    is (month, day): (12, 31) for a calendar year, (6, 30) for a school year)."""
    return on_month_day(year, year_end)


def report_due_date(*, year: int, year_end: tuple[int, int] = (12, 31),
                    months: int = 6) -> dt.date:
    """CERFA 15059: the report is due within ``months`` (6) of the end of the funded financial
    year (30 June Y+1 for a calendar year, 31 December Y for a year closing on 30 June); a
    closing on the last day of a month gives a due date on the last day of a month."""
    end = financial_year_end(year=year, year_end=year_end)
    due = add_months(end, months)
    if end.day == calendar.monthrange(end.year, end.month)[1]:
        due = due.replace(day=calendar.monthrange(due.year, due.month)[1])
    return due


def add_months(date: dt.date, months: int) -> dt.date:
    month_index = date.month - 1 + months
    year, month = date.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(date.day, calendar.monthrange(year, month)[1]))


def open_data_deadline(*, signed_on: dt.date, max_yearly: Decimal, threshold: Decimal,
                       months: int, publishes: bool) -> dt.date | None:
    """Décret 2017-779: conventions above €23,000 are published within 3 months of signature
    by authorities of 3,500 inhabitants or more; None when nothing must be published."""
    if not publishes or max_yearly <= threshold:
        return None
    return add_months(signed_on, months)


def requires_convention(*, yearly_amounts: list[Decimal], threshold: Decimal) -> bool:
    """Loi 2000-321 art. 10, décret 2001-495: a written convention above €23,000 in a year."""
    return any(amount > threshold for amount in yearly_amounts)


def annual_amount(*, total: Decimal, yearly: list[Decimal], start: dt.date,
                  end: dt.date) -> Decimal:
    """The annual amount of an aid (décret 2001-495: the threshold applies per year of aid,
    not per calendar year): a project of 12 months or less counts in full, whatever the
    calendar years it straddles; a longer one counts per 12 months of its duration, and never
    less than its largest yearly tranche."""
    if end < add_months(start, 12):
        annualised = total
    else:
        days = (end - start).days + 1
        annualised = (total * 365 / Decimal(days)).quantize(CENT, rounding=ROUND_HALF_UP)
    return max([annualised, *yearly])


def aid_by_year(aids: list[tuple[list[int], Decimal]]) -> dict[int, Decimal]:
    """Loi 2000-321 art. 9-1 and 10: all aid of any kind (cash and in kind) the authority
    grants one organisation, added up per calendar year. ``aids``: (years covered, annual
    amount) of each award, convention or in-kind aid."""
    totals: dict[int, Decimal] = {}
    for years, amount in aids:
        for year in years:
            totals[year] = totals.get(year, ZERO) + amount
    return totals


def calendar_years(start: dt.date, end: dt.date) -> list[int]:
    """The calendar years a convention covers (one tranche per year)."""
    return list(range(start.year, end.year + 1))


def days_per_year(start: dt.date, end: dt.date) -> list[Decimal]:
    """Days of [start, end] falling in each calendar year it covers (the weights that share an
    award between a project's years)."""
    return [Decimal((min(end, dt.date(year, 12, 31)) - max(start, dt.date(year, 1, 1))).days + 1)
            for year in calendar_years(start, end)]


def repayment(*, granted: Decimal, used: Decimal, keep_rate: Decimal) -> tuple[Decimal, Decimal]:
    """(unspent, repayment) of a tranche fully paid. Unspent = granted − used (never
    negative); the organisation keeps up to ``keep_rate × granted`` ("excédent raisonnable",
    loi 2021-875) and repays the rest (CGCT L1611-4). Invariant: 0 ≤ repayment ≤ unspent ≤
    granted. A tranche not fully paid goes through ``repayment_on_paid``."""
    unspent = max(ZERO, granted - used)
    allowed = (granted * keep_rate).quantize(CENT, rounding=ROUND_HALF_UP)
    return unspent, max(ZERO, unspent - allowed)


@dataclass(frozen=True)
class RepaymentSplit:
    unspent: Decimal      # granted − used: what the report says was not used
    entitled: Decimal     # what the organisation may finally receive: used + kept, ≤ granted
    still_payable: Decimal  # what remains to pay on the unpaid lines after the reduction
    cancelled: Decimal    # how much of the unpaid lines is cancelled or reduced
    claim: Decimal        # what was paid beyond the use and the keep-rule: to be repaid


def repayment_on_paid(*, granted: Decimal, paid: Decimal, used: Decimal,
                      keep_rate: Decimal) -> RepaymentSplit:
    """Repayment of money *paid* and not used (CGCT L1611-4): the unpaid lines of the tranche
    are cancelled or reduced first; only what was paid beyond the use and the keep-rule
    ("excédent raisonnable", loi 2021-875) is claimed.

    Invariants: 0 ≤ claim ≤ paid; 0 ≤ cancelled ≤ granted − paid; paid − claim +
    still_payable = entitled ≤ used + kept; cancelled + still_payable = granted − paid.
    """
    if min(granted, paid, used, keep_rate) < 0 or keep_rate > 1:
        raise ValueError("negative amount or rate outside [0, 1]")
    if paid > granted:
        raise ValueError("paid above granted")
    used = min(used, granted)
    kept = (granted * keep_rate).quantize(CENT, rounding=ROUND_HALF_UP)
    entitled = min(granted, used + kept)
    unpaid = granted - paid
    still_payable = max(ZERO, entitled - paid)
    return RepaymentSplit(unspent=granted - used, entitled=entitled,
                          still_payable=still_payable, cancelled=unpaid - still_payable,
                          claim=max(ZERO, paid - entitled))


def cer_withdrawal(*, granted: Decimal, paid: Decimal, start: dt.date, end: dt.date,
                   breach_date: dt.date) -> RepaymentSplit:
    """Withdrawal for a breach of the contrat d'engagement républicain (loi 2000-321 art.
    10-1, décret 2021-1947 art. 5 II): the subsidy is withdrawn pro rata of the period
    remaining after the breach (the days after ``breach_date`` up to ``end``). What is
    withdrawn is first cancelled on the unpaid lines; only what was paid beyond the part kept
    is claimed.

    Invariants: 0 ≤ claim ≤ paid; withdrawn = granted − entitled ∈ [0, granted];
    cancelled + still_payable = granted − paid; paid − claim + still_payable = entitled.
    """
    if not start <= breach_date <= end:
        raise ValueError("breach outside the convention")
    if min(granted, paid) < 0 or paid > granted:
        raise ValueError("paid outside [0, granted]")
    total_days = (end - start).days + 1
    remaining = (end - breach_date).days
    withdrawn = (granted * remaining / Decimal(total_days)).quantize(CENT,
                                                                     rounding=ROUND_HALF_UP)
    entitled = granted - withdrawn
    still_payable = max(ZERO, entitled - paid)
    return RepaymentSplit(unspent=withdrawn, entitled=entitled, still_payable=still_payable,
                          cancelled=granted - paid - still_payable,
                          claim=max(ZERO, paid - entitled))


def reduce_lines(amounts: list[Decimal], cut: Decimal) -> list[Decimal]:
    """Take ``cut`` off unpaid schedule lines, the latest first (the balance goes before the
    advance). Invariant: every part stays ≥ 0 and the total drops by exactly ``cut``."""
    if cut < 0 or cut > sum(amounts, ZERO):
        raise ValueError("cut outside [0, total]")
    result = list(amounts)
    for index in range(len(result) - 1, -1, -1):
        taken = min(result[index], cut)
        result[index] -= taken
        cut -= taken
    return result


@dataclass(frozen=True)
class DueItem:
    """Payments to order sharing a due-by date and a group, as the calendar sees them:
    ``count`` lines totalling ``amount``; ``payable`` when their triggering event has
    passed."""
    due_by: dt.date
    payable: bool
    amount: Decimal
    group: str
    count: int = 1


@dataclass
class Tally:
    count: int = 0
    amount: Decimal = ZERO
    groups: dict[str, list] | None = None

    def add(self, item: DueItem, *, by_group: bool = False) -> None:
        self.count += item.count
        self.amount += item.amount
        if by_group:
            if self.groups is None:
                self.groups = {}
            tally = self.groups.setdefault(item.group, [0, ZERO])
            tally[0] += item.count
            tally[1] += item.amount

    def group_rows(self) -> list[tuple[str, int, Decimal]]:
        return sorted((name, n, amount) for name, (n, amount) in (self.groups or {}).items())


def month_start(date: dt.date) -> dt.date:
    return date.replace(day=1)


def due_calendar(items: list[DueItem], *, today: dt.date, soon_days: int,
                 months: int = 12) -> dict:
    """The payment calendar of the payments to order: 'late' (due before today), 'soon' (due
    within ``soon_days``), 'month' (due from today to the end of this month), then each of
    the ``months`` following months, then 'later'; 'payable_now' counts those whose
    triggering event has passed. Every tally has its count, amount and per-group breakdown.

    Invariant: late, month, the following months and later partition the items (their counts
    and amounts add up exactly to 'total'); 'soon' and 'payable_now' are views across them."""
    first_next = add_months(month_start(today), 1)
    starts = [add_months(first_next, index) for index in range(months)]
    horizon = add_months(first_next, months)
    result = {"late": Tally(), "soon": Tally(), "month": Tally(), "later": Tally(),
              "payable_now": Tally(), "total": Tally(),
              "months": [(start, Tally()) for start in starts]}
    for item in items:
        result["total"].add(item, by_group=True)
        if item.payable:
            result["payable_now"].add(item)
        if today <= item.due_by <= today + dt.timedelta(days=soon_days):
            result["soon"].add(item, by_group=True)
        if item.due_by < today:
            result["late"].add(item, by_group=True)
        elif item.due_by < first_next:
            result["month"].add(item, by_group=True)
        elif item.due_by >= horizon:
            result["later"].add(item, by_group=True)
        else:
            index = (item.due_by.year - first_next.year) * 12 + item.due_by.month - first_next.month
            result["months"][index][1].add(item, by_group=True)
    return result
