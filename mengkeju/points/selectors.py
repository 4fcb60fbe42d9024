"""Read queries of the innovation-points domain, scoped like permissions.py."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from mengkeju.core.roles import Role, role_of
from mengkeju.network.models import Organization
from mengkeju.network.selectors import division_subtree

from . import permissions
from .activity import SOURCES
from .models import EnterpriseYear, IndicatorSystem, Score, ScoreRun, cohort_key
from .pack import SystemSpec
from .scoring import effective_weights

HISTOGRAM_BINS = 10


def years() -> list[int]:
    return sorted(set(IndicatorSystem.objects.values_list("year", flat=True)), reverse=True)


def latest_system(year: int, *, for_update: bool = False) -> IndicatorSystem | None:
    """The year's indicator system in its latest version (the one new data and scores use), or None.
    `for_update` locks it (inside a transaction) so that writers of the same year queue up."""
    systems = IndicatorSystem.objects.select_for_update() if for_update else IndicatorSystem.objects
    return systems.filter(year=year).order_by("-version").first()


def default_year() -> int | None:
    scored = ScoreRun.objects.order_by("-year").values_list("year", flat=True).first()
    return scored or (years() or [None])[0]


def run_for(year: int, chain=None, size_class: str = "") -> ScoreRun | None:
    return (
        ScoreRun.objects.select_related("system", "chain")
        .filter(cohort_key=cohort_key(year, chain, size_class))
        .first()
    )


def visible_q(user) -> Q | None:
    """Scores and yearly records (with raw values) the user may read one by one, as a filter on their
    `organization`; None means all of them. See permissions.can_view_enterprise_data."""
    if permissions.sees_region(user):
        return None
    q = Q(pk__in=[])
    if user.organization_id and permissions.is_enterprise_member(user, user.organization):
        q |= Q(organization_id=user.organization_id)
    scope = permissions.scope_division_ids(user)
    if scope and role_of(user) == Role.SUBCENTER_STAFF:
        q |= Q(organization__division_id__in=scope)
    return q


def visible_scores(user) -> QuerySet[Score]:
    """Scores whose detail (breakdown, raw values) the user may read."""
    scores = Score.objects.select_related("organization", "run", "system")
    q = visible_q(user)
    return scores if q is None else scores.filter(q)


def visible_records(user) -> QuerySet[EnterpriseYear]:
    """Enterprises' yearly data the user may read. Analysts, brokers and experts see no raw values."""
    records = EnterpriseYear.objects.select_related("organization").prefetch_related("values")
    if role_of(user) in (Role.ANALYST, Role.BROKER, Role.EXPERT):
        return records.none()
    q = visible_q(user)
    return records if q is None else records.filter(q)


def ranking(user, run: ScoreRun, *, tier: str = "", division: str = "") -> QuerySet[Score]:
    """The run's scores the user may see in a ranking, best first."""
    if not permissions.can_view_ranking(user):
        return Score.objects.none()
    scores = Score.objects.filter(run=run).select_related("organization", "organization__division")
    scope = permissions.scope_division_ids(user)
    if scope is not None:
        scores = scores.filter(organization__division_id__in=scope)
    if tier:
        scores = scores.filter(tier=tier)
    if division:
        scores = scores.filter(organization__division_id__in=division_subtree(division))
    return scores.order_by("rank", "organization__name", "organization_id")


def own_scores(organization: Organization) -> QuerySet[Score]:
    return Score.objects.filter(organization=organization).select_related("run", "run__chain", "system")


def year_score(organization: Organization, year: int) -> Score | None:
    """The enterprise's score in the year-wide cohort, else in any cohort of the year."""
    scores = own_scores(organization).filter(year=year)
    return scores.filter(run__chain__isnull=True, run__size_class="").first() or scores.first()


def _name(obj) -> str:
    english = (get_language() or "").startswith("en")
    return (obj.name_en or obj.name) if english else obj.name


@dataclass
class IndicatorLine:
    code: str
    name: str
    unit: str
    group: str
    method: str
    direction: str
    raw: float
    mean: float
    sd: float
    median: float
    median_score: float
    score: float
    weight: float
    contribution: float

    @property
    def weighted_gap(self) -> float:
        """How many points the enterprise is short of the cohort median on this indicator."""
        return max(0.0, self.median_score - self.score) * self.weight / 100.0


