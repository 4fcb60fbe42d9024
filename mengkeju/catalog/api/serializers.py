from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from mengkeju.core.fields import CodeField
from mengkeju.network.models import ChainLink, Division, Organization

from ..models import (
    Achievement,
    CooperationMode,
    Demand,
    Expert,
    GuidanceCatalog,
    GuidanceEntry,
    Platform,
    Service,
    WhitelistAction,
    WhitelistEvent,
)
from ..permissions import can_see_contact, verified_members_see_contacts
from ..services import IP_KINDS


class IPRightSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=list(IP_KINDS))
    number = serializers.CharField(max_length=40, allow_blank=True, required=False)


class ListingSerializer(serializers.ModelSerializer):
    owner = CodeField(Organization.objects.all(), required=False, help_text=_("Owner organization code"))
    owner_name = serializers.CharField(source="owner.name", read_only=True)
    division = CodeField(Division.objects.all())
    chain_links = CodeField(ChainLink.objects.all(), many=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    version = serializers.IntegerField(
        required=False, help_text=_("Send back the version you read to avoid overwriting a concurrent edit.")
    )
    submit = serializers.BooleanField(write_only=True, required=False, default=False)

    COMMON = (
        "id",
        "title",
        "owner",
        "owner_name",
        "division",
        "chain_links",
        "status",
        "status_label",
        "contact_name",
        "contact_phone",
        "contact_email",
        "published_at",
        "updated_at",
        "version",
        "submit",
    )
    READ_ONLY = ("status", "published_at", "updated_at")
    CONTACT_FIELDS = ("contact_name", "contact_phone", "contact_email")

    def to_representation(self, instance):
        """Contact details only for those `can_see_contact` allows; blank for everybody else."""
        data = super().to_representation(instance)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if "contact_policy" not in self.context:  # asked once per response, not per row
            self.context["contact_policy"] = verified_members_see_contacts()
        if not can_see_contact(user, instance, verified_members=self.context["contact_policy"]):
            for field in self.CONTACT_FIELDS:
                if field in data:
                    data[field] = ""
        return data


class AchievementSerializer(ListingSerializer):
    transfer_modes = CodeField(CooperationMode.objects.all(), many=True)
    ip_rights = IPRightSerializer(many=True, required=False)
    price_yuan = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        allow_null=True,
        required=False,
        help_text=_("null means 面议 (negotiable)"),
    )

    class Meta:
        model = Achievement
        fields = (
            *ListingSerializer.COMMON,
            "summary",
            "field",
            "trl",
            "ip_rights",
            "inventors",
            "transfer_modes",
            "price_yuan",
            "keywords",
        )
        read_only_fields = ListingSerializer.READ_ONLY
        extra_kwargs = {"summary": {"required": True, "allow_blank": False}}


class DemandSerializer(ListingSerializer):
    cooperation_modes = CodeField(CooperationMode.objects.all(), many=True)
    budget_yuan = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        allow_null=True,
        required=False,
        help_text=_("null means 面议 (negotiable)"),
    )

    class Meta:
        model = Demand
        fields = (
            *ListingSerializer.COMMON,
            "problem",
            "indicators",
            "budget_yuan",
            "deadline",
            "cooperation_modes",
        )
        read_only_fields = ListingSerializer.READ_ONLY
        extra_kwargs = {"problem": {"required": True, "allow_blank": False}}


class TransitionSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class ChainResourceSerializer(serializers.ModelSerializer):
    """An expert, platform or service. Organizations, divisions and chain links are named by code;
    headquarters and the division's sub-center write, an expert writes their own open fields."""

    division = CodeField(Division.objects.all(), help_text=_("Division code"))
    chain_links = CodeField(ChainLink.objects.all(), many=True, required=False)
    retired_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text=_("Set while the entry is retired (停用).")
    )
    COMMON = ("id", "name", "division", "chain_links", "retired_at")


class ExpertSerializer(ChainResourceSerializer):
    organization = CodeField(Organization.objects.all(), help_text=_("Organization code"))
    organization_name = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = Expert
        fields = (
            *ChainResourceSerializer.COMMON,
            "tier",
            "title",
            "organization",
            "organization_name",
            "field",
            "bio",
        )


class PlatformSerializer(ChainResourceSerializer):
    organization = CodeField(Organization.objects.all(), help_text=_("Organization code"))
    organization_name = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = Platform
        fields = (
            *ChainResourceSerializer.COMMON,
            "kind",
            "level",
            "whitelisted",
            "whitelist_status",
            "listed_on",
            "last_evaluated_year",
            "organization",
            "organization_name",
            "description",
        )
        # The whitelist moves only through its own steps (POST …/whitelist/).
        read_only_fields = ("whitelisted", "whitelist_status", "listed_on", "last_evaluated_year")


class ServiceSerializer(ChainResourceSerializer):
    provider = CodeField(Organization.objects.all(), help_text=_("Provider organization code"))
    provider_name = serializers.CharField(source="provider.name", read_only=True)

    class Meta:
        model = Service
        fields = (
            *ChainResourceSerializer.COMMON,
            "kind",
            "provider",
            "provider_name",
            "description",
            "price_note",
        )


class RetireSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class WhitelistStepSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=WhitelistAction.choices)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    year = serializers.IntegerField(
        required=False, allow_null=True, help_text="Year evaluated (keep/remove)."
    )


class WhitelistEventSerializer(serializers.ModelSerializer):
    actor = serializers.StringRelatedField()

    class Meta:
        model = WhitelistEvent
        fields = ("action", "from_status", "to_status", "reason", "evaluation_year", "actor", "at")


class GuidanceEntrySerializer(serializers.ModelSerializer):
    achievement_title = serializers.CharField(source="achievement.title", read_only=True)

    class Meta:
        model = GuidanceEntry
        fields = ("id", "achievement", "achievement_title", "reason", "application_scenario", "position")
        read_only_fields = ("position",)
        extra_kwargs = {"achievement": {"queryset": Achievement.objects.all()}}
        validators = []  # the service says, in the user's language, what is wrong


class GuidanceCatalogSerializer(serializers.ModelSerializer):
    entries = GuidanceEntrySerializer(many=True, read_only=True)

    class Meta:
        model = GuidanceCatalog
        fields = ("year", "title", "introduction", "status", "published_at", "entries")
        read_only_fields = ("status", "published_at")
        validators = []
        extra_kwargs = {"year": {"validators": []}, "title": {"required": False, "allow_blank": True}}
