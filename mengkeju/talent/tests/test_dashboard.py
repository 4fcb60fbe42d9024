"""The dashboard's figures equal SQL written by hand over the same tables; the workbook holds them."""

from datetime import date
from io import BytesIO

import pytest
from django.db import connection
from django.test import Client
from openpyxl import load_workbook

from mengkeju.network.models import ChainLink, Division, Organization
from mengkeju.network.tests.factories import OrganizationFactory
from mengkeju.talent import dashboard, services

pytestmark = pytest.mark.django_db


@pytest.fixture
def pool(roles, talent_orgs):
    """Eight people across chains and divisions, tiers decided over three years, four exchanges."""
    hq = roles["hq_operator"]
    county = Division.objects.create(
        code="150404", name="松山区", level="county", parent=Division.objects.get(code="150400")
    )
    institute = OrganizationFactory(name="赤峰测试研究所", kind=Organization.Kind.INSTITUTE, division=county)
    plan = [
        (
            "甲",
            talent_orgs["university"],
            ["rare-earth.magnets", "rare-earth.metals"],
            [("reserve", "young-pi", date(2022, 3, 1)), ("leading", "transfer-record", date(2024, 6, 1))],
        ),
        (
            "乙",
            talent_orgs["university"],
            ["rare-earth.magnets", "dairy.starter"],
            [("strategic", "academician", date(2023, 1, 9))],
        ),
        (
            "丙",
            talent_orgs["enterprise"],
            ["dairy.processing"],
            [("leading", "talent-programme", date(2022, 12, 31))],
        ),
        (
            "丁",
            institute,
            ["grass.seed"],
            [
                ("reserve", "youth-programme", date(2023, 1, 1)),
                ("strategic", "national-award", date(2025, 2, 2)),
            ],
        ),
        ("戊", institute, ["grass.seed", "grass.restoration"], [("reserve", "young-pi", date(2024, 7, 7))]),
        (
            "己",
            talent_orgs["chifeng_enterprise"],
            [],
            [("leading", "regional-major-project", date(2025, 1, 1))],
        ),
        ("庚", talent_orgs["chifeng_enterprise"], ["ai.models"], []),
        ("辛", talent_orgs["enterprise"], ["ai.models"], [("reserve", "young-pi", date(2024, 1, 1))]),
    ]
    people = []
    for name, org, links, tiers in plan:
        person = services.add_person(
            by=hq,
            name=name,
            kind="researcher",
            organization=org,
            chain_links=list(ChainLink.objects.filter(code__in=links)),
        )
        for tier, criterion, day in tiers:
            services.decide_tier(person, tier=tier, criterion=criterion, decided_on=day, by=hq)
        people.append(person)
    exchanges = [
        (people[0], talent_orgs["enterprise"], True),
        (people[1], talent_orgs["chifeng_enterprise"], True),
        (people[3], talent_orgs["enterprise"], True),
        (people[4], talent_orgs["enterprise"], False),  # proposed only: not counted
    ]
    for person, host, confirm in exchanges:
        exchange = services.propose_exchange(
            by=hq,
            person=person,
            home=person.organization,
            host=host,
            role="industry-professor",
            starts_on=date(2025, 1, 1),
            ends_on=date(2026, 1, 1),
            purpose="产业教授",
        )
        if confirm:
            exchange.home_confirmed_at = exchange.host_confirmed_at = exchange.sub_center_confirmed_at = (
                exchange.created_at
            )
            exchange.status = "confirmed"
            exchange.save()
    return people


def sql(query, params=()):
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def test_tier_by_chain_equals_sql(pool):
    rows = sql(
        """SELECT c.code, p.tier, COUNT(DISTINCT p.id) FROM talent_person p
           JOIN talent_person_chain_links pl ON pl.person_id = p.id
           JOIN network_chainlink l ON l.id = pl.chainlink_id
           JOIN network_industrychain c ON c.id = l.chain_id
           WHERE p.tier <> '' GROUP BY c.code, p.tier"""
    )
    expected = {(chain, tier): n for chain, tier, n in rows}
    matrix = dashboard.tier_by_chain()
    got = {
        (code, t.code): v
        for _label, code, values, _total in matrix.lines()
        for t, v in zip(matrix.tiers, values, strict=False)
        if v
    }
    assert got == expected
    assert expected[("rare-earth", "leading")] == 1 and expected[("grass", "reserve")] == 1


