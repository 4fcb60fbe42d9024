"""The platform on the Milvus backend (Milvus Lite, a file per test): the same pages and the same
living index as on the local index, a rebuild into Milvus while the local index serves, and an outage
that degrades search to the database and loses no change."""

import io
import logging

import pytest
from django.core.management import call_command

from mengkeju.catalog import services as catalog_services
from mengkeju.catalog.models import Action, Expert, Status
from mengkeju.catalog.tests.factories import AchievementFactory, DemandFactory
from mengkeju.matching import adapter
from mengkeju.matching.adapter import IndexStore, backend_named
from mengkeju.matching.models import IndexChange
from mengkeju.matching.writer import IndexWriter
from mengkeju.retrieval.embedding import HashingEmbedder
from mengkeju.retrieval.index import LocalIndex

pytest.importorskip("pymilvus")

from mengkeju.retrieval.milvus import MilvusIndex, _Connection

pytestmark = pytest.mark.django_db

MAGNET = {"title": "耐高温烧结钕铁硼磁体", "summary": "晶界扩散镝铽，工作温度180℃下不可逆退磁小于3%。"}
DEMAND = {"title": "电机磁体高温退磁攻关", "problem": "永磁电机在180℃退磁，需要耐高温钕铁硼磁体。"}
RANKED = 'class="badge bg-primary-subtle'  # "ranked by relevance (hybrid search)"


@pytest.fixture
def milvus(settings, tmp_path):
    settings.MATCHING_BACKEND = "milvus"
    settings.MILVUS_URI = str(tmp_path / "milvus.db")
    settings.MILVUS_PREFIX = "t_"
    adapter.store.reset()
    yield backend_named("milvus")
    adapter.store.reset()
    _Connection.close(settings.MILVUS_URI)


@pytest.fixture
def outage(monkeypatch):
    """Milvus stops answering; `outage.end()` brings it back."""
    real = _Connection.client.__func__

    def refused(cls, uri, token):
        raise cls.failed(uri, ConnectionRefusedError(111, "Connection refused"))

    class Outage:
        def start(self):
            monkeypatch.setattr(_Connection, "client", classmethod(refused))

        def end(self):
            monkeypatch.setattr(_Connection, "client", classmethod(real))
            _Connection._down.clear()  # the few seconds a failure is remembered have passed

    yield Outage()
    _Connection._down.clear()


