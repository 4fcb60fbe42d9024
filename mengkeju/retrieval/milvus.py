"""The index interface (`interface.Index`) on Milvus: Milvus Lite (a local file, nothing to start) in
tests and small deployments, a Milvus server or cluster (`http(s)://host:19530`) when one machine is
outgrown. `pymilvus` runs the same calls against both.

What lives where (docs/matching.md, "Milvus"):

- One collection per kind and build, `<prefix>c<time_ns>`, reached through the alias `<prefix><kind>`.
  A rebuild fills a new collection and then moves the alias (`alter_alias`, atomic): readers never
  see a half-built collection, and a build killed half-way leaves the alias on the old one.
- Each row is a record: its text, its filter fields (`links`, `chains`, `division`, `trl`, `modes`,
  `price`), a SPARSE_FLOAT_VECTOR `sparse` and a FLOAT_VECTOR `vec`, zero with `embedded` false until
  the record is embedded: a new record is searchable lexically before its vector exists, as with the
  local index.
- **BM25 is computed by the app, not by Milvus's analyzer**: the same `text.tokens` (rjieba + the
  domain dictionary + the stop list) as the local index, each term hashed to a 32-bit dimension. A
  record's weights are BM25's document side, tf / (tf + k1·(1 − b + b·dl/avgdl)); a query's are the
  term's count × idf, with the document frequencies kept in `<collection>_terms` (one row per term,
  updated by the writer) — so the inner product Milvus computes *is* the BM25 score of the local
  index (Lucene's idf), and the floor and the explanations read the same df. Milvus's built-in BM25
  function would need our tokenizer and dictionary on the server and hides the df both need.
- `<prefix>meta` holds, per kind, the generation (the collection and a save counter), the caller's
  `meta` (the outbox position), N, the length sum and the avgdl the weights were written with.

Searching asks Milvus for the top candidates of each side with the filters as a Milvus expression,
then fuses, boosts, applies the floor and explains in the app with the same code as the local index,
from the vectors and texts Milvus returns. Errors reaching Milvus raise `BackendUnavailable` (logged
once, until Milvus answers again): pages fall back to the database and the writer keeps the changes
in its outbox until Milvus returns.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import numpy as np

from . import fusion
from .duplicates import DEFAULT_THRESHOLD, Duplicate, Fingerprint
from .embedding import Embedder, embed_with_cache
from .errors import BackendUnavailable, EngineError, IndexCorrupt, QueryError
from .index import (
    CANDIDATES,
    DENSE_DECIMALS,
    EXACT_REFIT_LIMIT,
    LEXICAL_DECIMALS,
    QUERY_WINDOW_CHARS,
    SHORT_QUERY_CHARS,
    SHORT_QUERY_DENSE_WEIGHT,
    Ranking,
    boost_factor,
    check_filters,
    query_vector,
    query_window,
    settle,
)
from .interface import Boosts, Document, Filters, Index, Result, id_order
from .lexical import idf
from .milvus_client import Connection, is_missing, is_outage, is_released
from .milvus_rows import (
    EMPTY_KEY,
    clip,
    cut,
    document,
    dot,
    evidence,
    explanation,
    expression,
    keyed_collection,
    literal,
    record_collection,
    term_key,
)
from .milvus_rows import (
    counts as row_counts,
)
from .milvus_rows import (
    weights as row_weights,
)
from .passages import PassageStrategy
from .text import document_tokens, tokens

log = logging.getLogger(__name__)
_Connection = Connection  # the name tests and scripts use


BATCH = 500  # rows per insert/upsert call
REFIT_DRIFT = 0.01  # rewrite the weights when the avgdl moved this much (small indexes, at save)
BACKGROUND_REFIT_DRIFT = 0.05  # ... large indexes, in the background worker
TIE_MARGIN = 50  # candidates asked beyond the cut, so records tied at it are chosen as LocalIndex does
FIELDS = [
    "id",
    "title",
    "body",
    "keywords",
    "links",
    "division",
    "trl",
    "modes",
    "price",
    "dl",
    "avgdl",
    "embedded",
]


class MilvusIndex(Ranking, Index):
    uri = "milvus.db"
    token = ""
    prefix = "mengkeju_"

    @classmethod
    def configured(cls, uri: str, token: str = "", prefix: str = "mengkeju_") -> type[MilvusIndex]:
        """This backend bound to one Milvus (a file path: Milvus Lite; `http(s)://…`: a server)."""
        return type("MilvusIndex", (cls,), {"uri": str(uri), "token": token or "", "prefix": prefix})

    def __init__(
        self, embedder: Embedder, *, collection: str | None = None, state: dict | None = None, **options
    ):
        """`options`: those of `Ranking`; `collection` and `state` are a loaded build's."""
        super().__init__(embedder, **options)
        if self.strategy.name == "chunks":
            raise ValueError("the Milvus backend keeps one passage per record: use the lead or full strategy")
        self.collection = collection  # None until the first write creates one
        state = state or {}
        self._n = int(state.get("documents", 0))
        self._length_sum = int(state.get("length_sum", 0))
        self._fitted = state.get("fitted_avgdl")  # the avgdl new rows are weighted with; None: not fitted
        self._meta: dict = dict(state.get("meta") or {})
        self._saves = int(state.get("saves", 0))
        self._generation: str | None = state.get("generation")
        self._mutex = threading.RLock()

    # -- calls -----------------------------------------------------------------------------------
    @classmethod
    def _call(cls, method: str, *args, **kwargs):
        client = Connection.client(cls.uri, cls.token)
        try:
            try:
                result = getattr(client, method)(*args, **kwargs)
            except Exception as exc:
                if not (args and is_released(exc)):
                    raise
                # A collection is released when Milvus (Lite) restarts: load it, then ask again.
                client.load_collection(args[0])
                result = getattr(client, method)(*args, **kwargs)
        except Exception as exc:
            raise cls._failure(method, exc) from exc
        Connection.answered(cls.uri)
        return result

    @classmethod
    def _failure(cls, method: str, exc: Exception) -> EngineError:
        """What a failed call means: Milvus unreachable (`BackendUnavailable`, logged once), a missing
        collection (`IndexCorrupt`: rebuild), or a refusal (`EngineError`, Milvus is up)."""
        if is_outage(exc):
            return Connection.failed(cls.uri, exc)
        Connection.answered(cls.uri)
        if is_missing(exc):
            return IndexCorrupt(f"Milvus at {cls.uri}: {str(exc)[:300]}")
        return EngineError(f"Milvus at {cls.uri} refused {method}: {str(exc)[:300]}")

    @classmethod
    def _alias(cls, location) -> str:
        return f"{cls.prefix}{Path(location).name}"

    @classmethod
    def _meta_collection(cls) -> str:
        return f"{cls.prefix}meta"

    def _terms(self) -> str:
        return f"{self.collection}_terms"

    def lock(self) -> AbstractContextManager:
        """The index's in-process statistics (N, length sum) change with each write."""
        return self._mutex

    # -- collections ------------------------------------------------------------------------------
    def _create(self) -> None:
        name = f"{self.prefix}c{time.time_ns()}"
        client = Connection.client(self.uri, self.token)
        self._call("create_collection", name, **record_collection(client, self.embedder.dim))
        self._call("create_collection", f"{name}_terms", **keyed_collection(client, "df", "INT64"))
        self.collection = name

    @classmethod
    def _ensure_meta(cls) -> None:
        name = cls._meta_collection()
        if not cls._call("has_collection", name):
            client = Connection.client(cls.uri, cls.token)
            cls._call("create_collection", name, **keyed_collection(client, "value", "VARCHAR"))

    @classmethod
    def _read_meta(cls, location) -> dict | None:
        name = cls._meta_collection()
        if not cls._call("has_collection", name):
            return None
        rows = cls._call(
            "query", name, filter=f"id == {literal(Path(location).name)}", output_fields=["value"]
        )
        return json.loads(rows[0]["value"]) if rows else None

    @classmethod
    def _target(cls, location) -> str | None:
        """The collection the kind's alias names, None when there is none."""
        alias = cls._alias(location)
        if alias not in cls._call("list_aliases").get("aliases", []):
            return None
        try:
            return cls._call("describe_alias", alias).get("collection_name") or None
        except IndexCorrupt:
            return None

    # -- writing ----------------------------------------------------------------------------------
    @property
    def avgdl(self) -> float:
        return self._length_sum / self._n if self._n else 1.0

    def _rows(self, ids: list[str], fields=None) -> dict[str, dict]:
        if not ids or self.collection is None:
            return {}
        found = {}
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            rows = self._call(
                "query",
                self.collection,
                filter=f"id in [{', '.join(map(literal, chunk))}]",
                output_fields=fields or [*FIELDS, "sparse", "vec"],
            )
            found.update({row["id"]: row for row in rows})
        return found

    def _add_df(self, delta: Counter) -> None:
        delta = {k: d for k, d in delta.items() if d and k != EMPTY_KEY}
        keys = sorted(delta)
        for start in range(0, len(keys), BATCH * 4):
            chunk = keys[start : start + BATCH * 4]
            rows = self._call("query", self._terms(), filter=f"id in {chunk}", output_fields=["df"])
            df = {int(row["id"]): int(row["df"]) for row in rows}
            upserts, deletes = [], []
            for key in chunk:
                value = df.get(key, 0) + delta[key]
                if value > 0:
                    upserts.append({"id": key, "df": value, "key": {key: 1.0}})
                elif key in df:
                    deletes.append(key)
            if upserts:
                self._call("upsert", self._terms(), upserts)
            if deletes:
                self._call("delete", self._terms(), ids=deletes)

    def upsert(self, docs: Iterable[Document], *, embed: bool = True) -> None:
        chunk: dict[str, Document] = {}
        for doc in docs:
            if not doc.id:
                raise ValueError("a document needs an id")
            chunk[doc.id] = doc
            if len(chunk) >= BATCH:
                self._upsert_chunk(list(chunk.values()))
                chunk = {}
        if chunk:
            self._upsert_chunk(list(chunk.values()))
        if embed:
            self.embed_pending()

    def _upsert_chunk(self, docs: list[Document]) -> None:
        if self.collection is None:
            self._create()
        old = self._rows([d.id for d in docs], ["id", "dl", "avgdl", "sparse"])
        counted = []
        for doc in docs:
            terms = document_tokens(doc.title, doc.body, doc.keywords)
            counted.append((doc, Counter(term_key(t) for t in terms), len(terms)))
        for row in old.values():
            self._n -= 1
            self._length_sum -= int(row["dl"])
        self._n += len(docs)
        self._length_sum += sum(dl for _d, _c, dl in counted)
        avgdl = self._fitted or self.avgdl  # rows added after a fit use its statistics
        delta = Counter()
        for row in old.values():
            delta.subtract({k: 1 for k in row["sparse"] if int(k) != EMPTY_KEY})
        rows = []
        for doc, keys, dl in counted:
            delta.update({k: 1 for k in keys})
            rows.append(self._row(doc, row_weights(keys, dl, avgdl), dl, avgdl))
        self._call("upsert", self.collection, rows)
        self._add_df(delta)

    def _row(self, doc: Document, sparse: dict, dl: int, avgdl: float, vector=None) -> dict:
        links = sorted(set(doc.chain_links or []))
        return {
            "id": doc.id,
            "title": clip((doc.title or "").replace("\x1f", " ")),
            "body": clip(doc.body or ""),
            "keywords": clip(doc.keywords or ""),
            "links": links,
            "chains": sorted({link.split(".", 1)[0] for link in links}),
            "division": doc.division or "",
            "trl": int(doc.trl or 0),
            "price": None if doc.price is None else float(doc.price),
            "modes": sorted(set(doc.modes or [])),
            "dl": dl,
            "avgdl": float(avgdl),
            "embedded": vector is not None,
            "sparse": sparse,
            # A record not embedded yet has a zero vector and `embedded` false, which the dense search
            # filters out (nullable vector fields need Milvus 2.6; this works on every version).
            "vec": [0.0] * self.embedder.dim if vector is None else [float(x) for x in vector],
        }

    def delete(self, ids: Iterable[str]) -> None:
        ids = list(dict.fromkeys(str(i) for i in ids))
        old = self._rows(ids, ["id", "dl", "sparse"])
        if not old:
            return
        delta = Counter()
        for row in old.values():
            delta.subtract({k: 1 for k in row["sparse"] if int(k) != EMPTY_KEY})
            self._n -= 1
            self._length_sum -= int(row["dl"])
        self._call("delete", self.collection, ids=list(old))
        self._add_df(delta)

    def _iterate(self, expr: str, fields: list[str], limit: int | None = None) -> list[dict]:
        out: list[dict] = []
        for batch in self._batches(expr, fields):
            out.extend(batch)
            if limit and len(out) >= limit:
                break
        return out[:limit] if limit else out

    def _batches(self, expr: str, fields: list[str], size: int = 1000) -> Iterator[list[dict]]:
        """The rows matching `expr`, a batch at a time (a million rows are never all in memory)."""
        client = Connection.client(self.uri, self.token)
        self._call("load_collection", self.collection)  # a no-op when loaded; after a restart it is not
        try:
            iterator = client.query_iterator(
                self.collection, batch_size=size, filter=expr, output_fields=fields
            )
        except Exception as exc:
            raise self._failure("query_iterator", exc) from exc
        try:
            while True:
                try:
                    batch = iterator.next()
                except Exception as exc:
                    raise self._failure("query_iterator", exc) from exc
                if not batch:
                    return
                yield batch
        finally:
            iterator.close()

    @property
    def pending(self) -> int:
        if self.collection is None:
            return 0
        rows = self._call("query", self.collection, filter="embedded == false", output_fields=["count(*)"])
        return int(rows[0]["count(*)"]) if rows else 0

    def pending_passages(self) -> list[str]:
        if self.collection is None:
            return []
        return [
            self.strategy.texts(row["title"], row["body"])[0]
            for batch in self._batches("embedded == false", ["title", "body"])
            for row in batch
        ]

    def embed_pending(self, progress: Callable[[int], None] | None = None) -> int:
        """Embed the records not embedded yet, 5,000 at a time (their ids listed first: the rows change
        as they are written, so they are not read through a cursor over `embedded == false`)."""
        ids = [row["id"] for row in self._iterate("embedded == false", ["id"])] if self.collection else []
        embedded = 0
        for start in range(0, len(ids), 5_000):
            rows = list(self._rows(ids[start : start + 5_000], [*FIELDS, "sparse"]).values())
            texts = [self.strategy.texts(r["title"], r["body"])[0] for r in rows]
            vectors, done = embed_with_cache(self.embedder, self.cache, texts, progress=progress)
            embedded += done
            updated = [
                self._row(document(r), r["sparse"], r["dl"], r["avgdl"], vector)
                for r, vector in zip(rows, vectors, strict=True)
            ]
            for at in range(0, len(updated), BATCH):
                self._call("upsert", self.collection, updated[at : at + BATCH])
        return embedded

    def _drift(self) -> float:
        if self._fitted is None:
            return float("inf") if self._n else 0.0
        return abs(self.avgdl - self._fitted) / max(self._fitted, 1e-9)

    def refit(self) -> int:
        """Rewrite every row's weights with the exact avgdl (the idf is the query's, always current).
        Returns the rows rewritten."""
        if self.collection is None or not self._n:
            self._fitted = self.avgdl if self._n else None
            return 0
        avgdl = self.avgdl
        # Only the ids and lengths are listed; the rows are read and rewritten BATCH at a time.
        stale = [
            r["id"] for r in self._iterate("", ["id", "avgdl"]) if abs(float(r["avgdl"]) - avgdl) >= 1e-12
        ]
        for start in range(0, len(stale), BATCH):
            batch = []
            for row in self._rows(stale[start : start + BATCH], [*FIELDS, "sparse", "vec"]).values():
                held = row_counts(row["sparse"], int(row["dl"]), float(row["avgdl"]))
                vector = row["vec"] if row.get("embedded") else None
                weights = row_weights(held, int(row["dl"]), avgdl)
                batch.append(self._row(document(row), weights, row["dl"], avgdl, vector))
            self._call("upsert", self.collection, batch)
        self._fitted = avgdl
        return len(stale)

    def refresh(self, progress: Callable[[int], None] | None = None) -> None:
        self.embed_pending(progress=progress)
        if self._drift() > 0:
            self.refit()

    def maintenance(self) -> Callable[[], Callable[[], None]] | None:
        """A large index whose average length moved by 5 % gets its weights rewritten (under the lock:
        a rewrite must not race the writer's own upserts)."""
        if self._n <= EXACT_REFIT_LIMIT or self._drift() <= BACKGROUND_REFIT_DRIFT:
            return None
        return lambda: self.refit

    # -- reading ----------------------------------------------------------------------------------
    def __len__(self) -> int:
        return self._n

    def get(self, doc_id: str) -> Document | None:
        return self.get_many([doc_id])[0]

    def get_many(self, doc_ids: Iterable[str]) -> list[Document | None]:
        doc_ids = [str(i) for i in doc_ids]
        rows = self._rows(doc_ids, FIELDS)
        return [document(rows[i]) if i in rows else None for i in doc_ids]

    def ids(self) -> list[str]:
        if self.collection is None:
            return []
        return [row["id"] for row in self._iterate("", ["id"])]

    def _df(self, keys: Iterable[int]) -> dict[int, int]:
        keys = sorted(set(keys))
        if not keys or self.collection is None:
            return {}
        rows = self._call("query", self._terms(), filter=f"id in {keys}", output_fields=["df"])
        return {int(row["id"]): int(row["df"]) for row in rows}

    def _search(self, data, field: str, m: int, expr: str, fields: list[str]) -> list[dict]:
        hits = self._call(
            "search",
            self.collection,
            data=[data],
            anns_field=field,
            limit=m,
            filter=expr,
            output_fields=fields,
            search_params={"metric_type": "IP", "params": {"ef": max(2 * m, 256)}},
        )
        return [{**hit["entity"], "id": hit["id"]} for hit in hits[0]] if hits else []

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
        text, truncated = query_window(query)
        filters = filters or Filters()
        check_filters(filters, self.known_values)
        if self.collection is None or not self._n:
            return []
        m = max(k, CANDIDATES)
        query_tokens = tokens(text)
        counts = Counter(term_key(t) for t in query_tokens)
        df = self._df(counts)
        n = max(self._n, 1)
        weights = {
            key: count * float(idf(np.array([df[key]]), self._n)[0])
            for key, count in counts.items()
            if key in df
        }
        expr = expression(filters)
        rows: dict[str, dict] = {}
        lexical_on, dense_on = self.fusion_method != "dense", self.fusion_method != "bm25"
        lex_ids: list[str] = []
        if lexical_on and weights:
            for row in self._search(weights, "sparse", m + TIE_MARGIN, expr, [*FIELDS, "sparse", "vec"]):
                rows[row["id"]] = row
                lex_ids.append(row["id"])
        dense_ids: list[str] = []
        if dense_on:
            vector = query_vector(self.embedder, self.dense_query_text(text), self.live_query_chars)
            dense_expr = f"({expr}) and embedded == true" if expr else "embedded == true"
            for row in self._search(
                [float(x) for x in vector], "vec", m + TIE_MARGIN, dense_expr, [*FIELDS, "sparse", "vec"]
            ):
                rows.setdefault(row["id"], row)
                dense_ids.append(row["id"])
        ids = sorted(rows, key=id_order)  # equal scores rank in id order, as on LocalIndex
        lexical = np.array([dot(weights, rows[i]["sparse"]) for i in ids], dtype=np.float64)
        lexical = settle(lexical, LEXICAL_DECIMALS)
        dense = np.array(
            [
                float(np.asarray(rows[i]["vec"], dtype=np.float32) @ vector)
                if dense_on and rows[i].get("embedded")
                else -1.0
                for i in ids
            ],
            dtype=np.float32,
        )
        dense = settle(dense, DENSE_DECIMALS)
        positions = np.arange(len(ids))
        # Milvus was asked for TIE_MARGIN more than `m`: the cut is made here, ties in id order, as
        # LocalIndex cuts, so both backends choose the same candidates.
        lex_top = cut(positions, lexical, {i for i in lex_ids}, ids, m, lexical > 0)
        dense_top = cut(positions, dense, set(dense_ids), ids, m, dense > -1.0)
        if lexical_on and dense_on:
            candidates = np.union1d(lex_top, dense_top)
            if self.fusion_method == "rrf":
                dense_weight = SHORT_QUERY_DENSE_WEIGHT if len(text) <= SHORT_QUERY_CHARS else 1.0
                fused = fusion.rrf(lexical, dense, candidates, k=self.rrf_k, dense_weight=dense_weight)
            else:
                fused = fusion.weighted(lexical, dense, candidates, alpha=self.alpha)
        elif lexical_on:
            candidates, fused = lex_top, lexical
        else:
            candidates, fused = dense_top, dense
        boosted = fused[candidates].astype(np.float32)
        boost_parts: dict[int, float] = {}
        if boosts:
            for j, position in enumerate(candidates):
                row = rows[ids[position]]
                factor = boost_factor(row["links"] or [], row["division"] or None, boosts)
                if factor:
                    boost_parts[int(position)] = factor
                    boosted[j] *= 1 + factor
        if (strict or floor) and len(candidates):
            keep = evidence([rows[ids[p]] for p in candidates], counts, df, n, strict=strict)
            if dense_on:
                keep |= dense[candidates] >= self.relevance_floor
            candidates, boosted = candidates[keep], boosted[keep]
        order = np.argsort(-boosted, kind="stable")[:k]
        described = filters.describe()
        shares = functools.cache(lambda: self._shares(query_tokens))
        results = []
        for j in order:
            position = int(candidates[j])
            row = rows[ids[position]]
            parts = {"fused": float(fused[position]), "score": float(boosted[j])}
            if lexical_on:
                parts["bm25"] = float(lexical[position])
            if dense_on:
                parts["dense"] = float(dense[position])
            if position in boost_parts:
                parts["boost"] = boost_parts[position]
            explain_row = functools.partial(
                explanation,
                row,
                query_tokens,
                described,
                boost_parts.get(position),
                truncated,
                boosts,
                shares,
            )
            results.append(Result(id=row["id"], score=float(boosted[j]), parts=parts, explain=explain_row))
        return results

    def _shares(self, query_tokens: list[str]) -> tuple[dict[str, float], int]:
        distinct = sorted(set(query_tokens))
        df = self._df(term_key(t) for t in distinct)
        documents = self._n
        if not documents:
            return {}, 0
        return {t: df[term_key(t)] / documents for t in distinct if term_key(t) in df}, documents

    def near_duplicates(
        self, title: str, body: str, *, k: int = 20, threshold: float = DEFAULT_THRESHOLD, exclude=()
    ) -> list[Duplicate]:
        if not 0 < threshold <= 1:
            raise QueryError("the resemblance threshold must be in (0, 1]")
        if self.collection is None or not self._n or not (title or body or "").strip():
            return []
        counts = Counter(term_key(t) for t in tokens(f"{title}。{body}"[:QUERY_WINDOW_CHARS]))
        df = self._df(counts)
        weights = {
            key: c * float(idf(np.array([df[key]]), self._n)[0]) for key, c in counts.items() if key in df
        }
        if not weights:
            return []
        mine = Fingerprint.of(title, body)
        found = []
        for row in self._search(weights, "sparse", k, "", ["id", "title", "body", "sparse"]):
            if row["id"] in exclude or dot(weights, row["sparse"]) <= 0:
                continue
            match = mine.against(Fingerprint.of(row["title"], row["body"]), threshold)
            if match:
                found.append(Duplicate(row["id"], round(match[0], 4), match[1]))
        return sorted(found, key=lambda d: (-d.resemblance, d.id))

    # -- generations ------------------------------------------------------------------------------
    @property
    def generation(self) -> str | None:
        return self._generation

    @property
    def meta(self) -> dict:
        return dict(self._meta)

    def save(self, location: str | Path, *, embed: bool = True, meta: dict | None = None) -> object:
        """Point the kind's alias at this index's collection (atomically, when it is a new build) and
        record the generation. Milvus keeps every write as it happens; a save is where a rebuild goes
        live and where readers learn that there is something new."""
        if embed:
            self.embed_pending()
        if self._n <= EXACT_REFIT_LIMIT and self._drift() > REFIT_DRIFT:
            self.refit()
        if self.collection is None:
            self._create()
        self._ensure_meta()
        self._call("flush", self.collection)
        self._call("flush", self._terms())
        alias, current = self._alias(location), self._target(location)
        before = self._read_meta(location) or {}
        previous = before.get("previous")
        if current is None:
            self._call("create_alias", self.collection, alias)
        elif current != self.collection:
            self._call("alter_alias", self.collection, alias)  # the switch: one atomic step
            previous = current
        if meta is not None:
            self._meta = dict(meta)
        self._saves += 1
        generation = f"{self.collection}#{self._saves}"
        state = {
            "generation": generation,
            "collection": self.collection,
            "previous": previous,
            "meta": self._meta,
            "documents": self._n,
            "length_sum": self._length_sum,
            "fitted_avgdl": self._fitted,
            "saves": self._saves,
            "strategy": {"name": self.strategy.name, "lead_chars": self.strategy.lead_chars},
        }
        self._call(
            "upsert",
            self._meta_collection(),
            [{"id": Path(location).name, "value": json.dumps(state), "key": {0: 1.0}}],
        )
        self._generation = generation
        # Keep this build and the one before it; drop what this kind used before those.
        for name in {current, before.get("collection"), before.get("previous")} - {None}:
            if name not in (self.collection, previous):
                self._drop(name)
        return generation

    @classmethod
    def _drop(cls, name: str) -> None:
        for collection in (name, f"{name}_terms"):
            if cls._call("has_collection", collection):
                cls._call("drop_collection", collection)

    @classmethod
    def current_generation(cls, location: str | Path) -> str | None:
        state = cls._read_meta(location)
        target = cls._target(location)
        if state is None or target is None:
            return None if target is None else f"{target}#0"
        return state["generation"] if state.get("collection") == target else f"{target}#0"

    @classmethod
    def _builds(cls) -> list[str]:
        names = cls._call("list_collections")
        stamp = f"{cls.prefix}c"
        return sorted(
            (n for n in names if n.startswith(stamp) and n[len(stamp) :].isdigit()),
            key=lambda n: int(n[len(stamp) :]),
            reverse=True,
        )

    @classmethod
    def generations(cls, location: str | Path) -> list[str]:
        """This kind's collections (the aliased one and the previous build), newest first."""
        state = cls._read_meta(location) or {}
        mine = {cls._target(location), state.get("collection"), state.get("previous")} - {None}
        return [name for name in cls._builds() if name in mine]

    @classmethod
    def verify(cls, location: str | Path, generation: str | None = None) -> list[str]:
        name = generation.split("#", 1)[0] if generation else cls._target(location)
        if name is None:
            return [f"no alias {cls._alias(location)} in Milvus at {cls.uri}"]
        problems = []
        for collection in (name, f"{name}_terms"):
            if not cls._call("has_collection", collection):
                problems.append(f"{collection}: missing")
        if not problems:  # a build by an earlier version lacks fields this one reads: rebuild it
            fields = {f["name"] for f in cls._call("describe_collection", name).get("fields", [])}
            if missing := sorted(set(FIELDS) - fields):
                problems.append(f"{name}: built without {', '.join(missing)}")
        return problems

    @classmethod
    def load(
        cls, location: str | Path, embedder: Embedder, *, generation: str | None = None, **options
    ) -> MilvusIndex:
        name = generation.split("#", 1)[0] if generation else cls._target(location)
        if name is None:
            raise IndexCorrupt(f"no alias {cls._alias(location)} in Milvus at {cls.uri}")
        problems = cls.verify(location, f"{name}#0")
        if problems:
            raise IndexCorrupt("; ".join(problems))
        state = cls._read_meta(location) or {}
        if state.get("collection") != name:  # a build the meta does not describe: count it
            state = {"generation": f"{name}#0", **cls._census(name)}
        strategy = state.get("strategy")
        if strategy and "strategy" not in options:
            options["strategy"] = PassageStrategy(strategy["name"], lead_chars=strategy["lead_chars"])
        return cls(embedder, collection=name, state=state, **options)

    @classmethod
    def _census(cls, name: str) -> dict:
        probe = cls.__new__(cls)
        probe.collection = name
        rows = probe._iterate("", ["dl", "avgdl"])
        avgdls = {float(r["avgdl"]) for r in rows}
        return {
            "documents": len(rows),
            "length_sum": sum(int(r["dl"]) for r in rows),
            "fitted_avgdl": avgdls.pop() if len(avgdls) == 1 else None,
        }

    @classmethod
    def load_good(cls, location: str | Path, embedder: Embedder, **options) -> tuple[MilvusIndex, list[str]]:
        problems = []
        for name in [cls._target(location), *cls.generations(location)]:
            if name is None:
                continue
            try:
                return cls.load(
                    location, embedder, generation=f"{name}#0" if problems else None, **options
                ), problems
            except IndexCorrupt as exc:
                problems.append(str(exc))
        raise IndexCorrupt("; ".join(problems) or f"no alias {cls._alias(location)} in Milvus at {cls.uri}")

    @classmethod
    def clean(cls, location: str | Path, older_than_s: float = 600) -> list[str]:
        """Drop builds no kind uses (a rebuild that was killed) started more than `older_than_s` ago."""
        used = set()
        for name in cls._call("list_aliases").get("aliases", []):
            if name.startswith(cls.prefix):
                used.add(cls._call("describe_alias", name).get("collection_name"))
        meta = cls._meta_collection()
        if cls._call("has_collection", meta):
            for row in cls._call("query", meta, filter="", output_fields=["value"], limit=10_000):
                state = json.loads(row["value"])
                used |= {state.get("collection"), state.get("previous")}
        stamp = f"{cls.prefix}c"
        removed = []
        for name in cls._builds():
            age = time.time() - int(name[len(stamp) :]) / 1e9
            if name not in used and age >= older_than_s:
                cls._drop(name)
                removed.append(name)
        return removed

    def drop(self) -> None:
        """Remove this index's collections (a scratch index: evaluation, benchmarks)."""
        if self.collection is not None:
            self._drop(self.collection)
            self.collection = None


__all__ = ["BackendUnavailable", "Connection", "MilvusIndex", "expression", "term_key"]
