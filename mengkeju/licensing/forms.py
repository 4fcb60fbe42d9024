"""Web forms of licensing: they parse what people type; the rules are checked by services."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from mengkeju.catalog.models import Achievement
from mengkeju.core.forms import StyledFormMixin
from mengkeju.deals.models import ContractKind, TechnicalContract
from mengkeju.network.models import Organization

from . import permissions
from .models import FeeModel, Payment, Scope

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _money(label, required=False, help_text=""):
    return forms.DecimalField(
        label=label, required=required, max_digits=14, decimal_places=2, help_text=help_text
    )


def _party_organizations():
    return Organization.objects.exclude(kind__in=permissions.NON_PARTY_KINDS).order_by("name")


class StyledForm(StyledFormMixin, forms.Form):
    """Bootstrap classes on every widget."""


def parse_lines(text: str, columns: int, separator: str = "|") -> list[list[str]]:
    rows = []
    for line in (text or "").splitlines():
        line = line.strip()
        if line:
            parts = [p.strip() for p in line.split(separator)]
            rows.append(parts + [""] * (columns - len(parts)))
    return rows


class FeeTermsForm(StyledForm):
    fee_model = forms.ChoiceField(label=_("Fee model"), choices=FeeModel.choices)
    upfront_fee_yuan = _money(_("Upfront fee (yuan)"), help_text=_("Entry fee (入门费); empty for none."))
    lump_sum_yuan = _money(_("Lump sum (yuan)"))
    royalty_rate = forms.DecimalField(
        label=_("Royalty rate"),
        required=False,
        max_digits=7,
        decimal_places=6,
        help_text=_("Share of sales revenue, e.g. 0.05 for 5 %."),
    )
    minimum_annual_royalty_yuan = _money(_("Minimum annual royalty (yuan)"))
    per_unit_fee_yuan = _money(_("Fee per unit (yuan)"))
    milestones_text = forms.CharField(
        label=_("Milestones"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One per line: name | months after the grant | amount in yuan, e.g. “量产 | 12 | 200000”."
        ),
    )
    payment_term_days = forms.IntegerField(label=_("Payment term (days)"), initial=30, required=False)

    def terms(self) -> dict:
        data = self.cleaned_data
        milestones = [
            {"name": name, "months_after": months, "amount_yuan": amount}
            for name, months, amount, *_rest in parse_lines(data.get("milestones_text", ""), 3)
        ]
        return {
            "fee_model": data["fee_model"],
            "upfront_fee_yuan": data.get("upfront_fee_yuan"),
            "lump_sum_yuan": data.get("lump_sum_yuan"),
            "royalty_rate": data.get("royalty_rate"),
            "minimum_annual_royalty_yuan": data.get("minimum_annual_royalty_yuan"),
            "per_unit_fee_yuan": data.get("per_unit_fee_yuan"),
            "milestones": milestones,
            "payment_term_days": data.get("payment_term_days"),
        }


# Where a service names a field the form shows under another name.
FIELD_ALIASES = {"milestones": "milestones_text", "inventors": "inventors_text"}


class LicenceForm(FeeTermsForm):
    achievement = forms.ModelChoiceField(queryset=Achievement.objects.none(), label=_("Achievement"))
    licensee = forms.ModelChoiceField(
        queryset=Organization.objects.none(), label=_("Licensee"), to_field_name="code"
    )
    scope = forms.ChoiceField(label=_("Scope"), choices=Scope.choices, initial=Scope.ORDINARY)
    territory = forms.CharField(
        label=_("Territory"),
        required=False,
        max_length=100,
        help_text=_("Empty means without territorial limit."),
    )
    field_of_use = forms.CharField(
        label=_("Field of use"), required=False, max_length=200, help_text=_("Empty means every field.")
    )
    start_on = forms.DateField(label=_("Starts on"), widget=DATE)
    end_on = forms.DateField(label=_("Ends on"), required=False, widget=DATE)
    inventors_text = forms.CharField(
        label=_("Inventors"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One per line: name and optional weight, e.g. “张明 2”. Empty: the achievement's inventors, equal weights."
        ),
    )
    contract = forms.ModelChoiceField(
        queryset=TechnicalContract.objects.none(),
        label=_("Technical contract on the platform"),
        required=False,
        help_text=_("A licence contract your organization is a party to."),
    )
    contract_reference = forms.CharField(
        label=_("Technical contract number"),
        required=False,
        max_length=64,
        help_text=_("For a contract signed outside the platform."),
    )
    trial = False
    field_order = [
        "achievement",
        "licensee",
        "scope",
        "territory",
        "field_of_use",
        "start_on",
        "end_on",
        "trial_months",
        "fee_model",
    ]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        organization_id = getattr(user, "organization_id", None)
        self.fields["achievement"].queryset = Achievement.objects.filter(owner_id=organization_id).order_by(
            "title"
        )
        self.fields["licensee"].queryset = _party_organizations().exclude(pk=organization_id)
        self.fields["contract"].queryset = (
            TechnicalContract.objects.filter(
                kind=ContractKind.LICENCE, parties__organization_id=organization_id
            )
            .distinct()
            .order_by("-created_at")
        )
        self.order_fields(self.field_order)

    def inventors(self) -> list[dict]:
        rows = []
        for line in (self.cleaned_data.get("inventors_text") or "").splitlines():
            parts = line.split()
            if len(parts) > 1 and _is_number(parts[-1]):
                rows.append({"name": " ".join(parts[:-1]), "weight": parts[-1]})
            elif parts:
                rows.append({"name": " ".join(parts), "weight": "1"})
        return rows

    def service_values(self) -> dict:
        data = self.cleaned_data
        values = {
            "licensee": data["licensee"],
            "scope": data["scope"],
            "territory": data.get("territory", ""),
            "field_of_use": data.get("field_of_use", ""),
            "start_on": data["start_on"],
            "end_on": data.get("end_on"),
            "inventors": self.inventors(),
            "contract": data.get("contract"),
            "contract_reference": data.get("contract_reference", ""),
            **self.terms(),
        }
        if self.trial:
            values["use_first_pay_later"] = True
            values["trial_months"] = data.get("trial_months")
        return values


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True


class TrialLicenceForm(LicenceForm):
    """先使用后付费: the paid terms below apply once the licensee converts after the free trial."""

    trial = True
    trial_months = forms.IntegerField(
        label=_("Free trial (months)"), help_text=_("Default from the region's policy parameters.")
    )

    def __init__(self, *args, default_trial_months=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trial_months"].initial = default_trial_months
        self.fields["fee_model"].choices = [c for c in FeeModel.choices if c[0] != FeeModel.FREE]
        self.fields["fee_model"].label = _("Paid terms after conversion")


class DeclarationForm(FeeTermsForm):
    achievement = forms.ModelChoiceField(queryset=Achievement.objects.none(), label=_("Achievement"))
    patent_number = forms.CharField(label=_("Patent number"), required=False, max_length=40)
    payment_method = forms.CharField(
        label=_("Payment method"),
        max_length=300,
        help_text=_("How and when the licensee pays, e.g. bank transfer within 30 days of each quarter."),
    )
    term_months = forms.IntegerField(label=_("Licence term (months)"), initial=60)
    description = forms.CharField(
        label=_("Notes"), required=False, max_length=3000, widget=forms.Textarea(attrs={"rows": 3})
    )
    field_order = ["achievement", "patent_number", "fee_model"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        organization_id = getattr(user, "organization_id", None)
        self.fields["achievement"].queryset = Achievement.objects.filter(owner_id=organization_id).order_by(
            "title"
        )
        self.order_fields(self.field_order)

    def service_values(self) -> dict:
        data = self.cleaned_data
        return {
            "patent_number": data.get("patent_number", ""),
            "payment_method": data["payment_method"],
            "term_months": data["term_months"],
            "description": data.get("description", ""),
            **self.terms(),
        }


class RoyaltyReportForm(StyledForm):
    period_start_on = forms.DateField(label=_("Period starts on"), widget=DATE)
    period_end_on = forms.DateField(label=_("Period ends on"), widget=DATE)
    sales_revenue_yuan = forms.DecimalField(label=_("Sales revenue (yuan)"), max_digits=14, decimal_places=2)
    units_sold = forms.DecimalField(label=_("Units sold"), required=False, max_digits=14, decimal_places=3)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class PaymentForm(StyledForm):
    payment = forms.ModelChoiceField(
        queryset=Payment.objects.none(),
        label=_("Scheduled payment"),
        required=False,
        empty_label=_("the earliest outstanding"),
    )
    received_on = forms.DateField(label=_("Received on"), widget=DATE)
    amount_yuan = forms.DecimalField(label=_("Amount received (yuan)"), max_digits=14, decimal_places=2)
    tax_yuan = _money(_("Taxes (yuan)"))
    maintenance_fee_yuan = _money(_("Patent maintenance fees (yuan)"))
    brokerage_fee_yuan = _money(_("Brokerage fees (yuan)"))
    other_cost_yuan = _money(_("Other costs (yuan)"))
    other_cost_description = forms.CharField(label=_("Other costs: what"), required=False, max_length=200)

    def __init__(self, *args, licence=None, **kwargs):
        super().__init__(*args, **kwargs)
        if licence is not None:
            self.fields["payment"].queryset = licence.payments.filter(paid_on__isnull=True).order_by("due_on")

    def costs(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {"kind": kind, "amount_yuan": data.get(field), "description": description}
            for kind, field, description in (
                ("tax", "tax_yuan", ""),
                ("maintenance_fee", "maintenance_fee_yuan", ""),
                ("brokerage_fee", "brokerage_fee_yuan", ""),
                ("other", "other_cost_yuan", data.get("other_cost_description", "")),
            )
            if data.get(field) not in (None, "")
        ]


class ReasonForm(StyledForm):
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class RevenuePolicyForm(StyledForm):
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE)
    inventors_share = forms.DecimalField(
        label=_("Inventors' share"), max_digits=5, decimal_places=4, help_text=_("A fraction: 0.7 = 70 %.")
    )
    team_share = forms.DecimalField(
        label=_("Team share"), max_digits=5, decimal_places=4, initial=Decimal("0")
    )
    institution_share = forms.DecimalField(label=_("Institution share"), max_digits=5, decimal_places=4)
    note = forms.CharField(label=_("Basis (rule or decision)"), required=False, max_length=300)
