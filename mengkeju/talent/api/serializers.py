"""Serializers of the talent API; the services validate everything that matters (codes of the region
pack, roles, terms), so the serializers only read the shapes."""

from rest_framework import serializers

from mengkeju.catalog.models import Achievement, Demand
from mengkeju.challenges.models import Milestone
from mengkeju.core.fields import CodeField
from mengkeju.deals.models import TechnicalContract
from mengkeju.network.models import ChainLink, Organization

from ..models import Enrolment, Exchange, ExchangeEvent, ExchangeOutcome, Person, TierDecision


class TierDecisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = TierDecision
        fields = ("id", "from_tier", "to_tier", "criterion", "decided_on", "note", "at")


class EnrolmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Enrolment
        fields = ("id", "programme", "year", "term", "note")


class PersonSerializer(serializers.ModelSerializer):
    organization = CodeField(read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    division = CodeField(read_only=True)
    chain_links = CodeField(many=True, read_only=True)

    class Meta:
        model = Person
        fields = (
            "id",
            "name",
            "kind",
            "title",
            "organization",
            "organization_name",
            "division",
            "field",
            "chain_links",
            "tier",
            "tier_since",
            "expert",
        )


class PersonDetailSerializer(PersonSerializer):
    tier_decisions = TierDecisionSerializer(many=True, read_only=True)
    enrolments = EnrolmentSerializer(many=True, read_only=True)

    class Meta(PersonSerializer.Meta):
        fields = (*PersonSerializer.Meta.fields, "bio", "tier_decisions", "enrolments")


class TierInputSerializer(serializers.Serializer):
    tier = serializers.CharField(max_length=32)
    criterion = serializers.CharField(max_length=32)
    decided_on = serializers.DateField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class EnrolInputSerializer(serializers.Serializer):
    programme = serializers.CharField(max_length=32)
    year = serializers.IntegerField(min_value=1900, max_value=2100)
    term = serializers.CharField(required=False, allow_blank=True, max_length=50)


class ExchangeEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExchangeEvent
        fields = ("kind", "note", "at")


class OutcomeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExchangeOutcome
        fields = ("id", "achievement", "contract", "milestone", "note", "linked_at")


class ExchangeSerializer(serializers.ModelSerializer):
    home = CodeField(read_only=True)
    host = CodeField(read_only=True)
    sub_center = CodeField(read_only=True)

    class Meta:
        model = Exchange
        fields = (
            "id",
            "person",
            "kind",
            "home",
            "host",
            "sub_center",
            "role",
            "starts_on",
            "ends_on",
            "purpose",
            "demand",
            "status",
            "home_confirmed_at",
            "host_confirmed_at",
            "sub_center_confirmed_at",
        )


class RegisteredContractSerializer(serializers.Serializer):
    contract = serializers.IntegerField(source="contract_id")
    number = serializers.CharField()
    title = serializers.CharField()
    registered_on = serializers.DateField()
    amount_yuan = serializers.DecimalField(max_digits=16, decimal_places=2)


class ExchangeDetailSerializer(ExchangeSerializer):
    events = ExchangeEventSerializer(many=True, read_only=True)
    outcomes = OutcomeSerializer(many=True, read_only=True)
    registered_contracts = serializers.SerializerMethodField()

    class Meta(ExchangeSerializer.Meta):
        fields = (*ExchangeSerializer.Meta.fields, "events", "outcomes", "registered_contracts")

    def get_registered_contracts(self, exchange) -> list[dict]:
        from ..selectors import contracts_between

        return RegisteredContractSerializer(contracts_between(exchange), many=True).data


class ExchangeInputSerializer(serializers.Serializer):
    person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.all())
    host = CodeField(queryset=Organization.objects.all())
    role = serializers.CharField(max_length=32)
    kind = serializers.ChoiceField(choices=Exchange.Kind.choices, default=Exchange.Kind.SECONDMENT)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    purpose = serializers.CharField(max_length=2000)
    demand = serializers.PrimaryKeyRelatedField(
        queryset=Demand.objects.all(), required=False, allow_null=True
    )


class ConfirmInputSerializer(serializers.Serializer):
    side = serializers.ChoiceField(choices=["home", "host", "sub_center"], required=False)


class EndInputSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class OutcomeInputSerializer(serializers.Serializer):
    achievement = serializers.PrimaryKeyRelatedField(queryset=Achievement.objects.all(), required=False)
    contract = serializers.PrimaryKeyRelatedField(queryset=TechnicalContract.objects.all(), required=False)
    milestone = serializers.PrimaryKeyRelatedField(queryset=Milestone.objects.all(), required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


class NamedSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    name_en = serializers.CharField()


class TierSerializer(NamedSerializer):
    criteria = NamedSerializer(many=True)


class ProgrammeSerializer(NamedSerializer):
    feeds_tier = serializers.CharField()


class TalentPackSerializer(serializers.Serializer):
    tiers = TierSerializer(many=True)
    programmes = ProgrammeSerializer(many=True)
    exchange_roles = NamedSerializer(many=True)


class PersonInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    kind = serializers.ChoiceField(choices=Person.Kind.choices)
    title = serializers.CharField(max_length=50, required=False, allow_blank=True)
    organization = CodeField(queryset=Organization.objects.all())
    field = serializers.CharField(max_length=100, required=False, allow_blank=True)
    bio = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    chain_links = CodeField(queryset=ChainLink.objects.all(), many=True, required=False)
