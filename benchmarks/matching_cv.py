"""Cross-validated choice of the lexical field weights (docs/matching.md, "Field weights").

    .venv/bin/python benchmarks/matching_cv.py [--keyword-weights 0,1] [--query-title-weights 1,2,3]
        [--title-weights 2] [--corpus … --queries … --qrels …] [--cache ~/.cache/mengkeju/embeddings]

Scores every configuration of the grid per judged query (nDCG@10, bm25 / dense / hybrid, the platform's
own index and settings otherwise), then repeats 5-fold cross-validation over 20 random splits of the
queries: each fold picks the configuration best on the other folds and is scored on its own. Prints the
grid, the cross-validated figure of each method with how often each configuration was chosen, and for
each step away from the first configuration the per-query wins and losses, the smallest mean gain when
any one query is left out, and a paired bootstrap's P(gain > 0) — a small dev set's mean can be one
query's doing. Field weights change no passage, so the embedding cache serves every configuration.
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _setup import SHARED
from ranx import Qrels, Run, evaluate

from mengkeju.retrieval import text
from mengkeju.retrieval.embedding import E5Embedder, EmbeddingCache
from mengkeju.retrieval.evaluate import (
    DEFAULT_CACHE,
    Sections,
    corpus_documents,
    query_texts,
    read_jsonl,
    read_qrels,
)
from mengkeju.retrieval.index import LocalIndex
from mengkeju.retrieval.passages import DEFAULT_STRATEGY, PassageStrategy

METHODS = ("bm25", "dense", "hybrid")


def weights(spec: str) -> list[int]:
    return [int(x) for x in spec.split(",") if x.strip()]


def cross_validate(matrix: np.ndarray, folds: int = 5, repeats: int = 20, seed: int = 0):
    """matrix: configurations × queries. Returns (mean of the repeats, sd, choice counts)."""
    rng = random.Random(seed)
    n = matrix.shape[1]
    means, chosen = [], np.zeros(matrix.shape[0], dtype=int)
    for _ in range(repeats):
        order = list(range(n))
        rng.shuffle(order)
        scores = []
        for f in range(folds):
            test = order[f::folds]
            train = [q for q in order if q not in test]
            best = int(np.argmax(matrix[:, train].mean(axis=1)))
            chosen[best] += 1
            scores.append(matrix[best, test].mean())
        means.append(float(np.mean(scores)))
    return float(np.mean(means)), float(np.std(means)), chosen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=SHARED / "achievements.jsonl")
    parser.add_argument("--queries", type=Path, default=SHARED / "queries-dev.jsonl")
    parser.add_argument("--qrels", type=Path, default=SHARED / "qrels-dev.tsv")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--title-weights", type=weights, default=[text.TITLE_REPEAT])
    parser.add_argument("--keyword-weights", type=weights, default=[0, 1])
    parser.add_argument("--query-title-weights", type=weights, default=[1, 2, 3])
    parser.add_argument("--classification-boost", type=float, default=0.1)
    parser.add_argument("--passages", default=DEFAULT_STRATEGY, help=f"default {DEFAULT_STRATEGY}")
    args = parser.parse_args()

    corpus, queries = read_jsonl(args.corpus), read_jsonl(args.queries)
    judged = {q: d for q, d in read_qrels(args.qrels).items() if any(g > 0 for g in d.values())}
    queries = [q for q in queries if q["id"] in judged]
    qrels = Qrels({q["id"]: dict(judged[q["id"]]) for q in queries})
    embedder = E5Embedder(query_store=EmbeddingCache(None))
    grid = list(itertools.product(args.title_weights, args.keyword_weights, args.query_title_weights))
    scores = {m: np.zeros((len(grid), len(queries))) for m in METHODS}
    print(
        f"{len(queries)} judged queries, {len(corpus)} records, passages {args.passages}; "
        "grid (title, keywords, query title):"
    )
    for c, (title, keywords, query_title) in enumerate(grid):
        text.TITLE_REPEAT, text.KEYWORD_REPEAT, text.QUERY_TITLE_REPEAT = title, keywords, query_title
        sections = Sections()
        index = LocalIndex(
            embedder, cache=EmbeddingCache(args.cache), strategy=PassageStrategy.parse(args.passages)
        )
        index.upsert(corpus_documents(corpus, sections), embed=False)
        index.embed_pending()  # from the cache after the first run (eval-matching fills it too)
        index.refresh()
        texts = query_texts(queries)
        embedder.prepare_queries([index.dense_query_text(t) for t in texts.values()])
        row = []
        for method in METHODS:
            index.fusion_method = "rrf" if method == "hybrid" else method
            run = {}
            for q in queries:
                boosts = sections.boosts(q, method, args.classification_boost)
                hits = index.search(texts[q["id"]], k=100, boosts=boosts)
                run[q["id"]] = {h.id: h.score for h in hits} or {"__none__": 0.0}
            per = evaluate(qrels, Run(run), "ndcg@10", return_mean=False, make_comparable=True)
            scores[method][c] = per
            row.append(f"{method} {np.mean(per):.4f}")
        print(f"  ({title}, {keywords}, {query_title}): " + " · ".join(row), flush=True)

    rng = np.random.default_rng(0)
    for method in METHODS:
        mean, sd, chosen = cross_validate(scores[method])
        picks = ", ".join(f"{grid[c]}: {n}" for c, n in sorted(enumerate(chosen), key=lambda x: -x[1]) if n)
        print(f"CV {method}: {mean:.4f} ± {sd:.4f}; chosen in 100 folds: {picks}")
        for c in range(1, len(grid)):
            delta = scores[method][c] - scores[method][0]
            leave_one_out = min(np.delete(delta, i).mean() for i in range(len(delta)))
            boot = np.mean([delta[rng.integers(0, len(delta), len(delta))].mean() > 0 for _ in range(5000)])
            print(
                f"    {grid[0]} → {grid[c]}: {delta.mean():+.4f}, up {int((delta > 1e-4).sum())} "
                f"down {int((delta < -1e-4).sum())}, worst leave-one-out {leave_one_out:+.4f}, "
                f"P(gain > 0) {boot:.2f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
