"""Organization sign-up: bad input writes nothing; a good one makes a PENDING organization and its admin."""

import pytest
from django.core.exceptions import ValidationError

from mengkeju.accounts import services
from mengkeju.accounts.models import Membership, SignUp, VerificationEvent
from mengkeju.network.models import Organization, User
from mengkeju.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _counts():
    return (
        Organization.objects.count(),
        User.objects.count(),
        Membership.objects.count(),
        SignUp.objects.count(),
    )


def test_sign_up_creates_a_pending_organization_and_its_administrator(signup_data, people):
    user = services.sign_up(**signup_data(1))
    org = user.organization
    assert org.verification == Organization.Verification.PENDING and not org.is_verified
    assert org.credit_code == signup_data(1)["credit_code"] and org.kind == "enterprise"
    assert user.membership.role == Membership.Role.ADMIN and user.role == User.Role.MEMBER
    assert user.check_password(signup_data(1)["password"])
    assert org.sign_up.responsible_person == "王建国"
    assert list(org.verification_events.values_list("action", flat=True)) == [
        VerificationEvent.Action.SIGNED_UP
    ]
    # the reviewers serving Baotou and HQ are told; the Chifeng sub-center and members are not
    told = set(
        Notification.objects.filter(kind=Notification.Kind.ORGANIZATION).values_list("user", flat=True)
    )
    assert people["staff_in_scope"].pk in told and people["hq_operator"].pk in told
    assert people["staff_out_of_scope"].pk not in told and people["owner"].pk not in told


@pytest.mark.parametrize("bad", ["91150200MA0000001X", "12345", "", "91150200MA000000IO"])
def test_an_invalid_credit_code_is_refused_in_chinese_and_nothing_is_written(signup_data, bad):
    before = _counts()
    with pytest.raises(ValidationError) as exc:
        services.sign_up(**signup_data(1, credit_code=bad))
    assert exc.value.error_dict["credit_code"][0].code == "invalid"
    assert "统一社会信用代码" in exc.value.message_dict["credit_code"][0]
    assert _counts() == before


def test_the_same_credit_code_twice_is_a_clear_duplicate_error(signup_data):
    services.sign_up(**signup_data(1))
    before = _counts()
    lower = signup_data(2, credit_code=signup_data(1)["credit_code"].lower())
    with pytest.raises(ValidationError) as exc:
        services.sign_up(**lower)
    assert exc.value.error_dict["credit_code"][0].code == "duplicate"
    assert "已注册" in exc.value.message_dict["credit_code"][0]
    assert _counts() == before


def test_an_existing_staff_made_organization_with_the_code_is_a_duplicate(signup_data, orgs):
    Organization.objects.filter(pk=orgs["enterprise"].pk).update(credit_code=signup_data(5)["credit_code"])
    with pytest.raises(ValidationError) as exc:
        services.sign_up(**signup_data(5))
    assert exc.value.error_dict["credit_code"][0].code == "duplicate"


def test_the_sign_up_page_shows_localized_errors_and_writes_nothing(client, signup_data):
    data = signup_data(3, credit_code="91150200MA0000001X")
    data["division"] = data["division"].pk
    before = _counts()
    response = client.post("/accounts/signup/", data)
    assert response.status_code == 200
    assert "不是有效的统一社会信用代码" in response.content.decode()
    assert _counts() == before


def test_the_sign_up_page_signs_up_and_logs_in(client, signup_data):
    data = signup_data(4)
    data["division"] = data["division"].pk
    response = client.post("/accounts/signup/", data)
    assert response.status_code == 302 and response["Location"] == "/accounts/organization/"
    page = client.get("/accounts/organization/").content.decode()
    assert "待认证" in page and data["name"] in page


def test_the_login_page_links_to_sign_up_and_password_reset(client):
    page = client.get("/accounts/login/").content.decode()
    assert 'href="/accounts/signup/"' in page and 'href="/accounts/password/reset/"' in page


def test_weak_password_and_taken_user_name_are_refused(signup_data, people):
    with pytest.raises(ValidationError) as exc:
        services.sign_up(**signup_data(6, password="12345678", username=people["owner"].username))
    assert {"password", "username"} <= set(exc.value.error_dict)
    assert not Organization.objects.filter(credit_code=signup_data(6)["credit_code"]).exists()


def test_a_sign_up_losing_the_race_for_a_code_gets_the_duplicate_error(signup_data):
    """The check-then-write window: another sign-up of the same code committed after the check. The
    unique organization code (uscc-<code>) refuses the second one; the error is the same, nothing written."""
    code = signup_data(7)["credit_code"]
    Organization.objects.create(
        code=f"uscc-{code.lower()}",
        name="并发注册的另一家",
        kind="enterprise",
        division=signup_data(7)["division"],
    )
    before = _counts()
    with pytest.raises(ValidationError) as exc:
        services.sign_up(**signup_data(7))
    assert exc.value.error_dict["credit_code"][0].code == "duplicate"
    assert _counts() == before
