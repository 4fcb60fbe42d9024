"""Factories for open challenges. `published_challenge(...)` goes through the real services (drafted
by a publisher member, published by an HQ operator) with a fixed clock; `apply_as(...)` applies for a
member's organization; `expert_with_user(...)` makes a catalog expert who can sign in and score."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import factory

from mengkeju.catalog.models import Expert
from mengkeju.challenges import services
from mengkeju.network.models import ChainLink, Organization, User
from mengkeju.network.tests.factories import OrganizationFactory, UserFactory, division

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The fixed clock of the tests: applications open on 1 March 2026 and close on 31 March 2026 at 17:00.
OPENS_AT = datetime(2026, 3, 1, 9, 0, tzinfo=SHANGHAI)
CLOSES_AT = datetime(2026, 3, 31, 17, 0, tzinfo=SHANGHAI)
DRAFTED_AT = datetime(2026, 2, 20, 10, 0, tzinfo=SHANGHAI)
DURING = datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)
AFTER_CLOSE = datetime(2026, 4, 1, 9, 0, tzinfo=SHANGHAI)


def hq_operator() -> User:
    return UserFactory(role=User.Role.HQ_OPERATOR, organization=Organization.objects.get(code="hq"))


def member(organization: Organization) -> User:
    return UserFactory(role=User.Role.MEMBER, organization=organization)


class ExpertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Expert
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"专家{n}")
    tier = Expert.Tier.LEADING
    title = "教授"
    organization = factory.SubFactory(OrganizationFactory, kind=Organization.Kind.UNIVERSITY)
    field = "稀土永磁"
    division = factory.LazyFunction(lambda: division("150100"))

    @factory.post_generation
    def chain_links(self, create, extracted, **kwargs):
        if create:
            self.chain_links.set(ChainLink.objects.filter(code__in=extracted or ["rare-earth.magnets"]))


def expert_with_user(**fields) -> Expert:
    expert = ExpertFactory(**fields)
    expert.user = UserFactory(role=User.Role.EXPERT, username=f"expert-{expert.pk}")
    expert.save()
    return expert


INDICATORS = [
    {
        "name": "工作温度",
        "direction": "at_least",
        "target_value": "180",
        "unit": "℃",
        "verification": "第三方检测",
    },
    {
        "name": "不可逆磁通损失",
        "direction": "at_most",
        "target_value": "3",
        "unit": "%",
        "verification": "第三方检测",
    },
]


def challenge_values(**overrides) -> dict:
    values = {
        "title": "高温稀土永磁电机退磁攻关",
        "problem": "永磁同步电机在180℃工况下不可逆退磁，需要耐高温磁体与电机设计方案。",
        "field": "稀土永磁",
        "budget_yuan": Decimal("3000000.00"),
        "mode": "horse_race",
        "teams_to_fund": 2,
        "opens_at": OPENS_AT,
        "closes_at": CLOSES_AT,
        "eligibility": {"inside_region_only": False, "organization_kinds": [], "division_codes": []},
        "ip_terms": "成果知识产权归发榜方所有，揭榜方保留署名权。",
    }
    return {**values, **overrides}


def draft(publisher_member: User, *, indicators=None, chain_links=("rare-earth.magnets",), **overrides):
    return services.draft_challenge(
        by=publisher_member,
        indicators=indicators or INDICATORS,
        chain_links=list(ChainLink.objects.filter(code__in=chain_links)),
        now=DRAFTED_AT,
        **challenge_values(**overrides),
    )


def published_challenge(publisher_member: User | None = None, hq: User | None = None, **overrides):
    publisher_member = publisher_member or member(OrganizationFactory(name="包头稀土电机有限公司"))
    challenge = draft(publisher_member, **overrides)
    services.submit_challenge(challenge, by=publisher_member, now=DRAFTED_AT)
    return services.publish_challenge(challenge, by=hq or hq_operator(), now=DRAFTED_AT + timedelta(days=1))


def application_values(challenge, **overrides) -> dict:
    indicators = list(challenge.indicators.all())
    values = {
        "partners": [],
        "members": [{"name": "张工", "role": "负责人"}, {"name": "李工", "role": "工艺"}],
        "technical_route": "晶界扩散重稀土 + 转子冷却结构优化，小试—中试—装机验证。",
        "budget_yuan": Decimal("1200000.00"),
        # The region's consortium rule: enterprise co-funding at least 2 : 1 to the public funding.
        "cofunding_yuan": Decimal("2400000.00"),
        "commitments": {indicators[0].pk: Decimal("185"), indicators[1].pk: Decimal("2.5")},
        "milestones": [
            {
                "title": "小试样品达标",
                "due_on": date(2026, 9, 30),
                "share_percent": "40",
                "indicator_ids": [indicators[0].pk],
            },
            {
                "title": "装机验证",
                "due_on": date(2027, 3, 31),
                "share_percent": "60",
                "indicator_ids": [indicators[0].pk, indicators[1].pk],
            },
        ],
    }
    return {**values, **overrides}


def apply_as(user: User, challenge, now=DURING, **overrides):
    return services.apply(challenge, by=user, now=now, **application_values(challenge, **overrides))
