"""Knowing when nothing matches: nonsense finds nothing in a search box, recommendations keep only
documents with evidence, and on the dev set the floor never drops a judged-relevant document."""

import json

import pytest

from mengkeju.retrieval.embedding import HashingEmbedder
from mengkeju.retrieval.evaluate import Sections, corpus_documents, query_texts
from mengkeju.retrieval.index import LocalIndex
from mengkeju.retrieval.interface import Document

DOCS = [
    ("1", "晶界扩散低重稀土钕铁硼永磁体", "采用镝铽晶界扩散，矫顽力达到25 kOe。产品测试合格。"),
    ("2", "乳清蛋白陶瓷膜分离浓缩工艺", "陶瓷膜与纳滤两级浓缩，乳清蛋白回收率92%。"),
    ("3", "苜蓿种子丸粒化包衣技术", "包衣后发芽率≥90%，适用于干旱草原补播。"),
    ("4", "煤化工高盐废水分盐结晶", "纳滤分盐与蒸发结晶，氯化钠纯度98.5%，经第三方测试。"),
    ("5", "风光制氢碱性电解槽", "宽功率波动下稳定运行的碱性电解槽，离网制氢。"),
]


@pytest.fixture
def index():
    index = LocalIndex(HashingEmbedder(dim=128))
    # Enough filler documents that shares of documents mean something (a word in every one is common).
    filler = [
        Document(id=f"f{i}", title=f"通用设备维修服务{i}", body="提供设备维修与保养。") for i in range(40)
    ]
    index.upsert([Document(id=i, title=t, body=b) for i, t, b in DOCS] + filler)
    return index


@pytest.mark.parametrize("nonsense", ["xyzzy12345", "测试abc", "哈哈哈", "随便看看", "asdfghjkl qwerty"])
def test_nonsense_finds_nothing_in_a_search_box(index, nonsense):
    assert index.search(nonsense, k=20, strict=True) == []


@pytest.mark.parametrize(
    ("query", "expected"), [("钕铁硼", "1"), ("乳清蛋白 膜分离", "2"), ("离网制氢 电解槽", "5")]
)
def test_real_keywords_still_find_their_documents(index, query, expected):
    assert [r.id for r in index.search(query, k=20, strict=True)][:1] == [expected]


def test_a_word_most_documents_hold_is_no_evidence_for_a_recommendation(index):
    loose = {r.id for r in index.search("设备维修后的钕铁硼磁体退磁问题", k=50)}
    floored = [r.id for r in index.search("设备维修后的钕铁硼磁体退磁问题", k=50, floor=True)]
    assert "f0" in loose and "f0" not in floored  # shares only 设备/维修, which forty documents hold
    assert floored[0] == "1"


def test_on_the_dev_set_the_floor_drops_no_judged_relevant_document(shared_data):
    qrels: dict[str, dict[str, int]] = {}
    for line in (shared_data / "qrels-dev.tsv").read_text().splitlines():
        q, _zero, doc, grade = line.split()
        qrels.setdefault(q, {})[doc] = int(grade)
    index = LocalIndex(HashingEmbedder(dim=64))
    records = [json.loads(line) for line in (shared_data / "achievements.jsonl").open(encoding="utf-8")]
    index.upsert(corpus_documents(records, Sections()), embed=False)  # as eval-matching: keywords too
    index.fusion_method = "bm25"
    queries = [json.loads(line) for line in (shared_data / "queries-dev.jsonl").open(encoding="utf-8")]
    texts = query_texts(queries)  # as a demand asks: its title twice
    relevant_kept = relevant_total = 0
    for query in queries:
        relevant = {d for d, g in qrels.get(query["id"], {}).items() if g > 0}
        text = texts[query["id"]]
        kept = {r.id for r in index.search(text, k=3000, floor=True)}
        relevant_total += len(relevant)
        relevant_kept += len(relevant & kept)
    assert relevant_total >= 40
    assert relevant_kept == relevant_total  # every judged-relevant document keeps its evidence


@pytest.mark.slow
def test_with_the_real_model_nonsense_stays_below_the_dense_floor(tmp_path):
    """e5's similarities are compressed (nonsense reaches 0.82–0.86 with its nearest listing): the
    floor is the model's, and nonsense typed into the search box still finds nothing."""
    from mengkeju.retrieval.embedding import E5Embedder, EmbeddingCache

    index = LocalIndex(E5Embedder(), cache=EmbeddingCache(tmp_path / "cache"))
    index.upsert([Document(id=i, title=t, body=b) for i, t, b in DOCS])
    for nonsense in ["xyzzy12345", "测试abc", "哈哈哈", "随便看看", "你好"]:
        assert index.search(nonsense, k=10, strict=True) == [], nonsense
    assert [r.id for r in index.search("钕铁硼", k=10, strict=True)][:1] == ["1"]
    # A paraphrase with no word in common still passes on meaning alone.
    paraphrase = index.search("回收奶酪副产物里的蛋白质", k=10, strict=True)
    assert [r.id for r in paraphrase][:1] == ["2"], [(r.id, r.parts) for r in paraphrase]
