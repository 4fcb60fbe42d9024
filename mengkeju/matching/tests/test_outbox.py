"""One index writer: web processes record changes in the outbox, the writer applies them.

Each test plays two processes in one: `adapter.store` is a web process (a reader), the writer has an
`IndexStore` of its own (as `mengkeju worker` would)."""

import errno
import logging

import pytest
from django.db import transaction

from mengkeju.catalog import services
from mengkeju.catalog.models import Action, Status
from mengkeju.catalog.tests.factories import AchievementFactory, DemandFactory
from mengkeju.matching import adapter, outbox
from mengkeju.matching.adapter import IndexStore
from mengkeju.matching.models import IndexChange
from mengkeju.matching.writer import IndexWriter, WriterBusy
from mengkeju.retrieval.errors import IndexWriteError
from mengkeju.retrieval.index import LocalIndex

pytestmark = pytest.mark.django_db


@pytest.fixture
def web(settings):
    """Production mode: no process applies its own changes."""
    settings.MATCHING_SYNC = False
    return adapter.store


@pytest.fixture
def writer(web):
    w = IndexWriter(IndexStore())
    w.acquire()
    yield w
    w.release()


def _found(index_store, query, kind="achievement"):
    return [r.id for r in index_store.search(kind, query, k=10, strict=True)]


def _submitted(orgs, **values):
    return AchievementFactory(status=Status.SUBMITTED, owner=orgs["enterprise"], **values)


def test_a_publish_writes_an_outbox_row_and_no_index(web, orgs, people):
    achievement = _submitted(orgs, title="乳清蛋白陶瓷膜分离浓缩工艺")
    services.transition(achievement, Action.PUBLISH, by=people["hq_operator"])
    rows = list(IndexChange.objects.filter(applied_at=None).values_list("kind", "record"))
    assert rows == [("achievement", str(achievement.pk))]
    assert not web.folder("achievement").exists()  # the web process wrote nothing to the index


def test_a_rolled_back_change_leaves_no_outbox_row(web, orgs, people):
    achievement = _submitted(orgs)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.transition(achievement, Action.PUBLISH, by=people["hq_operator"])
        raise RuntimeError("the request failed after the publish")
    assert not IndexChange.objects.exists()


def test_the_writer_applies_the_outbox_and_readers_see_it(web, writer, orgs, people):
    writer.start()
    achievement = _submitted(orgs, title="乳清蛋白陶瓷膜分离浓缩工艺")
    assert str(achievement.pk) not in _found(web, "乳清蛋白")
    services.transition(achievement, Action.PUBLISH, by=people["hq_operator"])
    assert writer.step()  # applied, saved (lexically searchable)
    assert _found(web, "乳清蛋白")[0] == str(achievement.pk)  # the reader reloaded the new generation
    assert not IndexChange.objects.filter(applied_at=None).exists()
    position = IndexChange.objects.get().pk
    assert web.get("achievement").meta["outbox"] == position
    while writer.step():  # embed, save again
        pass
    assert web.get("achievement").pending == 0
    services.transition(achievement, Action.WITHDRAW, by=people["hq_operator"], reason="权属有争议")
    writer.step()
    assert str(achievement.pk) not in _found(web, "乳清蛋白")


def test_a_second_writer_is_refused(writer):
    with pytest.raises(WriterBusy):
        IndexWriter(IndexStore()).acquire()


def test_a_failed_save_keeps_the_rows_and_the_next_step_applies_them(
    web, writer, orgs, people, monkeypatch, caplog
):
    writer.start()
    achievement = _submitted(orgs, title="苜蓿种子丸粒化包衣技术")
    services.transition(achievement, Action.PUBLISH, by=people["hq_operator"])
    real_save = LocalIndex.save

    def full_disk(self, *args, **kwargs):
        raise IndexWriteError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(LocalIndex, "save", full_disk)
    with caplog.at_level(logging.ERROR, logger="mengkeju.matching.writer"):
        assert writer.step() is False
    assert "No space left on device" in caplog.text
    assert IndexChange.objects.filter(applied_at=None).count() == 1  # kept for the next try
    assert str(achievement.pk) not in _found(web, "苜蓿种子")
    monkeypatch.setattr(LocalIndex, "save", real_save)
    writer._next_try = 0  # the back-off has passed: space is back
    assert writer.step()
    assert _found(web, "苜蓿种子")[0] == str(achievement.pk)
    assert not IndexChange.objects.filter(applied_at=None).exists()


def test_a_crash_after_saving_but_before_marking_replays_idempotently(web, writer, orgs, people, monkeypatch):
    writer.start()
    achievement = _submitted(orgs, title="苜蓿种子丸粒化包衣技术")
    services.transition(achievement, Action.PUBLISH, by=people["hq_operator"])
    monkeypatch.setattr(outbox, "mark_applied", lambda ids: (_ for _ in ()).throw(SystemExit("kill -9")))
    with pytest.raises(SystemExit):
        writer.step()
    monkeypatch.undo()
    restarted = IndexWriter(IndexStore())
    writer.release()
    restarted.acquire()
    try:
        restarted.start()
        while restarted.step():
            pass
    finally:
        restarted.release()
    assert _found(web, "苜蓿种子") == [str(achievement.pk)]  # once, not twice
    assert not IndexChange.objects.filter(applied_at=None).exists()


