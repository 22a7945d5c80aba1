"""Staff compare every rule, publish the computation they choose by its number, set thresholds
and category budgets; the public results explain every project (forms submitted as rendered)."""

import io
from decimal import Decimal

import pytest
from django.utils import timezone

from backoffice.core.roles import Role
from funds.models import Award, Ballot, CallPhase, VoteComputation, Voter
from tests.factories import staff_user

from .factories import ApplicationFactory, CallFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def voted():
    call = CallFactory(participatory=True, phase=CallPhase.DECISION, winner_rule="mes-add1")
    call.fund.envelope, call.fund.max_amount = Decimal("100.00"), Decimal("100.00")
    call.fund.save()
    a, b, c = (ApplicationFactory(call=call, eligible=True, amount_requested=Decimal(x))
               for x in ("100.00", "50.00", "50.00"))
    # 6 voters want A; 4 want B and C (the comparison example of the rules' tests)
    for n, choices in enumerate([[a.pk]] * 6 + [[b.pk, c.pk]] * 4):
        voter = Voter.objects.create(call=call, source="import", external_id=str(n))
        Ballot.objects.create(call=call, voter=voter, choices=choices, channel="import",
                              cast_at=voter.created_at)
    return call, (a, b, c)


def text(page) -> str:
    return " ".join(page.html.get_text(" ").split())


def form_with_action(page, action):
    return next(form for form in page.forms.values()
                if "action" in form.fields and form["action"].value == action)


def test_compare_every_rule_then_publish_the_chosen_computation_by_its_number(voted, django_app):
    call, (a, b, c) = voted
    decider = staff_user(Role.DECISION_MAKER)
    url = f"/fonds/gestion/appels/{call.pk}/vote/"
    page = django_app.get(url, user=decider)
    first = form_with_action(page, "compute").submit().follow()
    page = form_with_action(first, "compare").submit().follow()
    assert "la règle de l'appel ne change pas" in text(page)
    call.refresh_from_db()
    assert call.winner_rule == "mes-add1"   # unchanged
    table = page.html.select_one("#rules-comparison")
    rows = {tr.th.get_text(" ", strip=True): [td.get_text(strip=True).replace("\xa0", " ")
                                             for td in tr.select("td")]
            for tr in table.select("tbody tr")}
    greedy = next(v for k, v in rows.items() if k.startswith("Les plus votés d'abord (en passant"))
    add1 = next(v for k, v in rows.items() if k.startswith("Parts égales, parts relevées"))
    assert greedy[1:] == ["1", "100,00 € / 100,00 €", "60 % (6 / 10)"]
    assert add1[1:] == ["1", "50,00 € / 100,00 €", "40 % (4 / 10)"]
    # plain French everywhere: no rule code, no "commande"
    for code in ("mes-add1", "mes-completed", "greedy-no-skip", " commande "):
        assert code not in text(page)
    # two computations of the call's rule can be published: the form names them by number
    add1_ids = list(VoteComputation.objects.filter(call=call, rule="mes-add1")
                    .order_by("-pk").values_list("pk", flat=True))
    assert len(add1_ids) == 2
    form = form_with_action(page, "publish")
    options = [value for value, _selected, _label in form["computation"].options]
    assert options == [str(pk) for pk in add1_ids]
    assert all(f"N° {pk}" in text(page) for pk in add1_ids)
    form["computation"] = str(add1_ids[1])   # the older one
    form["deliberation_reference"] = "DEL-2026-9"
    form["deliberation_date"] = timezone.localdate().isoformat()
    results = form.submit().follow()
    call.refresh_from_db()
    assert call.results_computation_id == add1_ids[1]
    assert set(Award.objects.values_list("application_id", flat=True)) == {b.pk}
    # the public page: rule in French, coverage under the published rule and the others
    assert "Parts égales, parts relevées d'une unité à la fois (Add1)" in text(results)
    coverage = results.html.select_one("#coverage").get_text(" ", strip=True).replace("\xa0", " ")
    assert "règle publiée" in coverage and "60 %" in coverage and "40 %" in coverage
    assert "Retenu Payé par ses 4 soutiens, chacun au plus 12,50 €" in text(results)
    assert "Soutien effectif" in text(results)


def test_publishing_a_computation_of_another_rule_is_refused_next_to_the_field(voted, django_app):
    call, _projects = voted
    decider = staff_user(Role.DECISION_MAKER)
    url = f"/fonds/gestion/appels/{call.pk}/vote/"
    page = django_app.get(url, user=decider)
    page = form_with_action(page, "compare").submit().follow()
    greedy = VoteComputation.objects.get(call=call, rule="greedy")
    form = form_with_action(page, "publish")
    form["deliberation_reference"] = "DEL-2026-9"
    form["deliberation_date"] = timezone.localdate().isoformat()
    form["computation"].force_value(str(greedy.pk))
    bad = form.submit(status=400)
    assert "Choisissez un des calculs proposés" in text(bad)
    assert form_with_action(bad, "publish")["deliberation_reference"].value == "DEL-2026-9"
    call.refresh_from_db()
    assert call.results_published_at is None and not Award.objects.exists()


