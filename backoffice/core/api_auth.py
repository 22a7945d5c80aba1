"""The API token endpoint: throttled by django-axes, answers a fresh token and its expiry."""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_credentials
from django.conf import settings
from django.db import transaction
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .authentication import lockout_response, token_expires_at, token_is_dead


class ObtainTokenView(APIView):
    """POST username (the e-mail) and password: the account's token, renewed once dead."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    serializer_class = AuthTokenSerializer
    api_description = ("Identifiant (adresse électronique) et mot de passe : le jeton d'API du "
                       "compte, renouvelé s'il a expiré ou si le mot de passe a changé.")

    @extend_schema(summary="Obtenir un jeton d'API", responses=inline_serializer(
        "TokenResponse", {"token": serializers.CharField(),
                          "expires_at": serializers.DateTimeField()}))
    def post(self, request):
        credentials = get_credentials(request.data.get(settings.AXES_USERNAME_FORM_FIELD))
        http_request = request._request
        if not AxesProxyHandler.is_allowed(http_request, credentials):
            return lockout_response(http_request)
        serializer = AuthTokenSerializer(data=request.data, context={"request": http_request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        with transaction.atomic():
            token, _created = Token.objects.select_for_update().get_or_create(user=user)
            if token_is_dead(token, user):
                token.delete()
                token = Token.objects.create(user=user)
        return Response({"token": token.key, "expires_at": token_expires_at(token)})
