"""The seams around matching: the catalog does not import it, the adapter needs nothing of the engine
but `retrieval.Index`, and catalog pages survive matching being off, absent or failing."""

import ast
import inspect
import io
import logging
from pathlib import Path

import pytest
from django.core.management import call_command

import mengkeju.catalog
from mengkeju.catalog import hooks
from mengkeju.catalog import services as catalog_services
from mengkeju.catalog.models import Action, Expert, Status
from mengkeju.catalog.tests.factories import AchievementFactory, DemandFactory
from mengkeju.matching import adapter, selectors
from mengkeju.retrieval.index import Index, LocalIndex

pytestmark = pytest.mark.django_db

MAGNET = {"title": "耐高温烧结钕铁硼磁体", "summary": "晶界扩散镝铽，工作温度180℃下不可逆退磁小于3%。"}
DEMAND = {"title": "电机磁体高温退磁攻关", "problem": "永磁电机在180℃退磁，需要耐高温钕铁硼磁体。"}


def _imports_of(path: Path, package: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against the module's own package
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value.startswith("mengkeju.matching"):  # import_module("mengkeju.matching...")
                names.add(node.value)
    return names


def test_the_catalog_does_not_import_matching():
    """Not even inside a function: matching imports the catalog, so the other way would be a cycle."""
    root = Path(mengkeju.catalog.__file__).parent
    offenders = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if relative.parts[0] in ("tests", "migrations"):
            continue
        package = ".".join(["mengkeju", "catalog", *relative.parts[:-1]])
        if any(
            n == "mengkeju.matching" or n.startswith("mengkeju.matching.") for n in _imports_of(path, package)
        ):
            offenders.append(str(relative))
    assert offenders == []


def test_matching_installs_the_catalogs_matchmaker():
    assert isinstance(hooks.matchmaker(), selectors.CatalogMatchmaker)


def _forward(name):
    def method(self, *args, **kwargs):
        return getattr(self._inner, name)(*args, **kwargs)

    method.__name__ = name
    return method


def _only_the_interface() -> type[Index]:
    """A backend with exactly `Index`'s members (each forwarded to a LocalIndex): another backend
    implementing `Index` would serve the adapter just as well."""
    members = {}
    class_members = {"load", "load_good", "current_generation", "generations", "verify", "clean"}
    for name in Index.__abstractmethods__ - class_members:
        if isinstance(inspect.getattr_static(Index, name), property):
            members[name] = property(lambda self, name=name: getattr(self._inner, name))
        else:
            members[name] = _forward(name)

    def __init__(self, embedder, **options):
        self._inner = LocalIndex(embedder, **options)

    def load(cls, location, embedder, **options):
        index = cls.__new__(cls)
        index._inner = LocalIndex.load(location, embedder, **options)
        return index

    def load_good(cls, location, embedder, **options):
        index = cls.__new__(cls)
        index._inner, problems = LocalIndex.load_good(location, embedder, **options)
        return index, problems

    members.update(
        __init__=__init__,
        load=classmethod(load),
        load_good=classmethod(load_good),
        current_generation=classmethod(lambda cls, location: LocalIndex.current_generation(location)),
        generations=classmethod(lambda cls, location: LocalIndex.generations(location)),
        verify=classmethod(lambda cls, location, generation=None: LocalIndex.verify(location, generation)),
        clean=classmethod(lambda cls, location, older_than_s=600: LocalIndex.clean(location, older_than_s)),
    )
    backend = type("OnlyTheInterface", (Index,), members)
    assert not backend.__abstractmethods__
    return backend


def test_the_adapter_needs_nothing_of_the_engine_but_the_index_interface(
    client, people, orgs, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    backend = _only_the_interface()
    monkeypatch.setattr(adapter.store, "backend", backend)
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
    call_command("reindex", "--no-progress", stdout=io.StringIO())  # rebuild: refresh, save
    adapter.store.reset()  # a new worker: load, current_generation
    assert isinstance(adapter.store.get("achievement"), backend)
    whey = AchievementFactory(
        title="乳清蛋白陶瓷膜浓缩",
        summary="陶瓷膜两级浓缩。",
        status=Status.SUBMITTED,
        owner=orgs["enterprise"],
    )
    with django_capture_on_commit_callbacks(execute=True):  # sync, then embed, maintenance, save
        catalog_services.transition(whey, Action.PUBLISH, by=people["hq_operator"])
    assert adapter.store.search("achievement", "乳清蛋白", k=3)[0].id == str(whey.pk)
    recommended = [a.pk for a, _r in adapter.achievements_for_demand(demand)]
    assert len({magnet.pk, copy.pk} & set(recommended)) == 1  # drop_duplicates: one copy of two
    assert [obj.pk for obj, _d in adapter.possible_duplicates(magnet)] == [copy.pk]
    assert adapter.duplicate_groups("achievement")[0] == sorted(
        [(magnet.pk, pytest.approx(1.0)), (copy.pk, pytest.approx(1.0))]
    )
    assert [e.name for e, _r in adapter.resources_for_demand(demand)["expert"]] == ["李永磁"]
    assert len(adapter.experts_for_text("钕铁硼磁体", Expert.objects.values_list("pk", flat=True))) == 1
    page = client.get(f"/demands/{demand.pk}/").content.decode()
    assert 'id="matches"' in page and 'id="resources"' in page
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_a_failing_engine_leaves_the_cards_out_and_the_page_renders(client, monkeypatch, caplog):
    AchievementFactory(**MAGNET)
    demand = DemandFactory(**DEMAND)

    def broken(*args, **kwargs):
        raise RuntimeError("the index is unreadable")

    monkeypatch.setattr(adapter, "achievements_for_demand", broken)
    monkeypatch.setattr(adapter, "resources_for_demand", broken)
    with caplog.at_level(logging.ERROR, logger="mengkeju.matching"):
        response = client.get(f"/demands/{demand.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="matches"' not in page and 'id="resources"' not in page and DEMAND["title"] in page
    assert {r.getMessage() for r in caplog.records} == {
        f"matching failed for demand {demand.pk}",
        f"matching failed for resource {demand.pk}",
    }


RANKED = 'class="badge bg-primary-subtle'  # "ranked by relevance (hybrid search)"


def _pages(client, demand):
    detail = client.get(f"/demands/{demand.pk}/").content.decode()
    listing = client.get("/achievements/?q=钕铁硼").content.decode()
    return detail, listing


def test_with_matching_off_or_absent_the_catalog_lists_in_its_own_order(client, settings, monkeypatch):
    AchievementFactory(**MAGNET)
    AchievementFactory(title="乳清蛋白膜分离", summary="陶瓷膜浓缩乳清。", chain_links=["dairy.byproducts"])
    demand = DemandFactory(**DEMAND)
    detail, listing = _pages(client, demand)
    assert 'id="matches"' in detail and RANKED in listing
    settings.MATCHING_ENABLED = False
    off = _pages(client, demand)
    settings.MATCHING_ENABLED = True
    monkeypatch.setattr(hooks, "_installed", hooks.Matchmaker())  # the matching app left out
    absent = _pages(client, demand)
    for detail, listing in (off, absent):
        assert 'id="matches"' not in detail and 'id="resources"' not in detail
        assert MAGNET["title"] in listing and RANKED not in listing and "乳清蛋白膜分离" not in listing
