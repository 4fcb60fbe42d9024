"""Generated enterprises with plausible indicator values, for the benchmark, tests and demos.

`generate_enterprises(n, year, seed=…)` bulk-creates n enterprises (organizations of kind enterprise,
valid-looking credit codes) spread over the region's prefecture divisions and chains, each with a
confirmed EnterpriseYear and a value for every item of the year's current system. Deterministic for
a seed.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from django.db import transaction
from django.utils import timezone

from mengkeju.network.models import Division, IndustryChain, Organization

from .models import EnterpriseYear, IndicatorValue
from .pack import SystemSpec
from .services import current_system

SIZE_CODES = ["micro", "small", "medium", "large"]


def _column(rng, item, n: int) -> np.ndarray:
    lo = item.min if item.min is not None else -50.0
    hi = item.max if item.max is not None else None
    if getattr(item, "points", None) is not None:  # bonus item: mostly 0, sometimes 1–2
        values = rng.choice([0, 0, 0, 1, 1, 2], size=n).astype(float)
    elif item.unit == "%":
        values = rng.gamma(2.0, 8.0, size=n) + (lo if lo < 0 else 0)
    elif item.integer:
        values = rng.poisson(6.0, size=n).astype(float)
    else:
        values = rng.lognormal(mean=6.0, sigma=1.2, size=n)
        if item.min is None:
            values = values - np.exp(6.0)  # may be negative (profit)
    if item.min is not None:
        values = np.maximum(values, item.min)
    if hi is not None:
        values = np.minimum(values, hi)
    return np.round(values, 0 if item.integer else 2)


@transaction.atomic
def generate_enterprises(n: int, year: int, *, seed: int = 1, prefix: str = "gen") -> list[int]:
    spec = SystemSpec.from_definition(current_system(year).definition)
    rng = np.random.default_rng(seed)
    divisions = list(
        Division.objects.filter(level=Division.Level.PREFECTURE, external=False).order_by("code")
    )
    chains = list(IndustryChain.objects.order_by("code"))
    orgs = [
        Organization(
            code=f"{prefix}-{seed}-{i}",
            name=f"生成企业{seed}-{i}",
            kind=Organization.Kind.ENTERPRISE,
            division=divisions[i % len(divisions)],
            credit_code=f"91{divisions[i % len(divisions)].code}{seed % 100:02d}{i:07d}X"[:18],
        )
        for i in range(n)
    ]
    Organization.objects.bulk_create(orgs, batch_size=2000)
    orgs = list(Organization.objects.filter(code__startswith=f"{prefix}-{seed}-").order_by("pk"))
    now = timezone.now()
    records = [
        EnterpriseYear(
            organization=org,
            year=year,
            chain=chains[i % len(chains)] if chains else None,
            size_class=SIZE_CODES[i % len(SIZE_CODES)],
            founded_year=year - 1 - i % 25,  # ages 1–25: every stage of a staged system occurs
            status=EnterpriseYear.Status.CONFIRMED,
            entered_at=now,
            confirmed_at=now,
        )
        for i, org in enumerate(orgs)
    ]
    EnterpriseYear.objects.bulk_create(records, batch_size=2000)
    records = list(
        EnterpriseYear.objects.filter(organization__code__startswith=f"{prefix}-{seed}-", year=year).order_by(
            "organization_id"
        )
    )
    columns = {item.code: _column(rng, item, len(records)) for item in spec.all_items}
    values = [
        IndicatorValue(record=record, code=code, value=Decimal(str(column[i])))
        for code, column in columns.items()
        for i, record in enumerate(records)
    ]
    IndicatorValue.objects.bulk_create(values, batch_size=5000)
    return [o.pk for o in orgs]
