"""The role × action table of bookable services, written once and checked against the rules, the
`visible_bookings` selector, the web pages (booking, report download, dashboard, platform record) and
the API. Roles: see factories.world."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import Client
from rest_framework.test import APIClient

from .. import permissions, selectors, services
from ..models import Booking
from .factories import report_file, soon

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "enterprise",
    "other_enterprise",
    "provider",
    "lab",
    "staff_in_scope",
    "staff_out_of_scope",
    "broker",
    "expert",
    "analyst",
    "hq_operator",
    "platform_admin",
]
# role: (sees the booking and its report, requests a pilot run, acts as its provider, rates it,
#        reads the dashboard, reads the platform's service record, publishes for the platform)
TABLE = {
    "anonymous": (False, False, False, False, False, False, False),
    "enterprise": (True, True, False, True, False, False, False),
    "other_enterprise": (False, True, False, False, False, False, False),
    "provider": (True, False, True, False, False, True, True),
    "lab": (False, False, False, False, False, False, False),
    "staff_in_scope": (True, False, False, False, True, True, False),
    "staff_out_of_scope": (False, False, False, False, True, True, False),
    "broker": (False, False, False, False, False, False, False),
    "expert": (False, False, False, False, False, False, False),
    "analyst": (False, False, False, False, True, True, False),
    "hq_operator": (True, False, False, False, True, True, True),
    "platform_admin": (True, False, True, False, True, True, True),
}


@pytest.fixture
def performed(world):
    people = world["people"]
    booking = services.request_booking(
        world["pilot"],
        by=people["enterprise"],
        quantity=1,
        wished_from=soon(10),
        wished_to=soon(20),
        sample_description="速凝薄片",
    )
    services.confirm_booking(booking, by=people["provider"], scheduled_on=soon(12), price_yuan=Decimal("1"))
    services.record_performed(booking, by=people["provider"], performed_on=soon(0), report=report_file())
    booking.refresh_from_db()
    return booking


def _user(world, role):
    user = world["people"][role]
    return user if user is not None else AnonymousUser()


@pytest.mark.parametrize("role", ROLES)
def test_rules_and_selector_follow_the_table(world, performed, role):
    user = _user(world, role)
    sees, requests, provides, rates, dashboard, record, publishes = TABLE[role]
    assert permissions.can_view_booking(user, performed) is sees
    assert selectors.visible_bookings(user).filter(pk=performed.pk).exists() is sees
    assert permissions.can_request(user, world["pilot"]) is requests
    assert permissions.can_act_as_provider(user, performed) is provides
    assert permissions.can_rate(user, performed) is rates
    assert permissions.can_view_dashboard(user) is dashboard
    assert permissions.can_view_platform_record(user, world["platform"]) is record
    assert permissions.can_publish_for(user, world["platform"].organization_id) is publishes


@pytest.mark.parametrize("role", ROLES)
def test_web_pages_follow_the_table(world, performed, role):
    sees, _requests, _provides, _rates, dashboard, record, _publishes = TABLE[role]
    client = Client()
    if world["people"][role] is not None:
        client.force_login(world["people"][role])
    booking_page = client.get(f"/bookings/{performed.pk}/")
    report = client.get(f"/bookings/{performed.pk}/report/")
    if role == "anonymous":
        assert booking_page.status_code == 302 and report.status_code == 302
    else:
        assert booking_page.status_code == (200 if sees else 404)
        assert report.status_code == (200 if sees else 404)
        if sees:
            assert b"pilot run report" in b"".join(report.streaming_content)
    expected_dashboard = 302 if role == "anonymous" else (200 if dashboard else 403)
    assert client.get("/bookings/dashboard/").status_code == expected_dashboard
    assert client.get("/bookings/dashboard.xlsx").status_code == expected_dashboard
    assert client.get(f"/bookings/platforms/{world['platform'].pk}/record/").status_code == (
        200 if record else 403
    )
    assert client.get("/bookings/").status_code == 200
    assert client.get(f"/bookings/offerings/{world['pilot'].pk}/").status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_confirming_through_the_api_follows_the_table(world, role):
    people = world["people"]
    booking = services.request_booking(
        world["pilot"],
        by=people["enterprise"],
        quantity=1,
        wished_from=soon(10),
        wished_to=soon(20),
        sample_description="x",
    )
    sees, _r, provides, *_rest = TABLE[role]
    client = APIClient()
    if people[role] is not None:
        client.force_authenticate(people[role])
    response = client.post(
        f"/api/bookings/bookings/{booking.pk}/confirm/",
        {"scheduled_on": str(soon(12)), "price_yuan": "100.00"},
        format="json",
    )
    if role == "anonymous":
        assert response.status_code in (401, 403)
    elif provides:
        assert response.status_code == 200, response.json()
    else:
        assert response.status_code == (403 if sees else 404), (role, response.status_code)
    booking.refresh_from_db()
    assert (booking.status == "confirmed") is provides


@pytest.mark.parametrize("role", ROLES)
def test_requesting_through_the_api_follows_the_table(world, role):
    people = world["people"]
    _s, requests, *_rest = TABLE[role]
    client = APIClient()
    if people[role] is not None:
        client.force_authenticate(people[role])
    body = {
        "offering": world["pilot"].pk,
        "quantity": 1,
        "wished_from": str(soon(10)),
        "wished_to": str(soon(20)),
        "sample_description": "x",
    }
    response = client.post("/api/bookings/bookings/", body, format="json")
    if role == "anonymous":
        assert response.status_code in (401, 403)
    else:
        assert response.status_code == (201 if requests else 403), (role, response.content)
    assert Booking.objects.exists() is requests


def test_a_member_of_the_platform_publishes_but_an_enterprise_cannot(world):
    people = world["people"]
    with pytest.raises(PermissionDenied):
        services.publish_offering(
            by=people["enterprise"],
            platform=world["platform"],
            name="x",
            kind="incubation",
            unit="工位",
            capacity_per_period=1,
            unit_price_yuan="1",
        )
    client = Client()
    client.force_login(people["provider"])
    assert f"?platform={world['platform'].pk}" in client.get("/bookings/").content.decode()
    response = client.post(
        f"/bookings/offerings/new/?platform={world['platform'].pk}",
        {
            "name": "储氢合金熔炼中试",
            "kind": "pilot_run",
            "line_name": "真空感应熔炼中试线",
            "accreditation": "none",
            "unit": "批次",
            "capacity_per_period": 3,
            "period": "month",
            "lead_time_days": 7,
            "unit_price_yuan": "36000",
        },
    )
    assert response.status_code == 302
    client.force_login(people["enterprise"])
    assert client.get(f"/bookings/offerings/new/?platform={world['platform'].pk}").status_code == 403


def test_only_the_provider_and_headquarters_add_documents(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ..models import OfferingDocument

    url = f"/bookings/offerings/{world['pilot'].pk}/documents/"
    client = Client()
    for role, added in (("enterprise", 0), ("provider", 1), ("hq_operator", 2)):
        client.force_login(world["people"][role])
        upload = SimpleUploadedFile("样品要求.pdf", b"%PDF-1.4 sample requirements")
        assert client.post(url, {"title": "样品要求", "file": upload}).status_code in (302, 403)
        assert OfferingDocument.objects.count() == added, role
    client.force_login(world["people"]["provider"])
    assert 'id="add-document"' in client.get(f"/bookings/offerings/{world['pilot'].pk}/").content.decode()
