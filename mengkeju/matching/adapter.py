"""The one place Django meets the matching engine.

- Documents are built from published catalog records; drafts and withdrawn records are never indexed.
- The catalog announces changes (`catalog.signals.listings_changed`, inside its transaction); each
  becomes an outbox row (`outbox.py`) committed with the change. The one index writer (`writer.py`,
  run by `mengkeju worker`) applies the outbox, embeds and saves generations; nothing in a request waits.
- Each kind's index lives in `MATCHING_INDEX_DIR/<kind>/`; web processes only read it and reload when
  the writer saves a newer generation; a damaged generation is skipped for the previous good one.
- The engine is reached only through `retrieval.Index`'s members (`IndexStore.backend` names the
  implementation), so another backend can replace `LocalIndex` here and nowhere else.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db.models import Max

from mengkeju.catalog.models import Achievement, CooperationMode, Demand, Expert, Platform, Service, Status
from mengkeju.network.models import ChainLink, Division, IndustryChain, Region
from mengkeju.retrieval import text as engine_text
from mengkeju.retrieval.duplicates import Duplicate
from mengkeju.retrieval.embedding import E5Embedder, EmbeddingCache, HashingEmbedder, embed_with_cache
from mengkeju.retrieval.errors import IndexCorrupt
from mengkeju.retrieval.index import LocalIndex
from mengkeju.retrieval.interface import Boosts, Document, Filters, Index, Result
from mengkeju.retrieval.passages import PassageStrategy

log = logging.getLogger(__name__)
MODELS = {"achievement": Achievement, "demand": Demand}
RESOURCE = "resource"  # experts, innovation platforms and services, in one small index
KINDS = [*MODELS, RESOURCE]


def _embedder():
    if settings.MATCHING_EMBEDDER == "hashing":
        return HashingEmbedder()
    embedder = E5Embedder()
    embedder.query_store = EmbeddingCache(
        Path(settings.MATCHING_CACHE_DIR) / "queries", embedder.model_id, embedder.dim
    )
    return embedder


def demand_query(demand: Demand) -> str:
    """What a demand asks of the achievements index (and of experts, platforms and services)."""
    parts = (x.strip().rstrip("。") for x in (demand.problem, demand.indicators))
    return engine_text.record_query(demand.title, "。".join(x for x in parts if x))


def document(obj) -> Document:
    links = [link.code for link in obj.chain_links.all()]
    if isinstance(obj, Achievement):
        body = obj.summary
        keywords = "。".join(x for x in (obj.keywords, obj.field) if x)
        modes = [m.code for m in obj.transfer_modes.all()]
        price, trl = obj.price_yuan, obj.trl
    else:
        body = "。".join(x for x in (obj.problem, obj.indicators) if x)
        keywords = ""
        modes = [m.code for m in obj.cooperation_modes.all()]
        price, trl = obj.budget_yuan, None
    return Document(
        id=str(obj.pk),
        title=obj.title,
        body=body,
        keywords=keywords,
        chain_links=links,
        division=obj.division.code,
        trl=trl,
        modes=modes,
        price=float(price) if price is not None else None,
    )


def _published(kind: str, ids=None):
    model = MODELS[kind]
    modes = "transfer_modes" if model is Achievement else "cooperation_modes"
    qs = (
        model.objects.filter(status=Status.PUBLISHED)
        .select_related("division")
        .prefetch_related("chain_links", modes)
    )
    return qs if ids is None else qs.filter(pk__in=ids)


# Resource kinds that apps above matching add to the resource index (talent adds `person`), so that
# matching never imports them: kind -> (model, function yielding the kind's documents).
EXTRA_RESOURCES: dict[str, tuple[type, object]] = {}


def register_resource_kind(kind: str, model, documents) -> None:
    """Index `documents()` (Documents with ids `<kind>:<pk>`) with the experts, platforms and services."""
    EXTRA_RESOURCES[kind] = (model, documents)


def resource_documents():
    """Experts, platforms and services as documents with typed ids (`expert:12`), then the kinds other
    apps registered (`register_resource_kind`)."""
    # Retired entries (ChainResource.retired_at) have left the directory: nothing recommends them.
    experts = Expert.objects.filter(retired_at__isnull=True)
    for expert in experts.select_related("organization", "division").prefetch_related("chain_links"):
        yield Document(
            id=f"expert:{expert.pk}",
            title=f"{expert.name} {expert.title} {expert.field}",
            body=f"{expert.organization.name}。{expert.bio}",
            chain_links=[link.code for link in expert.chain_links.all()],
            division=expert.division.code,
        )
    for platform in (
        Platform.objects.filter(retired_at__isnull=True)
        .select_related("organization", "division")
        .prefetch_related("chain_links")
    ):
        yield Document(
            id=f"platform:{platform.pk}",
            title=platform.name,
            body=f"{platform.get_kind_display()}。{platform.description}",
            chain_links=[link.code for link in platform.chain_links.all()],
            division=platform.division.code,
        )
    services = Service.objects.filter(retired_at__isnull=True)
    for service in services.select_related("provider", "division").prefetch_related("chain_links"):
        yield Document(
            id=f"service:{service.pk}",
            title=service.name,
            body=f"{service.get_kind_display()}。{service.provider.name}。{service.description}",
            chain_links=[link.code for link in service.chain_links.all()],
            division=service.division.code,
        )
    for _model, documents in EXTRA_RESOURCES.values():
        yield from documents()


def resource_fingerprint() -> tuple:
    extra = [model for model, _documents in EXTRA_RESOURCES.values()]
    return tuple(
        (model.objects.count(), model.objects.aggregate(m=Max("pk"))["m"])
        for model in (Expert, Platform, Service, *extra)
    )


def _documents(kind: str):
    if kind == RESOURCE:
        return resource_documents()
    return (document(obj) for obj in _published(kind).iterator(chunk_size=500))


def load_vocabulary() -> None:
    """The region's words for the segmenter: chain and link names, and the synonym dictionary."""
    engine_text.add_terms(domain_terms())
    region = Region.objects.only("synonyms").first()
    engine_text.set_synonyms(region.synonyms if region is not None else [])


