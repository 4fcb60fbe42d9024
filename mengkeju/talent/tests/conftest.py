import pytest

from mengkeju.network.models import Organization, User
from mengkeju.network.tests.factories import OrganizationFactory, UserFactory
from mengkeju.talent import services


@pytest.fixture
def talent_orgs(orgs):
    """A university and an enterprise in Baotou (150200), another enterprise in Chifeng."""
    return {
        **orgs,
        "university": OrganizationFactory(name="敕勒川测试大学", kind=Organization.Kind.UNIVERSITY),
        "enterprise": orgs["enterprise"],
        "chifeng_enterprise": OrganizationFactory(
            name="赤峰测试企业", division=orgs["chifeng_sub"].serves_divisions.first()
        ),
    }


@pytest.fixture
def roles(people, talent_orgs):
    """One user per role; `university_member` and `enterprise_member` speak for the two organizations."""
    return {
        **people,
        "analyst": UserFactory(role=User.Role.ANALYST),
        "university_member": UserFactory(role=User.Role.MEMBER, organization=talent_orgs["university"]),
        "enterprise_member": people["owner"],
    }


@pytest.fixture
def professor(talent_orgs, roles):
    from mengkeju.network.models import ChainLink

    return services.add_person(
        by=roles["hq_operator"],
        name="乌兰教授",
        kind="researcher",
        organization=talent_orgs["university"],
        title="教授",
        field="稀土永磁材料晶界扩散",
        bio="长期从事钕铁硼磁体晶界扩散与高温退磁研究。",
        chain_links=[ChainLink.objects.get(code="rare-earth.magnets")],
    )


@pytest.fixture
def exchange(professor, talent_orgs, roles):
    from datetime import date

    return services.propose_exchange(
        by=roles["hq_operator"],
        person=professor,
        home=talent_orgs["university"],
        host=talent_orgs["enterprise"],
        role="tech-vice-president",
        starts_on=date(2026, 3, 1),
        ends_on=date(2028, 2, 28),
        purpose="任企业科技副总，牵头磁体中试放大。",
    )
