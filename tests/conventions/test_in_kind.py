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


def _organisation_page(client, user, organisation):
    from django.urls import reverse

    client.force_login(user)
    return client.get(reverse("core:organisation-detail", args=[organisation.pk]))


def _flat(text: str) -> str:
    return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())


def test_the_organisation_page_shows_its_in_kind_aid_per_year_to_the_staff(
        client, authority, organisation, agent, member):
    from bs4 import BeautifulSoup

    from conventions.models import Convention

    first = _letter(authority, organisation, agent, "5000")
    services.in_kind_aid_add(convention=first, value="6000", actor=agent, **AID)
    services.in_kind_aid_add(convention=first, value="1500,50", actor=agent,
                             **{**AID, "kind": "equipment", "description": "Sono"})
    second = make_convention(authority=authority, organisation=organisation, agent=agent,
                             start=dt.date(2026, 9, 1), end=dt.date(2027, 8, 31),
                             amounts=[Decimal("4000"), Decimal("4000")])
    services.in_kind_aid_add(convention=second, value="2000", actor=agent, **AID)
    services.in_kind_aid_add(convention=second, value="3000", actor=agent,
                             **{**AID, "year": 2027})
    ended = _letter(authority, organisation, agent, "1000")
    services.in_kind_aid_add(convention=ended, value="900", actor=agent, **AID)
    Convention.objects.filter(pk=ended.pk).update(status="terminated")
    _letter(authority, organisation, agent, "1000")          # no aid in kind: not listed

    response = _organisation_page(client, agent, organisation)
    assert response.status_code == 200
    html = BeautifulSoup(response.content, "html.parser")
    rows = [_flat(tr.get_text(" ")) for tr in html.select("#in-kind-years tbody tr")]
    assert rows == ["2026 9 500,50 €", "2027 3 000,00 €"]
    links = {a["href"]: _flat(a.get_text()) for a in html.select("#in-kind-conventions a")}
    assert set(links) == {f"/conventions/{c.pk}/aides-en-nature/" for c in (first, second, ended)}
    items = _flat(html.select_one("#in-kind-conventions").get_text(" "))
    assert f"{first.reference} — aides en nature : 2 aides, 2026, 7 500,50 €" in items
    assert f"{second.reference} — aides en nature : 2 aides, 2026, 2027, 5 000,00 €" in items
    assert "(convention résiliée, hors totaux)" in items

    # The association sees its page without this section.
    page = _organisation_page(client, member, organisation).content.decode()
    assert "h-in-kind" not in page and "aides-en-nature" not in page


def test_the_organisation_page_costs_the_same_queries_for_more_in_kind_aid(
        client, authority, organisation, agent, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    convention = _letter(authority, organisation, agent, "5000")
    services.in_kind_aid_add(convention=convention, value="1000", actor=agent, **AID)
    _organisation_page(client, agent, organisation)           # warm the session and caches
    with CaptureQueriesContext(connection) as few:
        assert _organisation_page(client, agent, organisation).status_code == 200
    for amount in ("2000", "3000", "4000"):
        other = _letter(authority, organisation, agent, amount)
        services.in_kind_aid_add(convention=other, value=amount, actor=agent, **AID)
        services.in_kind_aid_add(convention=other, value="10", actor=agent,
                                 **{**AID, "description": "Vidéoprojecteur"})
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = _organisation_page(client, agent, organisation).content.decode()
    assert page.count("/aides-en-nature/") == 4
