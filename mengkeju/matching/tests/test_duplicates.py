"""Near-copies of published records are pointed out to reviewers and owners, and listed for clean-up."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from mengkeju.catalog.models import Status
from mengkeju.catalog.tests.factories import AchievementFactory, DemandFactory

pytestmark = pytest.mark.django_db

TITLE = "塑料大棚节水灌溉装备与自控技术"
TEXT = "农户型、农场型、农业科技示范园三种类型的塑料大棚节水灌溉装备模式，经微灌规划设计专家系统优化，运行年费用最小，可节省投资10%以上。"


@pytest.fixture
def copies(orgs):
    original = AchievementFactory(title=TITLE, summary=TEXT, keywords="", field="")
    repost = AchievementFactory(
        title=TITLE, summary=TEXT[1:], keywords="", field="", owner=orgs["enterprise"]
    )
    other = AchievementFactory(
        title="苜蓿种子丸粒化包衣技术", summary="包衣后发芽率≥90%，适用于干旱草原补播。"
    )
    submitted = AchievementFactory(
        title=TITLE,
        summary=TEXT + "欢迎洽谈。",
        keywords="",
        field="",
        owner=orgs["enterprise"],
        status=Status.SUBMITTED,
    )
    call_command("reindex", "--kind", "achievement", "--no-progress", stdout=io.StringIO())
    return {"original": original, "repost": repost, "other": other, "submitted": submitted}


def _card(client, user, listing):
    if user is not None:
        client.force_login(user)
    body = client.get(f"/achievements/{listing.pk}/").content.decode()
    if 'id="possible-duplicates"' not in body:
        return None
    return body[body.index('id="possible-duplicates"') :].split("</ul>")[0]


@pytest.mark.parametrize("who", ["hq_operator", "staff_in_scope", "owner"])
def test_reviewers_and_the_owner_see_the_published_copies(client, people, copies, who):
    card = _card(client, people[who], copies["submitted"])
    assert card is not None
    assert (
        f"/achievements/{copies['original'].pk}/" in card and f"/achievements/{copies['repost'].pk}/" in card
    )
    assert f"/achievements/{copies['other'].pk}/" not in card
    assert f"/achievements/{copies['submitted'].pk}/" not in card  # not itself


@pytest.mark.parametrize(
    "who", ["anonymous", "expert", "other_member", "broker_in_scope", "staff_out_of_scope"]
)
def test_others_are_not_shown_the_check(client, people, copies, who):
    assert _card(client, people[who], copies["original"]) is None


def test_an_unrelated_record_has_no_duplicates(client, people, copies):
    assert _card(client, people["hq_operator"], copies["other"]) is None


def test_find_duplicates_lists_the_group_of_published_copies(copies):
    out = io.StringIO()
    with translation.override("en"):
        call_command("find_duplicates", "--kind", "achievement", "--no-progress", stdout=out)
    text = out.getvalue()
    assert "[1]" in text and "[2]" not in text  # one group: the two published copies
    group = text.split("[1]")[1].split("near-duplicate groups")[0]
    assert str(copies["original"].pk) in group and str(copies["repost"].pk) in group
    assert str(copies["other"].pk) not in group and str(copies["submitted"].pk) not in group  # not published
    assert "near-duplicate groups: 1, records: 2" in text


def test_find_duplicates_refuses_a_bad_threshold_and_finds_none_among_distinct_demands(copies):
    with pytest.raises(CommandError, match="阈值必须大于 0"):
        call_command("find_duplicates", "--threshold", "1.5", stdout=io.StringIO())
    DemandFactory(title="电机磁体高温退磁攻关", problem="永磁电机在180℃退磁，需要耐高温钕铁硼磁体。")
    DemandFactory(title="乳清蛋白浓缩工艺改进", problem="现有蒸发浓缩能耗高，希望引入膜分离降低能耗。")
    out = io.StringIO()
    call_command("find_duplicates", "--kind", "demand", "--no-progress", stdout=out)
    assert "近似重复：0 组，共 0 条记录" in out.getvalue()  # Chinese by default


def test_recommendations_show_one_copy_of_a_listing_posted_twice(client, copies):
    demand = DemandFactory(
        title="大棚节水灌溉自动控制", problem="我们需要塑料大棚节水灌溉装备和微灌自控技术，降低运行费用。"
    )
    body = client.get(f"/demands/{demand.pk}/").content.decode()
    matches = body[body.index('id="matches"') :]
    shown = [c for c in ("original", "repost") if f"/achievements/{copies[c].pk}/" in matches]
    assert len(shown) == 1, shown
