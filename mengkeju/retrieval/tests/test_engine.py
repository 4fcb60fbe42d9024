"""The engine alone (no Django): tokenization, BM25, fusion, filters, explanations, persistence, bad input."""

import hashlib

import numpy as np
import pytest

from mengkeju.retrieval import fusion
from mengkeju.retrieval.embedding import EmbeddingCache, embed_with_cache
from mengkeju.retrieval.errors import FilterError, IndexCorrupt, QueryError
from mengkeju.retrieval.index import Boosts, Document, Filters, LocalIndex
from mengkeju.retrieval.passages import PassageStrategy
from mengkeju.retrieval.text import add_terms, tokens


class FakeEmbedder:
    """Bag-of-characters vectors: deterministic, fast, and similar texts get similar vectors."""

    model_id = "fake-1"
    dim = 64

    def __init__(self):
        self.calls = 0

    def _vector(self, text):
        v = np.zeros(self.dim, dtype=np.float32)
        for ch in text:
            v[int(hashlib.md5(ch.encode()).hexdigest(), 16) % self.dim] += 1
        return v / (np.linalg.norm(v) or 1)

    def passages(self, texts):
        self.calls += len(texts)
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def query(self, text):
        return self._vector(text)


DOCS = [
    Document(
        "a1",
        "晶界扩散低重稀土钕铁硼永磁体",
        "采用镝铽晶界扩散，矫顽力达到25 kOe，重稀土用量降低40%。",
        ["rare-earth.magnets"],
        "150200",
        6,
        ["transfer"],
        500000,
    ),
    Document(
        "a2",
        "乳清蛋白陶瓷膜分离浓缩工艺",
        "陶瓷膜与纳滤两级浓缩，乳清蛋白回收率92%。",
        ["dairy.byproducts"],
        "150100",
        7,
        ["license_ordinary"],
        None,
    ),
    Document(
        "a3",
        "永磁同步电机高温退磁防护",
        "优化转子磁路与冷却结构，180℃下不可逆退磁小于3%。",
        ["rare-earth.applications"],
        "150200",
        5,
        ["joint_development"],
        800000,
    ),
    Document(
        "a4",
        "苜蓿种子丸粒化包衣技术",
        "包衣后发芽率≥90%，适用于干旱草原补播。",
        ["grass.seed"],
        "152500",
        8,
        ["transfer"],
        100000,
    ),
]


def test_tokens_drop_stopwords_and_keep_terms():
    add_terms(["钕铁硼永磁体"])
    toks = tokens("我公司需要一种钕铁硼永磁体的技术")
    assert "钕铁硼永磁体" in toks
    assert "的" not in toks and "需要" not in toks and "技术" not in toks


def test_bm25_finds_the_lexical_match(index):
    index.fusion_method = "bm25"
    assert index.search("钕铁硼 矫顽力", k=1)[0].id == "a1"


def test_hybrid_result_carries_explanation_and_score_parts(index):
    (top,) = index.search("提高钕铁硼磁体矫顽力", k=1)
    assert top.id == "a1"
    assert {"bm25", "dense", "fused", "score"} <= set(top.parts)
    assert "矫顽力" in top.explanation["shared_terms"]
    assert "<mark>矫顽力</mark>" in top.explanation["passage"]


def test_filters_apply_and_unknown_values_are_errors(index):
    index.known_values = {
        "chains": {"rare-earth", "dairy", "grass"},
        "divisions": {"150200", "150100", "152500"},
    }
    hits = index.search("技术 工艺 磁体 乳清 种子", k=10, filters=Filters(chains={"rare-earth"}, trl_min=6))
    assert [h.id for h in hits] == ["a1"]
    assert hits[0].explanation["filters"] == ["chains=rare-earth", "trl_min=6"]
    with pytest.raises(FilterError):
        index.search("磁体", filters=Filters(chains={"tea"}))
    with pytest.raises(FilterError):
        index.search("磁体", filters=Filters(trl_min=12))


def test_boosts_lift_same_chain(index):
    plain = {h.id: h.score for h in index.search("高温 磁体", k=4)}
    boosted = {h.id: h for h in index.search("高温 磁体", k=4, boosts=Boosts(chains={"rare-earth"}))}
    assert boosted["a3"].score > plain["a3"]
    assert boosted["a3"].parts["boost"] == pytest.approx(0.10)


@pytest.mark.parametrize("query", ["", "   ", "x" * 20_001])
def test_bad_queries_raise_clear_errors(index, query):
    with pytest.raises(QueryError):
        index.search(query)


