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
