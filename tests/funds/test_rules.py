"""Property and example tests of the pure rules (funds/rules.py)."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given
from hypothesis import strategies as st

from backoffice.core.budget import BudgetLine
from funds import rules

money = st.decimals(min_value=Decimal("0"), max_value=Decimal("1000000"), places=2,
                    allow_nan=False, allow_infinity=False)
accounts = st.sampled_from(["60", "61", "62", "64", "70", "75", "860", "864", "870", "871"])


@st.composite
def budgets(draw):
    lines = [BudgetLine(draw(accounts), draw(money)) for _ in range(draw(st.integers(0, 8)))]
    for _ in range(draw(st.integers(0, 3))):
        lines.append(BudgetLine("74", draw(money), funder=draw(st.sampled_from(
            ["etat", "region", "commune", "prive"])), status="requested",
            is_this_authority=draw(st.booleans())))
    return lines


@given(budgets(), st.booleans(), st.booleans())
def test_shares_stay_between_zero_and_one_and_are_exact(lines, volunteering, in_kind):
    shares = rules.compute_shares(lines, volunteering_counts=volunteering, in_kind_counts=in_kind)
    for value in (shares.authority_share, shares.public_share, shares.self_financing_share,
                  shares.self_financing_share_with_in_kind,
                  shares.self_financing_share_without_in_kind):
        assert isinstance(value, Decimal)
        assert Decimal("0") <= value <= Decimal("1")
        assert value == value.quantize(Decimal("0.0001"))
    assert shares.self_financing_share_without_in_kind <= shares.self_financing_share \
        <= shares.self_financing_share_with_in_kind


def _fitting_budget(authority: Decimal, own: Decimal, volunteering: Decimal):
    return [
        BudgetLine("60", authority + own),
        BudgetLine("74", authority, funder="commune", status="requested", is_this_authority=True),
        BudgetLine("75", own),
        BudgetLine("864", volunteering), BudgetLine("870", volunteering),
    ]


RULES = rules.FundRules(max_authority_share=Decimal("0.8"), min_self_financing_share=Decimal("0.2"),
                        max_public_share=Decimal("0.8"), min_amount=Decimal("100"),
                        max_amount=Decimal("50000"))


@given(st.decimals(min_value=Decimal("100"), max_value=Decimal("50000"), places=2),
       st.decimals(min_value=Decimal("0"), max_value=Decimal("100000"), places=2),
       st.decimals(min_value=Decimal("0"), max_value=Decimal("100000"), places=2),
       st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2),
       st.sampled_from([("61", "70"), ("62", "75"), ("864", "870"), ("861", "871")]))
def test_a_fitting_budget_still_fits_after_an_equal_charge_and_resource(
        authority, own, volunteering, extra, pair):
    lines = _fitting_budget(authority, own, volunteering)
    if rules.rule_errors(lines, amount_requested=authority, rules=RULES):
        return  # only budgets that satisfy the rules are the premise
    charge, resource = pair
    grown = [*lines, BudgetLine(charge, extra), BudgetLine(resource, extra)]
    assert rules.rule_errors(grown, amount_requested=authority, rules=RULES) == []


@given(st.decimals(min_value=Decimal("0"), max_value=Decimal("100000"), places=2),
       st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2))
def test_planned_volunteering_is_exact_to_the_cent(hours, rate):
    value = rules.planned_volunteering_value(hours, rate)
    assert value == (hours * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert abs(value - hours * rate) <= Decimal("0.005")
    assert value.as_tuple().exponent == -2


@given(money, money, money)
def test_an_allowed_award_never_exceeds_the_remaining_envelope(amount, requested, remaining):
    errors = rules.award_errors(amount=amount, requested=requested, rules=RULES,
                                remaining=remaining)
    if not errors:
        assert Decimal("0") < amount <= min(requested, remaining, RULES.max_amount)


def test_failing_rules_explain_themselves_in_french():
    lines = [BudgetLine("60", Decimal("1000")),
             BudgetLine("74", Decimal("950"), funder="commune", status="requested",
                        is_this_authority=True),
             BudgetLine("75", Decimal("50"))]
    checks = {c.code: c for c in rules.rule_checks(lines, amount_requested=Decimal("950"),
                                                   rules=RULES)}
    assert not checks["authority_share"].ok
    assert "95\u00a0%" in checks["authority_share"].message
    assert "80\u00a0%" in checks["authority_share"].message
    assert not checks["self_financing"].ok
    assert "au moins 20\u00a0%" in checks["self_financing"].message
    assert not checks["public_share"].ok
    assert checks["amount"].ok and checks["amount_in_budget"].ok


def test_volunteering_counts_only_when_the_fund_says_so():
    lines = _fitting_budget(Decimal("800"), Decimal("0"), Decimal("400"))
    with_v = rules.compute_shares(lines, volunteering_counts=True)
    without = rules.compute_shares(lines, volunteering_counts=False)
    assert with_v.self_financing_share == Decimal("0.3333")
    assert without.self_financing_share == Decimal("0")
    strict = rules.FundRules(min_self_financing_share=Decimal("0.2"), volunteering_counts=False)
    assert rules.rule_errors(lines, amount_requested=Decimal("800"), rules=strict)


def test_amount_limits_and_budget_consistency():
    lines = _fitting_budget(Decimal("60000"), Decimal("60000"), Decimal("0"))
    messages = rules.rule_errors(lines, amount_requested=Decimal("60000"), rules=RULES)
    assert any("dépasse le maximum" in m for m in messages)
    messages = rules.rule_errors(lines, amount_requested=Decimal("5000"), rules=RULES)
    assert any("doivent être égaux" in m for m in messages)


def test_phase_on_and_order():
    dates = {"open": dt.date(2026, 3, 1), "review": dt.date(2026, 4, 1),
             "vote": dt.date(2026, 5, 1), "decision": dt.date(2026, 6, 1),
             "results": dt.date(2026, 6, 15), "closed": dt.date(2026, 12, 31)}
    assert rules.phase_on(dates, dt.date(2026, 2, 1)) == "draft"
    assert rules.phase_on(dates, dt.date(2026, 3, 1)) == "open"
    assert rules.phase_on(dates, dt.date(2026, 5, 2)) == "vote"
    assert rules.phase_after("review", dates) == "vote"
    no_vote = {k: v for k, v in dates.items() if k != "vote"}
    assert rules.phase_after("review", no_vote) == "decision"
    assert rules.phase_dates_errors(dates) == []
    assert rules.phase_dates_errors({**dates, "vote": dt.date(2026, 3, 15)})


def test_version_diff_lists_changed_fields_only():
    before = {"title": "A", "amount_requested": "100.00", "budget": [1]}
    after = {"title": "A", "amount_requested": "90.00", "budget": [1, 2]}
    assert rules.version_diff(before, after) == [("amount_requested", "100.00", "90.00"),
                                                 ("budget", [1], [1, 2])]