def test_long_query_is_truncated_and_says_so(index):
    hits = index.search("钕铁硼矫顽力" + "。" * 5000, k=1)
    assert hits[0].explanation["query_truncated"] is True


def test_incremental_changes_equal_a_full_rebuild():
    incremental = LocalIndex(FakeEmbedder(), strategy=PassageStrategy("full"))
    incremental.upsert(DOCS)
    changed = Document(
        "a2", "乳清蛋白与乳糖联产工艺", "膜分离后结晶回收乳糖，收率85%。", ["dairy.byproducts"], "150100", 6
    )
    added = Document(
        "a5", "稀土抛光粉再生", "废抛光粉酸浸再生，回收率92%。", ["rare-earth.polishing"], "150200", 4
    )
    incremental.upsert([changed, added])
    incremental.delete(["a4"])
    rebuilt = LocalIndex(FakeEmbedder(), strategy=PassageStrategy("full"))
    rebuilt.upsert([DOCS[0], changed, DOCS[2], added])
    for query in ("乳糖", "稀土 回收", "磁体 退磁", "种子"):
        a = [(h.id, round(h.score, 5)) for h in incremental.search(query, k=5)]
        b = [(h.id, round(h.score, 5)) for h in rebuilt.search(query, k=5)]
        assert a == b, query
    assert len(incremental) == 4


def test_persistence_round_trip_and_corruption(tmp_path, index):
    index.save(tmp_path / "idx")
    loaded = LocalIndex.load(tmp_path / "idx", FakeEmbedder())
    assert [h.id for h in loaded.search("乳清蛋白", k=2)] == [h.id for h in index.search("乳清蛋白", k=2)]
    generation = tmp_path / "idx" / (tmp_path / "idx" / "CURRENT").read_text()
    np.save(generation / "vectors.npy", np.zeros((1, 64), np.float32))  # no longer matches the documents
    with pytest.raises(IndexCorrupt):
        LocalIndex.load(tmp_path / "idx", FakeEmbedder())
    with pytest.raises(IndexCorrupt):
        LocalIndex.load(tmp_path / "missing", FakeEmbedder())


def test_cache_avoids_re_embedding(tmp_path):
    embedder = FakeEmbedder()
    texts = ["稀土永磁", "乳清蛋白", "稀土永磁"]
    first, embedded = embed_with_cache(embedder, EmbeddingCache(tmp_path, "fake-1", 64), texts)
    assert embedded == 2 and embedder.calls == 2
    again, embedded = embed_with_cache(embedder, EmbeddingCache(tmp_path, "fake-1", 64), [*texts, "新文本"])
    assert embedded == 1 and embedder.calls == 3
    assert np.allclose(first, again[:3])


def test_fusion_math():
    lexical = np.array([3.0, 0.0, 1.0], dtype=np.float32)
    dense = np.array([0.2, 0.9, 0.5], dtype=np.float32)
    candidates = np.array([0, 1, 2])
    weighted = fusion.weighted(lexical, dense, candidates, alpha=0.5)
    assert weighted.tolist() == pytest.approx([0.5, 0.5, (1 / 3 + 3 / 7) / 2], rel=1e-4)
    rrf = fusion.rrf(lexical, dense, candidates, k=60)
    assert rrf[0] == pytest.approx(1 / 61 + 1 / 63)
    assert rrf[1] == pytest.approx(1 / 61)  # no lexical match: dense rank only


@pytest.mark.slow
def test_real_model_embeds_offline():
    from mengkeju.retrieval.embedding import E5Embedder

    embedder = E5Embedder()
    vectors = embedder.passages(["稀土永磁材料", "乳制品加工", "钕铁硼磁体"])
    query = embedder.query("钕铁硼")
    assert vectors.shape == (3, 384)
    assert np.argmax(vectors @ query) in (0, 2)


def test_short_keyword_queries_let_lexical_lead():
    lexical = np.array([5.0, 0.0, 4.9], dtype=np.float32)
    dense = np.array([0.1, 0.5, 0.9], dtype=np.float32)
    candidates = np.array([0, 1, 2])
    even = fusion.rrf(lexical, dense, candidates, k=10)
    lexical_led = fusion.rrf(lexical, dense, candidates, k=10, dense_weight=0.5)
    assert np.argmax(even) == 2 and np.argmax(lexical_led) == 0


