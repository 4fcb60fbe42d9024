"""Index build, incremental update, query latency, vector-index recall and memory at scale.

    .venv/bin/python benchmarks/matching_scale.py 10000 100000 1000000 [--cache DIR] [--queries 50]

How the scale corpora are synthesised from the real public listings (../shared/data/tech-market):
each synthetic achievement takes the title of a real listing and a description of real sentences
drawn at random from all listings until it is as long as that listing's own description (so length
and vocabulary follow the real distribution); its vector is the real e5 vector (default passages, `lead:120`) of the
listing whose title it took plus Gaussian jitter (σ = 0.02 per dimension), re-normalised. The real
vectors come from the embedding cache that `mengkeju eval-matching` fills. Queries are real demands
(title + text, the "recommended achievements" case) and real demand titles (typed search-box
queries), embedded by the real model.

Each size runs in its own process (so peak memory is that size's): build in memory, measure queries,
approximate-vs-exact recall of the dense top 10, one update, save; then a second process opens the
saved index (memory-mapped, as a server worker does) and measures queries and resident memory again.
Embedding the corpus itself is not part of the build time here (it is the synthetic jitter); the
real model's passages/s are in docs/matching.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mengkeju.retrieval import index as index_module  # noqa: E402
from mengkeju.retrieval.embedding import E5Embedder, EmbeddingCache  # noqa: E402
from mengkeju.retrieval.index import DENSE_QUERY_CHARS, LIVE_QUERY_CHARS, Document, LocalIndex  # noqa: E402
from mengkeju.retrieval.passages import DEFAULT_STRATEGY, PassageStrategy, sentences  # noqa: E402

SHARED = Path(os.environ.get("MENGKEJU_SHARED_DATA", ROOT.parent / "shared" / "data" / "tech-market"))
DEFAULT_CACHE = Path.home() / ".cache" / "mengkeju" / "embeddings"
STRATEGY = PassageStrategy.parse(DEFAULT_STRATEGY)


class NoCache:
    """The synthetic vectors are not worth caching (a million of them would double the memory)."""

    def get(self, text):
        return None

    def put(self, text, vector):
        pass

    def flush(self):
        pass


class SyntheticEmbedder:
    """Passages: the real vector of the listing whose title the passage carries, jittered.
    Queries: the real model."""

    model_id = "e5-small-jittered"
    dim = 384

    def __init__(self, vector_by_title: dict[str, np.ndarray], seed: int = 7):
        self.vector_by_title = vector_by_title
        self.rng = np.random.default_rng(seed)
        self.real = E5Embedder()

    def passages(self, texts):
        base = np.stack([self.vector_by_title[t.split("。", 1)[0]] for t in texts])
        jittered = base + self.rng.normal(0, 0.02, base.shape).astype(np.float32)
        return jittered / np.linalg.norm(jittered, axis=1, keepdims=True)

    def query(self, text):
        return self.real.query(text)

    def known(self, text):
        return self.real.known(text)


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_real(cache_dir: Path):
    rows = [json.loads(line) for line in (SHARED / "achievements.jsonl").open(encoding="utf-8")]
    cache = EmbeddingCache(cache_dir)
    base, vector_by_title = [], {}
    for r in rows:
        title = (r["name"] or "").strip()
        vector = cache.get(STRATEGY.texts(r["name"], r["text"])[0])
        if vector is not None and title and "。" not in title:
            base.append(r)
            vector_by_title.setdefault(title, vector)
    if len(base) < 1000:
        raise SystemExit(
            "embed the public listings first: mengkeju eval-matching --corpus achievements.jsonl … "
            f"(cache {cache_dir}; {len(base)} vectors found)"
        )
    demands = [json.loads(line) for line in (SHARED / "demands.jsonl").open(encoding="utf-8")]
    demands = [d for d in demands if d.get("name") and d.get("text")]
    return base, vector_by_title, demands


def synthetic_docs(base, size: int, seed: int = 7):
    rnd = random.Random(seed)
    pool = [s for r in base for s in sentences(r["text"])]
    for i in range(size):
        r = base[i % len(base)]
        target, body = len(r["text"] or ""), ""
        while len(body) < target:
            body += rnd.choice(pool)
        yield Document(
            id=str(i), title=r["name"].strip(), body=body[: max(target, 1)], division="150000", trl=1 + i % 9
        )


def percentiles(values):
    values = sorted(values)
    return statistics.median(values), values[max(0, round(0.95 * len(values)) - 1)]


def measure_queries(index, queries, real):
    """End to end (query embedding included, as for a new demand) and the search alone."""
    end_to_end, search_only = [], []
    for q in queries:
        real._queries.clear()  # no remembered vectors: every query is embedded
        t0 = time.perf_counter()
        index.search(q, k=10)
        t1 = time.perf_counter()
        index.search(q, k=10)  # same query again: its vector is remembered, this is the search part
        t2 = time.perf_counter()
        end_to_end.append((t1 - t0) * 1000)
        search_only.append((t2 - t1) * 1000)
    return percentiles(end_to_end), percentiles(search_only)


def dense_recall(index, queries) -> float | None:
    if index._ann is None:
        return None
    method, ann = index.fusion_method, index._ann
    overlaps = []
    try:
        index.fusion_method = "dense"
        for q in queries:
            approx = {h.id for h in index.search(q, k=10)}
            index._ann = None
            exact = {h.id for h in index.search(q, k=10)}
            index._ann = ann
            overlaps.append(len(approx & exact) / 10)
    finally:
        index.fusion_method, index._ann = method, ann
    return float(np.mean(overlaps))


def build(size: int, args) -> dict:
    base, vector_by_title, demands = load_real(Path(args.cache))
    rnd = random.Random(11)
    picked = rnd.sample(demands, args.queries)
    long_queries = [f"{d['name']}。{d['text']}" for d in picked]
    short_queries = [d["name"][:24] for d in picked]
    embedder = SyntheticEmbedder(vector_by_title)
    index = LocalIndex(embedder, cache=NoCache(), strategy=STRATEGY)
    out = {"size": size}
    t0 = time.perf_counter()
    index.upsert(synthetic_docs(base, size), embed=False)
    t1 = time.perf_counter()
    index.embed_pending()
    t2 = time.perf_counter()
    index.fit_lexical()
    t3 = time.perf_counter()
    if index.ann_due():
        index.build_ann()
    t4 = time.perf_counter()
    out.update(
        tokenize_s=t1 - t0,
        vectors_s=t2 - t1,
        bm25_fit_s=t3 - t2,
        ann_s=t4 - t3,
        build_s=(t1 - t0) + (t4 - t2),
    )
    out["long"], out["long_search"] = measure_queries(index, long_queries, embedder.real)
    out["short"], out["short_search"] = measure_queries(index, short_queries, embedder.real)
    out["dense_recall@10"] = dense_recall(index, long_queries)
    update = Document(id="0", title=base[1]["name"].strip(), body="晶界扩散低重稀土永磁体，矫顽力25 kOe。")
    t0 = time.perf_counter()
    index.upsert([update])  # retire the old row, add the new one, embed it
    t1 = time.perf_counter()
    index.search("晶界扩散低重稀土永磁体", k=10)
    t2 = time.perf_counter()
    out["update_ms"], out["first_search_after_ms"] = (t1 - t0) * 1000, (t2 - t1) * 1000
    out["build_peak_mib"] = peak_mib()
    folder = Path(args.workdir) / f"index-{size}"
    t0 = time.perf_counter()
    generation = index.save(folder, embed=False)
    out["save_s"] = time.perf_counter() - t0
    out["disk_mib"] = sum(p.stat().st_size for p in generation.iterdir()) / 2**20
    return out


def serve(size: int, args) -> dict:
    _base, _vectors, demands = load_real(Path(args.cache))
    rnd = random.Random(11)
    picked = rnd.sample(demands, args.queries)
    embedder = SyntheticEmbedder({})
    before = rss_mib()
    t0 = time.perf_counter()
    index = LocalIndex.load(Path(args.workdir) / f"index-{size}", embedder)
    out = {"load_s": time.perf_counter() - t0}
    if args.nprobe and index._ann is not None:  # try another setting on the saved vector index
        index._ann.nprobe = index._ann.index.nprobe = args.nprobe
    long_queries = [f"{d['name']}。{d['text']}" for d in picked]
    # A fresh process first: its first queries (other demands) map the index's pages into it.
    others = [f"{d['name']}。{d['text']}" for d in demands if d not in picked]
    others = random.Random(13).sample(others, 2 * args.queries)
    out["cold_long"], _search = measure_queries(index, others[: args.queries // 2], embedder.real)
    # Then a worker that has served a while: more other demands first, then the measured ones.
    for q in others[args.queries :]:
        index.search(q, k=10)
    out["long"], out["long_search"] = measure_queries(index, long_queries, embedder.real)
    out["short"], out["short_search"] = measure_queries(
        index, [d["name"][:24] for d in picked], embedder.real
    )
    out["serving_rss_mib"] = rss_mib() - before
    out["dense_recall@10"] = dense_recall(index, long_queries)
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("sizes", nargs="+", type=int)
    parser.add_argument("--cache", default=str(DEFAULT_CACHE), help="embedding cache with the real vectors")
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--nprobe", type=int, default=None)
    parser.add_argument("--step", choices=["build", "serve"], default=None)
    parser.add_argument("--keep", action="store_true", help="keep the saved indexes in --workdir")
    args = parser.parse_args()
    if args.nprobe:
        index_module.ANN_NPROBE = args.nprobe
    if args.step:  # one size, in a child process
        result = (build if args.step == "build" else serve)(args.sizes[0], args)
        print("RESULT " + json.dumps(result), flush=True)
        return
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="mengkeju-scale-"))
    print(
        f"date {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, dense query window {DENSE_QUERY_CHARS} "
        f"chars prepared, {LIVE_QUERY_CHARS} live"
    )
    for size in args.sizes:
        results = {}
        for step in ("build", "serve"):
            command = [sys.executable, __file__, str(size), "--step", step, "--cache", args.cache]
            command += ["--queries", str(args.queries), "--workdir", str(workdir)]
            if args.nprobe:
                command += ["--nprobe", str(args.nprobe)]
            done = subprocess.run(command, capture_output=True, text=True)
            lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
            if done.returncode or not lines:
                raise SystemExit(f"{step} {size} failed:\n{done.stderr[-3000:]}")
            results[step] = json.loads(lines[-1][7:])
        b, s = results["build"], results["serve"]
        recall = "exact" if s["dense_recall@10"] is None else f"{s['dense_recall@10']:.3f}"
        print(
            f"{size:>9,} docs | build {b['build_s']:6.1f} s (tokenize {b['tokenize_s']:.1f}, BM25 {b['bm25_fit_s']:.1f}, "
            f"vector index {b['ann_s']:.1f}) | update {b['update_ms']:.0f} ms, next search {b['first_search_after_ms']:.0f} ms | "
            f"save {b['save_s']:.1f} s, {b['disk_mib']:.0f} MiB, load {s['load_s']:.1f} s | dense recall@10 {recall}\n"
            f"          demand queries p50/p95 {s['long'][0]:.0f}/{s['long'][1]:.0f} ms end to end, "
            f"{s['long_search'][0]:.0f}/{s['long_search'][1]:.0f} ms search part | typed queries "
            f"{s['short'][0]:.0f}/{s['short'][1]:.0f} ms, {s['short_search'][0]:.0f}/{s['short_search'][1]:.0f} ms | "
            f"cold process p50/p95 {s['cold_long'][0]:.0f}/{s['cold_long'][1]:.0f} ms | "
            f"in-memory index p95 {b['long'][1]:.0f} ms | build peak RSS {b['build_peak_mib']:.0f} MiB, "
            f"serving RSS {s['serving_rss_mib']:.0f} MiB",
            flush=True,
        )
        if not args.keep:
            shutil.rmtree(workdir / f"index-{size}", ignore_errors=True)


if __name__ == "__main__":
    main()
