"""The cast of licensing tests: a university licensing an achievement to an enterprise, and one
person in every role around them."""

import pytest

from mengkeju.catalog.tests.factories import AchievementFactory
from mengkeju.network.models import Organization, User
from mengkeju.network.tests.factories import OrganizationFactory, UserFactory

from .factories import UniversityFactory

Role = User.Role
ROLES = [
    "anonymous",
    "licensor_member",
    "licensee_member",
    "unrelated_member",
    "broker",
    "subcenter_staff",
    "hq_operator",
    "expert",
    "platform_admin",
]


@pytest.fixture
def parties(db):
    university = UniversityFactory(name="内蒙古测试大学")
    enterprise = OrganizationFactory(name="包头稀土永磁科技有限公司")
    unrelated = OrganizationFactory(name="无关企业有限公司")
    baotou_sub = Organization.objects.get(kind="sub_center", serves_divisions__code="150200")
    hq = Organization.objects.get(kind="headquarters")
    achievement = AchievementFactory(owner=university, inventors="张明、李华、王芳")
    return {
        "licensor": university,
        "licensee": enterprise,
        "unrelated": unrelated,
        "achievement": achievement,
        "anonymous": None,
        "licensor_member": UserFactory(role=Role.MEMBER, organization=university),
        "licensee_member": UserFactory(role=Role.MEMBER, organization=enterprise),
        "unrelated_member": UserFactory(role=Role.MEMBER, organization=unrelated),
        "broker": UserFactory(role=Role.BROKER, organization=baotou_sub),
        "subcenter_staff": UserFactory(role=Role.SUBCENTER_STAFF, organization=baotou_sub),
        "hq_operator": UserFactory(role=Role.HQ_OPERATOR, organization=hq),
        "expert": UserFactory(role=Role.EXPERT),
        "platform_admin": UserFactory(role=Role.PLATFORM_ADMIN, organization=hq),
    }
