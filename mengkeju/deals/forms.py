"""Web forms for contracts (with their parties inline), deal steps and registration decisions.
Field-level checks here; business rules in services.py and rules.py."""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from mengkeju.core.forms import style_form
from mengkeju.core.widgets import NarrowedSelect
from mengkeju.network.models import Division, IndustryChain, Organization

from .models import MONEY, SUB_KINDS, ContractParty, Deal, TechnicalContract
from .services import CONTRACT_FIELDS


def _money(label, required=False):
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=Decimal("0"),
        max_value=Decimal(settings.MAX_AMOUNT_YUAN),
        help_text=_("In yuan, to the fen."),
        **MONEY,
    )


class ContractForm(forms.ModelForm):
    amount_yuan = _money(_("Contract amount (yuan)"), required=True)
    equipment_yuan = _money(_("Equipment (yuan)"))
    instruments_yuan = _money(_("Instruments (yuan)"))
    parts_yuan = _money(_("Parts (yuan)"))
    materials_yuan = _money(_("Raw materials (yuan)"))
    construction_yuan = _money(_("Construction (yuan)"))
    chain = forms.ModelChoiceField(
        queryset=IndustryChain.objects.all(), to_field_name="code", required=False, label=_("Industry chain")
    )

    class Meta:
        model = TechnicalContract
        fields = list(CONTRACT_FIELDS)
        widgets = {
            "signed_on": forms.DateInput(attrs={"type": "date"}),
            "term_start": forms.DateInput(attrs={"type": "date"}),
            "term_end": forms.DateInput(attrs={"type": "date"}),
            "payment_terms": forms.Textarea(attrs={"rows": 3}),
            "ip_clauses": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in TechnicalContract.NON_TECHNICAL_FIELDS:
            self.fields[name].initial = Decimal("0")
        self.fields["sub_kind"].help_text = _("Must belong to the contract kind.")
        # Only the sub-kinds of the chosen kind are offered (forms.js); the service checks it again.
        self.fields["sub_kind"].widget = NarrowedSelect(
            "kind",
            {sub: kind for kind, subs in SUB_KINDS.items() for sub in subs},
            choices=self.fields["sub_kind"].choices,
        )
        self.fields["licence_scope"].help_text = _("Licences only.")
        style_form(self)

    def _post_clean(self):
        """The service validates and saves; the form only parses (no model validation here)."""

    def service_values(self) -> dict:
        values = {name: self.cleaned_data.get(name) for name in CONTRACT_FIELDS}
        for name in TechnicalContract.NON_TECHNICAL_FIELDS:
            values[name] = values[name] or Decimal("0")
        return values


class PartyForm(forms.Form):
    role = forms.ChoiceField(
        label=_("Role"), choices=[("", "—"), *ContractParty.Role.choices], required=False
    )
    organization = forms.ModelChoiceField(
        queryset=Organization.objects.order_by("name"),
        to_field_name="code",
        required=False,
        label=_("Organization"),
    )
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    credit_code = forms.CharField(
        label=_("Unified social credit code or ID number"), max_length=18, required=False
    )
    division = forms.ModelChoiceField(
        queryset=Division.objects.all(), to_field_name="code", required=False, label=_("Division")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)

    @property
    def is_blank(self) -> bool:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return not (data.get("name") or data.get("organization") or data.get("credit_code"))


class BasePartyFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        for form in self.forms:
            if not form.is_blank and not form.cleaned_data.get("role"):
                form.add_error("role", _("Choose seller, buyer or intermediary."))

    def parties(self) -> list[dict]:
        return [
            {k: form.cleaned_data.get(k) for k in ("role", "organization", "name", "credit_code", "division")}
            for form in self.forms
            if not form.is_blank
        ]


PartyFormSet = forms.formset_factory(PartyForm, formset=BasePartyFormSet, extra=1, max_num=10)


def party_initial(contract: TechnicalContract | None = None, deal: Deal | None = None) -> list[dict]:
    if contract is not None:
        return [
            {
                "role": p.role,
                "organization": p.organization.code if p.organization else None,
                "name": p.name,
                "credit_code": p.credit_code,
                "division": p.division.code if p.division else None,
            }
            for p in contract.parties.select_related("organization", "division")
        ]
    initial = []
    for role, org in (
        (ContractParty.Role.SELLER, deal.seller if deal else None),
        (ContractParty.Role.BUYER, deal.buyer if deal else None),
    ):
        row = {"role": role}
        if org is not None:
            row.update(
                organization=org.code, name=org.name, credit_code=org.credit_code, division=org.division.code
            )
        initial.append(row)
    return initial


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
