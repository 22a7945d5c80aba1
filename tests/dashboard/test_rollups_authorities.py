"""The rollups per authority: two authorities share one deployment, and random changes of their
conventions, payments, reports, volunteering, applications and awards (including conventions,
calls and funds changing authority) keep each authority's scorecard equal to the one computed
from its own source rows; both add up to the whole deployment's."""

from __future__ import annotations

import pytest
from django.db import connection

from backoffice.core.models import Authority
from conventions.models import Convention
from dashboard import rollups, selectors
from funds.models import Call, Fund
from tests.factories import AuthorityFactory
from tests.funds.factories import CallFactory, FundFactory

from . import oracle
from .test_rollups import TODAY, YEARS, World, _failure

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.services,
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="the rollups are kept by PostgreSQL triggers only"),
]

# Figures that are sums over rows: an authority's part of the whole. Shares, medians and
# percentiles are not.
NOT_ADDITIVE = {"year", "delay_median", "delay_p90", "advance_median_day",
                "decision_median_days"}


def additive(key: str) -> bool:
    return key not in NOT_ADDITIVE and not key.endswith("_share")


def differences(source: list[dict], kept: list[dict], label: str) -> list[str]:
    out = []
    for source_row, kept_row in zip(source, kept, strict=True):
        for key in sorted(set(source_row) | set(kept_row)):
            if source_row.get(key) != kept_row.get(key):
                out.append(f"{label} {source_row['year']} {key}: source rows "
                           f"{source_row.get(key)!r} ≠ rollups {kept_row.get(key)!r}")
    return out


def assert_exact_per_authority(log: list[str], authorities, *, full: bool = False) -> None:
    """Each authority's scorecard from the rollups equals the one from its source rows, the
    whole deployment's too, and the authorities' additive figures sum to the whole's."""
    for year in YEARS:
        whole = selectors.scorecard(year=year, today=TODAY)
        found = differences(oracle.scorecard(year=year, today=TODAY), whole, "toutes")
        parts = []
        for authority in authorities:
            kept = selectors.scorecard(year=year, today=TODAY, authority=authority)
            found += differences(oracle.scorecard(year=year, today=TODAY, authority=authority),
                                 kept, authority.name)
            parts.append(kept)
        for position, row in enumerate(whole):
            for key, value in row.items():
                if additive(key):
                    total = sum(part[position][key] for part in parts)
                    if total != value:
                        found.append(f"{row['year']} {key}: sum of the authorities {total!r} "
                                     f"≠ whole {value!r}")
        assert found == [], _failure(log, found)
    if full:
        found = rollups.check()
        assert found == [], _failure(log, found)


class SharedWorld(World):
    """The random world of ``test_rollups`` shared by two authorities: each convention, call
    and fund belongs to one of them, and they may move from one to the other."""

    def __init__(self, seed: int):
        super().__init__(seed)
        self.fund.name = "Fonds de la commune"
        self.fund.save()
        other = AuthorityFactory(name="Lorient Agglomération")
        self.authorities = [self.authority, other]
        self.funds = [self.fund, FundFactory(authority=other, year_start=2025, year_end=2027,
                                             name="Fonds de l'agglomération")]
        self.calls = [self.call, CallFactory(fund=self.funds[1]), CallFactory(fund=self.funds[1])]

    def op_convention_create(self):
        self.authority = self.choice(self.authorities)
        return super().op_convention_create()

    def op_application_create(self):
        self.call = self.choice(self.calls)
        return super().op_application_create()

    def op_convention_authority(self):
        """A convention (or several at once) passes to the other authority."""
        if self.rng.random() < 0.5:
            conv = self.pick(Convention.objects.all())
            if conv is None:
                return None
            conv.authority = next(a for a in self.authorities if a.pk != conv.authority_id)
            conv.save()
            return f"convention {conv.pk}.save() authority={conv.authority_id}"
        ids = self.some(Convention.objects.all(), most=4)
        if not ids:
            return None
        authority = self.choice(self.authorities)
        n = Convention.objects.filter(pk__in=ids).update(authority=authority)
        return f"conventions {ids}.update(authority={authority.pk}) -> {n}"

    def op_call_fund(self):
        call = self.pick(Call.objects.filter(pk__in=[c.pk for c in self.calls]))
        fund = next(f for f in self.funds if f.pk != call.fund_id)
        n = Call.objects.filter(pk=call.pk).update(fund=fund)
        return f"call {call.pk}.update(fund={fund.pk}) -> {n}"

    def op_fund_authority(self):
        fund = Fund.objects.get(pk=self.choice(self.funds).pk)
        fund.authority = next(a for a in self.authorities if a.pk != fund.authority_id)
        fund.save()
        return f"fund {fund.pk}.save() authority={fund.authority_id}"

    OPERATIONS = {**World.OPERATIONS, "op_convention_authority": 2, "op_call_fund": 1,
                  "op_fund_authority": 1}

    def check(self) -> None:
        assert_exact_per_authority(self.log, self.authorities, full=True)


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_each_authority_reads_its_own_figures_through_random_changes(seed):
    world = SharedWorld(seed)
    world.populate()
    assert Authority.objects.count() == 2
    assert_exact_per_authority(world.log, world.authorities, full=True)
    never = world.run(96, check_every=12)
    assert not never, f"operations never applied: {sorted(never)}\n" + "\n".join(world.log)
    assert_exact_per_authority(world.log, world.authorities, full=True)
    # Both authorities hold figures of their own (the check is not about empty scorecards).
    for authority in world.authorities:
        assert any(selectors.scorecard_year(year=year, today=TODAY, authority=authority)
                   ["years_count"] for year in YEARS)