def domain_terms() -> list[str]:
    """Chain and link names keep their compounds whole when segmenting."""
    return [
        *IndustryChain.objects.values_list("name", flat=True),
        *ChainLink.objects.values_list("name", flat=True),
    ]


def backend_class() -> type[Index]:
    """The index implementation `MATCHING_BACKEND` names."""
    return backend_named(settings.MATCHING_BACKEND)


def backend_named(name: str) -> type[Index]:
    """`LocalIndex` for "local"; for "milvus", `MilvusIndex` bound to `MILVUS_URI`."""
    if name == "milvus":
        return _milvus(settings.MILVUS_URI, settings.MILVUS_TOKEN, settings.MILVUS_PREFIX)
    return LocalIndex


@functools.cache
def _milvus(uri: str, token: str, prefix: str) -> type[Index]:
    from mengkeju.retrieval.milvus import MilvusIndex

    return MilvusIndex.configured(uri, token, prefix)


class IndexStore:
    """The indexes of one process, one per kind, each loaded on first use.

    Web processes only read: they load the newest good generation and reload when `CURRENT` moves.
    The one writer (`mengkeju worker`, see `writer.py`; or the process itself when `MATCHING_SYNC`, as in
    tests) applies the outbox, embeds and saves generations. A reader that finds no readable generation
    serves an index built from the database in memory (word matching) until the writer saves one.

    Locks: the store's own lock guards which index object serves a kind (loading, reloading,
    rebuilding); each index's `lock()` guards the use of that index. Whoever needs both takes the
    store's first."""

    _backend: type[Index] | None = None  # set by tests; otherwise MATCHING_BACKEND's

    @property
    def backend(self) -> type[Index]:
        return self._backend or backend_class()

    @backend.setter
    def backend(self, value: type[Index] | None) -> None:
        self._backend = value

    def __init__(self):
        self._lock = threading.RLock()
        self._indexes: dict[str, Index] = {}
        self._skipped: dict[str, str | None] = {}  # kind -> a CURRENT found unreadable (not retried)
        self._fingerprint: tuple | None = None
        self._embedder = None
        self._cache: EmbeddingCache | None = None
        self.writer = False  # set by the process holding the writer lock (see writer.py)

    @property
    def writes(self) -> bool:
        """Whether this process may save the index: the writer, or any process when MATCHING_SYNC."""
        return self.writer or settings.MATCHING_SYNC

    @property
    def cache(self) -> EmbeddingCache:
        """One embedding cache per process, shared by every index (loading it reads all its shards)."""
        if self._cache is None:
            self._cache = EmbeddingCache(
                settings.MATCHING_CACHE_DIR, self.embedder.model_id, self.embedder.dim
            )
        return self._cache

    @property
    def embedder(self):
        if self._embedder is None:
            self._embedder = _embedder()
        return self._embedder

    def folder(self, kind: str) -> Path:
        """Where `kind`'s index lives: a folder of generations for the local index; for a backend
        elsewhere (Milvus) the folder's name names the kind's collection alias, and the folder is kept
        (empty) so the writer's checks treat both alike."""
        folder = Path(settings.MATCHING_INDEX_DIR) / kind
        if self.backend is not LocalIndex and not folder.exists():
            folder.mkdir(parents=True, exist_ok=True)
        return folder

    def _new_index(self, backend: type[Index] | None = None) -> Index:
        return (backend or self.backend)(
            self.embedder,
            cache=self.cache,
            strategy=PassageStrategy.parse(settings.MATCHING_PASSAGES),
            known_values=known_values(),
        )

    def loaded(self, kind: str) -> Index | None:
        return self._indexes.get(kind)

    def get(self, kind: str) -> Index:
        with self._lock:
            if (
                kind == RESOURCE
                and settings.MATCHING_SYNC
                and self._indexes.get(kind)
                and self._fingerprint != resource_fingerprint()
            ):
                return self.rebuild(kind, embed=False)  # tests edit directories without the outbox
            generation = self.backend.current_generation(self.folder(kind))
            loaded = self._indexes.get(kind)
            if loaded is not None and (
                generation is None or generation in (loaded.generation, self._skipped.get(kind))
            ):
                return loaded
            load_vocabulary()
            try:
                index, problems = self.backend.load_good(
                    self.folder(kind), self.embedder, cache=self.cache, known_values=known_values()
                )
            except IndexCorrupt as exc:
                # A first start has no index yet (info); an unreadable one is worth a warning.
                level = logging.INFO if generation is None else logging.WARNING
                if self.writes:
                    log.log(level, "rebuilding the %s index from the database: %s", kind, exc)
                    return self.rebuild(kind, embed=False)
                log.log(
                    level,
                    "no readable %s index (%s): serving one built from the database in memory until "
                    "the index writer saves one",
                    kind,
                    exc,
                )
                self._skipped[kind] = generation
                index = self._build(kind, in_memory=True)
                self._indexes[kind] = index
                return index
            if problems:
                log.warning(
                    "the %s index: %s; serving the previous good generation %s",
                    kind,
                    "; ".join(problems),
                    index.generation,
                )
                self._skipped[kind] = generation
            self._indexes[kind] = index
            if self.writes and settings.MATCHING_SYNC and (index.pending or problems):
                if problems:
                    return self.rebuild(kind, embed=True)
                self.embed_and_save(kind, index.meta)
            return index

    @contextmanager
    def locked(self, kind: str) -> Iterator[Index]:
        """The index of `kind`, held (its `lock()`) for several calls that must see one state."""
        index = self.get(kind)
        with index.lock():
            yield index

    def _build(self, kind: str, *, in_memory: bool = False) -> Index:
        """A new index of every published record of `kind`, searchable lexically (not embedded). With
        `in_memory` (a reader with nothing to load) it is a `LocalIndex` that is never saved: a reader
        writes nothing to a shared backend."""
        load_vocabulary()
        index = self._new_index(LocalIndex if in_memory else None)
        if kind == RESOURCE:
            self._fingerprint = resource_fingerprint()
        index.upsert(_documents(kind), embed=False)
        return index

    def rebuild(self, kind: str, progress=None, *, embed: bool = True, meta: dict | None = None) -> Index:
        """Rebuild from the database and save (the writer only). With embed=False the index is usable
        lexically at once and the embeddings follow (the writer embeds pending documents)."""
        if meta is None:
            from .outbox import position

            meta = {"outbox": position()}  # read first: changes committed meanwhile are replayed
        index = self._build(kind)
        if embed:
            index.refresh(progress=progress)
        with self._lock, index.lock():
            index.save(self.folder(kind), embed=embed, meta=meta)
            self._indexes[kind] = index
            self._skipped.pop(kind, None)
        if index.pending and settings.MATCHING_SYNC:
            self.embed_and_save(kind, meta)
        return index

    def apply(self, kind: str, ids: list[str], meta: dict) -> set[int]:
        """Bring `ids` of `kind` in line with the database and save a generation holding `meta` (the
        outbox position). Returns the published ids (for notifications). The writer only."""
        if kind == RESOURCE:
            self.rebuild(kind, embed=False, meta=meta)
            return set()
        numbers = [int(i) for i in ids if str(i).isdigit()]
        published = list(_published(kind, numbers))
        with self._lock:
            index = self.get(kind)
            with index.lock():
                index.delete(str(i) for i in numbers)
                index.upsert((document(obj) for obj in published), embed=False)
                index.save(self.folder(kind), embed=False, meta=meta)
        return {obj.pk for obj in published}

    def embed_and_save(self, kind: str, meta: dict, new_ids=()) -> None:
        """Embed what is pending (from the cache where possible), run the index's upkeep, save, then
        prepare demand queries and notify subscribers of `new_ids`."""
        index = self._indexes[kind]
        with index.lock():
            texts = index.pending_passages()
        embed_with_cache(self.embedder, self.cache, texts)  # slow part, outside the lock
        self.cache.flush()
        with index.lock():
            index.embed_pending()  # now served from the cache
            job = index.maintenance()  # a large index: BM25 refit, vector index rebuild
        if job is not None:
            install = job()  # slow part, outside the lock
            with index.lock():
                install()
        with self._lock, index.lock():
            index.save(self.folder(kind), meta=meta)
        if kind == "demand" and new_ids:
            self.prepare_demand_queries(new_ids)
        if new_ids:
            self._notify(kind, index, set(new_ids))

    def prepare_demand_queries(self, ids=None, progress=None) -> int:
        """Embed published demands' queries ahead of time, so their pages answer without the model."""
        prepare = getattr(self.embedder, "prepare_queries", None)
        if prepare is None:
            return 0
        index = self.get("achievement")
        done = 0
        for demand in _published("demand", ids).iterator(chunk_size=200):
            done += prepare([index.dense_query_text(demand_query(demand))])
            if progress:
                progress(1)
        return done

    def _notify(self, kind: str, index: Index, ids: set[int]) -> None:
        from .services import notify_matches

        def run(query: str):
            with index.lock():
                hits = index.search(query, k=50, strict=True)
                docs = [doc for doc in (index.get(hit.id) for hit in hits) if doc is not None]
            return [(int(doc.id), doc.title, doc.chains) for doc in docs]

        notify_matches(kind, sorted(ids), run)

    def search(
        self,
        kind: str,
        query: str,
        k: int = 10,
        filters=None,
        boosts=None,
        strict=False,
        distinct=False,
        floor=False,
    ) -> list[Result]:
        """With `distinct`, near-copies of a better-ranked result are left out (recommendations); with
        `floor`, results without evidence of relevance (recommendations: fewer rather than weak)."""
        options = {"filters": filters, "boosts": boosts, "strict": strict, "floor": floor}
        with self.locked(kind) as index:
            if not distinct:
                return index.search(query, k=k, **options)
            hits = index.search(query, k=2 * k, **options)
            return index.drop_duplicates(hits)[:k]

    def near_duplicates(self, kind: str, title: str, body: str, exclude=()) -> list[Duplicate]:
        with self.locked(kind) as index:
            return index.near_duplicates(title, body, exclude=exclude)

    def reset(self) -> None:
        """Forget loaded indexes, the cache and the embedder (settings may have changed)."""
        with self._lock:
            self._indexes.clear()
            self._skipped.clear()
            self._cache = None
            self._embedder = None


