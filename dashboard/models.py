"""The printable pact scorecard: one PDF per request, rendered asynchronously."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ScorecardStatus(models.TextChoices):
    PENDING = "pending", _("En cours de génération")
    READY = "ready", _("Prêt")
    FAILED = "failed", _("Échec de la génération")


def scorecard_path(instance, filename):
    return f"dashboard/scorecards/{filename}"


class ScorecardDocument(models.Model):
    """A PDF of the scorecard of one year as it stood when requested (figures frozen in the
    file, with its sha256)."""

    year = models.PositiveIntegerField(_("année"))
    status = models.CharField(_("statut"), max_length=10, choices=ScorecardStatus.choices,
                              default=ScorecardStatus.PENDING)
    file = models.FileField(_("fichier"), upload_to=scorecard_path, blank=True)
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64, blank=True)
    error = models.TextField(_("erreur"), blank=True)
    authority = models.ForeignKey("core.Authority", verbose_name=_("collectivité"), null=True,
                                  blank=True, on_delete=models.PROTECT, related_name="+",
                                  help_text=_("Vide : toutes les collectivités du service."))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("demandé par"),
                                     null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    requested_at = models.DateTimeField(_("demandé le"), auto_now_add=True)
    rendered_at = models.DateTimeField(_("généré le"), null=True, blank=True)

    class Meta:
        verbose_name = _("tableau des engagements imprimable")
        verbose_name_plural = _("tableaux des engagements imprimables")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return _("Engagements du Pacte %(year)s") % {"year": self.year}

    @property
    def filename(self) -> str:
        return f"engagements-pacte-{self.year}-{self.pk}.pdf"


# --- Rollups -------------------------------------------------------------------------------
# Running totals behind the pact scorecard, so that it reads a few hundred rows whatever the
# size of the data. On PostgreSQL they are kept by triggers in the same transaction as every
# change of the source rows (migration 0002), and ``manage.py dashboard_rollups`` checks or
# rebuilds them. They are the scorecard's only source: SQLite (the demo) has no triggers, and
# there the scorecard pages say so. Nothing in Python writes these tables.
#
# Figures are kept per authority (``authority_id``: the convention's, or the fund's of an
# application's call), so that each authority sharing a deployment reads its own scorecard and
# the whole deployment reads their sum (migration 0003).


class ConventionYearFacts(models.Model):
    """Per convention and year: its tranche (0 or 1), the tranche's amount, its advance lines,
    the counted volunteering linked to the convention that year, and the convention's status,
    nature, span and authority copied from it."""

    convention_id = models.BigIntegerField()
    year = models.IntegerField()
    tranches = models.IntegerField(default=0)
    amount = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    advance_lines = models.IntegerField(default=0)
    volunteer_hours = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    volunteer_value = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    committed = models.BooleanField(default=False)
    nature = models.CharField(max_length=20, blank=True)
    multi_year = models.BooleanField(default=False)
    authority_id = models.BigIntegerField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["convention_id", "year"],
                                               name="rollup_convention_year_unique")]

    def __str__(self) -> str:
        return f"{self.convention_id}/{self.year}"


class YearFigures(models.Model):
    """Per authority, year, nature and single/multi-year: the committed tranches and their
    amounts, those with an advance, and the volunteering linked to them (sums of
    ConventionYearFacts)."""

    authority_id = models.BigIntegerField()
    year = models.IntegerField()
    nature = models.CharField(max_length=20)
    multi_year = models.BooleanField()
    tranches = models.IntegerField(default=0)
    amount = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    advance_tranches = models.IntegerField(default=0)
    volunteer_hours = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    volunteer_value = models.DecimalField(max_digits=16, decimal_places=2, default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["authority_id", "year", "nature",
                                                       "multi_year"],
                                               name="rollup_year_figures_unique")]

    def __str__(self) -> str:
        return f"{self.year} {self.nature} {'pluriannuel' if self.multi_year else 'annuel'}"


class DayCounts(models.Model):
    """Histograms in days, exact for any percentile: ``delay`` counts paid payments by paid
    year and days from trigger to payment; ``advance_day`` counts advances by tranche year and
    day of the year they were paid (in that year); ``decision`` counts awards by decision year
    and days from submission to the deliberation. Per authority (the convention's, or the
    fund's of the application's call)."""

    authority_id = models.BigIntegerField()
    measure = models.CharField(max_length=12)
    year = models.IntegerField()
    days = models.IntegerField()
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["authority_id", "measure", "year",
                                                       "days"],
                                               name="rollup_day_counts_unique")]

    def __str__(self) -> str:
        return f"{self.measure} {self.year} {self.days} j : {self.count}"


class ApplicationFacts(models.Model):
    """Per submitted or awarded application: its submission year and whether its applicant was
    a newcomer (first submitted application, or an informal group, or a resident); its award's
    year, amount and days from submission; whether another funder appears on its budget (74),
    and its budget's volunteering (870) and self-financing lines; the authority of its call's
    fund."""

    application_id = models.BigIntegerField(unique=True)
    authority_id = models.BigIntegerField()
    submitted_year = models.IntegerField(null=True)
    newcomer = models.BooleanField(default=False)
    decided_year = models.IntegerField(null=True)
    awarded_amount = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    decision_days = models.IntegerField(null=True)
    cofinanced = models.BooleanField(default=False)
    budget_volunteering = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    budget_own = models.DecimalField(max_digits=16, decimal_places=2, default=0)

    def __str__(self) -> str:
        return str(self.application_id)


class FundYearFigures(models.Model):
    """Per authority and year: applications submitted and those from newcomers; awards decided,
    their amount, those co-financed, and their budgets' volunteering and self-financing (sums
    of ApplicationFacts)."""

    authority_id = models.BigIntegerField()
    year = models.IntegerField()
    applications = models.IntegerField(default=0)
    newcomers = models.IntegerField(default=0)
    awards = models.IntegerField(default=0)
    awarded_amount = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    cofinanced = models.IntegerField(default=0)
    budget_volunteering = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    budget_own = models.DecimalField(max_digits=16, decimal_places=2, default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["authority_id", "year"],
                                               name="rollup_fund_year_figures_unique")]

    def __str__(self) -> str:
        return f"{self.authority_id}/{self.year}"


class ReportDays(models.Model):
    """Financial reports counted per authority (their convention's) and due date, filed or
    not, and filed on time or not."""

    authority_id = models.BigIntegerField()
    due_date = models.DateField()
    submitted = models.BooleanField()
    on_time = models.BooleanField()
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["authority_id", "due_date",
                                                       "submitted", "on_time"],
                                               name="rollup_report_days_unique")]

    def __str__(self) -> str:
        return f"{self.due_date} : {self.count}"
