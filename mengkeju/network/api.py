from rest_framework import serializers, viewsets

from .models import ChainLink, Division, IndustryChain, Organization


class DivisionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)

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
