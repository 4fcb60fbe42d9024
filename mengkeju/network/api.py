from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework import permissions as drf_permissions
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from mengkeju.core.fields import CodeField

from . import permissions as ladder_permissions
from . import selectors, services
from .models import ChainLink, Division, IndustryChain, LadderMembership, Organization


class DivisionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Division
        fields = ("code", "name", "name_en", "level", "parent", "external")


class ChainLinkSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChainLink
        fields = ("code", "name", "name_en", "stage")


class ChainSerializer(serializers.ModelSerializer):
    links = ChainLinkSerializer(many=True, read_only=True)

    class Meta:
        model = IndustryChain
        fields = ("code", "name", "name_en", "links")


class OrganizationSerializer(serializers.ModelSerializer):
    division = serializers.SlugRelatedField(slug_field="code", read_only=True)
    serves_divisions = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    serves_chains = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Organization
        fields = (
            "code",
            "name",
            "name_en",
            "kind",
            "institution_type",
            "division",
            "address",
            "description",
            "serves_divisions",
            "serves_chains",
            "serves_all_chains",
        )


class DivisionViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Division.objects.select_related("parent")
    serializer_class = DivisionSerializer
    lookup_field = "code"
    filterset_fields = ["level", "external"]


class ChainViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = IndustryChain.objects.prefetch_related("links")
    serializer_class = ChainSerializer
    lookup_field = "code"


class OrganizationViewSet(viewsets.ReadOnlyModelViewSet):
    """Organizations are public directory entries (name, kind, place); people are never listed."""

    queryset = Organization.objects.select_related("division").prefetch_related(
        "serves_divisions", "serves_chains"
    )
    serializer_class = OrganizationSerializer
    lookup_field = "code"
    filterset_fields = ["kind"]


class LadderStaySerializer(serializers.ModelSerializer):
    enterprise = CodeField(queryset=Organization.objects.filter(kind=Organization.Kind.ENTERPRISE))
    carrier = CodeField(queryset=Organization.objects.all())

    class Meta:
        model = LadderMembership
        fields = ("id", "enterprise", "carrier", "entered_on", "left_on", "graduated", "note")
        read_only_fields = ("left_on", "graduated")


class LadderFlowLinkSerializer(serializers.Serializer):
    source = serializers.CharField()
    target = serializers.CharField()
    source_kind = serializers.CharField()
    target_kind = serializers.CharField()
    value = serializers.IntegerField()


class LadderFlowSerializer(serializers.Serializer):
    links = LadderFlowLinkSerializer(many=True)
    residents = serializers.DictField(child=serializers.IntegerField())
    entered = serializers.DictField(child=serializers.IntegerField())
    graduations = serializers.ListField(child=serializers.DictField())


class LadderStayViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """The incubation ladder: stays (network staff and analysts), moves (HQ, sub-center staff), flow (public)."""

    serializer_class = LadderStaySerializer
    permission_classes = [drf_permissions.IsAuthenticatedOrReadOnly]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator asks without a user
            return LadderMembership.objects.none()
        if self.action == "list" and not ladder_permissions.can_view_ladder_stays(self.request.user):
            raise PermissionDenied
        return LadderMembership.objects.select_related("enterprise", "carrier").order_by("-entered_on", "-id")

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.record_ladder_move(
            data["enterprise"],
            data["carrier"],
            entered_on=data["entered_on"],
            note=data.get("note", ""),
            by=self.request.user,
        )

    @extend_schema(responses=LadderFlowSerializer)
    @action(detail=False, methods=["get"], permission_classes=[drf_permissions.AllowAny])
    def flow(self, request):
        data = selectors.ladder_flow()
        data["graduations"] = selectors.graduations_by_year()
        return Response(LadderFlowSerializer(data).data)
