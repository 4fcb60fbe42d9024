from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from .. import selectors, services
from ..directory_services import DIRECTORY_MODELS
from ..filtersets import (
    AchievementFilterSet,
    DemandFilterSet,
    ExpertFilterSet,
    PlatformFilterSet,
    ServiceFilterSet,
)
from ..models import Achievement, Action, Demand, GuidanceCatalog
from ..permissions import (
    can_edit_resource,
    can_manage_directory,
    can_manage_resource,
    can_view,
    can_view_guidance,
    can_view_whitelist_history,
)
from .serializers import (
    AchievementSerializer,
    DemandSerializer,
    ExpertSerializer,
    GuidanceCatalogSerializer,
    GuidanceEntrySerializer,
    PlatformSerializer,
    RetireSerializer,
    ServiceSerializer,
    TransitionSerializer,
    WhitelistEventSerializer,
    WhitelistStepSerializer,
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


class DirectoryViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Experts, platforms and services: everyone reads the directory; headquarters and the division's
    sub-center create, edit, retire and restore (no delete); an expert edits their own open fields."""

    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    kind = ""

    def get_queryset(self):
        return selectors.visible_resources(DIRECTORY_MODELS[self.kind], self.request.user)

    def filter_queryset(self, queryset):
        # The filters (and their default: entries in the directory, not retired ones) shape the list;
        # one entry is found by its number among all the user may see.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def create(self, request, *args, **kwargs):
        if not can_manage_directory(request.user):  # refused before the body is read
            raise PermissionDenied(_("You may not change the directories."))
        return super().create(request, *args, **kwargs)

    def update(self, request, *args, **kwargs):
        if not can_edit_resource(request.user, self.get_object()):
            raise PermissionDenied(_("You may not edit this entry."))
        return super().update(request, *args, **kwargs)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        links = data.pop("chain_links", [])
        serializer.instance = services.create_resource(
            self.kind, by=self.request.user, chain_links=links, **data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        links = data.pop("chain_links", None)
        resource = serializer.instance
        if can_manage_resource(self.request.user, resource):
            updated = services.update_resource(resource, by=self.request.user, chain_links=links, **data)
        else:
            updated = services.update_own_profile(resource, by=self.request.user, chain_links=links, **data)
        serializer.instance = self.get_queryset().get(pk=updated.pk)

    def _step(self, request, step):
        resource = self.get_object()
        payload = RetireSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        step(resource, request.user, payload.validated_data.get("reason", ""))
        return Response(self.get_serializer(self.get_queryset().get(pk=resource.pk)).data)

    @extend_schema(request=RetireSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def retire(self, request, pk=None):
        """Retire (停用): gone from the public directory, kept and restorable."""
        return self._step(request, lambda r, by, reason: services.retire_resource(r, by=by, reason=reason))

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def restore(self, request, pk=None):
        """Bring a retired entry back into the directory."""
        return self._step(request, lambda r, by, reason: services.restore_resource(r, by=by))


class ExpertViewSet(DirectoryViewSet):
    """Experts and talent (战略 · 领军 · 后备)."""

    kind = "expert"
    serializer_class = ExpertSerializer
    filterset_class = ExpertFilterSet


class PlatformViewSet(DirectoryViewSet):
    """Innovation platforms; the whitelist (白名单) lifecycle is driven through `whitelist`."""

    kind = "platform"
    serializer_class = PlatformSerializer
    filterset_class = PlatformFilterSet

    @extend_schema(request=WhitelistStepSerializer, responses=PlatformSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def whitelist(self, request, pk=None):
        platform = self.get_object()
        payload = WhitelistStepSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        services.whitelist_step(
            platform, data["action"], by=request.user, reason=data.get("reason", ""), year=data.get("year")
        )
        return Response(PlatformSerializer(self.get_queryset().get(pk=platform.pk)).data)

    @extend_schema(responses=WhitelistEventSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], url_path="whitelist-events", pagination_class=None)
    def whitelist_events(self, request, pk=None):
        platform = self.get_object()
        if not can_view_whitelist_history(request.user, platform):
            raise PermissionDenied
        return Response(WhitelistEventSerializer(platform.whitelist_events.all(), many=True).data)


class GuidanceCatalogViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """新技术产业化应用指导目录: yearly catalogs; headquarters curates drafts, the public reads published ones."""

    serializer_class = GuidanceCatalogSerializer
    lookup_field = "year"
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    def get_queryset(self):
        qs = GuidanceCatalog.objects.prefetch_related("entries__achievement")
        if can_view_guidance(self.request.user, GuidanceCatalog(status=GuidanceCatalog.Status.DRAFT)):
            return qs
        return qs.filter(status=GuidanceCatalog.Status.PUBLISHED)

    def perform_create(self, serializer):
        serializer.instance = services.create_guidance_catalog(
            by=self.request.user, **serializer.validated_data
        )

    @extend_schema(request=GuidanceEntrySerializer, responses=GuidanceCatalogSerializer)
    @action(detail=True, methods=["post"])
    def entries(self, request, year=None):
        catalog = self.get_object()
        payload = GuidanceEntrySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        services.add_guidance_entry(
            catalog,
            data["achievement"],
            reason=data.get("reason", ""),
            application_scenario=data.get("application_scenario", ""),
            by=request.user,
        )
        return Response(self.get_serializer(self.get_object()).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=GuidanceCatalogSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, year=None):
        catalog = services.publish_guidance_catalog(self.get_object(), by=request.user)
        return Response(self.get_serializer(catalog).data)


class ServiceViewSet(DirectoryViewSet):
    """Services: testing, incubation, technology finance …"""

    kind = "service"
    serializer_class = ServiceSerializer
    filterset_class = ServiceFilterSet
