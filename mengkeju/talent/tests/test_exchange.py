"""An exchange: proposed, confirmed by both organizations and the sub-center (each an event), active,
ended; its outcome page lists the contracts registered between the two organizations since the term began."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from mengkeju.deals.tests.factories import registered_contract
from mengkeju.talent import selectors, services
from mengkeju.talent.models import Exchange, ExchangeEvent, ExchangeOutcome

pytestmark = pytest.mark.django_db


def test_three_confirmations_then_active_then_ended(exchange, roles, talent_orgs):
    assert exchange.sub_center == talent_orgs["baotou_sub"] and exchange.is_proposed
    services.confirm_exchange(exchange, by=roles["university_member"])
    services.confirm_exchange(exchange, by=roles["enterprise_member"])
    assert Exchange.objects.get(pk=exchange.pk).is_proposed
    exchange = services.confirm_exchange(exchange, by=roles["staff_in_scope"])
    assert exchange.is_confirmed
    exchange = services.start_exchange(exchange, by=roles["enterprise_member"])
    exchange = services.end_exchange(exchange, by=roles["staff_in_scope"], note="任期届满")
    assert exchange.status == Exchange.Status.ENDED
    assert list(exchange.events.values_list("kind", flat=True)) == [
        ExchangeEvent.Kind.PROPOSED,
        ExchangeEvent.Kind.HOME_CONFIRMED,
        ExchangeEvent.Kind.HOST_CONFIRMED,
        ExchangeEvent.Kind.SUB_CENTER_CONFIRMED,
        ExchangeEvent.Kind.STARTED,
        ExchangeEvent.Kind.ENDED,
    ]


def test_nobody_confirms_for_a_side_they_do_not_speak_for(exchange, roles):
    for user in (
        roles["other_member"],
        roles["staff_out_of_scope"],
        roles["broker_in_scope"],
        roles["analyst"],
    ):
        with pytest.raises(PermissionDenied):
            services.confirm_exchange(exchange, by=user)
    with pytest.raises(PermissionDenied):
        services.confirm_exchange(exchange, side="host", by=roles["university_member"])
    services.confirm_exchange(exchange, by=roles["university_member"])
    with pytest.raises(PermissionDenied):  # twice for the same side
        services.confirm_exchange(exchange, by=roles["university_member"])
    assert exchange.events.count() == 2


def test_steps_out_of_order_are_refused(exchange, roles):
    with pytest.raises(ValidationError) as exc:
        services.start_exchange(exchange, by=roles["hq_operator"])
    assert exc.value.code == "state"


def _propose(professor, talent_orgs, roles, **changes):
    fields = {
        "by": roles["hq_operator"],
        "person": professor,
        "home": talent_orgs["university"],
        "host": talent_orgs["enterprise"],
        "role": "tech-vice-president",
        "starts_on": date(2026, 3, 1),
        "ends_on": date(2027, 3, 1),
        "purpose": "科技副总",
    }
    return services.propose_exchange(**{**fields, **changes})


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"ends_on": date(2026, 1, 1)}, "ends_on", "end_before_start"),
        ({"host": "university"}, "host", "same_organization"),
        ({"role": "chief-magician"}, "role", "unknown_role"),
        ({"home": "enterprise", "host": "chifeng_enterprise"}, "person", "not_of_home"),
        ({"purpose": "  "}, "purpose", "required"),
    ],
)
def test_bad_exchanges_are_refused_and_nothing_is_written(
    professor, talent_orgs, roles, changes, field, code
):
    changes = {k: talent_orgs[v] if k in ("home", "host") else v for k, v in changes.items()}
    with pytest.raises(ValidationError) as exc:
        _propose(professor, talent_orgs, roles, **changes)
    assert exc.value.error_dict[field][0].code == code
    assert not Exchange.objects.exists() and not ExchangeEvent.objects.exists()


def test_outsiders_may_not_propose(professor, talent_orgs, roles):
    for user in (roles["other_member"], roles["analyst"], roles["expert"], roles["staff_out_of_scope"]):
        with pytest.raises(PermissionDenied):
            _propose(professor, talent_orgs, roles, by=user)
    assert not Exchange.objects.exists()


def test_contracts_registered_between_the_two_after_the_start_are_listed(exchange, talent_orgs, roles):
    between = registered_contract(
        seller=talent_orgs["university"], buyer=talent_orgs["enterprise"], title="磁体中试技术开发"
    )
    registered_contract(
        seller=talent_orgs["university"], buyer=talent_orgs["other_enterprise"], title="别的合同"
    )
    found = selectors.contracts_between(exchange)
    assert [r.contract_id for r in found] == [between.contract_id]
    exchange.starts_on = date(2099, 1, 1)
    assert selectors.contracts_between(exchange) == []


def test_outcome_page_lists_the_contract_and_links_records(exchange, talent_orgs, roles):
    registration = registered_contract(
        seller=talent_orgs["enterprise"], buyer=talent_orgs["university"], title="高矫顽力磁体联合开发"
    )
    client = Client()
    client.force_login(roles["university_member"])
    body = client.get(f"/talent/exchanges/{exchange.pk}/").content.decode()
    assert "高矫顽力磁体联合开发" in body and 'id="outcome-form"' not in body  # proposed: nothing to link yet
    for user in (roles["university_member"], roles["enterprise_member"], roles["staff_in_scope"]):
        services.confirm_exchange(exchange, by=user)
    response = client.post(
        f"/talent/exchanges/{exchange.pk}/outcomes/",
        {"contract": registration.contract_id, "note": "科技副总牵头"},
    )
    assert response.status_code == 302
    assert ExchangeOutcome.objects.get().contract_id == registration.contract_id
    response = client.post(
        f"/talent/exchanges/{exchange.pk}/outcomes/", {"contract": registration.contract_id}
    )
    assert response.status_code == 400 and ExchangeOutcome.objects.count() == 1
