"""The volunteering entry pages as rendered: every help text and error a field points to
(aria-describedby) exists, and no id is used twice."""

import re
from collections import Counter

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _assert_consistent(html: str) -> None:
    ids = Counter(re.findall(r'\sid="([^"]+)"', html))
    assert not [i for i, n in ids.items() if n > 1], "duplicated ids"
    refs = {ref for value in re.findall(r'aria-describedby="([^"]+)"', html)
            for ref in value.split()}
    assert refs <= set(ids), f"missing targets: {refs - set(ids)}"


@pytest.mark.parametrize("name", ["week", "session"])
def test_help_texts_and_errors_have_their_ids(django_app, organisation, admin, volunteers,
                                              today, name):
    page = django_app.get(reverse(f"volunteering:{name}", args=[organisation.pk]), user=admin)
    _assert_consistent(page.text)
    described = set(re.findall(r'aria-describedby="([^"]+)"', page.text))
    assert any("project_reference_helptext" in value for value in described)

    form = next(f for f in page.forms.values() if "activity" in f.fields)
    form["date" if name == "session" else "week"] = "2099-01-01"
    refused = form.submit(status=400)
    _assert_consistent(refused.text)
    assert 'aria-invalid="true"' in refused.text
