"""Role × action: who may see and change licences, payments, declarations and revenue sharing.

The expected table is written out in full; each cell is checked against the permission rules, the
list queries (selectors), the web pages and the REST API, so they cannot drift apart.
"""

from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework.test import APIClient

from mengkeju.core.roles import Role
from mengkeju.licensing import permissions, selectors, services
from mengkeju.licensing.models import Licence, LicenceEvent, Payment, PaymentReceipt, RoyaltyReport

from .conftest import ROLES
from .factories import converted_royalty_licence, royalty_payment, trial_licence

pytestmark = pytest.mark.django_db

PARTIES = {"licensor_member", "licensee_member"}
OVERSIGHT = {"hq_operator", "platform_admin"}
EVERYONE = set(ROLES)

# For each capability, the roles that have it.
EXPECTED = {
    "view licence and payments": PARTIES | OVERSIGHT,
    "grant or start trial": {"licensor_member"},
    "terminate": {"licensor_member"},
    "convert trial": {"licensee_member"},
    "exit trial": {"licensee_member"},
    "file royalty report": {"licensee_member"},
    "record payment": {"licensor_member"},
    "view revenue policy and statements": {"licensor_member"} | OVERSIGHT,
    "set revenue policy": {"licensor_member"},
    "view standing declaration": EVERYONE,
    "view withdrawn declaration": {"licensor_member"} | OVERSIGHT,
    "declare open licence": {"licensor_member"},
    "withdraw declaration": {"licensor_member"},
    "accept open licence for own organization": {"licensee_member", "unrelated_member"},
}


@pytest.fixture
def situation(parties):
    """A converted royalty licence with a paid royalty and a statement, a draft and a running trial,
    a standing and a withdrawn open licence declaration."""
    services.set_revenue_share_policy(
        parties["licensor"],
        by=parties["licensor_member"],
        valid_from=date(2026, 1, 1),
        inventors_share="0.7",
        team_share="0.1",
        institution_share="0.2",
    )
    paid = converted_royalty_licence(parties)
    payment = royalty_payment(paid, parties, start=date(2026, 6, 1), end=date(2026, 6, 30), sales="10000")
    receipt = services.record_payment(
        paid, by=parties["licensor_member"], received_on=date(2026, 7, 15), amount_yuan=payment.amount_yuan
    )
    draft = trial_licence(parties)
    trial = trial_licence(parties)
    services.start_trial(trial, by=parties["licensor_member"], on=date(2026, 1, 15))
    from mengkeju.catalog.tests.factories import AchievementFactory

    standing = services.declare_open_licence(
        AchievementFactory(owner=parties["licensor"]),
        by=parties["licensor_member"],
        declared_on=date(2026, 2, 1),
        payment_method="转账",
        term_months=24,
        fee_model="lump_sum",
        lump_sum_yuan="10000",
    )
    withdrawn = services.declare_open_licence(
        AchievementFactory(owner=parties["licensor"]),
        by=parties["licensor_member"],
        declared_on=date(2026, 2, 1),
        payment_method="转账",
        term_months=24,
        fee_model="free",
    )
    services.withdraw_open_licence(
        withdrawn, by=parties["licensor_member"], on=date(2026, 3, 1), reason="调整"
    )
    return {
        "paid": paid,
        "draft": draft,
        "trial": trial,
        "receipt": receipt,
        "statement": receipt.statement,
        "standing": standing,
        "withdrawn": withdrawn,
    }


def _user(parties, role):
    return parties[role] or AnonymousUser()


def _own_organization(parties, role):
    user = parties[role]
    return getattr(user, "organization", None)


@pytest.mark.parametrize("role", ROLES)
def test_permission_rules_match_the_table(role, parties, situation):
    user = _user(parties, role)
    own = _own_organization(parties, role)
    checks = {
        "view licence and payments": permissions.can_view_licence(user, situation["paid"]),
        "grant or start trial": permissions.can_grant(user, situation["draft"]),
        "terminate": permissions.can_terminate(user, situation["paid"]),
        "convert trial": permissions.can_convert(user, situation["trial"]),
        "exit trial": permissions.can_exit_trial(user, situation["trial"]),
        "file royalty report": permissions.can_file_royalty_report(user, situation["paid"]),
        "record payment": permissions.can_record_payment(user, situation["paid"]),
        "view revenue policy and statements": permissions.can_view_revenue(user, parties["licensor"].pk),
        "set revenue policy": permissions.can_set_revenue_policy(user, parties["licensor"]),
        "view standing declaration": permissions.can_view_declaration(user, situation["standing"]),
        "view withdrawn declaration": permissions.can_view_declaration(user, situation["withdrawn"]),
        "declare open licence": permissions.can_declare(user, parties["achievement"]),
        "withdraw declaration": permissions.can_withdraw_declaration(user, situation["standing"]),
        "accept open licence for own organization": own is not None
        and permissions.can_accept_open_licence(user, situation["standing"], own),
    }
    assert set(checks) == set(EXPECTED)
    for capability, allowed in checks.items():
        assert allowed == (role in EXPECTED[capability]), (capability, role)


