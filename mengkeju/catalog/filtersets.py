"""Filter forms for achievement and demand lists and for the directories (experts, platforms, services), shared by the web pages and the API.

Unknown codes (a chain, division or mode that does not exist) are rejected with a localized
error instead of silently returning nothing.
"""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from mengkeju.core.filters import StrictBooleanFilter
from mengkeju.network.models import ChainLink, Division, IndustryChain, Organization
from mengkeju.network.selectors import division_subtree

from . import permissions
from .models import (
    TRL,
    Achievement,
    CooperationMode,
    Demand,
    Expert,
    Platform,
    Service,
    Status,
    WhitelistStatus,
)
from .selectors import (
    SORT_NEWEST,
    SORT_PRICE_HIGH,
    SORT_PRICE_LOW,
    SORT_RELEVANCE,
    SORT_TRL_HIGH,
    ListingFilters,
    directory_organizations,
    keyword_search,
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


TRL_CHOICES = [("", _("All")), *TRL.choices]


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


# --- Directories: experts, platforms, services -------------------------------------------------------

ANY = _("All")  # as settings.FILTERS_EMPTY_CHOICE_LABEL: one word for "no filter" on every list


class DirectoryFilterSet(django_filters.FilterSet):
    """Keyword, division (with everything below it), chain and organization; each directory adds its
    own (tier, kind, level …). Staff who may restore retired entries also get `state`."""

    q = django_filters.CharFilter(label=_("Keywords"), method="keywords", max_length=200)
    division = django_filters.ModelChoiceFilter(
        label=_("Division"),
        queryset=Division.objects.filter(external=False),
        to_field_name="code",
        method="in_division",
        empty_label=ANY,
    )
    chain = django_filters.ModelChoiceFilter(
        label=_("Industry chain"),
        queryset=IndustryChain.objects.all(),
        to_field_name="code",
        method="in_chain",
        empty_label=ANY,
    )
    organization = django_filters.ModelChoiceFilter(
        label=_("Organization"),
        queryset=Organization.objects.none(),
        to_field_name="code",
        field_name="organization",
        empty_label=ANY,
    )
    state = django_filters.ChoiceFilter(
        label=_("Directory state"),
        choices=[("active", _("in the directory")), ("retired", _("retired")), ("all", _("all"))],
        method="in_state",
        empty_label=None,
    )

    def __init__(self, data=None, *args, shows_retired: bool | None = None, **kwargs):
        super().__init__(data, *args, **kwargs)
        if shows_retired is None:  # the API passes the request
            shows_retired = permissions.can_manage_directory(getattr(self.request, "user", None))
        self.filters["organization"].queryset = directory_organizations(self._meta.model)
        self.shows_retired = shows_retired
        if not shows_retired:
            self.form.fields.pop("state", None)

    @property
    def keywords_text(self) -> str:
        if not self.is_bound or not self.is_valid():
            return ""
        return (self.form.cleaned_data.get("q") or "").strip()

    def keywords(self, queryset, name, value: str):
        return keyword_search(queryset, value) if value.strip() else queryset

    def in_division(self, queryset, name, value: str):
        return queryset.filter(division_id__in=division_subtree(value))

    def in_chain(self, queryset, name, value: str):
        return queryset.filter(pk__in=queryset.model.objects.filter(chain_links__chain=value).values("pk"))

    def in_state(self, queryset, name, value: str):
        if not self.shows_retired or value == "all":
            return queryset
        return queryset.filter(retired_at__isnull=value != "retired")

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.shows_retired or not self.form.cleaned_data.get("state"):
            queryset = queryset.filter(retired_at__isnull=True)  # the directory, unless staff ask
        return queryset


class ExpertFilterSet(DirectoryFilterSet):
    tier = django_filters.ChoiceFilter(label=_("Talent tier"), choices=Expert.Tier.choices, empty_label=ANY)
    field = django_filters.CharFilter(label=_("Field"), lookup_expr="icontains", max_length=100)

    class Meta:
        model = Expert
        fields = []


class PlatformFilterSet(DirectoryFilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Platform.Kind.choices, empty_label=ANY)
    level = django_filters.ChoiceFilter(label=_("Level"), choices=Platform.Level.choices, empty_label=ANY)
    whitelist_status = django_filters.ChoiceFilter(
        label=_("Whitelist status"), choices=WhitelistStatus.choices, empty_label=ANY
    )
    whitelisted = StrictBooleanFilter(
        label=_("Whitelist"),
        widget=forms.Select(choices=[("", ANY), ("true", _("whitelisted only"))]),
    )

    class Meta:
        model = Platform
        fields = []


class ServiceFilterSet(DirectoryFilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Service.Kind.choices, empty_label=ANY)
    organization = django_filters.ModelChoiceFilter(
        label=_("Provider"),
        queryset=Organization.objects.none(),
        to_field_name="code",
        field_name="provider",
        empty_label=ANY,
    )

    class Meta:
        model = Service
        fields = []
