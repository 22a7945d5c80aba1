"""The budget grid of the CERFA 12156 application (and of the CERFA 15059 financial report).

Pure functions, no ORM: a budget is a list of ``BudgetLine`` (account code, amount, and for public
funders on account 74 the funder and whether the amount is requested or obtained). Used by the
application (planned) and by the financial report (realised), so both speak the same grid.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from .money import format_eur

ZERO = Decimal("0.00")

# Charges (classe 6) — CERFA 12156 "budget du projet"
CHARGE_ACCOUNTS = {
    "60": "Achats",
    "61": "Services extérieurs",
    "62": "Autres services extérieurs",
    "63": "Impôts et taxes",
    "64": "Charges de personnel",
    "65": "Autres charges de gestion courante",
    "66": "Charges financières",
    "67": "Charges exceptionnelles",
    "68": "Dotations aux amortissements, provisions et engagements",
}
# Resources (classe 7); 74 is split per public funder below.
RESOURCE_ACCOUNTS = {
    "70": "Ventes de produits finis, prestations de services, marchandises",
    "73": "Dotations et produits de tarification",
    "74": "Subventions d'exploitation",
    "75": "Autres produits de gestion courante (cotisations, dons)",
    "76": "Produits financiers",
    "77": "Produits exceptionnels",
    "78": "Reprises sur amortissements et provisions",
}
# Public co-financers on account 74.
PUBLIC_FUNDERS = {
    "etat": "État",
    "region": "Région",
    "departement": "Département",
    "commune": "Commune ou intercommunalité",
    "ue": "Union européenne",
    "autre_public": "Autres établissements publics",
}
PRIVATE_FUNDER = "prive"  # private aid on 74 (foundations, companies): not public, not own funds
FUNDER_STATUSES = {"requested": "Demandé", "obtained": "Obtenu"}
# Contributions volontaires en nature: 86 (emplois) = 87 (contributions), règlement ANC 2018-06.
IN_KIND_CHARGE_ACCOUNTS = {
    "860": "Secours en nature",
    "861": "Mise à disposition gratuite de biens et services",
    "862": "Prestations",
    "864": "Personnel bénévole",
}
IN_KIND_RESOURCE_ACCOUNTS = {
    "870": "Bénévolat",
    "871": "Prestations en nature",
    "875": "Dons en nature",
}
VOLUNTEERING_CHARGE = "864"
VOLUNTEERING_RESOURCE = "870"
ALL_ACCOUNTS = {**CHARGE_ACCOUNTS, **RESOURCE_ACCOUNTS, **IN_KIND_CHARGE_ACCOUNTS,
                **IN_KIND_RESOURCE_ACCOUNTS}


@dataclass(frozen=True)
class BudgetLine:
    account: str
    amount: Decimal
    label: str = ""
    funder: str = ""  # for account 74: a key of PUBLIC_FUNDERS or PRIVATE_FUNDER
    status: str = ""  # for account 74: "requested" or "obtained"
    is_this_authority: bool = False  # the amount asked from the authority running this software


@dataclass
class BudgetTotals:
    charges: Decimal = ZERO            # 60–68
    resources: Decimal = ZERO          # 70–78
    in_kind_charges: Decimal = ZERO    # 86x
    in_kind_resources: Decimal = ZERO  # 87x
    volunteering: Decimal = ZERO       # 864 (= planned/realised valued volunteering)
    this_authority: Decimal = ZERO     # 74 lines flagged is_this_authority
    public: Decimal = ZERO             # every public 74 line, this authority included
    private_aid: Decimal = ZERO        # 74 private
    own_resources: Decimal = ZERO      # 70, 73, 75–78: the association's own money
    by_funder: dict[str, Decimal] = field(default_factory=dict)
    other_funders: int = 0             # count of 74 lines with an amount, other than this authority

    @property
    def total_cost(self) -> Decimal:
        """Total of the project including valued in-kind contributions (charges + 86)."""
        return self.charges + self.in_kind_charges

    @property
    def total_resources(self) -> Decimal:
        return self.resources + self.in_kind_resources


def account_class(account: str) -> str:
    if account in CHARGE_ACCOUNTS:
        return "charge"
    if account in RESOURCE_ACCOUNTS:
        return "resource"
    if account in IN_KIND_CHARGE_ACCOUNTS:
        return "in_kind_charge"
    if account in IN_KIND_RESOURCE_ACCOUNTS:
        return "in_kind_resource"
    raise ValueError(f"Unknown budget account {account!r}")


def budget_totals(lines: Iterable[BudgetLine]) -> BudgetTotals:
    """Sum a budget by kind. Exact: Decimal in, Decimal out; unknown accounts raise ValueError."""
    totals = BudgetTotals()
    for line in lines:
        amount = line.amount
        kind = account_class(line.account)
        if kind == "charge":
            totals.charges += amount
        elif kind == "in_kind_charge":
            totals.in_kind_charges += amount
            if line.account == VOLUNTEERING_CHARGE:
                totals.volunteering += amount
        elif kind == "in_kind_resource":
            totals.in_kind_resources += amount
        else:
            totals.resources += amount
            if line.account == "74":
                if line.funder == PRIVATE_FUNDER:
                    totals.private_aid += amount
                else:
                    totals.public += amount
                if line.is_this_authority:
                    totals.this_authority += amount
                elif amount > 0:
                    totals.other_funders += 1
                key = line.funder or "autre_public"
                totals.by_funder[key] = totals.by_funder.get(key, ZERO) + amount
            else:
                totals.own_resources += amount
    return totals


def budget_errors(lines: Iterable[BudgetLine]) -> list[str]:
    """French messages for every structural error: negative amounts, unknown accounts, a 74 line
    without a known funder or status, charges ≠ resources, 86 ≠ 87. Empty list = balanced."""
    lines = list(lines)
    errors: list[str] = []
    for line in lines:
        if line.account not in ALL_ACCOUNTS:
            errors.append(_("Compte budgétaire inconnu : %(account)s.") % {"account": line.account})
            continue
        if line.amount < 0:
            errors.append(_("Le montant du compte %(account)s ne peut pas être négatif.")
                          % {"account": line.account})
        if line.account == "74":
            if line.funder not in PUBLIC_FUNDERS and line.funder != PRIVATE_FUNDER:
                errors.append(_("Chaque subvention (compte 74) doit indiquer son financeur."))
            if line.status not in FUNDER_STATUSES:
                errors.append(_("Chaque subvention (compte 74) doit être « demandée » ou "
                                "« obtenue »."))
    if errors:
        return errors
    totals = budget_totals(lines)
    if totals.charges != totals.resources:
        errors.append(_("Le budget n'est pas équilibré : les charges (%(charges)s) doivent être "
                        "égales aux produits (%(resources)s).")
                      % {"charges": format_eur(totals.charges),
                         "resources": format_eur(totals.resources)})
    if totals.in_kind_charges != totals.in_kind_resources:
        errors.append(_("Les contributions volontaires en nature doivent être équilibrées : "
                        "emplois (86, %(charges)s) = contributions (87, %(resources)s).")
                      % {"charges": format_eur(totals.in_kind_charges),
                         "resources": format_eur(totals.in_kind_resources)})
    return errors


# --- One row per line of the grid, shared by the application and the financial report ---------
# A row key is the account ("60", "864") or, on account 74, "74_<funder>" and "74_authority" for
# the amount asked from (or granted by) the authority running this software.
AUTHORITY_ROW = "74_authority"
OWN_RESOURCE_ACCOUNTS = {k: v for k, v in RESOURCE_ACCOUNTS.items() if k != "74"}
FUNDER_ROWS = {f"74_{key}": label for key, label in
               [*PUBLIC_FUNDERS.items(), (PRIVATE_FUNDER, "Aides privées")]}


@dataclass(frozen=True)
class GridRow:
    key: str
    account: str
    label: str
    section: str  # charge, resource, in_kind_charge, in_kind_resource


def grid_rows(authority_name: str = "la collectivité") -> list[GridRow]:
    """Every row of the CERFA grid in printed order: charges, resources (74 split per funder,
    this authority first), in-kind uses (86) and contributions (87)."""
    rows = [GridRow(a, a, label, "charge") for a, label in CHARGE_ACCOUNTS.items()]
    rows += [GridRow(a, a, label, "resource") for a, label in RESOURCE_ACCOUNTS.items()
             if a in ("70", "73")]
    rows.append(GridRow(AUTHORITY_ROW, "74", authority_name, "resource"))
    rows += [GridRow(key, "74", label, "resource") for key, label in FUNDER_ROWS.items()]
    rows += [GridRow(a, a, label, "resource") for a, label in OWN_RESOURCE_ACCOUNTS.items()
             if a not in ("70", "73")]
    rows += [GridRow(a, a, label, "in_kind_charge") for a, label in
             IN_KIND_CHARGE_ACCOUNTS.items()]
    rows += [GridRow(a, a, label, "in_kind_resource") for a, label in
             IN_KIND_RESOURCE_ACCOUNTS.items()]
    return rows


def row_key(line: BudgetLine) -> str:
    """The grid row of a budget line."""
    if line.account != "74":
        return line.account
    if line.is_this_authority:
        return AUTHORITY_ROW
    return f"74_{line.funder or 'autre_public'}"


def amounts_by_row(lines: Iterable[BudgetLine]) -> dict[str, Decimal]:
    """Sum of the lines of each grid row."""
    result: dict[str, Decimal] = {}
    for line in lines:
        key = row_key(line)
        result[key] = result.get(key, ZERO) + line.amount
    return result


def line_of_row(key: str, amount: Decimal, *, status: str = "obtained",
                authority_funder: str = "commune") -> BudgetLine:
    """The budget line of a grid row (74 rows carry their funder; realised aid is obtained)."""
    if key == AUTHORITY_ROW:
        return BudgetLine("74", amount, funder=authority_funder, status=status,
                          is_this_authority=True)
    if key.startswith("74_"):
        return BudgetLine("74", amount, funder=key[3:], status=status)
    return BudgetLine(key, amount, ALL_ACCOUNTS.get(key, ""))


@dataclass(frozen=True)
class Gap:
    planned: Decimal | None
    actual: Decimal
    amount: Decimal | None        # actual − planned
    percent: Decimal | None       # of the planned amount, one decimal; None when nothing planned
    needs_explanation: bool


def budget_gap(planned: Decimal | None, actual: Decimal, limit_percent: Decimal) -> Gap:
    """Arrêté du 11 octobre 2006 art. 2: the gap between the provisional and the actual budget,
    in euros and in percent of the provisional amount. It needs an explanation beyond
    ``limit_percent`` (strictly), or when a line was not planned at all and has an amount.
    No provisional budget (None) means nothing to compare."""
    if planned is None:
        return Gap(None, actual, None, None, False)
    amount = actual - planned
    if planned == 0:
        return Gap(planned, actual, amount, None, actual != 0)
    percent = (amount * 100 / planned).quantize(Decimal("0.1"))
    return Gap(planned, actual, amount, percent, abs(amount * 100) > limit_percent * planned)


def budget_table(lines: Iterable[BudgetLine], *, authority_name: str = "") -> dict:
    """A budget as printed in a document: charges, resources and in-kind contributions apart,
    each line with its label (74 lines name their funder), and the totals."""
    lines = [line for line in lines if line.amount]
    labels = {**ALL_ACCOUNTS}

    def printed(line: BudgetLine) -> dict:
        label = line.label or labels.get(line.account, "")
        if line.account == "74":
            if line.is_this_authority:
                label = authority_name or label
            else:
                label = ("Aides privées" if line.funder == PRIVATE_FUNDER
                         else PUBLIC_FUNDERS.get(line.funder, label))
            if line.status in FUNDER_STATUSES:
                label += f" ({FUNDER_STATUSES[line.status].lower()})"
        return {"account": line.account, "label": label, "amount": line.amount}

    return {"charges": [printed(x) for x in lines if x.account in CHARGE_ACCOUNTS],
            "resources": [printed(x) for x in lines if x.account in RESOURCE_ACCOUNTS],
            "in_kind": [printed(x) for x in lines if x.account in IN_KIND_CHARGE_ACCOUNTS
                        or x.account in IN_KIND_RESOURCE_ACCOUNTS],
            "totals": budget_totals(lines)}