def test_tier_by_division_equals_sql(pool):
    rows = sql(
        """SELECT CASE WHEN d.level = 'county' THEN parent.code ELSE d.code END, p.tier, COUNT(*)
           FROM talent_person p JOIN network_division d ON d.id = p.division_id
           LEFT JOIN network_division parent ON parent.id = d.parent_id
           WHERE p.tier <> '' GROUP BY 1, 2"""
    )
    expected = {(division, tier): n for division, tier, n in rows}
    matrix = dashboard.tier_by_division()
    got = {
        (code, t.code): v
        for _label, code, values, _total in matrix.lines()
        for t, v in zip(matrix.tiers, values, strict=False)
        if v
    }
    assert got == expected and expected[("150400", "reserve")] == 1


def test_tier_by_year_equals_sql(pool):
    matrix = dashboard.tier_by_year(last_year=2026)
    assert [code for _label, code, _v, _t in matrix.lines()] == ["2022", "2023", "2024", "2025", "2026"]
    for _label, year, values, _total in matrix.lines():
        rows = sql(
            """SELECT d.to_tier, COUNT(*) FROM talent_tierdecision d
               WHERE d.id = (SELECT d2.id FROM talent_tierdecision d2
                             WHERE d2.person_id = d.person_id AND d2.decided_on <= %s
                             ORDER BY d2.decided_on DESC, d2.id DESC LIMIT 1)
               GROUP BY d.to_tier""",
            [f"{year}-12-31"],
        )
        assert {t.code: v for t, v in zip(matrix.tiers, values, strict=False) if v} == dict(rows), year
    by_year = {
        code: dict(zip([t.code for t in matrix.tiers], values, strict=False))
        for _l, code, values, _t in matrix.lines()
    }
    assert by_year["2022"] == {"strategic": 0, "leading": 1, "reserve": 1}
    assert by_year["2025"] == {"strategic": 2, "leading": 3, "reserve": 2}


def test_flows_equal_sql(pool):
    rows = sql(
        """SELECT h.kind, o.kind, COUNT(*) FROM talent_exchange e
           JOIN network_organization h ON h.id = e.home_id JOIN network_organization o ON o.id = e.host_id
           WHERE e.status <> 'proposed' GROUP BY h.kind, o.kind"""
    )
    labels = dict(Organization.Kind.choices)
    assert sorted(dashboard.flows_by_kind()) == sorted(
        (str(labels[a]), str(labels[b]), n) for a, b, n in rows
    )
    assert sum(n for _a, _b, n in dashboard.flows_by_division()) == 3


def test_the_page_and_the_workbook_show_the_figures(pool, roles):
    client = Client()
    client.force_login(roles["analyst"])
    body = client.get("/talent/dashboard/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'id="talent-by_chain"' in body and 'data-chart="flows_kind"' in body
    response = client.get("/talent/dashboard/talent.xlsx")
    book = load_workbook(BytesIO(response.content))
    assert len(book.sheetnames) == 5
    sheet = book.worksheets[0]
    rows = {r[0]: r[1:] for r in sheet.iter_rows(min_row=4, values_only=True)}
    rare_earth = next(v for k, v in rows.items() if k and "稀土" in k)
    assert list(rare_earth) == [1, 1, 0, 2]


def test_a_name_like_a_formula_stays_text(roles, talent_orgs):
    person = services.add_person(
        by=roles["hq_operator"], name="x", kind="engineer", organization=talent_orgs["enterprise"]
    )
    services.decide_tier(person, tier="reserve", criterion="young-pi", by=roles["hq_operator"])
    Division.objects.filter(pk=person.division_id).update(name="=HYPERLINK(1)")
    client = Client()
    client.force_login(roles["hq_operator"])
    book = load_workbook(BytesIO(client.get("/talent/dashboard/talent.xlsx").content))
    cell = book.worksheets[1]["A4"]
    assert cell.value == "=HYPERLINK(1)" and cell.data_type == "s"
