"""Conventions, yearly tranches, payment schedules, payments, amendments, financial reports and
generated documents.

Every deadline is a stored, indexed date so that reminders find due rows with indexed queries:
``Convention.end_date``, ``Convention.open_data_deadline``, ``ScheduleLine.planned_date`` (advance
due date), ``ScheduleLine.trigger_date``, ``ScheduleLine.due_by`` (60 days, loi 2021-875) and
``FinancialReport.due_date``.

The models of the conventions app stay in one module, past the usual size for a split: a
convention, its tranches, schedule lines, payments, amendments and reports refer to one another,
and their relations, constraints and migrations read in one place.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from backoffice.core.choices import Nature

ZERO = Decimal("0.00")


def money_field(verbose_name, **kwargs):
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, **kwargs)


class ConventionStatus(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    SENT = "sent", _("Envoyée pour signature")
    SIGNED = "signed", _("Signée")
    ACTIVE = "active", _("En cours")
    CLOSED = "closed", _("Clôturée")
    TERMINATED = "terminated", _("Résiliée")


class Convention(models.Model):
    """A (multi-year) funding commitment of the authority to one organisation.

    Above €23,000 in any year it is a written convention (loi 2000-321 art. 10); below, the same
    record produces a notification letter (lettre de notification).
    """

    reference = models.CharField(_("référence"), max_length=30, unique=True)
    authority = models.ForeignKey("core.Authority", verbose_name=_("collectivité"),
                                  on_delete=models.PROTECT, related_name="conventions")
    organisation = models.ForeignKey("core.Organisation", verbose_name=_("organisation"),
                                     on_delete=models.PROTECT, related_name="conventions")
    object = models.TextField(_("objet"))
    nature = models.CharField(_("nature"), max_length=20, choices=Nature.choices)
    imputation = models.CharField(_("imputation budgétaire"), max_length=40,
                                  help_text=_("Par exemple 6574 (subventions de fonctionnement)."))
    start_date = models.DateField(_("date de début"))
    end_date = models.DateField(_("date de fin"), db_index=True)
    status = models.CharField(_("statut"), max_length=12, choices=ConventionStatus.choices,
                              default=ConventionStatus.DRAFT, db_index=True)
    # "Excédent raisonnable" (loi 2021-875 completing loi 2000-321 art. 10): the share of the
    # year's amount the organisation may keep when it does not spend everything.
    keep_rule_rate = models.DecimalField(_("part de l'excédent conservable"), max_digits=5,
                                         decimal_places=4, default=Decimal("0"))
    keep_rule_text = models.TextField(_("règle de l'excédent raisonnable"), blank=True)
    advance_rate = models.DecimalField(_("taux de l'avance"), max_digits=5, decimal_places=4)
    advance_delay_days = models.PositiveIntegerField(
        _("délai de l'avance (jours après signature ou confirmation)"))
    payment_delay_days = models.PositiveIntegerField(_("délai de paiement (jours)"), default=60)
    balance_requires_report = models.BooleanField(
        _("solde après approbation du compte rendu de l'année précédente"), default=True)
    conditions_of_use = models.TextField(_("conditions d'utilisation"), blank=True)
    evaluation_terms = models.TextField(_("contrôle et évaluation"), blank=True)
    cofinancing = models.JSONField(_("plan de cofinancement"), default=list, blank=True)
    volunteering_planned = money_field(_("bénévolat valorisé prévu (€/an)"), default=ZERO)
    decision_reference = models.CharField(_("référence de la délibération"), max_length=120,
                                          blank=True)
    decision_date = models.DateField(_("date de la délibération"), null=True, blank=True)
    sent_on = models.DateField(_("envoyée le"), null=True, blank=True)
    signed_on = models.DateField(_("signée le"), null=True, blank=True)
    authority_signatory = models.CharField(_("signataire pour la collectivité"), max_length=200,
                                           blank=True)
    organisation_signatory = models.CharField(_("signataire pour l'organisation"),
                                              max_length=200, blank=True)
    # SCDL subventions (arrêté du 17 novembre 2017): how the aid is given and whether it is a
    # de minimis aid notified to the European Commission (règlement 1407/2013).
    aid_form = models.CharField(_("forme de l'aide"), max_length=40, choices=[
        ("aide en numéraire", _("Aide en numéraire")), ("aide en nature", _("Aide en nature")),
        ("aide en numéraire;aide en nature", _("Aide en numéraire et en nature"))],
        default="aide en numéraire")
    eu_notified = models.BooleanField(
        _("aide de minimis notifiée à la Commission européenne"), default=False)
    # Décret 2017-779: essential data published within 3 months of signature (> €23,000).
    open_data_deadline = models.DateField(_("publication en données ouvertes avant le"),
                                          null=True, blank=True, db_index=True)
    open_data_published_on = models.DateField(_("publiée en données ouvertes le"), null=True,
                                              blank=True)
    terminated_on = models.DateField(_("résiliée le"), null=True, blank=True)
    termination_reason = models.TextField(_("motif de résiliation"), blank=True)
    # The award (funds app) this convention was created from; one convention per award.
    award = models.OneToOneField("funds.Award", verbose_name=_("attribution"), null=True,
                                 blank=True, on_delete=models.PROTECT, related_name="convention")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("créée par"),
                                   null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("convention")
        verbose_name_plural = _("conventions")
        ordering = ["-start_date", "reference"]
        # (date, id) pairs: the reminders' keyset scans walk these in bounded batches.
        indexes = [models.Index(fields=["organisation", "status"]),
                   models.Index(fields=["end_date", "id"]),
                   models.Index(fields=["open_data_deadline", "id"])]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")),
                                   name="convention_dates_ordered",
                                   violation_error_message=_(
                                       "La date de fin doit suivre la date de début.")),
        ]

    def __str__(self) -> str:
        return f"{self.reference} — {self.organisation}"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("La date de fin doit suivre la date de début.")})
        for field in ("advance_rate", "keep_rule_rate"):
            value = getattr(self, field)
            if value is not None and not (0 <= value <= 1):
                raise ValidationError({field: _("Un taux est compris entre 0 et 100 %.")})


class YearStatus(models.TextChoices):
    PLANNED = "planned", _("Prévue")
    CONFIRMED = "confirmed", _("Confirmée")
    PAID = "paid", _("Versée")
    CLOSED = "closed", _("Soldée")


class ConventionYear(models.Model):
    """One yearly tranche: planned amount, then the amount confirmed after the budget vote
    ("sous réserve de l'inscription des crédits au budget", circulaire 5811-SG)."""

    # PROTECT: deleting a convention never erases its tranches, schedules and payments.
    convention = models.ForeignKey(Convention, verbose_name=_("convention"),
                                   on_delete=models.PROTECT, related_name="years")
    year = models.PositiveIntegerField(_("année"))
    planned_amount = money_field(_("montant prévisionnel"))
    confirmed_amount = money_field(_("montant confirmé"), null=True, blank=True)
    budget_vote_reference = models.CharField(_("référence du vote du budget"), max_length=120,
                                             blank=True)
    budget_vote_date = models.DateField(_("date du vote du budget"), null=True, blank=True)
    confirmed_on = models.DateField(_("confirmée le"), null=True, blank=True)
    # CGCT L1611-4: what a financial report or a withdrawal cancelled on the unpaid lines (the
    # tranche is then due only for the rest).
    withdrawn_amount = money_field(_("montant annulé sur les échéances non versées"),
                                   default=ZERO)
    status = models.CharField(_("statut"), max_length=10, choices=YearStatus.choices,
                              default=YearStatus.PLANNED, db_index=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("tranche annuelle")
        verbose_name_plural = _("tranches annuelles")
        ordering = ["convention", "year"]
        constraints = [
            models.UniqueConstraint(fields=["convention", "year"], name="convention_year_unique"),
            models.CheckConstraint(condition=Q(planned_amount__gte=0), name="year_planned_positive"),
            models.CheckConstraint(condition=Q(withdrawn_amount__gte=0),
                                   name="year_withdrawn_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.convention.reference} — {self.year}"

    @property
    def granted_amount(self) -> Decimal:
        """Confirmed when confirmed, planned (the signed amount) before."""
        return self.confirmed_amount if self.confirmed_amount is not None else self.planned_amount

    @property
    def amount(self) -> Decimal:
        """The amount the schedule must sum to: the granted amount less what a repayment or a
        withdrawal cancelled on the unpaid lines."""
        return self.granted_amount - (self.withdrawn_amount or ZERO)


class LineKind(models.TextChoices):
    ADVANCE = "advance", _("Avance")
    INSTALMENT = "instalment", _("Acompte")
    BALANCE = "balance", _("Solde")


class ScheduleLine(models.Model):
    """One planned payment of a year. ``trigger_date`` starts the legal 60-day clock
    (loi 2021-875); ``due_by`` is when the payment becomes late; both stay null while the line
    waits for its event (a balance waiting for the previous report)."""

    year = models.ForeignKey(ConventionYear, verbose_name=_("tranche"), on_delete=models.PROTECT,
                             related_name="lines")
    position = models.PositiveSmallIntegerField(_("rang"))
    kind = models.CharField(_("type"), max_length=12, choices=LineKind.choices)
    amount = money_field(_("montant"))
    planned_date = models.DateField(_("date prévue"), null=True, blank=True, db_index=True)
    waits_for_report = models.BooleanField(_("attend le compte rendu de l'année précédente"),
                                           default=False)
    trigger_date = models.DateField(_("date de déclenchement"), null=True, blank=True,
                                    db_index=True)
    due_by = models.DateField(_("à verser au plus tard le"), null=True, blank=True,
                              db_index=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ligne d'échéancier")
        verbose_name_plural = _("lignes d'échéancier")
        ordering = ["year", "position"]
        # (date, id) pairs: the reminders' keyset scans walk these in bounded batches.
        indexes = [models.Index(fields=["trigger_date", "id"]),
                   models.Index(fields=["planned_date", "id"])]
        constraints = [
            models.UniqueConstraint(fields=["year", "position"], name="schedule_position_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="schedule_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.year}"


class InKindKind(models.TextChoices):
    PREMISES = "premises", _("Mise à disposition de locaux")
    EQUIPMENT = "equipment", _("Prêt de matériel")
    STAFF = "staff", _("Mise à disposition de personnel")
    OTHER = "other", _("Autre prestation en nature")


class InKindAid(models.Model):
    """Aid in kind the authority grants with a convention (premises, equipment, staff), valued
    per year. It counts in the €23,000 threshold: loi 2000-321 art. 9-1 and 10 speak of aid
    "de toute nature"; the organisation records it in its 86x/87x accounts."""

    convention = models.ForeignKey(Convention, verbose_name=_("convention"),
                                   on_delete=models.PROTECT, related_name="in_kind_aids")
    kind = models.CharField(_("nature de l'aide"), max_length=12, choices=InKindKind.choices)
    description = models.CharField(_("description"), max_length=255)
    year = models.PositiveIntegerField(_("année"))
    value = money_field(_("valeur annuelle"))
    account = models.CharField(_("compte de valorisation"), max_length=10, default="870",
                               help_text=_("Compte 87x du bénéficiaire (860/870 : mise à "
                                           "disposition gratuite de biens et services)."))
    valuation_method = models.TextField(_("méthode de valorisation"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("saisie par"),
                                   null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("saisie le"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("aide en nature")
        verbose_name_plural = _("aides en nature")
        ordering = ["convention", "year", "pk"]
        constraints = [models.CheckConstraint(condition=Q(value__gt=0),
                                              name="in_kind_value_positive")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.year} ({self.value} €)"


class PaymentStatus(models.TextChoices):
    ORDERED = "ordered", _("Mandatée")
    PAID = "paid", _("Versée")
    CANCELLED = "cancelled", _("Annulée")


class Payment(models.Model):
    """A payment order (mandat) for a schedule line, then its payment."""

    line = models.ForeignKey(ScheduleLine, verbose_name=_("échéance"), on_delete=models.PROTECT,
                             related_name="payments")
    amount = money_field(_("montant"))
    ordered_on = models.DateField(_("mandatée le"))
    mandate_reference = models.CharField(_("référence du mandat"), max_length=60)
    account = models.CharField(_("compte d'imputation"), max_length=40)
    paid_on = models.DateField(_("versée le"), null=True, blank=True, db_index=True)
    status = models.CharField(_("statut"), max_length=10, choices=PaymentStatus.choices,
                              default=PaymentStatus.ORDERED, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("saisi par"),
                                   null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("versement")
        verbose_name_plural = _("versements")
        ordering = ["ordered_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["line"], condition=~Q(status="cancelled"),
                                    name="one_live_payment_per_line",
                                    violation_error_message=_(
                                        "Cette échéance a déjà un mandat en cours.")),
        ]

    def __str__(self) -> str:
        return f"{self.mandate_reference} ({self.amount} €)"


class AmendmentStatus(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    SENT = "sent", _("Envoyé pour signature")
    SIGNED = "signed", _("Signé")
    CANCELLED = "cancelled", _("Abandonné")


class Amendment(models.Model):
    """A change of amounts, years or end date, decided by its own deliberation (CGCT
    L2311-7); its document is produced when it is sent, and it takes effect only once signed."""

    convention = models.ForeignKey(Convention, verbose_name=_("convention"),
                                   on_delete=models.PROTECT, related_name="amendments")
    number = models.PositiveSmallIntegerField(_("numéro"))
    reason = models.TextField(_("motif"))
    # {"2026": "12000.00", ...}: the new amount of each changed year.
    new_amounts = models.JSONField(_("nouveaux montants annuels"), default=dict, blank=True)
    new_end_date = models.DateField(_("nouvelle date de fin"), null=True, blank=True)
    decision_reference = models.CharField(_("référence de la délibération"), max_length=120,
                                          blank=True)
    decision_date = models.DateField(_("date de la délibération"), null=True, blank=True)
    status = models.CharField(_("statut"), max_length=10, choices=AmendmentStatus.choices,
                              default=AmendmentStatus.DRAFT)
    sent_on = models.DateField(_("envoyé le"), null=True, blank=True)
    signed_on = models.DateField(_("signé le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("avenant")
        verbose_name_plural = _("avenants")
        ordering = ["convention", "number"]
        constraints = [models.UniqueConstraint(fields=["convention", "number"],
                                               name="amendment_number_unique")]

    def __str__(self) -> str:
        return _("Avenant n°%(number)s") % {"number": self.number}


class ReportStatus(models.TextChoices):
    EXPECTED = "expected", _("Attendu")
    SUBMITTED = "submitted", _("Déposé")
    CHANGES_REQUESTED = "changes_requested", _("Modifications demandées")
    APPROVED = "approved", _("Approuvé")


class FinancialReport(models.Model):
    """The compte rendu financier (CERFA 15059) of one year, due 6 months after its end."""

    year = models.OneToOneField(ConventionYear, verbose_name=_("tranche"),
                                on_delete=models.PROTECT, related_name="report")
    due_date = models.DateField(_("à déposer avant le"), db_index=True)
    status = models.CharField(_("statut"), max_length=20, choices=ReportStatus.choices,
                              default=ReportStatus.EXPECTED, db_index=True)
    # Realised budget on the application's grid (backoffice.core.budget): list of
    # {"account", "amount", "label", "funder", "status", "is_this_authority"}.
    budget_lines = models.JSONField(_("budget réalisé"), default=list, blank=True)
    subsidy_used = money_field(_("part de la subvention utilisée"), null=True, blank=True)
    qualitative_report = models.TextField(_("bilan qualitatif"), blank=True)
    # Arrêté du 11 octobre 2006 art. 2: why a line differs from the provisional budget,
    # {row key: explanation} (row keys of backoffice.core.budget.grid_rows).
    gap_explanations = models.JSONField(_("explication des écarts"), default=dict, blank=True)
    draft_saved_at = models.DateTimeField(_("brouillon enregistré le"), null=True, blank=True)
    submitted_on = models.DateField(_("déposé le"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("déposé par"),
                                     null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    reviewed_on = models.DateField(_("examiné le"), null=True, blank=True)
    review_comment = models.TextField(_("observations de la collectivité"), blank=True)
    unspent_amount = money_field(_("montant non utilisé"), null=True, blank=True)
    repayment_amount = money_field(_("reversement demandé"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("compte rendu financier")
        verbose_name_plural = _("comptes rendus financiers")
        ordering = ["due_date"]
        # The reminders' keyset scan walks (due date, id) in bounded batches.
        indexes = [models.Index(fields=["due_date", "id"])]

    def __str__(self) -> str:
        return _("Compte rendu financier %(year)s") % {"year": self.year.year}


def report_attachment_path(instance, filename):
    return f"conventions/reports/{instance.report_id}/{filename}"


class ReportAttachment(models.Model):
    report = models.ForeignKey(FinancialReport, verbose_name=_("compte rendu"),
                               on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("fichier"), upload_to=report_attachment_path)
    original_name = models.CharField(_("nom du fichier"), max_length=255)
    size = models.PositiveIntegerField(_("taille (octets)"))
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("déposé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("pièce jointe du compte rendu")
        verbose_name_plural = _("pièces jointes des comptes rendus")

    def __str__(self) -> str:
        return self.original_name


class RecoveryKind(models.TextChoices):
    REPAYMENT = "repayment", _("Reversement (subvention non utilisée)")
    CER_WITHDRAWAL = "cer_withdrawal", _("Retrait pour manquement au contrat d'engagement "
                                         "républicain")


class RecoveryGround(models.TextChoices):
    """Why a repayment is claimed outside a financial report (CGCT L1611-4; the convention's
    repayment clause)."""
    UNUSED = "unused", _("Subvention versée et non utilisée")
    BREACH = "breach", _("Manquement aux obligations de la convention")


class RecoveryStatus(models.TextChoices):
    NOTICE = "notice", _("Notifiée, observations attendues")
    OBSERVATIONS = "observations", _("Observations reçues")
    DECIDED = "decided", _("Décision motivée prise")
    TITLE = "title", _("Titre de recettes émis")
    SETTLED = "settled", _("Recouvrée")
    WAIVED = "waived", _("Abandonnée après observations")


class Recovery(models.Model):
    """The recovery of money paid (CGCT L1611-4) or withdrawn for a CER breach (loi 2000-321
    art. 10-1, décret 2021-1947 art. 5), through the contradictory procedure (CRPA L121-1,
    L122-1): notice with a delay for observations → observations → reasoned decision → titre
    de recettes → received or offset against an unpaid line of the same organisation."""

    convention = models.ForeignKey(Convention, verbose_name=_("convention"),
                                   on_delete=models.PROTECT, related_name="recoveries")
    report = models.OneToOneField("FinancialReport", verbose_name=_("compte rendu"), null=True,
                                  blank=True, on_delete=models.PROTECT, related_name="recovery")
    kind = models.CharField(_("nature"), max_length=16, choices=RecoveryKind.choices)
    status = models.CharField(_("statut"), max_length=14, choices=RecoveryStatus.choices,
                              default=RecoveryStatus.NOTICE, db_index=True)
    amount = money_field(_("montant notifié"))
    cancelled_amount = money_field(_("montant annulé sur les échéances non versées"),
                                   default=ZERO)
    breach_date = models.DateField(_("date du manquement"), null=True, blank=True)
    ground = models.CharField(_("fondement"), max_length=8, choices=RecoveryGround.choices,
                              blank=True)
    reason = models.TextField(_("motif"), blank=True,
                              help_text=_("Les faits qui fondent la demande, tels que notifiés."))
    notice_on = models.DateField(_("notifiée le"))
    observation_deadline = models.DateField(_("observations attendues avant le"),
                                            db_index=True)
    observations = models.TextField(_("observations de l'organisation"), blank=True)
    observations_on = models.DateField(_("observations reçues le"), null=True, blank=True)
    decision_on = models.DateField(_("décision prise le"), null=True, blank=True)
    decision_reasons = models.TextField(_("motifs de la décision"), blank=True)
    decided_amount = money_field(_("montant décidé"), null=True, blank=True)
    due_date = models.DateField(_("à reverser avant le"), null=True, blank=True)
    title_reference = models.CharField(_("référence du titre de recettes"), max_length=60,
                                       blank=True)
    title_date = models.DateField(_("titre émis le"), null=True, blank=True)
    settled_on = models.DateField(_("recouvrée le"), null=True, blank=True)
    offset_line = models.ForeignKey(ScheduleLine, verbose_name=_("compensée sur l'échéance"),
                                    null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="offsets")
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("recouvrement")
        verbose_name_plural = _("recouvrements")
        ordering = ["-notice_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="recovery_amount_positive"),
            models.CheckConstraint(condition=Q(decided_amount__lte=models.F("amount")),
                                   name="recovery_decided_within_notice"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.convention.reference} ({self.amount} €)"


class DocumentKind(models.TextChoices):
    CONVENTION = "convention", _("Convention")
    NOTIFICATION = "notification", _("Lettre de notification")
    AMENDMENT = "amendment", _("Avenant")
    REPAYMENT = "repayment", _("Demande de reversement")
    WITHDRAWAL_NOTICE = "withdrawal_notice", _("Notification de retrait (contrat d'engagement "
                                               "républicain)")
    RECOVERY_DECISION = "recovery_decision", _("Décision de reversement")


class DocumentStatus(models.TextChoices):
    PENDING = "pending", _("En cours de génération")
    READY = "ready", _("Prêt")
    FAILED = "failed", _("Échec de la génération")


def generated_document_path(instance, filename):
    return f"conventions/{instance.convention_id}/documents/{filename}"


class GeneratedDocument(models.Model):
    """One version of a generated PDF, stored with its sha256. A signed version is immutable:
    a change produces a new version, never an overwrite."""

    convention = models.ForeignKey(Convention, verbose_name=_("convention"),
                                   on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("type"), max_length=20, choices=DocumentKind.choices)
    version = models.PositiveSmallIntegerField(_("version"))
    amendment = models.ForeignKey(Amendment, verbose_name=_("avenant"), null=True, blank=True,
                                  on_delete=models.CASCADE, related_name="documents")
    report = models.ForeignKey(FinancialReport, verbose_name=_("compte rendu"), null=True,
                               blank=True, on_delete=models.CASCADE, related_name="documents")
    recovery = models.ForeignKey(Recovery, verbose_name=_("recouvrement"), null=True,
                                 blank=True, on_delete=models.PROTECT, related_name="documents")
    status = models.CharField(_("statut"), max_length=10, choices=DocumentStatus.choices,
                              default=DocumentStatus.PENDING)
    file = models.FileField(_("fichier"), upload_to=generated_document_path, blank=True)
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64, blank=True)
    size = models.PositiveIntegerField(_("taille (octets)"), default=0)
    error = models.TextField(_("erreur"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    signed = models.BooleanField(_("version signée"), default=False)
    requested_at = models.DateTimeField(_("demandé le"), auto_now_add=True)
    rendered_at = models.DateTimeField(_("généré le"), null=True, blank=True)

    class Meta:
        verbose_name = _("document généré")
        verbose_name_plural = _("documents générés")
        ordering = ["convention", "kind", "-version"]
        constraints = [models.UniqueConstraint(fields=["convention", "kind", "version"],
                                               name="document_version_unique")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version} — {self.convention.reference}"

    @property
    def filename(self) -> str:
        return f"{self.convention.reference}-{self.kind}-v{self.version}.pdf"


class ImportedSubsidy(models.Model):
    """A historical subsidy loaded from an SCDL-like open-data file (import_scdl)."""

    organisation = models.ForeignKey("core.Organisation", verbose_name=_("bénéficiaire"),
                                     on_delete=models.PROTECT, related_name="imported_subsidies")
    authority_name = models.CharField(_("attribuant"), max_length=255, blank=True)
    authority_id = models.CharField(_("SIRET de l'attribuant"), max_length=20, blank=True)
    convention_date = models.DateField(_("date de la convention"), db_index=True)
    decision_reference = models.CharField(_("référence de la décision"), max_length=255,
                                          blank=True)
    object = models.TextField(_("objet"), blank=True)
    amount = money_field(_("montant"))
    nature = models.CharField(_("nature"), max_length=120, blank=True)
    payment_conditions = models.TextField(_("conditions de versement"), blank=True)
    payment_period = models.CharField(_("période de versement"), max_length=60, blank=True)
    source = models.CharField(_("fichier source"), max_length=255)
    source_line = models.PositiveIntegerField(_("ligne"))
    fingerprint = models.CharField(_("empreinte"), max_length=64, unique=True)
    imported_at = models.DateTimeField(_("importée le"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("subvention importée")
        verbose_name_plural = _("subventions importées")
        ordering = ["-convention_date"]

    def __str__(self) -> str:
        return f"{self.organisation} — {self.amount} € ({self.convention_date:%Y})"