@pytest.mark.parametrize("role", ROLES)
def test_list_queries_show_exactly_what_may_be_viewed(role, parties, situation):
    user = _user(parties, role)
    sees_licences = role in EXPECTED["view licence and payments"]
    licence_ids = set(selectors.visible_licences(user).values_list("pk", flat=True))
    assert licence_ids == (
        {situation["paid"].pk, situation["draft"].pk, situation["trial"].pk} if sees_licences else set()
    )
    assert selectors.visible_payments(user).exists() == sees_licences
    assert selectors.visible_statements(user).exists() == (
        role in EXPECTED["view revenue policy and statements"]
    )
    declarations = set(selectors.visible_declarations(user))
    assert situation["standing"] in declarations
    assert (situation["withdrawn"] in declarations) == (role in EXPECTED["view withdrawn declaration"])


@pytest.mark.parametrize("role", ROLES)
def test_web_pages_and_api_enforce_the_same_rules(role, parties, situation, client):
    user = parties[role]
    api = APIClient()
    if user is not None:
        client.force_login(user)
        api.force_authenticate(user)
    paid, statement = situation["paid"], situation["statement"]

    may_view = role in EXPECTED["view licence and payments"]
    page = client.get(f"/licensing/{paid.pk}/")
    assert page.status_code == (200 if may_view else 302 if user is None else 404), role
    response = api.get(f"/api/licensing/licences/{paid.pk}/")
    assert response.status_code == (200 if may_view else 401 if user is None else 404), role
    if may_view:
        assert [p["state"] for p in response.json()["payments"]] == ["paid"]
    payments = api.get("/api/licensing/payments/")
    if user is None:
        assert payments.status_code == 401
    else:
        assert payments.json()["count"] == (1 if may_view else 0), role

    sees_revenue = role in EXPECTED["view revenue policy and statements"]
    statement_page = client.get(f"/licensing/statements/{statement.pk}/")
    assert statement_page.status_code == (200 if sees_revenue else 302 if user is None else 404), role
    if may_view:  # the statement is shown on the licence page to the licensor's side only
        assert ("收益分配单" in page.content.decode()) == sees_revenue, role
    statements = api.get(f"/api/licensing/revenue-statements/{statement.pk}/")
    assert statements.status_code == (200 if sees_revenue else 401 if user is None else 404), role
    policies = api.get("/api/licensing/revenue-policies/")
    if user is None:
        assert policies.status_code == 401
    else:
        assert policies.json()["count"] == (1 if sees_revenue else 0), role

    withdrawn = situation["withdrawn"]
    may_see_withdrawn = role in EXPECTED["view withdrawn declaration"]
    assert client.get(f"/licensing/open/{withdrawn.pk}/").status_code == (200 if may_see_withdrawn else 404)
    assert api.get(f"/api/licensing/open-licences/{withdrawn.pk}/").status_code == (
        200 if may_see_withdrawn else 404
    )
    assert client.get(f"/licensing/open/{situation['standing'].pk}/").status_code == 200
    assert api.get(f"/api/licensing/open-licences/{situation['standing'].pk}/").status_code == 200


def _snapshot():
    return (
        list(Licence.objects.order_by("pk").values_list("status", flat=True)),
        LicenceEvent.objects.count(),
        RoyaltyReport.objects.count(),
        Payment.objects.count(),
        PaymentReceipt.objects.count(),
    )


