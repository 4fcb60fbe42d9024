"""The service dashboard's figures equal direct SQL aggregates over the booking table (as the statistics
tests do for contracts), per platform or service and per chain; the page, its Excel export and the
platform's service record show the same numbers; a sub-center sees only its scope."""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.db.models import Count
from django.test import Client
from openpyxl import load_workbook

from mengkeju.core import clock

from .. import selectors, services
from ..models import Booking, Offering
from .factories import report_file, soon

pytestmark = pytest.mark.django_db

SERVED = "('performed', 'settled', 'rated')"


def _serve(world, offering_key, who, quantity, *, fee=None, rating=None, product="", trl=None):
    people = world["people"]
    provider = people["provider"] if offering_key == "pilot" else people["lab"]
    booking = services.request_booking(
        world[offering_key],
        by=people[who],
        quantity=quantity,
        wished_from=soon(10),
        wished_to=soon(11),
        sample_description="样品",
        achievement=world["achievement"] if trl else None,
    )
    services.confirm_booking(booking, by=provider, scheduled_on=soon(10), price_yuan="1")
    services.record_performed(
        booking,
        by=provider,
        performed_on=soon(0),
        report=report_file(),
        outcome_new_product=product,
        outcome_trl=trl,
        raise_trl=bool(trl),
    )
    if fee is not None:
        services.record_fee(booking, by=provider, fee_yuan=fee)
        if rating is not None:
            services.rate_booking(booking, by=people[who], rating=rating)
    return booking


@pytest.fixture
def served(world):
    _serve(world, "pilot", "enterprise", 1, fee=Decimal("48000"), rating=5, product="无重稀土磁体", trl=6)
    _serve(world, "testing", "enterprise", 12, fee=Decimal("9600"), rating=3)
    _serve(world, "testing", "other_enterprise", 5, fee=Decimal("4000"))
    services.request_booking(  # requested only: counts as a booking, not as served
        world["pilot"],
        by=world["people"]["other_enterprise"],
        quantity=1,
        wished_from=soon(10),
        wished_to=soon(12),
        sample_description="x",
    )
    return world


def _sql(year):
    query = f"""
        SELECT o.platform_id, o.service_id, COUNT(*), SUM(b.quantity), AVG(b.rating), COUNT(b.rating),
               SUM(b.fee_yuan), SUM(CASE WHEN b.outcome_new_product <> '' THEN 1 ELSE 0 END),
               SUM(CASE WHEN b.trl_raised THEN 1 ELSE 0 END)
        FROM bookings_booking b JOIN bookings_offering o ON o.id = b.offering_id
        WHERE b.status IN {SERVED} AND b.performed_on BETWEEN %s AND %s
        GROUP BY o.platform_id, o.service_id
    """
    with connection.cursor() as cursor:
        cursor.execute(query, [f"{year}-01-01", f"{year}-12-31"])
        rows = cursor.fetchall()
    out = {}
    for platform_id, service_id, n, units, avg, ratings, fees, products, raised in rows:
        key = f"platform-{platform_id}" if platform_id else f"service-{service_id}"
        out[key] = (
            n,
            units,
            None if avg is None else Decimal(str(avg)).quantize(Decimal("0.01")),
            ratings,
            Decimal(str(fees or 0)),
            products,
            raised,
        )
    return out


def _capacity_sql():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT platform_id, service_id, SUM(capacity_per_period * CASE WHEN period = 'week' THEN 52 ELSE 12 END) "
            "FROM bookings_offering WHERE is_open GROUP BY platform_id, service_id"
        )
        return {(f"platform-{p}" if p else f"service-{s}"): c for p, s, c in cursor.fetchall()}


def test_figures_per_platform_or_service_equal_sql_aggregates(served):
    year = clock.local_date().year
    figures = {f.key: f for f in selectors.service_figures(year, Offering.objects.all())["publishers"]}
    expected, capacity = _sql(year), _capacity_sql()
    assert set(expected) <= set(figures)
    for key, (n, units, avg, ratings, fees, products, raised) in expected.items():
        f = figures[key]
        assert (
            f.served,
            f.units_served,
            f.satisfaction,
            f.ratings,
            f.fees_yuan,
            f.new_products,
            f.trl_raised,
        ) == (n, units, avg, ratings, fees, products, raised), key
        assert f.capacity == capacity[key]
        assert f.utilisation_percent == (Decimal(100) * units / capacity[key]).quantize(Decimal("0.1"))
    requested = dict(
        Booking.objects.filter(created_at__year=year)
        .values_list("offering__platform_id")
        .annotate(n=Count("id"))
    )
    assert figures[f"platform-{served['platform'].pk}"].bookings == requested[served["platform"].pk] == 2


