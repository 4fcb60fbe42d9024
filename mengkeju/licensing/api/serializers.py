"""Serializers of the licensing API. They parse and render; the rules live in services."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from mengkeju.catalog.models import Achievement
from mengkeju.core import clock
from mengkeju.core.fields import CodeField
from mengkeju.deals import selectors as deals_selectors
from mengkeju.deals.models import TechnicalContract
from mengkeju.network.models import Organization

from .. import selectors
from ..models import (
    DeductibleCost,
    FeeModel,
    Licence,
    LicenceEvent,
    OpenLicenceDeclaration,
    Payment,
    PaymentReceipt,
    RevenueSharePolicy,
    RevenueShareStatement,
    RoyaltyReport,
    Scope,
    StatementLine,
)
from ..services.terms import TERM_FIELDS


def _money(**kwargs):
    return serializers.DecimalField(max_digits=14, decimal_places=2, **kwargs)


class OrganizationCodeField(CodeField):
    def __init__(self, **kwargs):
        super().__init__(queryset=Organization.objects.all(), **kwargs)


class MilestoneSerializer(serializers.Serializer):
    """A payment milestone of a licence (not a challenge milestone)."""

    name = serializers.CharField(max_length=100)
    months_after = serializers.IntegerField(help_text=_("Months after the grant (or conversion)."))
    amount_yuan = _money()

    class Meta:
        ref_name = "LicenceMilestone"


class InventorSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    weight = serializers.DecimalField(max_digits=9, decimal_places=4, required=False, default="1")


class FeeTermsSerializer(serializers.Serializer):
    """Fee terms as written; checked by services.validate_fee_terms."""

    fee_model = serializers.ChoiceField(choices=FeeModel.choices)
    upfront_fee_yuan = _money(required=False, allow_null=True)
    lump_sum_yuan = _money(required=False, allow_null=True)
    royalty_rate = serializers.DecimalField(
        max_digits=9, decimal_places=6, required=False, allow_null=True, help_text=_("0.05 = 5 % of sales.")
    )
    minimum_annual_royalty_yuan = _money(required=False, allow_null=True)
    per_unit_fee_yuan = _money(required=False, allow_null=True)
    milestones = MilestoneSerializer(many=True, required=False)
    payment_term_days = serializers.IntegerField(required=False, default=30)

    TERM_FIELDS = TERM_FIELDS  # the fee terms the services read (licensing.services.terms)


class PaymentSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    state = serializers.SerializerMethodField(help_text=_("due, partly_paid, paid or overdue — as of today"))
    outstanding_yuan = _money(read_only=True)

    class Meta:
        model = Payment
        fields = (
            "id",
            "licence",
            "kind",
            "kind_label",
            "description",
            "due_on",
            "amount_yuan",
            "paid_amount_yuan",
            "paid_on",
            "outstanding_yuan",
            "state",
        )
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=Payment.State.choices))
    def get_state(self, payment) -> str:
        today = self.context.get("today") or clock.local_date()
        return payment.state_on(today)


class RoyaltyReportSerializer(serializers.ModelSerializer):
    units_sold = serializers.DecimalField(max_digits=14, decimal_places=3, required=False, default=0)
    sales_revenue_yuan = _money()
    filed_on = serializers.DateField(required=False, help_text=_("Default: today."))

    class Meta:
        model = RoyaltyReport
        fields = (
            "id",
            "licence",
            "period_start_on",
            "period_end_on",
            "sales_revenue_yuan",
            "units_sold",
            "royalty_due_yuan",
            "filed_on",
            "note",
        )
        read_only_fields = ("id", "licence", "royalty_due_yuan")


class LicenceEventSerializer(serializers.ModelSerializer):
    action_label = serializers.CharField(source="get_action_display", read_only=True)
    actor = serializers.CharField(source="actor.username", default=None, read_only=True)

    class Meta:
        model = LicenceEvent
        fields = (
            "id",
            "action",
            "action_label",
            "from_status",
            "to_status",
            "on",
            "note",
            "data",
            "actor",
            "at",
        )
        read_only_fields = fields


class LicenceSerializer(serializers.ModelSerializer):
    achievement_title = serializers.CharField(source="achievement.title", read_only=True)
    licensor = serializers.CharField(source="licensor.code", read_only=True)
    licensor_name = serializers.CharField(source="licensor.name", read_only=True)
    licensee = serializers.CharField(source="licensee.code", read_only=True)
    licensee_name = serializers.CharField(source="licensee.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    milestones = MilestoneSerializer(many=True, read_only=True)
    inventors = InventorSerializer(many=True, read_only=True)

    class Meta:
        model = Licence
        fields = (
            "id",
            "achievement",
            "achievement_title",
            "licensor",
            "licensor_name",
            "licensee",
            "licensee_name",
            "scope",
            "territory",
            "field_of_use",
            "start_on",
            "end_on",
            "status",
            "status_label",
            *FeeTermsSerializer.TERM_FIELDS,
            "use_first_pay_later",
            "trial_months",
            "trial_start_on",
            "trial_end_on",
            "granted_on",
            "converted_on",
            "ended_on",
            "end_reason",
            "open_declaration",
            "contract",
            "contract_reference",
            "inventors",
        )
        read_only_fields = fields


class LicenceDetailSerializer(LicenceSerializer):
    payments = PaymentSerializer(many=True, read_only=True)
    royalty_reports = RoyaltyReportSerializer(many=True, read_only=True)
    events = serializers.SerializerMethodField()

    @extend_schema_field(LicenceEventSerializer(many=True))
    def get_events(self, licence):
        request = self.context.get("request")
        events = selectors.licence_events(licence, getattr(request, "user", None))
        return LicenceEventSerializer(events, many=True).data

    class Meta(LicenceSerializer.Meta):
        fields = (*LicenceSerializer.Meta.fields, "payments", "royalty_reports", "events")
        read_only_fields = fields


class LicenceCreateSerializer(FeeTermsSerializer):
    achievement = serializers.PrimaryKeyRelatedField(queryset=Achievement.objects.all())
    licensee = OrganizationCodeField(help_text=_("Licensee organization code"))
    scope = serializers.ChoiceField(choices=Scope.choices, default=Scope.ORDINARY)
    territory = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    field_of_use = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    start_on = serializers.DateField()
    end_on = serializers.DateField(required=False, allow_null=True)
    inventors = InventorSerializer(many=True, required=False)
    contract = serializers.PrimaryKeyRelatedField(
        queryset=TechnicalContract.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("Technical contract (kind: licence) on the platform"),
    )
    contract_reference = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    use_first_pay_later = serializers.BooleanField(required=False, default=False)
    trial_months = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text=_("Default: the region's use_first_pay_later_trial_months."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only a contract the user may see can be named: any other id is "does not exist", the same
        # answer as a missing one, so nobody learns of other organizations' contracts through here.
        request = self.context.get("request")
        user = getattr(request, "user", None)
        self.fields["contract"].queryset = (
            deals_selectors.visible_contracts(user) if user is not None else TechnicalContract.objects.none()
        )


class ActionSerializer(serializers.Serializer):
    on = serializers.DateField(required=False, help_text=_("Effective date; default: today."))
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class CostSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=DeductibleCost.Kind.choices)
    amount_yuan = _money()

    class Meta:
        model = DeductibleCost
        fields = ("kind", "description", "amount_yuan")


class ReceiptSerializer(serializers.ModelSerializer):
    costs = CostSerializer(many=True, required=False)
    payment = serializers.PrimaryKeyRelatedField(
        queryset=Payment.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("Scheduled payment; default: the earliest outstanding."),
    )
    amount_yuan = _money()
    statement = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = PaymentReceipt
        fields = ("id", "payment", "received_on", "amount_yuan", "costs", "statement")
        read_only_fields = ("id", "statement")


class DeclarationSerializer(serializers.ModelSerializer):
    achievement_title = serializers.CharField(source="achievement.title", read_only=True)
    licensor = serializers.CharField(source="licensor.code", read_only=True)
    licensor_name = serializers.CharField(source="licensor.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    milestones = MilestoneSerializer(many=True, required=False)
    upfront_fee_yuan = _money(required=False, allow_null=True)
    lump_sum_yuan = _money(required=False, allow_null=True)
    royalty_rate = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True)
    minimum_annual_royalty_yuan = _money(required=False, allow_null=True)
    per_unit_fee_yuan = _money(required=False, allow_null=True)
    payment_term_days = serializers.IntegerField(required=False, default=30)
    term_months = serializers.IntegerField()

    class Meta:
        model = OpenLicenceDeclaration
        fields = (
            "id",
            "achievement",
            "achievement_title",
            "licensor",
            "licensor_name",
            "patent_number",
            *FeeTermsSerializer.TERM_FIELDS,
            "payment_method",
            "term_months",
            "description",
            "status",
            "status_label",
            "declared_on",
            "withdrawn_on",
        )
        read_only_fields = ("id", "status", "declared_on", "withdrawn_on")


class AcceptSerializer(serializers.Serializer):
    licensee = OrganizationCodeField(required=False, help_text=_("Default: your organization."))


class RevenueSharePolicySerializer(serializers.ModelSerializer):
    institution = OrganizationCodeField(required=False, help_text=_("Default: your organization."))
    inventors_share = serializers.DecimalField(max_digits=6, decimal_places=4)
    team_share = serializers.DecimalField(max_digits=6, decimal_places=4)
    institution_share = serializers.DecimalField(max_digits=6, decimal_places=4)

    class Meta:
        model = RevenueSharePolicy
        fields = (
            "id",
            "institution",
            "valid_from",
            "inventors_share",
            "team_share",
            "institution_share",
            "note",
        )
        read_only_fields = ("id",)
        validators = []  # one version per day is checked by services.set_revenue_share_policy


class StatementLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = StatementLine
        fields = ("position", "party", "name", "share", "amount_yuan")
        read_only_fields = fields


class RevenueShareStatementSerializer(serializers.ModelSerializer):
    lines = StatementLineSerializer(many=True, read_only=True)
    licence = serializers.IntegerField(source="receipt.payment.licence_id", read_only=True)
    received_on = serializers.DateField(source="receipt.received_on", read_only=True)

    class Meta:
        model = RevenueShareStatement
        fields = (
            "id",
            "licence",
            "receipt",
            "received_on",
            "policy",
            "gross_yuan",
            "deductions_yuan",
            "net_income_yuan",
            "inventors_yuan",
            "team_yuan",
            "institution_yuan",
            "issued_on",
            "lines",
        )
        read_only_fields = fields
