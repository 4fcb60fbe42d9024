"""Saved searches notify their owner (in-app) when a newly published record matches."""

import pytest
from django.core.exceptions import ValidationError

from mengkeju.catalog import services as catalog_services
from mengkeju.catalog.models import Action, Status
from mengkeju.catalog.tests.factories import AchievementFactory
from mengkeju.matching import services
from mengkeju.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_new_match_notifies_once_and_other_records_do_not(
    people, orgs, client, django_capture_on_commit_callbacks
):
    watcher = people["other_member"]
    services.save_search(watcher, kind="achievement", query="乳清蛋白", chain="dairy")
    services.save_search(watcher, kind="achievement", query="乳清蛋白")  # the same again: kept once
    assert watcher.saved_searches.count() == 2
    match = AchievementFactory(
        title="乳清蛋白陶瓷膜浓缩",
        summary="陶瓷膜两级浓缩，乳清蛋白回收率92%。",
        chain_links=["dairy.byproducts"],
        status=Status.SUBMITTED,
        owner=orgs["enterprise"],
    )
    other = AchievementFactory(title="烧结钕铁硼磁体", status=Status.SUBMITTED, owner=orgs["enterprise"])
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.transition(match, Action.PUBLISH, by=people["hq_operator"])
        catalog_services.transition(other, Action.PUBLISH, by=people["hq_operator"])
    notes = Notification.objects.filter(user=watcher)
    assert notes.count() == 2  # one per saved search, none for the unrelated record
    assert all(str(match.pk) in n.url for n in notes)
    client.force_login(watcher)
    assert "乳清蛋白陶瓷膜浓缩" in client.get("/workspace/").content.decode()
    response = client.get(f"/notifications/{notes.first().pk}/")
    assert response.status_code == 302 and response["Location"].endswith(f"/achievements/{match.pk}/")
    assert notes.filter(read_at__isnull=False).count() == 1


@pytest.mark.parametrize(
    ("kind", "query", "chain"),
    [("tea", "x", ""), ("achievement", "", ""), ("achievement", "x" * 201, ""), ("demand", "磁体", "tea")],
)
def test_bad_subscriptions_are_refused(people, kind, query, chain):
    with pytest.raises(ValidationError):
        services.save_search(people["owner"], kind=kind, query=query, chain=chain)
    assert not people["owner"].saved_searches.exists()


def test_subscribe_from_the_search_page(client, people):
    client.force_login(people["owner"])
    response = client.post("/subscriptions/", {"kind": "demand", "q": "退磁", "next": "/demands/?q=退磁"})
    assert response.status_code == 302
    assert people["owner"].saved_searches.get().query == "退磁"
    assert client.post("/subscriptions/", {"kind": "demand", "q": ""}).status_code == 302
    assert people["owner"].saved_searches.count() == 1


def test_notifications_are_private(client, people):
    services.save_search(people["owner"], kind="demand", query="退磁")
    note = Notification.objects.create(user=people["owner"], message="m", url="/demands/1/")
    client.force_login(people["other_member"])
    assert client.get(f"/notifications/{note.pk}/").status_code == 404
