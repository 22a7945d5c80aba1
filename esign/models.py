"""A signature request on one generated document, its one-time codes and its evidence."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RequestStatus(models.TextChoices):
    ASSOCIATION = "association", _("À signer par l'organisation")
    AUTHORITY = "authority", _("À signer par la collectivité")
    SIGNED = "signed", _("Signé par les deux parties")
    CANCELLED = "cancelled", _("Annulé")


class SignerRole(models.TextChoices):
    ASSOCIATION = "association", _("Représentant légal de l'organisation")
    AUTHORITY = "authority", _("Signataire de la collectivité")


def signed_path(instance, filename: str) -> str:
    return f"esign/{instance.document.convention_id}/{instance.pk or 'new'}-{filename}"


class SignatureRequest(models.Model):
    """The signature of one generated PDF by both parties. The document signed is the one
    whose SHA-256 is ``source_sha256``; each signature is an incremental update, so the signed
    file of record (``signed_file``, ``signed_sha256``) keeps every earlier signature valid."""

    document = models.ForeignKey("conventions.GeneratedDocument", verbose_name=_("document"),
                                 on_delete=models.PROTECT, related_name="signature_requests")
    status = models.CharField(_("état"), max_length=20, choices=RequestStatus.choices,
                              default=RequestStatus.ASSOCIATION)
    source_sha256 = models.CharField(_("empreinte du document à signer"), max_length=64)
    signed_file = models.FileField(_("PDF signé"), upload_to=signed_path, blank=True)
    signed_sha256 = models.CharField(_("empreinte du PDF signé"), max_length=64, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("demandé par"),
                                   null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("demandé le"), default=timezone.now)
    completed_at = models.DateTimeField(_("signé par les deux parties le"), null=True,
                                        blank=True)

    class Meta:
        verbose_name = _("demande de signature")
        verbose_name_plural = _("demandes de signature")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(
            fields=["document"], condition=~models.Q(status="cancelled"),
            name="esign_one_open_request_per_document")]

    def __str__(self) -> str:
        return f"{self.document} — {self.get_status_display()}"


class OneTimeCode(models.Model):
    """A code sent by e-mail to the signer; only its keyed hash is stored."""

    request = models.ForeignKey(SignatureRequest, on_delete=models.CASCADE,
                                related_name="codes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    code_hash = models.CharField(max_length=64)
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("code à usage unique")
        verbose_name_plural = _("codes à usage unique")
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"{self.user} — {self.sent_at:%d/%m/%Y %H:%M}"


class SignatureEvidence(models.Model):
    """What proves a signature: who, how they were identified, when, from where, on which
    exact document, with which certificate. Written once, never changed."""

    request = models.ForeignKey(SignatureRequest, on_delete=models.PROTECT,
                                related_name="evidence")
    role = models.CharField(_("qualité"), max_length=20, choices=SignerRole.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("compte"),
                             on_delete=models.PROTECT, related_name="+")
    signer_name = models.CharField(_("signataire"), max_length=200)
    signer_email = models.EmailField(_("adresse du signataire"))
    code_sent_at = models.DateTimeField(_("code envoyé le"), null=True, blank=True)
    code_verified_at = models.DateTimeField(_("code vérifié le"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    user_agent = models.CharField(_("navigateur"), max_length=300, blank=True)
    sha256_before = models.CharField(_("empreinte avant signature"), max_length=64)
    sha256_after = models.CharField(_("empreinte après signature"), max_length=64)
    certificate_subject = models.CharField(_("certificat"), max_length=300)
    certificate_sha256 = models.CharField(_("empreinte du certificat"), max_length=64)
    signed_at = models.DateTimeField(_("signé le"))
    timestamped = models.BooleanField(_("horodaté par une autorité"), default=False)

    class Meta:
        verbose_name = _("preuve de signature")
        verbose_name_plural = _("preuves de signature")
        ordering = ["request", "signed_at"]
        constraints = [models.UniqueConstraint(fields=["request", "role"],
                                               name="esign_one_signature_per_role")]

    def __str__(self) -> str:
        return f"{self.get_role_display()} : {self.signer_name}"
