import pytest
from django.utils import translation

from mengkeju.network.models import User
from mengkeju.network.tests.factories import UserFactory

from .factories import hq_operator, node


@pytest.fixture
def english():
    """Rule messages are asserted in English; the Chinese catalog has its own test."""
    with translation.override("en"):
        yield


@pytest.fixture
def registrar(db):
    return hq_operator()


@pytest.fixture
def broker(db):
    return UserFactory(role=User.Role.BROKER, organization=node("baotou"))


@pytest.fixture
def staff(db):
    return UserFactory(role=User.Role.SUBCENTER_STAFF, organization=node("baotou"))


@pytest.fixture
def set_region_parameter(db):
    from mengkeju.network.models import Region

    def set_parameter(name, value):
        region = Region.objects.get()
        region.parameters = {**region.parameters, name: value}
        region.save()

    return set_parameter
