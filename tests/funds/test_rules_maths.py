"""Financing shares, fund limits and awards at their boundaries: every share to the ten-thousandth
half up, every limit reached exactly is allowed, one cent beyond is refused with its message."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backoffice.core.budget import BudgetLine
from funds import rules
from tests.rule_tables import table

deterministic = settings(derandomize=True, database=None, deadline=None)
D = Decimal
NB, THIN = "\u00a0", "\u202f"


def authority(amount):
    return BudgetLine("74", D(amount), funder="commune", status="requested",
                      is_this_authority=True)


# 1 200 € of cost (1 000 € charges, 150 € volunteering, 50 € other in-kind) met by 600 € asked
# here, 100 € from the region, 50 € of private aid, 250 € of own money and 200 € in kind.
BUDGET = [
    BudgetLine("60", D("1000")), BudgetLine("864", D("150")), BudgetLine("861", D("50")),
    authority("600"), BudgetLine("74", D("100"), funder="region", status="obtained"),
    BudgetLine("74", D("50"), funder="prive", status="requested"), BudgetLine("75", D("250")),
    BudgetLine("870", D("150")), BudgetLine("871", D("50")),
]


@table("volunteering,in_kind,counted,share", [
    (True, True, "450", "0.3750"),
    (True, False, "400", "0.3333"),
    (False, True, "300", "0.2500"),
    (False, False, "250", "0.2083"),
])
def test_compute_shares_of_a_balanced_budget(volunteering, in_kind, counted, share):
    shares = rules.compute_shares(BUDGET, volunteering_counts=volunteering,
                                  in_kind_counts=in_kind)
    assert shares == rules.Shares(
        total_cost=D("1200"), this_authority=D("600"), public=D("700"),
        self_financing=D(counted), self_financing_cash=D("250"), volunteering=D("150"),
        authority_share=D("0.5000"), public_share=D("0.5833"),
        self_financing_share=D(share), self_financing_share_with_in_kind=D("0.3750"),
        self_financing_share_without_in_kind=D("0.2083"))


def test_shares_count_everything_by_default():
    assert rules.compute_shares(BUDGET).self_financing_share == D("0.3750")


def test_shares_use_the_larger_of_cost_and_resources():
    # Resources above the cost: the basis is the resources (never more than 100 %).
    more_resources = rules.compute_shares([BudgetLine("60", D("100")), BudgetLine("75", D("300"))])
    assert more_resources.self_financing_share == D("1.0000")
    # Cost above the resources: the basis is the cost.
    more_cost = rules.compute_shares([BudgetLine("60", D("400")), BudgetLine("75", D("100"))])
    assert more_cost.self_financing_share == D("0.2500")


def test_volunteering_counts_only_up_to_its_in_kind_counterpart():
    # 864 of 200 € but only 100 € on 870: only 100 € of volunteering can count.
    lines = [BudgetLine("60", D("700")), BudgetLine("864", D("200")), BudgetLine("75", D("800")),
             BudgetLine("870", D("100"))]
    shares = rules.compute_shares(lines, volunteering_counts=True, in_kind_counts=False)
    assert shares.self_financing == D("900")
    assert shares.volunteering == D("200")


def test_shares_round_half_up_to_four_places_and_an_empty_budget_is_zero():
    lines = [BudgetLine("60", D("32")), authority("31"), BudgetLine("75", D("1"))]
    assert rules.compute_shares(lines).self_financing_share == D("0.0313")   # 1/32 = 0,03125
    empty = rules.compute_shares([])
    assert empty.authority_share == D("0") and str(empty.authority_share) == "0.0000"
    # A basis below one euro is still a basis.
    cents = rules.compute_shares([BudgetLine("60", D("0.50")), BudgetLine("75", D("0.50"))])
    assert cents.self_financing_share == D("1.0000")
    zero = rules.compute_shares([BudgetLine("60", D("0")), authority("0")])
    assert str(zero.public_share) == "0.0000"


@deterministic
@given(st.lists(st.decimals(min_value=D("0"), max_value=D("100000"), places=2), min_size=4,
                max_size=4))
def test_shares_are_the_ratios_to_the_basis(amounts):
    charges, asked, own, volunteering = amounts
    lines = [BudgetLine("60", charges), authority(asked), BudgetLine("75", own),
             BudgetLine("864", volunteering), BudgetLine("870", volunteering)]
    shares = rules.compute_shares(lines)
    basis = max(charges + volunteering, asked + own + volunteering)
    if basis:
        assert abs(shares.authority_share - asked / basis) <= D("0.00005")
        assert abs(shares.self_financing_share - (own + volunteering) / basis) <= D("0.00005")
    assert 0 <= shares.authority_share + shares.self_financing_share <= D("1.0001")


@table("share,text", [
    (D("0.8"), f"80{NB}%"), (D("1"), f"100{NB}%"), (D("0"), f"0{NB}%"),
    (D("0.3333"), f"33,3{NB}%"), (D("0.0125"), f"1,3{NB}%"), (D("0.0124"), f"1,2{NB}%"),
    (D("0.12345"), f"12,3{NB}%"), (D("0.0005"), f"0,1{NB}%"),
])
def test_percent(share, text):
    assert rules.percent(share) == text


RULES = rules.FundRules(max_authority_share=D("0.5"), min_self_financing_share=D("0.375"),
                        max_public_share=D("0.5833"), min_amount=D("600"),
                        max_amount=D("600"))


def test_every_limit_reached_exactly_is_allowed():
    checks = rules.rule_checks(BUDGET, amount_requested=D("600"), rules=RULES)
    assert checks == [
        rules.RuleCheck("amount", "Montant dans les limites du fonds", True, ""),
        rules.RuleCheck("amount_in_budget", "Montant demandé inscrit au budget (compte 74)", True,
                        ""),
        rules.RuleCheck("authority_share", "Part de la collectivité", True, ""),
        rules.RuleCheck("public_share", "Part des financements publics", True, ""),
        rules.RuleCheck("self_financing", "Part d'autofinancement", True, ""),
    ]
    assert rules.rule_errors(BUDGET, amount_requested=D("600"), rules=RULES) == []


def test_one_step_beyond_each_limit_is_refused_with_its_message():
    strict = rules.FundRules(max_authority_share=D("0.4999"),
                             min_self_financing_share=D("0.3751"),
                             max_public_share=D("0.5832"), min_amount=D("600.01"),
                             max_amount=D("700"))
    assert rules.rule_errors(BUDGET, amount_requested=D("600"), rules=strict) == [
        f"Le montant demandé (600,00{NB}€) est inférieur au minimum du fonds (600,01{NB}€).",
        f"La collectivité financerait 50{NB}% du coût du projet ; ce fonds en finance au plus "
        f"50{NB}%. Réduisez le montant demandé ou ajoutez d'autres ressources.",
        f"Les aides publiques couvriraient 58,3{NB}% du projet ; ce fonds exige au plus "
        f"58,3{NB}% d'aides publiques cumulées.",
        f"L'autofinancement atteint 37,5{NB}% (bénévolat valorisé et contributions en nature "
        f"compris) ; ce fonds demande au moins 37,5{NB}%.",
    ]


def test_an_amount_above_the_maximum_or_off_the_budget():
    assert rules.rule_errors(BUDGET, amount_requested=D("600.01"), rules=RULES) == [
        f"Le montant demandé (600,01{NB}€) dépasse le maximum du fonds (600,00{NB}€).",
        f"Le budget prévoit 600,00{NB}€ de la collectivité alors que vous demandez "
        f"600,01{NB}€ : les deux doivent être égaux.",
    ]
    no_max = rules.FundRules(max_amount=None)
    assert rules.rule_errors(BUDGET, amount_requested=D("600"), rules=no_max) == []
    checks = rules.rule_checks(BUDGET, amount_requested=D("600"), rules=no_max)
    assert [c.code for c in checks] == ["amount", "amount_in_budget", "authority_share",
                                        "self_financing"]


@table("volunteering,in_kind,counted", [
    (True, False, "bénévolat valorisé compris, autres contributions en nature exclues"),
    (False, False, "sans le bénévolat valorisé ni les contributions en nature"),
])
def test_the_self_financing_message_says_what_counted(volunteering, in_kind, counted):
    fund = rules.FundRules(min_self_financing_share=D("0.9"), volunteering_counts=volunteering,
                           in_kind_counts=in_kind)
    checks = {c.code: c for c in rules.rule_checks(BUDGET, amount_requested=D("600"),
                                                   rules=fund)}
    assert not checks["self_financing"].ok
    assert f"({counted})" in checks["self_financing"].message
    assert f"au moins 90{NB}%." in checks["self_financing"].message


def test_a_fund_that_excludes_in_kind_contributions_is_checked_without_them():
    fund = rules.FundRules(min_self_financing_share=D("0.35"), in_kind_counts=False)
    checks = {c.code: c for c in rules.rule_checks(BUDGET, amount_requested=D("600"),
                                                   rules=fund)}
    assert not checks["self_financing"].ok                 # 33,3 % without the 50 € in kind
    assert f"atteint 33,3{NB}%" in checks["self_financing"].message


@table("hours,rate,value", [
    ("1", "0.125", "0.13"), ("1", "0.124", "0.12"), ("0", "12.02", "0.00"),
    ("10.5", "12.02", "126.21"), ("3", "0", "0.00"),
])
def test_planned_volunteering_value(hours, rate, value):
    assert rules.planned_volunteering_value(D(hours), D(rate)) == D(value)


@table("hours,rate", [("-0.01", "12"), ("1", "-0.01")])
def test_planned_volunteering_refuses_negatives(hours, rate):
    with pytest.raises(ValueError, match="^Heures et taux doivent être positifs.$"):
        rules.planned_volunteering_value(D(hours), D(rate))


AWARD_RULES = rules.FundRules(max_amount=D("5000"))


@table("amount,requested,remaining,fund,message", [
    ("0.01", "0.01", "0.01", AWARD_RULES, None),
    ("5000", "5000", "5000", AWARD_RULES, None),
    ("9000", "9000", "9000", rules.FundRules(), None),
    ("0", "100", "100", AWARD_RULES, "Le montant attribué doit être positif."),
    ("-1", "100", "100", AWARD_RULES, "Le montant attribué doit être positif."),
    ("100.01", "100", "1000", AWARD_RULES,
     f"Le montant attribué (100,01{NB}€) ne peut pas dépasser le montant demandé (100,00{NB}€)."),
    ("5000.01", "6000", "6000", AWARD_RULES,
     f"Le montant attribué dépasse le maximum du fonds (5{THIN}000,00{NB}€)."),
    ("100.01", "200", "100", AWARD_RULES,
     f"L'enveloppe du fonds ne suffit plus : il reste 100,00{NB}€."),
])
def test_award_errors_at_each_limit(amount, requested, remaining, fund, message):
    errors = rules.award_errors(amount=D(amount), requested=D(requested), rules=fund,
                                remaining=D(remaining))
    assert errors == ({} if message is None else {"amount": message})


PHASES = {"open": dt.date(2026, 3, 1), "review": dt.date(2026, 4, 1),
          "decision": dt.date(2026, 6, 1), "closed": dt.date(2026, 12, 31)}


def test_phase_dates_must_strictly_follow_each_other():
    assert rules.phase_dates_errors(PHASES) == []
    assert rules.phase_dates_errors({}) == []
    # the review starts the day after the closing of deposits: the message names that day
    assert rules.phase_dates_errors({**PHASES, "review": dt.date(2026, 3, 1)}) == [
        "La clôture des dépôts (28/02/2026) ne peut pas précéder l'ouverture des dépôts "
        "(01/03/2026)."]
    assert rules.phase_dates_errors({**PHASES, "closed": dt.date(2026, 5, 31)}) == [
        "La clôture de l'appel (31/05/2026) doit venir après le début de la décision "
        "(01/06/2026) : chaque phase commence après la précédente."]
    assert rules.phase_dates_errors({"closed": dt.date(2026, 1, 1),
                                     "open": dt.date(2025, 12, 31)}) == []


@table("today,phase", [
    (dt.date(2026, 2, 28), "draft"), (dt.date(2026, 3, 1), "open"),
    (dt.date(2026, 3, 31), "open"), (dt.date(2026, 4, 1), "review"),
    (dt.date(2026, 12, 31), "closed"), (dt.date(2030, 1, 1), "closed"),
])
def test_phase_on(today, phase):
    assert rules.phase_on(PHASES, today) == phase


def test_phase_on_ignores_undated_phases_and_phase_after_skips_them():
    assert rules.phase_on({"open": dt.date(2026, 3, 1), "vote": None},
                          dt.date(2026, 5, 1)) == "open"
    assert rules.phase_after("draft", PHASES) == "open"
    assert rules.phase_after("review", PHASES) == "decision"
    assert rules.phase_after("decision", PHASES) == "closed"
    assert rules.phase_after("closed", PHASES) is None
    assert rules.phase_after("draft", {}) is None
    with pytest.raises(ValueError):
        rules.phase_after("vote", PHASES)


def test_version_diff_keeps_removed_fields_last():
    before = {"a": 1, "gone": "x", "b": 2}
    after = {"b": 3, "a": 1, "new": None}
    assert rules.version_diff(before, after) == [("b", 2, 3), ("gone", "x", None)]
    assert rules.version_diff({}, {"new": 0}) == [("new", None, 0)]


@table("kind,funder", [
    ("commune", "commune"), ("epci", "commune"), ("departement", "departement"),
    ("region", "region"), ("autre", "commune"),
])
def test_authority_budget_line(kind, funder):
    assert rules.authority_budget_line(D("1500"), name="Ville de Lorient", kind=kind) == (
        BudgetLine("74", D("1500"), "Ville de Lorient", funder=funder, status="requested",
                   is_this_authority=True))
