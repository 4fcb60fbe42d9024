"""The index interface and the embedded (single-machine) implementation.

`Index` is the seam: a distributed engine can implement the same methods when a deployment
outgrows one machine (docs/matching.md). `LocalIndex` keeps everything in memory, persists to a
folder of generations (`CURRENT` names the live one; a new generation is written beside it and
`CURRENT` is swapped atomically), and memory-maps the vectors when loading.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import tempfile
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from . import fusion
from .embedding import Embedder, EmbeddingCache, embed_with_cache
from .errors import FilterError, IndexCorrupt, QueryError
from .explain import explain
from .lexical import BM25Retriever
from .passages import PassageStrategy
from .text import tokens

FORMAT_VERSION = 1
MAX_QUERY_CHARS = 20_000
QUERY_WINDOW_CHARS = 1_000  # what is searched of a very long query (the model reads 512 tokens)
CANDIDATES = 100
STRICT_DENSE_MARGIN = 0.03
SHORT_QUERY_CHARS = 24
DENSE_QUERY_CHARS = 160
COMPACT_RETIRED_SHARE = 0.25
EXACT_REFIT_LIMIT = 5_000  # above this many documents, BM25 is refitted in the background
SHORT_QUERY_DENSE_WEIGHT = 0.5


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


class Index(ABC):
    """What the platform needs from a search backend."""

    @abstractmethod
    def upsert(self, docs: Iterable[Document]) -> None: ...

    @abstractmethod
    def delete(self, ids: Iterable[str]) -> None: ...

    @abstractmethod
    def search(
        self,
        query: str,
        k: int = 10,
        filters: Filters | None = None,
        boosts: Boosts | None = None,
        *,
        strict: bool = False,
    ) -> list[Result]: ...

    @abstractmethod
    def __len__(self) -> int: ...


class LocalIndex(Index):
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
        known_values: dict[str, set[str]] | None = None,
    ):
        if fusion_method not in fusion.METHODS and fusion_method not in ("bm25", "dense"):
            raise ValueError(f"unknown fusion method {fusion_method!r}")
        self.embedder = embedder
        self.cache = cache or EmbeddingCache(None, embedder.model_id, embedder.dim)
        self.strategy = strategy or PassageStrategy()
        self.fusion_method, self.alpha, self.rrf_k = fusion_method, alpha, rrf_k
        # Query embedding time grows with length (≈80 ms at 100 characters, ≈1.1 s at 1,000 on 2 cores):
        # the dense model reads the head of a long query; BM25 reads all of it.
        self.dense_query_chars = dense_query_chars
        self.known_values = known_values or {}
        self._docs: list[Document] = []
        self._tokens: list[list[str]] = []
        self._position: dict[str, int] = {}
        self._passage_vectors = np.zeros((0, embedder.dim), dtype=np.float32)
        self._passage_owner = np.zeros(0, dtype=np.int64)
        self._pending: set[str] = set()  # upserted, not embedded yet: found lexically meanwhile
        self._alive: np.ndarray = np.zeros(0, dtype=bool)
        self._bm25 = BM25Retriever()
        self._bm25_rows = np.zeros(0, dtype=np.int64)
        self._bm25_fitted_upto = 0
        self._bm25_stats = (0, 1.0)
        self._bm25_dirty = True

    # -- passage storage: a growable buffer, so adding one record does not copy the whole matrix --
    @property
    def _passage_vectors(self) -> np.ndarray:
        return self._vector_buffer[: self._passages]

    @_passage_vectors.setter
    def _passage_vectors(self, vectors: np.ndarray) -> None:
        self._vector_buffer, self._passages = vectors, len(vectors)

    @property
    def _passage_owner(self) -> np.ndarray:
        return self._owner_buffer[: self._passages]

    @_passage_owner.setter
    def _passage_owner(self, owners: np.ndarray) -> None:
        self._owner_buffer = owners
        self._one_passage_each = len(owners) == len(np.unique(owners))

    def _append_passages(self, vectors: np.ndarray, owners: np.ndarray) -> None:
        start, end = self._passages, self._passages + len(vectors)
        buffer = self._vector_buffer
        if end > len(buffer) or not buffer.flags.writeable:  # grow (or leave a read-only memory map)
            capacity = max(end, int(len(buffer) * 1.5) + 64)
            grown = np.empty((capacity, self.embedder.dim), dtype=np.float32)
            grown[:start] = buffer[:start]
            owner_grown = np.empty(capacity, dtype=np.int64)
            owner_grown[:start] = self._owner_buffer[:start]
            self._vector_buffer, self._owner_buffer = grown, owner_grown
        self._vector_buffer[start:end] = vectors
        self._owner_buffer[start:end] = owners
        # New passages belong to new rows, so one-per-document stays true if the batch keeps it.
        self._one_passage_each = self._one_passage_each and len(owners) == len(np.unique(owners))
        self._passages = end

    # -- writing -----------------------------------------------------------------------------
    def upsert(self, docs: Iterable[Document], *, embed: bool = True) -> None:
        """Add or replace documents. With embed=False they are searchable lexically until
        `embed_pending()` runs (the platform does that in the background)."""
        for doc in docs:
            if not doc.id:
                raise ValueError("a document needs an id")
            if doc.id in self._position:
                self._retire(doc.id)
            self._position[doc.id] = len(self._docs)
            self._docs.append(doc)
            self._tokens.append(tokens(f"{doc.title} {doc.title} {doc.body}"))
            self._alive = np.append(self._alive, True)
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

    def embed_pending(self, progress: Callable[[int], None] | None = None) -> int:
        ids = [i for i in self._pending if i in self._position]
        if not ids:
            self._pending.clear()
            return 0
        texts, owners = [], []
        for doc_id in ids:
            row = self._position[doc_id]
            doc = self._docs[row]
            for text in self.strategy.texts(doc.title, doc.body):
                texts.append(text)
                owners.append(row)
        vectors, embedded = embed_with_cache(self.embedder, self.cache, texts, progress=progress)
        self._append_passages(vectors, np.asarray(owners, dtype=np.int64))
        self._pending.clear()
        return embedded

    def compact(self) -> None:
        """Drop retired rows (after updates and deletes)."""
        if self._alive.all():
            return
        keep = np.flatnonzero(self._alive)
        new_row = np.full(len(self._docs), -1, dtype=np.int64)
        new_row[keep] = np.arange(len(keep))
        passage_keep = self._alive[self._passage_owner] if len(self._passage_owner) else np.zeros(0, bool)
        self._docs = [self._docs[i] for i in keep]
        self._tokens = [self._tokens[i] for i in keep]
        vectors = np.asarray(self._passage_vectors)[passage_keep]
        owners = new_row[self._passage_owner[passage_keep]]
        self._passage_vectors, self._passage_owner = vectors, owners
        self._alive = np.ones(len(self._docs), dtype=bool)
        self._position = {doc.id: i for i, doc in enumerate(self._docs)}
        self.fit_lexical()  # row numbers changed: the fitted model must follow

    def __len__(self) -> int:
        return len(self._position)

    # -- reading -----------------------------------------------------------------------------
    def fit_lexical(self) -> None:
        """Refit BM25 on the live documents (exact corpus statistics)."""
        rows, docs_tokens, upto = self.lexical_snapshot()
        model = BM25Retriever()
        model.fit(docs_tokens)
        self.install_lexical(model, rows, upto)

    @property
    def lexical_stale(self) -> bool:
        return self._bm25_dirty

    def lexical_snapshot(self) -> tuple[np.ndarray, list[list[str]], int]:
        """What a refit needs, so a caller can fit outside its lock and install the result."""
        rows = np.flatnonzero(self._alive)
        return rows, [self._tokens[i] for i in rows], len(self._docs)

    def install_lexical(self, model: BM25Retriever, rows: np.ndarray, upto: int) -> None:
        if upto > len(self._docs):
            return  # the index was compacted meanwhile; the next refit will do
        self._bm25, self._bm25_rows = model, rows
        self._bm25_fitted_upto = upto
        lengths = [len(self._tokens[i]) for i in rows]
        self._bm25_stats = (len(rows), (sum(lengths) / len(lengths)) if lengths else 1.0)
        self._bm25_dirty = upto < len(self._docs) or not self._alive[rows].all()

    def _delta_scores(self, query_tokens: list[str], rows: np.ndarray) -> np.ndarray:
        """BM25 (Lucene form, the fitted model's statistics) for documents added since the last fit."""
        n, avgdl = self._bm25_stats
        k1, b = self._bm25.k1, self._bm25.b
        terms = set(query_tokens)
        out = np.zeros(len(rows), dtype=np.float32)
        for j, row in enumerate(rows):
            doc_tokens = self._tokens[row]
            norm = k1 * (1 - b + b * len(doc_tokens) / avgdl)
            for term in terms:
                tf = doc_tokens.count(term)
                if tf:
                    df = self._bm25.df(term)
                    out[j] += np.log(1 + (n - df + 0.5) / (df + 0.5)) * tf / (tf + norm)
        return out

    def _lexical_scores(self, query_tokens: list[str]) -> np.ndarray:
        live = int(self._alive.sum())
        # Small indexes refit at once (exact). Large ones keep the fitted model: retired rows are
        # masked, rows added since are scored with its statistics, and a background refit follows.
        if self._bm25_dirty and (live <= EXACT_REFIT_LIMIT or not self._bm25_fitted_upto):
            self.fit_lexical()
        scores = np.zeros(len(self._docs), dtype=np.float32)
        scores[self._bm25_rows] = self._bm25.scores(query_tokens)
        delta = np.arange(self._bm25_fitted_upto, len(self._docs))
        if len(delta):
            scores[delta] = self._delta_scores(query_tokens, delta)
        scores[~self._alive] = 0.0
        return scores

    def _dense_scores(self, query_vector: np.ndarray) -> np.ndarray:
        scores = np.full(len(self._docs), -1.0, dtype=np.float32)
        if len(self._passage_owner):
            passage_scores = np.asarray(self._passage_vectors) @ query_vector
            if self._one_passage_each:
                scores[self._passage_owner] = passage_scores  # one passage per document
            else:
                np.maximum.at(
                    scores, self._passage_owner, passage_scores
                )  # a document scores its best passage
        scores[~self._alive] = -1.0
        return scores

    def _check_filters(self, filters: Filters) -> None:
        for name in ("chains", "chain_links", "divisions", "modes"):
            unknown = getattr(filters, name) - self.known_values.get(name, getattr(filters, name))
            if unknown:
                raise FilterError(f"unknown {name}: {', '.join(sorted(unknown))}")
        for name in ("trl_min", "trl_max"):
            value = getattr(filters, name)
            if value is not None and not (isinstance(value, int) and 1 <= value <= 9):
                raise FilterError(f"{name} must be an integer from 1 to 9, got {value!r}")
        if filters.trl_min and filters.trl_max and filters.trl_min > filters.trl_max:
            raise FilterError("trl_min is above trl_max")

    def search(
        self,
        query: str,
        k: int = 10,
        filters: Filters | None = None,
        boosts: Boosts | None = None,
        *,
        strict: bool = False,
    ) -> list[Result]:
        """Top `k` documents. With `strict`, only documents that share a term with the query or whose
        dense score is within STRICT_DENSE_MARGIN of the best one (a search box, not recommendations)."""
        text = (query or "").strip()
        if not text:
            raise QueryError("the query is empty")
        if len(text) > MAX_QUERY_CHARS:
            raise QueryError(f"the query is longer than {MAX_QUERY_CHARS} characters")
        truncated = len(text) > QUERY_WINDOW_CHARS
        text = text[:QUERY_WINDOW_CHARS]
        filters = filters or Filters()
        self._check_filters(filters)
        if not self._position:
            return []
        query_tokens = tokens(text)
        lexical = self._lexical_scores(query_tokens) if self.fusion_method != "dense" else None
        dense = None
        if self.fusion_method != "bm25":
            dense = self._dense_scores(self.embedder.query(text[: self.dense_query_chars]))
        alive = np.flatnonzero(self._alive)
        if (
            filters.describe()
        ):  # filter before the top-k cut, so a narrow filter still finds low-ranked matches
            alive = np.array([row for row in alive if filters.accepts(self._docs[row])], dtype=np.int64)
        if lexical is not None and dense is not None:
            lex_top = alive[np.argsort(-lexical[alive], kind="stable")[:CANDIDATES]]
            lex_top = lex_top[lexical[lex_top] > 0]
            dense_top = alive[np.argsort(-dense[alive], kind="stable")[:CANDIDATES]]
            candidates = np.union1d(lex_top, dense_top)
            if self.fusion_method == "rrf":
                # A few keywords typed in a search box say exactly what is wanted: let the lexical ranking
                # lead. A demand's full description is where the dense model's paraphrase matching pays.
                dense_weight = SHORT_QUERY_DENSE_WEIGHT if len(text) <= SHORT_QUERY_CHARS else 1.0
                fused = fusion.rrf(lexical, dense, candidates, k=self.rrf_k, dense_weight=dense_weight)
            else:
                fused = fusion.weighted(lexical, dense, candidates, alpha=self.alpha)
        elif lexical is not None:
            candidates = alive[lexical[alive] > 0]
            fused = lexical
        else:
            candidates = alive
            fused = dense
        # Records not embedded yet still compete on their lexical score.
        boosted = fused.astype(np.float32).copy()
        boost_parts: dict[int, float] = {}
        if boosts:
            for row in candidates:
                doc = self._docs[int(row)]
                factor = 0.0
                if boosts.chains and doc.chains & boosts.chains:
                    factor += boosts.chain_factor
                if boosts.divisions and doc.division in boosts.divisions:
                    factor += boosts.division_factor
                if factor:
                    boost_parts[int(row)] = factor
                    boosted[row] = fused[row] * (1 + factor)
        if strict and dense is not None and len(candidates):
            best = float(dense[candidates].max())
            lexical_hit = lexical[candidates] > 0 if lexical is not None else np.zeros(len(candidates), bool)
            candidates = candidates[lexical_hit | (dense[candidates] >= best - STRICT_DENSE_MARGIN)]
        order = candidates[np.argsort(-boosted[candidates], kind="stable")]
        results = []
        for row in order:
            doc = self._docs[int(row)]
            if not filters.accepts(doc):
                continue
            parts = {"fused": float(fused[row]), "score": float(boosted[row])}
            if lexical is not None:
                parts["bm25"] = float(lexical[row])
            if dense is not None:
                parts["dense"] = float(dense[row])
            if int(row) in boost_parts:
                parts["boost"] = boost_parts[int(row)]
            results.append(
                Result(
                    id=doc.id,
                    score=float(boosted[row]),
                    parts=parts,
                    explain=functools.partial(
                        explain,
                        query_tokens,
                        doc,
                        self._tokens[int(row)],
                        filters.describe(),
                        boost_parts.get(int(row)),
                        truncated=truncated,
                    ),
                )
            )
            if len(results) >= k:
                break
        return results

    # -- persistence -------------------------------------------------------------------------
    def save(self, folder: str | Path, *, embed: bool = True) -> Path:
        """Write a new generation and switch `CURRENT` to it atomically; keep only the newest two.

        With embed=False, documents not embedded yet are saved as pending: the loader finds them
        lexically and whoever opens the index next can embed them."""
        if embed:
            self.embed_pending()
        if len(self._alive) and (~self._alive).mean() > COMPACT_RETIRED_SHARE:
            self.compact()
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        generation = f"gen-{time.time_ns()}"
        tmp = Path(tempfile.mkdtemp(dir=folder, prefix=".tmp-"))
        # Only live rows are written; the in-memory index keeps its retired rows until it compacts.
        keep = np.flatnonzero(self._alive)
        new_row = np.full(len(self._docs), -1, dtype=np.int64)
        new_row[keep] = np.arange(len(keep))
        with open(tmp / "docs.jsonl", "w", encoding="utf-8") as fh:
            for i in keep:
                fh.write(
                    json.dumps({"doc": asdict(self._docs[i]), "tokens": self._tokens[i]}, ensure_ascii=False)
                    + "\n"
                )
        passage_keep = self._alive[self._passage_owner] if len(self._passage_owner) else np.zeros(0, bool)
        saved_vectors = np.asarray(self._passage_vectors, dtype=np.float32)[passage_keep]
        saved_owners = new_row[self._passage_owner[passage_keep]]
        np.save(tmp / "vectors.npy", saved_vectors)
        np.save(tmp / "owners.npy", saved_owners)
        manifest = {
            "format": FORMAT_VERSION,
            "model_id": self.embedder.model_id,
            "strategy": asdict(self.strategy),
            "documents": len(keep),
            "passages": len(saved_owners),
            "pending": sorted(self._pending),
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        for path in tmp.iterdir():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())
        os.replace(tmp, folder / generation)
        pointer = folder / ".CURRENT.tmp"
        pointer.write_text(generation, encoding="utf-8")
        os.replace(pointer, folder / "CURRENT")
        generations = sorted(p for p in folder.iterdir() if p.name.startswith("gen-"))
        for old in generations[:-2]:
            shutil.rmtree(old, ignore_errors=True)
        return folder / generation

    @classmethod
    def load(cls, folder: str | Path, embedder: Embedder, **options) -> LocalIndex:
        """Open the current generation, memory-mapping the vectors. Raises IndexCorrupt if anything
        is missing or inconsistent (the caller rebuilds from the database)."""
        folder = Path(folder)
        try:
            generation = folder / (folder / "CURRENT").read_text(encoding="utf-8").strip()
            manifest = json.loads((generation / "manifest.json").read_text(encoding="utf-8"))
            vectors = np.load(generation / "vectors.npy", mmap_mode="r")
            owners = np.load(generation / "owners.npy")
            rows = [json.loads(line) for line in (generation / "docs.jsonl").open(encoding="utf-8")]
        except (OSError, ValueError, KeyError) as exc:
            raise IndexCorrupt(f"cannot read the index in {folder}: {exc}") from exc
        if manifest.get("format") != FORMAT_VERSION or manifest.get("model_id") != embedder.model_id:
            raise IndexCorrupt(f"the index in {folder} was built with another format or model")
        if (
            len(rows) != manifest["documents"]
            or vectors.shape != (manifest["passages"], embedder.dim)
            or owners.shape != (manifest["passages"],)
            or (len(owners) and int(owners.max()) >= len(rows))
        ):
            raise IndexCorrupt(f"the index files in {generation} do not match each other")
        index = cls(embedder, strategy=PassageStrategy(**manifest["strategy"]), **options)
        index._docs = [Document(**row["doc"]) for row in rows]
        index._tokens = [row["tokens"] for row in rows]
        index._position = {doc.id: i for i, doc in enumerate(index._docs)}
        index._alive = np.ones(len(rows), dtype=bool)
        index._passage_vectors = vectors
        index._passage_owner = owners
        index._pending = {i for i in manifest.get("pending", []) if i in index._position}
        return index

    @property
    def pending(self) -> int:
        """Documents searchable lexically but not embedded yet."""
        return len(self._pending)
