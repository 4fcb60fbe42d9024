"""The network's own outcomes become relevance judgments: what a listing's owner was shown and opened
(recorded), inquiries, deals and registered contracts (joined), exported for `mengkeju eval-matching`."""

import json
import re

import pytest
from django.core.management import call_command
from django.test import Client
from openpyxl import load_workbook

from mengkeju.catalog.tests.factories import AchievementFactory, DemandFactory
from mengkeju.deals.tests.factories import DealFactory, registered_contract
from mengkeju.inquiries.models import Thread
from mengkeju.insights import judgments
from mengkeju.matching.models import RecommendationEvent

pytestmark = pytest.mark.django_db
LINK = re.compile(r'href="(/achievements/(\d+)/\?rec=demand:(\d+)&amp;rank=(\d+))"')


@pytest.fixture
def demand_with_matches(orgs):
    magnets = AchievementFactory(
        title="耐高温烧结钕铁硼磁体", summary="晶界扩散镝铽，180℃下不可逆退磁小于3%。"
    )
    motors = AchievementFactory(title="钕铁硼永磁电机转子", summary="高温钕铁硼磁体用于永磁电机转子。")
    AchievementFactory(title="乳清蛋白膜分离", summary="陶瓷膜浓缩乳清。")
    demand = DemandFactory(
        title="电机磁体高温退磁攻关",
        problem="永磁电机在180℃退磁，需要耐高温钕铁硼磁体。",
        owner=orgs["enterprise"],
    )
    call_command("reindex", "--no-progress", stdout=open("/dev/null", "w"))
    return demand, magnets, motors


def _client(user=None):
    client = Client()
    if user:
        client.force_login(user)
    return client


def test_the_owner_is_recorded_as_shown_the_recommendations_in_rank_order(demand_with_matches, people):
    demand, magnets, _motors = demand_with_matches
    _client().get(f"/demands/{demand.pk}/")  # anonymous: nothing
    _client(people["other_member"]).get(f"/demands/{demand.pk}/")  # not the owner: nothing
    assert not RecommendationEvent.objects.exists()
    body = _client(people["owner"]).get(f"/demands/{demand.pk}/").content.decode()
    links = LINK.findall(body)
    shown = list(RecommendationEvent.objects.filter(action="shown").values_list("target_id", "rank"))
    assert [(int(a), int(rank)) for _href, a, _d, rank in links] == shown
    assert shown[0][0] == magnets.pk and len(shown) >= 2


def test_opening_a_recommendation_is_recorded_only_for_the_owner_and_only_from_its_own_listing(
    demand_with_matches, people
):
    demand, magnets, _motors = demand_with_matches
    href = f"/achievements/{magnets.pk}/?rec=demand:{demand.pk}&rank=1"
    assert _client(people["other_member"]).get(href).status_code == 200  # someone else's demand
    for bad in (
        "?rec=demand:x&rank=1",
        "?rec=drop table:1",
        "?rec=demand:99999999&rank=1",
        "?rec=demand:1:2",
    ):
        assert _client(people["owner"]).get(f"/achievements/{magnets.pk}/{bad}").status_code == 200
    assert not RecommendationEvent.objects.filter(action="opened").exists()
    assert _client(people["owner"]).get(href).status_code == 200
    opened = RecommendationEvent.objects.get(action="opened")
    assert (opened.source_kind, opened.source_id, opened.target_id, opened.rank) == (
        "demand",
        demand.pk,
        magnets.pk,
        1,
    )
    assert opened.user == people["owner"]


def test_each_pair_gets_the_grade_of_its_strongest_evidence(demand_with_matches, people, orgs):
    demand, magnets, motors = demand_with_matches
    _client(people["owner"]).get(f"/demands/{demand.pk}/")
    _client(people["owner"]).get(f"/achievements/{motors.pk}/?rec=demand:{demand.pk}&rank=2")
    Thread.objects.create(
        kind=Thread.Kind.ACHIEVEMENT,
        subject_key=f"achievement:{motors.pk}",
        achievement=motors,
        title=motors.title,
        inquirer=orgs["enterprise"],
        owner=motors.owner,
        sub_center=orgs["baotou_sub"],
        started_by=people["owner"],
    )
    deal = DealFactory(demand=demand, achievement=magnets)
    registered_contract(deal=deal)
    other = DealFactory(achievement=motors)  # another demand's deal: judged for that demand
    grades = {(j.demand_id, j.achievement_id): (j.grade, j.evidence) for j in judgments.collect()}
    assert grades[(demand.pk, magnets.pk)] == (3, ["shown", "deal", "contract"])
    assert grades[(demand.pk, motors.pk)] == (1, ["shown", "opened", "inquired"])
    assert grades[(other.demand_id, motors.pk)] == (2, ["deal"])
    unopened = [pair for pair, (grade, _e) in grades.items() if grade == 0]
    assert all(pair[0] == demand.pk for pair in unopened)  # shown and passed over


def test_the_export_is_what_eval_matching_reads_and_the_workbook_escapes_formulas(
    demand_with_matches, people, tmp_path
):
    demand, magnets, _motors = demand_with_matches
    AchievementFactory(title='=HYPERLINK("http://x","点我")', summary="公式注入")
    _client(people["owner"]).get(f"/demands/{demand.pk}/")
    registered_contract(deal=DealFactory(demand=demand, achievement=magnets))
    out = tmp_path / "judged"
    call_command("export_judgments", str(out), stdout=open("/dev/null", "w"))
    qrels = (out / "qrels.tsv").read_text().split("\n")
    assert f"D{demand.pk} 0 A{magnets.pk} 3" in qrels
    queries = [json.loads(line) for line in (out / "queries.jsonl").read_text().splitlines()]
    assert queries == [
        {"id": f"D{demand.pk}", "name": demand.title, "text": f"{demand.problem}。{demand.indicators}"}
    ]
    corpus_ids = {json.loads(line)["id"] for line in (out / "corpus.jsonl").read_text().splitlines()}
    assert f"A{magnets.pk}" in corpus_ids and len(corpus_ids) == 4
    sheet = load_workbook(out / "judgments.xlsx").active
    assert sheet["A1"].value and [c.value for c in sheet[3]][4] in ("等级", "Grade")
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    # The files run through the evaluation as they are (BM25 is enough to read the format).
    from mengkeju.retrieval.evaluate import read_jsonl, read_qrels

    assert read_qrels(out / "qrels.tsv")[f"D{demand.pk}"][f"A{magnets.pk}"] == 3
    assert len(read_jsonl(out / "corpus.jsonl")) == 4


def test_exporting_into_a_file_path_is_refused(tmp_path):
    target = tmp_path / "file.txt"
    target.write_text("x")
    with pytest.raises(Exception, match="file"):
        call_command("export_judgments", str(target))
    assert target.read_text() == "x"
