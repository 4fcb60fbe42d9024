"""On the demo's demand pages, recommendations explain themselves in domain words: no filler among the
shared terms, a plain-language reason from the chain links and division both sides share, no raw
score for the public, and experts, platforms and services only with real domain evidence."""

import re

import pytest
from django.core.management import call_command
from django.test import Client

from mengkeju.catalog.models import Demand, Platform, Status
from mengkeju.catalog.tests.factories import DemandFactory
from mengkeju.demo.loader import load_demo
from mengkeju.matching import adapter
from mengkeju.network.models import ChainLink, Division, Organization, User

pytestmark = pytest.mark.django_db

# The filler the issue found on demo pages as "共同关键词", and more of the same kind.
FILLER = {
    "只能",
    "时间",
    "直接",
    "均匀",
    "长期",
    "kw",
    "验证",
    "完成",
    "工程",
    "诊断",
    "进行",
    "提高",
    "作为",
    "部分",
}
TAG = re.compile(r'<span class="mk-tag">([^<]*)</span>')
REASON = re.compile(r'class="[^"]*match-reason[^"]*">([^<]*)<')


def _section(body: str, anchor: str) -> str:
    start = body.find(f'id="{anchor}"')
    return body[start : body.find('<div class="mk-card', start + 1)] if start >= 0 else ""


@pytest.fixture
def demo_pages():
    load_demo()
    call_command("reindex", "--no-progress", stdout=open("/dev/null", "w"))
    demands = Demand.objects.filter(source="demo", status=Status.PUBLISHED).order_by("pk")[:40]
    assert len(demands) == 40
    client = Client()
    return {d.pk: client.get(f"/demands/{d.pk}/").content.decode() for d in demands}


def test_demo_demand_pages_show_domain_terms_and_reasons_not_filler_or_scores(demo_pages):
    shown, reasons = [], []
    for body in demo_pages.values():
        panels = _section(body, "matches") + _section(body, "resources")
        shown += TAG.findall(panels)
        reasons += [r.strip() for r in REASON.findall(panels) if r.strip()]
        assert "match-score" not in body  # no raw score for the public
    assert len(shown) >= 100, len(shown)  # the panels really show terms
    assert sorted(set(shown) & FILLER) == []
    assert len(reasons) >= 40, len(reasons)
    assert any(r.startswith("同为") and "环节" in r for r in reasons), reasons[:5]
    assert any("同在" in r for r in reasons), reasons[:5]


def test_staff_see_the_scores_behind_a_recommendation(demo_pages):
    pk = next(iter(demo_pages))
    broker = Client()
    broker.force_login(User.objects.get(username="broker"))
    assert "match-score" in broker.get(f"/demands/{pk}/").content.decode()
    enterprise = Client()
    enterprise.force_login(User.objects.get(username="enterprise"))
    assert "match-score" not in enterprise.get(f"/demands/{pk}/").content.decode()


def test_a_platform_that_shares_only_generic_words_is_not_proposed(orgs):
    """The issue's case: an off-grid hydrogen demand was offered an amino-acid fermentation pilot line
    because both texts say 完成 and 工程."""
    division = Division.objects.get(code="150200")
    owner = Organization.objects.filter(kind="university").first() or orgs["enterprise"]
    fermentation = Platform.objects.create(
        name="氨基酸发酵中试线",
        kind=Platform.Kind.PILOT_PLATFORM,
        level=Platform.Level.REGIONAL,
        organization=owner,
        division=division,
        description="已完成多个工程项目的发酵放大，菌种选育与氨基酸提取。",
    )
    fermentation.chain_links.set(ChainLink.objects.filter(code__startswith="dairy.")[:1])
    electrolysis = Platform.objects.create(
        name="离网风光制氢电解槽中试平台",
        kind=Platform.Kind.PILOT_PLATFORM,
        level=Platform.Level.REGIONAL,
        organization=owner,
        division=division,
        description="碱性电解槽与PEM电解槽的离网制氢工程验证，波动电源下的制氢效率测试。",
    )
    hydrogen_link = ChainLink.objects.get(code="wind-solar-hydrogen.electrolysis")
    electrolysis.chain_links.set([hydrogen_link])
    demand = DemandFactory(
        title="离网风电制氢系统",
        problem="需要完成离网风电制氢工程，电解槽在波动功率下稳定运行。",
        chain_links=[hydrogen_link.code],
    )
    adapter.store.rebuild(adapter.RESOURCE)
    platforms = [obj.name for obj, _result in adapter.resources_for_demand(demand)["platform"]]
    assert platforms == ["离网风光制氢电解槽中试平台"]
    body = Client().get(f"/demands/{demand.pk}/").content.decode()
    assert "氨基酸发酵中试线" not in body
    assert "暂无相符的对象" in body  # the experts or services column says none fits
