"""Volunteer hours: volunteers, time entries, dated valuation rates, attestations.

Valued volunteering (règlement ANC 2018-06, comptes 864/870): hours are collected in an organised
way (time sheets), valued with a consistent method, and the value is stored with the rate used
so a report keeps its figures when rates change later.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from backoffice.core.models import Organisation


class ValuationMethod(models.TextChoices):
    SMIC_GROSS = "smic_gross", _("SMIC horaire brut")
    SMIC_LOADED = "smic_loaded", _("SMIC horaire chargé (avec charges patronales)")
    REPLACEMENT = "replacement", _("Coût de remplacement (selon la qualification)")


class RateKind(models.TextChoices):
    SMIC = "smic", _("SMIC horaire brut (€)")
    CHARGES_COEFFICIENT = "charges_coefficient", _("Coefficient SMIC chargé (multiplicateur)")
    REPLACEMENT = "replacement", _("Coût de remplacement horaire (€)")


class Activity(models.TextChoices):
    ANIMATION = "animation", _("Animation")
    ADMINISTRATION = "administration", _("Administration")
    WORKS = "travaux", _("Travaux")
    TRAINING = "formation", _("Formation")
    SUPPORT = "accompagnement", _("Accompagnement")
    OTHER = "autre", _("Autre")


class Qualification(models.TextChoices):
    EMPLOYEE = "employe", _("Employé (exécution)")
    TECHNICIAN = "technicien", _("Technicien, agent de maîtrise")
    EXECUTIVE = "cadre", _("Cadre, expert")


class EntryStatus(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    VALIDATED = "validated", _("Validée")
    LOCKED = "locked", _("Verrouillée (compte rendu approuvé)")


class ValuationRate(models.Model):
    """A dated rate maintained by the authority: in force from ``valid_from`` until the next one
    of the same kind (and qualification)."""

    kind = models.CharField(_("type de taux"), max_length=30, choices=RateKind.choices)
    qualification = models.CharField(
        _("qualification"), max_length=20, choices=Qualification.choices, blank=True,
        help_text=_("Uniquement pour le coût de remplacement."),
    )
    valid_from = models.DateField(_("en vigueur à partir du"))
    value = models.DecimalField(_("valeur"), max_digits=8, decimal_places=4,
                                validators=[MinValueValidator(0)])
    source = models.CharField(_("source"), max_length=255, blank=True,
                              help_text=_("Texte de référence (décret, délibération…)."))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("taux de valorisation")
        verbose_name_plural = _("taux de valorisation")
        ordering = ["kind", "qualification", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "qualification", "valid_from"], name="valuation_rate_unique",
                violation_error_message=_("Un taux de ce type existe déjà à cette date."),
            ),
        ]

    def __str__(self) -> str:
        label = self.get_kind_display()
        if self.qualification:
            label = f"{label} — {self.get_qualification_display()}"
        return f"{label} : {self.value} au {self.valid_from:%d/%m/%Y}"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.kind == RateKind.REPLACEMENT and not self.qualification:
            raise ValidationError({"qualification": _(
                "Un coût de remplacement s'applique à un niveau de qualification.")})
        if self.kind != RateKind.REPLACEMENT and self.qualification:
            raise ValidationError({"qualification": _(
                "Seul le coût de remplacement dépend de la qualification.")})
        if self.value is not None and self.value <= 0:
            raise ValidationError({"value": _("Le taux doit être strictement positif.")})


class VolunteeringProfile(models.Model):
    """The valuation method an organisation chose (ANC 2018-06: one consistent method)."""

    organisation = models.OneToOneField(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE,
        related_name="volunteering_profile",
    )
    valuation_method = models.CharField(
        _("méthode de valorisation"), max_length=20, choices=ValuationMethod.choices,
        default=ValuationMethod.SMIC_GROSS,
    )
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("méthode de valorisation d'une organisation")
        verbose_name_plural = _("méthodes de valorisation des organisations")

    def __str__(self) -> str:
        return f"{self.organisation} — {self.get_valuation_method_display()}"


class Volunteer(models.Model):
    """A volunteer of one organisation: a member with an account, or a named person without one.

    Personal data is kept minimal (a display name, e.g. first name and initial)."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE,
        related_name="volunteers",
    )
    name = models.CharField(_("nom affiché"), max_length=120)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("compte"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="volunteer_profiles",
    )
    is_active = models.BooleanField(_("actif"), default=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("bénévole")
        verbose_name_plural = _("bénévoles")
        ordering = ["organisation", "name"]
        constraints = [
            models.UniqueConstraint(
                models.functions.Lower("name"), "organisation", name="volunteer_name_unique",
                violation_error_message=_("Un bénévole porte déjà ce nom dans l'organisation."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class VolunteerEntry(models.Model):
    """Hours given by one volunteer on one day. Only validated (or locked) entries count."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE,
        related_name="volunteer_entries",
    )
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("bénévole"), on_delete=models.PROTECT, related_name="entries",
    )
    date = models.DateField(_("date"))
    hours = models.DecimalField(_("heures"), max_digits=5, decimal_places=2,
                                validators=[MinValueValidator(0)])
    activity = models.CharField(_("activité"), max_length=20, choices=Activity.choices)
    qualification = models.CharField(_("qualification"), max_length=20,
                                     choices=Qualification.choices, default=Qualification.EMPLOYEE)
    project_reference = models.CharField(
        _("référence du projet"), max_length=60, blank=True,
        help_text=_("Référence du dossier ou de la convention financée."),
    )
    # Set from project_reference when it designates one of the organisation's own applications
    # (DOS-<number>) or conventions (their reference); otherwise the project is free text.
    application = models.ForeignKey(
        "funds.Application", verbose_name=_("dossier"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="volunteer_entries",
    )
    convention = models.ForeignKey(
        "conventions.Convention", verbose_name=_("convention"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="volunteer_entries",
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    status = models.CharField(_("statut"), max_length=10, choices=EntryStatus.choices,
                              default=EntryStatus.DRAFT)
    # The value is stored with the rate and method used: later rate changes never alter it.
    valuation_method = models.CharField(_("méthode de valorisation"), max_length=20,
                                        choices=ValuationMethod.choices)
    rate = models.DecimalField(_("taux horaire appliqué"), max_digits=8, decimal_places=2)
    value = models.DecimalField(_("valeur"), max_digits=12, decimal_places=2)
    import_reference = models.CharField(_("import"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("saisie par"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    created_at = models.DateTimeField(_("saisie le"), auto_now_add=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("validée par"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    validated_at = models.DateTimeField(_("validée le"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("heures de bénévolat")
        verbose_name_plural = _("heures de bénévolat")
        ordering = ["-date", "volunteer__name", "pk"]
        indexes = [
            models.Index(fields=["organisation", "status", "date"]),
            models.Index(fields=["volunteer", "date"]),
            models.Index(fields=["organisation", "project_reference"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0) & Q(hours__lte=24),
                                   name="volunteer_entry_hours_range"),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} — {self.date:%d/%m/%Y} — {self.hours} h"

    @property
    def counts(self) -> bool:
        return self.status in (EntryStatus.VALIDATED, EntryStatus.LOCKED)


class AttestationStatus(models.TextChoices):
    PENDING = "pending", _("En cours de génération")
    READY = "ready", _("Prête")
    FAILED = "failed", _("Échec de la génération")


def attestation_path(instance, filename):
    return f"organisations/{instance.organisation_id}/benevolat/{filename}"


class VolunteerAttestation(models.Model):
    """The "attestation de valorisation du bénévolat" of one organisation, year and project."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE,
        related_name="volunteer_attestations",
    )
    year = models.PositiveIntegerField(_("année"))
    project_reference = models.CharField(_("référence du projet"), max_length=60, blank=True)
    status = models.CharField(_("statut"), max_length=10, choices=AttestationStatus.choices,
                              default=AttestationStatus.PENDING)
    hours = models.DecimalField(_("heures"), max_digits=12, decimal_places=2, default=0)
    value = models.DecimalField(_("valeur"), max_digits=12, decimal_places=2, default=0)
    file = models.FileField(_("fichier"), upload_to=attestation_path, blank=True)
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("demandée par"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    requested_at = models.DateTimeField(_("demandée le"), auto_now_add=True)
    generated_at = models.DateTimeField(_("générée le"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("attestation de bénévolat")
        verbose_name_plural = _("attestations de bénévolat")
        ordering = ["-year", "project_reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year", "project_reference"],
                name="volunteer_attestation_unique",
                violation_error_message=_("Cette attestation existe déjà."),
            ),
        ]

    def __str__(self) -> str:
        project = f" — {self.project_reference}" if self.project_reference else ""
        return f"Attestation {self.year}{project} — {self.organisation}"
