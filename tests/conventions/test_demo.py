import pytest
from django.core.management import call_command

from conventions.models import (
    Amendment,
    Convention,
    FinancialReport,
    GeneratedDocument,
    LineKind,
    Payment,
    ScheduleLine,
)
from conventions.selectors import financial_reports_overdue


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_tells_the_story(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", verbosity=0)
    counts = [model.objects.count() for model in
              (Convention, Payment, Amendment, FinancialReport, GeneratedDocument)]
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", verbosity=0)
    assert [model.objects.count() for model in
            (Convention, Payment, Amendment, FinancialReport, GeneratedDocument)] == counts
    cpo = Convention.objects.get(organisation__name__startswith="Énergies", award__isnull=True)
    assert cpo.years.count() == 3
    assert Payment.objects.filter(line__year__convention=cpo, line__kind=LineKind.ADVANCE,
                                  status="paid").exists()
    waiting = ScheduleLine.objects.get(year__convention=cpo, year__year=cpo.start_date.year + 1,
                                       kind=LineKind.BALANCE)
    assert waiting.waits_for_report and waiting.trigger_date is None
    letter = Convention.objects.get(organisation__name__startswith="Assiettes")
    assert letter.documents.get().kind == "notification"
    scorff = Convention.objects.get(organisation__name__startswith="Les Amis")
    assert scorff.amendments.get().status == "signed"
    assert financial_reports_overdue(organisation=scorff.organisation)
    assert not GeneratedDocument.objects.exclude(status="ready").exists()
    # The previous year's award became a convention (a notification letter) in one click.
    from_award = Convention.objects.get(award__isnull=False)
    assert from_award.organisation == cpo.organisation
    assert from_award.years.get().planned_amount == from_award.award.amount
    # The operating convention's report shows the volunteer hours logged on it.
    from volunteering.selectors import volunteer_totals

    report = cpo.years.get(year=cpo.start_date.year).report
    assert volunteer_totals(organisation=cpo.organisation, year=report.year.year,
                            convention=cpo).value > 0
