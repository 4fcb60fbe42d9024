"""Anonymous list APIs have their own, lower throttle; details, signed-in users and pages are not
counted against it."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from mengkeju.catalog.tests.factories import DemandFactory
from mengkeju.network.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def low_list_rate():
    rates = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = {**rates, "anon_list": "3/min"}
    cache.clear()
    yield
    SimpleRateThrottle.THROTTLE_RATES = rates
    cache.clear()


def test_settings_give_anonymous_lists_their_own_scope(settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert "anon_list" in rates
    assert (
        "mengkeju.core.throttling.AnonListRateThrottle" in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]
    )


def test_anonymous_lists_are_throttled_at_the_lower_rate(low_list_rate):
    demand = DemandFactory()
    anonymous = APIClient()
    codes = [
        anonymous.get(url).status_code for url in ["/api/demands/", "/api/experts/", "/api/achievements/"]
    ]
    assert codes == [200, 200, 200]
    answer = anonymous.get("/api/demands/")
    assert answer.status_code == 429 and answer.json()["code"] == "throttled"
    assert anonymous.get(f"/api/demands/{demand.pk}/").status_code == 200  # details are not lists
    member = APIClient()
    member.force_authenticate(UserFactory())
    assert all(member.get("/api/demands/").status_code == 200 for _ in range(5))
