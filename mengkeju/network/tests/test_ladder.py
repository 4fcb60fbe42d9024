"""The incubation ladder: moves go up, never overlap; the flow and graduation counts add up."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from mengkeju.network import selectors, services
from mengkeju.network.models import LadderMembership, Organization
from mengkeju.network.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db
K = Organization.Kind


@pytest.fixture
def rungs():
    return {
        "incubator": OrganizationFactory(kind=K.INCUBATOR, name="包头稀土高新区孵化器"),
        "incubator2": OrganizationFactory(kind=K.INCUBATOR, name="呼和浩特众创孵化器"),
        "accelerator": OrganizationFactory(kind=K.ACCELERATOR, name="稀土产业加速器"),
        "park": OrganizationFactory(kind=K.SCIENCE_PARK, name="包头稀土高新区科技园"),
    }


def move(enterprise, carrier, day, who):
    return services.record_ladder_move(enterprise, carrier, entered_on=day, by=who)


def test_moving_up_closes_the_stay_as_a_graduation(people, rungs):
    hq, e = people["hq_operator"], OrganizationFactory()
    move(e, rungs["incubator"], date(2022, 3, 1), hq)
    move(e, rungs["accelerator"], date(2023, 6, 1), hq)
    first, second = LadderMembership.objects.filter(enterprise=e).order_by("entered_on")
    assert (first.left_on, first.graduated) == (date(2023, 6, 1), True)
    assert (second.left_on, second.graduated) == (None, False)


def _refused(call, text):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as info:
        call()
    assert text in " ".join(info.value.messages), info.value.messages


def test_moving_backwards_is_refused_in_chinese_and_changes_nothing(people, rungs):
    hq, e = people["hq_operator"], OrganizationFactory()
    move(e, rungs["accelerator"], date(2023, 1, 1), hq)
    _refused(lambda: move(e, rungs["incubator"], date(2024, 1, 1), hq), "不能在孵化链条上倒退")
    stay = LadderMembership.objects.get(enterprise=e)
    assert stay.left_on is None and not stay.graduated


def test_overlapping_dates_are_refused_in_chinese_and_change_nothing(people, rungs):
    hq, e = people["hq_operator"], OrganizationFactory()
    move(e, rungs["incubator"], date(2022, 3, 1), hq)
    move(e, rungs["accelerator"], date(2023, 6, 1), hq)
    _refused(lambda: move(e, rungs["park"], date(2023, 1, 1), hq), "重叠")
    assert LadderMembership.objects.filter(enterprise=e).count() == 2
    assert LadderMembership.objects.get(enterprise=e, left_on__isnull=True).carrier == rungs["accelerator"]


def test_only_enterprises_move_and_only_into_ladder_organizations(people, rungs):
    hq = people["hq_operator"]
    with pytest.raises(ValidationError):
        move(OrganizationFactory(kind=K.UNIVERSITY), rungs["incubator"], date(2022, 1, 1), hq)
    with pytest.raises(ValidationError):
        move(OrganizationFactory(), OrganizationFactory(kind=K.INVESTOR), date(2022, 1, 1), hq)
    assert not LadderMembership.objects.exists()


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("anonymous", False),
        ("other_member", False),
        ("expert", False),
        ("broker_in_scope", False),
        ("staff_out_of_scope", False),
        ("staff_in_scope", True),
        ("hq_operator", True),
        ("platform_admin", True),
    ],
)
def test_who_records_moves(people, rungs, who, allowed):
    e = OrganizationFactory()  # located in Baotou (150200), served by the in-scope sub-center
    if allowed:
        move(e, rungs["incubator"], date(2022, 1, 1), people[who])
        assert LadderMembership.objects.count() == 1
    else:
        with pytest.raises(PermissionDenied):
            move(e, rungs["incubator"], date(2022, 1, 1), people[who])


def test_flow_and_graduation_counts(people, rungs):
    hq = people["hq_operator"]
    a, b, c, d = (OrganizationFactory() for _ in range(4))
    # a: incubator → accelerator → park → graduates out of the park
    move(a, rungs["incubator"], date(2021, 1, 1), hq)
    move(a, rungs["accelerator"], date(2022, 5, 1), hq)
    move(a, rungs["park"], date(2023, 5, 1), hq)
    services.leave_ladder(
        LadderMembership.objects.get(enterprise=a, left_on__isnull=True),
        left_on=date(2024, 2, 1),
        graduated=True,
        by=hq,
    )
    # b: incubator → park (skips the accelerator)
    move(b, rungs["incubator"], date(2021, 3, 1), hq)
    move(b, rungs["park"], date(2022, 9, 1), hq)
    # c: incubator → another incubator (sideways: not a flow, not a graduation) → accelerator
    move(c, rungs["incubator"], date(2021, 1, 1), hq)
    move(c, rungs["incubator2"], date(2021, 6, 1), hq)
    move(c, rungs["accelerator"], date(2022, 2, 1), hq)
    # d: still in the incubator
    move(d, rungs["incubator"], date(2023, 1, 1), hq)

    flow = selectors.ladder_flow()
    counts = {(link["source_kind"], link["target_kind"]): link["value"] for link in flow["links"]}
    assert counts == {
        ("incubator", "accelerator"): 2,
        ("incubator", "science_park"): 1,
        ("accelerator", "science_park"): 1,
        ("science_park", "graduated"): 1,
    }
    assert flow["residents"] == {"incubator": 1, "accelerator": 1, "science_park": 1}
    assert flow["entered"] == {"incubator": 5, "accelerator": 2, "science_park": 2}
    assert selectors.graduations_by_year() == [
        {"year": 2022, "total": 3, "incubator": 3, "accelerator": 0, "science_park": 0},
        {"year": 2023, "total": 1, "incubator": 0, "accelerator": 1, "science_park": 0},
        {"year": 2024, "total": 1, "incubator": 0, "accelerator": 0, "science_park": 1},
    ]
