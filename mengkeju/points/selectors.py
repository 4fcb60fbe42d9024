"""Read queries of the innovation-points domain, scoped like permissions.py."""

from __future__ import annotations

from dataclasses import dataclass

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
    lines = []
    for ind in spec.indicators:
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
                weight=st.get("weight", 0.0),
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
    return {"indicators": lines, "groups": group_rows, "bonus": bonus, "activity": activity}


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
