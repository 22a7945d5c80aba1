"""Pages: fast entry, validation, import preview then confirm, exports, scoping, queries."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import staff_user
from volunteering.models import EntryStatus, VolunteerEntry

from .factories import EntryFactory

pytestmark = pytest.mark.django_db


def url(name, organisation, *args):
    return reverse(f"volunteering:{name}", args=[organisation.pk, *args])


def test_session_form_logs_a_workshop(client, organisation, admin, volunteers, today,
                                      free_text_projects):
    client.force_login(admin)
    assert client.get(url("session", organisation)).status_code == 200
    response = client.post(url("session", organisation), {
        "date": "2026-03-07", "hours": "3", "activity": "animation",
        "qualification": "employe", "volunteers": [v.pk for v in volunteers],
        "new_names": "Paul D.\nInès B.", "project_reference": "ATELIER"})
    assert response.status_code == 302
    assert VolunteerEntry.objects.filter(project_reference="ATELIER").count() == 5


def test_session_form_bad_input_is_explained(client, organisation, admin, volunteers, today):
    client.force_login(admin)
    response = client.post(url("session", organisation), {
        "date": "2026-04-01", "hours": "-1", "activity": "animation",
        "qualification": "employe", "volunteers": [volunteers[0].pk]})
    assert response.status_code == 400
    assert "strictement positif" in response.content.decode()
    response = client.post(url("session", organisation), {
        "date": "2026-04-01", "hours": "2", "activity": "animation",
        "qualification": "employe", "volunteers": [volunteers[0].pk]})
    assert response.status_code == 400 and "date future" in response.content.decode()
    response = client.post(url("session", organisation), {
        "date": "2026-03-01", "hours": "2", "activity": "animation", "qualification": "employe"})
    assert "au moins un bénévole" in response.content.decode()
    assert not VolunteerEntry.objects.exists()


def test_week_grid_logs_filled_days_only(client, organisation, admin, volunteers, today):
    client.force_login(admin)
    page = client.get(url("week", organisation) + "?semaine=2026-03-04")
    assert page.status_code == 200 and "Du 02/03/2026 au 08/03/2026" in page.content.decode()
    response = client.post(url("week", organisation), {
        "volunteer": volunteers[0].pk, "week": "2026-03-04", "activity": "administration",
        "qualification": "employe", "day_0": "2", "day_2": "1,5", "day_6": ""})
    assert response.status_code == 302
    assert sorted(VolunteerEntry.objects.values_list("date", "hours")) == [
        (dt.date(2026, 3, 2), Decimal("2.00")), (dt.date(2026, 3, 4), Decimal("1.50"))]


def test_week_grid_duplicate_is_flagged_then_confirmed(client, organisation, admin, volunteers,
                                                      today):
    EntryFactory(volunteer=volunteers[0], date=dt.date(2026, 3, 2), activity="administration")
    client.force_login(admin)
    data = {"volunteer": volunteers[0].pk, "week": "2026-03-02", "activity": "administration",
            "qualification": "employe", "day_0": "2"}
    response = client.post(url("week", organisation), data)
    assert response.status_code == 400 and "Doublon probable" in response.content.decode()
    response = client.post(url("week", organisation), {**data, "confirm_duplicates": "on"})
    assert response.status_code == 302


def test_validate_selected_and_all(client, organisation, admin, volunteers):
    drafts = [EntryFactory(volunteer=v) for v in volunteers]
    client.force_login(admin)
    client.post(url("validate", organisation), {"entry": [drafts[0].pk], "action": "selected"})
    assert VolunteerEntry.objects.filter(status=EntryStatus.VALIDATED).count() == 1
    client.post(url("validate", organisation), {"action": "all"})
    assert not VolunteerEntry.objects.filter(status=EntryStatus.DRAFT).exists()
    client.post(url("validate", organisation), {"entry": [drafts[1].pk], "action": "unvalidate"})
    assert VolunteerEntry.objects.get(pk=drafts[1].pk).status == EntryStatus.DRAFT


def test_member_cannot_validate(client, organisation, member, volunteers):
    entry = EntryFactory(volunteer=volunteers[0])
    client.force_login(member)
    assert client.post(url("validate", organisation), {"action": "all"}).status_code == 403
    entry.refresh_from_db()
    assert entry.status == EntryStatus.DRAFT


def test_import_preview_then_confirm(client, organisation, admin, volunteers, today):
    client.force_login(admin)
    content = b"date;benevole;heures;activite\n01/03/2026;Anne B.;2,5;animation\n"
    response = client.post(url("import", organisation),
                           {"file": SimpleUploadedFile("h.csv", content)})
    body = response.content.decode()
    assert response.status_code == 200 and "Aperçu avant import" in body
    assert not VolunteerEntry.objects.exists()
    token = response.context["confirm"].initial["token"]
    response = client.post(url("import", organisation), {"token": token})
    assert response.status_code == 302
    assert VolunteerEntry.objects.get().value == Decimal("30.05")
    # The same token cannot be replayed.
    response = client.post(url("import", organisation), {"token": token}, follow=True)
    assert "plus disponible" in response.content.decode()
    assert VolunteerEntry.objects.count() == 1


def test_import_with_errors_lists_rows(client, organisation, admin, today):
    client.force_login(admin)
    content = b"date;benevole;heures;activite\n01/03/2026;Anne B.;99;animation\n"
    response = client.post(url("import", organisation),
                           {"file": SimpleUploadedFile("h.csv", content)})
    body = response.content.decode()
    assert response.status_code == 400 and "rien n'a été importé" in body
    assert "<td>2</td>" in body and response.context["confirm"] is None


def test_templates_and_exports_download(client, organisation, admin, volunteers):
    EntryFactory(volunteer=volunteers[0], validated=True)
    client.force_login(admin)
    for file_format in ("csv", "xlsx"):
        assert client.get(url("import-template", organisation, file_format)).status_code == 200
        response = client.get(url("export", organisation, file_format))
        assert response.status_code == 200
    assert "Anne B." in client.get(url("export", organisation, "csv")).content.decode("utf-8-sig")


def test_other_organisation_is_404_everywhere(client, organisation, outsider, volunteers):
    EntryFactory(volunteer=volunteers[0])
    client.force_login(outsider)
    for name in ("organisation", "session", "week", "import", "volunteers", "attestations"):
        assert client.get(url(name, organisation)).status_code == 404, name
    assert client.get(url("export", organisation, "csv")).status_code == 404
    assert client.post(url("validate", organisation), {"action": "all"}).status_code == 404


def test_anonymous_is_sent_to_login(client, organisation):
    response = client.get(url("organisation", organisation))
    assert response.status_code == 302 and "/compte/connexion/" in response["Location"]


def test_organisation_page_constant_queries(client, organisation, admin, volunteers,
                                            django_assert_max_num_queries):
    client.force_login(admin)
    for volunteer in volunteers:
        for day in range(1, 11):
            EntryFactory(volunteer=volunteer, date=dt.date(2025, 5, day), validated=day % 2)
    with django_assert_max_num_queries(25):
        response = client.get(url("organisation", organisation))
    assert response.status_code == 200
    body = response.content.decode()
    assert "864" in body and "870" in body


def test_agent_overview_constant_queries_and_exact_sums(client, organisation, admin, member,
                                                        volunteers,
                                                        django_assert_max_num_queries):
    # Two members: the sums must not be multiplied by the memberships join.
    for volunteer in volunteers:
        EntryFactory(volunteer=volunteer, date=dt.date(2025, 5, 1), validated=True)
    EntryFactory(volunteer=volunteers[0], date=dt.date(2025, 5, 2))
    EntryFactory(volunteer=volunteers[0], date=dt.date(2024, 5, 2))  # another year
    client.force_login(staff_user())
    with django_assert_max_num_queries(12):
        response = client.get(reverse("volunteering:index") + "?annee=2025")
    assert response.status_code == 200 and organisation.name in response.content.decode()
    [row] = response.context["overview"]
    assert (row.vol_hours, row.vol_value, row.vol_drafts) == (
        Decimal("9.00"), Decimal("106.92"), 1)


def test_rates_page_agents_add_members_read(client, admin):
    client.force_login(admin)
    assert client.get(reverse("volunteering:rates")).status_code == 200
    assert client.post(reverse("volunteering:rates"), {
        "kind": "smic", "valid_from": "2027-01-01", "value": "12,30"}).status_code == 403
    client.force_login(staff_user())
    response = client.post(reverse("volunteering:rates"), {
        "kind": "smic", "valid_from": "2027-01-01", "value": "12,30"})
    assert response.status_code == 302


def test_method_change_and_revaluation(client, organisation, admin, volunteers, today):
    EntryFactory(volunteer=volunteers[0], date=dt.date(2025, 5, 1), validated=True)
    client.force_login(admin)
    client.post(url("method", organisation), {"valuation_method": "smic_loaded"})
    client.post(url("revalue", organisation), {"year": "2025"})
    entry = VolunteerEntry.objects.get()
    assert (entry.valuation_method, entry.rate) == ("smic_loaded", Decimal("17.23"))


def test_revaluation_without_a_rate_says_so_and_changes_nothing(client, organisation, admin,
                                                                  volunteers, today):
    entry = EntryFactory(volunteer=volunteers[0], date=dt.date(2025, 5, 1), validated=True)
    client.force_login(admin)
    client.post(url("method", organisation), {"valuation_method": "replacement"})
    entry.refresh_from_db()
    before = (entry.valuation_method, entry.rate, entry.value)
    response = client.post(url("revalue", organisation), {"year": "2025"}, follow=True)
    assert response.status_code == 200
    assert "Aucun taux de valorisation" in response.content.decode()
    entry.refresh_from_db()
    assert (entry.valuation_method, entry.rate, entry.value) == before


def test_core_pages_include_volunteering(client, organisation, admin):
    client.force_login(admin)
    body = client.get(reverse("core:space")).content.decode()
    assert reverse("volunteering:organisation", args=[organisation.pk]) in body
    client.force_login(staff_user())
    assert reverse("volunteering:index") in client.get(reverse("core:agent-home")).content.decode()


def test_member_deletes_a_draft_from_the_list(client, organisation, member, volunteers):
    draft = EntryFactory(volunteer=volunteers[0])
    validated = EntryFactory(volunteer=volunteers[1], validated=True)
    client.force_login(member)
    body = client.get(url("organisation", organisation)).content.decode()
    assert url("entry-delete", organisation, draft.pk) in body
    assert url("entry-delete", organisation, validated.pk) not in body
    client.post(url("entry-delete", organisation, draft.pk))
    client.post(url("entry-delete", organisation, validated.pk))
    assert list(VolunteerEntry.objects.values_list("pk", flat=True)) == [validated.pk]


def test_agent_home_card_shows_the_year_total(client, volunteers, today):
    EntryFactory(volunteer=volunteers[0], date=dt.date(2026, 2, 1), validated=True)
    EntryFactory(volunteer=volunteers[1], date=dt.date(2026, 2, 1))
    client.force_login(staff_user())
    body = client.get(reverse("core:agent-home")).content.decode()
    assert "35,64" in body and "1 saisie en attente" in body


def test_known_projects_are_offered_as_a_choice(client, organisation, admin, settings):
    settings.VOLUNTEERING_PROJECT_RESOLVER = "tests.volunteering.projects.periods"
    client.force_login(admin)
    body = client.get(url("session", organisation)).content.decode()
    assert '<option value="CONV-2025">' in body


def test_week_page_lists_what_is_already_logged(client, organisation, admin, volunteers):
    EntryFactory(volunteer=volunteers[0], date=dt.date(2025, 3, 12), hours=Decimal("2.5"))
    EntryFactory(volunteer=volunteers[1], date=dt.date(2025, 3, 12))
    client.force_login(admin)
    response = client.get(url("week", organisation) + f"?semaine=2025-03-10&benevole={volunteers[0].pk}")
    assert [e.volunteer for e in response.context["logged"]] == [volunteers[0]]
    assert "Déjà saisi cette semaine pour Anne B." in response.content.decode()


def test_bad_query_strings_never_fail(client, organisation, admin, volunteers):
    EntryFactory(volunteer=volunteers[0], validated=True)
    client.force_login(admin)
    assert client.get(url("export", organisation, "csv") + "?annee=abc").status_code == 200
    assert client.get(url("organisation", organisation) + "?statut=x&page=zz").status_code == 200
    assert client.get(url("week", organisation) + "?semaine=31-02&benevole=x").status_code == 200
    assert client.get(f"/benevolat/organisations/{organisation.pk}/export.pdf").status_code == 404
    # Years out of range, a non-ASCII digit, weeks at the edge of the calendar.
    assert client.get(url("export", organisation, "csv") + "?annee=²²²²").status_code == 200
    for week in ("0001-01-01", "9999-12-31"):
        assert client.get(url("week", organisation) + f"?semaine={week}").status_code == 200
    assert client.get(url("week", organisation) + "?benevole=²").status_code == 200
    assert client.post(url("validate", organisation), {"entry": "²"}).status_code == 302
    client.force_login(staff_user())
    assert client.get(reverse("volunteering:index") + "?annee=deux").status_code == 200
    for year in ("99999", "-3", "0000"):
        response = client.get(reverse("volunteering:index") + f"?annee={year}")
        assert response.status_code == 200
