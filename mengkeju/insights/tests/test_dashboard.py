"""The statistics pages: who may read them, what the export carries, and bad input."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from mengkeju.deals.tests.factories import registered_contract
from mengkeju.insights import selectors
from mengkeju.network.models import Organization, User
from mengkeju.network.tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = reverse("insights:dashboard")
EXPORT = reverse("insights:export")


def _user(kind: str) -> User | None:
    baotou = Organization.objects.get(code="baotou")
    if kind == "anonymous":
        return None
    if kind == "admin":
        return UserFactory(is_superuser=True, role=User.Role.PLATFORM_ADMIN)
    if kind == "hq_operator":
        return UserFactory(role=User.Role.HQ_OPERATOR, organization=Organization.objects.get(code="hq"))
    if kind == "analyst":
        return UserFactory(role=User.Role.ANALYST)
    if kind == "baotou_staff":
        return UserFactory(role=User.Role.SUBCENTER_STAFF, organization=baotou)
    if kind == "baotou_broker":
        return UserFactory(role=User.Role.BROKER, organization=baotou)
    if kind == "other_staff":
        other = Organization.objects.filter(kind=Organization.Kind.SUB_CENTER).exclude(pk=baotou.pk).first()
        return UserFactory(role=User.Role.SUBCENTER_STAFF, organization=other)
    if kind == "member":
        return UserFactory(role=User.Role.MEMBER, organization=OrganizationFactory())
    if kind == "expert":
        return UserFactory(role=User.Role.EXPERT)
    raise AssertionError(kind)


# who → (region dashboard, Baotou's dashboard)
MATRIX = {
    "anonymous": ("login", "login"),
    "member": (403, 403),
    "expert": (403, 403),
    "other_staff": ("own", 403),
    "baotou_staff": ("own", 200),
    "baotou_broker": ("own", 200),
    "analyst": (200, 200),
    "hq_operator": (200, 200),
    "admin": (200, 200),
}


@pytest.mark.parametrize("who", MATRIX)
def test_who_may_read_which_dashboard(client, who):
    user = _user(who)
    if user:
        client.force_login(user)
    region_expected, baotou_expected = MATRIX[who]
    for url, expected in ((URL, region_expected), (f"{URL}?node=baotou", baotou_expected)):
        response = client.get(url)
        if expected == "login":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        elif expected == "own":  # staff land on their own sub-center's dashboard
            assert response.status_code == 302 and response["Location"].endswith(
                f"?node={user.organization.code}"
            )
        else:
            assert response.status_code == expected, (who, url)
        export = client.get(url.replace(URL, EXPORT))
        allowed = expected == 200
        assert (export.status_code == 200) == allowed, (who, url, export.status_code)


def test_dashboard_and_export_carry_the_same_figures(client):
    r1 = registered_contract(amount_yuan=Decimal("1234567.89"), equipment_yuan=Decimal("1000.00"))
    registered_contract(amount_yuan=Decimal("0.11"), buyer_division="110000")
    client.force_login(_user("hq_operator"))
    year = r1.registered_on.year

    page = client.get(URL, {"year": year})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-figure="count">2<' in html
    assert "123.46万元" in html  # turnover, in 万元 as every page prints money (core money filter)
    book = load_workbook(BytesIO(client.get(EXPORT, {"year": year, "table": "all"}).content))
    # Tabs in the reader's language, not internal codes (by_year …).
    assert {"按年度", "按合同类别", "按技术流向", "按卖方所在地区（技术输出）", "按分中心"} <= set(
        book.sheetnames
    )
    assert not any("_" in name for name in book.sheetnames)
    quarters = [row[0] for row in book["按季度"].iter_rows(min_row=4, values_only=True)][
        :-1
    ]  # less the total
    assert quarters and all("年第" in q and q.endswith("季度") and " Q" not in q for q in quarters), quarters
    sheet = book["按技术流向"]
    assert sheet["B4"].number_format == "0" and sheet["C4"].number_format == "#,##0.00"
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    total = rows[-1]
    assert total[1] == 2
    assert Decimal(str(total[2])) == Decimal("1234568.00")
    assert Decimal(str(total[3])) == Decimal("1233568.00")
    labels = {row[0] for row in rows[:-1]}
    assert len(labels) == 2  # within the region and outflow


def test_a_sub_center_sees_only_its_own_figures(client):
    baotou = Organization.objects.get(code="baotou")
    own = registered_contract(amount_yuan=Decimal("500.00"), sub_center=baotou)
    other = Organization.objects.filter(kind=Organization.Kind.SUB_CENTER).exclude(pk=baotou.pk).first()
    registered_contract(amount_yuan=Decimal("900.00"), sub_center=other)
    client.force_login(_user("baotou_staff"))
    page = client.get(URL, {"node": "baotou", "year": own.registered_on.year})
    html = page.content.decode()
    assert 'data-figure="amount" data-value="500.00">500元<' in html
    assert "900元" not in html and 'data-value="900.00"' not in html
    assert page.context["tables"].get("by_sub_center") is None


@pytest.mark.parametrize(
    "params, status",
    [
        ({"year": "abc"}, 200),  # falls back to the latest year with data
        ({"year": "99999"}, 200),
        ({"basis": "bogus"}, 200),  # falls back to the region's date basis
        ({"node": "no-such-node"}, 404),
    ],
)
def test_bad_parameters_get_a_sensible_answer(client, params, status):
    client.force_login(_user("hq_operator"))
    assert client.get(URL, params).status_code == status


def test_unknown_export_table_is_404(client):
    client.force_login(_user("hq_operator"))
    assert client.get(EXPORT, {"table": "nope"}).status_code == 404


def test_basis_signed_on_counts_by_signing_year(client):
    registration = registered_contract(amount_yuan=Decimal("10.00"))
    year = registration.signed_on.year
    assert selectors.totals(selectors.Scope(year=year, basis="signed_on")).count == 1
    with pytest.raises(ValueError):
        selectors.Scope(basis="bogus")
