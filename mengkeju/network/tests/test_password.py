"""People change their own password; weak passwords are refused; a new password ends API tokens."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from mengkeju.network.models import User
from mengkeju.network.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

OLD = "old-Passw0rd-2026"
NEW = "草原上的新密码-Strong-42"


@pytest.fixture
def researcher():
    user = UserFactory(username="researcher", role=User.Role.MEMBER)
    user.set_password(OLD)
    user.save()
    return user


def test_a_person_changes_their_own_password_and_their_tokens_end(researcher, client):
    token = Token.objects.create(user=researcher)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/deals/deals/").status_code == 200
    client.force_login(researcher)
    assert 'href="/accounts/password/"' in client.get("/workspace/").content.decode()
    assert client.get("/accounts/password/").status_code == 200
    response = client.post(
        "/accounts/password/", {"old_password": OLD, "new_password1": NEW, "new_password2": NEW}
    )
    assert response.status_code == 302 and response["Location"].endswith("/accounts/password/done/")
    researcher.refresh_from_db()
    assert researcher.check_password(NEW)
    assert not Token.objects.filter(user=researcher).exists()
    assert api.get("/api/deals/deals/").status_code == 401  # the old token no longer works
    assert client.get("/accounts/password/done/").status_code == 200  # still logged in on the site


@pytest.mark.parametrize("weak", ["researcher1", "12345678901", "password123", "短密码"])
def test_weak_passwords_are_refused_and_nothing_changes(researcher, client, weak):
    client.force_login(researcher)
    response = client.post(
        "/accounts/password/", {"old_password": OLD, "new_password1": weak, "new_password2": weak}
    )
    assert response.status_code == 200 and response.context["form"].errors["new_password2"]
    researcher.refresh_from_db()
    assert researcher.check_password(OLD)


def test_saving_a_user_without_a_new_password_keeps_the_token(researcher):
    token = Token.objects.create(user=researcher)
    researcher.first_name = "明"
    researcher.save()
    assert Token.objects.filter(key=token.key).exists()


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/accounts/password/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_logging_in_keeps_the_token(researcher, client):
    token = Token.objects.create(user=researcher)
    assert client.login(username="researcher", password=OLD)  # saves last_login only
    assert Token.objects.filter(key=token.key).exists()
