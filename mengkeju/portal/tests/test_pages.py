"""The pages a newcomer opens answer in Chinese (and in English when switched), with real content."""

import pytest

from mengkeju.catalog.models import Status
from mengkeju.catalog.tests.factories import AchievementFactory, DemandFactory
from mengkeju.network.models import User
from mengkeju.network.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def listings():
    return {
        "achievement": AchievementFactory(title="晶界扩散钕铁硼磁体"),
        "demand": DemandFactory(title="电机高温退磁攻关", chain_links=["rare-earth.applications"]),
        "hidden": AchievementFactory(title="尚未发布的草稿成果", status=Status.DRAFT),
    }


@pytest.mark.parametrize(
    ("url", "text"),
    [
        ("/", "科技成果转化服务网络"),
        ("/achievements/", "晶界扩散钕铁硼磁体"),
        ("/demands/", "电机高温退磁攻关"),
        ("/network/", "协同机构"),
        ("/experts/", "专家"),
        ("/platforms/", "创新平台"),
        ("/services/", "服务"),
        ("/accounts/login/", "登录"),
        ("/api/schema/", "achievements"),
        ("/api/docs/", "swagger"),
    ],
)
def test_pages_answer_in_chinese(client, listings, url, text):
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert text in body
    assert "尚未发布的草稿成果" not in body


def test_detail_pages_show_the_record(client, listings):
    a = client.get(f"/achievements/{listings['achievement'].pk}/").content.decode()
    assert "晶界扩散钕铁硼磁体" in a and "稀土永磁材料" in a and "技术转让" in a
    d = client.get(f"/demands/{listings['demand'].pk}/").content.decode()
    assert "电机高温退磁攻关" in d and "工作温度≥180℃" in d


def test_english_is_available(client, listings):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = client.get("/achievements/").content.decode()
    assert "Technology achievements" in body
    assert "Rare earths·Permanent magnets" in body  # region-pack names in English too
    assert "Technology transfer" in body  # cooperation mode


def test_filters_narrow_the_list(client, listings):
    AchievementFactory(title="乳清蛋白膜分离", chain_links=["dairy.byproducts"], trl=3)
    page = client.get("/achievements/?chain=dairy").content.decode()
    assert "乳清蛋白膜分离" in page and "晶界扩散钕铁硼磁体" not in page
    page = client.get("/achievements/?trl_min=5").content.decode()
    assert "晶界扩散钕铁硼磁体" in page and "乳清蛋白膜分离" not in page
    page = client.get("/achievements/?q=钕铁硼").content.decode()
    assert "晶界扩散钕铁硼磁体" in page and "乳清蛋白膜分离" not in page
    partial = client.get("/achievements/?chain=dairy", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    assert b"<html" not in partial.content and "乳清蛋白膜分离" in partial.content.decode()


def test_api_lists_and_filters(client, listings):
    data = client.get("/api/achievements/?q=钕铁硼").json()
    assert data["count"] == 1 and data["results"][0]["title"] == "晶界扩散钕铁硼磁体"
    chains = client.get("/api/chains/").json()
    assert chains["count"] == 10


def test_api_token_authentication(listings):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    admin = UserFactory(role=User.Role.PLATFORM_ADMIN)
    token = Token.objects.create(user=admin)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    ids = {r["id"] for r in api.get("/api/achievements/?status=draft").json()["results"]}
    assert listings["hidden"].pk in ids


@pytest.mark.parametrize(
    ("role", "sections"),
    [
        (User.Role.MEMBER, ["my-drafts", "my-records"]),
        (User.Role.SUBCENTER_STAFF, ["review-queue", "new-demands", "my-drafts"]),
        (User.Role.BROKER, ["new-demands", "my-drafts"]),
        (User.Role.HQ_OPERATOR, ["review-queue", "new-demands"]),
    ],
)
def test_workspace_per_role(client, role, sections):
    from mengkeju.network.models import Organization

    org = Organization.objects.get(kind="sub_center", serves_divisions__code="150200")
    user = UserFactory(role=role, organization=org)
    client.force_login(user)
    body = client.get("/workspace/").content.decode()
    for section in sections:
        assert f'id="{section}"' in body
    if role == User.Role.BROKER:
        assert 'id="review-queue"' not in body


def test_list_pages_do_not_query_per_row(client, django_assert_max_num_queries):
    for n in range(25):
        AchievementFactory(
            title=f"批量成果{n}", chain_links=["rare-earth.magnets", "rare-earth.applications"]
        )
        DemandFactory(title=f"批量需求{n}")
    with django_assert_max_num_queries(15):
        assert client.get("/achievements/?chain=rare-earth").status_code == 200
    with django_assert_max_num_queries(15):
        assert client.get("/demands/").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/api/achievements/").status_code == 200


def test_organization_page_lists_only_visible_records(client, listings):
    owner = listings["achievement"].owner
    body = client.get(f"/network/organizations/{owner.code}/").content.decode()
    assert owner.name in body and "晶界扩散钕铁硼磁体" in body
    hidden_owner = listings["hidden"].owner
    assert (
        "尚未发布的草稿成果"
        not in client.get(f"/network/organizations/{hidden_owner.code}/").content.decode()
    )
    assert client.get("/network/organizations/no-such-org/").status_code == 404


def test_lists_show_published_unless_a_status_is_asked_for(client, people, orgs):
    draft = DemandFactory(title="本企业的需求草稿", status=Status.DRAFT, owner=orgs["enterprise"])
    client.force_login(people["owner"])
    assert draft.title not in client.get("/demands/?chain=rare-earth").content.decode()
    assert draft.title in client.get("/demands/?status=draft").content.decode()
    client.force_login(people["other_member"])
    assert draft.title not in client.get("/demands/?status=draft").content.decode()


def test_resource_directories_in_the_api(client):
    from mengkeju.catalog.models import Expert, Platform
    from mengkeju.network.models import ChainLink, Division, Organization

    org = Organization.objects.get(kind="headquarters")
    division = Division.objects.get(code="150200")
    expert = Expert.objects.create(name="王磁", tier="leading", organization=org, division=division)
    expert.chain_links.set(ChainLink.objects.filter(code="rare-earth.magnets"))
    Platform.objects.create(
        name="稀土永磁中试平台",
        kind="pilot_platform",
        level="regional",
        whitelisted=True,
        organization=org,
        division=division,
    )
    (row,) = client.get("/api/experts/").json()["results"]
    assert row == {**row, "name": "王磁", "division": "150200", "chain_links": ["rare-earth.magnets"]}
    platforms = client.get("/api/platforms/?whitelisted=true").json()
    assert platforms["count"] == 1 and platforms["results"][0]["kind"] == "pilot_platform"
    assert client.get("/api/platforms/?whitelisted=false").json()["count"] == 0
