"""The financial report (CERFA 15059) next to the application's provisional budget: gaps in €
and %, explanations beyond the limit, 74 per funder, drafts, all errors at once, and no filing
before the end of the organisation's financial year."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from backoffice.core.budget import budget_gap
from conventions import services
from conventions.models import ConventionStatus, ReportStatus
from tests.conventions.test_from_award import make_award
from tests.factories import member_of, staff_user

AFTER_YEAR_END = dt.date(2027, 1, 15)


def award_report(*, financial_year_end="31/12"):
    """A €4,000 award over 2026 (planned: 60 = 4 500, 62 = 500, 74 town = 4 000, 75 = 1 000,
    864 = 870 = 1 000), its letter signed and its year confirmed: the report is expected."""
    agent = staff_user()
    award = make_award()
    organisation = award.application.organisation
    organisation.financial_year_end = financial_year_end
    organisation.save()
    convention = services.convention_create_from_award(award=award, actor=agent)
    services.convention_transition(convention=convention, to=ConventionStatus.SENT, actor=agent,
                                   on=dt.date(2026, 3, 20))
    services.convention_transition(convention=convention, to=ConventionStatus.SIGNED,
                                   actor=agent, on=dt.date(2026, 3, 25),
                                   authority_signatory="Marie Le Du",
                                   organisation_signatory="Loïc Le Pape")
    year = convention.years.get()
    services.convention_year_confirm(year=year, amount=year.planned_amount,
                                     vote_reference="BP 2026", vote_date=dt.date(2026, 3, 26),
                                     actor=agent, on=dt.date(2026, 3, 26))
    return year.report, member_of(organisation)


REALISED = {"60": Decimal("6000.00"), "62": Decimal("500.00"),
            "74_authority": Decimal("4000.00"), "74_region": Decimal("1500.00"),
            "75": Decimal("1000.00"), "864": Decimal("1000.00"), "870": Decimal("1000.00")}


def test_gap_rule():
    limit = Decimal("10")
    assert budget_gap(Decimal("4500"), Decimal("6000"), limit).percent == Decimal("33.3")
    assert budget_gap(Decimal("4500"), Decimal("6000"), limit).needs_explanation
    assert not budget_gap(Decimal("1000"), Decimal("1100"), limit).needs_explanation  # 10 %
    assert budget_gap(Decimal("1000"), Decimal("1100.01"), limit).needs_explanation
    assert budget_gap(Decimal("0"), Decimal("1"), limit).needs_explanation
    assert not budget_gap(None, Decimal("1"), limit).needs_explanation


@pytest.mark.django_db
def test_due_date_follows_the_organisations_financial_year():
    report, _member = award_report()
    assert report.due_date == dt.date(2027, 6, 30)
    report, _member = award_report(financial_year_end="30/06")
    assert report.due_date == dt.date(2026, 12, 31)


@pytest.mark.django_db
def test_every_error_at_once_then_filed_with_its_explanations():
    report, member = award_report()
    with pytest.raises(ValidationError) as exc:
        services.report_submit(report=report, rows={**REALISED, "60": Decimal("5000.00")},
                               subsidy_used="", qualitative_report=" ", actor=member,
                               on=dt.date(2026, 12, 31))
    errors = exc.value.message_dict
    # The year is not over, 60 (+11,1 %) and the new Région line are unexplained, resources
    # exceed charges, the subsidy used and the qualitative report are missing: all at once.
    assert "31 décembre 2026" in " ".join(errors["__all__"])
    assert "11,1\u00a0%" in errors["explanation_60"][0]
    assert "absente du budget prévisionnel" in errors["explanation_74_region"][0]
    assert "pas équilibré" in " ".join(errors["budget_lines"])
    assert set(errors) >= {"subsidy_used", "qualitative_report"}
    assert "explanation_62" not in errors
    report.refresh_from_db()
    assert report.status == ReportStatus.EXPECTED and report.budget_lines == []

    services.report_submit(report=report, rows=REALISED, subsidy_used="4 000,00",
                           qualitative_report="Ateliers tenus.", actor=member,
                           gap_explanations={"60": "Achat d'un four imprévu.",
                                             "74_region": "Aide régionale obtenue en juin."},
                           on=AFTER_YEAR_END)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert report.gap_explanations == {"60": "Achat d'un four imprévu.",
                                       "74_region": "Aide régionale obtenue en juin."}
    region = [line for line in report.budget_lines if line["funder"] == "region"]
    assert region == [{"account": "74", "amount": "1500.00", "label": "", "funder": "region",
                       "status": "obtained", "is_this_authority": False}]


@pytest.mark.django_db
def test_draft_keeps_an_unbalanced_report_without_filing_it():
    report, member = award_report()
    services.report_draft_save(report=report, rows={"60": Decimal("1234.50")},
                               explanations={"60": "En cours"}, subsidy_used="",
                               qualitative_report="", actor=member)
    report.refresh_from_db()
    assert report.status == ReportStatus.EXPECTED and report.draft_saved_at
    assert report.budget_lines[0]["amount"] == "1234.50"
    with pytest.raises(ValidationError) as exc:
        services.report_draft_save(report=report, rows={"60": Decimal("-1")}, actor=member)
    assert "amount_60" in exc.value.message_dict


def _fill(form, values):
    for name, value in values.items():
        form[name] = value


@pytest.mark.django_db
def test_report_page_round_trip(django_app):
    report, member = award_report()
    url = f"/conventions/comptes-rendus/{report.pk}/"
    page = django_app.get(url, user=member)
    form = page.forms["report-form"]
    # Prefilled with the application's provisional budget, typed back the French way.
    assert form["amount_60"].value == "4500,00"
    assert form["amount_74_authority"].value == "4000,00"
    assert form["amount_60"].attrs.get("inputmode") == "decimal"
    assert form["amount_60"].attrs.get("type", "text") == "text"
    assert "Prévisionnel" in page.text and "Écart (%)" in page.text

    # Error path: an unreadable amount, an unexplained gap, filed before the year's end.
    with time_machine.travel(dt.datetime(2026, 12, 7, 10, 0), tick=False):
        _fill(form, {"amount_60": "5 000,00", "amount_62": "abc", "subsidy_used": "4000",
                     "qualitative_report": "Bilan"})
        response = form.submit("action", value="submit", status=400, user=member)
    assert "Saisissez un montant" in response.text
    assert "expliquez-le" in response.text
    assert "se dépose après cette date" in response.text
    again = response.forms["report-form"]
    assert again["amount_62"].value == "abc"  # what was typed is kept
    report.refresh_from_db()
    assert report.status == ReportStatus.EXPECTED

    # Draft: French notation with dots read right, nothing filed.
    _fill(again, {"amount_62": "1.234,50"})
    saved = again.submit("action", value="save").follow()
    report.refresh_from_db()
    assert report.status == ReportStatus.EXPECTED
    assert {line["account"]: line["amount"] for line in report.budget_lines}["62"] == "1234.50"
    assert "Brouillon enregistré" in saved.text

    # Success path after the end of the financial year.
    form = saved.forms["report-form"]
    assert form["amount_62"].value == "1234,50"
    with time_machine.travel(dt.datetime(2027, 2, 1, 10, 0), tick=False):
        _fill(form, {"amount_60": "4 500,00", "amount_62": "500", "explanation_60": "",
                     "subsidy_used": "4 000,00", "qualitative_report": "Ateliers tenus."})
        done = form.submit("action", value="submit", user=member).follow(user=member)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert report.submitted_on == dt.date(2027, 2, 1)
    assert "Compte rendu déposé" in done.text


@pytest.mark.django_db
def test_running_totals_and_api_field_errors(client):
    report, member = award_report()
    client.force_login(member)
    totals = client.post(f"/conventions/comptes-rendus/{report.pk}/totaux/",
                         {"amount_60": "5 000", "amount_74_authority": "4000",
                          "amount_75": "1000", "amount_864": "10", "amount_870": "10"})
    assert totals.status_code == 200
    text = totals.content.decode()
    assert "5\u202f000,00\u00a0€" in text and "Charges = produits" in text and "86 = 87" in text
    lines = [{"account": "60", "amount": "5 000,00"}, {"account": "62", "amount": "500"},
             {"account": "74", "amount": "4000", "funder": "commune", "is_this_authority": True},
             {"account": "75", "amount": "1.500,00"}, {"account": "864", "amount": "1000"},
             {"account": "870", "amount": "1000"}]
    with time_machine.travel(dt.datetime(2027, 1, 10, 10, 0), tick=False):
        client.force_login(member)
        r = client.post(f"/api/v1/financial-reports/{report.pk}/submit/",
                        {"budget_lines": lines, "subsidy_used": "abc",
                         "qualitative_report": ""}, content_type="application/json")
        assert r.status_code == 400
        body = r.json()
        assert {"explanation_60", "explanation_75", "subsidy_used",
                "qualitative_report"} <= set(body)
        assert "explanation_62" not in body
        r = client.post(f"/api/v1/financial-reports/{report.pk}/submit/",
                        {"budget_lines": lines, "subsidy_used": "3 500,00",
                         "qualitative_report": "Bilan",
                         "gap_explanations": {"60": "Matériel plus cher.",
                                              "75": "Plus de dons que prévu."}},
                        content_type="application/json")
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "submitted"
    assert r.json()["gap_explanations"] == {"60": "Matériel plus cher.",
                                            "75": "Plus de dons que prévu."}