store = IndexStore()


def known_values() -> dict[str, set[str]]:
    return {
        "chains": set(IndustryChain.objects.values_list("code", flat=True)),
        "chain_links": set(ChainLink.objects.values_list("code", flat=True)),
        "divisions": set(Division.objects.values_list("code", flat=True)),
        "modes": set(CooperationMode.objects.values_list("code", flat=True)),
    }


def _objects(kind: str, results: list[Result]):
    by_id = {str(o.pk): o for o in _published(kind, [int(r.id) for r in results]).select_related("owner")}
    return [(by_id[r.id], r) for r in results if r.id in by_id]


def possible_duplicates(listing) -> list[tuple[object, Duplicate]]:
    """Published records of the same kind that are near-copies of `listing` (any status), most alike
    first: what a reviewer checks before publishing, and what an owner sees before submitting."""
    kind = "achievement" if isinstance(listing, Achievement) else "demand"
    doc = document(listing)
    found = store.near_duplicates(kind, doc.title, doc.body, exclude={doc.id})
    by_id = {str(o.pk): o for o in _published(kind, [int(d.id) for d in found]).select_related("owner")}
    return [(by_id[d.id], d) for d in found if d.id in by_id]


def duplicate_groups(
    kind: str, threshold: float | None = None, progress=None
) -> list[list[tuple[int, float]]]:
    """Groups of published records of `kind` that are near-copies of each other (two or more each),
    largest first; each member is (pk, its best resemblance within the group). For cleaning up an
    imported catalogue."""
    options = {} if threshold is None else {"threshold": threshold}
    with store.locked(kind) as index:
        docs = [
            doc for doc in (index.get(str(pk)) for pk in _published(kind).values_list("pk", flat=True)) if doc
        ]
        parent = {doc.id: doc.id for doc in docs}
        best: dict[str, float] = {}

        def root(x):
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for doc in docs:
            doc_id = doc.id
            for dup in index.near_duplicates(doc.title, doc.body, exclude={doc_id}, **options):
                if dup.id in parent:
                    parent[root(dup.id)] = root(doc_id)
                    best[doc_id] = max(best.get(doc_id, 0.0), dup.resemblance)
                    best[dup.id] = max(best.get(dup.id, 0.0), dup.resemblance)
            if progress:
                progress(1)
    groups: dict[str, list[tuple[int, float]]] = {}
    for doc_id in best:
        groups.setdefault(root(doc_id), []).append((int(doc_id), best[doc_id]))
    return sorted((sorted(g) for g in groups.values() if len(g) > 1), key=lambda g: (-len(g), g[0][0]))


