"""Bad input gets a clear, localized error with a code, and writes nothing: overlapping bookings,
capacity exceeded, wished dates in the past or too soon, an unknown offering, the wrong role confirming."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from .. import services
from ..models import Booking, BookingEvent, BookingStatus
from .factories import report_file, soon

pytestmark = pytest.mark.django_db


def _request(world, who="enterprise", offering="pilot", **values):
    base = {
        "quantity": 1,
        "wished_from": soon(10),
        "wished_to": soon(20),
        "sample_description": "速凝薄片 200 kg",
    }
    return services.request_booking(world[offering], by=world["people"][who], **{**base, **values})


def _refused(call, field, code):
    bookings, events = Booking.objects.count(), BookingEvent.objects.count()
    with translation.override("zh-hans"), pytest.raises(ValidationError) as info:
        call()
    errors = info.value.error_dict[field]
    assert errors[0].code == code
    message = errors[0].messages[0] if hasattr(errors[0], "messages") else str(errors[0])
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message  # localized: Chinese text
    assert (Booking.objects.count(), BookingEvent.objects.count()) == (bookings, events)


def test_wished_dates_in_the_past_are_refused(world):
    yesterday = soon(-1)
    _refused(lambda: _request(world, wished_from=yesterday, wished_to=soon(5)), "wished_from", "in_past")


def test_a_start_inside_the_lead_time_is_refused(world):
    _refused(lambda: _request(world, wished_from=soon(1), wished_to=soon(5)), "wished_from", "too_soon")


def test_an_end_before_the_start_is_refused(world):
    _refused(lambda: _request(world, wished_from=soon(10), wished_to=soon(9)), "wished_to", "invalid")


def test_more_than_the_capacity_of_a_period_is_refused(world):
    _refused(lambda: _request(world, quantity=3), "quantity", "capacity_exceeded")


def test_a_full_period_refuses_the_next_booking(world):
    _request(world, quantity=2)
    _refused(lambda: _request(world, "other_enterprise"), "quantity", "capacity_exceeded")


def test_an_overlapping_open_booking_of_the_same_enterprise_is_refused(world):
    _request(world, wished_from=soon(10), wished_to=soon(20))
    _refused(lambda: _request(world, wished_from=soon(15), wished_to=soon(25)), "wished_from", "overlap")


def test_a_declined_booking_frees_its_units_and_does_not_count_as_overlap(world):
    booking = _request(world, quantity=2)
    services.decline_booking(booking, by=world["people"]["provider"], reason="设备检修")
    assert _request(world, quantity=2).status == BookingStatus.REQUESTED


def test_an_empty_sample_description_is_refused(world):
    _refused(lambda: _request(world, sample_description="  "), "sample_description", "required")


def test_another_organizations_achievement_cannot_be_piloted(world):
    achievement = world["achievement"]
    _refused(lambda: _request(world, "other_enterprise", achievement=achievement), "achievement", "invalid")


@pytest.mark.parametrize(
    "who", ["enterprise", "other_enterprise", "lab", "hq_operator", "staff_in_scope", "analyst"]
)
def test_only_the_provider_confirms(world, who):
    booking = _request(world)
    with pytest.raises(PermissionDenied):
        services.confirm_booking(booking, by=world["people"][who], scheduled_on=soon(12), price_yuan="1")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.REQUESTED and booking.events.count() == 1


def test_confirming_on_a_past_date_or_a_negative_price_is_refused(world):
    booking = _request(world)
    provider = world["people"]["provider"]
    _refused(
        lambda: services.confirm_booking(booking, by=provider, scheduled_on=soon(-2), price_yuan="1"),
        "scheduled_on",
        "in_past",
    )
    _refused(
        lambda: services.confirm_booking(booking, by=provider, scheduled_on=soon(12), price_yuan="-5"),
        "price_yuan",
        "out_of_range",
    )


def test_confirming_into_a_full_period_is_refused(world):
    people = world["people"]
    later = soon(70)
    full = services.request_booking(
        world["pilot"],
        by=people["other_enterprise"],
        quantity=2,
        wished_from=later,
        wished_to=later + timedelta(days=5),
        sample_description="x",
    )
    assert full.period_start == world["pilot"].period_of(later)
    booking = _request(world)
    _refused(
        lambda: services.confirm_booking(booking, by=people["provider"], scheduled_on=later, price_yuan="1"),
        "quantity",
        "capacity_exceeded",
    )


def test_a_rating_outside_1_to_5_and_a_second_rating_are_refused(world):
    people = world["people"]
    booking = _request(world)
    services.confirm_booking(booking, by=people["provider"], scheduled_on=soon(12), price_yuan=Decimal("1"))
    services.record_performed(booking, by=people["provider"], performed_on=soon(0), report=report_file())
    services.record_fee(booking, by=people["provider"], fee_yuan="1")
    _refused(
        lambda: services.rate_booking(booking, by=people["enterprise"], rating=6), "rating", "out_of_range"
    )
    services.rate_booking(booking, by=people["enterprise"], rating=4)
    _refused(
        lambda: services.rate_booking(booking, by=people["enterprise"], rating=5),
        "status",
        "invalid_transition",
    )


def test_a_report_is_required_and_a_trl_cannot_be_lowered(world):
    people = world["people"]
    booking = _request(world, achievement=world["achievement"])
    services.confirm_booking(booking, by=people["provider"], scheduled_on=soon(12), price_yuan="1")
    _refused(
        lambda: services.record_performed(booking, by=people["provider"], performed_on=soon(0), report=None),
        "report",
        "required",
    )
    _refused(
        lambda: services.record_performed(
            booking,
            by=people["provider"],
            performed_on=soon(0),
            report=report_file(),
            outcome_trl=4,
            raise_trl=True,
        ),
        "trl",
        "not_higher",
    )
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    world["achievement"].refresh_from_db()
    assert world["achievement"].trl == 5


def test_the_api_answers_an_unknown_offering_and_bad_dates_with_a_400_and_writes_nothing(world):
    client = APIClient()
    client.force_authenticate(world["people"]["enterprise"])
    body = {
        "offering": 999999,
        "quantity": 1,
        "wished_from": str(soon(10)),
        "wished_to": str(soon(12)),
        "sample_description": "x",
    }
    response = client.post("/api/bookings/bookings/", body, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400 and "offering" in response.json()
    body["offering"] = world["pilot"].pk
    body["wished_from"] = str(soon(-3))
    response = client.post("/api/bookings/bookings/", body, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400 and response.json()["codes"]["wished_from"] == ["in_past"]
    assert Booking.objects.count() == 0


def test_the_web_form_shows_the_capacity_refusal(world):
    services.request_booking(
        world["pilot"],
        by=world["people"]["other_enterprise"],
        quantity=2,
        wished_from=soon(10),
        wished_to=soon(12),
        sample_description="x",
    )
    client = Client()
    client.force_login(world["people"]["enterprise"])
    response = client.post(
        f"/bookings/offerings/{world['pilot'].pk}/",
        {"quantity": 1, "wished_from": soon(10), "wished_to": soon(12), "sample_description": "y"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "Capacity exceeded" in response.content.decode()
    assert Booking.objects.count() == 1


def test_the_web_refuses_a_past_confirmed_date_and_a_confirmation_by_the_enterprise(world):
    booking = _request(world)
    client = Client()
    client.force_login(world["people"]["provider"])
    response = client.post(
        f"/bookings/{booking.pk}/confirm/",
        {"scheduled_on": soon(-1), "price_yuan": "100"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    assert "确认日期不能早于今天" in response.content.decode()
    client.force_login(world["people"]["enterprise"])
    response = client.post(
        f"/bookings/{booking.pk}/confirm/", {"scheduled_on": soon(12), "price_yuan": "100"}
    )
    assert response.status_code == 403
    booking.refresh_from_db()
    assert booking.status == BookingStatus.REQUESTED and booking.events.count() == 1
    assert client.post(f"/bookings/{booking.pk}/nonsense/", {}).status_code == 404
    assert client.get("/bookings/offerings/999999/").status_code == 404


def test_an_enterprise_not_yet_verified_cannot_book(world):
    enterprise = world["people"]["enterprise"].organization
    enterprise.verification = enterprise.Verification.PENDING
    enterprise.save(update_fields=["verification"])
    with pytest.raises(ValidationError) as info:
        _request(world)
    assert info.value.error_list[0].code == "unverified"
    assert Booking.objects.count() == 0
