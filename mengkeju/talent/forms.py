"""Web forms of the talent pages; the services check everything again (the API goes straight to them)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from mengkeju.catalog.models import Achievement, Demand, Status
from mengkeju.core.forms import StyledFormMixin
from mengkeju.core.roles import Role, role_of
from mengkeju.core.widgets import ChainLinkPicker
from mengkeju.deals.selectors import registered_contracts
from mengkeju.network.models import ChainLink, Organization

from . import pack
from .models import Exchange, Person

DATE = forms.DateInput(attrs={"type": "date"})


class TierForm(StyledFormMixin, forms.Form):
    tier = forms.ChoiceField(label=_("Tier"))
    criterion = forms.ChoiceField(label=_("Criterion met"))
    decided_on = forms.DateField(label=_("Decided on"), widget=DATE)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        tiers = pack.tiers()
        self.fields["tier"].choices = [("", _("Choose…"))] + [(t.code, t.label) for t in tiers]
        self.fields["criterion"].choices = [("", _("Choose…"))] + [
            (t.label, [(c.code, c.label) for c in t.criteria]) for t in tiers
        ]


class EnrolmentForm(StyledFormMixin, forms.Form):
    programme = forms.ChoiceField(label=_("Programme"))
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    term = forms.CharField(label=_("Term"), required=False, max_length=50)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = [("", _("Choose…"))] + [
            (p.code, p.label) for p in pack.programmes()
        ]


class ExchangeForm(StyledFormMixin, forms.Form):
    person = forms.ModelChoiceField(label=_("Person"), queryset=Person.objects.none())
    host = forms.ModelChoiceField(label=_("Host organization"), queryset=Organization.objects.none())
    role = forms.ChoiceField(label=_("Role"))
    kind = forms.ChoiceField(label=_("Kind"), choices=Exchange.Kind.choices)
    starts_on = forms.DateField(label=_("Starts on"), widget=DATE)
    ends_on = forms.DateField(label=_("Ends on"), widget=DATE)
    purpose = forms.CharField(label=_("Purpose"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    demand = forms.ModelChoiceField(label=_("Demand served"), queryset=Demand.objects.none(), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        people = Person.objects.select_related("organization")
        if role_of(user) == Role.MEMBER:
            people = people.filter(organization_id=user.organization_id)
        self.fields["person"].queryset = people
        self.fields["person"].label_from_instance = lambda p: f"{p.name} · {p.organization.name}"
        self.fields["host"].queryset = Organization.objects.exclude(
            kind__in=Organization.NETWORK_KINDS
        ).order_by("name")
        self.fields["role"].choices = [("", _("Choose…"))] + [
            (r.code, r.label) for r in pack.exchange_roles()
        ]
        self.fields["demand"].queryset = Demand.objects.filter(status=Status.PUBLISHED).order_by(
            "-published_at"
        )


class OutcomeForm(StyledFormMixin, forms.Form):
    contract = forms.ModelChoiceField(label=_("Registered contract"), queryset=None, required=False)
    achievement = forms.ModelChoiceField(label=_("Achievement"), queryset=None, required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def __init__(self, *args, exchange: Exchange, **kwargs):
        super().__init__(*args, **kwargs)
        orgs = [exchange.home_id, exchange.host_id]
        self.fields["contract"].queryset = (
            registered_contracts().filter(parties__organization_id__in=orgs).distinct()
        )
        self.fields["achievement"].queryset = Achievement.objects.filter(
            owner_id__in=orgs, status=Status.PUBLISHED
        )


class PersonForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    kind = forms.ChoiceField(label=_("Kind"), choices=Person.Kind.choices)
    title = forms.CharField(label=_("Professional title"), max_length=50, required=False)
    organization = forms.ModelChoiceField(label=_("Organization"), queryset=None)
    field = forms.CharField(label=_("Field"), max_length=100, required=False)
    bio = forms.CharField(label=_("Biography"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    chain_links = forms.ModelMultipleChoiceField(
        queryset=ChainLink.objects.select_related("chain"),
        to_field_name="code",
        label=_("Industry chain links"),
        required=False,
        widget=ChainLinkPicker(),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.exclude(
            kind__in=Organization.NETWORK_KINDS
        ).order_by("name")
