"""Index build, incremental update, query latency and memory of the embedded index at scale.

Scale corpora are synthesised from the real public listings (../shared/data/tech-market):
each synthetic achievement takes a real title and a description stitched from sentences of three
random real listings; its vector is a real e5 vector of one of those listings (from the embedding
cache, `lead:160`) plus Gaussian jitter (σ = 0.02 per dimension), re-normalised. So lexical
statistics and vector geometry look like real data, without embedding a million texts.

    .venv/bin/python benchmarks/matching_scale.py 10000 100000 [--cache var/engine-cache]

Embedding cost is reported separately (passages/s measured on real listings), since a real
deployment embeds each record once, in the background, and caches it.
"""

import argparse
import json
import random
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mengkeju.retrieval.embedding import E5Embedder, EmbeddingCache  # noqa: E402
from mengkeju.retrieval.index import DENSE_QUERY_CHARS, Document, LocalIndex  # noqa: E402
from mengkeju.retrieval.passages import PassageStrategy, sentences  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "tech-market"


class CachedEmbedder:
    """Serves pre-computed vectors for passages and embeds queries with the real model."""

    model_id = "e5-small-jittered"
    dim = 384

    def __init__(self, vectors_by_text, real):
        self.vectors_by_text, self.real = vectors_by_text, real

    def passages(self, texts):
        return np.stack([self.vectors_by_text[t] for t in texts])

    def query(self, text):
        return self.real.query(text)


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("sizes", nargs="+", type=int)
    parser.add_argument("--cache", default=str(ROOT / "var" / "engine-cache"))
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args()

    rows = [json.loads(line) for line in (SHARED / "achievements.jsonl").open(encoding="utf-8")]
    demands = [
        json.loads(line)
        for line in (SHARED / "demands.jsonl").open(encoding="utf-8")
        if '"name": ""' not in line
    ]
    strategy = PassageStrategy.parse("lead:160")
    cache = EmbeddingCache(args.cache)
    base = []
    for r in rows:
        vector = cache.get(strategy.texts(r["name"], r["text"])[0])
        if vector is not None:
            base.append((r, vector))
    if len(base) < 1000:
        raise SystemExit("embed the public listings first: mengkeju eval-matching … --cache " + args.cache)
    real = E5Embedder()
    rng = np.random.default_rng(7)
    random.seed(7)
    pool = [s for r, _v in base for s in sentences(r["text"])]
    queries = [f"{d['name']}。{d['text']}" for d in random.sample(demands, args.queries)]
    for size in args.sizes:
        docs, vectors_by_text = [], {}
        for i in range(size):
            r, vector = base[i % len(base)]
            body = "".join(random.sample(pool, 3))
            doc = Document(
                id=str(i), title=r["name"], body=body, chain_links=[], division="150000", trl=1 + i % 9
            )
            jittered = vector + rng.normal(0, 0.02, vector.shape).astype(np.float32)
            vectors_by_text[strategy.texts(doc.title, doc.body)[0]] = jittered / np.linalg.norm(jittered)
            docs.append(doc)
        index = LocalIndex(CachedEmbedder(vectors_by_text, real), strategy=strategy)
        started = time.perf_counter()
        index.upsert(docs, embed=False)
        tokenized = time.perf_counter()
        index.embed_pending()
        index.search("稀土永磁材料", k=10)  # fits BM25
        built = time.perf_counter() - started
        end_to_end, without_embedding = [], []
        for q in queries:
            t0 = time.perf_counter()
            vector = real.query(q[:DENSE_QUERY_CHARS])  # what search() embeds
            t1 = time.perf_counter()
            index.search(q, k=10)
            t2 = time.perf_counter()
            end_to_end.append((t2 - t1) * 1000)
            without_embedding.append((t2 - t1 - (t1 - t0)) * 1000)
            del vector
        update_doc = Document(id="0", title="更新的成果：低重稀土永磁体", body="晶界扩散，矫顽力25 kOe。")
        vectors_by_text[strategy.texts(update_doc.title, update_doc.body)[0]] = base[0][1]
        t0 = time.perf_counter()
        index.upsert([update_doc])
        t1 = time.perf_counter()
        index.search("低重稀土永磁体", k=10)  # the next search pays the BM25 refit
        t2 = time.perf_counter()
        end_to_end.sort()
        without_embedding.sort()
        print(
            f"{size:>9,} docs | build {built:7.1f} s (tokenize {tokenized - started:6.1f} s) | "
            f"update {1000 * (t1 - t0):6.1f} ms + first search after it {1000 * (t2 - t1):7.1f} ms | "
            f"query p50 {statistics.median(end_to_end):6.1f} ms p95 {end_to_end[int(0.95 * len(end_to_end)) - 1]:6.1f} ms "
            f"(search part p50 {statistics.median(without_embedding):6.1f}) | peak RSS {peak_rss_mib():7.0f} MiB",
            flush=True,
        )


if __name__ == "__main__":
    main()
