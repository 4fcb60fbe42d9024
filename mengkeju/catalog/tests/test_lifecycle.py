"""The publish → review → published → withdrawn lifecycle, its table, reasons and concurrency."""

import pytest
from django.core.exceptions import ValidationError

from mengkeju.catalog import services
from mengkeju.catalog.models import REASON_REQUIRED, TRANSITIONS, Action, Demand, Status

from .factories import DemandFactory

pytestmark = pytest.mark.django_db

ACTORS = {
    Action.SUBMIT: "owner",
    Action.PUBLISH: "staff_in_scope",
    Action.RETURN: "staff_in_scope",
    Action.WITHDRAW: "owner",
    Action.REVISE: "owner",
}


@pytest.mark.parametrize(
    ("state", "action"), [(s, a) for s in Status.values for a in Action.values if a in ACTORS]
)
def test_transition_table(state, action, orgs, people):
    demand = DemandFactory(status=state, owner=orgs["enterprise"], created_by=people["owner"])
    target = TRANSITIONS.get((state, action))
    by = people[ACTORS[action]]
    if target is None:
        with pytest.raises(ValidationError):
            services.transition(demand, action, by=by, reason="理由")
        demand.refresh_from_db()
        assert demand.status == state
        return
    services.transition(demand, action, by=by, reason="需要补充技术指标")
    demand.refresh_from_db()
    assert demand.status == target
    event = demand.events.get()
    assert (event.action, event.from_status, event.to_status, event.actor) == (action, state, target, by)
    if target == Status.PUBLISHED:
        assert demand.published_at is not None


@pytest.mark.parametrize("action", sorted(REASON_REQUIRED))
def test_return_and_withdraw_need_a_reason(action, orgs, people):
    state = Status.SUBMITTED
    demand = DemandFactory(status=state, owner=orgs["enterprise"])
    with pytest.raises(ValidationError) as exc:
        services.transition(demand, action, by=people["hq_operator"], reason="   ")
    assert "reason" in exc.value.message_dict
    demand.refresh_from_db()
    assert demand.status == state and not demand.events.exists()


def test_two_reviewers_at_once_only_one_wins(orgs, people):
    demand = DemandFactory(status=Status.SUBMITTED, owner=orgs["enterprise"])
    stale_copy = Demand.objects.get(pk=demand.pk)
    services.transition(demand, Action.PUBLISH, by=people["staff_in_scope"])
    with pytest.raises(services.ConflictError):
        services.transition(stale_copy, Action.RETURN, by=people["hq_operator"], reason="指标不清")
    demand.refresh_from_db()
    assert demand.status == Status.PUBLISHED
    assert list(demand.events.values_list("action", flat=True)) == [Action.PUBLISH]


def test_concurrent_edit_is_refused_not_overwritten(orgs, people):
    demand = DemandFactory(status=Status.DRAFT, owner=orgs["enterprise"], created_by=people["owner"])
    seen_version = demand.version
    services.update_listing(
        Demand.objects.get(pk=demand.pk),
        by=people["owner"],
        expected_version=seen_version,
        title="第一次修改的标题",
    )
    with pytest.raises(services.ConflictError):
        services.update_listing(
            Demand.objects.get(pk=demand.pk),
            by=people["owner"],
            expected_version=seen_version,
            title="第二次修改",
        )
    demand.refresh_from_db()
    assert demand.title == "第一次修改的标题"
    assert demand.version == seen_version + 1


def test_create_then_submit_records_both_events(orgs, people):
    from mengkeju.catalog.models import CooperationMode
    from mengkeju.network.models import ChainLink, Division

    demand = services.create_listing(
        Demand,
        by=people["owner"],
        owner=orgs["enterprise"],
        chain_links=list(ChainLink.objects.filter(code="rare-earth.magnets")),
        modes=list(CooperationMode.objects.filter(code="joint_development")),
        submit=True,
        title="烧结钕铁硼废料回收工艺需求",
        problem="每年产生约300吨烧结钕铁硼切削废料，希望找到高回收率、低酸耗的稀土回收工艺。",
        division=Division.objects.get(code="150200"),
    )
    assert demand.status == Status.SUBMITTED
    assert list(demand.events.values_list("action", flat=True)) == [Action.CREATE, Action.SUBMIT]