def test_settings_form_takes_threshold_groups_and_category_budgets_as_plain_text(django_app):
    call = CallFactory(participatory=True, phase=CallPhase.VOTE)
    a, b = (ApplicationFactory(call=call, eligible=True, amount_requested=Decimal(50)) for _ in "ab")
    manager = staff_user(Role.DECISION_MAKER)
    url = f"/fonds/gestion/appels/{call.pk}/vote/"
    page = django_app.get(url, user=manager)
    form = form_with_action(page, "configure")
    form["winner_rule"] = "mes-add1-comparison"
    form["min_score"] = "3"
    form["exclusive_groups"] = f"{a.pk}, {b.pk}"
    form["category_budgets"] = "Jeunesse = 50 000\nParcs = 12 500,50 €"
    form["category_budget_mode"] = "reserved"
    form.submit().follow()
    call.refresh_from_db()
    assert call.winner_rule == "mes-add1-comparison" and call.min_score == 3
    assert call.exclusive_groups == [[str(a.pk), str(b.pk)]]
    assert call.category_budgets == {"Jeunesse": "50000", "Parcs": "12500.50"}
    assert call.category_budget_mode == "reserved"
    # error path: a project in two groups, a budget that is not an amount; typed text kept
    page = django_app.get(url, user=manager)
    form = form_with_action(page, "configure")
    form["exclusive_groups"] = f"{a.pk}, {b.pk}\n{b.pk}, 99"
    form["category_budgets"] = "Jeunesse = beaucoup"
    bad = form.submit(status=400)
    assert "est dans deux groupes (lignes 1 et 2)" in text(bad)
    assert "écrivez « nom = montant »" in text(bad)
    assert form_with_action(bad, "configure")["category_budgets"].value == "Jeunesse = beaucoup"


def test_technical_report_pdf_has_the_rule_hash_and_every_step(voted, django_app):
    from pypdf import PdfReader

    call, _projects = voted
    decider = staff_user(Role.DECISION_MAKER)
    page = django_app.get(f"/fonds/gestion/appels/{call.pk}/vote/", user=decider)
    form_with_action(page, "compute").submit()
    computation = VoteComputation.objects.get(call=call)
    response = django_app.get(f"/fonds/appels/{call.pk}/resultats/rapport-technique.pdf", user=decider)
    assert response.content_type == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.body)).pages)
    assert computation.inputs_sha256[:40] in text.replace("\n", "").replace(" ", "")
    assert "Parts égales, parts relevées" in text and "Add1 :" in text
    assert "Retenu. Payé par ses 4 soutiens" in " ".join(text.split())
    assert "Ses soutiens ne disposaient plus" in " ".join(text.split())
    # nothing published: the public cannot download it
    django_app.reset()
    django_app.get(f"/fonds/appels/{call.pk}/resultats/rapport-technique.pdf", status=404)


def test_a_second_paper_ballot_is_refused_then_replaces_only_after_confirmation(django_app):
    from backoffice.core.models import AuditEvent

    call = CallFactory(participatory=True, phase=CallPhase.VOTE)
    a, b = (ApplicationFactory(call=call, eligible=True, amount_requested=Decimal(50)) for _ in "ab")
    agent = staff_user(Role.FINANCE_AGENT)
    url = f"/fonds/gestion/appels/{call.pk}/bulletins-papier/"

    def fill(page, project):
        form = page.forms[next(k for k, f in page.forms.items() if "first_name" in f.fields)]
        form["first_name"], form["last_name"], form["birth_date"] = "Paul", "Martin", "1970-05-05"
        for field in form.fields["choices"]:
            if field._value == str(project.pk):   # noqa: SLF001 (webtest checkbox value)
                field.checked = True
        return form

    fill(django_app.get(url, user=agent), a).submit().follow()
    ballot = Ballot.objects.get()
    assert ballot.choices == [a.pk]
    # the same identity again: refused, nothing changed, what was typed is kept
    bad = fill(django_app.get(url, user=agent), b).submit(status=400)
    assert "déjà un bulletin papier" in text(bad) and "rien n'a été enregistré" in text(bad)
    again = bad.forms[next(k for k, f in bad.forms.items() if "first_name" in f.fields)]
    assert again["last_name"].value == "Martin"
    assert Ballot.objects.get().choices == [a.pk]
    # explicit confirmation: replaced, and audited
    again["replace"] = True
    again.submit().follow()
    assert Ballot.objects.get().choices == [b.pk]
    assert AuditEvent.objects.filter(event="paper_ballot_replaced").count() == 1


def test_results_api_names_the_rule_in_french(voted, django_app):
    call, _projects = voted
    decider = staff_user(Role.DECISION_MAKER)
    page = django_app.get(f"/fonds/gestion/appels/{call.pk}/vote/", user=decider)
    form_with_action(page, "compute").submit()
    data = django_app.get(f"/api/v1/votes/{call.pk}/results/", user=decider).json
    assert data["rule"] == "mes-add1"
    assert data["rule_label"] == "Parts égales, parts relevées d'une unité à la fois (Add1)"
    part = data["parts"][0]
    assert part["covered"] == 4 and part["details"]["per_voter"] == "16"
