"""BM25 (the Lucene variant `bm25s` computes) over segmented Chinese, built and scored with numpy.

The score matrix has the layout `bm25s` uses (CSC: per term, the documents holding it and their
precomputed BM25 part), but it is built here from token-id arrays, a block of documents at a time:
`bm25s.BM25.index` needs every document as a Python list of strings and walks them in Python, which
at a million documents costs gigabytes and minutes. Tests check that both give the same scores.
Document numbers in the matrix are the index's row numbers; rows left out of the fit (retired ones)
simply have no entries.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .columns import GenerationWriter, Ragged


def idf(df: np.ndarray, n: int) -> np.ndarray:
    return np.log(1 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)


class BM25Matrix:
    def __init__(self, k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        self.data = np.zeros(0, dtype=np.float32)
        self.indices = np.zeros(0, dtype=np.int32)
        self.indptr = np.zeros(1, dtype=np.int64)
        self.documents = 0  # N: documents fitted
        self.avgdl = 1.0
        self.upto = 0  # rows [0, upto) were considered; later rows are scored by `delta_scores`

    @property
    def terms(self) -> int:
        return len(self.indptr) - 1

    def fit(self, tokens: Ragged, alive: np.ndarray, upto: int, vocabulary_size: int) -> BM25Matrix:
        """Fit on rows [0, upto) where `alive`; `tokens` holds term ids per row."""
        k1, b, v = self.k1, self.b, vocabulary_size
        lengths = tokens.lengths()[:upto]
        live = alive[:upto]
        n = int(live.sum())
        avgdl = float(lengths[live].mean()) if n else 1.0

        def postings():  # (term, row, tf) of each distinct term in each live row, a block at a time
            for start, flat, offsets in tokens.chunks(upto):
                row_local = np.repeat(np.arange(len(offsets) - 1, dtype=np.int64), np.diff(offsets))
                keep = live[start + row_local]
                keys, tf = np.unique(row_local[keep] * v + flat[keep], return_counts=True)
                yield (keys % v).astype(np.int32), (keys // v + start).astype(np.int32), tf.astype(np.float32)

        # Two passes (document frequencies, then scores) rather than keeping every posting twice.
        df = np.zeros(v, dtype=np.int64)
        for term, _row, _tf in postings():
            df += np.bincount(term, minlength=v)
        weight = idf(df, n)
        indptr = np.concatenate([[0], np.cumsum(df)]).astype(np.int64)
        data = np.empty(int(indptr[-1]), dtype=np.float32)
        indices = np.empty(int(indptr[-1]), dtype=np.int32)
        fill = indptr[:-1].copy()
        for term, row, tf in postings():  # blocks come in row order, so each term's rows stay sorted
            order = np.argsort(term, kind="stable")
            term, row, tf = term[order], row[order], tf[order]
            rank = np.arange(len(term)) - np.searchsorted(term, term, side="left")
            at = fill[term] + rank
            norm = k1 * (1 - b + b * lengths[row] / avgdl)
            data[at] = weight[term] * tf / (tf + norm)
            indices[at] = row
            fill += np.bincount(term, minlength=v)
        self.data, self.indices, self.indptr = data, indices, indptr
        self.documents, self.avgdl, self.upto = n, avgdl, upto
        return self

    def df(self, term_ids: np.ndarray) -> np.ndarray:
        term_ids = np.asarray(term_ids, dtype=np.int64)
        out = np.zeros(len(term_ids), dtype=np.int64)
        known = term_ids < self.terms
        out[known] = self.indptr[term_ids[known] + 1] - self.indptr[term_ids[known]]
        return out

    def scores(self, query_ids: np.ndarray, rows: int) -> np.ndarray:
        """A score for each of `rows` rows; a repeated query term counts each time (as in bm25s)."""
        query_ids = np.asarray(query_ids, dtype=np.int64)
        query_ids = query_ids[query_ids < self.terms]
        if not len(query_ids):
            return np.zeros(rows, dtype=np.float32)
        starts, ends = self.indptr[query_ids], self.indptr[query_ids + 1]
        idx = np.concatenate([self.indices[s:e] for s, e in zip(starts, ends, strict=True)])
        val = np.concatenate([self.data[s:e] for s, e in zip(starts, ends, strict=True)])
        return np.bincount(idx, weights=val, minlength=rows).astype(np.float32)[:rows]

    def delta_scores(self, query_ids: np.ndarray, tokens: Ragged, rows: np.ndarray) -> np.ndarray:
        """Scores for rows added after the fit, with the fitted statistics (N, df, avgdl)."""
        out = np.zeros(len(rows), dtype=np.float32)
        query_ids = np.asarray(query_ids, dtype=np.int64)
        if not len(query_ids):
            return out
        weights = idf(self.df(query_ids), self.documents)
        for j, row in enumerate(rows):
            doc = tokens.row(int(row))
            norm = self.k1 * (1 - self.b + self.b * len(doc) / self.avgdl)
            tf = (doc[None, :] == query_ids[:, None]).sum(axis=1).astype(np.float32)
            out[j] = float((weights * tf / (tf + norm)).sum())
        return out

    # -- files ---------------------------------------------------------------------------------
    def write(self, writer: GenerationWriter) -> None:
        writer.array("bm25.data.npy", self.data)
        writer.array("bm25.indices.npy", self.indices)
        writer.array("bm25.indptr.npy", self.indptr)
        writer.array("bm25.stats.npy", np.array([self.k1, self.b, self.documents, self.avgdl, self.upto]))

    @classmethod
    def read(cls, folder: Path) -> BM25Matrix:
        k1, b, documents, avgdl, upto = np.load(folder / "bm25.stats.npy")
        model = cls(float(k1), float(b))
        model.data = np.load(folder / "bm25.data.npy", mmap_mode="r")
        model.indices = np.load(folder / "bm25.indices.npy", mmap_mode="r")
        model.indptr = np.load(folder / "bm25.indptr.npy")
        model.documents, model.avgdl, model.upto = int(documents), float(avgdl), int(upto)
        if len(model.data) != len(model.indices) or int(model.indptr[-1]) != len(model.data):
            raise ValueError("bm25 arrays do not match")
        return model
