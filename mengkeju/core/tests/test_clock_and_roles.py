"""The region clock follows the region pack's time zone; role_of is the one role lookup."""

from datetime import UTC, date, datetime

import pytest
from django.contrib.auth.models import AnonymousUser

from mengkeju.core import clock
from mengkeju.core.roles import Role, role_of
from mengkeju.network.models import Region, User
from mengkeju.network.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EVENING_UTC = datetime(2026, 1, 1, 17, 30, tzinfo=UTC)  # 01:30 the next day in Asia/Shanghai


def test_local_date_is_the_regions_calendar_date():
    assert Region.objects.get().timezone == "Asia/Shanghai"
    assert clock.local_date(EVENING_UTC) == date(2026, 1, 2)
    assert clock.localtime(EVENING_UTC).hour == 1
    assert clock.start_of_day(date(2026, 1, 2)) < EVENING_UTC


def test_a_region_in_another_time_zone_gets_its_own_dates():
    Region.objects.update(timezone="America/New_York")
    assert clock.region_timezone().key == "America/New_York"
    assert clock.local_date(EVENING_UTC) == date(2026, 1, 1)


def test_without_a_region_the_settings_time_zone_applies(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    Region.objects.all().delete()
    assert clock.region_timezone().key == "Asia/Shanghai"


def test_role_of_anonymous_superuser_and_members():
    assert role_of(None) is None
    assert role_of(AnonymousUser()) is None
    assert role_of(UserFactory(role=Role.BROKER)) == Role.BROKER
    assert role_of(UserFactory(role=Role.MEMBER, is_superuser=True)) == Role.PLATFORM_ADMIN
    assert User.Role is Role
