"""A Baotou rare-earth pilot platform with a pilot line offering, a testing lab, the people around them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from mengkeju.catalog.models import Platform, Service
from mengkeju.catalog.tests.factories import AchievementFactory
from mengkeju.core import clock
from mengkeju.network.models import ChainLink, Organization, User
from mengkeju.network.tests.factories import OrganizationFactory, UserFactory, division

from ..services import publish_offering


def report_file(name="中试报告.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 pilot run report", content_type="application/pdf")


def soon(days=10):
    return clock.local_date() + timedelta(days=days)


def world():
    """Organizations, people and two offerings: a pilot line (capacity 2 runs a month) and a testing item."""
    hq = Organization.objects.get(kind="headquarters")
    baotou_sub = Organization.objects.get(kind="sub_center", serves_divisions__code="150200")
    chifeng_sub = Organization.objects.get(kind="sub_center", serves_divisions__code="150400")
    platform_org = OrganizationFactory(name="包头稀土研究院测试", kind=Organization.Kind.INSTITUTE)
    lab_org = OrganizationFactory(name="包头稀土检测中心测试", kind=Organization.Kind.SERVICE_PROVIDER)
    enterprise = OrganizationFactory(name="包头昆仑磁材测试")
    other_enterprise = OrganizationFactory(name="包头瑞氢储氢测试")
    platform = Platform.objects.create(
        name="稀土永磁中试平台（测试）",
        kind=Platform.Kind.PILOT_PLATFORM,
        level=Platform.Level.REGIONAL,
        organization=platform_org,
        division=division("150200"),
        whitelisted=True,
    )
    magnets = ChainLink.objects.get(code="rare-earth.magnets")
    platform.chain_links.set([magnets])
    service = Service.objects.create(
        name="稀土材料检测（测试）", kind=Service.Kind.TESTING, provider=lab_org, division=division("150200")
    )
    service.chain_links.set([magnets])
    Role = User.Role
    people = {
        "anonymous": None,
        "enterprise": UserFactory(role=Role.MEMBER, organization=enterprise),
        "other_enterprise": UserFactory(role=Role.MEMBER, organization=other_enterprise),
        "provider": UserFactory(role=Role.MEMBER, organization=platform_org),
        "lab": UserFactory(role=Role.MEMBER, organization=lab_org),
        "staff_in_scope": UserFactory(role=Role.SUBCENTER_STAFF, organization=baotou_sub),
        "staff_out_of_scope": UserFactory(role=Role.SUBCENTER_STAFF, organization=chifeng_sub),
        "broker": UserFactory(role=Role.BROKER, organization=baotou_sub),
        "expert": UserFactory(role=Role.EXPERT),
        "analyst": UserFactory(role=Role.ANALYST),
        "hq_operator": UserFactory(role=Role.HQ_OPERATOR, organization=hq),
        "platform_admin": UserFactory(role=Role.PLATFORM_ADMIN, organization=hq),
    }
    pilot = publish_offering(
        by=people["provider"],
        platform=platform,
        name="烧结钕铁硼磁体中试",
        kind="pilot_run",
        line_name="晶界扩散烧结磁体中试线",
        unit="批次",
        capacity_per_period=2,
        period="month",
        lead_time_days=3,
        unit_price_yuan=Decimal("48000.00"),
    )
    testing = publish_offering(
        by=people["lab"],
        service=service,
        name="稀土配分检测",
        kind="testing",
        standard="GB/T 18115.1-2020",
        accreditation="cma",
        unit="样品",
        capacity_per_period=40,
        period="week",
        unit_price_yuan=Decimal("800.00"),
    )
    achievement = AchievementFactory(owner=enterprise, trl=5)
    return {
        "people": people,
        "platform": platform,
        "service": service,
        "pilot": pilot,
        "testing": testing,
        "enterprise": enterprise,
        "achievement": achievement,
    }
