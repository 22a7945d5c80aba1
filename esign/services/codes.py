"""The one-time code that identifies the association's representative: sent by e-mail,
hashed, valid 10 minutes, 5 attempts."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.core.audit import audit_log

from ..models import OneTimeCode, RequestStatus, SignatureRequest
from ._common import _fail
from .procedure import association_signer_errors

CODE_MINUTES = 10
CODE_ATTEMPTS = 5


def _code_hash(request_id: int, user_id: int, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{request_id}:{user_id}:{code}".encode(), hashlib.sha256).hexdigest()


def signature_code_send(*, request: SignatureRequest, user) -> None:
    """Send a fresh one-time code to the association's representative."""
    reason = association_signer_errors(request=request, user=user)
    if reason:
        _fail(request=request, actor=user, reason=reason, field_name="signer")
    if request.status != RequestStatus.ASSOCIATION:
        raise ValidationError({"code": _("L'organisation a déjà signé ce document.")})
    code = f"{secrets.randbelow(10 ** 6):06d}"
    with transaction.atomic():
        OneTimeCode.objects.filter(request=request, user=user, used_at__isnull=True).update(
            expires_at=timezone.now())
        OneTimeCode.objects.create(request=request, user=user,
                                   code_hash=_code_hash(request.pk, user.pk, code),
                                   expires_at=timezone.now() + dt.timedelta(
                                       minutes=CODE_MINUTES))
        audit_log(event="signature_code_sent", obj=request, actor=user,
                  message=_("Code de signature envoyé à %(email)s") % {"email": user.email})
        transaction.on_commit(lambda: send_mail(
            _("Votre code de signature"),
            _("Bonjour,\n\nVoici votre code pour signer « %(doc)s » : %(code)s\n\nIl est "
              "valable %(minutes)s minutes. Si vous n'avez pas demandé à signer, ignorez ce "
              "message.") % {"doc": str(request.document), "code": code,
                             "minutes": CODE_MINUTES},
            None, [user.email]))


def _consume_code(*, request: SignatureRequest, user, code: str) -> OneTimeCode:
    """Check the code in a transaction of its own, so that a failed attempt is counted even
    though the signature is refused (5 attempts, then a new code is needed)."""
    with transaction.atomic():
        otp = (OneTimeCode.objects.select_for_update()
               .filter(request=request, user=user, used_at__isnull=True)
               .order_by("-sent_at").first())
        if otp is None or otp.expires_at <= timezone.now():
            return None, _("Ce code a expiré : demandez-en un nouveau.")
        if otp.attempts >= CODE_ATTEMPTS:
            return None, _("Trop d'essais : demandez un nouveau code.")
        if not hmac.compare_digest(otp.code_hash, _code_hash(request.pk, user.pk,
                                                             (code or "").strip())):
            otp.attempts += 1
            otp.save(update_fields=["attempts"])
            return None, _("Code incorrect (%(left)s essai(s) restant(s)).") % {
                "left": CODE_ATTEMPTS - otp.attempts}
        otp.used_at = timezone.now()
        otp.save(update_fields=["used_at"])
        return otp, ""
