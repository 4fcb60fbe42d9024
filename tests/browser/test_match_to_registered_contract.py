"""From a recommended match to money the government counts.

A broker opens a deal from a demand's recommended achievement, drafts the parties' contract and
applies for registration; an HQ operator registers it; the statistics dashboard's totals move by
exactly the contract's amounts, and the Excel export carries the same figures.
"""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from mengkeju.catalog.tests.factories import AchievementFactory, DemandFactory
from mengkeju.deals.models import Deal, Registration, TechnicalContract
from mengkeju.deals.services import local_date
from mengkeju.deals.tests.factories import credit_code
from mengkeju.insights.synthetic import generate_registered_contracts
from mengkeju.network.models import Division, Organization, User

pytestmark = [pytest.mark.browser]
PASSWORD = "pass-word-123"
AMOUNT = Decimal("1234567.89")
EQUIPMENT = Decimal("34567.88")


def _login(page, username):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/workspace/")


def _user(username, role, org):
    user = User(username=username, role=role, organization=org)
    user.set_password(PASSWORD)
    user.save()
    return user


def _figures(page) -> dict[str, Decimal]:
    def read(name):  # amounts are shown as people read them (万元); the exact yuan are in data-value
        figure = page.locator(f"[data-figure={name}]")
        return Decimal(figure.get_attribute("data-value") or figure.inner_text().replace(",", ""))

    return {"count": read("count"), "amount": read("amount"), "transaction": read("transaction")}


def test_broker_turns_a_match_into_a_registered_contract_that_the_dashboard_counts(base_data, page_factory):
    year = local_date().year
    baotou = Organization.objects.get(code="baotou")
    hq = Organization.objects.get(code="hq")
    enterprise = Organization.objects.create(
        code="e-buyer",
        name="包头稀土永磁电机有限公司",
        kind=Organization.Kind.ENTERPRISE,
        division=Division.objects.get(code="150200"),
        credit_code=credit_code(1, "150200"),
    )
    university = Organization.objects.create(
        code="u-seller",
        name="内蒙古科技大学",
        kind=Organization.Kind.UNIVERSITY,
        division=Division.objects.get(code="150200"),
        credit_code=credit_code(2, "150200"),
    )
    demand = DemandFactory(owner=enterprise, title="永磁同步电机高温退磁攻关")
    AchievementFactory(owner=university, title="高矫顽力烧结钕铁硼磁体晶界扩散技术")
    _user("jingliren", User.Role.BROKER, baotou)
    _user("zongzhongxin", User.Role.HQ_OPERATOR, hq)
    # A history the new contract adds to: 40 registered contracts this year and before.
    generate_registered_contracts(40, seed=9, first_year=year - 1, last_year=year, with_parties=False)

    # 0. HQ reads this year's totals.
    hq_page = page_factory()
    _login(hq_page, "zongzhongxin")
    hq_page.goto(f"/statistics/?year={year}")
    before = _figures(hq_page)

    # 1. The broker opens the demand, sees the recommended achievement and opens a deal from it.
    page = page_factory()
    _login(page, "jingliren")
    page.goto(f"/demands/{demand.pk}/")
    page.wait_for_selector("#matches")
    assert "高矫顽力烧结钕铁硼磁体" in page.inner_text("#matches")
    page.click("#matches form.open-deal button")
    page.wait_for_url("**/deals/*/")
    deal = Deal.objects.get()
    assert (deal.demand_id, deal.buyer, deal.seller) == (demand.pk, enterprise, university)

    # 2. The broker drafts the parties' contract (parties filled in from the deal) and applies.
    page.click(f"a[href='/deals/{deal.pk}/contract/']")
    page.fill("#id_title", "钕铁硼磁体晶界扩散技术开发合同")
    page.select_option("#id_kind", "development")
    page.select_option("#id_sub_kind", "commissioned_development")
    page.fill("#id_amount_yuan", str(AMOUNT))
    page.fill("#id_equipment_yuan", str(EQUIPMENT))
    today = local_date()
    page.fill("#id_signed_on", today.isoformat())
    page.fill("#id_term_start", today.isoformat())
    page.fill("#id_term_end", (today + timedelta(days=365)).isoformat())
    assert page.input_value("#id_parties-0-credit_code") == university.credit_code
    assert page.input_value("#id_parties-1-credit_code") == enterprise.credit_code
    page.click("form.mk-form button[type=submit]")
    page.wait_for_url("**/deals/contracts/*/")
    contract = TechnicalContract.objects.get(deal=deal)
    assert contract.transaction_amount_yuan == AMOUNT - EQUIPMENT
    page.click(f"form[action='/deals/contracts/{contract.pk}/submit/'] button")
    page.wait_for_url(f"**/deals/contracts/{contract.pk}/")
    registration = Registration.objects.get(contract=contract)
    assert registration.status == Registration.Status.SUBMITTED

    # 3. HQ registers it from the queue.
    hq_page.goto("/deals/registrations/")
    hq_page.click(f"form[action='/deals/registrations/{registration.pk}/register/'] button")
    hq_page.wait_for_load_state()
    registration.refresh_from_db()
    assert registration.status == Registration.Status.REGISTERED
    assert registration.number.startswith(f"150000{year}")

    # 4. The dashboard's totals move by exactly the contract's amounts.
    hq_page.goto(f"/statistics/?year={year}")
    after = _figures(hq_page)
    assert after["count"] - before["count"] == 1
    assert after["amount"] - before["amount"] == AMOUNT
    assert after["transaction"] - before["transaction"] == AMOUNT - EQUIPMENT
    # Its charts are drawn by charts.js; the pies' tooltips show values with two decimals.
    for name in ("by_year", "by_quarter", "by_kind"):
        hq_page.wait_for_selector(f"[data-chart='{name}'] canvas")
    assert hq_page.evaluate("mkCharts.by_kind.getOption().tooltip[0].valueFormatter(1.5)") == "1.50"

    # 5. The Excel export carries the same figures.
    with hq_page.expect_download() as download:
        hq_page.click("#export-all")
    book = load_workbook(BytesIO(open(download.value.path(), "rb").read()))
    by_year = book.worksheets[0]
    assert by_year.title == "按年度"  # tabs in the reader's language
    rows = {str(r[0]): r for r in by_year.iter_rows(min_row=4, values_only=True)}
    count, amount, transaction = rows[str(year)][1:4]
    assert count == after["count"]
    assert Decimal(str(amount)).quantize(Decimal("0.01")) == after["amount"]
    assert Decimal(str(transaction)).quantize(Decimal("0.01")) == after["transaction"]
