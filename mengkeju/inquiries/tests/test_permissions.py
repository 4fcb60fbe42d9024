"""Nobody outside the thread reads it — pages, files and API, for every role."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from mengkeju.deals.models import Deal
from mengkeju.inquiries.models import Message, Thread

pytestmark = pytest.mark.django_db

INSIDE = ["buyer", "buyer_colleague", "researcher", "staff_in_scope", "broker_in_scope", "platform_admin"]
OUTSIDE = ["other_member", "staff_out_of_scope", "hq_operator", "expert"]
BROKERS = ["staff_in_scope", "broker_in_scope", "platform_admin"]


def page_client(client, user):
    if user is not None:
        client.force_login(user)
    return client


def api_client(user):
    api = APIClient()
    if user is not None:
        api.force_authenticate(user)
    return api


def urls(thread):
    attachment = thread.messages.get().attachments.get()
    return [
        reverse("inquiries:thread", args=[thread.pk]),
        reverse("inquiries:attachment", args=[thread.pk, attachment.pk]),
        f"/api/inquiries/threads/{thread.pk}/",
    ]


@pytest.mark.parametrize("who", INSIDE)
def test_the_people_of_the_thread_read_it_and_its_files(client, cast, thread, who):
    c = page_client(client, cast[who])
    page, download, api = urls(thread)
    response = c.get(page)
    assert response.status_code == 200 and "我们想了解该技术的许可条件" in response.content.decode()
    download_response = c.get(download)
    assert download_response.status_code == 200
    assert b"".join(download_response.streaming_content).startswith(b"%PDF")
    assert download_response["Cache-Control"] == "private, no-store"
    body = api_client(cast[who]).get(api).json()
    assert body["messages"][0]["body"] == "我们想了解该技术的许可条件。"
    assert [t["id"] for t in api_client(cast[who]).get("/api/inquiries/threads/").json()["results"]] == [
        thread.pk
    ]


@pytest.mark.parametrize("who", OUTSIDE)
def test_outsiders_get_not_found_everywhere(client, cast, thread, who):
    c = page_client(client, cast[who])
    for url in urls(thread)[:2]:
        assert c.get(url).status_code == 404
    assert c.post(reverse("inquiries:reply", args=[thread.pk]), {"body": "偷看"}).status_code == 404
    assert c.post(reverse("inquiries:convert", args=[thread.pk])).status_code == 404
    assert c.post(reverse("inquiries:close", args=[thread.pk]), {"reason": "x"}).status_code == 404
    api = api_client(cast[who])
    assert api.get(urls(thread)[2]).status_code == 404
    assert api.get("/api/inquiries/threads/").json()["results"] == []
    for action, data in (("reply", {"body": "x"}), ("read", {}), ("convert", {}), ("close", {"reason": "x"})):
        assert api.post(f"/api/inquiries/threads/{thread.pk}/{action}/", data).status_code == 404
    assert c.get(reverse("inquiries:inbox")).content.decode().count("thread-row") == 0
    assert thread.messages.count() == 1 and not thread.receipts.filter(user=cast[who]).exists()
    thread.refresh_from_db()
    assert thread.is_open and not Deal.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in_and_the_api_refuses(client, cast, thread):
    for url in [
        *urls(thread)[:2],
        reverse("inquiries:inbox"),
        reverse("inquiries:new", args=["achievement", 1]),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.post(reverse("inquiries:reply", args=[thread.pk]), {"body": "x"}).status_code == 302
    assert APIClient().get(urls(thread)[2]).status_code in (401, 403)
    assert APIClient().get("/api/inquiries/threads/").status_code in (401, 403)
    assert APIClient().post("/api/inquiries/threads/", {"kind": "achievement", "listing": 1}).status_code in (
        401,
        403,
    )
    assert Message.objects.count() == 1


def test_the_sub_center_list_shows_only_its_own_threads(client, cast, thread):
    client.force_login(cast["broker_in_scope"])
    assert f'data-thread="{thread.pk}"' in client.get(reverse("inquiries:node")).content.decode()
    client.force_login(cast["staff_out_of_scope"])
    assert f'data-thread="{thread.pk}"' not in client.get(reverse("inquiries:node")).content.decode()
    client.force_login(cast["buyer"])
    assert client.get(reverse("inquiries:node")).status_code == 404
    assert f'data-thread="{thread.pk}"' in client.get(reverse("inquiries:inbox")).content.decode()


@pytest.mark.parametrize("who", ["buyer", "researcher"])
def test_the_parties_neither_convert_nor_close(client, cast, thread, who):
    client.force_login(cast[who])
    assert "convert-to-deal" not in client.get(reverse("inquiries:thread", args=[thread.pk])).content.decode()
    client.post(reverse("inquiries:convert", args=[thread.pk]))
    client.post(reverse("inquiries:close", args=[thread.pk]), {"reason": "不想谈了"})
    api = api_client(cast[who])
    assert api.post(f"/api/inquiries/threads/{thread.pk}/convert/").status_code == 403
    assert api.post(f"/api/inquiries/threads/{thread.pk}/close/", {"reason": "x"}).status_code == 403
    thread.refresh_from_db()
    assert thread.status == Thread.Status.OPEN and not Deal.objects.exists()


@pytest.mark.parametrize("who", BROKERS)
def test_the_routed_sub_center_sees_the_broker_actions(client, cast, thread, who):
    client.force_login(cast[who])
    html = client.get(reverse("inquiries:thread", args=[thread.pk])).content.decode()
    assert "convert-to-deal" in html and "close-thread" in html
