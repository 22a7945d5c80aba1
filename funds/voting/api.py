"""REST API of the participatory vote: published results, casting a ballot, statistics."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
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


class VoteViewSet(viewsets.GenericViewSet):
    """Participatory calls: results (public once published), the voter's ballot, stats."""

    queryset = (Call.objects.filter(kind=CallKind.PARTICIPATORY).exclude(phase=CallPhase.DRAFT)
                .select_related("fund"))
    serializer_class = BallotSerializer

    def get_permissions(self):
        if self.action == "results":
            return [AllowAny()]
        return [IsAuthenticated()]

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

    @action(detail=True, methods=["post"])
    def ballot(self, request, pk=None):
        call = self.get_object()
        serializer = BallotSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ballot = services.ballot_cast_by_user(call=call, user=request.user,
                                              choices=serializer.validated_data["choices"])
        return Response({"call": call.pk, "choices": ballot.choices,
                         "cast_at": ballot.cast_at.isoformat()})

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
