"""The licensing REST API under /api/licensing/. Thin: parse, look up what the user may see, call a
service, render. The same permission rules as the web pages (permissions.py, selectors.visible_*)."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from mengkeju.core import clock

from .. import selectors, services
from ..models import Licence, OpenLicenceDeclaration
from ..permissions import can_view_declaration
from .serializers import (
    AcceptSerializer,
    ActionSerializer,
    DeclarationSerializer,
    FeeTermsSerializer,
    LicenceCreateSerializer,
    LicenceDetailSerializer,
    LicenceSerializer,
    PaymentSerializer,
    ReceiptSerializer,
    RevenueSharePolicySerializer,
    RevenueShareStatementSerializer,
    RoyaltyReportSerializer,
)


def _today():
    return clock.local_date()


def _terms(data: dict) -> dict:
    terms = {k: data[k] for k in FeeTermsSerializer.TERM_FIELDS if k in data}
    terms["milestones"] = [dict(m) for m in data.get("milestones", [])]
    return terms


class LicenceViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Licences (技术许可) the user is a party to; headquarters sees all."""

    permission_classes = [permissions.IsAuthenticated]
    filterset_fields = ["status", "scope", "use_first_pay_later"]

    def get_queryset(self):
        return selectors.visible_licences(self.request.user).prefetch_related("payments")

    def get_serializer_class(self):
        if self.action == "create":
            return LicenceCreateSerializer
        return LicenceDetailSerializer if self.action == "retrieve" else LicenceSerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": _today()}

    @extend_schema(request=LicenceCreateSerializer, responses={201: LicenceDetailSerializer})
    def create(self, request, *args, **kwargs):
        payload = LicenceCreateSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        achievement = data.pop("achievement")
        values = {
            k: data[k]
            for k in (
                "licensee",
                "scope",
                "territory",
                "field_of_use",
                "start_on",
                "end_on",
                "contract",
                "contract_reference",
                "use_first_pay_later",
                "trial_months",
            )
            if k in data
        }
        values["inventors"] = [
            {"name": i["name"], "weight": str(i["weight"])} for i in data.get("inventors", [])
        ]
        licence = services.create_licence(achievement, by=request.user, **values, **_terms(data))
        return Response(self._render(licence), status=status.HTTP_201_CREATED)

    def _render(self, licence):
        licence = Licence.objects.get(pk=licence.pk)
        return LicenceDetailSerializer(licence, context=self.get_serializer_context()).data

    def _act(self, request, service, needs_reason: bool = False):
        licence = self.get_object()
        payload = ActionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        extra = {"reason": payload.validated_data.get("reason", "")} if needs_reason else {}
        service(licence, by=request.user, on=payload.validated_data.get("on") or _today(), **extra)
        return Response(self._render(licence))

    @extend_schema(request=ActionSerializer, responses=LicenceDetailSerializer)
    @action(detail=True, methods=["post"])
    def grant(self, request, pk=None):
        """The licensor grants a draft licence."""
        return self._act(request, services.grant_licence)

    @extend_schema(request=ActionSerializer, responses=LicenceDetailSerializer)
    @action(detail=True, methods=["post"], url_path="start-trial")
    def start_trial(self, request, pk=None):
        """The licensor starts the free trial of a use-first-pay-later licence."""
        return self._act(request, services.start_trial)

    @extend_schema(request=ActionSerializer, responses=LicenceDetailSerializer)
    @action(detail=True, methods=["post"])
    def convert(self, request, pk=None):
        """The licensee converts its trial to the paid terms agreed in advance."""
        return self._act(request, services.convert_to_paid)

    @extend_schema(request=ActionSerializer, responses=LicenceDetailSerializer)
    @action(detail=True, methods=["post"], url_path="exit")
    def exit_trial(self, request, pk=None):
        """The licensee exits its trial (a reason is required); nothing is due."""
        return self._act(request, services.exit_trial, needs_reason=True)

    @extend_schema(request=ActionSerializer, responses=LicenceDetailSerializer)
    @action(detail=True, methods=["post"])
    def terminate(self, request, pk=None):
        """The licensor terminates a running licence (a reason is required)."""
        return self._act(request, services.terminate_licence, needs_reason=True)

    @extend_schema(request=RoyaltyReportSerializer, responses={201: RoyaltyReportSerializer})
    @action(detail=True, methods=["post"], url_path="royalty-reports")
    def royalty_reports(self, request, pk=None):
        """The licensee reports a period's sales; the royalty due joins the payment schedule."""
        licence = self.get_object()
        payload = RoyaltyReportSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        report = services.file_royalty_report(
            licence,
            by=request.user,
            period_start_on=data["period_start_on"],
            period_end_on=data["period_end_on"],
            sales_revenue_yuan=data["sales_revenue_yuan"],
            units_sold=data.get("units_sold", 0),
            note=data.get("note", ""),
            filed_on=data.get("filed_on") or _today(),
        )
        return Response(RoyaltyReportSerializer(report).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReceiptSerializer, responses={201: ReceiptSerializer})
    @action(detail=True, methods=["post"])
    def payments(self, request, pk=None):
        """The licensor records a payment received (with deductible costs); the revenue-sharing
        statement is issued when the licensor's policy is in force."""
        licence = self.get_object()
        payload = ReceiptSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        receipt = services.record_payment(
            licence,
            by=request.user,
            received_on=data["received_on"],
            amount_yuan=data["amount_yuan"],
            payment=data.get("payment"),
            costs=[dict(c) for c in data.get("costs", [])],
        )
        receipt.refresh_from_db()
        return Response(ReceiptSerializer(receipt).data, status=status.HTTP_201_CREATED)


