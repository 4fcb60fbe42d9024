"""The bookings REST API under /api/bookings/. Thin: the web pages' permission rules and selectors, the
same services for changes."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from .. import selectors, services
from ..models import Booking, Offering
from .serializers import (
    BookingSerializer,
    ConfirmSerializer,
    DeclineSerializer,
    FeeSerializer,
    OfferingSerializer,
    PerformSerializer,
    RateSerializer,
)


class OfferingViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Bookable services: listed for everyone (open ones); published by the provider's staff or headquarters."""

    serializer_class = OfferingSerializer
    queryset = Offering.objects.none()
    filterset_fields = ["kind"]

    def get_permissions(self):
        if self.action == "create":
            return [permissions.IsAuthenticated()]
        return [permissions.AllowAny()]

    def get_queryset(self):
        return (
            selectors.visible_offerings(self.request.user)
            .prefetch_related("chain_links")
            .order_by("kind", "name", "pk")
        )

    def perform_create(self, serializer):
        values = dict(serializer.validated_data)
        serializer.instance = services.publish_offering(by=self.request.user, **values)


class BookingViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Bookings: an enterprise requests one; the provider confirms, declines, records it performed (with the
    report) and the fee; the enterprise rates it. Each caller sees the bookings the web shows them."""

    serializer_class = BookingSerializer
    permission_classes = [permissions.IsAuthenticated]
    queryset = Booking.objects.none()
    filterset_fields = ["status"]

    def get_queryset(self):
        return (
            selectors.visible_bookings(self.request.user)
            .prefetch_related("events")
            .order_by("-created_at", "-pk")
        )

    def perform_create(self, serializer):
        values = dict(serializer.validated_data)
        offering = values.pop("offering")
        if not selectors.visible_offerings(self.request.user).filter(pk=offering.pk).exists():
            raise NotFound()
        serializer.instance = services.request_booking(offering, by=self.request.user, **values)

    def _step(self, request, serializer_class, call):
        booking = self.get_object()
        data = serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        call(booking, by=request.user, **data.validated_data)
        booking.refresh_from_db()
        return Response(BookingSerializer(booking, context={"request": request}).data)

    @extend_schema(request=ConfirmSerializer, responses={200: BookingSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        return self._step(request, ConfirmSerializer, services.confirm_booking)

    @extend_schema(request=DeclineSerializer, responses={200: BookingSerializer})
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        return self._step(request, DeclineSerializer, services.decline_booking)

    @extend_schema(request={"multipart/form-data": PerformSerializer}, responses={200: BookingSerializer})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def perform(self, request, pk=None):
        return self._step(request, PerformSerializer, services.record_performed)

    @extend_schema(request=FeeSerializer, responses={200: BookingSerializer})
    @action(detail=True, methods=["post"])
    def fee(self, request, pk=None):
        return self._step(request, FeeSerializer, services.record_fee)

    @extend_schema(request=RateSerializer, responses={200: BookingSerializer})
    @action(detail=True, methods=["post"])
    def rate(self, request, pk=None):
        return self._step(request, RateSerializer, services.rate_booking)
