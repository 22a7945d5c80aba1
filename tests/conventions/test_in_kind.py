"""In-kind aid: recorded and changed only while the convention is a draft, by a finance agent;
the year's aid of all kinds is split into cash and in kind against the threshold."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from backoffice.core.models import AuditEvent
from conventions import services

from .factories import make_convention

pytestmark = pytest.mark.django_db

AID = {"kind": "premises", "description": "Salle Jean-Moulin", "year": 2026,
       "valuation_method": "Tarif municipal : 60 € la soirée × 100 soirées", "account": "870"}


def _letter(authority, organisation, agent, amount, **kwargs):
    return make_convention(authority=authority, organisation=organisation, agent=agent,
                           start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31),
                           amounts=[Decimal(amount)], **kwargs)


def test_summary_splits_cash_and_in_kind_against_the_threshold(authority, organisation, agent):
    convention = _letter(authority, organisation, agent, "18000")
    services.in_kind_aid_add(convention=convention, value="6 000", actor=agent, **AID)
    [row] = services.aid_summary(organisation=organisation, authority=authority, years=[2026])
    assert (row.year, row.cash, row.in_kind, row.total) == (
        2026, Decimal("18000.00"), Decimal("6000.00"), Decimal("24000.00"))
    assert row.threshold == Decimal("23000") and row.requires_convention
    assert services.aid_summary(organisation=organisation, authority=authority,
                                years=[2027])[0].total == Decimal("0.00")


def test_update_rechecks_everything_and_is_audited(authority, organisation, agent):
    convention = _letter(authority, organisation, agent, "18000")
    aid = services.in_kind_aid_add(convention=convention, value="6000", actor=agent, **AID)
    with pytest.raises(ValidationError) as exc:
        services.in_kind_aid_update(aid=aid, actor=agent, **{**AID, "year": 2031,
                                                             "value": "0"})
    assert set(exc.value.message_dict) == {"year", "value"}
    aid.refresh_from_db()
    assert (aid.year, aid.value) == (2026, Decimal("6000.00"))
    services.in_kind_aid_update(aid=aid, actor=agent, value="4 000,50", **AID)
    aid.refresh_from_db()
    assert aid.value == Decimal("4000.50")
    event = AuditEvent.objects.get(event="in_kind_aid_updated")
    assert event.data["before"] == {"year": 2026, "value": "6000.00"}
    assert services.main_document_kind(convention) == "notification"


def test_update_refused_once_sent_and_to_the_association(authority, organisation, agent,
                                                         member):
    convention = _letter(authority, organisation, agent, "18000")
    aid = services.in_kind_aid_add(convention=convention, value="6000", actor=agent, **AID)
    with pytest.raises(PermissionDenied):
        services.in_kind_aid_update(aid=aid, actor=member, value="1", **AID)
    with pytest.raises(PermissionDenied):
        services.in_kind_aid_add(convention=convention, value="1", actor=member, **AID)
    services.convention_transition(convention=convention, to="sent", actor=agent)
    with pytest.raises(ValidationError) as exc:
        services.in_kind_aid_update(aid=aid, actor=agent, value="1", **AID)
    assert "par un avenant" in exc.value.messages[0]
    aid.refresh_from_db()
    assert aid.value == Decimal("6000.00")
