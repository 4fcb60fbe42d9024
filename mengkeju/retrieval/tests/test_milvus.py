"""The Milvus backend on Milvus Lite (a local file): the same answers as the local index, the same
living index, and a rebuild that goes live atomically or not at all."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mengkeju.retrieval.embedding import HashingEmbedder
from mengkeju.retrieval.errors import EngineError, FilterError, IndexCorrupt
from mengkeju.retrieval.index import LocalIndex
from mengkeju.retrieval.interface import Boosts, Document, Filters, Index
from mengkeju.retrieval.milvus import BackendUnavailable, MilvusIndex, _Connection, expression
from mengkeju.retrieval.passages import PassageStrategy

pytest.importorskip("pymilvus")

DEMO = Path(__file__).resolve().parents[2] / "demo" / "data"
ROOT = Path(__file__).resolve().parents[3]


def demo_documents() -> list[Document]:
    """The demo's achievements and demands as the adapter indexes them (title, text, keywords, links,
    division, maturity, modes, price)."""
    docs = []
    for path in sorted(DEMO.glob("achievements_*.yaml")):
        for item in yaml.safe_load(path.read_text())["achievements"]:
            keywords = "。".join(x for x in ("，".join(item.get("keywords") or []), item.get("field")) if x)
            docs.append(
                Document(
                    id=item["ref"],
                    title=item["title"],
                    body=item.get("summary") or "",
                    keywords=keywords,
                    chain_links=list(item.get("chain_links") or []),
                    division=str(item.get("division") or ""),
                    trl=item.get("trl"),
                    modes=list(item.get("transfer_modes") or []),
                    price=float(item["price_yuan"]) if item.get("price_yuan") is not None else None,
                )
            )
    for path in sorted(DEMO.glob("demands_*.yaml")):
        for item in yaml.safe_load(path.read_text())["demands"]:
            docs.append(
                Document(
                    id=item["ref"],
                    title=item["title"],
                    body="。".join(x for x in (item.get("problem"), item.get("indicators")) if x),
                    chain_links=list(item.get("chain_links") or []),
                    division=str(item.get("division") or ""),
                    modes=list(item.get("cooperation_modes") or []),
                    price=float(item["budget_yuan"]) if item.get("budget_yuan") is not None else None,
                )
            )
    return docs


DOCS = demo_documents()


def known(docs) -> dict[str, set[str]]:
    return {
        "chains": {link.split(".", 1)[0] for d in docs for link in d.chain_links},
        "chain_links": {link for d in docs for link in d.chain_links},
        "divisions": {d.division for d in docs if d.division},
        "modes": {m for d in docs for m in d.modes},
    }


def milvus_backend(folder: Path) -> type[MilvusIndex]:
    return MilvusIndex.configured(str(folder / "milvus.db"), prefix="t_")


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """The demo data in both backends, fully embedded and fitted."""
    backend = milvus_backend(tmp_path_factory.mktemp("milvus"))
    options = {"strategy": PassageStrategy.parse("lead:120"), "known_values": known(DOCS)}
    milvus = backend(HashingEmbedder(), **options)
    local = LocalIndex(HashingEmbedder(), **options)
    for index in (milvus, local):
        index.upsert(DOCS, embed=False)
        index.refresh()
    yield milvus, local
    milvus.drop()
    _Connection.close(backend.uri)


def assert_same_answers(a, b, note=""):
    """The same records with the same scores, allowing what floating point allows: two backends sum
    in different orders (a BLAS matrix product against a dot product), so records whose scores tie to
    the last bits may swap ranks — moving their fused scores — and, at the end of the list, swap in
    or out. Everything else must be equal."""
    assert len(a) == len(b), note
    ids_a, ids_b = [r.id for r in a], [r.id for r in b]
    edge = set(ids_a[-5:]) | set(ids_b[-5:])
    assert set(ids_a) ^ set(ids_b) <= edge, note  # different records only at the cut
    in_b = {r.id: r for r in b}
    for r in a:
        if r.id in in_b:
            for part in ("bm25", "dense"):
                mine, theirs = r.parts.get(part, 0), in_b[r.id].parts.get(part, 0)
                assert mine == pytest.approx(theirs, rel=1e-4, abs=1e-6), note
    same_place = sum(x == y for x, y in zip(ids_a, ids_b, strict=True))
    assert same_place >= 0.9 * len(a), note
    np.testing.assert_allclose(
        sorted(r.score for r in a), sorted(r.score for r in b), rtol=0.05, atol=1e-6, err_msg=note
    )


WORDS = sorted(
    {w for d in DOCS for w in (d.title[:4], d.title[-4:], d.title[2:6])} | {"稀土", "乳清", "牧草"}
)
ALL = known(DOCS)


@st.composite
def searches(draw):
    query = " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3)))
    if draw(st.booleans()):
        query = draw(st.sampled_from(DOCS)).title + "。" + query  # a demand-like long query
    filters = Filters(
        chains=set(draw(st.sets(st.sampled_from(sorted(ALL["chains"])), max_size=2))),
        chain_links=set(draw(st.sets(st.sampled_from(sorted(ALL["chain_links"])), max_size=1))),
        divisions=set(draw(st.sets(st.sampled_from(sorted(ALL["divisions"])), max_size=2))),
        modes=set(draw(st.sets(st.sampled_from(sorted(ALL["modes"])), max_size=1))),
        trl_min=draw(st.none() | st.integers(1, 5)),
        trl_max=draw(st.none() | st.integers(5, 9)),
        price_max=draw(st.none() | st.sampled_from([100_000.0, 1_000_000.0, 5_000_000.0])),
    )
    if draw(st.booleans()):
        filters = Filters()
    boosts = Boosts(
        chains=set(draw(st.sets(st.sampled_from(sorted(ALL["chains"])), max_size=1))),
        divisions=set(draw(st.sets(st.sampled_from(sorted(ALL["divisions"])), max_size=1))),
    )
    return query, filters, boosts, draw(st.sampled_from(["plain", "strict", "floor"]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(searches())
def test_milvus_and_local_give_the_same_top_50(pair, search):
    milvus, local = pair
    query, filters, boosts, mode = search
    options = {"filters": filters, "boosts": boosts, "strict": mode == "strict", "floor": mode == "floor"}
    a, b = milvus.search(query, k=50, **options), local.search(query, k=50, **options)
    assert_same_answers(a, b, f"{query!r} {filters.describe()} {mode}")
    in_b = {r.id: r for r in b}
    for r in a[:3]:  # explanations are computed the same way from the same texts and statistics
        if r.id in in_b:
            assert r.explanation == in_b[r.id].explanation


@pytest.mark.parametrize("method", ["bm25", "dense", "weighted"])
def test_every_fusion_method_matches(pair, method):
    milvus, local = pair
    milvus.fusion_method = local.fusion_method = method
    try:
        for query in ("稀土永磁 晶界扩散", "乳清蛋白回收", "牧草 青贮 发酵"):
            assert_same_answers(milvus.search(query, k=20), local.search(query, k=20), query)
    finally:
        milvus.fusion_method = local.fusion_method = "rrf"


def test_near_duplicates_and_lookups_match(pair):
    milvus, local = pair
    doc = DOCS[3]
    assert milvus.near_duplicates(doc.title, doc.body) == local.near_duplicates(doc.title, doc.body)
    assert milvus.get(doc.id) == local.get(doc.id) == doc
    assert milvus.get("nope") is None
    assert sorted(milvus.ids()) == sorted(local.ids()) and len(milvus) == len(local) == len(DOCS)
    assert milvus.get_many([doc.id, "nope"]) == [doc, None]


def test_filters_become_milvus_expressions():
    expr = expression(
        Filters(chains={"rare-earth"}, divisions={"150200"}, trl_min=3, trl_max=7, price_max=5e5)
    )
    assert expr == (
        'ARRAY_CONTAINS_ANY(chains, ["rare-earth"]) and division in ["150200"] and trl >= 3 and '
        "(trl > 0 and trl <= 7) and (price is null or price <= 500000.0)"
    )
    assert expression(Filters()) == ""
    with pytest.raises(FilterError):
        expression(Filters(divisions={'15" or id != "'}))  # no injection through a filter value


def test_an_unknown_filter_value_is_an_error_as_on_the_local_index(pair):
    milvus, _local = pair
    with pytest.raises(FilterError):
        milvus.search("稀土", filters=Filters(chains={"no-such-chain"}))


def test_incremental_writes_equal_a_fresh_build(tmp_path):
    """Add, update and delete on a living collection, then compare with a collection built from the
    final records: the same documents, document frequencies, weights and answers."""
    backend = milvus_backend(tmp_path)
    rng = np.random.default_rng(3)
    living = backend(HashingEmbedder())
    living.upsert(DOCS[:100], embed=False)
    final = {d.id: d for d in DOCS[:100]}
    for step in range(6):
        added = DOCS[100 + 10 * step : 110 + 10 * step]
        changed = [
            Document(**{**final[i].__dict__, "body": final[i].body + f"。第{step}次修订：耐高温涂层"})
            for i in rng.choice(sorted(final), 5, replace=False)
        ]
        gone = list(rng.choice(sorted(final), 4, replace=False))
        living.upsert([*added, *changed], embed=step % 2 == 0)
        living.delete(gone)
        final.update({d.id: d for d in [*added, *changed]})
        for doc_id in gone:
            final.pop(doc_id, None)
    living.refresh()
    fresh = backend(HashingEmbedder())
    fresh.upsert(sorted(final.values(), key=lambda d: d.id), embed=False)
    fresh.refresh()
    assert len(living) == len(fresh) == len(final) and sorted(living.ids()) == sorted(final)
    assert _terms(living) == _terms(fresh)
    assert living.avgdl == pytest.approx(fresh.avgdl)
    for query in ("稀土永磁 晶界扩散", "耐高温涂层", "乳清蛋白 膜分离", "牧草"):
        assert_same_answers(living.search(query, k=50), fresh.search(query, k=50), query)
    local = LocalIndex(HashingEmbedder())
    local.upsert(sorted(final.values(), key=lambda d: d.id))
    assert_same_answers(living.search("耐高温涂层", k=50), local.search("耐高温涂层", k=50))
    _Connection.close(backend.uri)


def _terms(index: MilvusIndex) -> dict[int, int]:
    rows = index._call("query", index._terms(), filter="", output_fields=["df"], limit=16_000)
    return {int(r["id"]): int(r["df"]) for r in rows}


def test_a_record_is_found_by_its_words_before_its_vector_exists(tmp_path):
    backend = milvus_backend(tmp_path)
    index = backend(HashingEmbedder())
    index.upsert(DOCS[:20])
    index.upsert(
        [Document("new", "钙钛矿叠层光伏组件封装工艺", "紫外固化封装胶，湿热1000小时衰减小于5%。")],
        embed=False,
    )
    assert index.pending == 1
    assert index.pending_passages() == [
        index.strategy.texts("钙钛矿叠层光伏组件封装工艺", "紫外固化封装胶，湿热1000小时衰减小于5%。")[0]
    ]
    assert [r.id for r in index.search("钙钛矿 封装", k=3, strict=True)] == ["new"]
    assert index.embed_pending() == 1 and index.pending == 0
    hit = index.search("钙钛矿 封装", k=1)[0]
    assert hit.id == "new" and hit.parts["dense"] > 0
    _Connection.close(backend.uri)


def test_keywords_are_searched_and_kept_and_a_build_without_them_is_rebuilt(tmp_path):
    backend = milvus_backend(tmp_path)
    location = tmp_path / "achievement"
    index = backend(HashingEmbedder())
    index.upsert(
        [*DOCS[:10], Document("kw", "高温合金精密铸造", "真空感应熔炼。", keywords="航空发动机叶片")]
    )
    index.save(location)
    loaded = backend.load(location, HashingEmbedder())
    assert loaded.get("kw").keywords == "航空发动机叶片" and loaded.get("kw").body == "真空感应熔炼。"
    assert [r.id for r in loaded.search("航空发动机叶片", k=3, strict=True)] == ["kw"]
    # A build made before the keyword field existed: found wanting, so the writer rebuilds it.
    client = _Connection.client(backend.uri, "")
    old = f"{backend.prefix}c1"
    client.create_collection(old, dimension=8)
    client.create_collection(f"{old}_terms", dimension=8)
    client.alter_alias(old, backend._alias(location))
    assert any("built without" in problem and "keywords" in problem for problem in backend.verify(location))
    with pytest.raises(IndexCorrupt, match="built without"):
        backend.load(location, HashingEmbedder())
    _Connection.close(backend.uri)


def test_a_rebuild_goes_live_at_the_alias_swap_and_keeps_the_previous_build(tmp_path):
    backend = milvus_backend(tmp_path)
    location = tmp_path / "achievement"
    assert backend.current_generation(location) is None
    with pytest.raises(IndexCorrupt):
        backend.load(location, HashingEmbedder())
    first = backend(HashingEmbedder())
    first.upsert(DOCS[:30])
    generation = first.save(location, meta={"outbox": 7})
    assert backend.current_generation(location) == generation == first.generation
    reader = backend.load(location, HashingEmbedder())
    assert len(reader) == 30 and reader.meta == {"outbox": 7} and reader.generation == generation

    second = backend(HashingEmbedder())
    second.upsert(DOCS[30:80])  # being built: readers still see the first build
    assert backend.current_generation(location) == generation
    assert len(backend.load(location, HashingEmbedder())) == 30
    second.save(location, meta={"outbox": 9})
    now = backend.load(location, HashingEmbedder())
    assert len(now) == 50 and now.meta == {"outbox": 9} and now.collection == second.collection
    assert backend.generations(location) == [second.collection, first.collection]  # the previous kept

    third = backend(HashingEmbedder())
    third.upsert(DOCS[:5])
    third.save(location)
    assert backend.generations(location) == [third.collection, second.collection]
    assert not first._call("has_collection", first.collection)  # older builds are dropped
    assert backend.verify(location) == []
    _Connection.close(backend.uri)


def test_a_rebuild_killed_half_way_leaves_the_old_collection_serving(tmp_path):
    backend = milvus_backend(tmp_path)
    location = tmp_path / "achievement"
    old = backend(HashingEmbedder())
    old.upsert(DOCS[:40])
    generation = old.save(location, meta={"outbox": 1})
    _Connection.close(backend.uri)  # Milvus Lite: one process at a time opens the file

    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from mengkeju.retrieval.embedding import HashingEmbedder
        from mengkeju.retrieval.interface import Document
        from mengkeju.retrieval.milvus import MilvusIndex

        backend = MilvusIndex.configured({backend.uri!r}, prefix="t_")
        index = backend(HashingEmbedder())

        def docs():
            for i in range(1_000_000):
                if i == 1_500:
                    print("half-way", flush=True)
                yield Document(f"n{{i}}", f"重建中的记录{{i}}", "稀土永磁 晶界扩散 " * 3)

        index.upsert(docs(), embed=False)
        index.save(Path({str(location)!r}))
        """
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        line = child.stdout.readline()
        assert line.strip() == "half-way", child.stderr.read()
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()

    assert backend.current_generation(location) == generation
    serving = backend.load(location, HashingEmbedder())
    assert len(serving) == 40 and serving.meta == {"outbox": 1}
    assert {r.id for r in serving.search("稀土永磁 晶界扩散", k=50)} <= {d.id for d in DOCS[:40]}
    builds = backend._builds()
    assert len(builds) == 2  # the half-built collection is there, unused ...
    assert backend.clean(location, older_than_s=0) == [b for b in builds if b != serving.collection]
    assert backend._builds() == [serving.collection]  # ... until the writer's start-up cleans it
    _Connection.close(backend.uri)


