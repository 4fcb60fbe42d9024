"""Field weights: a record's title counts twice, its keywords once and only in the lexical index (not in
what is embedded), its text once; a demand asking counts its title twice."""

from __future__ import annotations

from collections import Counter

import pytest

from mengkeju.retrieval import text
from mengkeju.retrieval.embedding import HashingEmbedder
from mengkeju.retrieval.index import Document, LocalIndex
from mengkeju.retrieval.passages import PassageStrategy
from mengkeju.retrieval.text import document_tokens, record_query, tokens


def test_each_field_counts_its_weight():
    counted = Counter(document_tokens("钕铁硼永磁体", "晶界扩散降低重稀土用量", "稀土功能材料"))
    title, body = Counter(tokens("钕铁硼永磁体")), Counter(tokens("晶界扩散降低重稀土用量"))
    keywords = Counter(tokens("稀土功能材料"))
    for term in title:
        assert counted[term] == text.TITLE_REPEAT * title[term] + keywords[term] + body[term]
    for term in keywords:
        assert (
            counted[term]
            == text.KEYWORD_REPEAT * keywords[term] + text.TITLE_REPEAT * title[term] + body[term]
        )
    assert text.TITLE_REPEAT == 2 and text.KEYWORD_REPEAT == 1
    # Without keywords the words are those of title and text alone.
    assert document_tokens("钕铁硼永磁体", "晶界扩散") == tokens("钕铁硼永磁体 钕铁硼永磁体 晶界扩散")


@pytest.mark.parametrize(
    ("title", "body", "expected"),
    [
        (
            "3D引擎性能优化系统",
            "改善游戏的流畅性",
            "3D引擎性能优化系统。3D引擎性能优化系统。改善游戏的流畅性",
        ),
        ("", "只有正文", "只有正文"),
        ("只有标题", "", "只有标题。只有标题"),
        ("  ", "  ", ""),
    ],
)
def test_a_record_asks_with_its_title_twice(title, body, expected):
    assert text.QUERY_TITLE_REPEAT == 2
    assert record_query(title, body) == expected


def index_with(docs):
    index = LocalIndex(HashingEmbedder(), strategy=PassageStrategy.parse("lead:120"))
    index.upsert(docs)
    index.refresh()
    return index


DOCS = [
    Document("k1", "高温合金精密铸造", "真空感应熔炼，铸件合格率提升。", keywords="航空发动机叶片"),
    Document("k2", "乳清蛋白膜分离", "陶瓷膜两级浓缩。"),
    Document("k3", "草种丸粒化包衣", "发芽率≥90%，适用于干旱草原。", keywords=""),
]


class Recording(HashingEmbedder):
    def __init__(self):
        super().__init__()
        self.read: list[str] = []

    def passages(self, texts):
        self.read.extend(texts)
        return super().passages(texts)


def test_keywords_are_searched_but_not_embedded():
    embedder = Recording()
    index = LocalIndex(embedder, strategy=PassageStrategy.parse("lead:120"))
    index.upsert(DOCS)
    index.refresh()
    assert [hit.id for hit in index.search("航空发动机叶片", k=3, strict=True)] == ["k1"]
    # What the dense model reads is the title and the text, as before keywords existed.
    assert "高温合金精密铸造。真空感应熔炼，铸件合格率提升。" in embedder.read
    assert not any("航空" in passage for passage in embedder.read)
    hit = index.search("航空发动机叶片", k=1)[0]
    assert hit.id == "k1" and any("叶片" in term for term in hit.explanation["shared_terms"])


def test_keywords_survive_save_and_load_and_records_without_them_read_as_before(tmp_path):
    index = index_with(DOCS)
    index.save(tmp_path / "idx")
    loaded = LocalIndex.load(tmp_path / "idx", HashingEmbedder())
    by_id = {doc.id: doc for doc in loaded.get_many(["k1", "k2", "k3"])}
    assert by_id["k1"].keywords == "航空发动机叶片" and by_id["k1"].body == DOCS[0].body
    assert by_id["k2"].keywords == "" and by_id["k2"].body == "陶瓷膜两级浓缩。"  # stored as title\x1fbody
    assert [hit.id for hit in loaded.search("航空发动机叶片", k=3, strict=True)] == ["k1"]


def test_a_separator_in_a_field_cannot_shift_the_fields():
    index = index_with([Document("x", "标题\x1f伪造", "正文\x1f伪造关键词", keywords="真关键词")])
    doc = index.get_many(["x"])[0]
    assert (doc.title, doc.body, doc.keywords) == ("标题 伪造", "正文 伪造关键词", "真关键词")
