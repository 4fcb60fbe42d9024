"""An enterprise books a pilot run on a rare-earth pilot line; the platform confirms a date; the run is
performed and its report uploaded (the achievement's TRL rises from 5 to 6 with the report as evidence)
and the fee recorded; the enterprise downloads the report and rates the service; the platform's page
(its service record for the yearly evaluation) and the service dashboard show the run."""

from pathlib import Path

import pytest

from mengkeju.bookings.models import Booking
from mengkeju.bookings.tests.factories import soon, world
from mengkeju.catalog.models import AchievementEvent
from mengkeju.core import clock

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "pass-word-123"


def _login(page, username):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/workspace/")


def _step(page, action):
    return page.locator(f".booking-step[data-action={action}]")


def test_an_enterprise_books_a_pilot_run_and_the_achievement_reaches_trl_6(base_data, page_factory, tmp_path):
    w = world()
    people, achievement = w["people"], w["achievement"]
    assert achievement.trl == 5

    enterprise = page_factory()
    _login(enterprise, people["enterprise"].username)
    enterprise.click("#nav-bookings")
    enterprise.get_by_role("link", name="烧结钕铁硼磁体中试").click()
    assert "晶界扩散烧结磁体中试线" in enterprise.inner_text("#line-name")
    enterprise.fill("#id_quantity", "1")
    enterprise.fill("#id_wished_from", soon(10).isoformat())
    enterprise.fill("#id_wished_to", soon(30).isoformat())
    enterprise.fill("#id_sample_description", "无重稀土配方速凝薄片 300 kg，验证晶界扩散工艺")
    enterprise.select_option("#id_achievement", str(achievement.pk))
    enterprise.click("#request-submit")
    enterprise.wait_for_url("**/bookings/*/")
    booking = Booking.objects.get()
    assert enterprise.get_attribute("#booking-status", "data-status") == "requested"

    provider = page_factory()
    _login(provider, people["provider"].username)
    provider.goto("/bookings/mine/")
    provider.locator(f"#bookings-received [data-booking='{booking.pk}'] a").click()
    _step(provider, "confirm").locator("#id_scheduled_on").fill(soon(12).isoformat())
    _step(provider, "confirm").locator("#id_price_yuan").fill("48000")
    _step(provider, "confirm").locator("button[type=submit]").click()
    provider.wait_for_selector("#booking-status[data-status=confirmed]")
    assert provider.inner_text("#scheduled-on") == soon(12).isoformat()

    report = tmp_path / "中试报告.pdf"
    report.write_bytes(b"%PDF-1.4 pilot run report: Hcj 25.3 kOe, no heavy rare earth")
    perform = _step(provider, "perform")
    perform.locator("#id_performed_on").fill(clock.local_date().isoformat())
    perform.locator("#id_report").set_input_files(str(report))
    perform.locator("#id_outcome_new_product").fill("无重稀土高矫顽力磁体")
    perform.locator("#id_outcome_process_validated").check()
    perform.locator("#id_outcome_trl").select_option("6")
    perform.locator("#id_raise_trl").check()
    perform.locator("button[type=submit]").click()
    provider.wait_for_selector("#booking-status[data-status=performed]")
    fee = _step(provider, "record_fee")
    fee.locator("#id_fee_yuan").fill("48000")
    fee.locator("button[type=submit]").click()
    provider.wait_for_selector("#booking-status[data-status=settled]")

    achievement.refresh_from_db()
    assert achievement.trl == 6
    evidence = AchievementEvent.objects.filter(listing=achievement).last()
    assert "5 → 6" in evidence.reason and str(booking.pk) in evidence.reason

    enterprise.reload()
    assert enterprise.inner_text("#achievement-trl") == "TRL 6"
    with enterprise.expect_download() as download:
        enterprise.click("#report-download")
    assert Path(download.value.path()).read_bytes() == report.read_bytes()
    rate = _step(enterprise, "rate")
    rate.locator("#id_rating").select_option("5")
    rate.locator("#id_comment").fill("工艺窗口摸得很清楚")
    rate.locator("button[type=submit]").click()
    enterprise.wait_for_selector("#booking-status[data-status=rated]")
    assert enterprise.inner_text("#rating").startswith("5 / 5")

    # Someone else cannot fetch the report.
    outsider = page_factory()
    _login(outsider, people["other_enterprise"].username)
    assert outsider.request.get(f"/bookings/{booking.pk}/report/").status == 404

    hq = page_factory()
    _login(hq, people["hq_operator"].username)
    hq.goto(f"/platforms/{w['platform'].pk}/")
    card = hq.locator("#platform-service-record")
    assert card.locator("[data-figure=served]").inner_text() == "1"
    assert card.locator("[data-figure=trl-raised]").inner_text() == "1"
    assert card.locator("[data-figure=satisfaction]").inner_text() == "5.00"
    hq.click("#platform-record-link")
    assert hq.locator(f"#record-runs [data-booking='{booking.pk}']").count() == 1
    hq.goto("/bookings/dashboard/")
    row = hq.locator(f"#by-publisher [data-key='platform-{w['platform'].pk}']")
    assert row.locator("[data-figure=served]").inner_text() == "1"
    assert hq.locator("#total-served").inner_text() == "1"
    hq.wait_for_selector("[data-chart=publishers] canvas")
