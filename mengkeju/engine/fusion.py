"""Combining lexical and dense rankings.

- `rrf`: reciprocal rank fusion, Σ 1/(k + rank). Robust, but it ignores how far ahead a result is.
- `weighted`: scores min-max normalised over the candidate pool, then α·dense + (1−α)·bm25. On the
  development set this keeps dense's strength (semantic match on short, paraphrased demands) while
  letting an exact technical term lift a result; see docs/matching.md for the measured comparison.
"""

from __future__ import annotations

import numpy as np


def rank_positions(scores: np.ndarray, candidates: np.ndarray) -> dict[int, int]:
    order = candidates[np.argsort(-scores[candidates], kind="stable")]
    return {int(doc): rank for rank, doc in enumerate(order, start=1)}


def rrf(lexical: np.ndarray, dense: np.ndarray, candidates: np.ndarray, k: int = 60) -> np.ndarray:
    lex_rank = rank_positions(lexical, candidates)
    dense_rank = rank_positions(dense, candidates)
    fused = np.zeros(len(lexical), dtype=np.float32)
    for doc in candidates:
        doc = int(doc)
        if lexical[doc] > 0:
            fused[doc] += 1.0 / (k + lex_rank[doc])
        fused[doc] += 1.0 / (k + dense_rank[doc])
    return fused


def minmax(values: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    out = np.zeros(len(values), dtype=np.float32)
    if len(candidates) == 0:
        return out
    pool = values[candidates]
    low, high = float(pool.min()), float(pool.max())
    out[candidates] = 0.0 if high - low < 1e-9 else (pool - low) / (high - low)
    return out


def weighted(
    lexical: np.ndarray, dense: np.ndarray, candidates: np.ndarray, alpha: float = 0.7
) -> np.ndarray:
    return alpha * minmax(dense, candidates) + (1 - alpha) * minmax(lexical, candidates)


METHODS = {"rrf": rrf, "weighted": weighted}
