from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from mengkeju.core.fields import CodeField

from ..models import Attachment, Message, ReadReceipt, Thread

MONEY = {"max_digits": 14, "decimal_places": 2, "required": False, "allow_null": True, "min_value": 0}


class InquiryAttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(
        help_text="Download (checks that the caller may read the thread)."
    )

    class Meta:
        model = Attachment
        fields = ("id", "name", "size", "url")

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, attachment) -> str:
        return reverse("inquiries:attachment", args=[attachment.message.thread_id, attachment.pk])


class InquiryMessageSerializer(serializers.ModelSerializer):
    author = serializers.StringRelatedField()
    attachments = InquiryAttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Message
        fields = ("id", "author", "body", "is_inquiry", "created_at", "attachments")


class InquiryReadReceiptSerializer(serializers.ModelSerializer):
    user = serializers.StringRelatedField()

    class Meta:
        model = ReadReceipt
        fields = ("user", "read_at")


class InquiryThreadSerializer(serializers.ModelSerializer):
    """A thread as listed: no messages."""

    inquirer = CodeField(read_only=True)
    owner = CodeField(read_only=True)
    sub_center = CodeField(read_only=True)
    listing = serializers.SerializerMethodField()

    class Meta:
        model = Thread
        fields = (
            "id",
            "kind",
            "listing",
            "title",
            "inquirer",
            "owner",
            "sub_center",
            "budget_min_yuan",
            "budget_max_yuan",
            "preferred_contact",
            "status",
            "close_reason",
            "deal",
            "created_at",
            "last_message_at",
        )
        read_only_fields = fields

    def get_listing(self, thread) -> int:
        return getattr(thread, f"{thread.kind}_id")


class InquiryThreadDetailSerializer(InquiryThreadSerializer):
    messages = InquiryMessageSerializer(many=True, read_only=True)
    receipts = InquiryReadReceiptSerializer(many=True, read_only=True)

    class Meta(InquiryThreadSerializer.Meta):
        fields = (*InquiryThreadSerializer.Meta.fields, "messages", "receipts")
        read_only_fields = fields


class InquiryCreateSerializer(serializers.Serializer):
    """我要对接: multipart when files are attached."""

    kind = serializers.ChoiceField(choices=Thread.Kind.choices)
    listing = serializers.IntegerField(min_value=1, help_text="The id of the listing of that kind.")
    body = serializers.CharField(max_length=5000)
    budget_min_yuan = serializers.DecimalField(**MONEY)
    budget_max_yuan = serializers.DecimalField(**MONEY)
    preferred_contact = serializers.ChoiceField(
        choices=Thread.Contact.choices, default=Thread.Contact.PLATFORM
    )
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class InquiryReplySerializer(serializers.Serializer):
    body = serializers.CharField(max_length=5000)
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class InquiryCloseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
