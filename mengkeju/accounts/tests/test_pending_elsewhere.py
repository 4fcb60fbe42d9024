"""A pending organization drafts a challenge but cannot submit it, nor apply to one; the catalog page
tells a pending member why submitting failed; a personal account requests to join through the pages."""

import pytest
from django.core.exceptions import ValidationError

from mengkeju.accounts import services
from mengkeju.accounts.models import JoinRequest
from mengkeju.catalog.models import Status
from mengkeju.catalog.tests.factories import DemandFactory
from mengkeju.challenges.models import Challenge
from mengkeju.challenges.tests.factories import DRAFTED_AT, apply_as, draft, published_challenge
from mengkeju.network.models import Organization

pytestmark = pytest.mark.django_db


@pytest.fixture
def founder(signup_data):
    return services.sign_up(**signup_data(41))


def test_a_pending_organization_drafts_a_challenge_but_cannot_submit_it(founder):
    challenge = draft(founder)
    from mengkeju.challenges import services as challenges

    with pytest.raises(ValidationError) as exc:
        challenges.submit_challenge(challenge, by=founder, now=DRAFTED_AT)
    assert exc.value.code == "unverified"
    assert Challenge.objects.get(pk=challenge.pk).status == "draft"


def test_a_pending_organization_cannot_apply_to_a_challenge(founder):
    challenge = published_challenge()
    with pytest.raises(ValidationError) as exc:
        apply_as(founder, challenge)
    assert exc.value.code == "unverified"
    assert not challenge.applications.exists()


def test_the_catalog_page_says_why_submitting_failed(client, founder):
    demand = DemandFactory(status=Status.DRAFT, owner=founder.organization, created_by=founder)
    client.force_login(founder)
    response = client.post(f"/demands/{demand.pk}/submit/", follow=True)
    assert "尚未认证" in response.content.decode()
    demand.refresh_from_db()
    assert demand.status == Status.DRAFT


def test_a_person_registers_and_requests_to_join_through_the_pages(client, founder):
    password = "草原上的密码-Strong-42"
    response = client.post(
        "/accounts/register/", {"username": "newbie", "email": "newbie@example.cn", "password": password}
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/join/"
    page = client.get("/accounts/join/", {"q": founder.organization.credit_code}).content.decode()
    assert founder.organization.name in page
    client.post("/accounts/join/", {"organization": founder.organization.code, "message": "研发部"})
    join_request = JoinRequest.objects.get(user__username="newbie")
    assert join_request.organization == founder.organization
    assert join_request.status == JoinRequest.Status.PENDING
    assert Organization.objects.get(pk=founder.organization_id).people.count() == 1
