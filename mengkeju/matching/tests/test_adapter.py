"""The index follows the catalog: publish, edit and withdraw update it; pages show matches with reasons."""

import pytest
from django.core.management import call_command

from mengkeju.catalog import services
from mengkeju.catalog.models import Action, Status
from mengkeju.catalog.tests.factories import AchievementFactory, DemandFactory
from mengkeju.matching import adapter

pytestmark = pytest.mark.django_db


def _ids(kind, query):
    return [r.id for r in adapter.store.search(kind, query, k=10)]


def test_publish_edit_withdraw_keep_the_index_in_step(orgs, people, django_capture_on_commit_callbacks):
    achievement = AchievementFactory(
        title="乳清蛋白陶瓷膜分离浓缩工艺",
        summary="陶瓷膜与纳滤两级浓缩，乳清蛋白回收率92%。",
        status=Status.SUBMITTED,
        owner=orgs["enterprise"],
        chain_links=["dairy.byproducts"],
    )
    AchievementFactory(title="晶界扩散钕铁硼磁体")  # published, indexed on rebuild
    assert str(achievement.pk) not in _ids("achievement", "乳清蛋白")
    with django_capture_on_commit_callbacks(execute=True):
        services.transition(achievement, Action.PUBLISH, by=people["hq_operator"])
    assert _ids("achievement", "乳清蛋白")[0] == str(achievement.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.update_listing(achievement, by=people["hq_operator"], title="乳糖结晶回收与乳清联产工艺")
    assert _ids("achievement", "乳糖结晶")[0] == str(achievement.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.transition(achievement, Action.WITHDRAW, by=people["hq_operator"], reason="权属有争议")
    assert str(achievement.pk) not in _ids("achievement", "乳糖结晶 乳清")


def test_index_survives_restart_and_corruption_triggers_rebuild(orgs, settings):
    first = AchievementFactory(title="苜蓿种子丸粒化包衣技术", chain_links=["grass.seed"])
    adapter.store.rebuild("achievement")
    adapter.store.reset()  # a new worker process
    assert _ids("achievement", "苜蓿种子")[0] == str(first.pk)
    folder = adapter.store.folder("achievement")
    generation = folder / (folder / "CURRENT").read_text()
    (generation / "docs.jsonl").write_text("{broken", encoding="utf-8")
    adapter.store.reset()
    assert _ids("achievement", "苜蓿种子")[0] == str(first.pk)  # rebuilt from the database


def test_demand_page_recommends_achievements_with_reasons(client):
    AchievementFactory(title="耐高温烧结钕铁硼磁体", summary="晶界扩散镝铽，工作温度180℃下不可逆退磁小于3%。")
    AchievementFactory(title="乳清蛋白膜分离", summary="陶瓷膜浓缩乳清。", chain_links=["dairy.byproducts"])
    demand = DemandFactory(title="电机磁体高温退磁攻关", problem="永磁电机在180℃退磁，需要耐高温钕铁硼磁体。")
    call_command("reindex", "--no-progress", stdout=open("/dev/null", "w"))
    body = client.get(f"/demands/{demand.pk}/").content.decode()
    assert 'id="matches"' in body
    assert (
        body.index("耐高温烧结钕铁硼磁体") < body.index("乳清蛋白膜分离")
        if "乳清蛋白膜分离" in body
        else True
    )
    assert "<mark>" in body  # the best-matching passage is highlighted


def test_achievement_page_lists_enterprises_that_need_it(client):
    achievement = AchievementFactory(title="耐高温烧结钕铁硼磁体", summary="工作温度180℃，不可逆退磁小于3%。")
    DemandFactory(title="电机磁体高温退磁攻关", problem="永磁电机在180℃工况退磁，需要耐高温钕铁硼磁体。")
    body = client.get(f"/achievements/{achievement.pk}/").content.decode()
    assert "电机磁体高温退磁攻关" in body


def test_a_demand_is_routed_to_the_sub_center_of_its_division_and_chain(client):
    from mengkeju.network.models import Organization
    from mengkeju.network.selectors import responsible_nodes

    demand = DemandFactory(chain_links=["rare-earth.applications"])  # Baotou, rare earths
    nodes = responsible_nodes(demand.division, {link.chain_id for link in demand.chain_links.all()})
    baotou = Organization.objects.get(kind="sub_center", serves_divisions__code="150200")
    assert nodes[0] == baotou
    assert all(n.kind in ("sub_center", "enclave") for n in nodes)
    assert baotou.name in client.get(f"/demands/{demand.pk}/").content.decode()


def test_demand_page_suggests_experts_platforms_and_services(client):
    from mengkeju.catalog.models import Expert, Platform
    from mengkeju.network.models import ChainLink, Division, Organization

    org = Organization.objects.get(kind="headquarters")
    division = Division.objects.get(code="150200")
    expert = Expert.objects.create(
        name="李永磁",
        tier="leading",
        title="教授",
        field="稀土永磁材料",
        bio="长期从事钕铁硼磁体耐高温与晶界扩散研究。",
        organization=org,
        division=division,
    )
    expert.chain_links.set(ChainLink.objects.filter(code="rare-earth.magnets"))
    Expert.objects.create(
        name="张乳业",
        tier="reserve",
        field="乳品加工",
        bio="乳清蛋白分离。",
        organization=org,
        division=division,
    )
    Platform.objects.create(
        name="稀土永磁材料中试平台",
        kind="pilot_platform",
        level="regional",
        whitelisted=True,
        organization=org,
        division=division,
        description="烧结钕铁硼磁体中试与性能检测。",
    )
    demand = DemandFactory(title="电机磁体高温退磁攻关", problem="永磁电机在180℃退磁，需要耐高温钕铁硼磁体。")
    body = client.get(f"/demands/{demand.pk}/").content.decode()
    assert 'id="resources"' in body
    assert body.index("李永磁") < body.index("张乳业") if "张乳业" in body else "李永磁" in body
    assert "稀土永磁材料中试平台" in body
    # A new expert added in the admin is picked up without a signal (the directory fingerprint changed).
    Expert.objects.create(
        name="王钕铁硼",
        tier="leading",
        field="钕铁硼",
        bio="钕铁硼磁体退磁机理。",
        organization=org,
        division=division,
    )
    assert "王钕铁硼" in client.get(f"/demands/{demand.pk}/").content.decode()


def test_an_achievement_is_indexed_by_field_and_a_demand_asks_with_its_title_twice():
    achievement = AchievementFactory(
        title="高温合金精密铸造",
        summary="真空感应熔炼，铸件合格率提升。",
        keywords="航空发动机叶片，定向凝固",
        field="新材料-高温合金",
    )
    doc = adapter.document(achievement)
    assert doc.body == "真空感应熔炼，铸件合格率提升。"  # what is embedded: title and text
    assert doc.keywords == "航空发动机叶片，定向凝固。新材料-高温合金"  # searched with its own weight
    adapter.store.rebuild("achievement")
    assert _ids("achievement", "定向凝固")[0] == str(achievement.pk)  # found by a keyword alone

    demand = DemandFactory(
        title="叶片铸造缺陷攻关", problem="定向凝固叶片存在杂晶。", indicators="合格率≥95%"
    )
    assert (
        adapter.demand_query(demand) == "叶片铸造缺陷攻关。叶片铸造缺陷攻关。定向凝固叶片存在杂晶。合格率≥95%"
    )
    assert adapter.document(demand).keywords == ""
