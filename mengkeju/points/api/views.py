"""The innovation-points REST API under /api/points/. Thin: the same permission rules and selectors
as the web pages, the same services for changes."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from mengkeju.network.models import IndustryChain

from .. import permissions as rules
from .. import selectors, services
from ..importing import ImportRejected
from ..models import EnterpriseYear, IndicatorSystem, Score
from .serializers import (
    EnterpriseYearSerializer,
    ImportResultSerializer,
    ImportSerializer,
    IndicatorSystemSerializer,
    RecomputeSerializer,
    ReturnSerializer,
    ScoreDetailSerializer,
    ScoreSerializer,
)


class IndicatorSystemViewSet(viewsets.ReadOnlyModelViewSet):
    """The yearly indicator systems (every version; scores name the version they used)."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = IndicatorSystemSerializer
    queryset = IndicatorSystem.objects.prefetch_related("indicators")
    filterset_fields = ["year"]


@extend_schema(
    parameters=[
        OpenApiParameter("year", int),
        OpenApiParameter("chain", str),
        OpenApiParameter("size_class", str),
        OpenApiParameter("tier", str),
        OpenApiParameter("division", str),
    ]
)
def _year(value: str | None) -> int | None:
    """The ?year= of a query: a year, or a 400 with a code (`?year=false` used to answer 500)."""
    if value in (None, ""):
        return None
    if not value.isdigit() or not 1900 <= int(value) <= 2100:
        raise ValidationError(
            {"year": ValidationError(_("The year must be a number such as 2026."), code="invalid")}
        )
    return int(value)


class ScoreViewSet(viewsets.ReadOnlyModelViewSet):
    """Scores. Ranking roles list a cohort's ranking (?year=&chain=&size_class=&tier=&division=); an
    enterprise lists its own scores. The detail (breakdown, raw values) follows the enterprise-data rule."""

    permission_classes = [permissions.IsAuthenticated]
    queryset = Score.objects.none()  # typed path parameters in the schema; get_queryset scopes

    def get_serializer_class(self):
        return ScoreDetailSerializer if self.action == "retrieve" else ScoreSerializer

    def get_queryset(self):
        user, params = self.request.user, self.request.query_params
        if self.action == "retrieve":
            return selectors.visible_scores(user)
        if rules.can_view_ranking(user):
            year = _year(params.get("year")) or selectors.default_year() or 0
            chain = IndustryChain.objects.filter(code=params.get("chain", "")).first()
            run = selectors.run_for(year, chain, params.get("size_class", ""))
            if run is None:
                return Score.objects.none()
            return selectors.ranking(
                user, run, tier=params.get("tier", ""), division=params.get("division", "")
            )
        if user.organization_id and rules.is_enterprise_member(user, user.organization):
            return selectors.visible_scores(user).order_by("-year", "run__cohort_key")
        return Score.objects.none()

    @extend_schema(request=RecomputeSerializer, responses={200: ScoreSerializer(many=True)})
    @action(detail=False, methods=["post"])
    def recompute(self, request):
        if not rules.can_recompute(request.user):
            raise PermissionDenied
        payload = RecomputeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        chain = (
            IndustryChain.objects.filter(code=data.get("chain", "")).first() if data.get("chain") else None
        )
        run = services.recompute_scores(
            data["year"], chain=chain, size_class=data.get("size_class", ""), by=request.user
        )
        scores = selectors.ranking(request.user, run)[:100]
        return Response(ScoreSerializer(scores, many=True).data)


class EnterpriseDataViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Enterprises' yearly indicator data with status; confirm / return; import a filled-in template."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = EnterpriseYearSerializer
    queryset = EnterpriseYear.objects.none()  # typed path parameters in the schema; get_queryset scopes
    filterset_fields = ["year", "status"]

    def get_queryset(self):
        return selectors.visible_records(self.request.user)

    @extend_schema(request=None, responses={200: EnterpriseYearSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        record = services.confirm_data(self.get_object(), by=request.user)
        return Response(EnterpriseYearSerializer(record).data)

    @extend_schema(request=ReturnSerializer, responses={200: EnterpriseYearSerializer})
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        payload = ReturnSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        record = services.return_data(
            self.get_object(), by=request.user, reason=payload.validated_data["reason"]
        )
        return Response(EnterpriseYearSerializer(record).data)

    @extend_schema(request={"multipart/form-data": ImportSerializer}, responses={200: ImportResultSerializer})
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser, FormParser])
    def import_file(self, request):
        payload = ImportSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        upload = payload.validated_data["file"]
        try:
            report = services.import_indicator_values(
                upload.read(), upload.name, year=payload.validated_data["year"], by=request.user
            )
        except ImportRejected as exc:
            return Response(
                {
                    "detail": str(exc),
                    "problems": [
                        {"row": p.row, "column": p.column, "reason": p.message} for p in exc.report.problems
                    ],
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(ImportResultSerializer(report).data)
