"""The chain map's optional rule (region pack `chain_coverage_requires_service`): a whitelisted platform
covers a link only if it served the link in the last `chain_coverage_service_months` months. Off (the
shipped default), coverage is by whitelist alone, as before."""

from datetime import timedelta

import pytest

from mengkeju.core import clock
from mengkeju.insights import chain_map
from mengkeju.network.models import IndustryChain, Region

from .. import services
from ..models import Booking
from .factories import report_file, soon

pytestmark = pytest.mark.django_db


def _magnets(world):
    chain = IndustryChain.objects.get(code="rare-earth")
    the_map = chain_map.chain_map(chain)
    return next(f for f in the_map.links if f.link.code == "rare-earth.magnets")


def _rule(on: bool, months: int = 12):
    region = Region.objects.first()
    region.parameters = {
        **region.parameters,
        "chain_coverage_requires_service": on,
        "chain_coverage_service_months": months,
    }
    region.save(update_fields=["parameters"])


def test_off_by_default_the_whitelisted_platform_covers_its_links(world):
    assert Region.objects.first().parameters.get("chain_coverage_requires_service") is False
    link = _magnets(world)
    assert world["platform"] in link.covering_platforms and link.covered


def test_on_only_a_platform_that_served_the_link_in_the_period_covers_it(world):
    _rule(True, months=6)
    assert world["platform"] not in _magnets(world).covering_platforms
    people = world["people"]
    booking = services.request_booking(
        world["pilot"],
        by=people["enterprise"],
        quantity=1,
        wished_from=soon(10),
        wished_to=soon(11),
        sample_description="x",
    )
    services.confirm_booking(booking, by=people["provider"], scheduled_on=soon(10), price_yuan="1")
    services.record_performed(booking, by=people["provider"], performed_on=soon(0), report=report_file())
    assert world["platform"] in _magnets(world).covering_platforms
    Booking.objects.filter(pk=booking.pk).update(performed_on=clock.local_date() - timedelta(days=200))
    assert world["platform"] not in _magnets(world).covering_platforms  # served, but before the period
