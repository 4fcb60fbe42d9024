"""The embedded (single-machine) implementation of the index interface (`interface.Index`).

`Index` is the seam: a distributed engine can implement the same methods when a deployment
outgrows one machine (docs/matching.md). `LocalIndex` keeps its data in compact numpy columns
(`columns.py`), persists to a folder of generations (`CURRENT` names the live one; a new generation is
written beside it and `CURRENT` is swapped atomically), and memory-maps the large arrays (vectors,
BM25 matrix, tokens, text) when loading, so every server worker shares them through the page cache.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager

import numpy as np

from . import fusion
from .ann import IVFIndex, training_rows
from .columns import Column, Ragged, VectorBlocks, Vocabulary
from .duplicates import DEFAULT_THRESHOLD, Duplicate, Fingerprint
from .embedding import Embedder, EmbeddingCache, embed_with_cache
from .errors import FilterError, QueryError
from .explain import COMMON_SHARE, explain
from .interface import Boosts, Document, Filters, Index, Result, id_order
from .lexical import BM25Matrix, idf
from .passages import DEFAULT_STRATEGY, PassageStrategy
from .persistence import Persistent
from .text import document_tokens, domain_vocabulary, tokens

_BLAS_LIMITED = False


def limit_blas_threads() -> None:
    """One BLAS thread for the whole process, once.

    The index's BLAS work (query vector × passage vectors) is memory-bound, gaining little from a
    second thread; but multi-threaded OpenBLAS leaves its threads spinning after each call, and they
    take the cores the embedding model (OpenMP) needs for the next query: measured at 100k passages
    on 2 cores, typed queries p95 129 → 27 ms and demand queries p95 189 → 113 ms end to end.
    """
    global _BLAS_LIMITED
    if not _BLAS_LIMITED:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=1, user_api="blas")
        _BLAS_LIMITED = True


MAX_QUERY_CHARS = 20_000
QUERY_WINDOW_CHARS = 1_000  # what is searched of a very long query (the model reads 512 tokens)
CANDIDATES = 100
# The relevance floor (docs/matching.md, "When nothing matches"). A search box keeps a document that
# holds at least this share of the query's IDF mass (words the index has never seen weigh as much as
# the rarest word), or whose dense score reaches the embedder's `relevance_floor`. Recommendations keep
# a document that shares one specific query term (in at most COMMON_SHARE of the documents) or reaches
# the dense floor. On the dev set every judged-relevant pair shares a specific term (49 of 49).
STRICT_COVERAGE = 0.5
SHORT_QUERY_CHARS = 24
DENSE_QUERY_CHARS = 512  # what the dense model reads of a query whose vector was prepared ahead of time
# (cross-validated with the passages: docs/matching.md) ... and of a query embedded while the user
# waits, which must answer in tens of milliseconds. Demands are prepared when published (in the
# worker), so their pages get the 512 window.
LIVE_QUERY_CHARS = 120
EXACT_REFIT_LIMIT = 5_000  # above this many documents, BM25 is refitted in the background
SHORT_QUERY_DENSE_WEIGHT = 0.5
ANN_MIN_PASSAGES = 200_000  # below this, exact dense search (≈ 10 ms per 100k passages on 2 cores)
ANN_NPROBE = None  # inverted lists visited per query; None: 1/10 of them (ann.PROBE_SHARE)
ANN_CANDIDATES = 400  # passages the vector index proposes; re-scored exactly
ANN_REBUILD_SHARE = 0.10  # rebuild the vector index when this share of passages came after it
EXACT_FILTERED_ROWS = 100_000  # a filter this narrow is searched exactly, even with a vector index
EMBED_BATCH = 50_000


# Scores are rounded before they are ranked: two records with the same text get the same score however
# the sums were ordered (a matrix product and a dot product differ in the last bit), so equal records
# tie — and ties rank in id order — on every backend.
LEXICAL_DECIMALS = 4
DENSE_DECIMALS = 6


def settle(scores: np.ndarray, decimals: int) -> np.ndarray:
    return np.round(scores, decimals).astype(np.float32)


def _top_rows(scores: np.ndarray, allowed: np.ndarray, m: int) -> np.ndarray:
    """Row numbers of the `m` highest scores among `allowed` rows (unordered)."""
    rows = np.flatnonzero(allowed)
    if len(rows) > m:
        rows = rows[np.argpartition(-scores[rows], m - 1)[:m]]
    return rows


def check_filters(filters: Filters, known_values: dict[str, set[str]]) -> None:
    """Raise FilterError for a value the platform does not know or a malformed range."""
    for name in ("chains", "chain_links", "divisions", "modes"):
        unknown = getattr(filters, name) - known_values.get(name, getattr(filters, name))
        if unknown:
            raise FilterError(f"unknown {name}: {', '.join(sorted(unknown))}")
    for name in ("trl_min", "trl_max"):
        value = getattr(filters, name)
        if value is not None and not (isinstance(value, int) and 1 <= value <= 9):
            raise FilterError(f"{name} must be an integer from 1 to 9, got {value!r}")
    if filters.trl_min and filters.trl_max and filters.trl_min > filters.trl_max:
        raise FilterError("trl_min is above trl_max")


def query_window(query: str) -> tuple[str, bool]:
    """The searched part of a query and whether it was cut; refuses empty and over-long queries."""
    text = (query or "").strip()
    if not text:
        raise QueryError("the query is empty")
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is longer than {MAX_QUERY_CHARS} characters")
    return text[:QUERY_WINDOW_CHARS], len(text) > QUERY_WINDOW_CHARS


def query_vector(embedder, prepared: str, live_query_chars: int) -> np.ndarray:
    """The prepared (or remembered) vector of `prepared` (the query's dense window) if the embedder
    has one; otherwise the query embedded now, reading its first `live_query_chars` characters.
    Embedders that cannot say what they know (`known`) always get the full window."""
    known = getattr(embedder, "known", None)
    if known is None:
        return embedder.query(prepared)
    vector = known(prepared)
    return vector if vector is not None else embedder.query(prepared[:live_query_chars])


def same_parts(links: Iterable[str], division: str | None, boosts: Boosts | None) -> dict:
    """The chain links, chains and division a result shares with the query side's `boosts`."""
    links = sorted(set(links))
    boosts = boosts or Boosts()
    same_links = [link for link in links if link in boosts.links]
    chains = {link.split(".", 1)[0] for link in links} - {link.split(".", 1)[0] for link in same_links}
    return {
        "links": same_links,
        "chains": sorted(chains & boosts.chains),
        "division": division if division and division in boosts.divisions else None,
    }


def boost_factor(links: Iterable[str], division: str | None, boosts: Boosts) -> float:
    """How much `boosts` raises a document with these chain links and division."""
    factor = 0.0
    if boosts.chains and {link.split(".", 1)[0] for link in links} & boosts.chains:
        factor += boosts.chain_factor
    if boosts.divisions and division and division in boosts.divisions:
        factor += boosts.division_factor
    return factor


class Ranking:
    """What every backend ranks with: the embedder and its cache, the passage strategy, the fusion and
    its parameters, the query windows, the known filter values, and the dense relevance floor."""

    def __init__(
        self,
        embedder: Embedder,
        *,
        cache: EmbeddingCache | None = None,
        strategy: PassageStrategy | None = None,
        fusion_method: str = "rrf",
        alpha: float = 0.7,
        rrf_k: int = 10,
        dense_query_chars: int = DENSE_QUERY_CHARS,
        live_query_chars: int = LIVE_QUERY_CHARS,
        known_values: dict[str, set[str]] | None = None,
    ):
        if fusion_method not in fusion.METHODS and fusion_method not in ("bm25", "dense"):
            raise ValueError(f"unknown fusion method {fusion_method!r}")
        self.embedder = embedder
        self.cache = cache if cache is not None else EmbeddingCache(None, embedder.model_id, embedder.dim)
        self.strategy = strategy or PassageStrategy.parse(DEFAULT_STRATEGY)
        self.fusion_method, self.alpha, self.rrf_k = fusion_method, alpha, rrf_k
        # Query embedding time grows with length (≈80 ms at 100 characters, ≈1.1 s at 1,000 on 2 cores):
        # the dense model reads the head of a long query; BM25 reads all of it.
        self.dense_query_chars = dense_query_chars
        self.live_query_chars = live_query_chars
        self.known_values = known_values or {}

    def dense_query_text(self, query: str) -> str:
        """The part of `query` the dense model reads when its vector is prepared ahead of time."""
        return (query or "").strip()[:QUERY_WINDOW_CHARS][: self.dense_query_chars]

    @property
    def relevance_floor(self) -> float:
        """The dense score at which a document counts as relevant without a shared word (the
        embedder's: similarity ranges differ by model; e5's are compressed into 0.75–0.95)."""
        return float(getattr(self.embedder, "relevance_floor", 1.0))


class LocalIndex(Persistent, Ranking, Index):
    def __init__(self, embedder: Embedder, **options):
        """`options`: those of `Ranking`."""
        super().__init__(embedder, **options)
        limit_blas_threads()
        # Rows are append-only: an update retires the old row and appends a new one.
        self._ids: list[str] = []
        self._position: dict[str, int] = {}
        self._alive = Column(bool)
        self._trl = Column(np.int8)  # 0: unknown
        self._price = Column(np.float64)  # NaN: unknown
        self._division = Column(np.int32)  # -1: none
        self._first_passage = Column(np.int64)  # -1: not embedded yet
        self._passage_count = Column(np.int32)
        self._terms, self._divisions, self._links, self._modes = (Vocabulary() for _ in range(4))
        self._tokens = Ragged(np.int32)  # term ids of text.document_tokens
        self._text = Ragged(np.uint16)  # "title\x1fbody[\x1fkeywords]" as UTF-16
        self._link_rows = Ragged(np.int32)
        self._mode_rows = Ragged(np.int32)
        self._vectors = VectorBlocks(embedder.dim)
        self._owner = Column(np.int64)  # passage -> row
        self._pending: set[str] = set()  # upserted, not embedded yet: found lexically meanwhile
        self._bm25: BM25Matrix | None = None
        self._bm25_dirty = True
        self._ann: IVFIndex | None = None
        self._epoch = 0  # bumped when row numbers change (compaction)
        self._retired = 0  # rows retired so far (a fit knows whether one happened after it)
        self._generation: str | None = None  # loaded from or last saved as
        self._meta: dict = {}  # stored with that generation (`save(..., meta=...)`)
        self._mutex = threading.RLock()

    def lock(self) -> AbstractContextManager:
        """Not safe for concurrent use: appends to the columns would race a search reading them."""
        return self._mutex

    # -- writing -----------------------------------------------------------------------------
    def upsert(self, docs: Iterable[Document], *, embed: bool = True) -> None:
        """Add or replace documents. With embed=False they are searchable lexically until
        `embed_pending()` runs (the platform does that in the background)."""
        for doc in docs:
            if not doc.id:
                raise ValueError("a document needs an id")
            if doc.id in self._position:
                self._retire(doc.id)
            self._position[doc.id] = len(self._ids)
            self._ids.append(doc.id)
            self._alive.append(True)
            self._trl.append(doc.trl or 0)
            self._price.append(np.nan if doc.price is None else doc.price)
            self._division.append(self._divisions.add(doc.division) if doc.division else -1)
            self._first_passage.append(-1)
            self._passage_count.append(0)
            self._link_rows.append(self._links.encode(doc.chain_links))
            self._mode_rows.append(self._modes.encode(doc.modes))
            self._tokens.append(self._terms.encode(document_tokens(doc.title, doc.body, doc.keywords)))
            title, body = ((x or "").replace("\x1f", " ") for x in (doc.title, doc.body))
            text = f"{title}\x1f{body}\x1f{doc.keywords}" if doc.keywords else f"{title}\x1f{body}"
            self._text.append(text.encode("utf-16-le", "surrogatepass"))
            self._pending.add(doc.id)
        self._bm25_dirty = True
        if embed:
            self.embed_pending()

    def delete(self, ids: Iterable[str]) -> None:
        for doc_id in ids:
            if doc_id in self._position:
                self._retire(doc_id)
                del self._position[doc_id]
                self._pending.discard(doc_id)
        self._bm25_dirty = True

    def _retire(self, doc_id: str) -> None:
        self._alive[self._position[doc_id]] = False
        self._retired += 1

    def embed_pending(self, progress: Callable[[int], None] | None = None) -> int:
        rows = sorted(self._position[i] for i in self._pending if i in self._position)
        embedded = 0
        for start in range(0, len(rows), EMBED_BATCH):
            texts, owners, firsts = [], [], []
            for row in rows[start : start + EMBED_BATCH]:
                doc = self.document(row)
                passages = self.strategy.texts(doc.title, doc.body)
                firsts.append((row, len(self._vectors) + len(texts), len(passages)))
                texts.extend(passages)
                owners.extend([row] * len(passages))
            vectors, done = embed_with_cache(self.embedder, self.cache, texts, progress=progress)
            embedded += done
            self._vectors.append(vectors)
            self._owner.extend(np.asarray(owners, dtype=np.int64))
            for row, first, count in firsts:
                self._first_passage[row], self._passage_count[row] = first, count
        self._pending.clear()
        return embedded

    def compact(self) -> None:
        """Drop retired rows (after updates and deletes): renumbers rows, refits BM25."""
        alive = self._alive.values
        if alive.all():
            return
        keep = np.flatnonzero(alive)
        new_row = np.full(len(alive), -1, dtype=np.int64)
        new_row[keep] = np.arange(len(keep))
        self._ids = [self._ids[i] for i in keep]
        self._position = {doc_id: i for i, doc_id in enumerate(self._ids)}
        for name in ("_trl", "_price", "_division", "_passage_count"):
            column = getattr(self, name)
            setattr(self, name, Column(column.values.dtype, column.values[keep]))
        self._alive = Column(bool, np.ones(len(keep), dtype=bool))
        for name in ("_tokens", "_text", "_link_rows", "_mode_rows"):
            old = getattr(self, name)
            fresh = Ragged(old.dtype)
            for row in keep:
                fresh.append(old.row(int(row)))
            fresh.consolidate()
            setattr(self, name, fresh)
        owners = self._owner.values
        passage_keep = np.flatnonzero(alive[owners]) if len(owners) else np.zeros(0, np.int64)
        vectors = VectorBlocks(self.embedder.dim)
        for start in range(0, len(passage_keep), 100_000):
            vectors.append(self._vectors.gather(passage_keep[start : start + 100_000]))
        if len(vectors.blocks) > 1:
            vectors = VectorBlocks(self.embedder.dim, np.concatenate(vectors.blocks))
        new_passage = np.full(len(owners), -1, dtype=np.int64)
        new_passage[passage_keep] = np.arange(len(passage_keep))
        first = self._first_passage.values[keep].copy()
        embedded = first >= 0  # rows not embedded yet keep -1 (there may be no passages at all)
        first[embedded] = new_passage[first[embedded]]
        self._first_passage = Column(np.int64, first)
        self._owner = Column(np.int64, new_row[owners[passage_keep]])
        self._vectors = vectors
        self._epoch += 1
        self._ann = None  # rebuilt by maintenance() when the index is large enough to need one
        self.fit_lexical()

    def __len__(self) -> int:
        return len(self._position)

    # -- documents -----------------------------------------------------------------------------
    def document(self, row: int) -> Document:
        # "title\x1fbody" or "title\x1fbody\x1fkeywords" (indexes saved before keywords have two parts).
        title, _sep, rest = (
            self._text.row(row).tobytes().decode("utf-16-le", "surrogatepass").partition("\x1f")
        )
        body, _sep, keywords = rest.partition("\x1f")
        trl, price, division = (
            int(self._trl.values[row]),
            float(self._price.values[row]),
            int(self._division.values[row]),
        )
        return Document(
            id=self._ids[row],
            title=title,
            body=body,
            keywords=keywords,
            chain_links=[self._links.terms[i] for i in self._link_rows.row(row)],
            division=self._divisions.terms[division] if division >= 0 else "",
            trl=trl or None,
            modes=[self._modes.terms[i] for i in self._mode_rows.row(row)],
            price=None if np.isnan(price) else price,
        )

    def get(self, doc_id: str) -> Document | None:
        row = self._position.get(doc_id)
        return None if row is None else self.document(row)

    def ids(self) -> list[str]:
        return list(self._position)

    def pending_documents(self) -> list[Document]:
        return [self.document(self._position[i]) for i in self._pending if i in self._position]

    def pending_passages(self) -> list[str]:
        return [t for d in self.pending_documents() for t in self.strategy.texts(d.title, d.body)]

    @property
    def pending(self) -> int:
        """Documents searchable lexically but not embedded yet."""
        return len(self._pending)

    # -- upkeep: BM25 refits and the vector index --------------------------------------------------
    def refresh(self, progress: Callable[[int], None] | None = None) -> None:
        """Embed what is pending, refit BM25 and, when the index is large enough, (re)build the
        vector index."""
        self.embed_pending(progress=progress)
        self.fit_lexical()
        if self.ann_due():
            self.build_ann()

    def fit_lexical(self) -> None:
        """Refit BM25 on the live documents (exact corpus statistics)."""
        self.install_lexical(self.lexical_job()())

    @property
    def lexical_stale(self) -> bool:
        return self._bm25_dirty

    def lexical_job(self) -> Callable[[], tuple]:
        """A refit that can run outside the caller's lock (rows are append-only); pass its result
        to `install_lexical`."""
        tokens_, alive, upto = self._tokens, self._alive.values.copy(), len(self._ids)
        vocabulary, marks = len(self._terms), (self._epoch, self._retired)
        return lambda: (BM25Matrix().fit(tokens_, alive, upto, vocabulary), marks)

    def install_lexical(self, fitted: tuple) -> None:
        model, (epoch, retired) = fitted
        if epoch != self._epoch:
            return  # rows were renumbered meanwhile; the next refit will do
        self._bm25 = model
        self._bm25_dirty = model.upto < len(self._ids) or retired != self._retired

    def ann_due(self) -> bool:
        passages = len(self._vectors)
        if passages < ANN_MIN_PASSAGES:
            return False
        return self._ann is None or passages - self._ann.upto > ANN_REBUILD_SHARE * self._ann.upto

    def ann_job(self) -> Callable[[], tuple]:
        vectors, upto, epoch = VectorBlocks(self.embedder.dim), len(self._vectors), self._epoch
        vectors.blocks = list(self._vectors.blocks)
        vectors._starts = vectors._compute_starts()
        return lambda: (
            IVFIndex.build(
                vectors.chunks(upto),
                self.embedder.dim,
                upto,
                sample=vectors.gather(training_rows(upto)),
                nprobe=ANN_NPROBE,
            ),
            epoch,
        )

    def install_ann(self, built: tuple) -> None:
        ann, epoch = built
        if epoch == self._epoch:
            self._ann = ann

    def build_ann(self) -> None:
        self.install_ann(self.ann_job()())

    def maintenance(self) -> Callable[[], Callable[[], None]] | None:
        """What a background worker should do for a large index: returns a job to run outside the
        lock, which returns the step that installs its results (to run under the lock); None if
        nothing is due. Small indexes refit on the query path and never need a vector index."""
        jobs = []
        if self._bm25_dirty and len(self) > EXACT_REFIT_LIMIT:
            jobs.append((self.lexical_job(), self.install_lexical))
        if self.ann_due():
            jobs.append((self.ann_job(), self.install_ann))
        if not jobs:
            return None

        def run():
            results = [(job(), install) for job, install in jobs]
            return lambda: [install(result) for result, install in results]

        return run

    def _query_vector(self, text: str) -> np.ndarray:
        return query_vector(self.embedder, self.dense_query_text(text), self.live_query_chars)

    # -- reading -----------------------------------------------------------------------------
    def near_duplicates(
        self, title: str, body: str, *, k: int = 20, threshold: float = DEFAULT_THRESHOLD, exclude=()
    ) -> list[Duplicate]:
        """Indexed records whose text resembles this one's at `threshold` or more (Jaccard of
        character 3-grams), or that have the same specific title and a related text (see
        `duplicates.is_duplicate`), most alike first. Candidates: the `k` best BM25 matches of its own
        text (the title counts twice, so same-title records rank high)."""
        if not 0 < threshold <= 1:
            raise QueryError("the resemblance threshold must be in (0, 1]")
        if not self._position or not (title or body or "").strip():
            return []
        query_ids = self._terms.encode(tokens(f"{title}。{body}"[:QUERY_WINDOW_CHARS]), add=False)
        lexical = self._lexical_scores(query_ids)
        mine = Fingerprint.of(title, body)
        found = []
        for row in _top_rows(lexical, self._alive.values & (lexical > 0), k):
            doc = self.document(int(row))
            if doc.id in exclude:
                continue
            match = mine.against(Fingerprint.of(doc.title, doc.body), threshold)
            if match:
                found.append(Duplicate(doc.id, round(match[0], 4), match[1]))
        return sorted(found, key=lambda d: (-d.resemblance, d.id))

    def _lexical_scores(self, query_ids: np.ndarray) -> np.ndarray:
        n = len(self._ids)
        # Small indexes refit at once (exact). Large ones keep the fitted model: retired rows are
        # masked, rows added since are scored with its statistics, and a background refit follows.
        if self._bm25 is None or (self._bm25_dirty and len(self) <= EXACT_REFIT_LIMIT):
            self.fit_lexical()
        scores = self._bm25.scores(query_ids, n)
        delta = np.arange(self._bm25.upto, n)
        if len(delta):
            scores[delta] = self._bm25.delta_scores(query_ids, self._tokens, delta)
        scores[~self._alive.values] = 0.0
        return settle(scores, LEXICAL_DECIMALS)

    def _evidence(self, rows: np.ndarray, query_tokens: list[str], query_ids: np.ndarray, *, strict: bool):
        """Per row, whether it shares enough of the query's words (see STRICT_COVERAGE)."""
        distinct = np.unique(np.asarray(query_ids, dtype=np.int64))
        if self._bm25 is None or (self._bm25_dirty and len(self) <= EXACT_REFIT_LIMIT):
            self.fit_lexical()  # as _lexical_scores does: large indexes keep the fitted statistics
        n = max(self._bm25.documents, 1)
        df = self._bm25.df(distinct)
        if strict:
            weights = idf(df, n)
            unknown = len(set(query_tokens)) - len(distinct)  # never seen: as rare as can be
            total = float(weights.sum()) + unknown * float(idf(np.zeros(1), n)[0])
        else:
            specific = df <= max(COMMON_SHARE * n, 1)
            distinct, weights, total = distinct[specific], np.ones(int(specific.sum())), 1.0
        keep = np.zeros(len(rows), dtype=bool)
        if not len(distinct) or total <= 0:
            return keep
        for j, row in enumerate(rows):
            held = np.isin(distinct, self._tokens.row(int(row)))
            keep[j] = float(weights[held].sum()) / total >= STRICT_COVERAGE if strict else bool(held.any())
        return keep

    def _row_dense(self, rows: np.ndarray, query_vector: np.ndarray) -> np.ndarray:
        """Exact dense score of each row (its best passage); -1 for rows not embedded yet."""
        out = np.full(len(rows), -1.0, dtype=np.float32)
        first, count = self._first_passage.values[rows], self._passage_count.values[rows]
        has = np.flatnonzero(count > 0)
        if not len(has):
            return out
        reps = np.repeat(has, count[has])
        starts = np.repeat(np.cumsum(count[has]) - count[has], count[has])
        passages = np.repeat(first[has], count[has]) + (np.arange(len(reps)) - starts)
        np.maximum.at(out, reps, self._vectors.gather(passages) @ query_vector)
        return settle(out, DENSE_DECIMALS)

    def _dense_scores(self, query_vector: np.ndarray, allowed: np.ndarray, m: int) -> tuple:
        """(scores with -1 where not computed, the top `m` allowed rows)."""
        n = len(self._ids)
        dense = np.full(n, -1.0, dtype=np.float32)
        if not len(self._vectors):
            return dense, np.zeros(0, dtype=np.int64)
        narrowed = int(allowed.sum())
        filtered = narrowed < len(self)
        if self._ann is not None and filtered and narrowed <= EXACT_FILTERED_ROWS:
            rows = np.flatnonzero(allowed)
            dense[rows] = self._row_dense(rows, query_vector)
        elif self._ann is not None:
            proposed = self._ann.search(query_vector, ANN_CANDIDATES * (8 if filtered else 1))
            tail = self._vectors.scores(query_vector, start=self._ann.upto)  # added since the build
            if len(tail) > m:
                tail = np.argpartition(-tail, m - 1)[:m]
            else:
                tail = np.arange(len(tail))
            owners = self._owner.values
            rows = np.unique(owners[np.concatenate([proposed, tail + self._ann.upto])])
            rows = rows[allowed[rows]]
            dense[rows] = self._row_dense(rows, query_vector)
        else:
            passage_scores = self._vectors.scores(query_vector)
            owners = self._owner.values
            if self._passage_count.values.max(initial=0) <= 1:
                dense[owners] = passage_scores  # one passage per document
            else:
                np.maximum.at(dense, owners, passage_scores)  # a document scores its best passage
            dense[~self._alive.values] = -1.0
        dense = settle(dense, DENSE_DECIMALS)
        return dense, self._top(dense, allowed & (dense > -1.0), m)

    def _filter_mask(self, filters: Filters) -> np.ndarray:
        n = len(self._ids)
        mask = self._alive.values.copy()
        if filters.chains:
            wanted = [
                i for i, code in enumerate(self._links.terms) if code.split(".", 1)[0] in filters.chains
            ]
            mask &= self._link_rows.rows_containing(np.asarray(wanted, dtype=np.int32), n)
        if filters.chain_links:
            mask &= self._link_rows.rows_containing(self._links.encode(filters.chain_links, add=False), n)
        if filters.divisions:
            mask &= np.isin(self._division.values, self._divisions.encode(filters.divisions, add=False))
        if filters.modes:
            mask &= self._mode_rows.rows_containing(self._modes.encode(filters.modes, add=False), n)
        trl = self._trl.values
        if filters.trl_min is not None:
            mask &= (trl > 0) & (trl >= filters.trl_min)
        if filters.trl_max is not None:
            mask &= (trl > 0) & (trl <= filters.trl_max)
        if filters.price_max is not None:
            price = self._price.values
            mask &= np.isnan(price) | (price <= filters.price_max)
        return mask

    def _check_filters(self, filters: Filters) -> None:
        check_filters(filters, self.known_values)

    def _boost(self, row: int, boosts: Boosts) -> float:
        division = int(self._division.values[row])
        return boost_factor(
            [self._links.terms[i] for i in self._link_rows.row(row)],
            self._divisions.terms[division] if division >= 0 else None,
            boosts,
        )

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
        """Top `k` documents. With `strict` (a search box), only documents the query really names; with
        `floor` (recommendations), only documents with evidence. See STRICT_COVERAGE."""
        text, truncated = query_window(query)
        filters = filters or Filters()
        self._check_filters(filters)
        if not self._position:
            return []
        m = max(k, CANDIDATES)
        query_tokens = tokens(text)
        query_ids = self._terms.encode(query_tokens, add=False)
        # Filters apply before the candidate cut, so a narrow filter still finds low-ranked matches.
        allowed = self._filter_mask(filters) if filters.describe() else self._alive.values
        lexical = dense = None
        if self.fusion_method != "dense":
            lexical = self._lexical_scores(query_ids)
            lex_top = self._top(lexical, allowed & (lexical > 0), m)
        if self.fusion_method != "bm25":
            query_vector = self._query_vector(text)
            dense, dense_top = self._dense_scores(query_vector, allowed, m)
        if lexical is not None and dense is not None:
            candidates = self._by_id(np.union1d(lex_top, dense_top))
            unscored = candidates[dense[candidates] == -1.0]
            if len(unscored) and self._ann is not None:
                dense[unscored] = self._row_dense(unscored, query_vector)
            if self.fusion_method == "rrf":
                # A few keywords typed in a search box say exactly what is wanted: let the lexical ranking
                # lead. A demand's full description is where the dense model's paraphrase matching pays.
                dense_weight = SHORT_QUERY_DENSE_WEIGHT if len(text) <= SHORT_QUERY_CHARS else 1.0
                fused = fusion.rrf(lexical, dense, candidates, k=self.rrf_k, dense_weight=dense_weight)
            else:
                fused = fusion.weighted(lexical, dense, candidates, alpha=self.alpha)
        elif lexical is not None:
            candidates, fused = self._by_id(lex_top), lexical
        else:
            candidates, fused = self._by_id(dense_top), dense
        # Records not embedded yet still compete on their lexical score.
        boosted = fused[candidates].astype(np.float32)
        boost_parts: dict[int, float] = {}
        if boosts:
            for j, row in enumerate(candidates):
                factor = self._boost(int(row), boosts)
                if factor:
                    boost_parts[int(row)] = factor
                    boosted[j] *= 1 + factor
        if (strict or floor) and len(candidates):
            keep = self._evidence(candidates, query_tokens, query_ids, strict=strict)
            if dense is not None:
                keep |= dense[candidates] >= self.relevance_floor
            candidates, boosted = candidates[keep], boosted[keep]
        order = np.argsort(-boosted, kind="stable")[:k]
        described = filters.describe()
        results = []
        for j in order:
            row = int(candidates[j])
            parts = {"fused": float(fused[row]), "score": float(boosted[j])}
            if lexical is not None:
                parts["bm25"] = float(lexical[row])
            if dense is not None:
                parts["dense"] = float(dense[row])
            if row in boost_parts:
                parts["boost"] = boost_parts[row]
            results.append(
                Result(
                    id=self._ids[row],
                    score=float(boosted[j]),
                    parts=parts,
                    explain=functools.partial(
                        self._explain,
                        row,
                        self._epoch,
                        self._ids[row],
                        query_tokens,
                        described,
                        boost_parts.get(row),
                        truncated,
                        boosts,
                    ),
                )
            )
        return results

    def _top(self, scores: np.ndarray, allowed: np.ndarray, m: int) -> np.ndarray:
        """The `m` best allowed rows; among rows tied at the cut, the first in id order (as every
        backend cuts), so which records become candidates does not depend on row order."""
        rows = _top_rows(scores, allowed, m)
        if len(rows) < m or not len(rows):
            return rows
        cut = scores[rows].min()
        tied = np.flatnonzero(allowed & (scores == cut))
        if len(tied) <= int((scores[rows] == cut).sum()):
            return rows  # no tie reaches past the cut
        above = rows[scores[rows] > cut]
        tied = sorted(tied.tolist(), key=lambda row: id_order(self._ids[row]))[: m - len(above)]
        return np.concatenate([above, np.asarray(tied, dtype=above.dtype)])

    def _by_id(self, rows: np.ndarray) -> np.ndarray:
        """Candidate rows in the order of their ids: equal scores rank in that order, whichever backend
        answers (see `interface.id_order`)."""
        return np.asarray(sorted(rows.tolist(), key=lambda row: id_order(self._ids[row])), dtype=np.int64)

    def _same(self, row: int, boosts: Boosts | None) -> dict:
        """The chain links, chains and division a result shares with the query side's `boosts`."""
        division = int(self._division.values[row])
        return same_parts(
            [self._links.terms[i] for i in self._link_rows.row(row)],
            self._divisions.terms[division] if division >= 0 else None,
            boosts,
        )

    def _explain(self, row, epoch, doc_id, query_tokens, described, boost, truncated, boosts=None) -> dict:
        """Computed on first use (a page explains its 20 results, not all candidates)."""
        if epoch != self._epoch:  # rows were renumbered since the search
            row = self._position.get(doc_id, row)
        doc_terms = [self._terms.terms[i] for i in self._tokens.row(row)]
        share, documents = {}, 0
        if self._bm25 is not None and self._bm25.documents:
            documents = self._bm25.documents
            known = sorted({t for t in query_tokens if t in self._terms.ids})
            counts = self._bm25.df(np.array([self._terms.ids[t] for t in known], dtype=np.int64))
            share = {t: float(c) / documents for t, c in zip(known, counts, strict=True)}
        return explain(
            query_tokens,
            self.document(row),
            doc_terms,
            described,
            boost,
            truncated=truncated,
            share=share,
            documents=documents,
            domain=domain_vocabulary(),
            same=self._same(row, boosts),
        )
