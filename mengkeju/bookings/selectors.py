"""Read queries of bookable services: who sees which offerings and bookings, a platform's service record
for the whitelist's yearly evaluation, and the service dashboard's figures.

Definitions (docs/bookings.md), for a year:
- **bookings**: requests made in the year (created_at);
- **served**: bookings performed in the year (performed_on), whatever happened after (fee, rating);
- **units served**: the quantity of served bookings;
- **capacity**: each offering's capacity per period × the periods of a year (12 months or 52 weeks);
- **utilisation**: units served ÷ capacity, in per cent (None without capacity);
- **satisfaction**: the mean rating of served bookings that were rated;
- **pilot outcomes**: served pilot runs with a new product, with the process validated, and those that
  raised an achievement's TRL;
- **fees**: the fees recorded on served bookings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Avg, Count, Q, QuerySet, Sum

from mengkeju.catalog.models import Platform, Service
from mengkeju.core.roles import Role, role_of
from mengkeju.network.selectors import user_scope

from . import permissions
from .models import PERIODS_PER_YEAR, SERVED_STATUSES, Booking, Offering, OfferingKind


def visible_offerings(user) -> QuerySet[Offering]:
    """Open offerings for everyone; closed ones also for their provider's staff and headquarters."""
    rows = Offering.objects.select_related("platform", "service", "provider", "division")
    if role_of(user) in permissions.EVERYTHING_ROLES:
        return rows
    own = Q(provider_id=user.organization_id) if getattr(user, "organization_id", None) else Q(pk__in=[])
    return rows.filter(Q(is_open=True) | own)


def own_publishers(user) -> list[tuple[str, object]]:
    """("platform" | "service", entry) for the platforms and services a provider's member publishes for."""
    if role_of(user) != Role.MEMBER or not user.organization_id:
        return []
    platforms = Platform.objects.filter(organization_id=user.organization_id, retired_at__isnull=True)
    services = Service.objects.filter(provider_id=user.organization_id, retired_at__isnull=True)
    return [("platform", p) for p in platforms] + [("service", s) for s in services]


def visible_bookings(user) -> QuerySet[Booking]:
    """The bookings `user` may see (mirrors permissions.can_view_booking)."""
    rows = Booking.objects.select_related("offering", "offering__provider", "enterprise", "achievement")
    role = role_of(user)
    if role is None:
        return rows.none()
    if role in permissions.EVERYTHING_ROLES:
        return rows
    if role == Role.MEMBER and user.organization_id:
        return rows.filter(
            Q(enterprise_id=user.organization_id) | Q(offering__provider_id=user.organization_id)
        )
    if role == Role.SUBCENTER_STAFF:
        scope = user_scope(user)
        in_scope = scope.q("offering__division", "offering__chain_links")
        if not scope.everything:
            in_scope |= Q(enterprise__division_id__in=scope.division_ids)
        return rows.filter(in_scope).distinct()
    return rows.none()


def dashboard_offerings(user) -> QuerySet[Offering]:
    """Offerings whose figures `user` reads on the dashboard: all, or a sub-center's scope."""
    rows = Offering.objects.all()
    if role_of(user) == Role.SUBCENTER_STAFF:
        rows = rows.filter(user_scope(user).q("division", "chain_links")).distinct()
    return rows


def _year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def served_in(year: int) -> Q:
    start, end = _year_bounds(year)
    return Q(status__in=SERVED_STATUSES, performed_on__gte=start, performed_on__lte=end)


@dataclass
class ServiceFigures:
    """What one platform, provider or chain did in a year."""

    label: str
    key: str = ""
    bookings: int = 0
    served: int = 0
    units_served: int = 0
    capacity: int = 0
    ratings: int = 0
    rating_sum: int = 0
    new_products: int = 0
    processes_validated: int = 0
    trl_raised: int = 0
    fees_yuan: Decimal = Decimal("0.00")
    runs: list = field(default_factory=list)

    @property
    def utilisation_percent(self) -> Decimal | None:
        if not self.capacity:
            return None
        return (Decimal(100) * self.units_served / self.capacity).quantize(Decimal("0.1"))

    @property
    def satisfaction(self) -> Decimal | None:
        if not self.ratings:
            return None
        return (Decimal(self.rating_sum) / self.ratings).quantize(Decimal("0.01"))


def _capacity(offerings) -> int:
    return sum(o.capacity_per_period * PERIODS_PER_YEAR.get(o.period, 12) for o in offerings if o.is_open)


def _add_booking(figures: ServiceFigures, booking: Booking) -> None:
    figures.served += 1
    figures.units_served += booking.quantity
    if booking.rating:
        figures.ratings += 1
        figures.rating_sum += booking.rating
    if booking.offering.kind == OfferingKind.PILOT_RUN:
        figures.new_products += bool(booking.outcome_new_product)
        figures.processes_validated += bool(booking.outcome_process_validated)
        figures.trl_raised += bool(booking.trl_raised)
    figures.fees_yuan += booking.fee_yuan or Decimal("0.00")


