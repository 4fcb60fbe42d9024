"""Contract statistics: what counts, how it is grouped, and agreement with direct SQL on 50,000 contracts."""

from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import connection

from mengkeju.deals import services as deals
from mengkeju.deals.models import ContractKind, Flow, Registration, SubKind
from mengkeju.deals.tests.factories import hq_operator, registered_contract
from mengkeju.insights import selectors
from mengkeju.insights.selectors import Scope
from mengkeju.insights.synthetic import generate_registered_contracts
from mengkeju.network.models import Division, IndustryChain

pytestmark = pytest.mark.django_db


def _by_key(table):
    return {row.key: row for row in table.rows}


def test_only_current_registered_versions_count_and_amounts_are_exact_to_the_fen():
    a = registered_contract(amount_yuan=Decimal("1000000.01"), materials_yuan=Decimal("0.02"))
    b = registered_contract(amount_yuan=Decimal("250000.10"))
    cancelled = registered_contract(amount_yuan=Decimal("999.99"))
    deals.cancel_registration(cancelled, "双方解除合同", tax_benefit_claimed=False, by=hq_operator())
    year = a.registered_on.year

    total = selectors.totals(Scope(year=year))

    assert total.count == 2
    assert total.amount_yuan == Decimal("1250000.11")
    assert total.transaction_amount_yuan == Decimal("1249999.99") + Decimal("0.10")
    assert Registration.objects.filter(pk=b.pk, status=Registration.Status.REGISTERED).exists()


def test_flows_divisions_and_chains_group_as_the_government_reports_them():
    chain = IndustryChain.objects.order_by("position").first()
    county = Division.objects.create(
        code="150203",
        name="昆都仑区",
        level=Division.Level.COUNTY,
        parent=Division.objects.get(code="150200"),
    )
    within = registered_contract(amount_yuan=Decimal("100.00"), seller_division="150203", chain=chain)
    outflow = registered_contract(
        amount_yuan=Decimal("200.00"), seller_division="150200", buyer_division="110000"
    )
    inflow = registered_contract(
        amount_yuan=Decimal("400.00"), seller_division="310000", buyer_division="150400"
    )
    assert (within.flow, outflow.flow, inflow.flow) == (Flow.WITHIN, Flow.OUTFLOW, Flow.INFLOW)
    assert within.seller_division_id == county.pk
    scope = Scope(year=within.registered_on.year)

    flows = _by_key(selectors.by_flow(scope))
    assert {k: r.amount_yuan for k, r in flows.items()} == {
        "within": Decimal("100.00"),
        "outflow": Decimal("200.00"),
        "inflow": Decimal("400.00"),
    }
    sellers = _by_key(selectors.by_seller_division(scope))
    assert sellers["150200"].count == 2  # the county rolls up into its prefecture (包头市)
    assert sellers["150200"].amount_yuan == Decimal("300.00")
    assert sellers["outside"].amount_yuan == Decimal("400.00")
    buyers = _by_key(selectors.by_buyer_division(scope))
    assert buyers["outside"].amount_yuan == Decimal("200.00")
    assert buyers["150400"].amount_yuan == Decimal("500.00")
    chains = _by_key(selectors.by_chain(scope))
    assert chains[str(chain.pk)].amount_yuan == Decimal("100.00")
    assert chains["-"].count == 2


def test_transformations_are_transfer_and_licence_contracts():
    registered_contract(amount_yuan=Decimal("300.00"))  # development: not a transformation
    lic = registered_contract(
        amount_yuan=Decimal("700.00"),
        kind=ContractKind.LICENCE,
        sub_kind=SubKind.PATENT_LICENCE,
        licence_scope="ordinary",
    )
    table = selectors.transformations(Scope(year=lic.registered_on.year))
    assert table.total.count == 1
    assert table.total.amount_yuan == Decimal("700.00")


