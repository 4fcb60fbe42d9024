"""Read queries of the catalog. Every list starts from `visible_*`, which mirrors permissions.can_view."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Q, QuerySet

from mengkeju.core.roles import role_of
from mengkeju.network.models import Organization, User
from mengkeju.network.selectors import division_subtree, user_scope

from .models import Achievement, Demand, Expert, Platform, Service, Status
from .permissions import REVIEW_VISIBLE_STATES

Role = User.Role


def _visible(model, user) -> QuerySet:
    qs = model.objects.all()
    published = Q(status=Status.PUBLISHED)
    if not user or not user.is_authenticated:
        return qs.filter(published)
    if user.is_superuser or user.role == Role.PLATFORM_ADMIN:
        return qs
    q = published | Q(created_by=user)
    if user.role == Role.MEMBER and user.organization_id:
        q |= Q(owner_id=user.organization_id)
    elif user.role == Role.HQ_OPERATOR:
        q |= Q(status__in=REVIEW_VISIBLE_STATES)
    elif user.role in (Role.SUBCENTER_STAFF, Role.BROKER):
        in_scope = model.objects.filter(user_scope(user).q(), status__in=REVIEW_VISIBLE_STATES).values("pk")
        q |= Q(pk__in=in_scope)
    return qs.filter(q)


def visible_achievements(user) -> QuerySet[Achievement]:
    return _visible(Achievement, user)


def visible_demands(user) -> QuerySet[Demand]:
    return _visible(Demand, user)


def with_related(qs: QuerySet) -> QuerySet:
    related = ["transfer_modes"] if qs.model is Achievement else ["cooperation_modes"]
    return qs.select_related("owner", "division").prefetch_related("chain_links__chain", *related)


SORT_RELEVANCE, SORT_NEWEST, SORT_PRICE_LOW, SORT_PRICE_HIGH, SORT_TRL_HIGH = (
    "relevance",
    "newest",
    "price_low",
    "price_high",
    "trl_high",
)


def _money_field(model) -> str:
    """What a listing costs: an achievement's asking price, a demand's budget."""
    return "price_yuan" if model is Achievement else "budget_yuan"


SORTS = {
    SORT_RELEVANCE: (lambda m: F("published_at").desc(nulls_last=True), "-id"),  # no keywords: newest
    SORT_NEWEST: (lambda m: F("published_at").desc(nulls_last=True), "-id"),
    SORT_PRICE_LOW: (lambda m: F(_money_field(m)).asc(nulls_last=True), "-id"),
    SORT_PRICE_HIGH: (lambda m: F(_money_field(m)).desc(nulls_last=True), "-id"),
    SORT_TRL_HIGH: (lambda m: F("trl").desc(nulls_last=True), "-published_at", "-id"),
}
DESCENDING_SORTS = {SORT_NEWEST, SORT_PRICE_HIGH, SORT_TRL_HIGH}
SORT_KEYS = {
    SORT_NEWEST: lambda x: x.published_at,
    SORT_PRICE_LOW: lambda x: getattr(x, _money_field(type(x))),
    SORT_PRICE_HIGH: lambda x: getattr(x, _money_field(type(x))),
    SORT_TRL_HIGH: lambda x: getattr(x, "trl", None),
}


def visible_statuses(model, user) -> list[str]:
    """The states of the records this person may see (a status filter offers only these)."""
    present = set(_visible(model, user).order_by().values_list("status", flat=True).distinct())
    return [value for value in Status.values if value in present]


@dataclass
class ListingFilters:
    """Structured filters shared by the web list pages and the API."""

    q: str = ""
    chain: str = ""
    link: str = ""
    division: str = ""
    trl_min: int | None = None
    trl_max: int | None = None
    mode: str = ""
    field: str = ""
    status: str = ""
    sort: str = ""  # a SORTS code; "" or "relevance" keeps the order given (the engine's, or newest)

    def order(self, qs: QuerySet) -> QuerySet:
        """The list in the order asked for (newest first unless another order is named)."""
        fields = SORTS.get(self.sort) or SORTS[SORT_NEWEST]
        return qs.order_by(*(field(qs.model) if callable(field) else field for field in fields))

    def order_list(self, listings: list) -> list:
        """A ranked list re-ordered by an explicit sort; relevance keeps the engine's order."""
        if self.sort not in SORTS or self.sort == SORT_RELEVANCE:
            return listings
        key = SORT_KEYS[self.sort]
        present = [x for x in listings if key(x) is not None]
        missing = [x for x in listings if key(x) is None]  # 面议 and unknown values last, whatever the way
        present.sort(key=key, reverse=self.sort in DESCENDING_SORTS)
        return present + missing

    def apply(self, qs: QuerySet) -> QuerySet:
        model = qs.model
        if self.q:
            text = "summary" if model is Achievement else "problem"
            words = self.q.split()[:8]
            for word in words:
                cond = (
                    Q(title__icontains=word)
                    | Q(**{f"{text}__icontains": word})
                    | Q(owner__name__icontains=word)
                )
                if model is Achievement:
                    cond |= Q(keywords__icontains=word) | Q(field__icontains=word)
                else:
                    cond |= Q(indicators__icontains=word)
                qs = qs.filter(cond)
        if self.chain:
            qs = qs.filter(chain_links__chain__code=self.chain)
        if self.link:
            qs = qs.filter(chain_links__code=self.link)
        if self.division:
            qs = qs.filter(division_id__in=division_subtree(self.division))
        if model is Achievement:
            if self.trl_min:
                qs = qs.filter(trl__gte=self.trl_min)
            if self.trl_max:
                qs = qs.filter(trl__lte=self.trl_max)
            if self.mode:
                qs = qs.filter(transfer_modes__code=self.mode)
            if self.field:
                qs = qs.filter(field__icontains=self.field)
        elif self.mode:
            qs = qs.filter(cooperation_modes__code=self.mode)
        if self.status:
            qs = qs.filter(status=self.status)
        if self.chain or self.link or self.mode:
            qs = qs.distinct()
        return qs