def test_figures_per_chain_equal_sql_aggregates(served):
    year = clock.local_date().year
    chains = {f.key: f for f in selectors.service_figures(year, Offering.objects.all())["chains"]}
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT c.code, COUNT(DISTINCT b.id), SUM(b.quantity)
            FROM bookings_booking b
            JOIN (SELECT DISTINCT ol.offering_id, l.chain_id FROM bookings_offering_chain_links ol
                  JOIN network_chainlink l ON l.id = ol.chainlink_id) oc ON oc.offering_id = b.offering_id
            JOIN network_industrychain c ON c.id = oc.chain_id
            WHERE b.status IN {SERVED} AND b.performed_on BETWEEN %s AND %s
            GROUP BY c.code
            """,
            [f"{year}-01-01", f"{year}-12-31"],
        )
        expected = {code: (n, units) for code, n, units in cursor.fetchall()}
    assert expected == {"rare-earth": (3, 18)}
    assert {k: (f.served, f.units_served) for k, f in chains.items() if f.served} == expected


def test_the_page_the_export_and_the_platform_record_show_the_same_numbers(served):
    year = clock.local_date().year
    client = Client()
    client.force_login(served["people"]["analyst"])
    page = client.get("/bookings/dashboard/").content.decode()
    assert 'id="total-served">3<' in page
    book = load_workbook(BytesIO(client.get(f"/bookings/dashboard.xlsx?year={year}").content))
    rows = list(book.worksheets[0].iter_rows(min_row=4, values_only=True))
    by_name = {r[0]: r for r in rows}
    assert by_name[served["platform"].name][2:4] == (1, 1)
    assert by_name[served["service"].name][2:4] == (2, 17)
    record = selectors.platform_record(served["platform"], year)
    assert record["figures"].served == 1 and record["figures"].trl_raised == 1 and len(record["runs"]) == 1
    platform_page = client.get(f"/platforms/{served['platform'].pk}/").content.decode()
    assert 'id="platform-service-record"' in platform_page


def test_a_sub_center_reads_only_its_scope(served):
    client = Client()
    client.force_login(served["people"]["staff_out_of_scope"])
    page = client.get("/bookings/dashboard/").content.decode()
    assert 'id="total-served">0<' in page
    client.force_login(served["people"]["staff_in_scope"])
    assert 'id="total-served">3<' in client.get("/bookings/dashboard/").content.decode()


def test_last_years_runs_stay_in_last_year(served):
    year = clock.local_date().year
    Booking.objects.update(performed_on=clock.local_date() - timedelta(days=400))
    figures = selectors.service_figures(year, Offering.objects.all())["publishers"]
    assert sum(f.served for f in figures) == 0


def test_the_platform_record_lists_contracts_its_organization_signed_in_the_year(world):
    from mengkeju.deals.tests.factories import make_contract, registered_contract

    today = clock.local_date()
    platform = world["platform"]
    registered_contract(
        seller=platform.organization, signed_on=today - timedelta(days=3), amount_yuan=Decimal("300000.00")
    )
    make_contract(seller=platform.organization, signed_on=today - timedelta(days=2))  # a draft: left out
    record = selectors.platform_record(platform, today.year)
    assert [c.amount_yuan for c in record["contracts"]] == [Decimal("300000.00")]
    assert record["contract_amount_yuan"] == Decimal("300000.00")
    assert selectors.platform_record(platform, today.year - 1)["contracts"] == []


def test_an_offering_document_is_served_with_its_offering(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    document = services.add_offering_document(
        world["pilot"],
        upload=SimpleUploadedFile("收费标准.pdf", b"%PDF-1.4 price list"),
        title="收费标准",
        by=world["people"]["provider"],
    )
    response = Client().get(f"/bookings/offerings/{world['pilot'].pk}/documents/{document.pk}/")
    assert response.status_code == 200 and b"price list" in b"".join(response.streaming_content)
    assert (
        Client().get(f"/bookings/offerings/{world['testing'].pk}/documents/{document.pk}/").status_code == 404
    )
