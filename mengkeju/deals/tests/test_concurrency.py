"""Concurrency: numbers come from a locked per-year counter row. Needs PostgreSQL (real row locks);
SQLite serialises whole-database writes and is skipped."""

import pytest
from django.db import connection

from mengkeju.deals import services
from mengkeju.deals.models import Registration
from mengkeju.network.tests.concurrency import run_together

from .factories import hq_operator, node, submitted_contract

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks (SELECT … FOR UPDATE) need PostgreSQL"
)


@pytest.mark.django_db(transaction=True)
def test_two_staff_registering_the_same_contract_yield_one_number(base_data):
    from mengkeju.network.models import User
    from mengkeju.network.tests.factories import UserFactory

    registration = submitted_contract()
    first = hq_operator()
    second = UserFactory(role=User.Role.SUBCENTER_STAFF, organization=node("baotou"))
    results, errors = run_together(
        lambda: services.register(Registration.objects.get(pk=registration.pk), by=first),
        lambda: services.register(Registration.objects.get(pk=registration.pk), by=second),
    )
    winners = [r for r in results if r is not None]
    assert len(winners) == 1, (results, errors)
    assert [type(e) for e in errors if e is not None] == [services.ConflictError]
    registered = Registration.objects.filter(status=Registration.Status.REGISTERED)
    assert registered.count() == 1
    assert registered.get().number == winners[0].number
    assert registered.get().events.filter(action="register").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_contracts_registered_at_once_get_consecutive_numbers(base_data):
    one, two = submitted_contract(), submitted_contract()
    first, second = hq_operator(), hq_operator()
    results, errors = run_together(
        lambda: services.register(Registration.objects.get(pk=one.pk), by=first),
        lambda: services.register(Registration.objects.get(pk=two.pk), by=second),
    )
    assert errors == [None, None], errors
    numbers = sorted(r.number for r in results)
    assert numbers[0] != numbers[1]
    assert int(numbers[1][-6:]) == int(numbers[0][-6:]) + 1
    assert numbers[0][:-6] == numbers[1][:-6]
