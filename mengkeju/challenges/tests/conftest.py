import pytest
from django.utils import translation


@pytest.fixture
def english():
    """Rule messages are asserted in English; the Chinese catalog has its own test."""
    with translation.override("en"):
        yield


@pytest.fixture
def set_region_parameter(db):
    from mengkeju.network.models import Region

    def set_parameter(name, value):
        region = Region.objects.get()
        region.parameters = {**region.parameters, name: value}
        region.save()

    return set_parameter
