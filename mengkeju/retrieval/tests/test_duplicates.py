"""Near-duplicate listings: found among the BM25 neighbours, judged by character 3-gram resemblance."""

import json

import pytest

from mengkeju.retrieval.duplicates import normalise, resemblance, shingles
from mengkeju.retrieval.errors import QueryError
from mengkeju.retrieval.index import Document, LocalIndex
from mengkeju.retrieval.passages import PassageStrategy

from .test_engine import DOCS, FakeEmbedder


def test_resemblance_ignores_punctuation_width_and_case():
    assert normalise("ＡＢＣ， 钕铁硼！") == "abc钕铁硼"
    assert resemblance(shingles("钕铁硼永磁体，矫顽力25 kOe"), shingles("钕铁硼永磁体 矫顽力 25KOE")) == 1.0
    assert resemblance(shingles("乳清蛋白浓缩"), shingles("苜蓿种子包衣")) == 0.0
    assert resemblance(shingles(""), shingles("钕铁硼")) == 0.0


def test_a_copy_with_a_dropped_character_is_found_and_a_different_record_is_not(index):
    a1 = DOCS[0]
    found = index.near_duplicates(a1.title, a1.body[1:])  # the first character lost in a re-post
    assert [d.id for d in found] == ["a1"]
    assert found[0].same_title and 0.8 <= found[0].resemblance < 1.0
    # Same field, different listing: shares terms with a1 but is not a copy of it.
    assert (
        index.near_duplicates("晶界扩散钕铁硼永磁体", "采用镝铽晶界扩散，提高磁体耐温性能，用于风电电机。")
        == []
    )


def test_the_record_itself_can_be_excluded_and_withdrawn_records_are_not_reported(index):
    a2 = DOCS[1]
    assert [d.id for d in index.near_duplicates(a2.title, a2.body)] == ["a2"]
    assert index.near_duplicates(a2.title, a2.body, exclude={"a2"}) == []
    copy = Document(
        "a9", a2.title, a2.body + "欢迎洽谈。", a2.chain_links, a2.division, a2.trl, a2.modes, None
    )
    index.upsert([copy])
    assert [d.id for d in index.near_duplicates(a2.title, a2.body, exclude={"a2"})] == ["a9"]
    index.delete(["a9"])
    assert index.near_duplicates(a2.title, a2.body, exclude={"a2"}) == []


def test_empty_text_finds_nothing_and_a_bad_threshold_is_an_error(index):
    assert index.near_duplicates("", "  ") == []
    with pytest.raises(QueryError):
        index.near_duplicates("钕铁硼", "矫顽力", threshold=0)


def test_the_public_listings_posted_twice_are_found(shared_data):
    """A1-0342 and A1-0403 are the same listing (README of the public data); the first character of
    the description was lost in one of them."""
    rows = {}
    for line in (shared_data / "achievements.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        rows[row["id"]] = row
    index = LocalIndex(FakeEmbedder(), strategy=PassageStrategy("full"))
    index.upsert(
        [Document(r["id"], r["name"], r.get("text", ""), [], "", None, [], None) for r in rows.values()],
        embed=False,
    )
    original = rows["A1-0342"]
    found = index.near_duplicates(original["name"], original.get("text", ""), exclude={"A1-0342"})
    assert "A1-0403" in [d.id for d in found]


def test_a_ranked_list_keeps_the_best_ranked_copy_only(index):
    a1 = DOCS[0]
    index.upsert(
        [Document("a1-copy", a1.title, "。" + a1.body, a1.chain_links, a1.division, a1.trl, a1.modes, None)]
    )
    hits = index.search("钕铁硼 矫顽力 晶界扩散", k=4)
    assert {"a1", "a1-copy"} <= {h.id for h in hits}
    kept = index.drop_duplicates(hits)
    ids = [h.id for h in kept]
    assert ("a1" in ids) != ("a1-copy" in ids)  # one copy stays ...
    first_copy = next(h.id for h in hits if h.id in ("a1", "a1-copy"))
    assert first_copy in ids  # ... the better-ranked one
    assert [h.id for h in hits if h.id not in ("a1", "a1-copy")] == [
        i for i in ids if i not in ("a1", "a1-copy")
    ]
