"""Generated registered technical contracts: for the demo's dashboards, tests and benchmarks.

Shapes follow the public picture of a regional technical market (made up, not real records):
contract counts grow from the base year to the latest (the seed's headline is +164.5 % turnover
2021 → 2025); development and service contracts dominate, transfers and licences are fewer but
larger; amounts are log-normal (median ≈ 300,000 yuan) with fen precision; about a third of the
sellers and a fifth of the buyers are outside the region (flows). Each contract is registered,
with its own registration number; the year counters are moved past the generated numbers so real
registrations that follow never reuse one.

Rows are written with `bulk_create` in batches inside one transaction: 50,000 contracts take
seconds, and a failure leaves nothing behind.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction

from mengkeju.deals.models import (
    SUB_KINDS,
    ContractKind,
    ContractParty,
    Registration,
    RegistrationCounter,
    TechnicalContract,
    classify_flow,
)
from mengkeju.network.models import Division, IndustryChain, Organization
from mengkeju.network.selectors import current_region

KIND_WEIGHTS = {
    ContractKind.DEVELOPMENT: 34,
    ContractKind.SERVICE: 36,
    ContractKind.CONSULTING: 12,
    ContractKind.TRANSFER: 10,
    ContractKind.LICENCE: 8,
}
KIND_SCALE = {ContractKind.TRANSFER: 2.2, ContractKind.LICENCE: 1.8, ContractKind.CONSULTING: 0.4}
TITLES = {
    ContractKind.DEVELOPMENT: "{chain}关键技术联合攻关",
    ContractKind.SERVICE: "{chain}工艺优化技术服务",
    ContractKind.CONSULTING: "{chain}项目可行性论证",
    ContractKind.TRANSFER: "{chain}专利权转让",
    ContractKind.LICENCE: "{chain}专利实施许可",
}
BATCH = 2_000
CENT = Decimal("0.01")


def _amount(rnd: random.Random, kind: str) -> Decimal:
    value = rnd.lognormvariate(12.6, 1.3) * KIND_SCALE.get(kind, 1.0)  # e^12.6 ≈ 300,000
    return Decimal(min(max(value, 2_000.0), 300_000_000.0)).quantize(CENT)


def _non_technical(rnd: random.Random, kind: str, amount: Decimal) -> dict[str, Decimal]:
    parts = dict.fromkeys(TechnicalContract.NON_TECHNICAL_FIELDS, Decimal("0.00"))
    if kind in (ContractKind.DEVELOPMENT, ContractKind.SERVICE) and rnd.random() < 0.35:
        share = Decimal(str(round(rnd.uniform(0.05, 0.4), 3)))
        parts[rnd.choice(TechnicalContract.NON_TECHNICAL_FIELDS)] = (amount * share).quantize(CENT)
    return parts


def generate_registered_contracts(
    count: int,
    *,
    seed: int = 2025,
    first_year: int = 2021,
    last_year: int = 2025,
    with_parties: bool = True,
    progress=None,
) -> int:
    """Create `count` registered contracts (with registrations, and parties unless told not to)."""
    region = current_region()
    if region is None:
        raise ValueError("load a region pack first")
    rnd = random.Random(seed)
    tz = ZoneInfo(region.timezone or "Asia/Shanghai")
    inside = list(Division.objects.filter(external=False).exclude(level=Division.Level.PROVINCE))
    outside = list(Division.objects.filter(external=True))
    if not inside:
        raise ValueError("the region pack has no divisions below the province")
    outside = outside or inside
    chains = list(IndustryChain.objects.all())
    nodes = list(Organization.objects.filter(kind__in=Organization.SERVICE_NODE_KINDS))
    years = list(range(first_year, last_year + 1))
    # Turnover grows ≈ 2.6× over the years; counts grow a little less (contracts also get larger).
    year_weights = [1.0 + 1.3 * i / max(1, len(years) - 1) for i in range(len(years))]
    kinds, kind_weights = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())
    sequences = {c.year: c.last_sequence for c in RegistrationCounter.objects.filter(region_code=region.code)}
    made = 0
    with transaction.atomic():
        while made < count:
            size = min(BATCH, count - made)
            contracts, plans = [], []
            for _ in range(size):
                kind = rnd.choices(kinds, kind_weights)[0]
                year = rnd.choices(years, year_weights)[0]
                signed_on = date(year, 1, 1) + timedelta(days=rnd.randrange(0, 350))
                registered_on = signed_on + timedelta(days=rnd.randrange(1, 15))
                if registered_on.year != year:
                    registered_on = date(year, 12, 31)
                amount = _amount(rnd, kind)
                parts = _non_technical(rnd, kind, amount)
                chain = rnd.choice(chains) if chains and rnd.random() < 0.9 else None
                seller = rnd.choice(outside) if rnd.random() < 0.3 else rnd.choice(inside)
                buyer = rnd.choice(outside) if rnd.random() < 0.2 else rnd.choice(inside)
                sub_kind = rnd.choice(SUB_KINDS[kind])
                contracts.append(
                    TechnicalContract(
                        title=TITLES[kind].format(chain=chain.name if chain else "新材料"),
                        kind=kind,
                        sub_kind=sub_kind,
                        licence_scope="ordinary" if kind == ContractKind.LICENCE else "",
                        amount_yuan=amount,
                        transaction_amount_yuan=amount - sum(parts.values()),
                        signed_on=signed_on,
                        term_start=signed_on,
                        term_end=signed_on + timedelta(days=365 * rnd.choice((1, 2, 3))),
                        chain=chain,
                        sub_center=rnd.choice(nodes) if nodes else None,
                        status=TechnicalContract.Status.REGISTERED,
                        **parts,
                    )
                )
                plans.append((seller, buyer, registered_on))
            TechnicalContract.objects.bulk_create(contracts)
            registrations, parties = [], []
            for contract, (seller, buyer, registered_on) in zip(contracts, plans, strict=True):
                year = registered_on.year
                sequences[year] = sequences.get(year, 0) + 1
                seller_name = f"{seller.name}技术有限公司"
                buyer_name = f"{buyer.name}实业有限公司"
                at = datetime.combine(registered_on, time(10, 0), tzinfo=tz)
                registrations.append(
                    Registration(
                        contract=contract,
                        version=1,
                        number=f"{region.code}{year}{sequences[year]:06d}",
                        status=Registration.Status.REGISTERED,
                        is_current=True,
                        submitted_at=at - timedelta(days=1),
                        decided_at=at,
                        registered_on=registered_on,
                        title=contract.title,
                        kind=contract.kind,
                        sub_kind=contract.sub_kind,
                        licence_scope=contract.licence_scope,
                        signed_on=contract.signed_on,
                        amount_yuan=contract.amount_yuan,
                        transaction_amount_yuan=contract.transaction_amount_yuan,
                        seller_division=seller,
                        buyer_division=buyer,
                        flow=classify_flow(seller, buyer),
                        chain=contract.chain,
                        sub_center=contract.sub_center,
                        seller_name=seller_name,
                        buyer_name=buyer_name,
                    )
                )
                if with_parties:
                    parties += [
                        ContractParty(contract=contract, role="seller", name=seller_name, division=seller),
                        ContractParty(contract=contract, role="buyer", name=buyer_name, division=buyer),
                    ]
            Registration.objects.bulk_create(registrations)
            ContractParty.objects.bulk_create(parties)
            made += size
            if progress:
                progress(size)
        for year, last in sequences.items():
            RegistrationCounter.objects.update_or_create(
                region_code=region.code, year=year, defaults={"last_sequence": last}
            )
    return made
