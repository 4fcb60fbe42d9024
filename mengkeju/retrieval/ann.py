"""Approximate nearest-neighbour search for large indexes (faiss, inverted lists of 8-bit codes).

Below `ANN_MIN_PASSAGES` passages exact search is fast enough (≈ 10 ms for 100k on 2 cores) and the
index uses it. Above, an IVF index over 8-bit scalar-quantized vectors (¼ of the float32 memory)
proposes candidates, and the index re-scores them exactly with the float32 vectors, so scores stay
exact and only recall is approximate (measured by `benchmarks/matching_scale.py` against brute force).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

TRAIN_SAMPLE = 64_000


class IVFIndex:
    def __init__(self, index, upto: int, nprobe: int):
        self.index, self.upto, self.nprobe = index, upto, nprobe

    @classmethod
    def build(cls, chunks, dim: int, upto: int, *, nlist: int | None = None, nprobe: int = 24, seed: int = 7):
        """Build over passages [0, upto) given as an iterable of float32 blocks in passage order."""
        import faiss

        nlist = nlist or max(16, min(4096, int(4 * np.sqrt(upto)), upto // 40))  # ≥ 40 training points each
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFScalarQuantizer(
            quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
        )
        added, train = 0, None
        for block in chunks:
            block = np.ascontiguousarray(block, dtype=np.float32)
            if not index.is_trained:
                train = block if train is None else np.concatenate([train, block])
                if len(train) < min(TRAIN_SAMPLE, upto):
                    continue
                rng = np.random.default_rng(seed)
                sample = train[rng.choice(len(train), min(len(train), TRAIN_SAMPLE), replace=False)]
                index.train(sample)
                block, train = train, None
            index.add(block)
            added += len(block)
        if added != upto:
            raise ValueError(f"the vector index got {added} vectors, expected {upto}")
        index.nprobe = nprobe
        return cls(index, upto, nprobe)

    def search(self, query: np.ndarray, k: int) -> np.ndarray:
        """Passage numbers of (about) the `k` nearest passages."""
        _scores, ids = self.index.search(np.asarray(query, dtype=np.float32).reshape(1, -1), k)
        ids = ids[0]
        return ids[ids >= 0]

    def write(self, folder: Path) -> None:
        import faiss

        faiss.write_index(self.index, str(folder / "ann.faiss"))
        np.save(folder / "ann.stats.npy", np.array([self.upto, self.nprobe]))

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
