"""The application page as rendered: every id a field points to exists once, errors sit on
their fields, and fields required to submit are marked (RGAA 11.10, WCAG 1.3.1 and 3.3.1)."""

import re
from collections import Counter

import pytest

from tests.factories import OrganisationFactory, member_of

from .factories import ApplicationFactory, CallFactory

pytestmark = pytest.mark.django_db

QUESTION = "Combien d'habitants participeront ?"


def _ids(html: str) -> Counter:
    return Counter(re.findall(r'\sid="([^"]+)"', html))


def _references(html: str) -> set[str]:
    refs = set()
    for value in re.findall(r'aria-(?:describedby|labelledby)="([^"]+)"', html):
        refs.update(value.split())
    return refs


def _assert_consistent(html: str) -> None:
    ids = _ids(html)
    assert not [i for i, n in ids.items() if n > 1], "duplicated ids"
    assert _references(html) <= set(ids), f"missing targets: {_references(html) - set(ids)}"


def test_a_refused_submit_links_every_error_to_its_field(django_app):
    call = CallFactory(questions=[QUESTION])
    organisation = OrganisationFactory()
    applicant = member_of(organisation)
    application = ApplicationFactory(call=call, organisation=organisation, applicant=applicant,
                                     summary="", budget=[])
    page = django_app.get(f"/fonds/dossiers/{application.pk}/modifier/", user=applicant)
    _assert_consistent(page.text)
    assert 'id="id_k864_helptext"' in page.text
    summary_field = page.html.find(id="id_summary")
    assert summary_field["aria-required"] == "true"
    assert "*" in page.html.find("label", attrs={"for": "id_summary"}).text

    form = next(f for f in page.forms.values() if "amount_requested" in f.fields)
    form["amount_requested"] = "0"
    form["c60"] = "1000"
    refused = form.submit("action", value="submit", status=400)

    _assert_consistent(refused.text)
    for name in ["summary", "amount_requested", "q_0"]:
        field = refused.html.find(id=f"id_{name}")
        assert field["aria-invalid"] == "true", name
        assert f"id_{name}_error" in field["aria-describedby"].split(), name
    # Two errors on the amount: one error block, one id.
    amount_errors = refused.html.find(id="id_amount_requested_error")
    assert len(amount_errors.find_all("p")) == 2
    summary = refused.html.find(class_="error-summary")
    targets = {a["href"] for a in summary.find_all("a")}
    assert {"#id_summary", "#id_amount_requested", "#id_q_0"} <= targets
    assert "#budget-titre" in targets, summary.prettify()
