"""REST API of the participatory vote: published results, casting a ballot, statistics."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from ..models import Call, CallKind, CallPhase
from ..permissions import can
from . import selectors, services, stats
from .rules import rule_label


class BallotSerializer(serializers.Serializer):
    choices = serializers.ListField(child=serializers.IntegerField(error_messages={
        "invalid": "Identifiant de projet invalide."}), allow_empty=True, error_messages={
        "not_a_list": "Une liste d'identifiants de projets est attendue."})


VOTE_RESULTS = inline_serializer("VoteResults", {
    "call": serializers.IntegerField(help_text="Identifiant de l'appel."),
    "published": serializers.BooleanField(help_text="Résultats publiés."),
    "computation": serializers.IntegerField(help_text="Identifiant du calcul."),
    "rule": serializers.CharField(help_text="Règle de décompte."),
    "rule_label": serializers.CharField(help_text="Règle de décompte, en clair."),
    "inputs_sha256": serializers.CharField(help_text="Empreinte des données du calcul."),
    "parts": serializers.ListField(child=serializers.DictField(),
                                   help_text="Lauréats par enveloppe."),
})
BALLOT_CAST = inline_serializer("BallotCast", {
    "call": serializers.IntegerField(help_text="Identifiant de l'appel."),
    "choices": serializers.ListField(child=serializers.IntegerField(),
                                     help_text="Projets choisis."),
    "cast_at": serializers.DateTimeField(help_text="Date du vote."),
})
VOTE_STATS = inline_serializer("VoteStats", {
    "turnout": serializers.ListField(child=serializers.DictField(),
                                     help_text="Participation par quartier."),
    "age_bands": serializers.ListField(child=serializers.DictField(),
                                       help_text="Bulletins par tranche d'âge."),
    "days": serializers.ListField(child=serializers.DictField(),
                                  help_text="Bulletins par jour."),
    "projects": serializers.ListField(child=serializers.DictField(),
                                      help_text="Voix par projet, une fois les résultats "
                                                "publiés."),
})


class VoteViewSet(viewsets.GenericViewSet):
    """Participatory calls: results (public once published), the voter's ballot, stats."""

    queryset = (Call.objects.filter(kind=CallKind.PARTICIPATORY).exclude(phase=CallPhase.DRAFT)
                .select_related("fund"))
    serializer_class = BallotSerializer
    api_description = ("Budgets participatifs : résultats (publics une fois publiés), bulletin "
                       "de l'électeur, statistiques de participation.")

    def get_permissions(self):
        if self.action == "results":
            return [AllowAny()]
        return [IsAuthenticated()]

    @extend_schema(responses=VOTE_RESULTS, summary="Résultats du vote")
    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        call = self.get_object()
        agent = request.user.is_authenticated and request.user.works_for_authority
        computation = call.results_computation
        if computation is None:
            if not agent:
                raise Http404
            computation = call.computations.filter(status="done").first()
            if computation is None:
                raise Http404
        return Response({"call": call.pk, "published": call.results_published_at is not None,
                         "computation": computation.pk, "rule": computation.rule,
                         "rule_label": rule_label(computation.rule),
                         "inputs_sha256": computation.inputs_sha256,
                         "parts": computation.parts()})

    @extend_schema(request=BallotSerializer, responses=BALLOT_CAST, summary="Voter")
    @action(detail=True, methods=["post"])
    def ballot(self, request, pk=None):
        call = self.get_object()
        serializer = BallotSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ballot = services.ballot_cast_by_user(call=call, user=request.user,
                                              choices=serializer.validated_data["choices"])
        return Response({"call": call.pk, "choices": ballot.choices,
                         "cast_at": ballot.cast_at.isoformat()})

    @extend_schema(responses=VOTE_STATS, summary="Statistiques de participation (agents)")
    @action(detail=True, methods=["get"])
    def stats(self, request, pk=None):
        allowed, reason = can(request.user, "vote.stats")
        if not allowed:
            raise DjangoPermissionDenied(reason)
        call = self.get_object()
        return Response({
            "turnout": [{"district": d, "voters": v, "ballots": b}
                        for d, v, b in stats.turnout_by_district(call)],
            "age_bands": [{"band": band, "ballots": n} for band, n in stats.turnout_by_age(call)],
            "days": [{"day": d, "online": o, "other": x} for d, o, x in stats.ballots_by_day(call)],
            # Votes per project only once the results are published; turnout always.
            "projects": [{"project": t, "district": d, "votes": n}
                         for t, d, n in stats.votes_by_project(call)]
            if selectors.vote_counts_visible(call) else []})