def test_an_unreachable_milvus_is_an_engine_error_logged_once(caplog):
    backend = MilvusIndex.configured("http://127.0.0.1:9", prefix="t_")
    caplog.set_level(logging.ERROR, logger="mengkeju.retrieval.milvus")
    for _ in range(3):
        with pytest.raises(BackendUnavailable) as raised:
            backend.current_generation(Path("achievement"))
        # A search falls back (EngineError); the writer keeps the change and retries (OSError).
        assert isinstance(raised.value, EngineError) and isinstance(raised.value, OSError)
    assert len([r for r in caplog.records if "unavailable" in r.getMessage()]) == 1
    _Connection.close(backend.uri)


def test_one_passage_per_record():
    with pytest.raises(ValueError, match="one passage"):
        MilvusIndex(HashingEmbedder(), strategy=PassageStrategy.parse("chunks"))


def test_milvus_implements_the_whole_interface():
    assert issubclass(MilvusIndex, Index) and not MilvusIndex.__abstractmethods__


def test_a_large_index_refits_its_weights_in_the_background(tmp_path, monkeypatch):
    """Above EXACT_REFIT_LIMIT records a save does not rewrite the weights; once the average length has
    moved 5 %, `maintenance()` hands the rewrite to the worker, after which the answers are exact."""
    from mengkeju.retrieval import milvus

    monkeypatch.setattr(milvus, "EXACT_REFIT_LIMIT", 10)
    backend = milvus_backend(tmp_path)
    index = backend(HashingEmbedder())
    index.upsert(DOCS[:40])
    index.refresh()
    assert index.maintenance() is None  # fitted
    index.upsert([Document(f"long{i}", "超长记录", "稀土永磁 晶界扩散 耐高温 " * 60) for i in range(10)])
    index.save(tmp_path / "achievement")
    assert index._drift() > 0.05  # the save left the weights as they were ...
    job = index.maintenance()
    assert job is not None
    install = job()
    assert install() == 50  # ... the worker rewrote every record
    assert index._drift() == 0 and index.maintenance() is None
    local = LocalIndex(HashingEmbedder())
    local.upsert([*DOCS[:40], *(index.get(f"long{i}") for i in range(10))])
    assert_same_answers(index.search("稀土永磁 晶界扩散", k=50), local.search("稀土永磁 晶界扩散", k=50))
    _Connection.close(backend.uri)
