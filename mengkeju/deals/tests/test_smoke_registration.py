import pytest

from mengkeju.deals.models import Registration

from .factories import registered_contract

pytestmark = pytest.mark.django_db


def test_registered_contract_helper_gives_a_numbered_current_registration():
    registration = registered_contract()
    assert registration.status == Registration.Status.REGISTERED
    assert registration.is_current
    assert registration.number.startswith("150000")
