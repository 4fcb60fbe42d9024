"""Filter forms for achievement and demand lists, shared by the web pages and the API.

Unknown codes (a chain, division or mode that does not exist) are rejected with a localized
error instead of silently returning nothing.
"""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from mengkeju.network.models import ChainLink, Division, IndustryChain

from .models import TRL, Achievement, CooperationMode, Demand, Status
from .selectors import (
    SORT_NEWEST,
    SORT_PRICE_HIGH,
    SORT_PRICE_LOW,
    SORT_RELEVANCE,
    SORT_TRL_HIGH,
    ListingFilters,
)


class ListingFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Keywords"), method="noop", max_length=200)
    chain = django_filters.ModelChoiceFilter(
        label=_("Industry chain"), queryset=IndustryChain.objects.all(), to_field_name="code", method="noop"
    )
    link = django_filters.ModelChoiceFilter(
        label=_("Chain link"),
        queryset=ChainLink.objects.select_related("chain"),
        to_field_name="code",
        method="noop",
    )
    division = django_filters.ModelChoiceFilter(
        label=_("Division"),
        queryset=Division.objects.filter(external=False),
        to_field_name="code",
        method="noop",
    )
    mode = django_filters.ModelChoiceFilter(
        label=_("Cooperation mode"),
        queryset=CooperationMode.objects.all(),
        to_field_name="code",
        method="noop",
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Status.choices, method="noop")
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"),
        choices=[
            (SORT_RELEVANCE, _("Relevance (with keywords)")),
            (SORT_NEWEST, _("Newest first")),
            (SORT_PRICE_LOW, _("Price, low to high")),
            (SORT_PRICE_HIGH, _("Price, high to low")),
        ],
        empty_label=None,
        method="noop",
    )

    # Filtering happens once in filter_queryset (through ListingFilters); the typed no-ops only
    # tell the OpenAPI generator what each parameter holds.
    def noop(self, queryset, name, value: str):
        return queryset

    def noop_int(self, queryset, name, value: int):
        return queryset

    def filter_queryset(self, queryset):
        filters = self.listing_filters()
        return filters.order(filters.apply(queryset))

    def listing_filters(self) -> ListingFilters:
        data = self.form.cleaned_data
        return ListingFilters(
            q=(data.get("q") or "").strip(),
            chain=data["chain"].code if data.get("chain") else "",
            link=data["link"].code if data.get("link") else "",
            division=data["division"].code if data.get("division") else "",
            mode=data["mode"].code if data.get("mode") else "",
            status=data.get("status") or "",
            trl_min=data.get("trl_min"),
            trl_max=data.get("trl_max"),
            field=(data.get("field") or "").strip(),
            sort=self.sort_order(),
        )

    def sort_order(self) -> str:
        """The order asked for; without one, relevance when there are keywords, else newest first."""
        data = getattr(self.form, "cleaned_data", {})
        if data.get("sort"):
            return data["sort"]
        return SORT_RELEVANCE if (data.get("q") or "").strip() else SORT_NEWEST


TRL_CHOICES = [("", "---------"), *TRL.choices]


class AchievementFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("trl_min"), cleaned.get("trl_max")
        if low and high and int(low) > int(high):
            raise forms.ValidationError(_("The lowest maturity is above the highest."), code="out_of_range")
        return cleaned


class AchievementFilterSet(ListingFilterSet):
    trl_min = django_filters.TypedChoiceFilter(
        label=_("Maturity from"), choices=TRL_CHOICES, coerce=int, method="noop_int"
    )
    trl_max = django_filters.TypedChoiceFilter(
        label=_("Maturity to"), choices=TRL_CHOICES, coerce=int, method="noop_int"
    )
    field = django_filters.CharFilter(label=_("Technical field"), method="noop", max_length=100)

    class Meta:
        model = Achievement
        fields = []
        form = AchievementFilterForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["mode"].label = _("Transfer mode")
        self.form.fields["sort"].choices = [
            *self.form.fields["sort"].choices,
            (SORT_TRL_HIGH, _("Maturity (TRL), highest first")),
        ]


class DemandFilterSet(ListingFilterSet):
    class Meta:
        model = Demand
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["sort"].choices = [
            (SORT_RELEVANCE, _("Relevance (with keywords)")),
            (SORT_NEWEST, _("Newest first")),
            (SORT_PRICE_LOW, _("Budget, low to high")),
            (SORT_PRICE_HIGH, _("Budget, high to low")),
        ]
