"""A large contract in the HQ registration queue: days left, the expert-review step, registration, and the
public verification page an anonymous visitor reaches from the certificate's address (docs/deals.md)."""

import os
from decimal import Decimal

import pytest

from mengkeju.deals import services
from mengkeju.deals.tests.factories import make_contract, seller_member
from mengkeju.network.models import Organization, User

pytestmark = [pytest.mark.browser]
PASSWORD = "pass-word-123"
SHOTS = os.environ.get("MENGKEJU_SCREENSHOTS", "")


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_hq_reviews_a_large_contract_with_experts_and_anyone_verifies_the_certificate(
    base_data, page_factory
):
    contract = make_contract(amount_yuan=Decimal("6000000.00"), title="大额稀土永磁技术开发合同")
    registration = services.submit_contract(contract, by=seller_member(contract))
    assert registration.needs_expert_review
    operator = User(
        username="zongbu", role=User.Role.HQ_OPERATOR, organization=Organization.objects.get(code="hq")
    )
    operator.set_password(PASSWORD)
    operator.save()

    page = page_factory()
    page.goto("/accounts/login/")
    page.fill("#id_username", "zongbu")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/workspace/")
    page.goto("/deals/registrations/")
    card = page.locator(f"[data-registration='{registration.pk}']")
    assert card.locator("[data-needs-expert-review]").count() == 1
    assert card.locator("[data-days-left]").count() == 1
    assert card.locator(f"form[action='/deals/registrations/{registration.pk}/register/']").count() == 0
    _shot(page, "queue-expert-review")
    card.locator("input[name=opinion]").fill("专家组论证：技术交易额真实，同意登记")
    card.locator(f"form[action='/deals/registrations/{registration.pk}/expert-review/'] button").click()
    page.wait_for_load_state()
    card = page.locator(f"[data-registration='{registration.pk}']")
    card.locator(f"form[action='/deals/registrations/{registration.pk}/register/'] button").click()
    page.wait_for_url("**/deals/registrations/")
    registration.refresh_from_db()
    assert registration.status == "registered" and registration.verification_code

    page.goto(f"/deals/contracts/{contract.pk}/")
    assert page.inner_text("[data-verification-code]") == registration.verification_code
    assert page.locator("[data-benefits] li").count() == 2  # development: VAT and inventor rewards
    _shot(page, "contract-registered")
    href = page.get_attribute("a[href^='/deals/verify/']", "href")

    visitor = page_factory()
    visitor.goto(href)
    assert visitor.get_attribute("[data-verification-result]", "data-result") == "valid"
    text = visitor.inner_text("main") if visitor.locator("main").count() else visitor.inner_text("body")
    assert "6,000,000" not in text and contract.title not in text
    _shot(visitor, "verify-valid")
