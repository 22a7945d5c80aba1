"""Logins: API tokens that expire and die with a password change, lockout answers in French.

Tokens are DRF's own (one per account, sent as ``Authorization: Token <key>``): clients keep the
endpoint, the answer and the header they already use. Their age and the account's last password
change are checked here, on each request, without signals: a token older than API_TOKEN_TTL
seconds, or created before the password last changed, is deleted and answers 401.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import status
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import APIException


class TokenExpired(APIException):
    # An APIException of its own (not AuthenticationFailed): DRF turns those into 403 when the
    # first authentication class (the session) has no WWW-Authenticate header; a dead token is 401.
    status_code = status.HTTP_401_UNAUTHORIZED
    default_detail = gettext_lazy("Jeton expiré ou révoqué : demandez-en un nouveau.")
    default_code = "token_expired"


def token_expires_at(token) -> dt.datetime:
    return token.created + dt.timedelta(seconds=settings.API_TOKEN_TTL)


def token_is_dead(token, user) -> bool:
    """Expired by age, or created before the account's password last changed."""
    if timezone.now() >= token_expires_at(token):
        return True
    changed = getattr(user, "password_changed_at", None)
    return changed is not None and token.created < changed


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_is_dead(token, user):
            token.delete()
            raise TokenExpired()
        return user, token


def lockout_response(request, original_response=None, credentials=None):
    """django-axes: what a locked-out client gets (429, French, with the waiting time)."""
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    message = _("Trop de tentatives de connexion échouées : réessayez dans %(minutes)s minutes, "
                "ou réinitialisez votre mot de passe.") % {"minutes": minutes}
    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        return JsonResponse({"detail": message}, status=429)
    return render(request, "registration/lockout.html", {"message": message}, status=429)


def axes_username(request, credentials=None) -> str | None:
    """The login typed, case-folded: ``Anne@X`` and ``anne@x`` are one account for the count."""
    value = (credentials or {}).get("username")
    if value is None and request is not None:
        value = request.POST.get("username")
    return value.strip().lower() if isinstance(value, str) else value
