"""Pages every deployment must publish, editable by the authority's administrator.

A page that was never edited shows its default French text, built from the authority's profile
and the deployment's settings (``defaults.py``): nothing is a template to edit by hand.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class PageKind(models.TextChoices):
    ACCESSIBILITY = "accessibilite", _("Déclaration d'accessibilité")
    ACCESSIBILITY_SCHEME = "schema-accessibilite", _(
        "Schéma pluriannuel de mise en accessibilité et plan annuel")
    LEGAL_NOTICE = "mentions-legales", _("Mentions légales")
    PERSONAL_DATA = "donnees-personnelles", _("Données personnelles")


class Compliance(models.TextChoices):
    """RGAA compliance levels of the accessibility statement (arrêté du 20 septembre 2019)."""

    FULL = "totalement", _("totalement conforme")
    PARTIAL = "partiellement", _("partiellement conforme")
    NONE = "non", _("non conforme")


class LegalPage(models.Model):
    """The authority's own text of one of the four pages (the default text until edited)."""

    authority = models.ForeignKey("core.Authority", verbose_name=_("collectivité"),
                                  on_delete=models.CASCADE, related_name="legal_pages")
    kind = models.CharField(_("page"), max_length=30, choices=PageKind.choices)
    body = models.TextField(
        _("texte"), blank=True,
        help_text=_("Laissez vide pour le texte par défaut. Un paragraphe par bloc ; une ligne "
                    "commençant par « ## » est un intertitre, par « - » un élément de liste."))
    compliance = models.CharField(
        _("état de conformité au RGAA 4.1"), max_length=20, choices=Compliance.choices,
        default=Compliance.NONE,
        help_text=_("Sans audit, le service est déclaré non conforme."))
    compliance_rate = models.DecimalField(
        _("taux de conformité (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    audit_date = models.DateField(_("date de l'audit"), null=True, blank=True)
    audit_by = models.CharField(_("audit réalisé par"), max_length=200, blank=True)
    non_compliant = models.TextField(
        _("contenus non accessibles"), blank=True,
        help_text=_("Non-conformités, dérogations pour charge disproportionnée, contenus non "
                    "soumis à l'obligation ; une ligne par élément."))
    scheme_years = models.CharField(_("période du schéma pluriannuel"), max_length=30,
                                    blank=True, help_text=_("Par exemple 2026-2028."))
    annual_plan = models.TextField(_("plan d'actions de l'année"), blank=True,
                                   help_text=_("Une action par ligne."))
    updated_at = models.DateTimeField(_("mis à jour le"), default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("mis à jour par"),
                                   null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("page légale")
        verbose_name_plural = _("pages légales")
        ordering = ["authority", "kind"]
        constraints = [models.UniqueConstraint(fields=["authority", "kind"],
                                               name="legal_page_one_per_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.authority}"


class RequestKind(models.TextChoices):
    ERASURE = "effacement", _("Effacement")
    ACCESS = "acces", _("Accès")


class RequestStatus(models.TextChoices):
    OPEN = "ouverte", _("À traiter")
    DONE = "traitee", _("Traitée")
    REFUSED = "refusee", _("Refusée (motivée)")


class DataRequest(models.Model):
    """A person's request about their own data (RGPD art. 15 to 21), answered within a month."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("demandeur"),
                             null=True, on_delete=models.SET_NULL, related_name="data_requests")
    email = models.EmailField(_("adresse du demandeur"))
    kind = models.CharField(_("demande"), max_length=20, choices=RequestKind.choices)
    message = models.TextField(_("précisions"), blank=True, max_length=4000)
    status = models.CharField(_("état"), max_length=20, choices=RequestStatus.choices,
                              default=RequestStatus.OPEN)
    created_at = models.DateTimeField(_("reçue le"), default=timezone.now)
    answer_due_on = models.DateField(_("réponse due le"))

    class Meta:
        verbose_name = _("demande sur des données personnelles")
        verbose_name_plural = _("demandes sur des données personnelles")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.email}"
