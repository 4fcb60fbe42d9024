"""Two enterprises book the last unit of a period at the same instant: one gets it, the other a clear,
localized refusal, and the period is never overbooked. Needs PostgreSQL (real row locks); SQLite
serialises whole-database writes and is skipped."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation

from mengkeju.network.models import User
from mengkeju.network.tests.concurrency import run_together
from mengkeju.network.tests.factories import OrganizationFactory, UserFactory

from .. import services
from ..models import Booking
from .factories import soon, world

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks (SELECT … FOR UPDATE) need PostgreSQL"
)


@pytest.mark.django_db(transaction=True)
def test_two_enterprises_booking_the_last_unit_at_once_one_wins_one_is_refused(base_data):
    w = world()
    people, pilot = w["people"], w["pilot"]
    start = soon(10)
    third = UserFactory(role=User.Role.MEMBER, organization=OrganizationFactory(name="第三家企业"))
    # The pilot line runs 2 batches a month: a third enterprise holds one already.
    services.request_booking(
        pilot, by=third, quantity=1, wished_from=start, wished_to=start, sample_description="已占用的一批"
    )

    def book(who):
        def call():
            with translation.override("zh-hans"):
                return services.request_booking(
                    pilot,
                    by=people[who],
                    quantity=1,
                    wished_from=start,
                    wished_to=soon(20),
                    sample_description=who,
                )

        return call

    results, errors = run_together(book("enterprise"), book("other_enterprise"))

    assert sum(r is not None for r in results) == 1, (results, errors)
    refusal = next(e for e in errors if e is not None)
    assert isinstance(refusal, ValidationError)
    assert refusal.error_dict["quantity"][0].code == "capacity_exceeded"
    assert "超出服务能力" in refusal.error_dict["quantity"][0].messages[0]
    period = pilot.period_of(start)
    assert Booking.objects.filter(offering=pilot, period_start=period).count() == 2  # capacity, not 3