def test_large_index_scores_new_records_without_refitting(monkeypatch):
    import mengkeju.retrieval.index as index_module

    monkeypatch.setattr(index_module, "EXACT_REFIT_LIMIT", 2)
    idx = LocalIndex(FakeEmbedder(), strategy=PassageStrategy("full"))
    idx.upsert(DOCS)
    idx.search("磁体", k=1)  # first fit
    fitted = idx._bm25
    idx.upsert(
        [Document("a9", "乳糖结晶回收", "乳清母液结晶回收乳糖，收率85%。", ["dairy.byproducts"], "150100", 6)]
    )
    idx.delete(["a2"])
    hits = [h.id for h in idx.search("乳糖 结晶", k=3)]
    assert idx._bm25 is fitted  # no refit on the query path
    assert hits[0] == "a9" and "a2" not in hits
    idx.fit_lexical()  # what the background job does
    assert [h.id for h in idx.search("乳糖 结晶", k=1)] == ["a9"]


def test_a_loaded_memory_mapped_index_accepts_updates(tmp_path, index):
    index.save(tmp_path / "idx")
    loaded = LocalIndex.load(tmp_path / "idx", FakeEmbedder())
    assert not loaded._vectors.blocks[0].flags.writeable  # memory-mapped, read-only
    for n in range(40):  # many small appends: the vector blocks merge, the memory map stays
        loaded.upsert(
            [Document(f"n{n}", f"稀土抛光粉再生工艺{n}", "酸浸再生，回收率92%。", ["rare-earth.polishing"])]
        )
    loaded.delete(["a4"])
    assert loaded.search("稀土抛光粉再生工艺39", k=1)[0].id == "n39"
    assert len(loaded) == 43 and len(loaded._vectors) == 44  # a4's passage stays until compaction
    assert loaded.get("a4") is None and loaded.get("n39").chain_links == ["rare-earth.polishing"]


def test_cache_appends_shards_and_merges_them(tmp_path, monkeypatch):
    monkeypatch.setattr(EmbeddingCache, "MERGE_AT", 3)
    embedder = FakeEmbedder()
    for n in range(5):  # five flushes: shards pile up, then merge
        embed_with_cache(embedder, EmbeddingCache(tmp_path, "fake-1", 64), [f"文本{n}"])
    assert len(list(tmp_path.glob("shard-*.json"))) <= 3
    reopened = EmbeddingCache(tmp_path, "fake-1", 64)
    assert len(reopened) == 5
    assert np.allclose(reopened.get("文本3"), embedder.passages(["文本3"])[0])
    (next(tmp_path.glob("shard-*.npy"))).write_bytes(b"broken")  # a damaged shard is only lost cache
    assert len(EmbeddingCache(tmp_path, "fake-1", 64)) < 5


def test_query_vectors_are_remembered(monkeypatch):
    import mengkeju.retrieval.embedding as embedding_module
    from mengkeju.retrieval.embedding import E5Embedder

    class StubModel:
        calls = 0

        def query(self, text):
            StubModel.calls += 1
            return np.ones(384, dtype=np.float32)

    monkeypatch.setattr(embedding_module, "QUERY_CACHE_SIZE", 2)
    embedder = E5Embedder()
    embedder._model = StubModel()
    for text in ("甲", "甲", "乙", "甲", "丙", "乙"):
        embedder.query(text)
    assert StubModel.calls == 4  # 甲, 乙, 丙 once each; 乙 again after it was evicted


def test_narrow_filters_apply_before_the_candidate_cut(monkeypatch):
    import mengkeju.retrieval.index as index_module

    monkeypatch.setattr(index_module, "CANDIDATES", 2)
    idx = LocalIndex(FakeEmbedder(), strategy=PassageStrategy("full"))
    idx.upsert(DOCS)
    hits = idx.search("钕铁硼 磁体 退磁", k=5, filters=Filters(chains={"grass"}))
    assert [h.id for h in hits] == ["a4"]  # ranked far below the cut, still found within the filter


def test_bm25_matrix_scores_equal_bm25s():
    import bm25s

    from mengkeju.retrieval.columns import Ragged, Vocabulary
    from mengkeju.retrieval.lexical import BM25Matrix

    docs = [tokens(f"{d.title} {d.title} {d.body}") for d in DOCS] + [["稀土", "稀土", "回收"], ["乳清"]]
    vocabulary, column = Vocabulary(), Ragged(np.int32)
    for doc in docs:
        column.append(vocabulary.encode(doc))
    ours = BM25Matrix().fit(column, np.ones(len(docs), bool), len(docs), len(vocabulary))
    reference = bm25s.BM25(k1=1.2, b=0.75)
    reference.index(docs, show_progress=False)
    for query in (["稀土", "回收"], ["乳清", "乳清", "膜"], ["矫顽力", "永磁"]):
        expected = reference.get_scores([t for t in query if t in reference.vocab_dict])
        got = ours.scores(vocabulary.encode(query, add=False), len(docs))
        assert np.allclose(got, expected, atol=1e-5), query


