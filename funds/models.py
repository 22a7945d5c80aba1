"""Funds, calls, the single simple application (CERFA 12156 structure), its review and the award.

Committed and remaining amounts of a fund are derived from its awards (selectors), never typed.

The models of the funds app stay in one module, past the usual size for a split: a fund, its
calls, applications and awards refer to one another, and their relations, constraints and
migrations read in one place.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from backoffice.core.choices import Nature
from backoffice.core.models import Authority, DocumentKind, Organisation
from backoffice.core.money import format_eur

ZERO = Decimal("0.00")
SHARE_VALIDATORS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))]
MONEY = {"max_digits": 12, "decimal_places": 2}


class Fund(models.Model):
    """An envelope of the authority with its financing rules (DOMAIN §4: per-fund, not law)."""

    authority = models.ForeignKey(Authority, verbose_name=_("collectivité"),
                                  on_delete=models.PROTECT, related_name="funds")
    name = models.CharField(_("nom"), max_length=200)
    year_start = models.PositiveSmallIntegerField(_("première année budgétaire"))
    year_end = models.PositiveSmallIntegerField(_("dernière année budgétaire"))
    envelope = models.DecimalField(_("enveloppe (€)"), validators=[MinValueValidator(ZERO)],
                                   **MONEY)
    natures = models.JSONField(_("natures autorisées"), default=list,
                               help_text=_("fonctionnement, projet, investissement, ingenierie"))
    budget_imputation = models.CharField(_("imputation budgétaire"), max_length=20,
                                         help_text=_("Par exemple 6574 ou 20421."))
    max_authority_share = models.DecimalField(
        _("part maximale de la collectivité"), max_digits=5, decimal_places=4,
        default=Decimal("0.8000"), validators=SHARE_VALIDATORS,
        help_text=_("Fraction du coût total du projet (0,80 = 80 %)."))
    max_public_share = models.DecimalField(
        _("part maximale de financements publics"), max_digits=5, decimal_places=4, null=True,
        blank=True, validators=SHARE_VALIDATORS,
        help_text=_("Toutes aides publiques confondues ; vide = sans plafond."))
    min_self_financing_share = models.DecimalField(
        _("part minimale d'autofinancement"), max_digits=5, decimal_places=4,
        default=Decimal("0.1000"), validators=SHARE_VALIDATORS)
    volunteering_counts = models.BooleanField(
        _("le bénévolat valorisé compte dans l'autofinancement"), default=True)
    in_kind_counts = models.BooleanField(
        _("les autres contributions en nature comptent dans l'autofinancement"), default=True)
    min_amount = models.DecimalField(_("montant minimal par projet"), default=ZERO,
                                     validators=[MinValueValidator(ZERO)], **MONEY)
    max_amount = models.DecimalField(_("montant maximal par projet"),
                                     validators=[MinValueValidator(ZERO)], **MONEY)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("fonds")
        verbose_name_plural = _("fonds")
        ordering = ["-year_start", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        errors = {}
        if self.year_end is not None and self.year_start is not None \
                and self.year_end < self.year_start:
            errors["year_end"] = _("La dernière année ne peut pas précéder la première.")
        if self.max_amount is not None and self.min_amount is not None \
                and self.max_amount < self.min_amount:
            errors["max_amount"] = _("Le montant maximal doit être supérieur au minimum.")
        if self.pk and self.envelope is not None:
            # The envelope bounds what was awarded: it cannot go below the committed total.
            committed = Award.objects.filter(fund_id=self.pk).aggregate(
                total=models.Sum("amount"))["total"] or ZERO
            if self.envelope < committed:
                errors["envelope"] = _(
                    "L'enveloppe (%(envelope)s) ne peut pas descendre sous le montant déjà "
                    "attribué (%(committed)s) : indiquez au moins %(committed)s.") % {
                    "envelope": format_eur(self.envelope), "committed": format_eur(committed)}
        unknown = [n for n in (self.natures or []) if n not in Nature.values]
        if unknown or not self.natures:
            errors["natures"] = _("Choisissez au moins une nature parmi : %(natures)s.") % {
                "natures": ", ".join(Nature.values)}
        if errors:
            raise ValidationError(errors)


class CallKind(models.TextChoices):
    INITIATIVES = "initiatives", _("Initiatives citoyennes (décision en comité)")
    PARTICIPATORY = "participatory", _("Budget participatif (vote citoyen)")


class CallPhase(models.TextChoices):
    DRAFT = "draft", _("En préparation")
    OPEN = "open", _("Ouvert aux dépôts")
    REVIEW = "review", _("Instruction")
    VOTE = "vote", _("Vote")
    DECISION = "decision", _("Décision")
    RESULTS = "results", _("Résultats")
    CLOSED = "closed", _("Clôturé")


class ApplicantKind(models.TextChoices):
    ASSOCIATION = "association", _("Association")
    COOPERATIVE = "cooperative", _("SCIC ou SAS citoyenne")
    INFORMAL = "informal", _("Collectif informel")
    INDIVIDUAL = "individual", _("Habitant (personne physique)")


class BallotStyle(models.TextChoices):
    APPROVAL = "approval", _("Approbation (de n à m projets)")
    KNAPSACK = "knapsack", _("Sac à dos (dans la limite de l'enveloppe)")
    CUMULATIVE = "cumulative", _("Points répartis (fichiers importés)")


class WinnerRule(models.TextChoices):
    # Same French names as funds.voting.rules.RULE_LABELS (what voters and agents read).
    GREEDY = "greedy", _("Les plus votés d'abord (en passant ceux qui ne tiennent pas)")
    GREEDY_NO_SKIP = "greedy-no-skip", _("Les plus votés d'abord (arrêt au premier qui ne tient pas)")
    MES = "mes", _("Parts égales")
    MES_COMPLETED = "mes-completed", _("Parts égales, complétées par les plus votés")
    MES_ADD1 = "mes-add1", _("Parts égales, parts relevées d'une unité à la fois (Add1)")
    MES_ADD1_COMPARISON = "mes-add1-comparison", _("Parts égales (Add1), comparées aux plus votés")


class CategoryBudgetMode(models.TextChoices):
    CAPPED = "capped", _("Plafonnée (au plus ce montant)")
    RESERVED = "reserved", _("Réservée (d'abord attribuée à la catégorie)")


# The field holding the start date of each dated phase (review starts the day after closing).
PHASE_DATE_FIELDS = {"open": "opens_on", "review": "closes_on", "vote": "vote_on",
                     "decision": "decision_on", "results": "results_on", "closed": "ends_on"}


class Call(models.Model):
    """A call for projects of a fund, with dated phases (the beat task follows the dates)."""

    fund = models.ForeignKey(Fund, verbose_name=_("fonds"), on_delete=models.PROTECT,
                             related_name="calls")
    kind = models.CharField(_("type"), max_length=20, choices=CallKind.choices,
                            default=CallKind.INITIATIVES)
    title = models.CharField(_("titre"), max_length=200)
    description = models.TextField(_("description"))
    applicant_kinds = models.JSONField(_("qui peut déposer"), default=list)
    min_age = models.PositiveSmallIntegerField(_("âge minimal (personnes physiques)"),
                                               null=True, blank=True)
    one_per_applicant = models.BooleanField(_("un seul dossier par porteur"), default=False)
    required_documents = models.JSONField(_("documents exigés"), default=list, blank=True)
    questions = models.JSONField(_("questions complémentaires"), default=list, blank=True)
    phase = models.CharField(_("phase"), max_length=12, choices=CallPhase.choices,
                             default=CallPhase.DRAFT)
    opens_on = models.DateField(_("ouverture des dépôts"))
    closes_on = models.DateField(_("clôture des dépôts"),
                                 help_text=_("Dernier jour pour déposer un dossier."))
    vote_on = models.DateField(_("début du vote"), null=True, blank=True)
    decision_on = models.DateField(_("début de la décision"))
    results_on = models.DateField(_("publication des résultats"))
    ends_on = models.DateField(_("clôture de l'appel"))
    # Participatory budgets: the vote (funds.voting.models holds districts, voters, ballots).
    ballot_style = models.CharField(_("type de bulletin"), max_length=12,
                                    choices=BallotStyle.choices, default=BallotStyle.APPROVAL)
    min_choices = models.PositiveSmallIntegerField(_("nombre minimal de choix"), default=1)
    max_choices = models.PositiveSmallIntegerField(
        _("nombre maximal de choix"), null=True, blank=True,
        help_text=_("Vide = sans limite (Toulouse 2022 : de 1 à 3 choix)."))
    min_budget_share = models.DecimalField(
        _("part minimale de l'enveloppe (bulletin sac à dos)"), max_digits=5, decimal_places=4,
        null=True, blank=True, validators=SHARE_VALIDATORS,
        help_text=_("0,50 = le bulletin doit utiliser au moins la moitié de l'enveloppe."))
    winner_rule = models.CharField(_("règle de désignation des lauréats"), max_length=20,
                                   choices=WinnerRule.choices, default=WinnerRule.GREEDY)
    min_votes = models.PositiveIntegerField(_("nombre minimal de voix pour être retenu"),
                                            null=True, blank=True)
    min_score = models.PositiveIntegerField(
        _("seuil de voix pour être retenu"), null=True, blank=True,
        help_text=_("Nombre de soutiens (bulletin d'approbation) ou somme des points (bulletin "
                    "à points), par exemple 100."))
    min_share = models.DecimalField(
        _("seuil en part des votants"), max_digits=5, decimal_places=4, null=True, blank=True,
        validators=SHARE_VALIDATORS,
        help_text=_("0,05 = au moins 5 % des votants doivent soutenir le projet."))
    exclusive_groups = models.JSONField(
        _("groupes de projets exclusifs"), default=list, blank=True,
        help_text=_("Listes de références de projets dont un seul peut être retenu (même site)."))
    category_budgets = models.JSONField(
        _("enveloppes par catégorie ou quartier"), default=dict, blank=True,
        help_text=_("Catégorie (ou quartier) -> montant en euros."))
    category_budget_mode = models.CharField(
        _("enveloppes par catégorie"), max_length=10, choices=CategoryBudgetMode.choices,
        default=CategoryBudgetMode.CAPPED)
    voter_min_age = models.PositiveSmallIntegerField(_("âge minimal pour voter"), null=True,
                                                     blank=True)
    voter_residence = models.CharField(
        _("territoire de résidence des votants"), max_length=120, blank=True,
        help_text=_("Les votants déclarent y résider, par exemple « Lorient »."))
    census_required = models.BooleanField(
        _("seuls les inscrits de la liste importée votent"), default=False)
    results_computation = models.ForeignKey(
        "funds.VoteComputation", verbose_name=_("calcul publié"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+")
    results_published_at = models.DateTimeField(_("résultats publiés le"), null=True,
                                                blank=True)
    pb_meta = models.JSONField(_("métadonnées Pabulib"), default=dict, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("appel")
        verbose_name_plural = _("appels")
        ordering = ["-opens_on", "title"]

    def __str__(self) -> str:
        return self.title

    def clean(self):
        errors = {**self._application_form_errors(), **self._vote_errors()}
        if "vote_on" not in errors:
            for field_name, message in self._phase_order_errors().items():
                errors.setdefault(field_name, message)
        if errors:
            raise ValidationError(errors)

    def _application_form_errors(self) -> dict:
        """What the application form asks: who may apply, which documents, how many
        questions."""
        from . import rules

        errors = {}
        unknown = [k for k in (self.applicant_kinds or []) if k not in ApplicantKind.values]
        if unknown or not self.applicant_kinds:
            errors["applicant_kinds"] = _("Indiquez qui peut déposer un dossier.")
        bad_docs = [k for k in (self.required_documents or []) if k not in DocumentKind.values]
        if bad_docs:
            errors["required_documents"] = _("Type de document inconnu : %(kinds)s.") % {
                "kinds": ", ".join(bad_docs)}
        if len(self.questions or []) > rules.MAX_QUESTIONS:
            errors["questions"] = _("Au plus %(n)s questions complémentaires.") % {
                "n": rules.MAX_QUESTIONS}
        return errors

    def _vote_errors(self) -> dict:
        """A participatory budget has a dated vote and a coherent number of choices; a call
        decided in committee has no vote."""
        errors = {}
        if self.kind == CallKind.PARTICIPATORY and not self.vote_on:
            errors["vote_on"] = _("Un budget participatif a une phase de vote datée.")
        if self.max_choices is not None and self.max_choices < self.min_choices:
            errors["max_choices"] = _("Le maximum de choix doit être au moins égal au minimum.")
        if self.kind == CallKind.INITIATIVES and self.vote_on:
            errors["vote_on"] = _("Un appel décidé en comité n'a pas de phase de vote.")
        return errors

    def _phase_order_errors(self) -> dict:
        """Each out-of-order date is shown on its own field, not on the last one."""
        from . import rules

        dates = {phase: day for phase, day in self.phase_dates().items() if day is not None}
        return {PHASE_DATE_FIELDS[phase]: message
                for phase, message in rules.phase_order_errors(dates).items()}

    def phase_dates(self) -> dict:
        """Start date of each dated phase, in order (review starts the day after closing)."""
        import datetime as dt

        dates = {CallPhase.OPEN.value: self.opens_on,
                 CallPhase.REVIEW.value: self.closes_on + dt.timedelta(days=1)
                 if self.closes_on else None}
        if self.kind == CallKind.PARTICIPATORY:
            dates[CallPhase.VOTE.value] = self.vote_on
        dates.update({CallPhase.DECISION.value: self.decision_on,
                      CallPhase.RESULTS.value: self.results_on,
                      CallPhase.CLOSED.value: self.ends_on})
        return dates

    @property
    def vote_closes_on(self):
        """Last day of the vote: the day before the decision phase starts."""
        import datetime as dt

        return self.decision_on - dt.timedelta(days=1) if self.vote_on else None

    @property
    def allows_individuals(self) -> bool:
        return ApplicantKind.INDIVIDUAL in (self.applicant_kinds or [])


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    SUBMITTED = "submitted", _("Déposé")
    INFO_REQUESTED = "info_requested", _("Compléments demandés")
    ELIGIBLE = "eligible", _("Recevable, instruit")
    INELIGIBLE = "ineligible", _("Irrecevable")
    AWARDED = "awarded", _("Subvention attribuée")
    REJECTED = "rejected", _("Rejeté")


class VoteExclusion(models.TextChoices):
    INCOMPATIBLE = "incompatible", _("Incompatible avec un projet retenu")
    WITHDRAWN = "withdrawn", _("Retiré par son porteur ou la collectivité")


class Application(models.Model):
    """The single simple application: about ten fields plus the CERFA 12156 budget grid."""

    call = models.ForeignKey(Call, verbose_name=_("appel"), on_delete=models.PROTECT,
                             related_name="applications")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="applications",
        help_text=_("Vide pour un habitant qui dépose à titre individuel."))
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("déposant"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="applications",
        help_text=_("Vide pour un projet importé d'un fichier de vote (Pabulib)."))
    district = models.ForeignKey("funds.District", verbose_name=_("quartier"), null=True,
                                 blank=True, on_delete=models.PROTECT,
                                 related_name="applications")
    vote_exclusion = models.CharField(_("retiré du vote"), max_length=20, blank=True,
                                      choices=VoteExclusion.choices)
    vote_exclusion_reason = models.CharField(_("motif du retrait"), max_length=300,
                                             blank=True)
    pb_data = models.JSONField(_("colonnes d'origine (Pabulib)"), default=dict, blank=True)
    applicant_age = models.PositiveSmallIntegerField(_("âge déclaré"), null=True, blank=True)
    external_reference = models.CharField(_("référence externe"), max_length=100, blank=True)
    status = models.CharField(_("statut"), max_length=20, choices=ApplicationStatus.choices,
                              default=ApplicationStatus.DRAFT)
    title = models.CharField(_("titre du projet"), max_length=200)
    summary = models.TextField(_("résumé"), max_length=1500, blank=True,
                               validators=[MaxLengthValidator(1500)])
    place = models.CharField(_("lieu"), max_length=200, blank=True)
    start_date = models.DateField(_("début"), null=True, blank=True)
    end_date = models.DateField(_("fin"), null=True, blank=True)
    nature = models.CharField(_("nature"), max_length=20, choices=Nature.choices, blank=True)
    amount_requested = models.DecimalField(_("montant demandé (€)"), default=ZERO,
                                           validators=[MinValueValidator(ZERO)], **MONEY)
    volunteer_hours = models.DecimalField(_("heures de bénévolat prévues"), max_digits=9,
                                          decimal_places=2, default=ZERO,
                                          validators=[MinValueValidator(ZERO)])
    answers = models.JSONField(_("réponses aux questions"), default=list, blank=True)
    cer_accepted = models.BooleanField(_("contrat d'engagement républicain accepté"),
                                       default=False)
    version = models.PositiveIntegerField(_("version déposée"), default=0)
    submitted_at = models.DateTimeField(_("déposé le"), null=True, blank=True)
    # Review (instruction)
    checklist = models.JSONField(_("vérifications manuelles"), default=dict, blank=True)
    estimated_cost = models.DecimalField(_("coût estimé par la collectivité"), null=True,
                                         blank=True, validators=[MinValueValidator(ZERO)],
                                         **MONEY)
    proposed_amount = models.DecimalField(_("montant proposé par l'instruction"), null=True,
                                          blank=True, validators=[MinValueValidator(ZERO)],
                                          **MONEY)
    opinion = models.TextField(_("avis de l'instructeur"), blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("instruit par"),
                                    null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    motivation = models.TextField(_("motivation de la décision"), blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["call", "status"]),
                   models.Index(fields=["call", "submitted_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount_requested__gte=0),
                                   name="application_amount_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def applicant_name(self) -> str:
        if self.organisation_id:
            return self.organisation.name
        return str(self.applicant) if self.applicant_id else _("Projet importé")

    @property
    def reference(self) -> str:
        """The number volunteers log hours on ("DOS-42"), see volunteering.projects."""
        from volunteering.projects import application_reference

        return application_reference(self)

    @property
    def editable(self) -> bool:
        return self.status in (ApplicationStatus.DRAFT, ApplicationStatus.INFO_REQUESTED)


class ApplicationBudgetLine(models.Model):
    """One line of the project budget (backoffice.core.budget.BudgetLine, stored)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE,
                                    related_name="budget_lines")
    account = models.CharField(_("compte"), max_length=4)
    label = models.CharField(_("libellé"), max_length=200, blank=True)
    funder = models.CharField(_("financeur"), max_length=20, blank=True)
    funder_status = models.CharField(_("demandé ou obtenu"), max_length=10, blank=True)
    is_this_authority = models.BooleanField(_("demandé à la collectivité"), default=False)
    amount = models.DecimalField(_("montant"), validators=[MinValueValidator(ZERO)], **MONEY)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ligne de budget")
        verbose_name_plural = _("lignes de budget")
        ordering = ["account", "funder", "pk"]

    def __str__(self) -> str:
        return f"{self.account} {self.label} {self.amount}"