def breakdown(score: Score) -> dict:
    """The score explained: each indicator (raw value, cohort statistics, score, weight, contribution),
    group points, bonus items and activity points per source."""
    spec = SystemSpec.from_definition(score.system.definition)
    stats = score.run.statistics.get("indicators", {})
    groups = {code: name for code, name, _w in spec.groups}
    group_names_en = {g["code"]: g.get("name_en") or g["name"] for g in score.system.definition["groups"]}
    english = (get_language() or "").startswith("en")
    # An enterprise in a stage (初创期 / 成长期 / 稳定期) is weighted with that stage's weights.
    stage_weights = effective_weights(spec, score.stage) if score.stage else None
    lines = []
    for j, ind in enumerate(spec.indicators):
        raw, value, contribution = score.breakdown["i"][ind.code]
        st = stats.get(ind.code, {})
        lines.append(
            IndicatorLine(
                code=ind.code,
                name=_name(ind),
                unit=ind.unit,
                group=group_names_en[ind.group] if english else groups[ind.group],
                method=ind.method,
                direction=ind.direction,
                raw=raw,
                mean=st.get("mean", 0.0),
                sd=st.get("sd", 0.0),
                median=st.get("median", 0.0),
                median_score=st.get("median_score", 0.0),
                score=value,
                weight=round(float(stage_weights[j]), 4)
                if stage_weights is not None
                else st.get("weight", 0.0),
                contribution=contribution,
            )
        )
    bonus = [
        {
            "code": b.code,
            "name": _name(b),
            "unit": b.unit,
            "value": score.breakdown["b"][b.code][0],
            "points": score.breakdown["b"][b.code][1],
        }
        for b in spec.bonus
        if b.code in score.breakdown["b"]
    ]
    activity = [
        {
            "source": code,
            "name": str(SOURCES[code].label) if code in SOURCES else code,
            "count": count,
            "points": points,
        }
        for code, (count, points) in score.breakdown["a"].items()
    ]
    group_rows = [
        {
            "code": code,
            "name": group_names_en[code] if english else name,
            "points": score.breakdown["g"].get(code, 0.0),
        }
        for code, name, _w in spec.groups
    ]
    stage = next((st for st in spec.stages if st.code == score.stage), None)
    return {
        "indicators": lines,
        "groups": group_rows,
        "bonus": bonus,
        "activity": activity,
        "stage": _name(stage) if stage else "",
    }


def improvements(score: Score, limit: int = 3) -> list[IndicatorLine]:
    """The indicators where the enterprise is furthest below the cohort median, weighted by how many
    points each is worth."""
    lines = [line for line in breakdown(score)["indicators"] if line.weighted_gap > 0]
    return sorted(lines, key=lambda line: (-line.weighted_gap, line.code))[:limit]