def _clustered_corpus(n, dim=64, seed=3):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(40, dim))
    vectors = centres[rng.integers(0, 40, n)] + rng.normal(scale=0.6, size=(n, dim))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


class TableEmbedder:
    """Vectors looked up by text (a stand-in for a cached model)."""

    model_id, dim = "table-1", 64

    def __init__(self, table):
        self.table = table

    def passages(self, texts):
        return np.stack([self.table[t] for t in texts]) if texts else np.zeros((0, 64), np.float32)

    def query(self, text):
        return self.table[text]


def test_vector_index_agrees_with_exact_search_and_survives_updates(monkeypatch, tmp_path):
    import mengkeju.retrieval.index as index_module

    vectors = _clustered_corpus(3000)
    docs = [
        Document(str(i), f"文档{i}", f"第{i}号", ["grass.seed" if i % 3 else "dairy.byproducts"])
        for i in range(3000)
    ]
    strategy = PassageStrategy("full")
    table = {strategy.texts(d.title, d.body)[0]: v for d, v in zip(docs, vectors, strict=True)}
    queries = [f"查询{j}" for j in range(30)]
    table.update({q: vectors[j * 97] for j, q in enumerate(queries)})
    exact = LocalIndex(TableEmbedder(table), strategy=strategy, fusion_method="dense")
    exact.upsert(docs)
    monkeypatch.setattr(index_module, "ANN_MIN_PASSAGES", 1000)
    approx = LocalIndex(TableEmbedder(table), strategy=strategy, fusion_method="dense")
    approx.upsert(docs)
    assert approx.ann_due()
    approx.build_ann()
    assert not approx.ann_due()
    overlap = [
        len({h.id for h in exact.search(q, k=10)} & {h.id for h in approx.search(q, k=10)}) / 10
        for q in queries
    ]
    assert np.mean(overlap) >= 0.95
    # Re-scored exactly: a found document has its exact score.
    top = approx.search(queries[0], k=1)[0]
    assert top.parts["dense"] == pytest.approx(float(vectors[int(top.id)] @ table[queries[0]]), abs=1e-5)
    # Added after the build: found through the exact tail; a narrow filter is searched exactly.
    fresh = np.random.default_rng(9).normal(size=64).astype(np.float32)
    table["新文档。新"] = table["新查询"] = fresh / np.linalg.norm(fresh)
    approx.upsert([Document("new", "新文档", "新", ["grass.seed"])])
    assert approx.search("新查询", k=1)[0].id == "new"
    hits = approx.search(queries[1], k=5, filters=Filters(chain_links={"dairy.byproducts"}))
    assert len(hits) == 5 and all(int(h.id) % 3 == 0 for h in hits)
    approx.save(tmp_path / "idx")
    loaded = LocalIndex.load(tmp_path / "idx", TableEmbedder(table), fusion_method="dense")
    assert loaded._ann is not None
    assert [h.id for h in loaded.search(queries[2], k=10)] == [h.id for h in approx.search(queries[2], k=10)]


def test_compaction_keeps_results(index):
    index.upsert(
        [Document("a2", "乳清蛋白与乳糖联产工艺", "膜分离后结晶回收乳糖。", ["dairy.byproducts"], "150100")]
    )
    index.delete(["a4"])
    before = [(h.id, round(h.score, 5)) for h in index.search("乳糖 磁体 种子", k=5)]
    index.compact()
    assert len(index._ids) == 3
    assert [(h.id, round(h.score, 5)) for h in index.search("乳糖 磁体 种子", k=5)] == before
    assert index.get("a2").title == "乳清蛋白与乳糖联产工艺"


def test_compaction_before_anything_is_embedded(tmp_path):
    # The adapter saves (and so compacts) right after a change, before the background job embeds:
    # an index with retired rows and no passages at all must compact and save.
    index = LocalIndex(FakeEmbedder())
    index.upsert(DOCS, embed=False)
    index.upsert([Document("a2", "乳清蛋白与乳糖联产工艺", "膜分离后结晶回收乳糖。")], embed=False)
    index.delete(["a4"])
    index.compact()
    assert len(index) == len(DOCS) - 1
    assert index.search("乳糖", k=3)[0].id == "a2"  # lexical until embedded
    index.save(tmp_path / "idx", embed=False)
    index.embed_pending()
    assert index.search("乳糖", k=3)[0].id == "a2"
    assert LocalIndex.load(tmp_path / "idx", FakeEmbedder()).get("a2").title == "乳清蛋白与乳糖联产工艺"