class ApplicationVersion(models.Model):
    """A frozen copy of each submitted version, so instructors can diff resubmissions."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE,
                                    related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    data = models.JSONField(_("contenu"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    submitted_at = models.DateTimeField(_("déposée le"))
    receipt = models.FileField(_("récépissé"), upload_to="funds/receipts/", blank=True)
    receipt_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("version déposée")
        verbose_name_plural = _("versions déposées")
        ordering = ["application", "number"]
        constraints = [models.UniqueConstraint(fields=["application", "number"],
                                               name="application_version_unique")]

    def __str__(self) -> str:
        return f"{self.application} — v{self.number}"


class MessageKind(models.TextChoices):
    INFO_REQUEST = "info_request", _("Demande de compléments")
    ANSWER = "answer", _("Réponse du porteur")
    DECISION = "decision", _("Décision")
    NOTE = "note", _("Message")


class ApplicationMessage(models.Model):
    """A message between the authority and the applicant, shown on the timeline."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE,
                                    related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                               related_name="+")
    kind = models.CharField(_("type"), max_length=20, choices=MessageKind.choices)
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("envoyé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.application}"


class Award(models.Model):
    """The award (attribution) decided for one application: what a convention is built from."""

    application = models.OneToOneField(Application, verbose_name=_("dossier"),
                                       on_delete=models.PROTECT, related_name="award")
    fund = models.ForeignKey(Fund, verbose_name=_("fonds"), on_delete=models.PROTECT,
                             related_name="awards")
    amount = models.DecimalField(_("montant attribué"), validators=[MinValueValidator(ZERO)],
                                 **MONEY)
    nature = models.CharField(_("nature"), max_length=20, choices=Nature.choices)
    deliberation_reference = models.CharField(_("référence de la délibération"), max_length=100)
    deliberation_date = models.DateField(_("date de la délibération"))
    awarded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("attribuée par"),
                                   on_delete=models.PROTECT, related_name="+")
    awarded_at = models.DateTimeField(_("attribuée le"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("attribution")
        verbose_name_plural = _("attributions")
        ordering = ["-awarded_at"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0),
                                              name="award_amount_positive")]

    def __str__(self) -> str:
        return f"{self.application} — {self.amount} €"

    @property
    def organisation(self):
        return self.application.organisation

    @property
    def authority(self):
        return self.fund.authority

    @property
    def budget_imputation(self) -> str:
        return self.fund.budget_imputation


from .voting.models import (  # noqa: E402, F401  (voting models live in their package)
    Ballot,
    BallotChannel,
    CensusEntry,
    District,
    VoteComputation,
    Voter,
)
