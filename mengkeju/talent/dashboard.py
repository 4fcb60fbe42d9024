"""The talent dashboard's figures: people by tier × chain × division, the tiers over the years (from the
dated tier decisions), and the exchange flows between kinds of organizations and between divisions.

Every figure is a count of distinct people (or of exchanges); a test checks each against SQL written by
hand (tests/test_dashboard.py). An exchange counts once it is confirmed (proposals do not).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Count

from mengkeju.core import clock
from mengkeju.network.models import Division, IndustryChain, Organization

from . import pack
from .models import Exchange, Person, TierDecision


@dataclass
class Matrix:
    """Rows (label, code) × the region's tiers: counts[code][tier]."""

    rows: list[tuple[str, str]]
    tiers: list[pack.Tier]
    counts: dict[str, dict[str, int]]

    def lines(self) -> list[tuple[str, str, list[int], int]]:
        out = []
        for label, code in self.rows:
            values = [self.counts.get(code, {}).get(t.code, 0) for t in self.tiers]
            out.append((label, code, values, sum(values)))
        return out


def prefecture_of() -> dict[int, Division]:
    """Each division → its prefecture-level division (盟市), itself when it is one."""
    divisions = {d.pk: d for d in Division.objects.all()}
    result = {}
    for pk, d in divisions.items():
        node = d
        while node.level == Division.Level.COUNTY and node.parent_id in divisions:
            node = divisions[node.parent_id]
        result[pk] = node
    return result


def tier_by_chain() -> Matrix:
    rows = (
        Person.objects.exclude(tier="")
        .filter(chain_links__isnull=False)
        .values("chain_links__chain__code", "tier")
        .annotate(n=Count("id", distinct=True))
    )
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for row in rows:
        counts[row["chain_links__chain__code"]][row["tier"]] = row["n"]
    chains = [(c.name, c.code) for c in IndustryChain.objects.order_by("code")]
    return Matrix(chains, pack.tiers(), dict(counts))


def tier_by_division() -> Matrix:
    prefecture = prefecture_of()
    counts: dict[str, Counter] = defaultdict(Counter)
    for division_id, tier in Person.objects.exclude(tier="").values_list("division_id", "tier"):
        counts[prefecture[division_id].code][tier] += 1
    rows = sorted({(d.name, d.code) for d in prefecture.values() if d.code in counts}, key=lambda r: r[1])
    return Matrix(rows, pack.tiers(), {k: dict(v) for k, v in counts.items()})


def tier_by_year(last_year: int | None = None) -> Matrix:
    """People in each tier at the end of each year, from the first tier decision's year: each person
    counts in the tier of their latest decision dated on or before 31 December."""
    last_year = last_year or clock.local_date().year
    decisions = list(
        TierDecision.objects.order_by("decided_on", "id").values_list("person_id", "to_tier", "decided_on")
    )
    if not decisions:
        return Matrix([], pack.tiers(), {})
    first = decisions[0][2].year
    counts: dict[str, dict[str, int]] = {}
    for year in range(first, last_year + 1):
        end = date(year, 12, 31)
        latest: dict[int, str] = {}
        for person_id, tier, decided_on in decisions:
            if decided_on <= end:
                latest[person_id] = tier
        counts[str(year)] = dict(Counter(latest.values()))
    rows = [(str(y), str(y)) for y in range(first, last_year + 1)]
    return Matrix(rows, pack.tiers(), counts)


def counted_exchanges():
    return Exchange.objects.exclude(status=Exchange.Status.PROPOSED)


def flows_by_kind() -> list[tuple[str, str, int]]:
    """(sending kind label, host kind label, exchanges), largest first."""
    labels = dict(Organization.Kind.choices)
    rows = counted_exchanges().values("home__kind", "host__kind").annotate(n=Count("id"))
    flows = [
        (
            str(labels.get(r["home__kind"], r["home__kind"])),
            str(labels.get(r["host__kind"], r["host__kind"])),
            r["n"],
        )
        for r in rows
    ]
    return sorted(flows, key=lambda f: (-f[2], f[0], f[1]))


def flows_by_division() -> list[tuple[str, str, int]]:
    """(sending prefecture, host prefecture, exchanges), largest first."""
    prefecture = prefecture_of()
    counts: Counter = Counter()
    for home_division, host_division in counted_exchanges().values_list(
        "home__division_id", "host__division_id"
    ):
        counts[(prefecture[home_division].name, prefecture[host_division].name)] += 1
    return sorted(((a, b, n) for (a, b), n in counts.items()), key=lambda f: (-f[2], f[0], f[1]))
