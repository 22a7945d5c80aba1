"""Shared domain: users, the authority, organisations, members, documents, notifications, audit.

The models of the core app stay in one module, past the usual size for a split: the foreign keys
between them, their constraints and the migrations they produce read in one place, and every
other app imports them from one path.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .roles import AUTHORITY_ROLES, Role
from .validators import validate_day_month, validate_iban, validate_rna, validate_siret


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("L'adresse électronique est obligatoire.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person who logs in with an e-mail address. Roles are groups (see roles.Role)."""

    username = None
    email = models.EmailField(_("adresse électronique"), unique=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    # Set when the owner opened the link e-mailed at sign-up: only then may the account register
    # to vote (one resident, one ballot).
    email_verified_at = models.DateTimeField(_("adresse vérifiée le"), null=True, blank=True)
    # API tokens created before this instant are dead (backoffice.core.authentication).
    password_changed_at = models.DateTimeField(_("mot de passe changé le"), null=True,
                                               blank=True, editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")
        ordering = ["email"]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def set_password(self, raw_password):
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    @cached_property
    def role_names(self) -> frozenset[str]:
        return frozenset(self.groups.values_list("name", flat=True))

    def has_role(self, *roles: Role) -> bool:
        if self.is_superuser and Role.ADMINISTRATOR in roles:
            return True
        return any(role.label in self.role_names for role in roles)

    @property
    def works_for_authority(self) -> bool:
        """Agents, instructors, decision makers and administrators see every organisation."""
        return self.is_active and (self.is_superuser or self.has_role(*AUTHORITY_ROLES))


class AuthorityKind(models.TextChoices):
    COMMUNE = "commune", _("Commune")
    EPCI = "epci", _("Intercommunalité (EPCI)")
    DEPARTEMENT = "departement", _("Département")
    REGION = "region", _("Région")


class Authority(models.Model):
    """The collectivity that funds (collectivité attribuante). One per deployment is usual; an
    intercommunalité and its communes may share one, each numbering its own conventions."""

    name = models.CharField(_("nom"), max_length=200)
    # Conventions are numbered per authority: CONV-<year>-<n> for the one without a code,
    # CONV-<code>-<year>-<n> for the others, so that two authorities' numbers never meet.
    # Authorities without a code share the plain sequence: the administration allows only one.
    reference_code = models.CharField(
        _("code de numérotation"), max_length=12, blank=True,
        validators=[RegexValidator(
            r"^[A-Z][A-Z0-9]{1,11}$",
            _("De 2 à 12 lettres majuscules ou chiffres, en commençant par une lettre "
              "(par exemple LOR)."))],
        help_text=_("Préfixe des numéros de ses conventions (LOR → CONV-LOR-2026-0001). "
                    "Obligatoire pour chaque collectivité après la première lorsque plusieurs "
                    "partagent ce service."),
    )
    kind = models.CharField(_("type"), max_length=20, choices=AuthorityKind.choices)
    siret = models.CharField(_("SIRET"), max_length=14, validators=[validate_siret])
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    address = models.CharField(_("adresse"), max_length=255, blank=True)
    postcode = models.CharField(_("code postal"), max_length=10, blank=True)
    city = models.CharField(_("commune"), max_length=120, blank=True)
    email = models.EmailField(_("adresse électronique de contact"), blank=True)
    signatory_name = models.CharField(_("nom du signataire"), max_length=200, blank=True)
    signatory_title = models.CharField(_("qualité du signataire"), max_length=200, blank=True)
    logo = models.ImageField(_("logo"), upload_to="authority/", blank=True)
    administrative_court = models.CharField(
        _("tribunal administratif compétent"), max_length=200, blank=True
    )
    # The comptable public assignataire who pays (circulaire 5811-SG, CPO model art. "paiement").
    public_accountant = models.CharField(
        _("comptable public assignataire"), max_length=200, blank=True,
        help_text=_("Par exemple : Service de gestion comptable de Lorient."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("collectivité")
        verbose_name_plural = _("collectivités")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(
            fields=["reference_code"], condition=~Q(reference_code=""),
            name="authority_reference_code_unique",
            violation_error_message=_("Une autre collectivité de ce service utilise déjà ce "
                                      "code."))]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        if not self.reference_code and Authority.objects.filter(
                reference_code="").exclude(pk=self.pk).exists():
            raise ValidationError({"reference_code": _(
                "Une autre collectivité de ce service numérote déjà ses conventions sans code : "
                "donnez un code à celle-ci (par exemple LOR).")})

    @property
    def publishes_open_data(self) -> bool:
        """Décret 2017-779: authorities of 3,500 inhabitants or more publish their conventions.
        An unknown population cannot exempt anybody: the obligation is assumed (and the pages
        show the population as a missing setting)."""
        return self.population is None or self.population >= 3500


class LegalForm(models.TextChoices):
    ASSOCIATION = "association", _("Association loi 1901")
    SCIC = "scic", _("SCIC")
    SAS = "sas", _("SAS citoyenne")
    INFORMAL = "informal", _("Collectif informel")
    OTHER = "other", _("Autre")


class Organisation(models.Model):
    """An applicant: association, cooperative, citizen company or informal collective.

    Identity is entered once and reused by every application ("dites-le-nous une fois").
    """

    name = models.CharField(_("nom"), max_length=200)
    legal_form = models.CharField(_("forme juridique"), max_length=20, choices=LegalForm.choices)
    siret = models.CharField(
        _("SIRET"), max_length=14, blank=True, validators=[validate_siret],
        help_text=_("14 chiffres. Facultatif pour un collectif informel."),
    )
    rna = models.CharField(
        _("numéro RNA"), max_length=10, blank=True, validators=[validate_rna],
        help_text=_("W suivi de 9 chiffres, pour une association."),
    )
    address = models.CharField(_("adresse"), max_length=255, blank=True)
    postcode = models.CharField(_("code postal"), max_length=10, blank=True)
    city = models.CharField(_("commune"), max_length=120, blank=True)
    email = models.EmailField(_("adresse électronique"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    website = models.URLField(_("site internet"), blank=True)
    object = models.TextField(_("objet"), blank=True)
    legal_representative_name = models.CharField(
        _("représentant légal ou référent"), max_length=200, blank=True
    )
    legal_representative_title = models.CharField(_("qualité"), max_length=120, blank=True)
    volunteers_count = models.PositiveIntegerField(_("nombre de bénévoles"), default=0)
    employees_count = models.PositiveIntegerField(_("nombre de salariés"), default=0)
    fte = models.DecimalField(_("équivalents temps plein"), max_digits=7, decimal_places=2, default=0)
    members_count = models.PositiveIntegerField(_("nombre d'adhérents"), default=0)
    # The financial report (CERFA 15059) is due 6 months after this date (arrêté 11/10/2006).
    financial_year_end = models.CharField(
        _("clôture de l'exercice comptable (jour/mois)"), max_length=5, default="31/12",
        validators=[validate_day_month],
        help_text=_("Par exemple 31/12 pour un exercice civil, 30/06 sinon."),
    )
    iban = models.CharField(_("IBAN"), max_length=34, blank=True, validators=[validate_iban])
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    # Loi 2021-1109, décret 2021-1947: the contrat d'engagement républicain, accepted by whom, when.
    cer_accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("CER accepté par"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    cer_accepted_at = models.DateTimeField(_("CER accepté le"), null=True, blank=True)
    # A changed IBAN is not paid to until a finance agent has checked it against a RIB: the
    # payments-to-order export leaves the organisation out while this is set.
    bank_details_on_hold = models.BooleanField(
        _("coordonnées bancaires à vérifier"), default=False,
        help_text=_("Les versements sont suspendus tant qu'un agent n'a pas vérifié le RIB."),
    )
    bank_details_changed_at = models.DateTimeField(
        _("coordonnées bancaires modifiées le"), null=True, blank=True)
    bank_details_confirmed_at = models.DateTimeField(
        _("coordonnées bancaires vérifiées le"), null=True, blank=True)
    bank_details_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("coordonnées bancaires vérifiées par"),
        null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["siret"], condition=~Q(siret=""), name="organisation_siret_unique",
                violation_error_message=_("Une organisation avec ce SIRET existe déjà."),
            ),
            models.UniqueConstraint(
                fields=["rna"], condition=~Q(rna=""), name="organisation_rna_unique",
                violation_error_message=_("Une organisation avec ce numéro RNA existe déjà."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        self.siret = (self.siret or "").replace(" ", "")
        self.rna = (self.rna or "").strip().upper()
        self.iban = (self.iban or "").replace(" ", "").upper()
        if self.legal_form != LegalForm.INFORMAL and not self.siret:
            raise ValidationError(
                {"siret": _("Le SIRET est obligatoire, sauf pour un collectif informel.")}
            )
        if self.legal_form == LegalForm.INFORMAL and not self.legal_representative_name:
            raise ValidationError(
                {"legal_representative_name": _("Un collectif informel doit nommer un référent.")}
            )

    @property
    def cer_accepted(self) -> bool:
        return self.cer_accepted_at is not None


class MembershipRole(models.TextChoices):
    ADMIN = "admin", _("Administrateur de l'organisation")
    MEMBER = "member", _("Membre")


class MembershipStatus(models.TextChoices):
    PENDING = "pending", _("En attente de validation")
    ACTIVE = "active", _("Active")


class Membership(models.Model):
    """Links a user to an organisation; a user may belong to several."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("utilisateur"), on_delete=models.CASCADE,
        related_name="memberships",
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("rôle"), max_length=10, choices=MembershipRole.choices,
                            default=MembershipRole.MEMBER)
    status = models.CharField(_("statut"), max_length=10, choices=MembershipStatus.choices,
                              default=MembershipStatus.ACTIVE)
    # Claiming an organisation that has no administrator: the mandate or statutes the
    # requester gave, checked by a finance agent before the claim is granted.
    proof = models.ForeignKey(
        "OrganisationDocument", verbose_name=_("justificatif"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("appartenance")
        verbose_name_plural = _("appartenances")
        ordering = ["organisation__name", "user__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"], name="membership_unique",
                violation_error_message=_("Cette personne est déjà membre de l'organisation."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.organisation}"

    @property
    def is_claim(self) -> bool:
        """A pending request to become the first administrator of an organisation."""
        return self.status == MembershipStatus.PENDING and self.role == MembershipRole.ADMIN


class DocumentKind(models.TextChoices):
    STATUTES = "statutes", _("Statuts")
    MANDATE = "mandate", _("Mandat ou pouvoir du représentant légal")
    RIB = "rib", _("RIB")
    ACCOUNTS = "accounts", _("Derniers comptes approuvés")
    ACTIVITY_REPORT = "activity_report", _("Dernier rapport d'activité")
    OTHER = "other", _("Autre")


def organisation_document_path(instance, filename):
    return f"organisations/{instance.organisation_id}/documents/{filename}"


class OrganisationDocument(models.Model):
    """A document given once and reused by every application until it expires."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE,
        related_name="documents",
    )
    kind = models.CharField(_("type"), max_length=20, choices=DocumentKind.choices)
    label = models.CharField(_("intitulé"), max_length=200, blank=True)
    file = models.FileField(_("fichier"), upload_to=organisation_document_path)
    original_name = models.CharField(_("nom du fichier"), max_length=255)
    content_type = models.CharField(_("type de contenu"), max_length=100)
    size = models.PositiveIntegerField(_("taille (octets)"))
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    valid_until = models.DateField(_("valable jusqu'au"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("déposé par"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    uploaded_at = models.DateTimeField(_("déposé le"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("document de l'organisation")
        verbose_name_plural = _("documents des organisations")
        ordering = ["organisation", "kind", "-uploaded_at"]
        indexes = [
            models.Index(fields=["organisation", "kind"]),
            # (valid_until, id): the expiry reminders walk due documents in keyset order.
            models.Index(fields=["valid_until", "id"], name="core_document_expiry_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.organisation}"

    @property
    def is_valid(self) -> bool:
        return self.valid_until is None or self.valid_until >= timezone.localdate()


class EmailStatus(models.TextChoices):
    PENDING = "pending", _("À envoyer")
    SENT = "sent", _("Envoyé")
    DIGEST = "digest", _("Pour le résumé quotidien")
    SKIPPED = "skipped", _("Non envoyé (préférence)")
    FAILED = "failed", _("Échec définitif")


class Notification(models.Model):
    """An in-app notification, written by notify() together with the e-mail."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("destinataire"), on_delete=models.CASCADE,
        related_name="notifications",
    )
    event = models.CharField(_("événement"), max_length=60)
    title = models.CharField(_("titre"), max_length=255)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("lien"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    read_at = models.DateTimeField(_("lue le"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("envoyée par courriel le"), null=True, blank=True)
    # What the recipient's preferences are keyed on: a reminder kind code or the event itself.
    topic = models.CharField(_("sujet"), max_length=60, blank=True)
    email_status = models.CharField(_("envoi du courriel"), max_length=10,
                                    choices=EmailStatus.choices, default=EmailStatus.PENDING)
    email_attempts = models.PositiveSmallIntegerField(_("tentatives d'envoi"), default=0)
    email_error = models.TextField(_("dernière erreur d'envoi"), blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"]),
            models.Index(fields=["recipient", "topic", "-created_at"]),
            models.Index(fields=["email_status", "created_at"]),
        ]

    def __str__(self) -> str:
        return self.title


class AuditEvent(models.Model):
    """A business event (status change, decision, notification) with who, when and what."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("auteur"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    event = models.CharField(_("événement"), max_length=60)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, null=True, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(_("objet"), max_length=255, blank=True)
    message = models.TextField(_("description"), blank=True)
    data = models.JSONField(_("données"), default=dict, blank=True)
    created_at = models.DateTimeField(_("date"), default=timezone.now)

    class Meta:
        verbose_name = _("événement d'audit")
        verbose_name_plural = _("journal d'audit")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["content_type", "object_id", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%d/%m/%Y %H:%M} {self.event} {self.object_repr}"


class Delivery(models.TextChoices):
    IMMEDIATE = "immediate", _("Un courriel à chaque fois")
    DIGEST = "digest", _("Un résumé quotidien")
    NONE = "none", _("Pas de courriel (notification dans l'application seulement)")


class NotificationPreference(models.Model):
    """How one user wants the e-mails of one topic (an event or a reminder kind).

    No row means immediate delivery. Opting out is refused for mandatory topics (services).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("utilisateur"), on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    topic = models.CharField(_("sujet"), max_length=60)
    delivery = models.CharField(_("envoi"), max_length=10, choices=Delivery.choices,
                                default=Delivery.IMMEDIATE)

    class Meta:
        verbose_name = _("préférence de notification")
        verbose_name_plural = _("préférences de notification")
        constraints = [
            models.UniqueConstraint(fields=["user", "topic"], name="notification_preference_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.topic} : {self.get_delivery_display()}"


class ReminderStatus(models.TextChoices):
    PENDING = "pending", _("Enregistré, à notifier")
    SENT = "sent", _("Notifié")
    CANCELLED = "cancelled", _("Annulé (objet disparu ou sans destinataire)")


class Reminder(models.Model):
    """One reminder of one kind about one object for one deadline and step — at most once ever.

    The unique constraint is what makes re-runs, concurrent scans and crashed workers harmless:
    a second attempt to record the same reminder inserts nothing, so notifies nobody.
    """

    kind = models.CharField(_("type de rappel"), max_length=60)
    # No single-column indexes on these two keys: the composite ones below serve every query,
    # and each index costs on the daily bulk insert. No database constraint either: the scan
    # takes both from the target's own rows in the same statement, so they exist when
    # recorded, and checking them again cost the daily scan a third of its time (the deferred
    # checks of 10 000 rows at commit); deleting an organisation through the application still
    # deletes its reminders (on_delete, tests/core/test_reminders.py).
    target_type = models.ForeignKey(ContentType, verbose_name=_("type d'objet"),
                                    on_delete=models.CASCADE, related_name="+", db_index=False,
                                    db_constraint=False)
    target_id = models.BigIntegerField(_("identifiant de l'objet"))
    due_date = models.DateField(_("échéance"))
    step = models.CharField(_("étape"), max_length=20)
    remind_on = models.DateField(_("à rappeler le"))
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="reminders", db_index=False, db_constraint=False,
    )
    target_repr = models.CharField(_("objet"), max_length=255, blank=True)
    recipient_ids = models.JSONField(_("destinataires"), default=list, blank=True)
    context = models.JSONField(_("contexte du message"), default=dict, blank=True)
    url = models.CharField(_("lien"), max_length=500, blank=True)
    status = models.CharField(_("statut"), max_length=10, choices=ReminderStatus.choices,
                              default=ReminderStatus.PENDING)
    late = models.BooleanField(_("en retard"), default=False)
    created_at = models.DateTimeField(_("enregistré le"), default=timezone.now)
    sent_at = models.DateTimeField(_("notifié le"), null=True, blank=True)
    # Indexed only where set (see Meta): the daily job's rows never have one.
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("envoyé à la main par"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+", db_index=False,
    )

    class Meta:
        verbose_name = _("rappel")
        verbose_name_plural = _("rappels")
        ordering = ["-remind_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "target_type", "target_id", "due_date", "step"],
                name="reminder_once_per_step",
            )
        ]
        # Every index costs on the daily bulk insert, so each one serves a query that needs it:
        # the list's order (and its date, kind and status filters, read along it), an
        # organisation's reminders, the pending outbox (small: rows leave it once delivered),
        # and a user's deletion (SET NULL) on the few reminders sent by hand. Lookups by kind
        # and target use the unique constraint's index.
        indexes = [
            models.Index(fields=["-remind_on", "-id"]),
            models.Index(fields=["organisation", "-remind_on"]),
            models.Index(fields=["created_at"], condition=models.Q(status="pending"),
                         name="reminder_pending_outbox"),
            models.Index(fields=["sent_by"], condition=models.Q(sent_by__isnull=False),
                         name="reminder_sent_by_hand"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.step} — {self.target_repr} ({self.due_date:%d/%m/%Y})"


class ReminderRun(models.Model):
    """One pass of the daily job: the day it ran for and what it found, sent and skipped.

    The last successful run tells the next one where to resume after downtime.
    """

    day = models.DateField(_("jour traité"))
    scanned_from = models.DateField(_("depuis le"))
    started_at = models.DateTimeField(_("commencé le"), default=timezone.now)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)
    succeeded = models.BooleanField(_("réussi"), default=False)
    due = models.PositiveIntegerField(_("rappels dus"), default=0)
    sent = models.PositiveIntegerField(_("rappels envoyés"), default=0)
    skipped = models.PositiveIntegerField(_("déjà envoyés"), default=0)
    error = models.TextField(_("erreur"), blank=True)

    class Meta:
        verbose_name = _("passage des rappels")
        verbose_name_plural = _("passages des rappels")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["succeeded", "-day"])]

    def __str__(self) -> str:
        return f"{self.day:%d/%m/%Y}"