def _links(listing) -> tuple[set[str], set[str]]:
    """A listing's chain link codes and chain codes."""
    links = list(listing.chain_links.all())
    return {link.code for link in links}, {link.chain.code for link in links}


def achievements_for_demand(demand: Demand, k: int = 5):
    links, chains = _links(demand)
    query = demand_query(demand)
    boosts = Boosts(chains=chains, divisions={demand.division.code}, links=links)
    return _objects(
        "achievement", store.search("achievement", query, k=k, boosts=boosts, distinct=True, floor=True)
    )


def demands_for_achievement(achievement: Achievement, k: int = 5):
    links, chains = _links(achievement)
    query = f"{achievement.title}。{achievement.summary}"
    boosts = Boosts(chains=chains, links=links)
    results = store.search("demand", query, k=k, boosts=boosts, distinct=True, floor=True)
    return _objects("demand", results)


def search(kind: str, query: str, filters: Filters | None = None, k: int = 20):
    return _objects(kind, store.search(kind, query, k=k, filters=filters, strict=True))


def resources_for_demand(demand: Demand, per_type: int = 3) -> dict[str, list]:
    """Experts, platforms and services that could help with a demand, with the reasons. Only those with
    domain evidence: a chain link or chain in common, or shared domain terms above the IDF floor. A
    group with none says so rather than padding itself with look-alikes."""
    links, chains = _links(demand)
    query = demand_query(demand)
    results = store.search(
        RESOURCE,
        query,
        k=60,
        boosts=Boosts(chains=chains, divisions={demand.division.code}, links=links),
    )  # no word floor here: a shared chain link is evidence enough (has_evidence)
    grouped: dict[str, list[Result]] = {"expert": [], "platform": [], "service": []}
    for result in results:
        kind, _sep, pk = result.id.partition(":")
        if kind in grouped and len(grouped[kind]) < per_type and has_evidence(result):
            grouped[kind].append((int(pk), result))
    models = {"expert": Expert, "platform": Platform, "service": Service}
    out = {}
    for kind, hits in grouped.items():
        objects = models[kind].objects.in_bulk([pk for pk, _r in hits])
        out[kind] = [(objects[pk], r) for pk, r in hits if pk in objects]
    return out


