from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from .. import selectors, services
from ..filtersets import AchievementFilterSet, DemandFilterSet
from ..models import Achievement, Action, Demand
from ..permissions import can_view
from .serializers import (
    AchievementSerializer,
    DemandSerializer,
    ExpertSerializer,
    PlatformSerializer,
    ServiceSerializer,
    TransitionSerializer,
)


class ListingViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Thin: parse with the serializer, call a service, render. Visibility comes from selectors."""

    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    model = None
    modes_field = ""
    visible = None

    def get_queryset(self):
        return selectors.with_related(type(self).visible(self.request.user))

    def get_object(self):
        obj = get_object_or_404(self.model.objects.all(), pk=self.kwargs["pk"])
        if not can_view(self.request.user, obj):
            raise Http404
        return obj

    def _split(self, data):
        data = dict(data)
        data.pop("submit", None)
        chain_links = data.pop("chain_links", None)
        modes = data.pop(self.modes_field, None)
        version = data.pop("version", None)
        return data, chain_links, modes, version

    def perform_create(self, serializer):
        data, chain_links, modes, _version = self._split(serializer.validated_data)
        owner = data.pop("owner", None) or self.request.user.organization
        if owner is None:
            raise ValidationError({"owner": [_("Choose the owner organization.")]})
        serializer.instance = services.create_listing(
            self.model,
            by=self.request.user,
            owner=owner,
            chain_links=chain_links or [],
            modes=modes or [],
            submit=serializer.validated_data.get("submit", False),
            **data,
        )

    def perform_update(self, serializer):
        data, chain_links, modes, version = self._split(serializer.validated_data)
        serializer.instance = services.update_listing(
            serializer.instance,
            by=self.request.user,
            expected_version=version,
            chain_links=chain_links,
            modes=modes,
            **data,
        )

    def _transition(self, request, pk, act):
        listing = self.get_object()
        payload = TransitionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.transition(listing, act, by=request.user, reason=payload.validated_data.get("reason", ""))
        return Response(self.get_serializer(listing).data, status=status.HTTP_200_OK)

    @extend_schema(request=TransitionSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._transition(request, pk, Action.SUBMIT)

    @extend_schema(request=TransitionSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self._transition(request, pk, Action.PUBLISH)

    @extend_schema(request=TransitionSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_for_revision(self, request, pk=None):
        return self._transition(request, pk, Action.RETURN)

    @extend_schema(request=TransitionSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._transition(request, pk, Action.WITHDRAW)

    @extend_schema(request=TransitionSerializer)
    @action(detail=True, methods=["post"])
    def revise(self, request, pk=None):
        return self._transition(request, pk, Action.REVISE)

    def check_permissions(self, request):
        super().check_permissions(request)
        if request.method == "POST" and self.action == "create" and not request.user.is_authenticated:
            raise PermissionDenied


class AchievementViewSet(ListingViewSet):
    """科技成果 achievements."""

    model = Achievement
    serializer_class = AchievementSerializer
    filterset_class = AchievementFilterSet
    modes_field = "transfer_modes"
    visible = staticmethod(selectors.visible_achievements)


class DemandViewSet(ListingViewSet):
    """技术需求 demands."""

    model = Demand
    serializer_class = DemandSerializer
    filterset_class = DemandFilterSet
    modes_field = "cooperation_modes"
    visible = staticmethod(selectors.visible_demands)


class ExpertViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ExpertSerializer
    queryset = selectors.published_experts()
    filterset_fields = ["tier"]


class PlatformViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PlatformSerializer
    queryset = selectors.platforms()
    filterset_fields = ["kind", "level", "whitelisted"]


class ServiceViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ServiceSerializer
    queryset = selectors.services()
    filterset_fields = ["kind"]
