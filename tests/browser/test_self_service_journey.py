"""The network's users act for themselves, in headless Chromium against the live server, with e-mail
read from a real local SMTP server (aiosmtpd) after the worker's jobs ran:

1. a new enterprise signs up; the Baotou sub-center verifies it; it publishes a demand; the review outcome
   arrives in-app and by e-mail; it sends an inquiry (我要对接) on an achievement; the researcher answers
   in the thread; the broker turns the thread into a deal; the enterprise sees the deal's stage on its
   progress page;
2. a researcher's achievement is returned, and the researcher reads the reason in the notification and
   in the e-mail.
"""

import pytest

from mengkeju.catalog.models import Demand, Status
from mengkeju.catalog.tests.factories import AchievementFactory
from mengkeju.deals.rules import credit_code_check_character
from mengkeju.inquiries.models import Thread
from mengkeju.network.models import Division, Organization, User
from mengkeju.notifications.tests.smtp_server import local_smtp

pytestmark = [pytest.mark.browser]
PASSWORD = "pass-word-123"
CREDIT_CODE = "91150200MA0N7Q2K1" + credit_code_check_character("91150200MA0N7Q2K1")


@pytest.fixture
def smtp(settings):
    with local_smtp() as inbox:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", inbox.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.NOTIFY_BY_EMAIL = True
        yield inbox


def person(username, role, org, email=""):
    user = User(username=username, role=role, organization=org, email=email)
    user.set_password(PASSWORD)
    user.save()
    return user


def login(page, username):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/workspace/")


def mails_to(inbox, address):
    return [m for m in inbox.messages if address in m["X-Envelope-To"]]


def body_of(message) -> str:
    return message.get_body(preferencelist=("plain", "html")).get_content()


@pytest.fixture
def network(base_data):
    baotou = Organization.objects.get(kind="sub_center", serves_divisions__code="150200")
    university = Organization.objects.create(
        code="u-journey", name="包头示例理工大学", kind=Organization.Kind.UNIVERSITY, division=baotou.division
    )
    researcher = person("yanjiu", User.Role.MEMBER, university, "yanjiu@example.cn")
    achievement = AchievementFactory(
        owner=university,
        division=baotou.division,
        status=Status.PUBLISHED,
        title="耐高温烧结钕铁硼磁体制备技术",
        created_by=researcher,
    )
    return {
        "baotou": baotou,
        "staff": person("fenzhongxin", User.Role.SUBCENTER_STAFF, baotou),
        "broker": person("jingjiren", User.Role.BROKER, baotou),
        "researcher": researcher,
        "achievement": achievement,
    }


