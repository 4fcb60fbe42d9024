"""The 我要对接 journey on pages (button, form, HTMX reply, deal links) and through the API."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from mengkeju.catalog.models import Status
from mengkeju.catalog.tests.factories import AchievementFactory
from mengkeju.inquiries import services
from mengkeju.inquiries.models import Attachment, Message, Thread

from .conftest import PDF, pdf

pytestmark = pytest.mark.django_db


def test_the_detail_page_offers_the_button_and_the_form_sends(client, cast, achievement):
    client.force_login(cast["buyer"])
    detail = client.get(reverse("catalog:achievement-detail", args=[achievement.pk])).content.decode()
    form_url = reverse("inquiries:new", args=["achievement", achievement.pk])
    assert form_url in detail and "我要对接" in detail
    response = client.post(
        form_url,
        {
            "body": "希望了解转让价格",
            "budget_min_yuan": "10000",
            "budget_max_yuan": "20000",
            "preferred_contact": "phone",
            "files": [pdf()],
        },
    )
    thread = Thread.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "inquiries:thread", args=[thread.pk]
    )
    assert thread.preferred_contact == "phone" and thread.messages.get().attachments.count() == 1


def test_a_draft_listing_has_no_button_and_no_form(client, cast):
    draft = AchievementFactory(owner=cast["university"], status=Status.DRAFT)
    client.force_login(cast["buyer"])
    assert client.get(reverse("inquiries:new", args=["achievement", draft.pk])).status_code == 404
    assert (
        client.post(reverse("inquiries:new", args=["achievement", draft.pk]), {"body": "x"}).status_code
        == 404
    )
    assert not Thread.objects.exists()


def test_the_form_shows_a_localized_error_and_writes_nothing(client, cast, achievement, settings):
    settings.INQUIRY_ATTACHMENT_MAX_BYTES = 100
    client.force_login(cast["buyer"])
    url = reverse("inquiries:new", args=["achievement", achievement.pk])
    response = client.post(url, {"body": "你好", "preferred_contact": "platform", "files": [pdf()]})
    assert response.status_code == 400 and "超过" in response.content.decode()
    response = client.post(
        url, {"body": "你好", "preferred_contact": "platform", "files": [SimpleUploadedFile("x.exe", b"MZ")]}
    )
    assert response.status_code == 400 and "不接受" in response.content.decode()
    assert not Thread.objects.exists() and not Attachment.objects.exists()


def test_flooding_the_form_answers_429_in_chinese(client, cast, settings):
    settings.INQUIRIES_PER_HOUR = 1
    first, second = AchievementFactory(owner=cast["university"]), AchievementFactory(owner=cast["university"])
    client.force_login(cast["buyer"])
    data = {"body": "你好", "preferred_contact": "platform"}
    assert client.post(reverse("inquiries:new", args=["achievement", first.pk]), data).status_code == 302
    response = client.post(reverse("inquiries:new", args=["achievement", second.pk]), data)
    assert response.status_code == 429 and "一小时" in response.content.decode()
    assert Thread.objects.count() == 1


def test_htmx_reply_returns_the_messages_with_read_receipts(client, cast, thread):
    client.force_login(cast["researcher"])
    client.get(reverse("inquiries:thread", args=[thread.pk]))  # the researcher reads the inquiry
    response = client.post(
        reverse("inquiries:reply", args=[thread.pk]),
        {"body": "可以提供技术资料", "files": [pdf("data.pdf")]},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200 and 'id="thread-messages"' in html and "<html" not in html
    assert "可以提供技术资料" in html and "data.pdf" in html
    assert str(cast["researcher"]) in html  # the inquiry shows it was read by the researcher
    bad = client.post(reverse("inquiries:reply", args=[thread.pk]), {"body": "  "}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 400 and Message.objects.filter(thread=thread).count() == 2


def test_the_broker_converts_on_the_page_and_the_deal_links_back(client, cast, thread):
    client.force_login(cast["broker_in_scope"])
    client.post(reverse("inquiries:convert", args=[thread.pk]))
    thread.refresh_from_db()
    assert thread.deal is not None
    thread_page = client.get(reverse("inquiries:thread", args=[thread.pk])).content.decode()
    assert (
        'id="thread-deal"' in thread_page
        and reverse("deals:deal-detail", args=[thread.deal.pk]) in thread_page
    )
    deal_page = client.get(reverse("deals:deal-detail", args=[thread.deal.pk])).content.decode()
    assert reverse("inquiries:thread", args=[thread.pk]) in deal_page
    board = client.get(reverse("deals:board")).content.decode()
    assert reverse("inquiries:thread", args=[thread.pk]) in board
    client.force_login(cast["buyer"])  # the enterprise sees the deal's stage on its thread and inbox
    assert "意向" in client.get(reverse("inquiries:inbox")).content.decode()


def test_the_broker_closes_on_the_page_with_a_reason(client, cast, thread):
    client.force_login(cast["broker_in_scope"])
    client.post(reverse("inquiries:close", args=[thread.pk]), {"reason": ""})
    thread.refresh_from_db()
    assert thread.is_open
    client.post(reverse("inquiries:close", args=[thread.pk]), {"reason": "成果已独家许可他人"})
    client.force_login(cast["buyer"])
    html = client.get(reverse("inquiries:thread", args=[thread.pk])).content.decode()
    assert "成果已独家许可他人" in html and 'id="reply-form"' not in html


def test_the_api_journey(cast, achievement, settings):
    buyer, researcher, broker = (APIClient() for _ in range(3))
    buyer.force_authenticate(cast["buyer"])
    researcher.force_authenticate(cast["researcher"])
    broker.force_authenticate(cast["broker_in_scope"])
    created = buyer.post(
        "/api/inquiries/threads/",
        {"kind": "achievement", "listing": achievement.pk, "body": "API 询问", "files": [pdf()]},
        format="multipart",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["sub_center"] == cast["broker_in_scope"].organization.code
    assert researcher.post(f"/api/inquiries/threads/{pk}/reply/", {"body": "收到"}).status_code == 201
    receipt = buyer.post(f"/api/inquiries/threads/{pk}/read/")
    assert receipt.status_code == 200 and receipt.json()["user"] == str(cast["buyer"])
    detail = buyer.get(f"/api/inquiries/threads/{pk}/").json()
    assert [m["body"] for m in detail["messages"]] == ["API 询问", "收到"]
    assert detail["messages"][0]["attachments"][0]["url"].startswith(f"/inquiries/{pk}/attachments/")
    deal = broker.post(f"/api/inquiries/threads/{pk}/convert/")
    assert deal.status_code == 201 and deal.json()["achievement"] == achievement.pk
    assert buyer.get(f"/api/inquiries/threads/{pk}/").json()["deal"] == deal.json()["id"]


def test_the_api_refusals_are_localized_and_write_nothing(cast, orgs, achievement, settings):
    api = APIClient()
    api.force_authenticate(cast["buyer"])
    draft = AchievementFactory(owner=cast["university"], status=Status.DRAFT)
    response = api.post("/api/inquiries/threads/", {"kind": "achievement", "listing": draft.pk, "body": "x"})
    assert response.status_code == 400 and response.json()["codes"]["listing"] == ["not_published"]
    assert "未发布" in response.json()["listing"][0] and draft.title not in str(response.json())
    missing = api.post("/api/inquiries/threads/", {"kind": "achievement", "listing": 999999, "body": "x"})
    assert missing.status_code == 400 and missing.json() == {**response.json()}
    settings.INQUIRY_ATTACHMENT_MAX_BYTES = 100
    big = SimpleUploadedFile("big.pdf", PDF)
    response = api.post(
        "/api/inquiries/threads/",
        {"kind": "achievement", "listing": achievement.pk, "body": "x", "files": [big]},
        format="multipart",
    )
    assert response.status_code == 400 and response.json()["codes"]["files"] == ["too_large"]
    settings.INQUIRIES_PER_HOUR = 0
    response = api.post(
        "/api/inquiries/threads/", {"kind": "achievement", "listing": achievement.pk, "body": "x"}
    )
    assert response.status_code == 429 and response.json()["code"] == "rate_limited"
    assert "一小时" in response.json()["detail"]
    orgs["enterprise"].verification = "pending"
    orgs["enterprise"].save()
    response = api.post(
        "/api/inquiries/threads/", {"kind": "achievement", "listing": achievement.pk, "body": "x"}
    )
    assert response.status_code == 403 and "认证" in response.json()["detail"]
    assert not Thread.objects.exists() and not Attachment.objects.exists()


def test_the_thread_page_and_inbox_queries_do_not_grow_with_messages(client, cast, thread, settings):
    settings.INQUIRIES_PER_HOUR = 100
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(cast["buyer"])

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    page, inbox = reverse("inquiries:thread", args=[thread.pk]), reverse("inquiries:inbox")
    small = queries(page), queries(inbox)
    for n in range(20):
        services.reply(thread, by=cast["researcher"], body=f"消息{n}", uploads=[pdf(f"f{n}.pdf")])
        services.send_inquiry(
            "achievement",
            AchievementFactory(owner=cast["university"]),
            by=cast["buyer_colleague"],
            body="另一项",
        )
    assert (queries(page), queries(inbox)) == small