def test_an_empty_cache_folder_is_used_and_filled(tmp_path):
    # An empty cache is falsy (it has a length): it must still be the one the index writes to.
    index = LocalIndex(FakeEmbedder(), cache=EmbeddingCache(tmp_path / "cache", "fake-1", 64))
    index.upsert(DOCS)
    assert len(EmbeddingCache(tmp_path / "cache", "fake-1", 64)) == len(DOCS)


def test_prepared_query_vectors_survive_a_restart(tmp_path):
    from mengkeju.retrieval.embedding import E5Embedder

    class StubModel:
        calls = 0

        def query(self, text):
            StubModel.calls += 1
            return np.full(384, len(text), dtype=np.float32)

    first = E5Embedder(query_store=EmbeddingCache(tmp_path))
    first._model = StubModel()
    assert first.prepare_queries(["稀土永磁需求", "稀土永磁需求", "乳清需求"]) == 2
    assert first.prepare_queries(["稀土永磁需求"]) == 0  # already prepared
    restarted = E5Embedder(query_store=EmbeddingCache(tmp_path))  # a new process: empty memory
    restarted._model = StubModel()
    assert restarted.query("乳清需求")[0] == 4.0 and StubModel.calls == 2  # from disk, not the model


def test_a_prepared_query_reads_160_characters_and_a_live_one_120(tmp_path):
    """A demand's vector is prepared at publishing on the long window; a query nobody prepared is
    embedded while the user waits on the shorter live window, and the model is not asked twice."""
    from mengkeju.retrieval.embedding import E5Embedder

    class StubModel:
        asked: list[str] = []

        def query(self, text):
            StubModel.asked.append(text)
            return np.full(FakeEmbedder.dim, len(text), dtype=np.float32) / len(text)

        def passage(self, texts):
            return [FakeEmbedder()._vector(t) for t in texts]

    embedder = E5Embedder(query_store=EmbeddingCache(tmp_path, "stub", FakeEmbedder.dim))
    embedder._model, embedder.dim = StubModel(), FakeEmbedder.dim
    index = LocalIndex(embedder, dense_query_chars=160, live_query_chars=120)
    index.upsert(DOCS)
    long_query = "稀土永磁材料晶界扩散" * 30  # 300 characters

    index.search(long_query, k=3)
    assert [len(t) for t in StubModel.asked] == [120]  # live: the first 120 characters

    StubModel.asked.clear()
    embedder.prepare_queries([index.dense_query_text(long_query)])
    assert [len(t) for t in StubModel.asked] == [160]  # prepared ahead, on the long window
    index.search(long_query, k=3)
    index.search(long_query, k=3)
    assert [len(t) for t in StubModel.asked] == [160]  # searching used the prepared vector


def test_explanations_show_the_specific_shared_terms_rarest_first():
    """Among 240 documents a word in every one of them explains nothing; a rare one comes first."""
    docs = [
        Document(
            f"d{i}",
            f"通用平台{i}号",
            f"作为区域通用平台，提供数据服务与运维支撑{i}。",
            [],
            "",
            None,
            [],
            None,
        )
        for i in range(236)
    ]
    docs += [
        Document(
            "magnet",
            "钕铁硼磁体晶界扩散",
            "作为磁体厂家的数据服务方，采用镝铽晶界扩散提高矫顽力。",
            [],
            "",
            None,
            [],
            None,
        ),
        *[
            Document(
                f"m{i}",
                f"矫顽力检测{i}",
                f"作为第三方，提供矫顽力检测与数据服务{i}。",
                [],
                "",
                None,
                [],
                None,
            )
            for i in range(3)
        ],
    ]
    index = LocalIndex(FakeEmbedder(), strategy=PassageStrategy("full"))
    index.upsert(docs)
    index.fusion_method = "bm25"
    top = index.search("作为数据服务方，需要晶界扩散提高矫顽力", k=1)[0]
    assert top.id == "magnet"
    shown = top.explanation["shared_terms"]
    assert not {"作为", "服务"} & set(shown)  # in every document
    assert set(shown[:2]) == {"晶界", "扩散"} and "矫顽力" in shown[2:]  # 1 document first, then 4
    assert "<mark>" in top.explanation["passage"]
