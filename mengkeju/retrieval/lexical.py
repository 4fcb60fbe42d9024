"""BM25 over segmented Chinese with `bm25s`."""

from __future__ import annotations

import bm25s
import numpy as np


class BM25Retriever:
    def __init__(self, k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        self._model: bm25s.BM25 | None = None
        self._size = 0

    def fit(self, docs_tokens: list[list[str]]) -> None:
        self._size = len(docs_tokens)
        if not docs_tokens:
            self._model = None
            return
        model = bm25s.BM25(k1=self.k1, b=self.b)
        model.index(docs_tokens, show_progress=False)
        self._model = model

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        """A BM25 score for every document (0 where no query term occurs)."""
        if self._model is None or not query_tokens:
            return np.zeros(self._size, dtype=np.float32)
        known = [t for t in query_tokens if t in self._model.vocab_dict]
        if not known:
            return np.zeros(self._size, dtype=np.float32)
        return np.asarray(self._model.get_scores(known), dtype=np.float32)

    def df(self, term: str) -> int:
        """How many fitted documents contain `term` (from the sparse score matrix's column sizes)."""
        if self._model is None or term not in self._model.vocab_dict:
            return 0
        column = self._model.vocab_dict[term]
        indptr = self._model.scores["indptr"]
        return int(indptr[column + 1] - indptr[column]) if column + 1 < len(indptr) else 0
