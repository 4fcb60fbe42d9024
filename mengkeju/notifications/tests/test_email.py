"""Notifications are e-mailed by the worker, once, and retried when the mail server is down."""

import pytest
from django.core import mail
from django.core.mail import send_mail
from django_tasks_db.models import DBTaskResult

from mengkeju.network.tests.factories import UserFactory
from mengkeju.notifications.models import Notification
from mengkeju.notifications.services import notify

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def mail_on(settings):
    settings.NOTIFY_BY_EMAIL = True
    settings.SITE_URL = "https://mkj.example.cn"


def test_a_notification_is_emailed_once_by_the_worker(job_queue):
    with_mail, without_mail = UserFactory(email="li@example.cn"), UserFactory(email="")
    notify([with_mail, without_mail], "您的需求已发布", "/demands/7/", kind=Notification.Kind.OTHER)
    assert mail.outbox == []  # nothing is sent inside the request
    job_queue()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["li@example.cn"]
    assert "您的需求已发布" in message.subject
    assert "https://mkj.example.cn/demands/7/" in message.body
    assert Notification.objects.get(user=with_mail).emailed_at is not None
    from mengkeju.notifications.tasks import send_emails

    send_emails.enqueue([n.pk for n in Notification.objects.all()])  # a replayed job
    job_queue()
    assert len(mail.outbox) == 1  # not sent twice


def test_a_mail_server_failure_is_retried_and_marks_nothing(monkeypatch, job_queue):
    user = UserFactory(email="li@example.cn")

    def down(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr("mengkeju.notifications.tasks.send_mail", down)
    notify([user], "合同已登记", "/deals/contracts/3/", kind=Notification.Kind.DEAL)
    job_queue()
    assert Notification.objects.get().emailed_at is None
    assert DBTaskResult.objects.filter(status="FAILED").count() == 1
    retry = DBTaskResult.objects.get(status="READY")  # back-off: later
    monkeypatch.setattr("mengkeju.notifications.tasks.send_mail", send_mail)  # the server is back
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=retry.enqueued_at)
    job_queue()
    assert len(mail.outbox) == 1
    assert Notification.objects.get().emailed_at is not None


def test_without_notify_by_email_no_job_is_queued(settings):
    settings.NOTIFY_BY_EMAIL = False
    notify([UserFactory(email="li@example.cn")], "x", "/", kind=Notification.Kind.OTHER)
    assert not DBTaskResult.objects.exists()
