"""Bad input is refused with a clear Chinese message and writes nothing — on the web forms and the API."""

import re

import pytest
from rest_framework.test import APIClient

from mengkeju.catalog.models import Achievement, Demand

pytestmark = pytest.mark.django_db
CHINESE = re.compile(r"[\u4e00-\u9fff]")

VALID_DEMAND = {
    "title": "高温永磁电机退磁问题攻关",
    "problem": "我公司永磁同步电机在180℃工况下出现不可逆退磁，需要提高磁体耐温性能并优化散热结构。",
    "indicators": "工作温度≥180℃；不可逆磁通损失≤3%",
    "division": "150200",
    "chain_links": ["rare-earth.applications"],
    "cooperation_modes": ["joint_development"],
    "budget_yuan": "800000",
}
VALID_ACHIEVEMENT = {
    "title": "晶界扩散低重稀土钕铁硼磁体",
    "summary": "采用镝铽晶界扩散工艺，在重稀土用量降低40%的同时使矫顽力达到25 kOe以上。",
    "division": "150200",
    "chain_links": ["rare-earth.magnets"],
    "transfer_modes": ["license_ordinary"],
    "trl": 6,
}

BAD = [
    ("missing title", {"title": ""}, "title"),
    ("missing problem", {"problem": ""}, "problem"),
    ("over-long title", {"title": "磁" * 201}, "title"),
    ("over-long problem", {"problem": "磁" * 5001}, "problem"),
    ("negative budget", {"budget_yuan": "-5000"}, "budget_yuan"),
    ("absurd budget", {"budget_yuan": "99999999999"}, "budget_yuan"),
    ("unknown chain link", {"chain_links": ["rare-earth.unobtainium"]}, "chain_links"),
    ("unknown division", {"division": "999999"}, "division"),
    ("NUL byte in a code (500 on PostgreSQL before)", {"chain_links": ["rare\u0000"]}, "chain_links"),
    ("NUL byte in the division", {"division": "1502\u000000"}, "division"),
    ("no chain link", {"chain_links": []}, "chain_links"),
    ("unknown cooperation mode", {"cooperation_modes": ["barter"]}, "cooperation_modes"),
    ("deadline in the past", {"deadline": "2001-01-01"}, "deadline"),
]


@pytest.fixture
def owner_api(people):
    api = APIClient()
    api.force_authenticate(people["owner"])
    return api


@pytest.mark.parametrize(("case", "change", "field"), BAD, ids=[b[0] for b in BAD])
def test_api_rejects_bad_demand(case, change, field, owner_api):
    response = owner_api.post("/api/demands/", {**VALID_DEMAND, **change}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert CHINESE.search(str(response.json()[field])), response.json()
    assert not Demand.objects.exists()


@pytest.mark.parametrize(("case", "change", "field"), BAD, ids=[b[0] for b in BAD])
def test_web_form_rejects_bad_demand(case, change, field, client, people, orgs):
    client.force_login(people["owner"])
    data = {**VALID_DEMAND, "owner": orgs["enterprise"].code, **change}
    response = client.post("/demands/new/", data)
    assert response.status_code == 200  # the form again, with messages
    errors = response.context["form"].errors
    assert field in errors, errors
    assert CHINESE.search(" ".join(errors[field]))
    assert f'data-field="{field}"' in response.content.decode()
    assert not Demand.objects.exists()


def test_valid_demand_is_accepted_by_both(client, owner_api, people, orgs):
    assert owner_api.post("/api/demands/", VALID_DEMAND, format="json").status_code == 201
    client.force_login(people["owner"])
    response = client.post(
        "/demands/new/", {**VALID_DEMAND, "title": "另一项需求：磁体涂层", "owner": orgs["enterprise"].code}
    )
    assert response.status_code == 302
    assert Demand.objects.count() == 2


ACHIEVEMENT_BAD = [
    ("TRL out of range", {"trl": 12}, "trl"),
    ("negative price", {"price_yuan": "-1"}, "price_yuan"),
    ("missing summary", {"summary": ""}, "summary"),
    ("over-long summary", {"summary": "稀" * 10001}, "summary"),
    ("unknown transfer mode", {"transfer_modes": ["gift"]}, "transfer_modes"),
    ("bad intellectual property", {"ip_rights": [{"kind": "rumour", "number": "1"}]}, "ip_rights"),
]


@pytest.mark.parametrize(("case", "change", "field"), ACHIEVEMENT_BAD, ids=[b[0] for b in ACHIEVEMENT_BAD])
def test_api_rejects_bad_achievement(case, change, field, people):
    api = APIClient()
    api.force_authenticate(people["owner"])
    response = api.post("/api/achievements/", {**VALID_ACHIEVEMENT, **change}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Achievement.objects.exists()


def test_web_form_rejects_unknown_ip_kind(client, people, orgs):
    client.force_login(people["owner"])
    data = {**VALID_ACHIEVEMENT, "owner": orgs["enterprise"].code, "ip_text": "传闻专利 123"}
    response = client.post("/achievements/new/", data)
    assert "ip_text" in response.context["form"].errors
    assert not Achievement.objects.exists()


def test_edit_with_bad_data_leaves_record_unchanged(people, orgs):
    from .factories import DemandFactory

    demand = DemandFactory(status="draft", owner=orgs["enterprise"], created_by=people["owner"])
    api = APIClient()
    api.force_authenticate(people["owner"])
    response = api.patch(
        f"/api/demands/{demand.pk}/", {"budget_yuan": "-3", "title": "新标题"}, format="json"
    )
    assert response.status_code == 400
    demand.refresh_from_db()
    assert demand.title != "新标题"
    assert not demand.events.exists()


@pytest.mark.parametrize(
    "query",
    [
        "chain=tea",
        "division=000000",
        "mode=barter",
        "trl_min=0",
        "trl_min=7&trl_max=3",
        "link=rare-earth.nope",
    ],
)
def test_unknown_filter_values_are_errors_not_empty_results(query, client):
    api = APIClient().get(f"/api/achievements/?{query}")
    assert api.status_code == 400
    assert CHINESE.search(str(api.json()))
    page = client.get(f"/achievements/?{query}")
    assert page.status_code == 200
    assert page.context["filter"].errors