def service_figures(year: int, offerings: QuerySet[Offering]) -> dict[str, list[ServiceFigures]]:
    """Per publisher (platform or service) and per industry chain, for `year`; a fixed number of queries."""
    offerings = list(
        offerings.select_related("platform", "service", "provider").prefetch_related("chain_links__chain")
    )
    ids = [o.pk for o in offerings]
    start, end = _year_bounds(year)
    requested = dict(
        Booking.objects.filter(offering_id__in=ids, created_at__date__gte=start, created_at__date__lte=end)
        .values("offering_id")
        .annotate(n=Count("id"))
        .values_list("offering_id", "n")
    )
    served = list(Booking.objects.filter(served_in(year), offering_id__in=ids).select_related("offering"))
    by_publisher: dict[str, ServiceFigures] = {}
    by_chain: dict[int, ServiceFigures] = {}
    chains_of: dict[int, set] = {}
    for o in offerings:
        key = f"platform-{o.platform_id}" if o.platform_id else f"service-{o.service_id}"
        figures = by_publisher.setdefault(key, ServiceFigures(str(o.publisher), key))
        figures.capacity += _capacity([o])
        figures.bookings += requested.get(o.pk, 0)
        chains_of[o.pk] = {link.chain for link in o.chain_links.all()}
        for chain in chains_of[o.pk]:
            cf = by_chain.setdefault(chain.pk, ServiceFigures(str(chain), chain.code))
            cf.capacity += _capacity([o])
            cf.bookings += requested.get(o.pk, 0)
    publisher_key = {
        o.pk: (f"platform-{o.platform_id}" if o.platform_id else f"service-{o.service_id}") for o in offerings
    }
    for booking in served:
        _add_booking(by_publisher[publisher_key[booking.offering_id]], booking)
        for chain in chains_of.get(booking.offering_id, ()):
            _add_booking(by_chain[chain.pk], booking)
    order = lambda f: (-f.served, -f.bookings, f.label)  # noqa: E731
    return {
        "publishers": sorted(by_publisher.values(), key=order),
        "chains": sorted(by_chain.values(), key=order),
    }


def platform_record(platform: Platform, year: int) -> dict:
    """A platform's service record for the whitelist's yearly evaluation: its offerings' figures, the runs
    performed, and the technical contracts its organization was a party to (signed in the year)."""
    from mengkeju.deals.models import TechnicalContract

    offerings = Offering.objects.filter(platform=platform)
    figures = service_figures(year, offerings)["publishers"]
    totals = figures[0] if figures else ServiceFigures(platform.name)
    runs = list(
        Booking.objects.filter(served_in(year), offering__platform=platform)
        .select_related("offering", "enterprise", "achievement")
        .order_by("performed_on", "pk")
    )
    start, end = _year_bounds(year)
    contracts = list(
        TechnicalContract.objects.filter(
            parties__organization_id=platform.organization_id, signed_on__gte=start, signed_on__lte=end
        )
        .exclude(status__in=[TechnicalContract.Status.DRAFT])
        .distinct()
        .order_by("signed_on", "pk")
    )
    return {
        "year": year,
        "figures": totals,
        "runs": runs,
        "contracts": contracts,
        "contract_amount_yuan": sum((c.amount_yuan for c in contracts), Decimal("0.00")),
        "open_offerings": offerings.filter(is_open=True).count(),
    }


def served_platform_links(since: date, until: date) -> set[tuple[int, int]]:
    """(platform id, chain link id) pairs a platform actually served between the dates: a booking on one
    of its offerings performed then, on the offering's chain links (the chain map's optional rule)."""
    rows = (
        Offering.chain_links.through.objects.filter(
            offering__platform__isnull=False,
            offering__bookings__status__in=SERVED_STATUSES,
            offering__bookings__performed_on__gte=since,
            offering__bookings__performed_on__lte=until,
        )
        .values_list("offering__platform_id", "chainlink_id")
        .distinct()
    )
    return set(rows)


def year_totals(year: int, offerings: QuerySet[Offering]) -> dict:
    """Region (or scope) totals for the dashboard's headline, straight from the database."""
    served = Booking.objects.filter(served_in(year), offering__in=offerings)
    agg = served.aggregate(n=Count("id"), units=Sum("quantity"), rating=Avg("rating"), fees=Sum("fee_yuan"))
    return {
        "served": agg["n"] or 0,
        "units": agg["units"] or 0,
        "rating": agg["rating"],
        "fees_yuan": agg["fees"] or Decimal("0.00"),
    }
