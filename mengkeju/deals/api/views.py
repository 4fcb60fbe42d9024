"""REST API of deals, contracts and registrations: thin — the same services and permissions as the pages."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from mengkeju.catalog import selectors as catalog_selectors

from .. import permissions as rules
from .. import selectors, services
from ..models import Deal, Registration, TechnicalContract
from .serializers import (
    ContractSerializer,
    DealSerializer,
    DealTransitionSerializer,
    NoteSerializer,
    ReasonSerializer,
    RegistrationSerializer,
)


class DealViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Deals (撮合): create one from a match (demand and/or achievement), move it along, record contacts."""

    serializer_class = DealSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_fields = ["stage", "sub_center"]

    def get_queryset(self):
        return selectors.with_deal_related(selectors.visible_deals(self.request.user)).prefetch_related(
            "events__actor"
        )

    def get_object(self):
        deal = get_object_or_404(Deal.objects.all(), pk=self.kwargs["pk"])
        if not rules.can_view_deal(self.request.user, deal):
            raise Http404
        return deal

    def perform_create(self, serializer):
        user = self.request.user
        demand = serializer.validated_data.get("demand")
        achievement = serializer.validated_data.get("achievement")
        if demand is not None and not catalog_selectors.visible_demands(user).filter(pk=demand.pk).exists():
            raise Http404
        if (
            achievement is not None
            and not catalog_selectors.visible_achievements(user).filter(pk=achievement.pk).exists()
        ):
            raise Http404
        serializer.instance = services.open_deal_from_match(demand=demand, achievement=achievement, by=user)

    @extend_schema(request=DealTransitionSerializer, responses=DealSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        deal = self.get_object()
        payload = DealTransitionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        deal = services.transition_deal(
            deal,
            payload.validated_data["stage"],
            by=request.user,
            note=payload.validated_data.get("note", ""),
        )
        return Response(DealSerializer(deal).data)

    @extend_schema(request=NoteSerializer, responses=DealSerializer)
    @action(detail=True, methods=["post"])
    def contact(self, request, pk=None):
        deal = self.get_object()
        payload = NoteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.record_contact(deal, payload.validated_data["note"], by=request.user)
        deal.refresh_from_db()
        return Response(DealSerializer(deal).data)


class ContractViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Technical contracts (技术合同) with their parties. Drafts are edited; registered ones are amended."""

    serializer_class = ContractSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_fields = ["status", "kind"]

    def get_queryset(self):
        return selectors.with_contract_related(selectors.visible_contracts(self.request.user))

    def get_object(self):
        contract = get_object_or_404(TechnicalContract.objects.all(), pk=self.kwargs["pk"])
        if not rules.can_view_contract(self.request.user, contract):
            raise Http404
        return contract

    def _split(self, data):
        data = dict(data)
        parties = data.pop("parties", None)
        deal = data.pop("deal", None)
        return data, parties, deal

    def perform_create(self, serializer):
        data, parties, deal = self._split(serializer.validated_data)
        if deal is not None and not rules.can_view_deal(self.request.user, deal):
            raise Http404
        serializer.instance = services.create_contract(
            by=self.request.user, parties=parties or [], deal=deal, **data
        )

    def perform_update(self, serializer):
        data, parties, _deal = self._split(serializer.validated_data)
        serializer.instance = services.update_contract(
            serializer.instance, by=self.request.user, parties=parties, **data
        )

    @extend_schema(request=None, responses=RegistrationSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        registration = services.submit_contract(self.get_object(), by=request.user)
        return Response(RegistrationSerializer(registration).data, status=status.HTTP_201_CREATED)


class RegistrationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Registrations (认定登记): immutable once decided. Statistics count status=registered and is_current."""

    serializer_class = RegistrationSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_fields = ["status", "is_current", "flow", "kind"]

    def get_queryset(self):
        return (
            selectors.visible_registrations(self.request.user)
            .select_related(
                "seller_division", "buyer_division", "chain", "sub_center", "submitted_by", "decided_by"
            )
            .prefetch_related("events__actor")
        )

    def get_object(self):
        registration = get_object_or_404(
            Registration.objects.select_related("contract"), pk=self.kwargs["pk"]
        )
        if not rules.can_view_contract(self.request.user, registration.contract):
            raise Http404
        return registration

    def _reason(self, request) -> str:
        return self._payload(request)["reason"]

    def _payload(self, request) -> dict:
        payload = ReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return payload.validated_data

    @extend_schema(request=None, responses=RegistrationSerializer)
    @action(detail=True, methods=["post"])
    def register(self, request, pk=None):
        """Run every rule: registered (with a number) or refused (with the failing rule's code and message)."""
        registration = services.register(self.get_object(), by=request.user)
        return Response(RegistrationSerializer(registration).data)

    @extend_schema(request=ReasonSerializer, responses=RegistrationSerializer)
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        data = self._payload(request)
        registration = services.refuse_registration(
            self.get_object(), data["reason"], reasons=sorted(data.get("reasons") or ()), by=request.user
        )
        return Response(RegistrationSerializer(registration).data)

    @extend_schema(request=ReasonSerializer, responses=RegistrationSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        data = self._payload(request)
        registration = services.cancel_registration(
            self.get_object(),
            data["reason"],
            tax_benefit_claimed=data["tax_benefit_claimed"],
            by=request.user,
        )
        return Response(RegistrationSerializer(registration).data)

    @extend_schema(request=NoteSerializer, responses=RegistrationSerializer)
    @action(detail=True, methods=["post"])
    def dispute(self, request, pk=None):
        """Mark a pending application as disputed: expert review and the longer review window apply."""
        payload = NoteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        registration = services.mark_disputed(
            self.get_object(), payload.validated_data["note"], by=request.user
        )
        return Response(RegistrationSerializer(registration).data)

    @extend_schema(request=NoteSerializer, responses=RegistrationSerializer)
    @action(detail=True, methods=["post"], url_path="expert-review")
    def expert_review(self, request, pk=None):
        """Record the experts' opinion (`note`) on an application that needs expert review."""
        payload = NoteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        registration = services.record_expert_review(
            self.get_object(), payload.validated_data["note"], by=request.user
        )
        return Response(RegistrationSerializer(registration).data)

    @extend_schema(request=ContractSerializer, responses=RegistrationSerializer)
    @action(detail=True, methods=["post"])
    def amend(self, request, pk=None):
        """Submit an amendment: the changed contract fields (and `parties` to replace them)."""
        registration = self.get_object()
        payload = ContractSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        changes = dict(payload.validated_data)
        changes.pop("deal", None)
        claimed = request.data.get("tax_benefit_claimed")
        amendment = services.amend(registration, changes, tax_benefit_claimed=claimed, by=request.user)
        return Response(RegistrationSerializer(amendment).data, status=status.HTTP_201_CREATED)
