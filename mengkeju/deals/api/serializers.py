from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from mengkeju.catalog.models import Achievement, Demand
from mengkeju.core.fields import CodeField
from mengkeju.network.models import Division, IndustryChain, Organization

from ..models import (
    MONEY,
    ContractParty,
    Deal,
    DealEvent,
    RefusalReason,
    Registration,
    RegistrationEvent,
    TechnicalContract,
)
from ..services import CONTRACT_FIELDS


class DealEventSerializer(serializers.ModelSerializer):
    actor = serializers.StringRelatedField()

    class Meta:
        model = DealEvent
        fields = ("kind", "from_stage", "to_stage", "note", "actor", "at")


class DealSerializer(serializers.ModelSerializer):
    demand = serializers.PrimaryKeyRelatedField(
        queryset=Demand.objects.all(), required=False, allow_null=True
    )
    achievement = serializers.PrimaryKeyRelatedField(
        queryset=Achievement.objects.all(), required=False, allow_null=True
    )
    buyer = CodeField(read_only=True)
    seller = CodeField(read_only=True)
    sub_center = CodeField(read_only=True)
    broker = serializers.StringRelatedField()
    stage_label = serializers.CharField(source="get_stage_display", read_only=True)
    events = DealEventSerializer(many=True, read_only=True)

    class Meta:
        model = Deal
        fields = (
            "id",
            "title",
            "demand",
            "achievement",
            "buyer",
            "seller",
            "sub_center",
            "broker",
            "stage",
            "stage_label",
            "termination_reason",
            "last_contacted_at",
            "created_at",
            "updated_at",
            "events",
        )
        read_only_fields = (
            "title",
            "stage",
            "termination_reason",
            "last_contacted_at",
            "created_at",
            "updated_at",
        )


class DealTransitionSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Deal.Stage.choices)
    note = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, help_text=_("Required to terminate.")
    )


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    reasons = serializers.MultipleChoiceField(
        choices=RefusalReason.choices,
        required=False,
        help_text=_("Refusal only: the reasons of the registration rules (不予登记)."),
    )
    tax_benefit_claimed = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Cancelling a registration (注销登记): was a tax benefit already claimed?"),
    )

    class Meta:
        ref_name = "RegistrationReason"


class ContractPartySerializer(serializers.ModelSerializer):
    organization = CodeField(Organization.objects.all(), required=False, allow_null=True)
    division = CodeField(Division.objects.all(), required=False, allow_null=True)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    credit_code = serializers.CharField(max_length=18, required=False, allow_blank=True)

    class Meta:
        model = ContractParty
        fields = ("role", "organization", "name", "credit_code", "division")


def _money(**kwargs):
    return serializers.DecimalField(min_value=0, **MONEY, **kwargs)


class ContractSerializer(serializers.ModelSerializer):
    deal = serializers.PrimaryKeyRelatedField(queryset=Deal.objects.all(), required=False, allow_null=True)
    chain = CodeField(IndustryChain.objects.all(), required=False, allow_null=True)
    sub_center = CodeField(read_only=True)
    parties = ContractPartySerializer(many=True, required=False)
    amount_yuan = _money()
    equipment_yuan = _money(required=False)
    instruments_yuan = _money(required=False)
    parts_yuan = _money(required=False)
    materials_yuan = _money(required=False)
    construction_yuan = _money(required=False)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = TechnicalContract
        fields = (
            "id",
            "deal",
            *CONTRACT_FIELDS,
            "transaction_amount_yuan",
            "sub_center",
            "status",
            "status_label",
            "version",
            "previous_version",
            "parties",
            "created_at",
            "updated_at",
        )
        read_only_fields = (
            "transaction_amount_yuan",
            "status",
            "version",
            "previous_version",
            "created_at",
            "updated_at",
        )
        extra_kwargs = {"sub_kind": {"required": False}, "licence_scope": {"required": False}}


class RegistrationEventSerializer(serializers.ModelSerializer):
    actor = serializers.StringRelatedField()

    class Meta:
        model = RegistrationEvent
        fields = ("action", "from_status", "to_status", "note", "actor", "at")


class RegistrationSerializer(serializers.ModelSerializer):
    seller_division = CodeField(read_only=True)
    buyer_division = CodeField(read_only=True)
    chain = CodeField(read_only=True)
    sub_center = CodeField(read_only=True)
    registering_office = CodeField(read_only=True)
    submitted_by = serializers.StringRelatedField()
    decided_by = serializers.StringRelatedField()
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    events = RegistrationEventSerializer(many=True, read_only=True)

    class Meta:
        model = Registration
        fields = (
            "id",
            "contract",
            "version",
            "supersedes",
            "number",
            "status",
            "status_label",
            "is_current",
            "submitted_at",
            "submitted_by",
            "decided_at",
            "decided_by",
            "refused_rule",
            "refused_message",
            "refusal_reasons",
            "applicant_role",
            "due_on",
            "needs_expert_review",
            "is_disputed",
            "expert_opinion",
            "verification_code",
            "registering_office",
            "tax_benefit_claimed",
            "registered_on",
            "title",
            "kind",
            "sub_kind",
            "licence_scope",
            "signed_on",
            "amount_yuan",
            "transaction_amount_yuan",
            "seller_division",
            "buyer_division",
            "flow",
            "chain",
            "sub_center",
            "seller_name",
            "buyer_name",
            "events",
        )
        read_only_fields = fields
