"""A listing's contact phone and e-mail: who reads them on the page and in the API, under the region
pack's `contact_visible_to_verified_members` policy (default: only owners and network staff)."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from mengkeju.catalog import permissions
from mengkeju.network.models import Organization, Region, User
from mengkeju.network.tests.factories import OrganizationFactory, UserFactory

from .factories import AchievementFactory, DemandFactory

pytestmark = pytest.mark.django_db

PHONE, EMAIL = "0472-5550199", "secret-contact@example.cn"
SEES_BY_DEFAULT = {
    "owner",
    "staff_in_scope",
    "staff_out_of_scope",
    "broker_in_scope",
    "hq_operator",
    "platform_admin",
}


@pytest.fixture
def policy():
    region = Region.objects.get()

    def set_policy(value: bool):
        region.parameters = {**region.parameters, permissions.CONTACT_POLICY_PARAMETER: value}
        region.save(update_fields=["parameters"])

    return set_policy


@pytest.fixture
def listings(orgs):
    make = dict(owner=orgs["enterprise"], contact_name="王工", contact_phone=PHONE, contact_email=EMAIL)
    return {"achievement": AchievementFactory(**make), "demand": DemandFactory(**make)}


def _client(user, api=False):
    client = APIClient() if api else Client()
    if user:
        client.force_login(user)
    return client


def _shows_contact(user, kind, listing) -> dict[str, bool]:
    plural = f"{kind}s"
    page = _client(user).get(f"/{plural}/{listing.pk}/").content.decode()
    api_detail = _client(user, api=True).get(f"/api/{plural}/{listing.pk}/").content.decode()
    api_list = _client(user, api=True).get(f"/api/{plural}/").content.decode()
    return {
        "page": PHONE in page and EMAIL in page,
        "detail": PHONE in api_detail and EMAIL in api_detail,
        "list": PHONE in api_list and EMAIL in api_list,
        "leak": any(secret in text for secret in (PHONE, EMAIL) for text in (page, api_detail, api_list)),
    }


@pytest.mark.parametrize("kind", ["achievement", "demand"])
def test_default_policy_shows_contacts_to_owner_and_network_staff_only(people, listings, kind):
    for role, user in people.items():
        seen = _shows_contact(user, kind, listings[kind])
        if role in SEES_BY_DEFAULT:
            assert seen["page"] and seen["detail"] and seen["list"], role
        else:
            assert not seen["leak"], role  # anonymous, expert, another (verified) member


def test_the_region_policy_lets_verified_members_see_them_but_not_pending_ones(people, listings, policy):
    policy(True)
    pending = UserFactory(
        role=User.Role.MEMBER,
        organization=OrganizationFactory(verification=Organization.Verification.PENDING),
    )
    assert _shows_contact(people["other_member"], "demand", listings["demand"])["page"]
    assert _shows_contact(people["other_member"], "achievement", listings["achievement"])["list"]
    for user in (None, people["expert"], pending):
        assert not _shows_contact(user, "demand", listings["demand"])["leak"]
    policy(False)
    assert not _shows_contact(people["other_member"], "demand", listings["demand"])["leak"]


def test_the_rule_itself(people, listings, policy):
    demand = listings["demand"]
    assert not permissions.can_see_contact(None, demand)
    assert not permissions.can_see_contact(people["other_member"], demand)
    assert permissions.can_see_contact(people["other_member"], demand, verified_members=True)
    assert not permissions.can_see_contact(people["expert"], demand, verified_members=True)
    author = UserFactory(role=User.Role.MEMBER)
    demand.created_by = author
    assert permissions.can_see_contact(author, demand)


def test_the_page_says_how_to_reach_the_owner_instead(listings):
    page = Client().get(f"/demands/{listings['demand'].pk}/").content.decode()
    assert 'id="listing-contact-hidden"' in page and "王工" not in page
