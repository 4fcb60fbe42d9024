from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from mengkeju.catalog.models import Expert
from mengkeju.core.fields import CodeField
from mengkeju.network.models import ChainLink, Organization

from .. import permissions
from ..models import (
    VALUE,
    Acceptance,
    Application,
    Award,
    Challenge,
    ChallengeEvent,
    Indicator,
    Milestone,
    Objection,
    Scorecard,
    Tranche,
)


class IndicatorSerializer(serializers.ModelSerializer):
    class Meta:
        ref_name = "ChallengeIndicator"  # points has its own Indicator
        model = Indicator
        fields = ("id", "name", "direction", "target_value", "unit", "verification")
        read_only_fields = ("id",)


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.StringRelatedField()

    class Meta:
        model = ChallengeEvent
        fields = ("action", "application", "from_status", "to_status", "note", "actor", "at")


class ChallengeSerializer(serializers.ModelSerializer):
    publisher = CodeField(read_only=True)
    chain_links = CodeField(many=True, queryset=ChainLink.objects.all(), required=False)
    indicators = IndicatorSerializer(many=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Challenge
        fields = (
            "id",
            "title",
            "problem",
            "field",
            "publisher",
            "chain_links",
            "indicators",
            "budget_yuan",
            "mode",
            "teams_to_fund",
            "opens_at",
            "closes_at",
            "eligibility",
            "eligibility_notes",
            "ip_terms",
            "rubric",
            "status",
            "status_label",
            "return_reason",
            "published_at",
            "decided_at",
            "notice_ends_at",
            "awarded_at",
        )
        read_only_fields = (
            "status",
            "return_reason",
            "published_at",
            "decided_at",
            "notice_ends_at",
            "awarded_at",
        )
        extra_kwargs = {"rubric": {"required": False}, "eligibility": {"required": False}}


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, label=_("reason"))

    class Meta:
        ref_name = "ChallengeReason"


class MilestoneInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    due_on = serializers.DateField()
    share_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    indicator_ids = serializers.ListField(child=serializers.IntegerField(), required=False)


class MemberSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    role = serializers.CharField(max_length=100, required=False, allow_blank=True)


class TrancheSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tranche
        fields = ("amount_yuan", "released_at")


class AcceptanceSerializer(serializers.ModelSerializer):
    expert = serializers.StringRelatedField()

    class Meta:
        model = Acceptance
        fields = ("expert", "round", "results", "accepted", "note", "decided_at")


class MilestoneSerializer(serializers.ModelSerializer):
    indicators = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    tranche = TrancheSerializer(read_only=True, allow_null=True)
    acceptances = serializers.SerializerMethodField()
    evidence = serializers.SerializerMethodField()

    class Meta:
        ref_name = "ChallengeMilestone"
        model = Milestone
        fields = (
            "id",
            "application",
            "position",
            "title",
            "due_on",
            "share_percent",
            "amount_yuan",
            "status",
            "indicators",
            "evidence",
            "acceptances",
            "tranche",
        )

    @extend_schema_field(AcceptanceSerializer(many=True))
    def get_acceptances(self, milestone) -> list[dict]:
        """Blind: the verdicts the requesting person may see (permissions.can_view_acceptance)."""
        request = self.context.get("request")
        user = getattr(request, "user", None)
        visible = [a for a in milestone.acceptances.all() if permissions.can_view_acceptance(user, a)]
        return AcceptanceSerializer(visible, many=True).data

    def get_evidence(self, milestone) -> list[str]:
        """Download links (the view checks the application's visibility), never public /media/ paths."""
        return [reverse("challenges:evidence-file", args=[e.pk]) for e in milestone.evidence.all()]


