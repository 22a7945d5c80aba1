"""A 2 KB workbook declaring A1:XFD1048576, uploaded by an association member to the volunteer
hours import (page and API): a French 400 within seconds and a few megabytes, nothing saved.
Before the bounded reader, openpyxl padded every row to 16 384 columns (+1.4 GB for 10 000
rows, MemoryError for the whole sheet)."""

from __future__ import annotations

import resource
import time
import tracemalloc

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.core.bombs import dimension_bomb, far_cell_bomb
from volunteering.models import VolunteerEntry

pytestmark = pytest.mark.django_db


def _measured(send):
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    started = time.perf_counter()
    response = send()
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    print(f"bomb upload: {elapsed:.2f} s, peak traced {peak / 1048576:.1f} MiB, "
          f"peak RSS growth {rss_growth / 1024:.1f} MiB")
    return response, elapsed, peak, rss_growth


@pytest.mark.parametrize("bomb", [dimension_bomb, far_cell_bomb])
def test_bomb_on_the_import_page_is_a_french_400(client, organisation, member, today, bomb):
    content = bomb()
    assert len(content) < 10_000
    client.force_login(member)
    url = reverse("volunteering:import", args=[organisation.pk])
    response, elapsed, peak, rss_growth = _measured(lambda: client.post(
        url, {"file": SimpleUploadedFile("heures.xlsx", content)}))
    assert response.status_code == 400
    body = response.content.decode()
    assert "dépasse" in body and ("lignes" in body or "colonnes" in body)
    assert elapsed < 5
    assert peak < 40 * 1024 * 1024
    assert rss_growth < 100 * 1024
    assert not VolunteerEntry.objects.exists()


def test_bomb_through_the_api_is_a_french_400(client, organisation, member, today):
    client.force_login(member)
    response, elapsed, peak, _rss = _measured(lambda: client.post(
        "/api/v1/volunteer-entries/import/",
        {"organisation": organisation.pk, "file": SimpleUploadedFile("h.xlsx", dimension_bomb()),
         "dry_run": "false"}))
    assert response.status_code == 400
    assert "lignes" in response.json()["file_errors"][0]
    assert elapsed < 5 and peak < 40 * 1024 * 1024
    assert not VolunteerEntry.objects.exists()


def test_an_upload_over_the_import_size_is_refused_before_being_read(
        client, organisation, member, today, settings):
    settings.VOLUNTEERING_IMPORT_MAX_BYTES = 1000
    client.force_login(member)
    url = reverse("volunteering:import", args=[organisation.pk])
    content = b"date;benevole;heures;activite\n" + b"01/03/2026;Anne;2;animation\n" * 100
    response = client.post(url, {"file": SimpleUploadedFile("heures.csv", content)})
    assert response.status_code == 400
    assert "la limite est de" in response.content.decode()
    response = client.post("/api/v1/volunteer-entries/import/", {
        "organisation": organisation.pk, "file": SimpleUploadedFile("h.csv", content)})
    assert response.status_code == 400
    assert "la limite est de" in response.json()["file"][0]


def test_a_body_over_the_request_limit_is_a_french_413_before_reading(
        client, organisation, member, settings):
    settings.REQUEST_MAX_BODY_BYTES = 10_000
    client.force_login(member)
    content = b"x" * 20_000
    response = client.post(reverse("volunteering:import", args=[organisation.pk]),
                           {"file": SimpleUploadedFile("heures.csv", content)})
    assert response.status_code == 413
    assert "trop volumineuse" in response.content.decode()
    response = client.post("/api/v1/volunteer-entries/import/",
                           {"organisation": organisation.pk,
                            "file": SimpleUploadedFile("h.csv", content)})
    assert response.status_code == 413
    assert "trop volumineuse" in response.json()["detail"]


def test_a_form_body_over_the_memory_limit_is_a_french_413(client, organisation, admin,
                                                           settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client.force_login(admin)
    response = client.patch(f"/api/v1/organisations/{organisation.pk}/",
                            {"object": "x" * 5000}, content_type="application/json")
    assert response.status_code == 413
    assert "trop volumineuse" in response.json()["detail"]


def test_import_page_round_trip_refuses_the_bomb_then_previews_a_real_file(
        django_app, organisation, member, today):
    """The upload form as rendered: the bomb is a French error next to the form, then a real
    workbook is previewed."""
    from tests.core.bombs import workbook

    page = django_app.get(reverse("volunteering:import", args=[organisation.pk]), user=member)
    form = next(f for f in page.forms.values() if "file" in f.fields)
    form["file"] = ("heures.xlsx", dimension_bomb())
    response = form.submit(expect_errors=True)
    assert response.status_code == 400
    assert "lignes" in response.text
    form = next(f for f in response.forms.values() if "file" in f.fields)
    form["file"] = ("heures.xlsx", workbook([["date", "benevole", "heures", "activite"],
                                             ["01/03/2026", "Anne B.", "2", "animation"]]))
    response = form.submit()
    assert response.status_code == 200
    assert "Anne B." in response.text
    assert not VolunteerEntry.objects.exists()   # a preview writes nothing
