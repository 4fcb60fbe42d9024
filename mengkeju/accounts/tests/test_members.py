"""Invitations, join requests and removal: only the organization's administrator decides."""

import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from mengkeju.accounts import services
from mengkeju.accounts.models import Invitation, JoinRequest, Membership
from mengkeju.network.models import User
from mengkeju.network.tests.factories import UserFactory
from mengkeju.notifications.models import Notification

pytestmark = pytest.mark.django_db
PASSWORD = "草原上的密码-Strong-42"


@pytest.fixture
def founder(signup_data):
    return services.sign_up(**signup_data(21))


@pytest.fixture
def colleague(founder):
    user = UserFactory(role=User.Role.MEMBER, organization=founder.organization, email="c@example.cn")
    Membership.objects.create(user=user, organization=founder.organization)
    return user


@pytest.fixture
def loner():
    return services.register_person(username="loner", email="loner@example.cn", password=PASSWORD)


def test_the_admin_invites_by_email_and_the_link_creates_a_member(founder, client, job_queue):
    mail.outbox.clear()
    invitation = services.invite(founder.organization, "New.Colleague@Example.cn", by=founder)
    job_queue()
    sent = [m for m in mail.outbox if "new.colleague@example.cn" in m.to]
    assert len(sent) == 1 and founder.organization.name in sent[0].subject
    path = re.search(r"https?://[^/\s]+(/accounts/invitations/[^\s]+/)", sent[0].body).group(1)
    response = client.post(path, {"username": "colleague2", "password": PASSWORD, "display_name": "李明"})
    assert response.status_code == 302
    member = User.objects.get(username="colleague2")
    assert member.organization == founder.organization and member.email == "new.colleague@example.cn"
    assert member.membership.role == Membership.Role.MEMBER
    invitation.refresh_from_db()
    assert invitation.accepted_by == member
    client.logout()
    assert client.get(path).status_code == 410  # used once only


def test_only_the_admin_invites_and_bad_addresses_are_refused(founder, colleague, people):
    with pytest.raises(PermissionDenied):
        services.invite(founder.organization, "x@example.cn", by=colleague)
    with pytest.raises(PermissionDenied):
        services.invite(founder.organization, "x@example.cn", by=people["hq_operator"])
    with pytest.raises(ValidationError) as exc:
        services.invite(founder.organization, "不是邮箱", by=founder)
    assert "有效" in exc.value.messages[0]
    assert not Invitation.objects.exists()


def test_join_request_approved_by_the_admin_only(founder, colleague, loner, people):
    join_request = services.request_to_join(founder.organization, by=loner, message="我是研发部的")
    admin_notes = Notification.objects.filter(user=founder, kind=Notification.Kind.ORGANIZATION)
    assert admin_notes.filter(message__contains="loner").count() == 1
    assert not Notification.objects.filter(user=colleague).exists()
    with pytest.raises(ValidationError):  # one open request at a time
        services.request_to_join(founder.organization, by=loner)
    for outsider in (colleague, people["hq_operator"], people["owner"]):
        with pytest.raises(PermissionDenied):
            services.decide_join_request(join_request, approve=True, by=outsider)
    services.decide_join_request(join_request, approve=True, by=founder)
    loner.refresh_from_db()
    assert loner.organization == founder.organization
    assert JoinRequest.objects.get().status == JoinRequest.Status.APPROVED
    assert Notification.objects.filter(user=loner, kind=Notification.Kind.ORGANIZATION).count() == 1
    with pytest.raises(ValidationError):
        services.decide_join_request(join_request, approve=False, by=founder)


def test_a_declined_request_leaves_the_person_outside(founder, loner):
    join_request = services.request_to_join(founder.organization, by=loner)
    services.decide_join_request(join_request, approve=False, by=founder)
    loner.refresh_from_db()
    assert loner.organization is None
    assert "拒绝" in Notification.objects.get(user=loner).message


def test_only_the_admin_removes_members(founder, colleague, people):
    other = UserFactory(role=User.Role.MEMBER, organization=founder.organization)
    with pytest.raises(PermissionDenied):
        services.remove_member(founder.organization, other, by=colleague)
    with pytest.raises(ValidationError):
        services.remove_member(founder.organization, founder, by=founder)
    with pytest.raises(ValidationError):
        services.remove_member(founder.organization, people["owner"], by=founder)
    services.remove_member(founder.organization, colleague, by=founder)
    colleague.refresh_from_db()
    assert colleague.organization is None and not Membership.objects.filter(user=colleague).exists()
    assert Notification.objects.filter(user=colleague, kind=Notification.Kind.ORGANIZATION).count() == 1


def test_the_organization_page_shows_admin_tools_to_the_admin_only(client, founder, colleague, loner):
    services.request_to_join(founder.organization, by=loner)
    client.force_login(founder)
    page = client.get("/accounts/organization/").content.decode()
    assert 'id="join-requests"' in page and "loner" in page and 'id="invite-form"' in page
    request_pk = JoinRequest.objects.get().pk
    client.force_login(colleague)
    page = client.get("/accounts/organization/").content.decode()
    assert 'id="join-requests"' not in page and 'id="invite-form"' not in page
    client.post(f"/accounts/organization/requests/{request_pk}/approve/")
    assert JoinRequest.objects.get().status == JoinRequest.Status.PENDING
    client.force_login(founder)
    client.post(f"/accounts/organization/requests/{request_pk}/approve/")
    assert JoinRequest.objects.get().status == JoinRequest.Status.APPROVED
