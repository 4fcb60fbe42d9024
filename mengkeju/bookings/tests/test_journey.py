"""The whole life of a pilot-run booking through the services: request, confirm, perform with report
(raising the piloted achievement's TRL from 5 to 6 with the report as evidence), fee, rating; one event
per step; the transitions as a table."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from mengkeju.catalog.models import AchievementEvent

from .. import services
from ..models import BOOKING_TRANSITIONS, BookingAction, BookingStatus
from .factories import report_file, soon

pytestmark = pytest.mark.django_db


def test_a_pilot_run_goes_from_request_to_rating_and_raises_the_trl(world):
    people, achievement = world["people"], world["achievement"]
    booking = services.request_booking(
        world["pilot"],
        by=people["enterprise"],
        quantity=1,
        wished_from=soon(10),
        wished_to=soon(40),
        sample_description="200 kg 速凝薄片，验证晶界扩散工艺",
        achievement=achievement,
    )
    assert booking.status == BookingStatus.REQUESTED
    services.confirm_booking(
        booking, by=people["provider"], scheduled_on=soon(15), price_yuan=Decimal("48000")
    )
    today = soon(0)
    services.record_performed(
        booking,
        by=people["provider"],
        performed_on=today,
        report=report_file(),
        outcome_new_product="高矫顽力无重稀土磁体",
        outcome_process_validated=True,
        outcome_trl=6,
        raise_trl=True,
    )
    achievement.refresh_from_db()
    assert achievement.trl == 6
    evidence = AchievementEvent.objects.filter(listing=achievement).last()
    assert "5 → 6" in evidence.reason and str(booking.pk) in evidence.reason
    services.record_fee(booking, by=people["provider"], fee_yuan=Decimal("48000.00"))
    services.rate_booking(booking, by=people["enterprise"], rating=5, comment="按期完成")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.RATED and booking.trl_raised and booking.report
    assert list(booking.events.values_list("action", flat=True)) == [
        BookingAction.REQUEST,
        BookingAction.CONFIRM,
        BookingAction.PERFORM,
        BookingAction.RAISE_TRL,
        BookingAction.RECORD_FEE,
        BookingAction.RATE,
    ]


@pytest.mark.parametrize("status", BookingStatus.values)
@pytest.mark.parametrize(
    "action", [a for a in BookingAction.values if a not in (BookingAction.REQUEST, BookingAction.RAISE_TRL)]
)
def test_transitions_follow_the_table(world, status, action):
    from ..models import Booking

    people = world["people"]
    booking = services.request_booking(
        world["testing"],
        by=people["enterprise"],
        quantity=1,
        wished_from=soon(),
        wished_to=soon(12),
        sample_description="样品",
    )
    Booking.objects.filter(pk=booking.pk).update(status=status)
    booking.refresh_from_db()
    by = people["enterprise"] if action == BookingAction.RATE else people["lab"]
    call = {
        BookingAction.CONFIRM: lambda: services.confirm_booking(
            booking, by=by, scheduled_on=soon(3), price_yuan="800"
        ),
        BookingAction.DECLINE: lambda: services.decline_booking(booking, by=by, reason="设备检修"),
        BookingAction.PERFORM: lambda: services.record_performed(
            booking, by=by, performed_on=soon(0), report=report_file()
        ),
        BookingAction.RECORD_FEE: lambda: services.record_fee(booking, by=by, fee_yuan="800"),
        BookingAction.RATE: lambda: services.rate_booking(booking, by=by, rating=4),
    }[action]
    if (status, action) in BOOKING_TRANSITIONS:
        call()
        booking.refresh_from_db()
        assert booking.status == BOOKING_TRANSITIONS[(status, action)]
    else:
        events = booking.events.count()
        with pytest.raises(ValidationError) as info:
            call()
        assert info.value.error_dict["status"][0].code == "invalid_transition"
        assert booking.events.count() == events


def test_each_side_hears_of_the_other_sides_step(world):
    from mengkeju.notifications.models import Notification

    people = world["people"]
    booking = services.request_booking(
        world["testing"],
        by=people["enterprise"],
        quantity=2,
        wished_from=soon(5),
        wished_to=soon(9),
        sample_description="镨钕氧化物样品",
    )
    told = Notification.objects.get(user=people["lab"])
    assert told.url == f"/bookings/{booking.pk}/"
    services.decline_booking(booking, by=people["lab"], reason="本周设备检修")
    assert Notification.objects.filter(user=people["enterprise"], url=f"/bookings/{booking.pk}/").count() == 1
