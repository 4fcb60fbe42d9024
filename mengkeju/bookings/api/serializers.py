from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from mengkeju.catalog.models import TRL, Achievement, Platform, Service
from mengkeju.core.fields import CodeField
from mengkeju.network.models import ChainLink

from .. import permissions
from ..models import Accreditation, Booking, BookingEvent, Offering, OfferingKind, Period

MONEY = {"max_digits": 16, "decimal_places": 2, "min_value": 0}


class OfferingSerializer(serializers.ModelSerializer):
    provider_name = serializers.CharField(source="provider.name", read_only=True)
    platform = serializers.PrimaryKeyRelatedField(
        queryset=Platform.objects.filter(retired_at__isnull=True), required=False, allow_null=True
    )
    service = serializers.PrimaryKeyRelatedField(
        queryset=Service.objects.filter(retired_at__isnull=True), required=False, allow_null=True
    )
    chain_links = CodeField(ChainLink.objects.all(), many=True, required=False)
    kind = serializers.ChoiceField(choices=OfferingKind.choices)
    period = serializers.ChoiceField(choices=Period.choices, default=Period.MONTH)
    accreditation = serializers.ChoiceField(choices=Accreditation.choices, default=Accreditation.NONE)
    capacity_per_period = serializers.IntegerField(min_value=1, max_value=100000)
    lead_time_days = serializers.IntegerField(min_value=0, max_value=365, default=0)
    unit_price_yuan = serializers.DecimalField(**MONEY)

    class Meta:
        model = Offering
        fields = [
            "id",
            "platform",
            "service",
            "provider",
            "provider_name",
            "name",
            "kind",
            "line_name",
            "standard",
            "accreditation",
            "unit",
            "capacity_per_period",
            "period",
            "lead_time_days",
            "unit_price_yuan",
            "price_note",
            "description",
            "chain_links",
            "is_open",
        ]
        read_only_fields = ["provider", "is_open"]


class BookingEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = BookingEvent
        fields = ["action", "from_status", "to_status", "note", "at"]


class BookingSerializer(serializers.ModelSerializer):
    offering = serializers.PrimaryKeyRelatedField(
        queryset=Offering.objects.all(),
        error_messages={
            "does_not_exist": _("Unknown service offering: %(pk_value)s."),
            "incorrect_type": _("Unknown service offering."),
        },
    )
    achievement = serializers.PrimaryKeyRelatedField(
        queryset=Achievement.objects.all(), required=False, allow_null=True
    )
    quantity = serializers.IntegerField(min_value=1, max_value=100000)
    sample_description = serializers.CharField(max_length=4000)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    report_url = serializers.SerializerMethodField()
    events = BookingEventSerializer(many=True, read_only=True)

    class Meta:
        model = Booking
        fields = [
            "id",
            "offering",
            "enterprise",
            "enterprise_name",
            "status",
            "quantity",
            "wished_from",
            "wished_to",
            "sample_description",
            "achievement",
            "scheduled_on",
            "price_yuan",
            "decline_reason",
            "performed_on",
            "outcome_new_product",
            "outcome_process_validated",
            "outcome_trl",
            "trl_raised",
            "fee_yuan",
            "rating",
            "rating_comment",
            "report_url",
            "events",
        ]
        read_only_fields = [
            f
            for f in fields
            if f
            not in {"offering", "quantity", "wished_from", "wished_to", "sample_description", "achievement"}
        ]

    def get_report_url(self, booking) -> str | None:
        request = self.context.get("request")
        if (
            not booking.report
            or request is None
            or not permissions.can_download_report(request.user, booking)
        ):
            return None
        return reverse("bookings:report", args=[booking.pk])


class ConfirmSerializer(serializers.Serializer):
    scheduled_on = serializers.DateField()
    price_yuan = serializers.DecimalField(**MONEY)


class DeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=4000)


class PerformSerializer(serializers.Serializer):
    performed_on = serializers.DateField()
    report = serializers.FileField()
    outcome_new_product = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    outcome_process_validated = serializers.BooleanField(required=False, default=False)
    outcome_trl = serializers.ChoiceField(choices=TRL.choices, required=False, allow_null=True, default=None)
    raise_trl = serializers.BooleanField(required=False, default=False)


class FeeSerializer(serializers.Serializer):
    fee_yuan = serializers.DecimalField(**MONEY)


class RateSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