def test_changes_the_served_generation_lacks_are_replayed_on_start(web, writer, orgs, people):
    """An older generation is served (the newer one was damaged or an old backup restored): the rows
    it lacks are marked applied but newer than its outbox position, so the writer replays them."""
    writer.start()
    first = _submitted(orgs, title="苜蓿种子丸粒化包衣技术")
    services.transition(first, Action.PUBLISH, by=people["hq_operator"])
    writer.step()
    folder = writer.store.folder("achievement")
    older = (folder / "CURRENT").read_text()
    second = _submitted(orgs, title="乳清蛋白陶瓷膜分离浓缩工艺")
    services.transition(second, Action.PUBLISH, by=people["hq_operator"])
    writer.step()
    (folder / "CURRENT").write_text(older)  # the newer generation is gone: back to the older one
    writer.release()
    restarted = IndexWriter(IndexStore())
    restarted.acquire()
    try:
        report = restarted.start()
        while restarted.step():
            pass
    finally:
        restarted.release()
    assert report["achievement"]["replayed"] == 1
    assert _found(web, "乳清蛋白") == [str(second.pk)]


def test_reconciliation_repairs_drift_and_says_so(web, writer, orgs, caplog):
    kept = AchievementFactory(title="苜蓿种子丸粒化包衣技术")  # written behind the outbox's back
    writer.start()
    assert _found(web, "苜蓿种子") == [str(kept.pk)]
    missed = AchievementFactory(title="乳清蛋白陶瓷膜分离浓缩工艺")  # no outbox row: drift
    edited = DemandFactory(title="电机磁体高温退磁攻关")
    writer.reconcile("demand")
    type(edited).objects.filter(pk=edited.pk).update(title="风电叶片回收再利用")
    with caplog.at_level(logging.WARNING, logger="mengkeju.matching.writer"):
        achievements = writer.reconcile("achievement")
        demands = writer.reconcile("demand")
    assert achievements == {"missing": 1, "extra": 0, "changed": 0}
    assert demands == {"missing": 0, "extra": 0, "changed": 1}
    assert "drifted" in caplog.text
    assert _found(web, "乳清蛋白") == [str(missed.pk)]
    assert _found(web, "风电叶片", kind="demand") == [str(edited.pk)]
    assert writer.reconcile("achievement") == {"missing": 0, "extra": 0, "changed": 0}


def test_a_damaged_generation_is_skipped_by_readers_and_rebuilt_by_the_writer(
    web, writer, orgs, people, caplog
):
    writer.start()
    achievement = _submitted(orgs, title="苜蓿种子丸粒化包衣技术")
    services.transition(achievement, Action.PUBLISH, by=people["hq_operator"])
    while writer.step():
        pass
    folder = writer.store.folder("achievement")
    current = folder / (folder / "CURRENT").read_text()
    data = current / "vectors.npy"
    data.write_bytes(b"\0" * data.stat().st_size)  # zeroed
    web.reset()  # a web process starting now
    with caplog.at_level(logging.WARNING, logger="mengkeju.matching"):
        assert _found(web, "苜蓿种子") == [str(achievement.pk)]  # the previous good generation
    assert "vectors.npy" in caplog.text
    assert writer.verify("achievement")  # found and rebuilt
    assert not LocalIndex.verify(folder)
    assert _found(web, "苜蓿种子") == [str(achievement.pk)]


def test_a_reader_with_no_index_serves_one_from_the_database(web, orgs):
    achievement = AchievementFactory(title="苜蓿种子丸粒化包衣技术")
    assert _found(web, "苜蓿种子") == [str(achievement.pk)]
    assert not web.folder("achievement").exists()  # built in memory, nothing written


def test_directory_edits_reach_the_resource_index_through_the_outbox(web, writer, orgs):
    from mengkeju.catalog.models import Expert
    from mengkeju.network.tests.factories import division

    writer.start()
    Expert.objects.create(
        name="李永磁",
        tier="leading",
        field="稀土永磁材料",
        bio="钕铁硼磁体耐高温与晶界扩散研究。",
        organization=orgs["hq"],
        division=division("150200"),
    )
    assert IndexChange.objects.filter(kind="resource", applied_at=None).exists()
    writer.step()
    assert [r.id.split(":")[0] for r in web.search("resource", "钕铁硼磁体", k=3)] == ["expert"]


def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _zero(path):
    path.write_bytes(b"\0" * path.stat().st_size)


def _scramble(path):
    data = bytearray(path.read_bytes())
    for i in range(0, len(data), max(1, len(data) // 7)):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [_truncate, _zero, _scramble], ids=["truncated", "zeroed", "scrambled"])
def test_every_file_of_a_generation_damaged_is_detected_and_repaired(
    web, writer, orgs, people, damage, caplog
):
    """Each file of the current generation in turn (vectors, BM25 and token columns, vocabularies,
    the manifest …): the writer's check finds it and rebuilds from the database; the reader keeps
    answering (the previous good generation, then the rebuilt one)."""
    writer.start()
    achievement = _submitted(orgs, title="苜蓿种子丸粒化包衣技术")
    services.transition(achievement, Action.PUBLISH, by=people["hq_operator"])
    while writer.step():
        pass
    folder = writer.store.folder("achievement")
    names = sorted(p.name for p in (folder / (folder / "CURRENT").read_text()).iterdir())
    assert {"vectors.npy", "manifest.json", "tokens.flat.npy", "vocabularies.json"} <= set(names)
    for name in names:
        current = folder / (folder / "CURRENT").read_text()
        damage(current / name)
        web.reset()  # a web process starting now must not serve the damaged generation
        assert _found(web, "苜蓿种子") == [str(achievement.pk)], name
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="mengkeju.matching.writer"):
            assert writer.verify("achievement"), f"{name} {damage.__name__} not detected"
        assert "rebuilding" in caplog.text
        assert LocalIndex.verify(folder) == [], name  # the rebuilt generation is good
        assert _found(web, "苜蓿种子") == [str(achievement.pk)], name
