"""REST API of the industry-chain map (read-only; turnover only for the statistics roles)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from mengkeju.network.models import IndustryChain

from . import chain_map, chain_permissions


class PlatformOnLinkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    level = serializers.CharField()
    whitelist_status = serializers.CharField()
    whitelisted = serializers.BooleanField()


class LinkFiguresSerializer(serializers.Serializer):
    code = serializers.CharField(source="link.code")
    name = serializers.CharField(source="link.name")
    stage = serializers.CharField(source="link.stage")
    platforms = PlatformOnLinkSerializer(many=True)
    achievements = serializers.IntegerField()
    open_demands = serializers.IntegerField()
    enterprises = serializers.IntegerField()
    experts = serializers.IntegerField()
    covered = serializers.BooleanField()
    gap = serializers.BooleanField(source="is_gap")
    gap_reasons = serializers.ListField(child=serializers.CharField())
    contracts = serializers.IntegerField(required=False, help_text="Only for statistics roles.")
    turnover_yuan = serializers.DecimalField(
        max_digits=16,
        decimal_places=2,
        required=False,
        help_text="Attributed via deals; statistics roles only.",
    )

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("show_turnover"):
            data.pop("contracts", None)
            data.pop("turnover_yuan", None)
        return data


class ChainSummarySerializer(serializers.Serializer):
    code = serializers.CharField(source="chain.code")
    name = serializers.CharField(source="chain.name")
    links = serializers.SerializerMethodField()
    covered_links = serializers.IntegerField()
    coverage_percent = serializers.DecimalField(max_digits=5, decimal_places=1)
    flagged = serializers.BooleanField(help_text="Not every link is covered by a whitelisted platform.")
    gaps = serializers.SerializerMethodField()
    contracts = serializers.IntegerField(required=False)
    turnover_yuan = serializers.DecimalField(max_digits=16, decimal_places=2, required=False)

    def get_links(self, obj) -> int:
        return len(obj.links)

    def get_gaps(self, obj) -> int:
        return len(obj.gaps)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("show_turnover"):
            data.pop("contracts", None)
            data.pop("turnover_yuan", None)
        return data


class ChainMapSerializer(ChainSummarySerializer):
    link_figures = LinkFiguresSerializer(source="links", many=True)


class GapSerializer(serializers.Serializer):
    chain = serializers.CharField(source="chain.code")
    link = serializers.CharField(source="link.code")
    link_name = serializers.CharField(source="link.name")
    stage = serializers.CharField()
    open_demands = serializers.IntegerField()
    whitelisted_platforms = serializers.IntegerField()
    achievements = serializers.IntegerField()
    reasons = serializers.ListField(child=serializers.CharField())


class ChainMapViewSet(viewsets.ViewSet):
    """The industry-chain map: coverage by whitelisted platforms and gaps, per chain and link."""

    permission_classes = [permissions.AllowAny]
    lookup_field = "code"
    lookup_value_regex = "[-a-zA-Z0-9_]+"

    def _context(self, request):
        return {"request": request, "show_turnover": chain_permissions.can_view_turnover(request.user)}

    @extend_schema(responses=ChainSummarySerializer(many=True))
    def list(self, request):
        return Response(
            ChainSummarySerializer(chain_map.chain_maps(), many=True, context=self._context(request)).data
        )

    @extend_schema(responses=ChainMapSerializer)
    def retrieve(self, request, code=None):
        the_map = chain_map.chain_map(get_object_or_404(IndustryChain, code=code))
        return Response(ChainMapSerializer(the_map, context=self._context(request)).data)

    @extend_schema(responses=GapSerializer(many=True))
    @action(detail=False, methods=["get"])
    def gaps(self, request):
        return Response(GapSerializer(chain_map.gap_rows(chain_map.chain_maps()), many=True).data)