def distributions(scores: QuerySet[Score], run: ScoreRun) -> dict:
    """For the charts: total-score histogram (10-point bins, the last open-ended), mean points per
    group, counts per tier."""
    spec = SystemSpec.from_definition(run.system.definition)
    labels = [f"{i * 10}–{i * 10 + 10}" for i in range(HISTOGRAM_BINS - 1)] + [
        f"≥{(HISTOGRAM_BINS - 1) * 10}"
    ]
    counts = [0] * HISTOGRAM_BINS
    group_sum = {code: 0.0 for code, _n, _w in spec.groups}
    tiers = {code: 0 for code, _m in spec.tiers}
    n = 0
    for total, tier, group_points in scores.values_list("total", "tier", "breakdown__g"):
        n += 1
        counts[min(int(float(total) // 10), HISTOGRAM_BINS - 1)] += 1
        tiers[tier] = tiers.get(tier, 0) + 1
        for code in group_sum:
            group_sum[code] += float((group_points or {}).get(code, 0.0))
    english = (get_language() or "").startswith("en")
    group_names = [
        (g.get("name_en") or g["name"]) if english else g["name"] for g in run.system.definition["groups"]
    ]
    return {
        "histogram": {"labels": labels, "counts": counts},
        "groups": {
            "labels": group_names,
            "mean": [round(v / n, 2) if n else 0 for v in group_sum.values()],
            "max": [round(w * 100 / sum(x[2] for x in spec.groups), 2) for _c, _n, w in spec.groups],
        },
        "tiers": {"labels": list(tiers), "counts": list(tiers.values())},
        "count": n,
        "caption": _("%(n)s enterprises") % {"n": n},
    }


def records_to_review(user, year: int, status: str = "") -> QuerySet[EnterpriseYear]:
    records = EnterpriseYear.objects.filter(year=year).select_related(
        "organization", "organization__division", "chain"
    )
    if permissions.sees_region(user):
        pass
    else:
        scope = permissions.scope_division_ids(user)
        if scope is None or not permissions._node(user):
            return EnterpriseYear.objects.none()
        records = records.filter(organization__division_id__in=scope)
    if status:
        records = records.filter(status=status)
    return records.order_by("status", "organization__name")


def enterprise_records(organization: Organization) -> QuerySet[EnterpriseYear]:
    return EnterpriseYear.objects.filter(organization=organization).prefetch_related("values")


# --- 创新积分贷 (points-based credit) ----------------------------------------------------------------


def open_consent(organization: Organization):
    from .models import LoanConsent

    return LoanConsent.objects.filter(organization=organization, withdrawn_at=None).first()


def loan_threshold() -> Decimal | None:
    """The region's lowest total score a bank may see (region.yaml: points_loan_min_score)."""
    from mengkeju.network.selectors import region_parameter

    value = region_parameter("points_loan_min_score")
    return None if value is None else Decimal(str(value))


def loan_score(organization: Organization, year: int) -> Score | None:
    """The score banks rely on: the enterprise's score in the year's region-wide cohort."""
    return (
        Score.objects.filter(
            organization=organization, year=year, run__chain__isnull=True, run__size_class=""
        )
        .select_related("run")
        .first()
    )


def loan_years() -> list[int]:
    return sorted(
        set(ScoreRun.objects.filter(chain__isnull=True, size_class="").values_list("year", flat=True)),
        reverse=True,
    )


def loan_ranking(user, year: int) -> QuerySet[Score]:
    """What a bank sees: the region-wide ranking of the year limited to the enterprises that consented
    and scored at least the region's threshold, best first. Nothing for anyone else."""
    from .models import LoanConsent

    threshold = loan_threshold()
    if not permissions.can_view_loan_ranking(user) or threshold is None:
        return Score.objects.none()
    consenting = LoanConsent.objects.filter(withdrawn_at=None).values("organization_id")
    return (
        Score.objects.filter(
            year=year,
            run__chain__isnull=True,
            run__size_class="",
            total__gte=threshold,
            organization_id__in=consenting,
            organization__kind=Organization.Kind.ENTERPRISE,
        )
        .select_related("organization", "organization__division")
        .order_by("rank", "organization__name", "organization_id")
    )


def visible_loans(user) -> QuerySet:
    """Banks: the loans they recorded; an enterprise's members: the loans to it; HQ and admin: all."""
    from .models import PointsLoan

    loans = PointsLoan.objects.select_related("bank", "enterprise")
    if permissions.sees_region(user):
        return loans
    if permissions.is_bank(user):
        return loans.filter(bank_id=user.organization_id)
    if (
        role_of(user) is not None
        and user.organization_id
        and permissions.is_enterprise_member(user, user.organization)
    ):
        return loans.filter(enterprise_id=user.organization_id)
    return loans.none()


@dataclass
class FinancingYear:
    year: int
    loans: int
    amount_yuan: Decimal
    enterprises: int


def financing_per_year() -> list[FinancingYear]:
    """Points-based loans granted per calendar year of the grant (the region's time zone), oldest first."""
    from django.utils import timezone

    from .models import PointsLoan

    years: dict[int, FinancingYear] = {}
    enterprises: dict[int, set] = {}
    rows = PointsLoan.objects.filter(status=PointsLoan.Status.GRANTED).values_list(
        "granted_at", "amount_yuan", "enterprise_id"
    )
    for granted_at, amount, enterprise_id in rows:
        year = timezone.localtime(granted_at).year
        row = years.setdefault(year, FinancingYear(year, 0, Decimal("0.00"), 0))
        row.loans += 1
        row.amount_yuan += amount
        enterprises.setdefault(year, set()).add(enterprise_id)
    for year, row in years.items():
        row.enterprises = len(enterprises[year])
    return [years[y] for y in sorted(years)]


@dataclass
class Transformations:
    year: int
    enterprises: int
    contracts: int
    contract_amount_yuan: Decimal
    licences: int
    licence_amount_yuan: Decimal

    @property
    def count(self) -> int:
        return self.contracts + self.licences

    @property
    def amount_yuan(self) -> Decimal:
        return self.contract_amount_yuan + self.licence_amount_yuan


def transformations(year: int) -> Transformations:
    """Transformations under the points policy (the seed's headline: 655, 0.82 bn yuan), from records:
    the year's registered technical contracts (current registrations, registered in the year) with a
    scored enterprise of the year as seller or buyer, and the licences starting in the year (active or
    converted) taken by a scored enterprise. A contract counts once however many scored parties it has;
    its money is the contract amount; a licence's is its agreed upfront fee plus lump sum."""
    from mengkeju.deals.models import ContractParty, Registration
    from mengkeju.licensing.models import Licence

    scored = list(
        Organization.objects.filter(points_scores__year=year).distinct().values_list("pk", "credit_code")
    )
    ids = {pk for pk, _code in scored}
    codes = {code for _pk, code in scored if code}
    registrations = Registration.objects.filter(
        status=Registration.Status.REGISTERED, is_current=True, registered_on__year=year
    )
    by_party = set(
        ContractParty.objects.filter(
            contract__registrations__in=registrations,
            organization_id__in=ids,
            role__in=[ContractParty.Role.SELLER, ContractParty.Role.BUYER],
        ).values_list("contract_id", flat=True)
    )
    contracts, contract_amount = 0, Decimal("0.00")
    for contract_id, seller, buyer, amount in registrations.values_list(
        "contract_id", "seller_credit_code", "buyer_credit_code", "amount_yuan"
    ):
        if contract_id in by_party or seller in codes or buyer in codes:
            contracts += 1
            contract_amount += amount or 0
    licences, licence_amount = 0, Decimal("0.00")
    for upfront, lump in Licence.objects.filter(
        status__in=[Licence.Status.ACTIVE, Licence.Status.CONVERTED],
        start_on__year=year,
        licensee_id__in=ids,
    ).values_list("upfront_fee_yuan", "lump_sum_yuan"):
        licences += 1
        licence_amount += (upfront or 0) + (lump or 0)
    return Transformations(year, len(ids), contracts, contract_amount, licences, licence_amount)
