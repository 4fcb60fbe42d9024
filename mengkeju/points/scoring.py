"""The scoring arithmetic, vectorised with numpy and free of Django (docs/points.md has the formulas).

For a cohort of n enterprises and a year's system:
- each scored indicator i gets a score s_i in [0, 100]:
  - z-score: z = (x − mean) / sd over the cohort (population sd; z = 0 when sd = 0), negated for
    lower-is-better; s = clip(50 + 50·z / z_span, 0, 100);
  - percentile: average rank r (ties share their mean rank) of the direction-adjusted value;
    s = 100·(r − 1)/(n − 1) (s = 50 when n = 1);
- group g has weight W_g, indicator i in g weight w_i; its effective weight
  e_i = 100·W_g/ΣW · w_i/Σ_{j∈g} w_j, contribution c_i = e_i·s_i/100; indicator points = Σ c_i (0–100);
  with stages (初创期 / 成长期 / 稳定期) W_g and w_i are those of the enterprise's stage: the scores s_i
  are still computed over the whole cohort, only the weights differ per enterprise;
- bonus b = min(Σ_k min(v_k·points_k, cap_k), bonus_cap); activity a = Σ_src min(count·points, cap);
- total = round4(indicator points) + round4(b) + round4(a); rank = 1 + number of higher totals;
  tier = the first tier whose min_score ≤ total.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .pack import SystemSpec

ROUND = 4


@dataclass
class CohortResult:
    indicator_scores: np.ndarray  # n × k
    contributions: np.ndarray  # n × k
    group_points: np.ndarray  # n × g
    indicator_points: np.ndarray  # n
    bonus_item_points: np.ndarray  # n × m
    bonus_points: np.ndarray  # n
    activity_item_points: np.ndarray  # n × s
    activity_points: np.ndarray  # n
    total: np.ndarray  # n
    rank: np.ndarray  # n (int)
    tier: list[str]
    effective_weights: np.ndarray  # k
    statistics: dict  # per indicator code: mean, sd, median, median_score, n


def percentile_scores(x: np.ndarray) -> np.ndarray:
    """100·(average rank − 1)/(n − 1) for each entry of x (higher x → higher score)."""
    n = x.shape[0]
    if n == 1:
        return np.full(1, 50.0)
    _values, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    start = np.cumsum(counts) - counts  # 0-based rank of the first of each distinct value
    average_rank = start + (counts + 1) / 2.0  # 1-based mean rank of the ties
    return 100.0 * (average_rank[inverse] - 1.0) / (n - 1)


def zscore_scores(x: np.ndarray, z_span: float, lower_is_better: bool) -> tuple[np.ndarray, float, float]:
    mean = float(x.mean())
    sd = float(x.std())  # population standard deviation (ddof = 0)
    if sd <= 1e-12 * max(1.0, abs(mean)):
        z = np.zeros_like(x)
        sd = 0.0
    else:
        z = (x - mean) / sd
    if lower_is_better:
        z = -z
    return np.clip(50.0 + 50.0 * z / z_span, 0.0, 100.0), mean, sd


def effective_weights(spec: SystemSpec, stage: str = "") -> np.ndarray:
    """e_i for an enterprise in `stage` ("" = the plain weights); they sum to 100."""
    groups = spec.group_weights(stage)
    group_total = sum(groups.values())
    within: dict[str, float] = {}
    for i in spec.indicators:
        within[i.group] = within.get(i.group, 0.0) + i.weight_in(stage)
    return np.array(
        [
            100.0 * groups[i.group] / group_total * i.weight_in(stage) / within[i.group]
            if group_total and within[i.group]
            else 0.0
            for i in spec.indicators
        ]
    )


def score_cohort(
    spec: SystemSpec,
    values: np.ndarray,
    bonus_values: np.ndarray,
    activity_counts: np.ndarray,
    stages: list[str] | None = None,
) -> CohortResult:
    """`stages`: each enterprise's stage code (None: every enterprise weighted with the plain weights)."""
    n, k = values.shape
    scores = np.empty((n, k))
    statistics: dict[str, dict] = {}
    for j, ind in enumerate(spec.indicators):
        x = values[:, j]
        lower = ind.direction == "lower"
        if ind.method == "zscore":
            scores[:, j], mean, sd = zscore_scores(x, spec.z_span, lower)
        else:
            scores[:, j] = percentile_scores(-x if lower else x)
            mean, sd = float(x.mean()), float(x.std())
        statistics[ind.code] = {
            "mean": round(mean, ROUND),
            "sd": round(sd, ROUND),
            "median": round(float(np.median(x)), ROUND),
            "median_score": round(float(np.median(scores[:, j])), ROUND),
        }

    group_codes = [g[0] for g in spec.groups]
    effective = effective_weights(spec)
    if stages is None:
        row_weights = np.broadcast_to(effective, (n, k))
    else:
        per_stage = {code: effective_weights(spec, code) for code in set(stages)}
        row_weights = np.array([per_stage[code] for code in stages]).reshape(n, k)
    contributions = scores * row_weights / 100.0
    membership = np.array([[1.0 if i.group == g else 0.0 for g in group_codes] for i in spec.indicators])
    group_points = contributions @ membership if k else np.zeros((n, len(group_codes)))
    indicator_points = contributions.sum(axis=1)

    if spec.bonus:
        per_point = np.array([b.points for b in spec.bonus])
        caps = np.array([b.cap for b in spec.bonus])
        bonus_items = np.minimum(bonus_values * per_point, caps)
        bonus = bonus_items.sum(axis=1)
        if spec.bonus_cap is not None:
            bonus = np.minimum(bonus, spec.bonus_cap)
    else:
        bonus_items, bonus = np.zeros((n, 0)), np.zeros(n)

    if spec.activity:
        per_item = np.array([a[1] for a in spec.activity])
        caps = np.array([a[2] for a in spec.activity])
        activity_items = np.minimum(activity_counts * per_item, caps)
        activity = activity_items.sum(axis=1)
    else:
        activity_items, activity = np.zeros((n, 0)), np.zeros(n)

    total = np.round(
        np.round(indicator_points, ROUND) + np.round(bonus, ROUND) + np.round(activity, ROUND), ROUND
    )
    ascending = np.sort(total)
    rank = n - np.searchsorted(ascending, total, side="right") + 1
    thresholds = np.array([t[1] for t in spec.tiers])
    tier_index = (total[:, None] >= thresholds[None, :] - 1e-9).argmax(axis=1)
    tiers = [spec.tiers[t][0] for t in tier_index]
    return CohortResult(
        indicator_scores=scores,
        contributions=contributions,
        group_points=group_points,
        indicator_points=indicator_points,
        bonus_item_points=bonus_items,
        bonus_points=bonus,
        activity_item_points=activity_items,
        activity_points=activity,
        total=total,
        rank=rank.astype(int),
        tier=tiers,
        effective_weights=effective,
        statistics=statistics,
    )
