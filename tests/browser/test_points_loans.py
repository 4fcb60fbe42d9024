"""创新积分贷 in a browser: an enterprise consents on its points page, a bank sees the consenting
enterprises scoring at least the region's threshold, records a loan granted to one of them, and
headquarters' financing figure for the year rises by its amount."""

from decimal import Decimal
from pathlib import Path

import pytest

from mengkeju.core import clock
from mengkeju.network.models import Organization, Region, User
from mengkeju.points.models import Score
from mengkeju.points.services import load_points_system, recompute_scores
from mengkeju.points.synthetic import generate_enterprises

pytestmark = [pytest.mark.browser]
REGION_DIR = Path(__file__).resolve().parents[2] / "regions" / "inner-mongolia"
PASSWORD = "pass-word-123"
YEAR = 2025


def _user(username, role, org):
    user = User(username=username, role=role, organization=org)
    user.set_password(PASSWORD)
    user.save()
    return user


def _login(page, username):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/workspace/")


def _financing(page, year: int) -> Decimal:
    page.goto("/points/financing/")
    cell = page.locator(f"#financing-per-year tr[data-year='{year}']")
    if cell.count() == 0:
        return Decimal(0)
    text = cell.locator("td").nth(3).inner_text()  # e.g. 150万元
    assert text.endswith("万元"), text
    return Decimal(text.removesuffix("万元")) * 10_000


def test_a_bank_sees_consenting_enterprises_above_the_threshold_records_a_loan_and_hq_sees_it(
    base_data, page_factory
):
    load_points_system(REGION_DIR)
    ids = generate_enterprises(20, YEAR, seed=7)
    recompute_scores(YEAR)
    ranked = list(Score.objects.filter(year=YEAR, organization_id__in=ids).order_by("rank"))
    # The threshold sits between the best and the worst of the cohort: set it to the median's total.
    threshold = ranked[len(ranked) // 2].total
    Region.objects.update(
        parameters={**Region.objects.get().parameters, "points_loan_min_score": str(threshold)}
    )
    above, below, silent = ranked[0], ranked[-1], ranked[1]
    assert above.total >= threshold > below.total and silent.total >= threshold
    for n, score in enumerate((above, below)):
        _user(f"qiye{n}", User.Role.MEMBER, score.organization)
    bank = Organization.objects.create(
        code="demo-bank",
        name="内蒙古示例银行",
        kind=Organization.Kind.INVESTOR,
        division=above.organization.division,
    )
    _user("yinhang", User.Role.MEMBER, bank)
    _user("zongzhongxin", User.Role.HQ_OPERATOR, Organization.objects.get(code="hq"))
    year_now = clock.local_date().year

    hq = page_factory()
    _login(hq, "zongzhongxin")
    before = _financing(hq, year_now)

    # 1. Two enterprises consent on their points pages (one above the threshold, one below); a third does not.
    for n in range(2):
        page = page_factory()
        _login(page, f"qiye{n}")
        page.goto(f"/points/enterprise/?year={YEAR}")
        page.click("#consent-give")
        assert page.locator("#consent-withdraw").count() == 1

    # 2. The bank sees only the consenting enterprise above the threshold and records a granted loan.
    bank_page = page_factory()
    _login(bank_page, "yinhang")
    bank_page.goto(f"/points/loans/?year={YEAR}")
    rows = bank_page.locator("#loan-ranking tbody tr[data-credit-code]")
    assert rows.count() == 1
    assert above.organization.name in bank_page.inner_text("#loan-ranking")
    assert below.organization.name not in bank_page.inner_text("#loan-ranking")
    assert silent.organization.name not in bank_page.inner_text("#loan-ranking")
    row = bank_page.locator(f"#loan-ranking tr[data-credit-code='{above.organization.credit_code}']")
    row.locator("input[name=amount_yuan]").fill("1500000")
    row.locator("input[name=rate_percent]").fill("3.45")
    row.locator("input[name=term_months]").fill("12")
    row.locator("input[name=granted]").check()
    row.locator("button[type=submit]").click()
    bank_page.wait_for_selector(".alert-success")
    loans = bank_page.inner_text("#points-loans")
    assert above.organization.name in loans and "150万元" in loans

    # 3. Headquarters' financing figure for the year rises by the loan's amount.
    assert _financing(hq, year_now) == before + Decimal("1500000")
    hq.wait_for_selector("#chart-financing canvas")
    hq.goto(f"/statistics/?year={year_now}")
    assert hq.locator("[data-figure=points-financing]").get_attribute("data-yuan") == "1500000.00"