@pytest.mark.parametrize("role", ROLES)
def test_forbidden_acts_are_refused_and_change_nothing(role, parties, situation):
    user = _user(parties, role)
    paid, trial, draft = situation["paid"], situation["trial"], situation["draft"]
    acts = {
        "grant or start trial": lambda: services.start_trial(draft, by=user, on=date(2026, 2, 1)),
        "terminate": lambda: services.terminate_licence(paid, by=user, on=date(2026, 8, 1), reason="测试"),
        "convert trial": lambda: services.convert_to_paid(trial, by=user, on=date(2026, 8, 1)),
        "exit trial": lambda: services.exit_trial(trial, by=user, on=date(2026, 8, 1), reason="测试"),
        "file royalty report": lambda: services.file_royalty_report(
            paid,
            by=user,
            period_start_on=date(2026, 7, 1),
            period_end_on=date(2026, 7, 31),
            sales_revenue_yuan="5000",
            filed_on=date(2026, 8, 1),
        ),
        "record payment": lambda: services.record_payment(
            paid, by=user, received_on=date(2026, 8, 1), amount_yuan="1.00"
        ),
        "set revenue policy": lambda: services.set_revenue_share_policy(
            parties["licensor"],
            by=user,
            valid_from=date(2027, 1, 1),
            inventors_share="0.9",
            team_share="0",
            institution_share="0.1",
        ),
        "withdraw declaration": lambda: services.withdraw_open_licence(
            situation["standing"], by=user, on=date(2026, 8, 1), reason="测试"
        ),
    }
    for capability, act in acts.items():
        if role in EXPECTED[capability]:
            continue
        before = _snapshot()
        with pytest.raises((PermissionDenied, ValidationError)):
            act()
        assert _snapshot() == before, (capability, role)


@pytest.mark.parametrize("role", ROLES)
def test_api_refuses_forbidden_changes(role, parties, situation):
    user = parties[role]
    api = APIClient()
    if user is not None:
        api.force_authenticate(user)
    paid, trial = situation["paid"], situation["trial"]
    before = _snapshot()
    report = api.post(
        f"/api/licensing/licences/{paid.pk}/royalty-reports/",
        {
            "period_start_on": "2026-07-01",
            "period_end_on": "2026-07-31",
            "sales_revenue_yuan": "5000",
            "filed_on": "2026-08-01",
        },
        format="json",
    )
    exit_ = api.post(
        f"/api/licensing/licences/{trial.pk}/exit/", {"reason": "停止使用", "on": "2026-08-01"}, format="json"
    )
    expected_refusal = (401,) if user is None else (403, 404)
    if role == "licensee_member":
        assert report.status_code == 201, report.content
        assert exit_.status_code == 200, exit_.content
    else:
        assert report.status_code in expected_refusal, (role, report.status_code)
        assert exit_.status_code in expected_refusal, (role, exit_.status_code)
        assert _snapshot() == before
    pay = api.post(
        f"/api/licensing/licences/{paid.pk}/payments/",
        {"received_on": "2026-08-01", "amount_yuan": "1.00"},
        format="json",
    )
    if role == "licensor_member":
        assert pay.status_code == 400  # allowed, but nothing is outstanding: a clear error
        assert "未付清" in str(pay.json())
    else:
        assert pay.status_code in expected_refusal, (role, pay.status_code)


@pytest.mark.parametrize("role", ROLES)
def test_visibility_does_not_depend_on_status(role, parties):
    """Licences in every status, made directly: the list query and the rule agree on each."""
    from .factories import DeclarationFactory, LicenceFactory

    user = _user(parties, role)
    achievement = parties["achievement"]
    licences = [
        LicenceFactory(achievement=achievement, licensee=parties["licensee"], status=status)
        for status in Licence.Status
    ]
    visible = set(selectors.visible_licences(user))
    for licence in licences:
        assert (
            (licence in visible)
            == permissions.can_view_licence(user, licence)
            == (role in EXPECTED["view licence and payments"])
        ), (role, licence.status)
    withdrawn = DeclarationFactory(achievement=achievement, status="withdrawn")
    assert (withdrawn in set(selectors.visible_declarations(user))) == (
        role in EXPECTED["view withdrawn declaration"]
    )


def test_someone_of_the_institution_who_is_not_its_member_reads_no_policy(parties, situation, client):
    """An expert (or staff) account attached to the university is not a member acting for it: the policy
    page refuses, and the API lists nothing either (it used to list the institution's policies)."""
    from mengkeju.network.tests.factories import UserFactory

    expert = UserFactory(role=Role.EXPERT, organization=parties["licensor"])
    client.force_login(expert)
    assert client.get("/licensing/revenue-policy/").status_code == 403
    api = APIClient()
    api.force_authenticate(expert)
    assert api.get("/api/licensing/revenue-policies/").json()["count"] == 0
