"""Setting up funds and calls: French amounts and percentages, the envelope kept above what is
awarded, phase errors on the date that is wrong, next year's copy of a call, who may do it."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from backoffice.core.roles import Role
from funds import rules, services
from funds.forms_setup import FundForm, PercentField
from funds.models import Award, Call, CallPhase, District
from tests.factories import OrganisationFactory, UserFactory, member_of, staff_user

from .factories import ApplicationFactory, CallFactory, FundFactory

pytestmark = pytest.mark.django_db

FUND_DATA = {"name": "Fonds 2027", "year_start": "2027", "year_end": "2027",
             "natures": ["projet"], "budget_imputation": "6574", "max_authority_share": "80",
             "min_self_financing_share": "10", "volunteering_counts": "on",
             "max_amount": "10 000"}


@pytest.mark.parametrize("typed, stored", [
    ("200 000,00", Decimal("200000.00")),
    ("200\u202f000,00", Decimal("200000.00")),
    ("200 000 €", Decimal("200000.00")),
    ("200000.5", Decimal("200000.50")),
    ("200000,5", Decimal("200000.50")),
    ("1.234.567,89", Decimal("1234567.89")),
])
def test_the_envelope_is_read_as_typed_never_multiplied(typed, stored):
    form = FundForm({**FUND_DATA, "envelope": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["envelope"] == stored


@pytest.mark.parametrize("typed, message", [
    ("200.000", "Deux décimales au plus"),        # thousands or decimals? refused, not 200 €
    ("1,234", "Deux décimales au plus"),
    ("deux cent mille", "Saisissez un montant"),
    ("-5", "ne peut pas être négatif"),
    ("1e12", "trop grand"),
])
def test_an_ambiguous_or_unreadable_envelope_is_refused_in_french(typed, message):
    form = FundForm({**FUND_DATA, "envelope": typed})
    assert not form.is_valid()
    assert message in " ".join(form.errors["envelope"])


@pytest.mark.parametrize("typed, share", [
    ("80", Decimal("0.8000")), ("80 %", Decimal("0.8000")), ("12,5", Decimal("0.1250")),
    ("33.33", Decimal("0.3333")), ("0", Decimal("0.0000")), ("100", Decimal("1.0000")),
])
def test_shares_are_typed_as_percentages_and_stored_as_fractions(typed, share):
    assert PercentField().clean(typed) == share


@pytest.mark.parametrize("typed, message", [
    ("120", "compris entre 0 et 100"), ("-1", "compris entre 0 et 100"),
    ("12,345", "Deux décimales"), ("beaucoup", "Saisissez un pourcentage"),
])
def test_a_wrong_percentage_is_refused_in_french(typed, message):
    with pytest.raises(ValidationError) as error:
        PercentField().clean(typed)
    assert message in " ".join(error.value.messages)


def test_a_stored_share_is_shown_as_a_percentage():
    field = PercentField()
    assert field.prepare_value(Decimal("0.8000")) == "80"
    assert field.prepare_value(Decimal("0.1250")) == "12,5"


def _award(fund, amount):
    application = ApplicationFactory(call=CallFactory(fund=fund), eligible=True)
    return Award.objects.create(
        application=application, fund=fund, amount=amount, nature="projet",
        deliberation_reference="DEL-1", deliberation_date=dt.date(2026, 3, 1),
        awarded_by=staff_user(Role.DECISION_MAKER), awarded_at=timezone.now())


def test_the_envelope_never_goes_below_what_is_awarded_with_the_admins_message():
    fund = FundFactory(envelope=Decimal("100000.00"))
    _award(fund, Decimal("60000.00"))
    agent = staff_user(Role.FINANCE_AGENT)
    with pytest.raises(ValidationError) as error:
        services.fund_update(fund=fund, actor=agent, data={"envelope": Decimal("59999.99")})
    # One rule, one message: the one Fund.clean gives the admin.
    fund.envelope = Decimal("59999.99")
    with pytest.raises(ValidationError) as admin_error:
        fund.full_clean()
    assert error.value.message_dict["envelope"] == admin_error.value.message_dict["envelope"]
    assert "déjà attribué (60\u202f000,00\u00a0€)" in error.value.message_dict["envelope"][0]
    fund.refresh_from_db()
    assert fund.envelope == Decimal("100000.00")
    services.fund_update(fund=fund, actor=agent, data={"envelope": Decimal("60000.00")})
    fund.refresh_from_db()
    assert fund.envelope == Decimal("60000.00")


def test_a_stale_fund_form_changes_nothing():
    fund = FundFactory(envelope=Decimal("100000.00"))
    agent = staff_user(Role.FINANCE_AGENT)
    from backoffice.core.versioning import object_version

    opened = object_version(fund)
    services.fund_update(fund=fund, actor=agent, data={"name": "Renommé"}, version=opened)
    with pytest.raises(ValidationError) as error:
        services.fund_update(fund=fund, actor=agent, data={"envelope": Decimal("1.00")},
                             version=opened)
    assert "Rien n'a été enregistré" in error.value.message_dict["version"][0]
    fund.refresh_from_db()
    assert fund.envelope == Decimal("100000.00")


def _call_dates(**changes):
    dates = {"opens_on": dt.date(2026, 3, 1), "closes_on": dt.date(2026, 3, 31),
             "decision_on": dt.date(2026, 5, 1), "results_on": dt.date(2026, 6, 1),
             "ends_on": dt.date(2026, 12, 31)}
    return {**dates, **changes}


@pytest.mark.parametrize("changes, field, text", [
    ({"decision_on": dt.date(2026, 3, 15)}, "decision_on",
     "Le début de la décision (15/03/2026) doit venir après le premier jour de l'instruction"),
    ({"opens_on": dt.date(2027, 3, 1)}, "opens_on",
     "L'ouverture des dépôts (01/03/2027) ne peut pas suivre la clôture des dépôts"),
    ({"closes_on": dt.date(2026, 2, 1)}, "closes_on",
     "La clôture des dépôts (01/02/2026) ne peut pas précéder l'ouverture des dépôts"),
    ({"results_on": dt.date(2026, 4, 1)}, "results_on",
     "La publication des résultats (01/04/2026) doit venir après le début de la décision"),
    ({"ends_on": dt.date(2026, 5, 20)}, "ends_on",
     "La clôture de l'appel (20/05/2026) doit venir après la publication des résultats"),
])
def test_a_phase_date_out_of_order_is_reported_on_that_date(changes, field, text):
    call = CallFactory.build(fund=FundFactory(), **_call_dates(**changes))
    with pytest.raises(ValidationError) as error:
        call.full_clean()
    assert list(error.value.message_dict) == [field]
    assert text in error.value.message_dict[field][0]


def test_a_vote_date_out_of_order_is_reported_on_the_vote_date():
    call = CallFactory.build(fund=FundFactory(), participatory=True,
                             vote_on=dt.date(2026, 3, 10), **_call_dates())
    with pytest.raises(ValidationError) as error:
        call.full_clean()
    assert list(error.value.message_dict) == ["vote_on"]


def test_phase_order_rule_blames_the_fewest_dates_and_the_later_of_a_swap():
    dates = {"open": dt.date(2026, 3, 1), "review": dt.date(2026, 4, 1),
             "decision": dt.date(2026, 6, 2), "results": dt.date(2026, 6, 1),
             "closed": dt.date(2026, 12, 31)}
    assert list(rules.phase_order_errors(dates)) == ["results"]
    assert rules.phase_order_errors({**dates, "results": dt.date(2026, 6, 3)}) == {}


def test_shift_year_handles_29_february_and_titles_move_on():
    assert rules.shift_year(dt.date(2028, 2, 29)) == dt.date(2029, 2, 28)
    assert rules.shift_year(dt.date(2027, 2, 28)) == dt.date(2028, 2, 28)
    assert rules.title_shifted("Appel 2025-2026", new_year=2026) == "Appel 2026-2027"
    assert rules.title_shifted("Appel à initiatives", new_year=2029) == (
        "Appel à initiatives 2029")


@time_machine.travel(dt.datetime(2027, 6, 1, 10, tzinfo=dt.UTC), tick=False)
def test_duplicate_shifts_every_date_copies_the_settings_and_publishes_nothing():
    fund = FundFactory(year_start=2028, year_end=2028)
    call = CallFactory(
        fund=fund, participatory=True, title="Budget participatif 2028",
        phase=CallPhase.RESULTS, questions=["Quel quartier ?"], required_documents=["rib"],
        max_choices=3, voter_residence="Lorient", results_published_at=timezone.now(),
        exclusive_groups=[["P1", "P2"]], opens_on=dt.date(2028, 1, 10),
        closes_on=dt.date(2028, 2, 29), vote_on=dt.date(2028, 4, 1),
        decision_on=dt.date(2028, 5, 1), results_on=dt.date(2028, 6, 1),
        ends_on=dt.date(2028, 12, 31))
    District.objects.create(call=call, name="Merville", envelope=Decimal("50000.00"))
    copy = services.call_duplicate(call=call, actor=staff_user(Role.FINANCE_AGENT))
    assert (copy.title, copy.phase, copy.fund) == ("Budget participatif 2029", CallPhase.DRAFT,
                                                   fund)
    assert (copy.opens_on, copy.closes_on, copy.vote_on, copy.decision_on, copy.results_on,
            copy.ends_on) == (dt.date(2029, 1, 10), dt.date(2029, 2, 28), dt.date(2029, 4, 1),
                              dt.date(2029, 5, 1), dt.date(2029, 6, 1), dt.date(2029, 12, 31))
    assert copy.questions == ["Quel quartier ?"]
    assert copy.required_documents == ["rib"]
    assert copy.applicant_kinds == call.applicant_kinds
    assert (copy.kind, copy.max_choices, copy.voter_residence) == (call.kind, 3, "Lorient")
    assert copy.results_published_at is None and copy.exclusive_groups == []
    assert list(copy.districts.values_list("name", "envelope")) == [
        ("Merville", Decimal("50000.00"))]
    call.refresh_from_db()
    assert call.phase == CallPhase.RESULTS


@time_machine.travel(dt.datetime(2027, 6, 1, 10, tzinfo=dt.UTC), tick=False)
def test_a_copy_that_would_open_at_once_is_refused():
    call = CallFactory(opens_on=dt.date(2026, 1, 10), closes_on=dt.date(2026, 2, 10),
                       decision_on=dt.date(2026, 3, 1), results_on=dt.date(2026, 4, 1),
                       ends_on=dt.date(2026, 12, 31), phase=CallPhase.CLOSED)
    with pytest.raises(ValidationError) as error:
        services.call_duplicate(call=call, actor=staff_user(Role.FINANCE_AGENT))
    assert "déjà passée" in error.value.message_dict["opens_on"][0]
    assert Call.objects.count() == 1


def test_once_applied_the_questions_and_the_kind_stay():
    call = CallFactory(questions=["Pour qui ?"])
    ApplicationFactory(call=call)
    with pytest.raises(ValidationError) as error:
        services.call_update(call=call, actor=staff_user(Role.FINANCE_AGENT),
                             data={"questions": ["Autre chose ?"]})
    assert "Des dossiers ont déjà été déposés" in error.value.message_dict["questions"][0]
    services.call_update(call=call, actor=staff_user(Role.FINANCE_AGENT),
                         data={"questions": ["Pour qui ?"], "title": "Nouveau titre"})
    call.refresh_from_db()
    assert call.title == "Nouveau titre"


@pytest.mark.parametrize("role", [Role.INSTRUCTOR, Role.DECISION_MAKER, Role.APPLICANT])
def test_only_finance_agents_and_administrators_set_up_funds(role):
    fund = FundFactory()
    with pytest.raises(PermissionDenied):
        services.fund_update(fund=fund, actor=staff_user(role), data={"name": "Non"})
    with pytest.raises(PermissionDenied):
        services.call_duplicate(call=CallFactory(fund=fund), actor=staff_user(role))


def _pages(fund, call):
    return [reverse("funds:fund-list"), reverse("funds:fund-create"),
            reverse("funds:fund-detail", args=[fund.pk]),
            reverse("funds:fund-edit", args=[fund.pk]),
            reverse("funds:call-create", args=[fund.pk]),
            reverse("funds:call-edit", args=[call.pk]),
            reverse("funds:call-duplicate", args=[call.pk])]


def test_association_members_and_residents_get_the_french_403(client):
    call = CallFactory()
    for user in (member_of(OrganisationFactory()), UserFactory()):
        client.force_login(user)
        for url in _pages(call.fund, call):
            response = client.get(url)
            assert response.status_code == 403, url
            assert "Vous n'avez pas accès à cette page" in response.content.decode()
            assert "réservés aux agents financiers" in response.content.decode()
        assert client.post(reverse("funds:call-duplicate", args=[call.pk]),
                           {"fund": call.fund_id}).status_code == 403
    assert Call.objects.count() == 1


def test_staff_pages_open_for_an_agent_and_the_home_page_leads_there(client):
    call = CallFactory()
    client.force_login(staff_user(Role.FINANCE_AGENT))
    for url in _pages(call.fund, call):
        assert client.get(url).status_code == 200, url
    home = client.get(reverse("core:agent-home")).content.decode()
    assert reverse("funds:fund-list") in home
    client.force_login(staff_user(Role.INSTRUCTOR))
    assert reverse("funds:fund-list") not in client.get(reverse("core:agent-home")).content.decode()


def test_fund_list_and_fund_page_run_a_constant_number_of_queries(
        client, django_assert_max_num_queries):
    fund = FundFactory()
    CallFactory(fund=fund)
    _award(fund, Decimal("1000.00"))
    client.force_login(staff_user(Role.FINANCE_AGENT))
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("funds:fund-list"))
    with django_assert_max_num_queries(20) as few_detail:
        client.get(reverse("funds:fund-detail", args=[fund.pk]))
    for _n in range(5):
        other = FundFactory(authority=fund.authority)
        for _m in range(3):
            CallFactory(fund=other)
            CallFactory(fund=fund)
        _award(other, Decimal("500.00"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("funds:fund-list"))
    assert page.content.decode().count("/fonds/gestion/fonds/") >= 6
    with django_assert_max_num_queries(len(few_detail.captured_queries)):
        client.get(reverse("funds:fund-detail", args=[fund.pk]))


def _assert_sound_markup(page):
    ids = [element["id"] for element in page.html.select("[id]")]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    for element in page.html.select("[aria-describedby]"):
        for ref in element["aria-describedby"].split():
            assert page.html.find(id=ref) is not None, (element.get("name"), ref)
    for label in page.html.select("label[for]"):
        assert page.html.find(id=label["for"]) is not None, label["for"]


def test_setup_forms_have_unique_ids_and_describe_their_errors(django_app):
    call = CallFactory()
    agent = staff_user(Role.FINANCE_AGENT)
    fund_page = django_app.get(reverse("funds:fund-edit", args=[call.fund.pk]), user=agent)
    _assert_sound_markup(fund_page)
    form = next(f for f in fund_page.forms.values() if "envelope" in f.fields)
    form["envelope"] = "beaucoup"
    form["max_authority_share"] = "120"
    refused = form.submit(status=400)
    _assert_sound_markup(refused)
    envelope = refused.html.find(attrs={"name": "envelope"})
    assert "id_envelope_error" in envelope["aria-describedby"]
    call_page = django_app.get(reverse("funds:call-edit", args=[call.pk]), user=agent)
    _assert_sound_markup(call_page)
    form = next(f for f in call_page.forms.values() if "closes_on" in f.fields)
    form["closes_on"] = (call.opens_on - dt.timedelta(days=1)).isoformat()
    refused = form.submit(status=400)
    _assert_sound_markup(refused)
    closes = refused.html.find(attrs={"name": "closes_on"})
    assert "id_closes_on_error" in closes["aria-describedby"]
    _assert_sound_markup(django_app.get(reverse("funds:call-duplicate", args=[call.pk]),
                                        user=agent))
