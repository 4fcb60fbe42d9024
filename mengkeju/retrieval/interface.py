"""The index interface: what the platform needs from a search backend (`Index`) and the values that
cross it (`Document`, `Filters`, `Boosts`, `Result`). `index.LocalIndex` is the embedded implementation;
a search cluster (Milvus, OpenSearch: docs/matching.md) would be a second one.
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

from .duplicates import DEFAULT_THRESHOLD, Duplicate, distinct
from .embedding import Embedder


@dataclass
class Document:
    id: str
    title: str
    body: str = ""
    chain_links: list[str] = field(default_factory=list)
    division: str = ""
    trl: int | None = None
    modes: list[str] = field(default_factory=list)
    price: float | None = None
    # Keywords and technical field: searched (text.KEYWORD_REPEAT), not embedded (passages read the
    # title and body).
    keywords: str = ""

    @property
    def chains(self) -> set[str]:
        return {code.split(".", 1)[0] for code in self.chain_links}


@dataclass
class Filters:
    """Structured filters applied after retrieval. Empty means no restriction."""

    chains: set[str] = field(default_factory=set)
    chain_links: set[str] = field(default_factory=set)
    divisions: set[str] = field(default_factory=set)
    modes: set[str] = field(default_factory=set)
    trl_min: int | None = None
    trl_max: int | None = None
    price_max: float | None = None

    def describe(self) -> list[str]:
        parts = []
        for name in ("chains", "chain_links", "divisions", "modes"):
            if getattr(self, name):
                parts.append(f"{name}={','.join(sorted(getattr(self, name)))}")
        for name in ("trl_min", "trl_max", "price_max"):
            if getattr(self, name) is not None:
                parts.append(f"{name}={getattr(self, name)}")
        return parts

    def accepts(self, doc: Document) -> bool:
        if self.chains and not (doc.chains & self.chains):
            return False
        if self.chain_links and not (set(doc.chain_links) & self.chain_links):
            return False
        if self.divisions and doc.division not in self.divisions:
            return False
        if self.modes and not (set(doc.modes) & self.modes):
            return False
        if self.trl_min is not None and (doc.trl is None or doc.trl < self.trl_min):
            return False
        if self.trl_max is not None and (doc.trl is None or doc.trl > self.trl_max):
            return False
        return not (self.price_max is not None and doc.price is not None and doc.price > self.price_max)


@dataclass
class Boosts:
    """Score multipliers for structured affinity (e.g. the demand's own chain or division)."""

    chains: set[str] = field(default_factory=set)
    divisions: set[str] = field(default_factory=set)
    # The query side's own chain links: no score of their own, but a shared link is the first reason
    # an explanation gives ("同为稀土·永磁电机环节").
    links: set[str] = field(default_factory=set)
    chain_factor: float = 0.10
    division_factor: float = 0.05


@dataclass
class Result:
    id: str
    score: float
    parts: dict[str, float]
    explain: Callable[[], dict] = field(repr=False, compare=False, default=dict)

    @functools.cached_property
    def explanation(self) -> dict:
        """Computed on first use: a page of 20 explains 20 results, not every ranked candidate."""
        return self.explain()


def id_order(doc_id: str) -> tuple:
    """How records with equal scores are ordered (by every backend alike): numeric ids as numbers,
    then other ids as text."""
    return (0, int(doc_id), "") if doc_id.isdigit() else (1, 0, doc_id)


class Index(ABC):
    """What the platform needs from a search backend: the whole lifecycle the Django adapter
    (`matching/adapter.py`) drives, and nothing else — the adapter uses no other member, so a second
    backend (a search cluster, e.g. Milvus or OpenSearch: docs/matching.md) implements these and
    nothing more.

    - *Making one*: `Backend(embedder, cache=..., strategy=..., known_values=...)` for an empty index,
      `Backend.load(location, embedder, ...)` for the saved one. The platform computes (and caches)
      the embeddings, so a backend needs no model of its own.
    - *Writing*: `upsert` and `delete` take effect at once for lexical search; with
      `upsert(..., embed=False)` documents wait, searchable lexically, until `embed_pending()`.
      `pending_passages()` are the texts that will embed, so a caller can fill the embedding cache
      outside the lock first; `refresh()` does everything due now (a rebuild), `maintenance()` hands
      the slow upkeep to a background worker.
    - *Generations*: `save()` writes a new generation and makes it the current one;
      `current_generation(location)` names the current one, so a worker notices that another worker
      or process saved a newer one (and loads it); `generation` is the one this index was loaded
      from or last saved as, `meta` what the caller stored with it (e.g. how far the change log it
      includes goes).
    - *Integrity*: a generation checks itself. `load()` verifies before it reads and raises
      `IndexCorrupt` naming what is damaged; `verify()` lists the problems; `load_good()` falls back
      to the newest older generation that is good; `clean()` removes what interrupted saves left;
      a save that fails (a full disk) raises `IndexWriteError` and changes nothing.
    - *Threads*: an index is shared by request threads and a background worker. Callers hold
      `lock()` around every call, and around several calls that must see one state (a search and
      the `get()` of its hits). A backend that is safe for concurrent use may return a no-op
      context (`contextlib.nullcontext()`).
    """

    # -- threads -------------------------------------------------------------------------------
    @abstractmethod
    def lock(self) -> AbstractContextManager:
        """A context manager that gives the holder exclusive use of the index (re-entrant)."""

    # -- writing -------------------------------------------------------------------------------
    @abstractmethod
    def upsert(self, docs: Iterable[Document], *, embed: bool = True) -> None:
        """Add or replace documents. With embed=False they are searchable lexically until
        `embed_pending()` runs."""

    @abstractmethod
    def delete(self, ids: Iterable[str]) -> None:
        """Remove documents; unknown ids are ignored."""

    @property
    @abstractmethod
    def pending(self) -> int:
        """Documents searchable lexically but not embedded yet."""

    @abstractmethod
    def pending_passages(self) -> list[str]:
        """The passage texts `embed_pending()` will embed (to fill the embedding cache beforehand)."""

    @abstractmethod
    def embed_pending(self, progress: Callable[[int], None] | None = None) -> int:
        """Embed the pending documents; returns how many passages the model embedded (not cached)."""

    @abstractmethod
    def refresh(self, progress: Callable[[int], None] | None = None) -> None:
        """Embed the pending documents and bring every derived structure up to date now, in the
        caller's thread: the index then serves at full quality (a rebuild)."""

    @abstractmethod
    def maintenance(self) -> Callable[[], Callable[[], None]] | None:
        """Upkeep that is due, for a background worker: a job to run outside `lock()`, which returns
        the step that installs its results (to run under `lock()`); None if nothing is due."""

    # -- reading -------------------------------------------------------------------------------
    @abstractmethod
    def __len__(self) -> int:
        """Live documents."""

    @abstractmethod
    def get(self, doc_id: str) -> Document | None:
        """The indexed document, or None if it is not in the index."""

    def get_many(self, doc_ids: Iterable[str]) -> list[Document | None]:
        """`get` of each id, in order (a backend behind a network answers in one round trip)."""
        return [self.get(doc_id) for doc_id in doc_ids]

    @abstractmethod
    def ids(self) -> list[str]:
        """The ids of the live documents (reconciliation compares them with the database)."""

    @abstractmethod
    def search(
        self,
        query: str,
        k: int = 10,
        filters: Filters | None = None,
        boosts: Boosts | None = None,
        *,
        strict: bool = False,
        floor: bool = False,
    ) -> list[Result]:
        """The best `k` documents for `query`, filtered and boosted, each with its explanation.
        With `strict`, only documents the query really names (a search box, not recommendations); with
        `floor`, only documents with evidence of relevance (recommendations: fewer rather than weak)."""

    @abstractmethod
    def dense_query_text(self, query: str) -> str:
        """The part of `query` the dense model reads when its vector is prepared ahead of time."""

    @abstractmethod
    def near_duplicates(
        self, title: str, body: str, *, k: int = 20, threshold: float = DEFAULT_THRESHOLD, exclude=()
    ) -> list[Duplicate]:
        """Indexed records that are near-copies of the record with this title and body."""

    def drop_duplicates(self, results: list[Result]) -> list[Result]:
        """`results` without the near-copies of a better-ranked result (see `duplicates.distinct`)."""
        docs = self.get_many([r.id for r in results])
        records = [
            (d.title, d.body) if d is not None else (r.id, "") for r, d in zip(results, docs, strict=True)
        ]
        return [results[i] for i in distinct(records)]

    # -- generations ---------------------------------------------------------------------------
    @abstractmethod
    def save(self, location: str | Path, *, embed: bool = True, meta: dict | None = None) -> object:
        """Write a new generation and make it the current one (then `generation` names it), keeping
        at least the previous one as a fallback. With embed=False, pending documents are saved as
        pending. `meta` (a JSON-serialisable dict) is stored with the generation and is `meta` after
        a save or load; None keeps the current `meta`. What it returns is the backend's own.

        A save that cannot complete (a full disk, an I/O error) raises `IndexWriteError`, an OSError
        with the original errno; it leaves no partial generation, the current generation stays
        current and this index stays as it was and usable."""

    @property
    @abstractmethod
    def generation(self) -> str | None:
        """The generation this index was loaded from or last saved as; None if neither."""

    @property
    @abstractmethod
    def meta(self) -> dict:
        """The `meta` stored with `generation` (`save(..., meta=...)`); `{}` when none."""

    @classmethod
    @abstractmethod
    def load(
        cls, location: str | Path, embedder: Embedder, *, generation: str | None = None, **options
    ) -> Index:
        """Open the current generation (or the named one) after checking it is whole. Raises
        IndexCorrupt, naming what is damaged, when it is missing, damaged or unreadable (the caller
        tries `load_good` or rebuilds from the database)."""

    @classmethod
    @abstractmethod
    def current_generation(cls, location: str | Path) -> str | None:
        """The name of the current generation at `location`; None if there is none."""

    @classmethod
    @abstractmethod
    def generations(cls, location: str | Path) -> list[str]:
        """The generations kept at `location`, newest first (good or not)."""

    @classmethod
    @abstractmethod
    def verify(cls, location: str | Path, generation: str | None = None) -> list[str]:
        """What is wrong with a generation (the current one when None), each problem naming the part
        it concerns; an empty list when it is good."""

    @classmethod
    @abstractmethod
    def load_good(cls, location: str | Path, embedder: Embedder, **options) -> tuple[Index, list[str]]:
        """The current generation if it is good, else the newest older one that is, with the
        problems found on the way (empty when the current one was good). Raises IndexCorrupt when
        none is good (the caller rebuilds from the database)."""

    @classmethod
    @abstractmethod
    def clean(cls, location: str | Path, older_than_s: float = 600) -> list[str]:
        """Remove what saves interrupted more than `older_than_s` seconds ago left behind (staging
        areas; a save in progress is left alone); returns what was removed."""
