"""REST API of open challenges: thin — the same services and permissions as the pages."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework import permissions as drf_permissions
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from .. import permissions as rules
from .. import selectors, services
from ..models import Application, Award, Challenge, Milestone, Objection
from .serializers import (
    AcceptanceSerializer,
    AcceptInputSerializer,
    ApplicationSerializer,
    AwardSerializer,
    CandidateSerializer,
    ChallengeSerializer,
    CofundingInputSerializer,
    DeclareSerializer,
    DropSerializer,
    EventSerializer,
    EvidenceInputSerializer,
    MilestoneSerializer,
    ObjectionSerializer,
    PanelInputSerializer,
    RankSerializer,
    ReasonSerializer,
    ResolveSerializer,
    ScorecardSerializer,
    ScoreInputSerializer,
    TrancheSerializer,
)


def _reason(request) -> str:
    payload = ReasonSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    return payload.validated_data["reason"]


class ChallengeViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Open challenges (揭榜挂帅): draft, review and publish, run the expert review, decide and award.
    Filters: `q` (words), `chain` (chain code), `status`, `mode`, `budget_min`, `budget_max`."""

    serializer_class = ChallengeSerializer
    permission_classes = [drf_permissions.IsAuthenticatedOrReadOnly]

    def get_queryset(self):
        params = self.request.query_params
        qs = selectors.search(
            selectors.visible_challenges(self.request.user),
            text=params.get("q", ""),
            chain=params.get("chain", ""),
            status=params.get("status", ""),
            mode=params.get("mode", ""),
            budget_min=params.get("budget_min") or None,
            budget_max=params.get("budget_max") or None,
        )
        return selectors.with_related(qs).order_by("-published_at", "-id")

    def get_object(self):
        challenge = get_object_or_404(Challenge.objects.all(), pk=self.kwargs["pk"])
        if not rules.can_view_challenge(self.request.user, challenge):
            raise Http404
        return challenge

    def _split(self, data):
        data = dict(data)
        return data.pop("indicators", None), data.pop("chain_links", None), data

    def perform_create(self, serializer):
        indicators, links, data = self._split(serializer.validated_data)
        serializer.instance = services.draft_challenge(
            by=self.request.user, indicators=indicators or [], chain_links=links or [], **data
        )

    def perform_update(self, serializer):
        indicators, links, data = self._split(serializer.validated_data)
        serializer.instance = services.update_challenge(
            serializer.instance, by=self.request.user, indicators=indicators, chain_links=links, **data
        )

    def _step(self, call):
        challenge = call(self.get_object())
        return Response(ChallengeSerializer(challenge).data)

    @extend_schema(request=None, responses=ChallengeSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._step(lambda c: services.submit_challenge(c, by=request.user))

    @extend_schema(request=None, responses=ChallengeSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self._step(lambda c: services.publish_challenge(c, by=request.user))

    @extend_schema(request=ReasonSerializer, responses=ChallengeSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_to_publisher(self, request, pk=None):
        return self._step(lambda c: services.return_challenge(c, _reason(request), by=request.user))

    @extend_schema(request=ReasonSerializer, responses=ChallengeSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._step(lambda c: services.cancel_challenge(c, _reason(request), by=request.user))

    @extend_schema(request=None, responses=ChallengeSerializer)
    @action(detail=True, methods=["post"], url_path="start-review")
    def start_review(self, request, pk=None):
        return self._step(lambda c: services.start_review(c, by=request.user))

    @extend_schema(request=PanelInputSerializer, responses=CandidateSerializer(many=True), filters=False)
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def panel(self, request, pk=None):
        """GET: the candidates from the expert pool, ranked by the matching engine for the challenge's
        text (`proposed`, `shared_terms`), with their conflicts of interest. POST: add experts."""
        challenge = self.get_object()
        if not rules.can_run_review(request.user, challenge):
            raise PermissionDenied(_("Only headquarters runs the review of a challenge."))
        if request.method == "POST":
            payload = PanelInputSerializer(data=request.data)
            payload.is_valid(raise_exception=True)
            services.form_panel(challenge, payload.validated_data["experts"], by=request.user)
        proposal = selectors.panel_proposal(challenge)
        context = {"proposed": {e.pk for e in proposal.proposed}}
        return Response(CandidateSerializer(proposal.candidates, many=True, context=context).data)

    @extend_schema(request=DeclareSerializer, responses=None)
    @action(detail=True, methods=["post"])
    def declare(self, request, pk=None):
        """An expert declares a conflict of interest with an organization."""
        payload = DeclareSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.declare_conflict(self.get_object(), by=request.user, **payload.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=RankSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], pagination_class=None)
    def ranking(self, request, pk=None):
        challenge = self.get_object()
        if not rules.can_see_ranking(request.user, challenge):
            raise PermissionDenied(_("The ranking is not open to you yet."))
        scores = rules.can_see_ranking_scores(request.user, challenge)
        return Response(RankSerializer(selectors.ranking(challenge, with_scores=scores), many=True).data)

    @extend_schema(request=None, responses=AwardSerializer(many=True))
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        return Response(AwardSerializer(services.decide(self.get_object(), by=request.user), many=True).data)

    @extend_schema(request=ReasonSerializer, responses=ChallengeSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._step(lambda c: services.reopen_decision(c, _reason(request), by=request.user))

    @extend_schema(request=None, responses=ChallengeSerializer)
    @action(detail=True, methods=["post"])
    def award(self, request, pk=None):
        return self._step(lambda c: services.award(c, by=request.user))

    @extend_schema(request=None, responses=EventSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], pagination_class=None)
    def events(self, request, pk=None):
        challenge = self.get_object()
        if not (rules.is_hq(request.user) or rules.is_publisher_member(request.user, challenge)):
            raise PermissionDenied(_("The history is kept for headquarters and the publisher."))
        return Response(EventSerializer(selectors.visible_events(request.user, challenge), many=True).data)


class ApplicationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Applications (揭榜). Lead, publisher, panel experts and HQ see one; the lead withdraws and resubmits."""

    serializer_class = ApplicationSerializer
    permission_classes = [drf_permissions.IsAuthenticated]
    filterset_fields = ["challenge", "status"]

    def get_queryset(self):
        return selectors.visible_applications(self.request.user).prefetch_related(
            "partners", "commitments", "milestones__tranche", "milestones__indicators"
        )

    def get_object(self):
        application = get_object_or_404(Application.objects.select_related("challenge"), pk=self.kwargs["pk"])
        if not rules.can_view_application(self.request.user, application):
            raise Http404
        return application

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        challenge = data.pop("challenge")
        if not rules.can_view_challenge(self.request.user, challenge):
            raise Http404
        serializer.instance = services.apply(challenge, by=self.request.user, **data)

    @extend_schema(request=None, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return Response(
            ApplicationSerializer(services.withdraw_application(self.get_object(), by=request.user)).data
        )

    @extend_schema(request=None, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def resubmit(self, request, pk=None):
        return Response(
            ApplicationSerializer(services.resubmit_application(self.get_object(), by=request.user)).data
        )

    @extend_schema(request=CofundingInputSerializer, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def cofunding(self, request, pk=None):
        """The awarded lead reports the enterprise co-funding contributed to date (docs/challenges.md)."""
        data = CofundingInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        application = services.report_cofunding(
            self.get_object(), data.validated_data["amount_yuan"], by=request.user
        )
        return Response(ApplicationSerializer(application).data)


class ScorecardViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Blind scorecards: an expert lists only their own, HQ all. POST saves (and with `submit` submits) one."""

    serializer_class = ScorecardSerializer
    permission_classes = [drf_permissions.IsAuthenticated]
    filterset_fields = ["application"]

    def get_queryset(self):
        return selectors.visible_scorecards(self.request.user)

    @extend_schema(request=ScoreInputSerializer, responses=ScorecardSerializer)
    def create(self, request):
        payload = ScoreInputSerializer(data=request.data)
        # An application this user may not see is answered as one that does not exist (400, the same
        # words): a 404 here would be undocumented on a collection path, and no different in what it tells.
        payload.fields["application"].queryset = selectors.visible_applications(request.user)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        if not rules.can_view_application(request.user, data["application"]):
            raise Http404
        card = services.save_scorecard(
            data["application"],
            by=request.user,
            scores=data["scores"],
            comment=data.get("comment", ""),
            submit=data["submit"],
        )
        return Response(ScorecardSerializer(card).data, status=status.HTTP_201_CREATED)


class ObjectionViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Objections during the public notice (公示); HQ resolves them with a note."""

    serializer_class = ObjectionSerializer
    permission_classes = [drf_permissions.IsAuthenticated]
    filterset_fields = ["challenge"]

    def get_queryset(self):
        return Objection.objects.filter(challenge__in=selectors.visible_challenges(self.request.user))

    def perform_create(self, serializer):
        challenge = serializer.validated_data["challenge"]
        if not rules.can_view_challenge(self.request.user, challenge):
            raise Http404
        serializer.instance = services.raise_objection(
            challenge, serializer.validated_data["text"], by=self.request.user
        )

    @extend_schema(request=ResolveSerializer, responses=ObjectionSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        payload = ResolveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        objection = services.resolve_objection(self.get_object(), by=request.user, **payload.validated_data)
        return Response(ObjectionSerializer(objection).data)


class MilestoneViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Milestones of awarded teams: evidence upload (lead), acceptance (panel expert), tranche release."""

    serializer_class = MilestoneSerializer
    permission_classes = [drf_permissions.IsAuthenticated]
    filterset_fields = ["application", "status"]

    def get_queryset(self):
        return (
            selectors.visible_milestones(self.request.user)
            .prefetch_related("indicators", "evidence", "acceptances__expert")
            .select_related("tranche")
        )

    @extend_schema(request={"multipart/form-data": EvidenceInputSerializer}, responses=MilestoneSerializer)
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def evidence(self, request, pk=None):
        milestone = self.get_object()
        payload = EvidenceInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.upload_evidence(
            milestone,
            payload.validated_data["file"],
            by=request.user,
            description=payload.validated_data.get("description", ""),
        )
        fresh = Milestone.objects.get(pk=milestone.pk)
        return Response(MilestoneSerializer(fresh, context={"request": request}).data)

    @extend_schema(request=AcceptInputSerializer, responses=AcceptanceSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        payload = AcceptInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        acceptance = services.accept_milestone(self.get_object(), by=request.user, **payload.validated_data)
        return Response(AcceptanceSerializer(acceptance).data)

    @extend_schema(request=None, responses=TrancheSerializer)
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        tranche = services.release_tranche(self.get_object(), by=request.user)
        return Response(TrancheSerializer(tranche).data, status=status.HTTP_201_CREATED)


class AwardViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Awards (with the technical contract each created). HQ drops a horse-race team at a milestone."""

    serializer_class = AwardSerializer
    permission_classes = [drf_permissions.IsAuthenticatedOrReadOnly]
    filterset_fields = ["challenge"]

    def get_queryset(self):
        return Award.objects.filter(
            challenge__in=selectors.visible_challenges(self.request.user),
            challenge__status__in=[Challenge.Status.NOTICE, Challenge.Status.AWARDED],
        ).select_related("application__lead")

    @extend_schema(request=DropSerializer, responses=AwardSerializer)
    @action(detail=True, methods=["post"])
    def drop(self, request, pk=None):
        payload = DropSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        award = services.drop_team(self.get_object(), by=request.user, **payload.validated_data)
        return Response(AwardSerializer(award).data)
