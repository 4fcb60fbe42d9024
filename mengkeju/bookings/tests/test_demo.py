"""The demo loads bookable services across chains and bookings at every step, once."""

from pathlib import Path

import pytest

from mengkeju.demo.loader import load_demo
from mengkeju.network.models import User

from ..models import Booking, Offering

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_demo(settings):
    from mengkeju.points.services import load_points_system

    load_points_system(Path(settings.PROJECT_DIR) / "regions" / "inner-mongolia" / "points.yaml")
    return load_demo()


def test_the_demo_has_offerings_and_bookings_at_every_step_and_loads_once(full_demo, client):
    kinds = set(Offering.objects.values_list("kind", flat=True))
    assert kinds == {"pilot_run", "testing", "incubation"}
    assert Offering.objects.filter(kind="testing", accreditation__in=["cma", "cma_cnas"]).count() >= 2
    statuses = set(Booking.objects.values_list("status", flat=True))
    assert {"requested", "confirmed", "settled", "rated"} <= statuses
    assert Booking.objects.exclude(outcome_new_product="").count() >= 2
    counts = (Offering.objects.count(), Booking.objects.count())
    again = load_demo()
    assert (Offering.objects.count(), Booking.objects.count()) == counts
    assert again.counts.get("service bookings", (0, 0, 0)) == (0, 0, 0)

    client.force_login(User.objects.get(username="analyst"))
    page = client.get("/bookings/dashboard/")
    assert page.status_code == 200 and page.context["totals"]["served"] >= 3
    client.force_login(User.objects.get(username="enterprise"))
    assert client.get("/bookings/mine/").context["made"]
