"""Participatory-budget vote: districts, voters, ballots, the census list and every computation.

A ballot's choices are stored as a JSON list of application ids on the ballot row rather than one
row per choice: a 200,000-ballot vote is then 200,000 inserts, not a million, and the winner rules
read the lists as they are. The ids are checked by the ballot service (and by the import).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

MONEY = {"max_digits": 12, "decimal_places": 2}


class District(models.Model):
    """A heading of a participatory call with its own envelope; winners are computed per district."""

    call = models.ForeignKey("funds.Call", verbose_name=_("appel"), on_delete=models.CASCADE,
                             related_name="districts")
    name = models.CharField(_("nom"), max_length=200)
    envelope = models.DecimalField(_("enveloppe (€)"), validators=[MinValueValidator(0)],
                                   **MONEY)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("quartier")
        verbose_name_plural = _("quartiers")
        ordering = ["call", "position", "name"]
        constraints = [models.UniqueConstraint(fields=["call", "name"],
                                               name="district_unique_name")]

    def __str__(self) -> str:
        return self.name


class VoterSource(models.TextChoices):
    ONLINE = "online", _("Inscription en ligne")
    PAPER = "paper", _("Bulletin papier (identité vérifiée par un agent)")
    IMPORT = "import", _("Fichier importé")


class Voter(models.Model):
    """A person registered to vote in one call. Online voters verify their e-mail by a signed link."""

    call = models.ForeignKey("funds.Call", verbose_name=_("appel"), on_delete=models.CASCADE,
                             related_name="voters")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("compte"), null=True,
                             blank=True, on_delete=models.PROTECT, related_name="voter_records")
    source = models.CharField(_("origine"), max_length=10, choices=VoterSource.choices,
                              default=VoterSource.ONLINE)
    email = models.EmailField(_("courriel"), blank=True)
    first_name = models.CharField(_("prénom"), max_length=150, blank=True)
    last_name = models.CharField(_("nom"), max_length=150, blank=True)
    birth_date = models.DateField(_("date de naissance"), null=True, blank=True)
    district = models.ForeignKey(District, verbose_name=_("quartier"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="voters")
    resident = models.BooleanField(_("déclare résider sur le territoire"), default=False)
    verified_at = models.DateTimeField(_("courriel vérifié le"), null=True, blank=True)
    external_id = models.CharField(_("identifiant d'origine"), max_length=100, blank=True)
    # Normalised last name, first name and birth date (rules.census_key): one person, one
    # registration per call, whatever the account or the channel. Empty for anonymous imports.
    # (db_default: the PostgreSQL COPY of imported ballots lists no such column.)
    identity_key = models.CharField(_("clé d'identité"), max_length=320, blank=True,
                                    editable=False, default="", db_default="")
    data = models.JSONField(_("autres informations"), default=dict, blank=True)
    created_at = models.DateTimeField(_("inscrit le"), auto_now_add=True)

    class Meta:
        verbose_name = _("votant")
        verbose_name_plural = _("votants")
        ordering = ["call", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["call", "user"], condition=Q(user__isnull=False),
                                    name="voter_one_registration_per_user"),
            models.UniqueConstraint(fields=["call", "external_id"],
                                    condition=~Q(external_id=""),
                                    name="voter_unique_external_id"),
            models.UniqueConstraint(fields=["call", "identity_key"],
                                    condition=~Q(identity_key=""),
                                    name="voter_one_registration_per_person"),
        ]

    def __str__(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return name or self.email or self.external_id or f"#{self.pk}"

    def save(self, *args, **kwargs):
        self.identity_key = voter_identity_key(self.last_name, self.first_name, self.birth_date)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "identity_key"}
        super().save(*args, **kwargs)


def voter_identity_key(last_name: str, first_name: str, birth_date) -> str:
    """The person's key when the names and the birth date are all known, else ""."""
    from .rules import census_key

    if not (str(last_name or "").strip() and str(first_name or "").strip() and birth_date):
        return ""
    return census_key(last_name, first_name, birth_date)


class BallotChannel(models.TextChoices):
    ONLINE = "online", _("En ligne")
    PAPER = "paper", _("Papier (saisi par un agent)")
    IMPORT = "import", _("Importé")