class ApplicationSerializer(serializers.ModelSerializer):
    """Create: `challenge`, `partners` (organization codes), `members`, `technical_route`, `budget_yuan`,
    `cofunding_yuan` (enterprise co-funding committed), `commitments` ({indicator id: value}), `milestones`. The lead is the applicant's organization."""

    lead = CodeField(read_only=True)
    partners = CodeField(many=True, queryset=Organization.objects.all(), required=False)
    members = MemberSerializer(many=True, allow_empty=False)
    commitments = serializers.DictField(
        child=serializers.DecimalField(**VALUE), write_only=True, help_text="{indicator id: committed value}"
    )
    committed = serializers.SerializerMethodField()
    milestones = MilestoneInputSerializer(many=True, write_only=True, allow_empty=False)
    milestone_list = MilestoneSerializer(source="milestones", many=True, read_only=True)

    class Meta:
        model = Application
        fields = (
            "id",
            "challenge",
            "lead",
            "partners",
            "members",
            "technical_route",
            "budget_yuan",
            "cofunding_yuan",
            "cofunding_paid_yuan",
            "commitments",
            "committed",
            "milestones",
            "milestone_list",
            "status",
            "submitted_at",
        )
        read_only_fields = ("status", "submitted_at", "cofunding_paid_yuan")

    def get_committed(self, application) -> dict[str, str]:
        return {str(c.indicator_id): str(c.value) for c in application.commitments.all()}


class ScorecardSerializer(serializers.ModelSerializer):
    expert = serializers.StringRelatedField()

    class Meta:
        model = Scorecard
        fields = ("id", "application", "expert", "scores", "total", "comment", "submitted_at")


class ScoreInputSerializer(serializers.Serializer):
    application = serializers.PrimaryKeyRelatedField(queryset=Application.objects.all())
    scores = serializers.DictField(child=serializers.DecimalField(max_digits=6, decimal_places=2))
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    submit = serializers.BooleanField(default=False)


class PanelInputSerializer(serializers.Serializer):
    experts = serializers.PrimaryKeyRelatedField(many=True, queryset=Expert.objects.all(), allow_empty=False)


class CandidateSerializer(serializers.Serializer):
    expert = serializers.IntegerField(source="expert.pk")
    name = serializers.CharField(source="expert.name")
    organization = serializers.CharField(source="expert.organization.name")
    on_panel = serializers.BooleanField()
    proposed = serializers.SerializerMethodField()
    shared_terms = serializers.ListField(child=serializers.CharField(), read_only=True)
    conflicts = serializers.SerializerMethodField()

    def get_proposed(self, candidate) -> bool:
        return candidate.expert.pk in self.context.get("proposed", ())

    def get_conflicts(self, candidate) -> list[dict]:
        return [{"code": c.code, "message": c.message} for c in candidate.conflicts]


class RankSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    application = serializers.IntegerField(source="application.pk")
    lead = serializers.CharField(source="application.lead.name")
    score = serializers.DecimalField(
        max_digits=7,
        decimal_places=3,
        allow_null=True,
        help_text=_("null for a panel expert until the decision is public"),
    )
    scores = serializers.IntegerField(allow_null=True)


class ObjectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Objection
        fields = ("id", "challenge", "text", "raised_at", "resolution", "upheld", "resolved_at")
        read_only_fields = ("raised_at", "resolution", "upheld", "resolved_at")


class ResolveSerializer(serializers.Serializer):
    resolution = serializers.CharField(max_length=2000)
    upheld = serializers.BooleanField(default=False)


class DeclareSerializer(serializers.Serializer):
    organization = CodeField(queryset=Organization.objects.all())
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


class AwardSerializer(serializers.ModelSerializer):
    lead = serializers.CharField(source="application.lead.name", read_only=True)

    class Meta:
        model = Award
        fields = (
            "id",
            "challenge",
            "application",
            "lead",
            "rank",
            "score",
            "amount_yuan",
            "contract",
            "awarded_at",
            "dropped_at",
            "drop_reason",
            "dropped_at_milestone",
        )


class CofundingInputSerializer(serializers.Serializer):
    amount_yuan = serializers.DecimalField(
        max_digits=16, decimal_places=2, help_text="enterprise co-funding contributed to date (cumulative)"
    )


class DropSerializer(serializers.Serializer):
    milestone = serializers.PrimaryKeyRelatedField(queryset=Milestone.objects.all())
    reason = serializers.CharField(max_length=2000)


class AcceptInputSerializer(serializers.Serializer):
    results = serializers.DictField(
        child=serializers.DictField(), help_text='{indicator id: {"met": bool, "note": ""}}'
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class EvidenceInputSerializer(serializers.Serializer):
    file = serializers.FileField()
    description = serializers.CharField(required=False, allow_blank=True, max_length=200)