def test_growth_on_the_base_year_and_quarters():
    generate_registered_contracts(400, seed=3, first_year=2021, last_year=2025, with_parties=False)
    scope = Scope(year=2025)
    base = selectors.totals(Scope(year=2021))
    current = selectors.totals(scope)
    growth = selectors.growth(scope, base_year=2021)
    expected = ((current.amount_yuan - base.amount_yuan) / base.amount_yuan * 100).quantize(Decimal("0.1"))
    assert growth.amount_percent == expected
    quarters = selectors.by_quarter(scope)
    assert {r.key[:4] for r in quarters.rows} == {"2025"}
    assert quarters.total.amount_yuan == current.amount_yuan
    assert selectors.growth(Scope(year=2021), base_year=2021) is None


def test_a_sub_centers_statistics_cover_only_its_contracts():
    generate_registered_contracts(300, seed=5, first_year=2025, last_year=2025, with_parties=False)
    region = selectors.by_sub_center(Scope(year=2025))
    for row in region.rows:
        if row.key == "-":
            continue
        own = selectors.totals(Scope(year=2025, sub_center_id=int(row.key)))
        assert (own.count, own.amount_yuan) == (row.count, row.amount_yuan)
    assert region.total.amount_yuan == selectors.totals(Scope(year=2025)).amount_yuan


def test_generated_numbers_are_never_reused_by_a_real_registration():
    year = deals.local_date().year
    generate_registered_contracts(20, seed=1, first_year=year, last_year=year, with_parties=False)
    registration = registered_contract()
    numbers = list(Registration.objects.exclude(number=None).values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == 21
    assert registration.number.endswith("000021")


SQL = """
    SELECT {key}, COUNT(*), SUM(amount_yuan), SUM(transaction_amount_yuan)
    FROM deals_registration WHERE status = 'registered' AND is_current
    GROUP BY {key}
"""


def _sql(key: str) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(SQL.format(key=key))
        return {str(k): (n, Decimal(str(a)), Decimal(str(t))) for k, n, a, t in cursor.fetchall()}


def _close(a: Decimal, b: Decimal) -> bool:
    # PostgreSQL sums numeric exactly; SQLite sums binary floats, good to well under a fen here.
    return a == b if connection.vendor == "postgresql" else abs(a - b) < Decimal("0.005")


def test_statistics_agree_with_direct_sql_on_fifty_thousand_contracts():
    made = generate_registered_contracts(50_000, seed=11, first_year=2021, last_year=2025, with_parties=False)
    assert made == 50_000
    everything = Scope(year=None)

    for table, key in (
        (selectors.by_kind(everything), "kind"),
        (selectors.by_flow(everything), "flow"),
        (selectors.by_sub_center(everything), "sub_center_id"),
    ):
        sql = _sql(key)
        rows = {("-" if r.key in ("-", "None") else r.key): r for r in table.rows}
        assert sum(n for n, _a, _t in sql.values()) == table.total.count == 50_000
        for k, (n, amount, transaction) in sql.items():
            row = rows["-" if k == "None" else k]
            assert row.count == n
            assert _close(row.amount_yuan, amount), (k, row.amount_yuan, amount)
            assert _close(row.transaction_amount_yuan, transaction)

    # Exact to the fen against Python's Decimal arithmetic over every row.
    by_year = defaultdict(lambda: [0, Decimal("0.00"), Decimal("0.00")])
    for registered_on, amount, transaction in Registration.objects.filter(
        status="registered", is_current=True
    ).values_list("registered_on", "amount_yuan", "transaction_amount_yuan"):
        bucket = by_year[str(registered_on.year)]
        bucket[0] += 1
        bucket[1] += amount
        bucket[2] += transaction
    years = _by_key(selectors.by_year(everything))
    assert set(years) == set(by_year) == {str(y) for y in range(2021, 2026)}
    for year, (n, amount, transaction) in by_year.items():
        assert (years[year].count, years[year].amount_yuan, years[year].transaction_amount_yuan) == (
            n,
            amount,
            transaction,
        )
    # Growth is what the generator promises: turnover rises steeply over the years.
    assert years["2025"].amount_yuan > 2 * years["2021"].amount_yuan
    assert selectors.totals(Scope(year=2025)).count == years["2025"].count
