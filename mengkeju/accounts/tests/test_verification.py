"""认证: who verifies or returns a pending organization; what a pending organization may do meanwhile."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from mengkeju.accounts import services
from mengkeju.accounts.models import VerificationEvent
from mengkeju.catalog import services as catalog
from mengkeju.catalog.models import Action, CooperationMode, Demand, Status
from mengkeju.catalog.tests.factories import AchievementFactory, DemandFactory
from mengkeju.network.models import ChainLink, Organization, User
from mengkeju.network.tests.factories import UserFactory
from mengkeju.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def founder(signup_data):
    return services.sign_up(**signup_data(11))


@pytest.fixture
def colleague(founder):
    return UserFactory(role=User.Role.MEMBER, organization=founder.organization)


def _links():
    return list(ChainLink.objects.filter(code="rare-earth.magnets"))


def _modes():
    return list(CooperationMode.objects.filter(code="commissioned_development"))


def _org_notes(user):
    return list(Notification.objects.filter(user=user, kind=Notification.Kind.ORGANIZATION))


def test_a_pending_member_saves_a_draft_but_cannot_submit_it(founder, colleague):
    demand = catalog.create_listing(
        Demand,
        by=colleague,
        owner=founder.organization,
        chain_links=_links(),
        modes=_modes(),
        title="高温永磁体退磁攻关",
        problem="永磁同步电机在高温工况下出现不可逆退磁，需要提升磁体耐温性能到180℃以上。",
        division=founder.organization.division,
    )
    assert demand.status == Status.DRAFT
    with pytest.raises(ValidationError) as exc:
        catalog.transition(demand, Action.SUBMIT, by=colleague)
    assert exc.value.code == "unverified" and "尚未认证" in exc.value.messages[0]
    demand.refresh_from_db()
    assert demand.status == Status.DRAFT and demand.events.count() == 1


def test_a_pending_organization_cannot_submit_straight_away_nor_be_published(founder, people):
    with pytest.raises(ValidationError) as exc:
        catalog.create_listing(
            Demand,
            by=founder,
            owner=founder.organization,
            chain_links=_links(),
            modes=_modes(),
            submit=True,
            title="需求",
            problem="永磁同步电机在高温工况下出现不可逆退磁，需要提升磁体耐温性能到180℃以上。",
            division=founder.organization.division,
        )
    assert exc.value.code == "unverified"
    assert not Demand.objects.filter(owner=founder.organization).exists()  # rolled back as a whole
    submitted = AchievementFactory(status=Status.SUBMITTED, owner=founder.organization)
    with pytest.raises(ValidationError):
        catalog.transition(submitted, Action.PUBLISH, by=people["hq_operator"])
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED


def test_after_verification_the_member_submits(founder, colleague, people):
    org = services.verify_organization(founder.organization, by=people["staff_in_scope"])
    demand = DemandFactory(status=Status.DRAFT, owner=org, created_by=colleague)
    catalog.transition(demand, Action.SUBMIT, by=colleague)
    demand.refresh_from_db()
    assert demand.status == Status.SUBMITTED


@pytest.mark.parametrize("who", ["staff_in_scope", "hq_operator", "platform_admin"])
def test_the_serving_sub_center_or_hq_verifies(founder, people, who):
    org = services.verify_organization(founder.organization, by=people[who])
    assert org.verification == Organization.Verification.VERIFIED
    event = org.verification_events.last()
    assert (event.action, event.actor) == (VerificationEvent.Action.APPROVED, people[who])
    notes = _org_notes(founder)
    assert len(notes) == 1 and "已认证" in notes[0].message


@pytest.mark.parametrize("who", ["staff_out_of_scope", "broker_in_scope", "owner", "expert"])
def test_others_cannot_verify_or_return(founder, people, who):
    with pytest.raises(PermissionDenied):
        services.verify_organization(founder.organization, by=people[who])
    with pytest.raises(PermissionDenied):
        services.return_organization(founder.organization, "材料不全", by=people[who])
    founder.organization.refresh_from_db()
    assert founder.organization.verification == Organization.Verification.PENDING
    assert founder.organization.verification_events.count() == 1


def test_return_with_a_reason_notifies_the_admin_only_and_resubmission_makes_it_pending(
    founder, colleague, people
):
    with pytest.raises(ValidationError):
        services.return_organization(founder.organization, "  ", by=people["staff_in_scope"])
    services.return_organization(
        founder.organization, "营业执照名称与填写不一致", by=people["staff_in_scope"]
    )
    org = Organization.objects.get(pk=founder.organization_id)
    assert org.verification == Organization.Verification.RETURNED
    notes = _org_notes(founder)
    assert len(notes) == 1 and "营业执照名称与填写不一致" in notes[0].message
    assert notes[0].kind == Notification.Kind.ORGANIZATION
    assert _org_notes(colleague) == []  # the administrator, not every member
    with pytest.raises(ValidationError):  # returned: cannot be verified before resubmission
        services.verify_organization(org, by=people["hq_operator"])
    with pytest.raises(PermissionDenied):
        services.resubmit_organization(org, by=colleague, name="新名称", division=org.division)
    services.resubmit_organization(org, by=founder, name="包头稀土新材料股份有限公司", division=org.division)
    org.refresh_from_db()
    assert org.verification == Organization.Verification.PENDING and org.name == "包头稀土新材料股份有限公司"
    assert [e.action for e in org.verification_events.all()] == ["signed_up", "returned", "resubmitted"]


def test_verification_pages_and_the_workspace_queue(client, founder, people):
    org = founder.organization
    client.force_login(people["staff_in_scope"])
    workspace = client.get("/workspace/").content.decode()
    assert 'id="verification-queue"' in workspace and org.name in workspace
    response = client.post(f"/accounts/verifications/{org.code}/", {"decision": "return", "reason": ""})
    assert response.status_code == 200 and "请填写理由" in response.content.decode()
    response = client.post(f"/accounts/verifications/{org.code}/", {"decision": "approve"})
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.is_verified
    queue = (
        client.get("/workspace/").content.decode().split('id="verification-queue"')[1].split("</table>")[0]
    )
    assert org.name not in queue
    client.force_login(people["staff_out_of_scope"])
    assert org.name not in client.get("/accounts/verifications/").content.decode()
    assert client.get(f"/accounts/verifications/{org.code}/").status_code == 403
    client.force_login(people["owner"])
    assert 'id="verification-queue"' not in client.get("/workspace/").content.decode()
