"""REST API of 我要对接: thin — the same services, permissions and selectors as the pages."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from mengkeju.core.schema import ErrorResponseSerializer
from mengkeju.deals.api.serializers import DealSerializer

from .. import permissions as rules
from .. import selectors, services
from ..models import SUBJECT_MODELS, Thread
from .serializers import (
    InquiryCloseSerializer,
    InquiryCreateSerializer,
    InquiryMessageSerializer,
    InquiryReadReceiptSerializer,
    InquiryReplySerializer,
    InquiryThreadDetailSerializer,
    InquiryThreadSerializer,
)


class ThreadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Inquiry threads (对接洽谈) the caller takes part in: send an inquiry, reply, mark read; the
    responsible sub-center's staff and brokers turn a thread into a deal or close it."""

    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filterset_fields = ["status", "kind"]

    def get_serializer_class(self):
        return InquiryThreadDetailSerializer if self.action == "retrieve" else InquiryThreadSerializer

    def get_queryset(self):
        qs = selectors.with_related(selectors.visible_threads(self.request.user))
        if self.action == "retrieve":
            qs = qs.prefetch_related("messages__author", "messages__attachments", "receipts__user")
        return qs

    def get_object(self):
        thread = get_object_or_404(Thread.objects.all(), pk=self.kwargs["pk"])
        if not rules.can_view_thread(self.request.user, thread):
            raise Http404
        return thread

    @extend_schema(
        request={"multipart/form-data": InquiryCreateSerializer, "application/json": InquiryCreateSerializer},
        responses={
            201: InquiryThreadSerializer,
            429: OpenApiResponse(
                ErrorResponseSerializer,
                description="Too many inquiries from this person this hour (code rate_limited), or too many requests.",
            ),
        },
    )
    def create(self, request):
        payload = InquiryCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        listing = SUBJECT_MODELS[data["kind"]].objects.filter(pk=data["listing"]).first()
        if listing is None:
            raise ValidationError(
                {
                    "listing": ValidationError(
                        _("This listing is not published; it takes no inquiries."), code="not_published"
                    )
                }
            )
        thread = services.send_inquiry(
            data["kind"],
            listing,
            by=request.user,
            body=data["body"],
            budget_min=data.get("budget_min_yuan"),
            budget_max=data.get("budget_max_yuan"),
            preferred_contact=data["preferred_contact"],
            uploads=data.get("files") or [],
        )
        return Response(InquiryThreadSerializer(thread).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request={"multipart/form-data": InquiryReplySerializer, "application/json": InquiryReplySerializer},
        responses={201: InquiryMessageSerializer},
    )
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        thread = self.get_object()
        payload = InquiryReplySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        message = services.reply(
            thread,
            by=request.user,
            body=payload.validated_data["body"],
            uploads=payload.validated_data["files"],
        )
        return Response(InquiryMessageSerializer(message).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=InquiryReadReceiptSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        receipt = services.mark_read(self.get_object(), by=request.user)
        return Response(InquiryReadReceiptSerializer(receipt).data)

    @extend_schema(request=None, responses={201: DealSerializer})
    @action(detail=True, methods=["post"])
    def convert(self, request, pk=None):
        deal = services.convert_to_deal(self.get_object(), by=request.user)
        return Response(DealSerializer(deal).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=InquiryCloseSerializer, responses=InquiryThreadSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        payload = InquiryCloseSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        thread = services.close_thread(
            self.get_object(), by=request.user, reason=payload.validated_data["reason"]
        )
        return Response(InquiryThreadSerializer(thread).data)