def review_queue(user) -> dict[str, QuerySet]:
    """Records awaiting review that this user may review."""
    if not user.is_authenticated or user.role not in (
        Role.HQ_OPERATOR,
        Role.SUBCENTER_STAFF,
        Role.PLATFORM_ADMIN,
    ):
        return {"achievements": Achievement.objects.none(), "demands": Demand.objects.none()}
    return {
        "achievements": with_related(visible_achievements(user).filter(status=Status.SUBMITTED)).order_by(
            "updated_at"
        ),
        "demands": with_related(visible_demands(user).filter(status=Status.SUBMITTED)).order_by("updated_at"),
    }


def own_listings(user) -> dict[str, QuerySet]:
    if not user.is_authenticated:
        return {"achievements": Achievement.objects.none(), "demands": Demand.objects.none()}
    q = Q(created_by=user)
    if user.role == Role.MEMBER and user.organization_id:
        q |= Q(owner_id=user.organization_id)
    return {
        "achievements": with_related(Achievement.objects.filter(q)).order_by("-updated_at"),
        "demands": with_related(Demand.objects.filter(q)).order_by("-updated_at"),
    }


def new_demands_in_scope(user, limit: int = 20) -> QuerySet[Demand]:
    """My division's new demands: published demands inside a staff member's or broker's scope."""
    if not user.is_authenticated or user.role not in (Role.SUBCENTER_STAFF, Role.BROKER, Role.HQ_OPERATOR):
        return Demand.objects.none()
    scoped = Demand.objects.filter(user_scope(user).q(), status=Status.PUBLISHED).values("pk")
    return with_related(Demand.objects.filter(pk__in=scoped)).order_by("-published_at")[:limit]


def published_experts() -> QuerySet[Expert]:
    """Experts in the directory (not retired)."""
    return (
        Expert.objects.filter(retired_at__isnull=True)
        .select_related("organization", "division")
        .prefetch_related("chain_links__chain")
    )


def platforms() -> QuerySet[Platform]:
    """Every platform, retired ones included (the whitelist pages and services look them up)."""
    return Platform.objects.select_related("organization", "division").prefetch_related("chain_links__chain")


def services() -> QuerySet[Service]:
    """Every service, retired ones included."""
    return Service.objects.select_related("provider", "division").prefetch_related("chain_links__chain")


# --- Directories -------------------------------------------------------------------------------------

DIRECTORY_RELATED = {Expert: "organization", Platform: "organization", Service: "provider"}


def visible_resources(model, user) -> QuerySet:
    """The experts, platforms or services `user` may see: entries in the directory, and the retired ones
    they may restore (mirrors permissions.can_view_resource)."""
    qs = model.objects.select_related(DIRECTORY_RELATED[model], "division").prefetch_related(
        "chain_links__chain"
    )
    role = role_of(user)
    if role in (Role.PLATFORM_ADMIN, Role.HQ_OPERATOR):
        return qs
    if role == Role.SUBCENTER_STAFF:
        return qs.filter(Q(retired_at__isnull=True) | Q(division_id__in=user_scope(user).division_ids))
    return qs.filter(retired_at__isnull=True)


def directory_organizations(model) -> QuerySet:
    """Organizations that have an entry in this directory (a filter's choices, not every organization)."""
    field = {Expert: "experts", Platform: "platforms", Service: "services"}[model]
    return Organization.objects.filter(**{f"{field}__isnull": False}).distinct().order_by("name")


def keyword_search(qs: QuerySet, text: str) -> QuerySet:
    """Entries naming every word of `text` (up to 8) in their name, field, title, biography,
    description, organization or chain links: the database's keyword search of the directories."""
    model = qs.model
    organization = DIRECTORY_RELATED[model]
    for word in text.split()[:8]:
        cond = (
            Q(name__icontains=word)
            | Q(**{f"{organization}__name__icontains": word})
            | Q(chain_links__name__icontains=word)
            | Q(chain_links__chain__name__icontains=word)
        )
        if model is Expert:
            cond |= Q(field__icontains=word) | Q(title__icontains=word) | Q(bio__icontains=word)
        else:
            cond |= Q(description__icontains=word)
        qs = qs.filter(pk__in=model.objects.filter(cond).values("pk"))
    return qs
