"""Per-person, per-kind preferences (immediately / daily digest / off), honoured by notify(), the e-mail
job and the daily digest, with a real local SMTP server reading what arrives."""

from datetime import datetime

import pytest
from django.test import Client

from mengkeju.core import clock
from mengkeju.jobs import schedule
from mengkeju.network.tests.factories import UserFactory
from mengkeju.notifications import services
from mengkeju.notifications.models import Notification, Preference
from mengkeju.notifications.tasks import send_emails

pytestmark = pytest.mark.django_db
Kind, Mode = Notification.Kind, Preference.Mode


def _to(message) -> str:
    return message["X-Envelope-To"]


def test_immediately_is_the_default_and_the_mail_arrives_only_from_the_worker(smtp, job_queue):
    li = UserFactory(email="li@example.cn")
    services.notify([li], "您的需求已发布", "/demands/7/", kind=Kind.REVIEW)
    assert smtp.messages == []  # nothing is sent inside the request
    job_queue()
    assert [_to(m) for m in smtp.messages] == ["li@example.cn"]
    assert "您的需求已发布" in smtp.messages[0]["Subject"]
    assert "https://mkj.example.cn/demands/7/" in smtp.messages[0].get_content()


def test_off_writes_nothing_and_sends_nothing(smtp, job_queue):
    li, wang = UserFactory(email="li@example.cn"), UserFactory(email="wang@example.cn")
    services.set_preferences(li, {Kind.DEAL: Mode.OFF})
    services.notify([li, wang], "撮合进入洽谈阶段", "/deals/3/", kind=Kind.DEAL)
    assert not services.notify_once(li, "again", "/deals/4/", kind=Kind.DEAL, key="k")
    services.notify([li], "合同已登记", "/deals/contracts/1/", kind=Kind.CONTRACT)  # other kinds still on
    job_queue()
    assert list(Notification.objects.filter(user=li).values_list("kind", flat=True)) == [Kind.CONTRACT]
    assert sorted(_to(m) for m in smtp.messages) == ["li@example.cn", "wang@example.cn"]
    assert "合同已登记" in next(m for m in smtp.messages if _to(m) == "li@example.cn")["Subject"]


def test_the_daily_digest_gathers_the_days_notifications_into_one_mail(smtp, job_queue):
    li, wang = UserFactory(email="li@example.cn"), UserFactory(email="wang@example.cn")
    services.set_preferences(li, {Kind.REVIEW: Mode.DIGEST, Kind.DEAL: Mode.DIGEST})
    services.notify([li, wang], "您的成果已发布", "/achievements/1/", kind=Kind.REVIEW)
    services.notify([li], "新的撮合", "/deals/2/", kind=Kind.DEAL)
    job_queue()
    assert [_to(m) for m in smtp.messages] == ["wang@example.cn"]  # li waits for the digest
    assert Notification.objects.filter(user=li, read_at=None).count() == 2  # but sees them in-app now
    tz = clock.region_timezone()
    assert "notifications-digest" not in schedule.tick(datetime(2026, 12, 7, 6, 0, tzinfo=tz))
    assert "notifications-digest" in schedule.tick(datetime(2026, 12, 7, 7, 5, tzinfo=tz))
    job_queue()
    digests = [m for m in smtp.messages if _to(m) == "li@example.cn"]
    assert len(digests) == 1
    body = digests[0].get_content()
    assert "您的成果已发布" in body and "新的撮合" in body and "https://mkj.example.cn/deals/2/" in body
    assert "2" in digests[0]["Subject"]
    assert not Notification.objects.filter(user=li, emailed_at=None).exists()
    assert "notifications-digest" in schedule.tick(datetime(2026, 12, 8, 7, 5, tzinfo=tz))
    job_queue()
    assert len(smtp.messages) == 2  # nothing new: no second digest


def test_the_mail_job_honours_a_mode_changed_after_the_notification(smtp, job_queue):
    li = UserFactory(email="li@example.cn")
    services.notify([li], "揭榜结果", "/challenges/1/", kind=Kind.CHALLENGE)
    services.set_preferences(li, {Kind.CHALLENGE: Mode.DIGEST})
    job_queue()
    assert smtp.messages == []
    from mengkeju.notifications.tasks import send_digests

    send_digests.enqueue("2026-12-07")
    job_queue()
    assert len(smtp.messages) == 1 and "揭榜结果" in smtp.messages[0].get_content()
    send_emails.enqueue([n.pk for n in Notification.objects.all()])  # a replayed job sends nothing more
    job_queue()
    assert len(smtp.messages) == 1


def test_the_settings_page_saves_each_kind_and_refuses_unknown_modes():
    li = UserFactory()
    client = Client()
    assert client.get("/notifications/settings/").status_code == 302  # log in first
    client.force_login(li)
    page = client.get("/notifications/settings/")
    assert page.status_code == 200 and 'name="mode-review"' in page.content.decode()
    answer = client.post("/notifications/settings/", {"mode-review": "digest", "mode-deal": "off"})
    assert answer.status_code == 302
    assert dict(Preference.objects.filter(user=li).values_list("kind", "mode"))["review"] == "digest"
    assert Preference.objects.get(user=li, kind="deal").mode == "off"
    bad = client.post("/notifications/settings/", {"mode-review": "hourly", "mode-deal": "immediately"})
    assert bad.status_code == 400
    assert Preference.objects.get(user=li, kind="deal").mode == "off"  # nothing changed
    assert Preference.objects.get(user=li, kind="review").mode == "digest"


def test_the_centre_filters_by_kind_marks_read_and_shows_only_ones_own():
    li, wang = UserFactory(), UserFactory()
    services.notify([li], "需求已退回：请补充指标", "/demands/1/", kind=Kind.REVIEW)
    services.notify([li], "撮合已开启", "/deals/1/", kind=Kind.DEAL)
    (other,) = services.notify([wang], "别人的通知", "/deals/9/", kind=Kind.DEAL)
    client = Client()
    client.force_login(li)
    page = client.get("/notifications/").content.decode()
    assert "需求已退回" in page and "撮合已开启" in page and "别人的通知" not in page
    assert 'id="nav-unread"' in page
    filtered = client.get("/notifications/", {"kind": "deal"}).content.decode()
    assert "撮合已开启" in filtered and "需求已退回" not in filtered
    assert client.post(f"/notifications/{other.pk}/read/").status_code == 404
    review = Notification.objects.get(user=li, kind=Kind.REVIEW)
    client.post(f"/notifications/{review.pk}/read/")
    assert Notification.objects.get(pk=review.pk).read_at is not None
    client.post("/notifications/read-all/", {"kind": ""})
    assert not Notification.objects.filter(user=li, read_at=None).exists()
    assert Notification.objects.get(pk=other.pk).read_at is None
    assert 'id="nav-unread"' not in client.get("/notifications/").content.decode()
