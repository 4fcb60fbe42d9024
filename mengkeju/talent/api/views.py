"""The talent REST API under /api/talent/: the same permission rules and selectors as the pages, the
same services for changes (which refuse with localized errors and codes)."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import pack, selectors, services
from .. import permissions as rules
from ..models import Exchange, Person
from .serializers import (
    ConfirmInputSerializer,
    EndInputSerializer,
    EnrolInputSerializer,
    EnrolmentSerializer,
    ExchangeDetailSerializer,
    ExchangeInputSerializer,
    ExchangeSerializer,
    OutcomeInputSerializer,
    OutcomeSerializer,
    PersonDetailSerializer,
    PersonInputSerializer,
    PersonSerializer,
    TalentPackSerializer,
    TierDecisionSerializer,
    TierInputSerializer,
)


class PersonViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The talent pool (network staff and analysts; a person reads their own entry). Headquarters and
    sub-centers add people (POST) and enrol them in programmes (`enrol`); headquarters decides tiers
    (`tier`)."""

    permission_classes = [permissions.IsAuthenticated]
    queryset = Person.objects.none()  # typed path parameters in the schema; get_queryset scopes
    filterset_fields = ["tier", "kind"]

    def get_queryset(self):
        qs = selectors.visible_people(self.request.user).prefetch_related("chain_links")
        if self.action == "retrieve":
            qs = qs.prefetch_related("tier_decisions", "enrolments")
        return qs

    def get_serializer_class(self):
        return PersonDetailSerializer if self.action == "retrieve" else PersonSerializer

    @extend_schema(request=PersonInputSerializer, responses={201: PersonSerializer})
    def create(self, request, *args, **kwargs):
        if not rules.can_manage_people(request.user):
            raise PermissionDenied(_("Only headquarters and the sub-center serving the division add people."))
        payload = PersonInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        person = services.add_person(by=request.user, **payload.validated_data)
        return Response(PersonSerializer(person).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TierInputSerializer, responses={201: TierDecisionSerializer})
    @action(detail=True, methods=["post"])
    def tier(self, request, pk=None):
        person = self.get_object()
        payload = TierInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        decision = services.decide_tier(person, by=request.user, **payload.validated_data)
        return Response(TierDecisionSerializer(decision).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=EnrolInputSerializer, responses={201: EnrolmentSerializer})
    @action(detail=True, methods=["post"])
    def enrol(self, request, pk=None):
        person = self.get_object()
        payload = EnrolInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        enrolment = services.enrol(person, by=request.user, **payload.validated_data)
        return Response(EnrolmentSerializer(enrolment).data, status=status.HTTP_201_CREATED)


class ExchangeViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Talent exchanges: propose (POST), confirm by each side, start, end, link outcomes. The detail lists
    the contracts registered between the two organizations since the term began."""

    permission_classes = [permissions.IsAuthenticated]
    queryset = Exchange.objects.none()  # typed path parameters in the schema; get_queryset scopes
    filterset_fields = ["status", "role"]

    def get_queryset(self):
        return selectors.visible_exchanges(self.request.user)

    def get_serializer_class(self):
        return ExchangeDetailSerializer if self.action == "retrieve" else ExchangeSerializer

    @extend_schema(request=ExchangeInputSerializer, responses={201: ExchangeSerializer})
    def create(self, request, *args, **kwargs):
        if not rules.can_propose_exchange(request.user):
            raise PermissionDenied(_("You may not propose talent exchanges."))
        payload = ExchangeInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        exchange = services.propose_exchange(by=request.user, home=data["person"].organization, **data)
        return Response(ExchangeSerializer(exchange).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ConfirmInputSerializer, responses={200: ExchangeSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        payload = ConfirmInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        side = payload.validated_data.get("side")
        exchange = services.confirm_exchange(self.get_object(), by=request.user, side=side)
        return Response(ExchangeSerializer(exchange).data)

    @extend_schema(request=None, responses={200: ExchangeSerializer})
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return Response(ExchangeSerializer(services.start_exchange(self.get_object(), by=request.user)).data)

    @extend_schema(request=EndInputSerializer, responses={200: ExchangeSerializer})
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        payload = EndInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        exchange = services.end_exchange(self.get_object(), by=request.user, **payload.validated_data)
        return Response(ExchangeSerializer(exchange).data)

    @extend_schema(request=OutcomeInputSerializer, responses={201: OutcomeSerializer})
    @action(detail=True, methods=["post"])
    def outcomes(self, request, pk=None):
        payload = OutcomeInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        outcome = services.link_outcome(self.get_object(), by=request.user, **payload.validated_data)
        return Response(OutcomeSerializer(outcome).data, status=status.HTTP_201_CREATED)


class TalentPackView(APIView):
    """The region's talent tiers with their criteria, the programmes, the exchange roles."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: TalentPackSerializer})
    def get(self, request):
        data = {
            "tiers": pack.tiers(),
            "programmes": pack.programmes(),
            "exchange_roles": pack.exchange_roles(),
        }
        return Response(TalentPackSerializer(data).data)