def has_evidence(result: Result) -> bool:
    """Whether a result shares something a broker would name: a chain link or chain, a domain term, or
    at least two specific shared words (one ordinary word alone, such as 现场 or 诊断, is chance)."""
    explanation = result.explanation
    same = explanation.get("same") or {}
    if same.get("links") or same.get("chains"):
        return True
    terms = explanation.get("shared_terms") or []
    return len(terms) >= 2 or not engine_text.domain_vocabulary().isdisjoint(terms)


def experts_for_text(query: str, expert_ids, chains=()) -> list[tuple[int, Result]]:
    """Experts among `expert_ids` ranked by the resource index for a free text (an open challenge's
    problem and indicators), best first, each with the engine's result (score, shared terms). Experts
    the engine does not rank for the text are left out; the caller keeps them in its own order."""
    wanted = {f"expert:{pk}" for pk in expert_ids}
    if not wanted:
        return []
    with store.locked(RESOURCE) as index:
        results = index.search(query, k=max(len(index), 1), boosts=Boosts(chains=set(chains)))
    return [(int(r.id.partition(":")[2]), r) for r in results if r.id in wanted]


def resources_of_kind(
    kind: str, query: str, chains=(), divisions=(), k: int = 10
) -> list[tuple[int, Result]]:
    """Entries of one resource kind (`expert`, `person` …) ranked by the resource index for a text (a
    demand's or a challenge's problem), boosted by chains and divisions, best first: (pk, result)."""
    prefix = f"{kind}:"
    with store.locked(RESOURCE) as index:
        results = index.search(
            query, k=max(len(index), 1), boosts=Boosts(chains=set(chains), divisions=set(divisions))
        )
    return [(int(r.id[len(prefix) :]), r) for r in results if r.id.startswith(prefix)][:k]