class Ballot(models.Model):
    """One voter's ballot in one call: at most one, enforced by the database.

    ``choices``: application ids, in the voter's order. ``points``: parallel list of integers for
    cumulative (and pointed ordinal) ballots, else null.
    """

    # No index of its own on call: the (call, voter) unique index serves lookups by call, and
    # each index less speeds up the bulk import of 100,000s of ballots.
    call = models.ForeignKey("funds.Call", verbose_name=_("appel"), on_delete=models.CASCADE,
                             related_name="ballots", db_index=False)
    voter = models.ForeignKey(Voter, verbose_name=_("votant"), on_delete=models.CASCADE,
                              related_name="ballots")
    choices = models.JSONField(_("projets choisis"), default=list)
    points = models.JSONField(_("points"), null=True, blank=True)
    channel = models.CharField(_("canal"), max_length=10, choices=BallotChannel.choices,
                               default=BallotChannel.ONLINE)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("saisi par"),
                                   null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    cast_at = models.DateTimeField(_("déposé le"))
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("bulletin")
        verbose_name_plural = _("bulletins")
        ordering = ["call", "pk"]
        constraints = [
            # One ballot per voter per call, whatever the code path (a second one replaces it).
            models.UniqueConstraint(fields=["call", "voter"], name="ballot_one_per_voter"),
            models.CheckConstraint(condition=~Q(channel="paper") | Q(entered_by__isnull=False),
                                   name="ballot_paper_has_agent"),
        ]

    def __str__(self) -> str:
        return f"{self.call} — {self.voter}"


class CensusEntry(models.Model):
    """One person of the imported voter list: when the call requires it, only they may vote."""

    call = models.ForeignKey("funds.Call", verbose_name=_("appel"), on_delete=models.CASCADE,
                             related_name="census")
    last_name = models.CharField(_("nom"), max_length=150)
    first_name = models.CharField(_("prénom"), max_length=150)
    birth_date = models.DateField(_("date de naissance"))
    key = models.CharField(_("clé de rapprochement"), max_length=320, editable=False)

    class Meta:
        verbose_name = _("inscrit de la liste")
        verbose_name_plural = _("liste des inscrits")
        ordering = ["call", "last_name", "first_name"]
        constraints = [models.UniqueConstraint(fields=["call", "key"],
                                               name="census_unique_person")]

    def __str__(self) -> str:
        return f"{self.last_name} {self.first_name} ({self.birth_date:%d/%m/%Y})"

    def save(self, *args, **kwargs):
        from .rules import census_key

        self.key = census_key(self.last_name, self.first_name, self.birth_date)
        super().save(*args, **kwargs)


class ComputationStatus(models.TextChoices):
    PENDING = "pending", _("En cours")
    DONE = "done", _("Terminé")
    FAILED = "failed", _("Échec")


class VoteComputation(models.Model):
    """A stored winner computation: rule, hash of the inputs, result, who and when (auditable)."""

    call = models.ForeignKey("funds.Call", verbose_name=_("appel"), on_delete=models.CASCADE,
                             related_name="computations")
    rule = models.CharField(_("règle"), max_length=20)
    min_votes = models.PositiveIntegerField(_("minimum de voix"), null=True, blank=True)
    status = models.CharField(_("état"), max_length=10, choices=ComputationStatus.choices,
                              default=ComputationStatus.PENDING)
    inputs_sha256 = models.CharField(_("empreinte SHA-256 des données"), max_length=64,
                                     blank=True)
    ballots = models.PositiveIntegerField(_("bulletins"), default=0)
    result = models.JSONField(_("résultat"), default=dict, blank=True)
    error = models.TextField(_("erreur"), blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("demandé par"),
                                     null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    requested_at = models.DateTimeField(_("demandé le"), auto_now_add=True)
    computed_at = models.DateTimeField(_("calculé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("calcul des lauréats")
        verbose_name_plural = _("calculs des lauréats")
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        from .rules import rule_label

        return f"{self.call} — {rule_label(self.rule)} — {self.requested_at:%d/%m/%Y %H:%M}"

    def parts(self) -> list[dict]:
        return self.result.get("parts", [])

    def winner_ids(self) -> list[int]:
        return [int(p) for part in self.parts() for p in part["winners"]]
