from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from backoffice.core.budget import BudgetLine, budget_errors, budget_totals

amounts = st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False)


def _balanced(charges, own, requested, other_public, volunteering):
    return [
        BudgetLine("60", charges),
        BudgetLine("74", requested, funder="commune", status="requested", is_this_authority=True),
        BudgetLine("74", other_public, funder="region", status="obtained"),
        BudgetLine("75", charges - requested - other_public + own - own),
        BudgetLine("864", volunteering), BudgetLine("870", volunteering),
    ]


def test_balanced_budget_has_no_error_and_right_totals():
    lines = _balanced(D("10000.00"), D(0), D("4000.00"), D("3000.00"), D("1202.00"))
    assert budget_errors(lines) == []
    totals = budget_totals(lines)
    assert totals.total_cost == D("11202.00")
    assert totals.this_authority == D("4000.00") and totals.public == D("7000.00")
    assert totals.own_resources == D("3000.00") and totals.volunteering == D("1202.00")
    assert totals.other_funders == 1


def test_unbalanced_budget_and_in_kind_mismatch_are_reported_in_french():
    errors = budget_errors([BudgetLine("60", D("100.00")), BudgetLine("75", D("90.00")),
                            BudgetLine("864", D("10.00")), BudgetLine("870", D("5.00"))])
    assert any("pas équilibré" in e for e in errors)
    assert any("86" in e and "87" in e for e in errors)


def test_negative_and_unknown_and_funderless_lines():
    errors = budget_errors([BudgetLine("60", D("-1.00")), BudgetLine("99", D("1.00")),
                            BudgetLine("74", D("1.00"))])
    assert any("négatif" in e for e in errors)
    assert any("inconnu" in e for e in errors)
    assert any("financeur" in e for e in errors)


@given(charges=amounts, volunteering=amounts, extra=amounts)
def test_adding_equal_charge_and_resource_keeps_balance(charges, volunteering, extra):
    lines = [BudgetLine("60", charges), BudgetLine("75", charges),
             BudgetLine("864", volunteering), BudgetLine("870", volunteering)]
    assert budget_errors(lines) == []
    assert budget_errors(lines + [BudgetLine("62", extra), BudgetLine("70", extra)]) == []
