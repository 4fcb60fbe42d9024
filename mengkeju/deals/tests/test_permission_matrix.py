"""Role × action: who may see and change deals, contracts and registrations.

The expected table is written out in full and checked against the permission rules, the list
queries (selectors), the web pages and the REST API, so they cannot drift apart.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework.test import APIClient

from mengkeju.deals import permissions, selectors, services
from mengkeju.deals.models import Registration, TechnicalContract
from mengkeju.network.models import User
from mengkeju.network.tests.factories import OrganizationFactory, UserFactory, division

from .factories import DealFactory, make_contract, node

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
Role = User.Role
CStatus = TechnicalContract.Status

ROLES = [
    "anonymous",
    "buyer_member",
    "seller_member",
    "other_member",
    "broker",
    "staff_own",
    "staff_other",
    "hq_operator",
    "expert",
    "platform_admin",
]
ALL = set(ROLES)
NODE = {"broker", "staff_own", "platform_admin"}
PARTIES = {"buyer_member", "seller_member"}
SEES = PARTIES | NODE | {"hq_operator"}
REGISTRARS = {"staff_own", "hq_operator", "platform_admin"}

EXPECTED = {
    "view_deal": SEES,
    "change_deal": NODE,
    "view_contract": SEES,
    "edit_draft": PARTIES | NODE,
    "edit_submitted": set(),
    "edit_registered": set(),
    "submit_draft": {"seller_member"} | NODE,
    "register": REGISTRARS,  # the application was submitted by a seller member
    "amend": {"seller_member"} | NODE,
    "cancel_pending": {"seller_member"} | NODE | REGISTRARS,
    "cancel_registered": REGISTRARS,
    "open_deal": {"broker", "staff_own", "staff_other", "hq_operator", "platform_admin"},
    "see_board": {"broker", "staff_own", "staff_other", "hq_operator", "platform_admin"},
}


@pytest.fixture
def world(db):
    seller = OrganizationFactory(name="某大学", kind="university", division=division("150100"))
    buyer = OrganizationFactory(name="包头某企业", division=division("150200"))
    baotou, chifeng, hq = node("baotou"), node("chifeng"), node("hq")
    people = {
        "anonymous": AnonymousUser(),
        "buyer_member": UserFactory(role=Role.MEMBER, organization=buyer),
        "seller_member": UserFactory(role=Role.MEMBER, organization=seller),
        "other_member": UserFactory(role=Role.MEMBER, organization=OrganizationFactory()),
        "broker": UserFactory(role=Role.BROKER, organization=baotou),
        "staff_own": UserFactory(role=Role.SUBCENTER_STAFF, organization=baotou),
        "staff_other": UserFactory(role=Role.SUBCENTER_STAFF, organization=chifeng),
        "hq_operator": UserFactory(role=Role.HQ_OPERATOR, organization=hq),
        "expert": UserFactory(role=Role.EXPERT),
        "platform_admin": UserFactory(role=Role.PLATFORM_ADMIN, organization=hq),
    }
    deal = DealFactory(sub_center=baotou, buyer=buyer, seller=seller)

    def contract(status=CStatus.DRAFT):
        return make_contract(
            deal=deal,
            seller=seller,
            buyer=buyer,
            seller_division="150100",
            buyer_division="150200",
            status=status,
        )

    return {"people": people, "deal": deal, "contract": contract}


def pending(world):
    contract = world["contract"]()
    return services.submit_contract(contract, by=world["people"]["seller_member"])


def registered(world):
    return services.register(pending(world), by=UserFactory(role=Role.HQ_OPERATOR, organization=node("hq")))


def checks(world):
    deal = world["deal"]
    draft = world["contract"]()
    return {
        "view_deal": lambda u: permissions.can_view_deal(u, deal),
        "change_deal": lambda u: permissions.can_change_deal(u, deal),
        "view_contract": lambda u: permissions.can_view_contract(u, draft),
        "edit_draft": lambda u: permissions.can_edit_contract(u, draft),
        "edit_submitted": lambda u: permissions.can_edit_contract(u, world["contract"](CStatus.SUBMITTED)),
        "edit_registered": lambda u: permissions.can_edit_contract(u, world["contract"](CStatus.REGISTERED)),
        "submit_draft": lambda u: permissions.can_submit_contract(u, draft),
        "register": lambda u: permissions.can_register(u, world["pending"]),
        "amend": lambda u: permissions.can_amend(u, world["registered"]),
        "cancel_pending": lambda u: permissions.can_cancel(u, world["pending"]),
        "cancel_registered": lambda u: permissions.can_cancel(u, world["registered"]),
        "open_deal": lambda u: permissions.can_open_deal(u),
        "see_board": lambda u: permissions.can_see_board(u),
    }


@pytest.mark.parametrize("role", ROLES)
def test_permission_rules_match_the_table(role, world):
    world["registered"] = registered(world)
    world["pending"] = pending(world)
    user = world["people"][role]
    for action, check in checks(world).items():
        assert check(user) == (role in EXPECTED[action]), (action, role)


@pytest.mark.parametrize("role", ROLES)
def test_list_queries_show_exactly_what_may_be_viewed(role, world):
    user = world["people"][role]
    contract = world["contract"]()
    registration = services.submit_contract(world["contract"](), by=world["people"]["seller_member"])
    may = role in EXPECTED["view_deal"]
    assert selectors.visible_deals(user).filter(pk=world["deal"].pk).exists() == may
    assert selectors.visible_contracts(user).filter(pk=contract.pk).exists() == may
    assert selectors.visible_registrations(user).filter(pk=registration.pk).exists() == may
    in_queue = selectors.registration_queue(user).filter(pk=registration.pk).exists()
    assert in_queue == (role in REGISTRARS), role


@pytest.mark.parametrize("role", ROLES)
def test_web_and_api_enforce_the_same_rules(role, world, client):
    user = world["people"][role]
    api = APIClient()
    if role != "anonymous":
        client.force_login(user)
        api.force_authenticate(user)
    deal = world["deal"]
    contract = world["contract"]()
    may_view = role in EXPECTED["view_deal"]
    for page in (f"/deals/{deal.pk}/", f"/deals/contracts/{contract.pk}/"):
        response = client.get(page)
        if role == "anonymous":
            assert response.status_code == 302
        else:
            assert response.status_code == (200 if may_view else 404), (role, page)
    for endpoint in (f"/api/deals/deals/{deal.pk}/", f"/api/deals/contracts/{contract.pk}/"):
        response = api.get(endpoint)
        expected = (200 if may_view else 404) if role != "anonymous" else 401
        assert response.status_code == expected, (role, endpoint, response.status_code)
    patch = api.patch(f"/api/deals/contracts/{contract.pk}/", {"title": "改过的合同名称"}, format="json")
    if role in EXPECTED["edit_draft"]:
        assert patch.status_code == 200, (role, patch.content)
    else:
        assert patch.status_code in (401, 403, 404), (role, patch.status_code)
        contract.refresh_from_db()
        assert contract.title != "改过的合同名称"
    board = client.get("/deals/board/")
    if role == "anonymous":
        assert board.status_code == 302
    else:
        assert board.status_code == (200 if role in EXPECTED["see_board"] else 403), role


@pytest.mark.parametrize("role", ROLES)
def test_only_registrars_register_through_the_api_and_nothing_changes_otherwise(role, world):
    registration = pending(world)
    user = world["people"][role]
    api = APIClient()
    if role != "anonymous":
        api.force_authenticate(user)
    response = api.post(f"/api/deals/registrations/{registration.pk}/register/")
    registration.refresh_from_db()
    if role in REGISTRARS:
        assert response.status_code == 200, response.content
        assert registration.status == Registration.Status.REGISTERED
    else:
        assert response.status_code in (401, 403, 404), (role, response.status_code)
        assert registration.status == Registration.Status.SUBMITTED
        assert registration.number is None
        assert [e.action for e in registration.events.all()] == ["submit"]


def test_the_creator_of_a_draft_may_edit_it_and_nobody_edits_registered_records(world):
    people = world["people"]
    contract = world["contract"]()
    contract.created_by = people["other_member"]
    contract.save()
    assert permissions.can_edit_contract(people["other_member"], contract)
    assert not permissions.can_submit_contract(people["other_member"], contract)
    registration = registered(world)
    for role in ROLES:
        assert not permissions.can_edit_contract(people[role], registration.contract), role


@pytest.mark.parametrize("role", ROLES)
def test_only_registrars_mark_disputes_and_record_expert_reviews(role, world, client):
    """The 2026 review steps (web pages and API) follow `register`; everybody else changes nothing."""
    registration = pending(world)
    user = world["people"][role]
    api = APIClient()
    if role != "anonymous":
        client.force_login(user)
        api.force_authenticate(user)
    client.post(f"/deals/registrations/{registration.pk}/dispute/", {"note": "买方有异议"})
    api.post(f"/api/deals/registrations/{registration.pk}/expert-review/", {"note": "同意"}, format="json")
    registration.refresh_from_db()
    allowed = role in REGISTRARS
    assert registration.is_disputed == allowed, role
    assert (registration.expert_reviewed_at is not None) == allowed, role
    actions = [e.action for e in registration.events.all()]
    assert actions == (["submit", "dispute", "expert_review"] if allowed else ["submit"]), role


@pytest.mark.parametrize("role", ROLES)
def test_for_an_import_the_buyer_side_applies(role, world):
    draft = world["contract"]()
    TechnicalContract.objects.filter(pk=draft.pk).update(is_import=True)
    draft.refresh_from_db()
    expected = {"buyer_member"} | NODE
    assert permissions.can_submit_contract(world["people"][role], draft) == (role in expected), role