def test_a_new_enterprise_signs_up_publishes_inquires_and_follows_its_deal(
    network, page_factory, smtp, job_queue
):
    # 1. A new enterprise signs up: pending until the sub-center verifies it.
    page = page_factory()
    page.goto("/accounts/login/")
    page.click("a[href='/accounts/signup/']")
    page.fill("#id_username", "xinqiye")
    page.fill("#id_display_name", "王经理")
    page.fill("#id_password", PASSWORD)
    page.fill("#id_email", "wang@xinqiye.example.cn")
    page.select_option("#id_kind", "enterprise")
    page.fill("#id_name", "包头新材示例有限公司")
    page.fill("#id_credit_code", CREDIT_CODE[:-1] + ("0" if CREDIT_CODE[-1] != "0" else "1"))
    page.select_option("#id_division", str(Division.objects.get(code="150200").pk))
    page.fill("#id_responsible_person", "王经理")
    page.click("#signup-form button[type=submit]")
    # A wrong check character is refused next to the field, in Chinese, and nothing is written.
    error = page.locator("#id_credit_code ~ .invalid-feedback").inner_text()
    assert "校验" in error or "统一社会信用代码" in error, error
    assert not Organization.objects.filter(name="包头新材示例有限公司").exists()
    page.fill("#id_password", PASSWORD)
    page.fill("#id_credit_code", CREDIT_CODE)
    page.click("#signup-form button[type=submit]")
    page.wait_for_url("**/accounts/organization/")
    enterprise = Organization.objects.get(name="包头新材示例有限公司")
    assert enterprise.verification == Organization.Verification.PENDING

    # 2. The Baotou sub-center verifies it from its queue.
    staff = page_factory()
    login(staff, "fenzhongxin")
    staff.click(f"#verification-queue a[href='/accounts/verifications/{enterprise.code}/']")
    staff.click("button[name=decision][value=approve]")
    staff.wait_for_load_state()
    enterprise.refresh_from_db()
    assert enterprise.verification == Organization.Verification.VERIFIED

    # 3. It publishes a demand; the sub-center publishes it after review.
    page.goto("/demands/new/")
    page.fill("#id_title", "烧结钕铁硼高温退磁攻关")
    page.fill("#id_problem", "我公司电机磁钢在180℃工况下出现不可逆退磁，寻求耐高温磁体方案。")
    page.check('input[name=chain_links][value="rare-earth.applications"]')
    page.select_option("#id_division", "150200")
    page.fill("#id_budget_yuan", "800000")
    page.check("input[name=cooperation_modes][value=joint_development]")
    page.click("button[name=submit]")
    page.wait_for_selector("text=待审核")
    demand = Demand.objects.get(title="烧结钕铁硼高温退磁攻关")
    staff.goto("/workspace/")
    staff.click("#review-queue >> text=烧结钕铁硼高温退磁攻关")
    staff.click("button[data-action=publish]")
    staff.wait_for_selector(".alert-success")
    demand.refresh_from_db()
    assert demand.status == Status.PUBLISHED

    # 4. The outcome arrives in-app, and by e-mail once the worker ran (never inside the request).
    assert mails_to(smtp, "wang@xinqiye.example.cn") == []
    page.goto("/notifications/")
    assert "烧结钕铁硼高温退磁攻关" in page.locator("#notification-list").inner_text()
    job_queue()
    mails = [m for m in mails_to(smtp, "wang@xinqiye.example.cn") if "烧结钕铁硼高温退磁攻关" in body_of(m)]
    assert len(mails) == 1

    # 5. It sends an inquiry on the researcher's achievement.
    achievement = network["achievement"]
    page.goto(f"/achievements/{achievement.pk}/")
    page.click(".inquire-button")
    page.fill("#id_body", "我们希望引进耐高温磁体制备技术，用于驱动电机量产。")
    page.fill("#id_budget_min_yuan", "500000")
    page.fill("#id_budget_max_yuan", "1500000")
    page.click("#inquiry-form button[type=submit]")
    page.wait_for_url("**/inquiries/*/")
    thread = Thread.objects.get(inquirer=enterprise)
    assert thread.achievement_id == achievement.pk and thread.sub_center == network["baotou"]

    # 6. The researcher answers in the thread.
    researcher = page_factory()
    login(researcher, "yanjiu")
    researcher.goto("/inquiries/")
    researcher.click(f"a[href='/inquiries/{thread.pk}/']")
    researcher.fill("textarea[name=body]", "欢迎来校交流，可先提供小批量样品测试。")
    researcher.click("#reply-form button[type=submit]")
    researcher.wait_for_selector("text=欢迎来校交流")
    page.goto(f"/inquiries/{thread.pk}/")
    assert "欢迎来校交流，可先提供小批量样品测试。" in page.content()

    # 7. The broker turns the thread into a deal.
    broker = page_factory()
    login(broker, "jingjiren")
    broker.goto(f"/inquiries/{thread.pk}/")
    broker.click("#convert-to-deal")
    broker.wait_for_selector("#thread-deal")
    thread.refresh_from_db()
    assert thread.deal is not None and thread.deal.buyer == enterprise

    # 8. The enterprise follows the deal's stage on its progress page.
    page.goto("/progress/")
    assert page.locator(f"[data-thread='{thread.pk}'] .progress-deal-stage").inner_text() == "意向"
    assert page.locator("#progress-demands").inner_text().count("烧结钕铁硼高温退磁攻关") == 1


def test_a_returned_achievement_tells_the_researcher_why_in_app_and_by_email(
    network, page_factory, smtp, job_queue
):
    researcher = network["researcher"]
    achievement = AchievementFactory(
        owner=researcher.organization,
        division=network["baotou"].division,
        title="稀土永磁废料短流程再生工艺",
        status=Status.SUBMITTED,
        created_by=researcher,
    )
    staff = page_factory()
    login(staff, "fenzhongxin")
    staff.click("#review-queue >> text=稀土永磁废料短流程再生工艺")
    staff.fill("form:has(button[data-action=return]) textarea[name=reason]", "请补充中试数据和知识产权证明。")
    staff.click("button[data-action=return]")
    staff.wait_for_selector(".alert-success")
    achievement.refresh_from_db()
    assert achievement.status == Status.RETURNED

    page = page_factory()
    login(page, "yanjiu")
    page.goto("/notifications/")
    assert "请补充中试数据和知识产权证明。" in page.locator("#notification-list").inner_text()
    job_queue()
    mails = mails_to(smtp, "yanjiu@example.cn")
    assert len(mails) == 1 and "请补充中试数据和知识产权证明。" in body_of(mails[0])
