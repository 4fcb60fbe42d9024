import pytest

from mengkeju.network.models import Organization, User
from mengkeju.network.tests.factories import OrganizationFactory, UserFactory


@pytest.fixture
def orgs(db):
    """Two enterprises in Baotou (150200) and the network nodes serving Baotou and Chifeng."""
    baotou_sub = Organization.objects.get(kind="sub_center", serves_divisions__code="150200")
    chifeng_sub = Organization.objects.get(kind="sub_center", serves_divisions__code="150400")
    return {
        "enterprise": OrganizationFactory(name="包头示例磁材有限公司"),
        "other_enterprise": OrganizationFactory(name="另一家企业"),
        "baotou_sub": baotou_sub,
        "chifeng_sub": chifeng_sub,
        "hq": Organization.objects.get(kind="headquarters"),
    }


@pytest.fixture
def people(orgs):
    Role = User.Role
    return {
        "anonymous": None,
        "expert": UserFactory(role=Role.EXPERT),
        "owner": UserFactory(role=Role.MEMBER, organization=orgs["enterprise"]),
        "other_member": UserFactory(role=Role.MEMBER, organization=orgs["other_enterprise"]),
        "staff_in_scope": UserFactory(role=Role.SUBCENTER_STAFF, organization=orgs["baotou_sub"]),
        "staff_out_of_scope": UserFactory(role=Role.SUBCENTER_STAFF, organization=orgs["chifeng_sub"]),
        "broker_in_scope": UserFactory(role=Role.BROKER, organization=orgs["baotou_sub"]),
        "hq_operator": UserFactory(role=Role.HQ_OPERATOR, organization=orgs["hq"]),
        "platform_admin": UserFactory(role=Role.PLATFORM_ADMIN, organization=orgs["hq"]),
    }