def test_the_platform_runs_on_milvus(
    milvus, client, people, orgs, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.INFO, logger="mengkeju.matching")
    magnet = AchievementFactory(**MAGNET)
    copy = AchievementFactory(**MAGNET, owner=orgs["enterprise"])
    demand = DemandFactory(**DEMAND)
    Expert.objects.create(
        name="李永磁",
        tier="leading",
        field="稀土永磁材料",
        bio="钕铁硼磁体耐高温与晶界扩散研究。",
        organization=orgs["hq"],
        division=demand.division,
    )
    call_command("reindex", "--no-progress", stdout=io.StringIO())
    adapter.store.reset()  # a new process: it loads the collection behind the alias
    index = adapter.store.get("achievement")
    assert isinstance(index, MilvusIndex) and len(index) == 2 and index.pending == 0
    whey = AchievementFactory(
        title="乳清蛋白陶瓷膜浓缩",
        summary="陶瓷膜两级浓缩。",
        status=Status.SUBMITTED,
        owner=orgs["enterprise"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.transition(whey, Action.PUBLISH, by=people["hq_operator"])
    assert adapter.store.search("achievement", "乳清蛋白", k=3)[0].id == str(whey.pk)
    recommended = [a.pk for a, _r in adapter.achievements_for_demand(demand)]
    assert len({magnet.pk, copy.pk} & set(recommended)) == 1  # near-copies: one of the two
    assert [obj.pk for obj, _d in adapter.possible_duplicates(magnet)] == [copy.pk]
    assert [e.name for e, _r in adapter.resources_for_demand(demand)["expert"]] == ["李永磁"]
    page = client.get("/achievements/?q=钕铁硼").content.decode()
    assert RANKED in page and MAGNET["title"] in page and 'id="engine-unavailable"' not in page
    assert 'id="matches"' in client.get(f"/demands/{demand.pk}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.transition(whey, Action.WITHDRAW, by=people["hq_operator"], reason="权属有争议")
    assert str(whey.pk) not in [r.id for r in adapter.store.search("achievement", "乳清蛋白", k=3)]
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_an_outage_lists_from_the_database_with_a_notice_and_logs_once(
    milvus, client, outage, caplog, settings
):
    magnet = AchievementFactory(**MAGNET)
    demand = DemandFactory(**DEMAND)
    call_command("reindex", "--no-progress", stdout=io.StringIO())
    outage.start()
    with caplog.at_level(logging.INFO):
        listing = client.get("/achievements/?q=钕铁硼")
        detail = client.get(f"/demands/{demand.pk}/")
        again = client.get("/achievements/?q=钕铁硼")
        health = client.get("/healthz")
    assert listing.status_code == detail.status_code == again.status_code == 200
    page = listing.content.decode()
    assert 'id="engine-unavailable"' in page and MAGNET["title"] in page  # the keyword filter found it
    assert RANKED not in page
    assert DEMAND["title"] in detail.content.decode() and 'id="matches"' not in detail.content.decode()
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "Milvus at" in errors[0] and "unavailable" in errors[0]
    assert health.status_code in (200, 503)
    outage.end()
    page = client.get("/achievements/?q=钕铁硼").content.decode()
    assert RANKED in page and 'id="engine-unavailable"' not in page
    assert str(magnet.pk) in [r.id for r in adapter.store.search("achievement", "钕铁硼", k=3)]


def test_changes_wait_in_the_outbox_while_milvus_is_down(milvus, settings, people, orgs, outage):
    settings.MATCHING_SYNC = False  # production: the web process only writes the outbox
    writer = IndexWriter(IndexStore())
    writer.acquire()
    try:
        writer.start()
        achievement = AchievementFactory(
            title="苜蓿种子丸粒化包衣技术", status=Status.SUBMITTED, owner=orgs["enterprise"]
        )
        catalog_services.transition(achievement, Action.PUBLISH, by=people["hq_operator"])
        outage.start()
        assert writer.step() is False  # could not apply: kept, retried after a back-off
        assert IndexChange.objects.filter(applied_at=None).count() == 1
        outage.end()
        writer._next_try = 0
        assert writer.step()
        assert not IndexChange.objects.filter(applied_at=None).exists()
        while writer.step():  # embed, save
            pass
        found = adapter.store.search("achievement", "苜蓿种子", k=3, strict=True)
        assert [r.id for r in found] == [str(achievement.pk)] and found[0].parts["dense"] > 0
    finally:
        writer.release()


def test_reindex_into_milvus_while_the_local_index_serves(settings, tmp_path, monkeypatch):
    """Migrating: build the Milvus collections from the database, then switch MATCHING_BACKEND."""
    settings.MILVUS_URI = str(tmp_path / "milvus.db")
    settings.MILVUS_PREFIX = "t_"
    magnet = AchievementFactory(**MAGNET)
    DemandFactory(**DEMAND)
    call_command("reindex", "--no-progress", stdout=io.StringIO())  # the local index: the cache is full
    local = LocalIndex.current_generation(settings.MATCHING_INDEX_DIR / "achievement")
    embedded = []
    real = HashingEmbedder.passages
    monkeypatch.setattr(
        HashingEmbedder, "passages", lambda self, texts: embedded.extend(texts) or real(self, texts)
    )
    out = io.StringIO()
    call_command("reindex", "--backend", "milvus", "--no-progress", stdout=out)
    assert embedded == []  # every vector came from the embedding cache
    assert "building the milvus index (the platform serves local" in out.getvalue()
    backend = backend_named("milvus")
    served = backend.load(settings.MATCHING_INDEX_DIR / "achievement", adapter.store.embedder)
    assert served.ids() == [str(magnet.pk)] and served.pending == 0
    assert LocalIndex.current_generation(settings.MATCHING_INDEX_DIR / "achievement") == local  # untouched
    settings.MATCHING_BACKEND = "milvus"
    adapter.store.reset()
    assert adapter.store.search("achievement", "钕铁硼", k=3)[0].id == str(magnet.pk)
    adapter.store.reset()
    _Connection.close(settings.MILVUS_URI)
