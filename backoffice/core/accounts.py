"""Account e-mail verification: the signed link sent at sign-up, and what opening it does.

Sign-up answers the same whether or not the address already has an account (nothing to learn
about who is registered): a new address receives the verification link, a known one receives a
note telling its owner to log in or reset the password.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .audit import audit_log
from .models import User

SIGNING_SALT = "core.account-email-verification"


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def verification_url(user: User, *, next_url: str = "") -> str:
    """The link of the e-mail: /compte/confirmer/<signed token>/[?next=<local path>]."""
    token = signing.dumps({"user": user.pk, "email": user.email}, salt=SIGNING_SALT)
    path = reverse("core:email-verify", args=[token])
    if next_url:
        path += "?" + urlencode({"next": next_url})
    return _absolute(path)


def user_send_verification(*, user: User, next_url: str = "") -> bool:
    """E-mail the verification link (after commit). Invariant: never to a verified account."""
    if user.email_verified_at is not None:
        return False
    url = verification_url(user, next_url=next_url)
    subject = _("Confirmez votre adresse électronique")
    body = _("Bonjour,\n\nPour activer votre compte sur %(site)s, ouvrez ce lien (valable "
             "%(days)s jours) :\n%(url)s\n\nSi vous n'avez pas créé de compte, ignorez ce "
             "message.") % {"site": settings.BACKOFFICE_NAME, "url": url,
                            "days": max(1, settings.ACCOUNT_VERIFICATION_MAX_AGE // 86400)}
    transaction.on_commit(lambda: send_mail(subject, body, None, [user.email]))
    return True


def signup_existing_account_notice(*, user: User) -> None:
    """Tell the owner of an address that someone tried to create an account with it."""
    subject = _("Vous avez déjà un compte")
    body = _("Bonjour,\n\nQuelqu'un (sans doute vous) a demandé à créer un compte sur %(site)s "
             "avec cette adresse, qui en a déjà un.\nPour vous connecter : %(login)s\n"
             "Mot de passe oublié : %(reset)s\n\nSi vous n'avez rien demandé, ignorez ce "
             "message : votre compte n'a pas changé.") % {
        "site": settings.BACKOFFICE_NAME, "login": _absolute(reverse("login")),
        "reset": _absolute(reverse("password_reset"))}
    transaction.on_commit(lambda: send_mail(subject, body, None, [user.email]))


def user_verify_email(*, token: str) -> tuple[User, bool]:
    """Mark the account's address as verified from a signed link.

    Invariant: only a link signed by us, younger than ACCOUNT_VERIFICATION_MAX_AGE seconds and
    for the account's current address verifies. Returns the user and whether this call verified
    it (False when it already was: an old link never logs anyone in twice).
    """
    try:
        data = signing.loads(token, salt=SIGNING_SALT,
                             max_age=settings.ACCOUNT_VERIFICATION_MAX_AGE)
    except signing.SignatureExpired:
        raise ValidationError(_("Ce lien a expiré : connectez-vous pour en recevoir un "
                                "nouveau.")) from None
    except signing.BadSignature:
        raise ValidationError(_("Ce lien n'est pas valide.")) from None
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=data.get("user"), is_active=True).first()
        if user is None or user.email != data.get("email"):
            raise ValidationError(_("Ce lien n'est plus valide."))
        if user.email_verified_at is not None:
            return user, False
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
        audit_log(event="email_verified", obj=user, actor=user,
                  message=_("Adresse électronique confirmée"))
    return user, True
