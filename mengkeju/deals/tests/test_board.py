"""The sub-center board: deals by stage, overdue follow-ups (N working days), conversion to contracts."""

from datetime import datetime, time, timedelta

import pytest

from mengkeju.catalog.tests.factories import DemandFactory
from mengkeju.core import clock
from mengkeju.deals import selectors, services
from mengkeju.deals.models import Deal
from mengkeju.deals.working_days import add_working_days

from .factories import DealFactory, make_contract, node, seller_member

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
Stage = Deal.Stage


def at(day):
    return datetime.combine(day, time(10, 0), tzinfo=clock.region_timezone())


def test_overdue_after_n_working_days_without_contact(broker, set_region_parameter):
    set_region_parameter("demand_follow_up_working_days", 3)
    today = clock.local_date()
    due = selectors.follow_up(today)
    assert due.working_days == 3
    fresh = DealFactory(broker=broker)
    stale = DealFactory(broker=broker)
    Deal.objects.filter(pk=stale.pk).update(created_at=at(due.contact_before - timedelta(days=1)))
    contacted = DealFactory(broker=broker)
    Deal.objects.filter(pk=contacted.pk).update(
        created_at=at(today - timedelta(days=60)), last_contacted_at=at(due.contact_before)
    )
    closed = DealFactory(broker=broker, stage=Stage.TERMINATED)
    Deal.objects.filter(pk=closed.pk).update(created_at=at(today - timedelta(days=60)))
    overdue = set(selectors.overdue_deals(Deal.objects.all(), due).values_list("pk", flat=True))
    assert overdue == {stale.pk}
    assert fresh.pk not in overdue
    # The cut-off is exactly N working days back.
    calendar = selectors.region_calendar()
    assert add_working_days(due.contact_before, 3, calendar) >= today
    assert add_working_days(due.contact_before - timedelta(days=1), 3, calendar) < today


def test_routed_demands_without_a_deal_are_overdue(broker):
    due = selectors.follow_up()
    old = DemandFactory(published_at=at(due.contact_before - timedelta(days=2)))
    taken = DemandFactory(published_at=at(due.contact_before - timedelta(days=2)))
    DealFactory(demand=taken)
    DemandFactory(published_at=at(clock.local_date()))  # just published
    baotou = set(selectors.overdue_demands(node("baotou"), due).values_list("pk", flat=True))
    chifeng = set(selectors.overdue_demands(node("chifeng"), due).values_list("pk", flat=True))
    assert old.pk in baotou and taken.pk not in baotou
    assert old.pk not in chifeng  # routed to Baotou, not Chifeng


def test_conversion_counts_deals_that_reached_signing_and_registration(broker, registrar):
    opened = [DealFactory(broker=broker) for _ in range(4)]
    services.transition_deal(opened[0], Stage.NEGOTIATION, by=broker)
    services.transition_deal(opened[0], Stage.SIGNED, by=broker)
    services.transition_deal(opened[0], Stage.TERMINATED, by=broker, note="对方违约")  # signed, then ended
    services.transition_deal(opened[1], Stage.NEGOTIATION, by=broker)
    contract = make_contract(deal=opened[1])
    services.register(services.submit_contract(contract, by=seller_member(contract)), by=registrar)
    DealFactory(sub_center=node("chifeng"))
    rows = {row["sub_center_id"]: row for row in selectors.conversion(Deal.objects.all())}
    baotou = rows[node("baotou").pk]
    assert (baotou["opened"], baotou["signed"], baotou["registered"]) == (4, 2, 1)
    assert baotou["signed_rate"] == 0.5
    assert rows[node("chifeng").pk]["opened"] == 1


def test_board_shows_columns_overdue_and_conversion(client, staff, broker):
    deal = DealFactory(broker=broker, title="看板上的撮合项目")
    Deal.objects.filter(pk=deal.pk).update(created_at=at(clock.local_date() - timedelta(days=30)))
    DealFactory(sub_center=node("chifeng"), title="别的分中心的项目")
    client.force_login(staff)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get("/deals/board/").content.decode()
    assert "看板上的撮合项目" in page and "别的分中心的项目" not in page
    assert 'class="overdue-deal"' in page
    assert 'id="conversion"' in page


def test_hq_chooses_the_sub_center(client, registrar):
    DealFactory(sub_center=node("chifeng"), title="赤峰的项目")
    client.force_login(registrar)
    assert "赤峰的项目" in client.get("/deals/board/").content.decode()
    assert "赤峰的项目" not in client.get("/deals/board/?sub_center=baotou").content.decode()
    assert client.get("/deals/board/?sub_center=nowhere").status_code == 404