class PaymentViewSet(viewsets.ReadOnlyModelViewSet):
    """Scheduled payments of the user's licences, with their state as of today."""

    serializer_class = PaymentSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_fields = ["licence", "kind"]

    def get_queryset(self):
        return selectors.visible_payments(self.request.user).order_by("due_on", "pk")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": _today()}


class DeclarationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """专利开放许可 open licence declarations: standing ones are public."""

    serializer_class = DeclarationSerializer
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    filterset_fields = ["status"]

    def get_queryset(self):
        return selectors.visible_declarations(self.request.user)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        achievement = data.pop("achievement")
        serializer.instance = services.declare_open_licence(
            achievement,
            by=self.request.user,
            declared_on=_today(),
            payment_method=data.get("payment_method", ""),
            term_months=data.get("term_months"),
            patent_number=data.get("patent_number", ""),
            description=data.get("description", ""),
            **_terms(data),
        )

    @extend_schema(request=AcceptSerializer, responses={201: LicenceDetailSerializer})
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def accept(self, request, pk=None):
        """Accept the declaration: your organization obtains an ordinary licence on its terms at once."""
        declaration = get_object_or_404(OpenLicenceDeclaration, pk=pk)
        if not can_view_declaration(request.user, declaration):
            return Response({"detail": _("Not found.")}, status=status.HTTP_404_NOT_FOUND)
        payload = AcceptSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        licensee = payload.validated_data.get("licensee") or request.user.organization
        if licensee is None:
            raise ValidationError({"licensee": [_("Name the organization that takes the licence.")]})
        licence = services.accept_open_licence(declaration, licensee, by=request.user, on=_today())
        data = LicenceDetailSerializer(
            Licence.objects.get(pk=licence.pk), context={"today": _today(), "request": request}
        ).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ActionSerializer, responses=DeclarationSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def withdraw(self, request, pk=None):
        """Withdraw the declaration (a reason is required); licences already obtained keep running."""
        declaration = self.get_object()
        payload = ActionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.withdraw_open_licence(
            declaration,
            by=request.user,
            on=payload.validated_data.get("on") or _today(),
            reason=payload.validated_data.get("reason", ""),
        )
        declaration.refresh_from_db()
        return Response(DeclarationSerializer(declaration).data)


class RevenueSharePolicyViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Revenue-sharing policies (收益分配) of the user's institution, versioned by valid_from."""

    serializer_class = RevenueSharePolicySerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        return selectors.visible_revenue_policies(self.request.user)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        institution = data.pop("institution", None) or self.request.user.organization
        if institution is None:
            raise ValidationError({"institution": [_("Name the institution.")]})
        serializer.instance = services.set_revenue_share_policy(institution, by=self.request.user, **data)


class RevenueShareStatementViewSet(viewsets.ReadOnlyModelViewSet):
    """Revenue-sharing statements of the user's institution (one per payment received)."""

    serializer_class = RevenueShareStatementSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        return selectors.visible_statements(self.request.user).prefetch_related("lines")
