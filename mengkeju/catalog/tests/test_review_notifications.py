"""The review outcome of a listing (published; returned with the reason) reaches the owner organization's
members and the record's author once each, in the site's language, and nobody else."""

import pytest

from mengkeju.catalog import services
from mengkeju.catalog.models import Action, Status
from mengkeju.network.models import User
from mengkeju.network.tests.factories import UserFactory
from mengkeju.notifications.models import Notification

from .factories import AchievementFactory, DemandFactory

pytestmark = pytest.mark.django_db


def told() -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for user_id, message in Notification.objects.filter(kind=Notification.Kind.REVIEW).values_list(
        "user_id", "message"
    ):
        found.setdefault(user_id, []).append(message)
    return found


@pytest.mark.parametrize("factory", [AchievementFactory, DemandFactory])
def test_publishing_tells_the_owners_members_once(people, orgs, factory):
    listing = factory(owner=orgs["enterprise"], status=Status.DRAFT, created_by=people["owner"])
    colleague = UserFactory(role=User.Role.MEMBER, organization=orgs["enterprise"])
    UserFactory(role=User.Role.MEMBER, organization=orgs["enterprise"], is_active=False)
    services.transition(listing, Action.SUBMIT, by=people["owner"])
    assert told() == {}  # submitting tells nobody
    services.transition(listing, Action.PUBLISH, by=people["staff_in_scope"])
    found = told()
    assert set(found) == {people["owner"].pk, colleague.pk}
    assert all(len(messages) == 1 for messages in found.values())
    assert "发布" in found[colleague.pk][0] and listing.title in found[colleague.pk][0]
    kind = "achievements" if factory is AchievementFactory else "demands"
    assert Notification.objects.filter(user=colleague).get().url == f"/{kind}/{listing.pk}/"


def test_returning_tells_the_reason_and_a_broker_author_too(people, orgs):
    broker = people["broker_in_scope"]
    demand = DemandFactory(owner=orgs["enterprise"], status=Status.SUBMITTED, created_by=broker)
    services.transition(demand, Action.RETURN, by=people["hq_operator"], reason="请补充技术指标的测试条件")
    found = told()
    assert set(found) == {people["owner"].pk, broker.pk}
    assert "请补充技术指标的测试条件" in found[people["owner"].pk][0]
    assert "退回" in found[people["owner"].pk][0]
    for role in ("other_member", "staff_in_scope", "hq_operator", "expert"):
        assert people[role].pk not in found
