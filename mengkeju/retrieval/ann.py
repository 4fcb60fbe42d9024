"""Approximate nearest-neighbour search for large indexes (faiss, inverted lists of 8-bit codes).

Below `ANN_MIN_PASSAGES` passages exact search is fast enough (≈ 10 ms for 100k on 2 cores) and the
index uses it. Above, an IVF index over 8-bit scalar-quantized vectors (¼ of the float32 memory)
proposes candidates, and the index re-scores them exactly with the float32 vectors, so scores stay
exact and only recall is approximate (measured by `benchmarks/matching_scale.py` against brute force).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .columns import GenerationWriter

TRAIN_SAMPLE = 64_000  # at least; and ≥ 40 training points per inverted list (faiss warns below 39)
POINTS_PER_LIST = 40
PROBE_SHARE = 10  # visit 1/10 of the lists: dense recall@10 0.98 at 1M (benchmarks/matching_scale.py)


def list_count(passages: int) -> int:
    return max(16, min(4096, int(2 * np.sqrt(passages)), passages // POINTS_PER_LIST))


def training_rows(passages: int, seed: int = 7) -> np.ndarray:
    """Which passages train the coarse quantizer: a uniform sample over the whole index (not its first
    blocks, which would over-represent the oldest records), sorted for sequential reads."""
    size = min(passages, max(TRAIN_SAMPLE, POINTS_PER_LIST * list_count(passages)))
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(passages, size, replace=False))


class IVFIndex:
    def __init__(self, index, upto: int, nprobe: int):
        self.index, self.upto, self.nprobe = index, upto, nprobe

    @classmethod
    def build(cls, chunks, dim: int, upto: int, *, sample: np.ndarray, nprobe: int | None = None):
        """Build over passages [0, upto) given as an iterable of float32 blocks in passage order, the
        coarse quantizer trained on `sample` (vectors, see `training_rows`)."""
        import faiss

        nlist = list_count(upto)
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFScalarQuantizer(
            quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
        )
        index.train(np.ascontiguousarray(sample, dtype=np.float32))
        added = 0
        for block in chunks:
            index.add(np.ascontiguousarray(block, dtype=np.float32))
            added += len(block)
        if added != upto:
            raise ValueError(f"the vector index got {added} vectors, expected {upto}")
        index.nprobe = nprobe or max(8, nlist // PROBE_SHARE)
        return cls(index, upto, index.nprobe)

    def search(self, query: np.ndarray, k: int) -> np.ndarray:
        """Passage numbers of (about) the `k` nearest passages."""
        _scores, ids = self.index.search(np.asarray(query, dtype=np.float32).reshape(1, -1), k)
        ids = ids[0]
        return ids[ids >= 0]

    def write(self, writer: GenerationWriter) -> None:
        """Serialized in memory (≈ ¼ of the float vectors) and written like every other file, so a
        full disk is an OSError with its errno rather than a faiss exception."""
        import faiss

        writer.array("ann.stats.npy", np.array([self.upto, self.nprobe]))
        writer.bytes("ann.faiss", faiss.serialize_index(self.index))

    @classmethod
    def read(cls, folder: Path) -> IVFIndex | None:
        if not (folder / "ann.faiss").exists():
            return None
        import faiss

        upto, nprobe = (int(x) for x in np.load(folder / "ann.stats.npy"))
        index = faiss.read_index(str(folder / "ann.faiss"))
        index.nprobe = nprobe
        if index.ntotal != upto:
            raise ValueError("the vector index does not match its statistics")
        return cls(index, upto, nprobe)
