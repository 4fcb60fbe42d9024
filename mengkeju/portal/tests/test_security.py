"""Login lockout, API throttles, expiring tokens, CSP headers, demo commands outside demo mode."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from mengkeju.network.models import User

PASSWORD = "correct-horse-battery"


@pytest.fixture
def person(db):
    return User.objects.create_user("lockme", password=PASSWORD)


@pytest.mark.parametrize("command", ["load_demo", "demo"])
def test_demo_commands_refuse_outside_demo_mode(settings, db, command):
    settings.DEMO_MODE = False
    args = ["--no-serve"] if command == "demo" else ["--no-progress"]
    with pytest.raises(CommandError, match="MENGKEJU_DEMO=1"):
        call_command(command, *args)
    assert not User.objects.filter(username="admin").exists()


def test_six_wrong_passwords_lock_the_login_even_for_the_right_one(client, person):
    for _ in range(6):
        client.post("/accounts/login/", {"username": "lockme", "password": "wrong-password-1"})
    answer = client.post("/accounts/login/", {"username": "lockme", "password": PASSWORD})
    assert answer.status_code == 429
    assert "_auth_user_id" not in client.session
    assert "15" in answer.content.decode() and "登录" in answer.content.decode()


def test_the_lockout_does_not_touch_api_tokens(client, person):
    for _ in range(6):
        client.post("/accounts/login/", {"username": "lockme", "password": "wrong-password-1"})
    token = Token.objects.create(user=person)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/achievements/").status_code == 200


def test_a_right_password_still_works_below_the_limit(client, person):
    for _ in range(3):
        client.post("/accounts/login/", {"username": "lockme", "password": "wrong-password-1"})
    client.post("/accounts/login/", {"username": "lockme", "password": PASSWORD})
    assert client.session["_auth_user_id"] == str(person.pk)


def test_expired_api_tokens_are_refused(settings, person):
    settings.API_TOKEN_DAYS = 30
    token = Token.objects.create(user=person)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/achievements/").status_code == 200
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - timedelta(days=31))
    answer = api.get("/api/achievements/")
    assert answer.status_code == 401
    assert answer.json()["code"] == "token_expired"


def test_too_many_requests_answer_429_json_with_a_code(settings, db):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/min", "user": "2/min"},
    }
    from rest_framework.throttling import SimpleRateThrottle

    rates = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = {"anon": "2/min", "user": "2/min"}
    cache.clear()
    try:
        api = APIClient()
        codes = [api.get("/api/achievements/").status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        assert api.get("/api/achievements/").json()["code"] == "throttled"
    finally:
        SimpleRateThrottle.THROTTLE_RATES = rates
        cache.clear()


def test_pages_carry_a_content_security_policy_with_a_nonce_for_inline_scripts(client, db):
    answer = client.get("/achievements/")
    assert answer.status_code == 200, answer
    policy = answer["Content-Security-Policy"]
    directives = {d.strip().split(" ", 1)[0]: d.strip() for d in policy.split(";") if d.strip()}
    assert directives["script-src"].startswith("script-src 'self' 'nonce-")
    assert "'unsafe-inline'" not in directives["script-src"]  # inline scripts need the nonce
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in answer.content.decode()
    assert answer["X-Frame-Options"] == "DENY"
