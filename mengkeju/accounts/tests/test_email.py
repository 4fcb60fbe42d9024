"""E-mail verification (sent by the worker) and password reset by e-mail (Django's views)."""

import re

import pytest
from django.core import mail

from mengkeju.accounts import selectors, services
from mengkeju.network.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
NEW = "草原上的新密码-Strong-42"


def _path(body: str) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/[^\s]+)", body).group(1)


def test_sign_up_mails_a_confirmation_link_through_the_worker(signup_data, client, job_queue):
    mail.outbox.clear()
    user = services.sign_up(**signup_data(31))
    assert mail.outbox == []  # not inside the request: the worker sends it
    job_queue()
    sent = [m for m in mail.outbox if m.to == [user.email]]
    assert len(sent) == 1 and "确认" in sent[0].subject
    assert not selectors.email_is_verified(user)
    response = client.get(_path(sent[0].body))
    assert response.status_code == 200 and "已确认" in response.content.decode()
    assert selectors.email_is_verified(user)


def test_a_forged_or_stale_link_confirms_nothing(signup_data, client):
    user = services.sign_up(**signup_data(32))
    assert client.get("/accounts/email/confirm/forged-token/").status_code == 400
    from mengkeju.accounts.tokens import email_token

    token = email_token(user)
    user.email = "changed@example.cn"
    user.save()
    assert client.get(f"/accounts/email/confirm/{token}/").status_code == 400
    assert not selectors.email_is_verified(user)


def test_password_reset_mail_arrives_and_its_link_sets_a_new_password(client):
    user = UserFactory(username="forgetful", email="forgetful@example.cn")
    mail.outbox.clear()
    response = client.post("/accounts/password/reset/", {"email": "forgetful@example.cn"})
    assert response.status_code == 302 and response["Location"] == "/accounts/password/reset/sent/"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["forgetful@example.cn"]
    assert "密码" in mail.outbox[0].subject
    link = _path(mail.outbox[0].body)
    response = client.get(link)  # Django redirects to the same page with the token in the session
    assert response.status_code == 302
    form_url = response["Location"]
    page = client.get(form_url)
    assert page.context["validlink"]
    response = client.post(form_url, {"new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302 and response["Location"] == "/accounts/password/reset/complete/"
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert client.get(link).status_code == 200 and "无效" in client.get(link).content.decode()  # used once


def test_password_reset_for_an_unknown_address_sends_nothing(client):
    mail.outbox.clear()
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.cn"})
    assert response.status_code == 302 and mail.outbox == []
