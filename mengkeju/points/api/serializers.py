from rest_framework import serializers

from ..models import EnterpriseYear, Indicator, IndicatorSystem, Score


class IndicatorSerializer(serializers.ModelSerializer):
    class Meta:
        ref_name = "PointsIndicator"  # challenges has its own Indicator
        model = Indicator
        fields = [
            "code",
            "kind",
            "group_code",
            "group_name",
            "group_weight",
            "name",
            "name_en",
            "unit",
            "weight",
            "direction",
            "method",
            "points",
            "cap",
        ]


class IndicatorSystemSerializer(serializers.ModelSerializer):
    indicators = IndicatorSerializer(many=True, read_only=True)

    class Meta:
        model = IndicatorSystem
        fields = ["id", "year", "version", "name", "name_en", "size_classes", "loaded_at", "indicators"]


class ScoreSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    credit_code = serializers.CharField(source="organization.credit_code", read_only=True)
    cohort = serializers.CharField(source="run.cohort_key", read_only=True)
    system_version = serializers.IntegerField(source="system.version", read_only=True)
    group_points = serializers.SerializerMethodField()

    class Meta:
        model = Score
        fields = [
            "id",
            "organization",
            "organization_name",
            "credit_code",
            "year",
            "cohort",
            "system_version",
            "total",
            "indicator_points",
            "bonus_points",
            "activity_points",
            "rank",
            "tier",
            "stage",
            "group_points",
        ]

    def get_group_points(self, score) -> dict[str, float]:
        return score.breakdown.get("g", {})


class IndicatorLineSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    group = serializers.CharField()
    method = serializers.CharField()
    direction = serializers.CharField()
    raw = serializers.FloatField()
    mean = serializers.FloatField()
    sd = serializers.FloatField()
    median = serializers.FloatField()
    score = serializers.FloatField()
    weight = serializers.FloatField()
    contribution = serializers.FloatField()


class BreakdownSerializer(serializers.Serializer):
    indicators = IndicatorLineSerializer(many=True)
    groups = serializers.ListField(child=serializers.DictField())
    bonus = serializers.ListField(child=serializers.DictField())
    activity = serializers.ListField(child=serializers.DictField())
    improve = IndicatorLineSerializer(many=True)


class ScoreDetailSerializer(ScoreSerializer):
    breakdown = serializers.SerializerMethodField()

    class Meta(ScoreSerializer.Meta):
        fields = [*ScoreSerializer.Meta.fields, "breakdown"]

    def get_breakdown(self, score) -> BreakdownSerializer:
        from .. import selectors

        data = selectors.breakdown(score)
        data["improve"] = selectors.improvements(score)
        return BreakdownSerializer(data).data


class EnterpriseYearSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    values = serializers.SerializerMethodField()

    class Meta:
        model = EnterpriseYear
        fields = [
            "id",
            "organization",
            "organization_name",
            "year",
            "chain",
            "size_class",
            "founded_year",
            "status",
            "entered_at",
            "confirmed_at",
            "return_reason",
            "values",
        ]

    def get_values(self, record) -> dict[str, str]:
        return {v.code: str(v.value) for v in record.values.all()}


class ReturnSerializer(serializers.Serializer):
    reason = serializers.CharField()


class ImportSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    file = serializers.FileField()


class ImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class RecomputeSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    chain = serializers.CharField(required=False, allow_blank=True)
    size_class = serializers.CharField(required=False, allow_blank=True)
