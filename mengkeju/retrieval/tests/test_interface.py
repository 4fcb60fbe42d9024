"""`Index` declares the whole lifecycle the platform drives; `LocalIndex` implements all of it."""

import threading

from mengkeju.retrieval.index import Document, Index, LocalIndex

from .test_engine import FakeEmbedder


def test_local_index_implements_the_whole_interface():
    assert issubclass(LocalIndex, Index) and not LocalIndex.__abstractmethods__
    declared = {"lock", "upsert", "delete", "pending", "pending_passages", "embed_pending", "refresh"}
    declared |= {"maintenance", "get", "search", "dense_query_text", "near_duplicates", "save"}
    declared |= {"generation", "load", "current_generation", "__len__"}
    declared |= {"meta", "generations", "verify", "load_good", "clean"}
    assert declared <= Index.__abstractmethods__


def test_generations_are_named_so_a_worker_notices_a_newer_one(tmp_path, index):
    folder = tmp_path / "idx"
    assert LocalIndex.current_generation(folder) is None and index.generation is None
    first = index.save(folder)
    assert index.generation == first.name == LocalIndex.current_generation(folder)
    reader = LocalIndex.load(folder, FakeEmbedder())
    assert reader.generation == first.name
    index.upsert([Document("a9", "乳清蛋白与乳糖联产工艺", "膜分离后结晶回收乳糖。")], embed=False)
    second = index.save(folder, embed=False)
    assert LocalIndex.current_generation(folder) == second.name != reader.generation  # reload due
    assert LocalIndex.load(folder, FakeEmbedder()).pending == 1


def test_pending_passages_then_refresh_embed_and_refit(index):
    doc = Document("a9", "乳清蛋白与乳糖联产工艺", "膜分离后结晶回收乳糖。")
    index.upsert([doc], embed=False)
    assert index.pending == 1
    assert index.pending_passages() == index.strategy.texts(doc.title, doc.body)
    assert index.search("乳糖", k=1)[0].id == "a9"  # lexically at once
    index.refresh()
    assert index.pending == 0 and index.pending_passages() == [] and not index.lexical_stale
    assert index.maintenance() is None  # a small index has no background upkeep


def test_the_lock_is_exclusive_and_re_entrant(index):
    entered = threading.Event()

    def other():
        with index.lock():
            entered.set()

    with index.lock(), index.lock():  # re-entrant: the adapter nests store and index calls
        thread = threading.Thread(target=other)
        thread.start()
        assert not entered.wait(0.1)  # another thread waits
    thread.join(5)
    assert entered.is_set()
