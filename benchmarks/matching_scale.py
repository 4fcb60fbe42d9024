"""Index build, incremental update, query latency, vector-index recall and memory at scale.

    .venv/bin/python benchmarks/matching_scale.py 10000 100000 1000000 [--cache DIR] [--queries 50]
    .venv/bin/python benchmarks/matching_scale.py --backend milvus 10000 100000   # or --backend both

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

`--backend milvus` runs the same steps on `MilvusIndex` (mengkeju/retrieval/milvus.py) over a Milvus
Lite file of each size's own under the workdir (`milvus-<size>.db`, a folder in fact); `--backend both`
runs the local index first, then Milvus, and ends with a table of the two side by side. For
information only: Milvus Lite is not the engine production would use (a Milvus server), but it runs
the same client calls, so it shows what the backend itself costs (round trips, row layout, the
app-side BM25). The Milvus build is: `upsert(embed=False)` (tokenize, BM25 document weights written
with the running average length, document frequencies in the `_terms` collection), `embed_pending()`
(the pending rows read back and rewritten with their vectors), `refit()` (every row's weights
rewritten with the final average length: what `refresh()` does after a rebuild) and a flush, after
which Milvus Lite compacts its segments and builds their HNSW graphs in a background thread (the
local index's "vector index" step: the benchmark waits for that thread, `settle_milvus_lite`);
`save()` then moves the alias `mengkeju_bench_index-<size>` to the collection. The second process
opens the collection through that alias (`MilvusIndex.load`) as a server worker would. Milvus Lite 3
runs inside the Python process (a gRPC server on a loopback port in a background thread, engine in
pure Python + faiss; no child process), so the process's own RSS includes the engine; the children's
RSS is measured anyway and reported. Dense recall@10 compares the dense-only top 10 (HNSW candidates,
re-scored exactly) with an exact numpy top 10 over all the collection's vectors; `--nprobe` (the local
IVF setting) does not apply. Milvus's build-time figures include no embedding either. Milvus Lite is
slow to fill on 2 cores (about 100 s for 10,000 records, some 25 minutes for 100,000: its upserts
slow down as a collection grows) and holds every row it returns in Python (build peak ≈ 1 GiB at
10k, ≈ 5 GiB at 100k): give 100,000 and more the time and memory.
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
from mengkeju.retrieval.index import (  # noqa: E402
    DENSE_QUERY_CHARS,
    LIVE_QUERY_CHARS,
    Document,
    LocalIndex,
    query_vector,
    query_window,
)
from mengkeju.retrieval.passages import DEFAULT_STRATEGY, PassageStrategy, sentences  # noqa: E402

SHARED = Path(os.environ.get("MENGKEJU_SHARED_DATA", ROOT.parent / "shared" / "data" / "tech-market"))
DEFAULT_CACHE = Path.home() / ".cache" / "mengkeju" / "embeddings"
STRATEGY = PassageStrategy.parse(DEFAULT_STRATEGY)
BACKENDS = ("local", "milvus")
MILVUS_PREFIX = "mengkeju_bench_"  # collections and aliases of this benchmark, apart from the app's


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


def children_rss_mib() -> float:
    """Resident memory of this process's descendants (an engine run as a child process; Milvus Lite 3
    runs in-process, so 0 there)."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    mine = {os.getpid()}
    while new := {pid for pid, parent in parents.items() if parent in mine and pid not in mine}:
        mine |= new  # children, grandchildren, …
    total = 0.0
    for pid in mine - {os.getpid()}:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            pass
    return total


def disk_mib(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def backend_class(backend: str, size: int, args):
    """The index class a size is built with: `LocalIndex`, or `MilvusIndex` bound to this size's own
    Milvus Lite file under the workdir (one process at a time may open it: build, then serve)."""
    if backend == "local":
        return LocalIndex
    from mengkeju.retrieval.milvus import MilvusIndex

    return MilvusIndex.configured(str(milvus_file(args.workdir, size)), "", prefix=MILVUS_PREFIX)


def milvus_file(workdir, size: int) -> Path:
    return Path(workdir) / f"milvus-{size}.db"


def settle_milvus_lite(index) -> None:
    """Wait until Milvus Lite has done what a flush leaves to its background worker: compacting the
    segments and building their HNSW graphs. A Milvus server reports this through its index state;
    Milvus Lite answers "finished" at once, so the benchmark (in the same process as Milvus Lite)
    asks the engine itself. Nothing to wait for on a server URI."""
    from milvus_lite.server_manager import server_manager_instance

    entry = server_manager_instance._servers.get(os.path.abspath(index.uri))
    if entry is None:
        return
    _server, db, _port = entry
    for name in (index.collection, index._terms()):
        db.get_collection(name)._wait_for_bg()


def close_backend(backend: str) -> None:
    """Close the Milvus client (and so Milvus Lite's hold on its file) before the process ends."""
    if backend == "milvus":
        from mengkeju.retrieval.milvus import _Connection

        _Connection.close()


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


def milvus_dense_recall(index, queries) -> float:
    """The Milvus index's dense top 10 (HNSW candidates, re-scored exactly) against the exact top 10
    over every vector of the collection (read back in batches)."""
    from mengkeju.retrieval.milvus import _Connection

    client = _Connection.client(index.uri, index.token)
    ids, blocks = [], []
    iterator = client.query_iterator(
        index.collection, batch_size=1000, filter="embedded == true", output_fields=["id", "vec"]
    )
    while batch := iterator.next():
        ids.extend(row["id"] for row in batch)
        blocks.append(np.asarray([row["vec"] for row in batch], dtype=np.float32))
    iterator.close()
    matrix = np.concatenate(blocks)
    method, overlaps = index.fusion_method, []
    try:
        index.fusion_method = "dense"
        for q in queries:
            approx = {h.id for h in index.search(q, k=10)}
            text, _cut = query_window(q)
            vector = query_vector(index.embedder, index.dense_query_text(text), index.live_query_chars)
            scores = matrix @ vector
            exact = {ids[j] for j in np.argpartition(-scores, 10)[:10]}
            overlaps.append(len(approx & exact) / 10)
    finally:
        index.fusion_method = method
    return float(np.mean(overlaps))


def build_local(index, docs) -> tuple[dict, dict]:
    """The local build: tokenize, vectors (the synthetic jitter: not counted), BM25 fit, vector index."""
    t0 = time.perf_counter()
    index.upsert(docs, embed=False)
    t1 = time.perf_counter()
    index.embed_pending()
    t2 = time.perf_counter()
    index.fit_lexical()
    t3 = time.perf_counter()
    if index.ann_due():
        index.build_ann()
    t4 = time.perf_counter()
    steps = {"tokenize": t1 - t0, "BM25": t3 - t2, "vector index": t4 - t3}
    return steps, {"vectors_s": t2 - t1}


def build_milvus(index, docs) -> tuple[dict, dict]:
    """The Milvus build (see the module docstring): every step writes to Milvus, so all count."""
    t0 = time.perf_counter()
    index.upsert(docs, embed=False)
    t1 = time.perf_counter()
    index.embed_pending()
    t2 = time.perf_counter()
    index.refit()
    t3 = time.perf_counter()
    index._call("flush", index.collection)  # Milvus Lite seals its segments, builds their HNSW graphs
    index._call("flush", index._terms())
    settle_milvus_lite(index)
    t4 = time.perf_counter()
    steps = {"write rows": t1 - t0, "vectors": t2 - t1, "BM25 refit": t3 - t2, "flush + HNSW": t4 - t3}
    return steps, {}


def queries_for(demands, count: int):
    """The measured demands: their full text (a new demand's recommendations) and titles (typed)."""
    picked = random.Random(11).sample(demands, count)
    return picked, [f"{d['name']}。{d['text']}" for d in picked], [d["name"][:24] for d in picked]


def build(size: int, args) -> dict:
    base, vector_by_title, demands = load_real(Path(args.cache))
    _picked, long_queries, short_queries = queries_for(demands, args.queries)
    embedder = SyntheticEmbedder(vector_by_title)
    index = backend_class(args.backend, size, args)(embedder, cache=NoCache(), strategy=STRATEGY)
    out = {"size": size, "backend": args.backend}
    build_steps = build_local if args.backend == "local" else build_milvus
    steps, extra = build_steps(index, synthetic_docs(base, size))
    out.update(extra, steps=steps, build_s=sum(steps.values()))
    out["long"], out["long_search"] = measure_queries(index, long_queries, embedder.real)
    out["short"], out["short_search"] = measure_queries(index, short_queries, embedder.real)
    if args.backend == "local":  # Milvus: measured on the saved collection, in `serve`
        out["dense_recall@10"] = dense_recall(index, long_queries)
    update = Document(id="0", title=base[1]["name"].strip(), body="晶界扩散低重稀土永磁体，矫顽力25 kOe。")
    t0 = time.perf_counter()
    index.upsert([update])  # retire the old row, add the new one, embed it
    t1 = time.perf_counter()
    index.search("晶界扩散低重稀土永磁体", k=10)
    t2 = time.perf_counter()
    out["update_ms"], out["first_search_after_ms"] = (t1 - t0) * 1000, (t2 - t1) * 1000
    out["build_peak_mib"] = peak_mib()
    out["build_children_mib"] = children_rss_mib()
    folder = Path(args.workdir) / f"index-{size}"
    t0 = time.perf_counter()
    generation = index.save(folder, embed=False)
    out["save_s"] = time.perf_counter() - t0
    if args.backend == "local":
        out["disk_mib"] = sum(p.stat().st_size for p in generation.iterdir()) / 2**20
    else:
        settle_milvus_lite(index)  # the update's segment too, before the process ends
        close_backend(args.backend)
        out["disk_mib"] = disk_mib(milvus_file(args.workdir, size))
    return out


def serve(size: int, args) -> dict:
    _base, _vectors, demands = load_real(Path(args.cache))
    picked, long_queries, short_queries = queries_for(demands, args.queries)
    embedder = SyntheticEmbedder({})
    before = rss_mib()
    t0 = time.perf_counter()
    index = backend_class(args.backend, size, args).load(Path(args.workdir) / f"index-{size}", embedder)
    out = {"load_s": time.perf_counter() - t0}
    if args.nprobe and getattr(index, "_ann", None) is not None:  # another setting on the saved index
        index._ann.nprobe = index._ann.index.nprobe = args.nprobe
    # A fresh process first: its first queries (other demands) map the index's pages into it.
    others = [f"{d['name']}。{d['text']}" for d in demands if d not in picked]
    others = random.Random(13).sample(others, 2 * args.queries)
    out["cold_long"], _search = measure_queries(index, others[: args.queries // 2], embedder.real)
    # Then a worker that has served a while: more other demands first, then the measured ones.
    for q in others[args.queries :]:
        index.search(q, k=10)
    out["long"], out["long_search"] = measure_queries(index, long_queries, embedder.real)
    out["short"], out["short_search"] = measure_queries(index, short_queries, embedder.real)
    out["serving_rss_mib"] = rss_mib() - before
    out["children_rss_mib"] = children_rss_mib()
    if args.backend == "local":
        out["dense_recall@10"] = dense_recall(index, long_queries)
    else:
        # Reading every vector back from Milvus Lite takes minutes at 100k: only up to 20k by default.
        wanted = size <= 20_000 or args.milvus_recall
        out["dense_recall@10"] = milvus_dense_recall(index, long_queries) if wanted else float("nan")
        close_backend(args.backend)
    return out


def report(size: int, backend: str, b: dict, s: dict) -> None:
    recall = "exact" if s["dense_recall@10"] is None else f"{s['dense_recall@10']:.3f}"
    recall = "not measured (--milvus-recall)" if recall == "nan" else recall
    steps = ", ".join(f"{name} {seconds:.1f}" for name, seconds in b["steps"].items())
    children = s["children_rss_mib"] + b["build_children_mib"]
    print(
        f"{size:>9,} docs {backend:<6} | build {b['build_s']:6.1f} s ({steps}) | update {b['update_ms']:.0f} ms, "
        f"next search {b['first_search_after_ms']:.0f} ms | save {b['save_s']:.1f} s, {b['disk_mib']:.0f} MiB, "
        f"load {s['load_s']:.1f} s | dense recall@10 {recall}\n"
        f"          demand queries p50/p95 {s['long'][0]:.0f}/{s['long'][1]:.0f} ms end to end, "
        f"{s['long_search'][0]:.0f}/{s['long_search'][1]:.0f} ms search part | typed queries "
        f"{s['short'][0]:.0f}/{s['short'][1]:.0f} ms, {s['short_search'][0]:.0f}/{s['short_search'][1]:.0f} ms | "
        f"cold process p50/p95 {s['cold_long'][0]:.0f}/{s['cold_long'][1]:.0f} ms | "
        f"in-memory index p95 {b['long'][1]:.0f} ms | build peak RSS {b['build_peak_mib']:.0f} MiB, "
        f"serving RSS {s['serving_rss_mib']:.0f} MiB"
        + (f" + child processes {s['children_rss_mib']:.0f} MiB" if children else " (no child process)"),
        flush=True,
    )


def comparison(size: int, results: dict) -> None:
    """The backends' figures for one size side by side."""
    rows = [
        ("build (s)", lambda b, s: f"{b['build_s']:.1f}"),
        ("update, next search (ms)", lambda b, s: f"{b['update_ms']:.0f}, {b['first_search_after_ms']:.0f}"),
        ("save (s), disk (MiB)", lambda b, s: f"{b['save_s']:.1f}, {b['disk_mib']:.0f}"),
        ("load (s)", lambda b, s: f"{s['load_s']:.1f}"),
        ("demand p50/p95 end to end (ms)", lambda b, s: "{:.0f}/{:.0f}".format(*s["long"])),
        ("demand p50/p95 search part (ms)", lambda b, s: "{:.0f}/{:.0f}".format(*s["long_search"])),
        ("typed p50/p95 end to end (ms)", lambda b, s: "{:.0f}/{:.0f}".format(*s["short"])),
        ("typed p50/p95 search part (ms)", lambda b, s: "{:.0f}/{:.0f}".format(*s["short_search"])),
        ("cold process p50/p95 (ms)", lambda b, s: "{:.0f}/{:.0f}".format(*s["cold_long"])),
        ("build peak RSS (MiB)", lambda b, s: f"{b['build_peak_mib']:.0f}"),
        ("serving RSS (MiB)", lambda b, s: f"{s['serving_rss_mib']:.0f}"),
        ("child processes RSS (MiB)", lambda b, s: f"{s['children_rss_mib']:.0f}"),
        (
            "dense recall@10",
            lambda b, s: "exact" if s["dense_recall@10"] is None else f"{s['dense_recall@10']:.3f}",
        ),
    ]
    backends = list(results)
    print(f"\n{size:,} docs" + "".join(f" | {name:>12}" for name in backends))
    for label, cell in rows:
        print(f"  {label:<32}" + "".join(f" | {cell(*results[name]):>12}" for name in backends))
    print(flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("sizes", nargs="+", type=int)
    parser.add_argument("--cache", default=str(DEFAULT_CACHE), help="embedding cache with the real vectors")
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--nprobe", type=int, default=None, help="the local vector index's lists visited")
    parser.add_argument(
        "--backend",
        choices=[*BACKENDS, "both"],
        default="local",
        help="the index implementation (default local); milvus: MilvusIndex on a Milvus Lite file in the "
        "workdir; both: local then milvus, and a table side by side",
    )
    parser.add_argument("--step", choices=["build", "serve"], default=None)
    parser.add_argument("--keep", action="store_true", help="keep the saved indexes in --workdir")
    parser.add_argument(
        "--milvus-recall",
        action="store_true",
        help="measure Milvus's dense recall@10 above 20,000 records too (reads every vector back: slow)",
    )
    args = parser.parse_args()
    if args.nprobe and args.backend == "milvus":
        parser.error("--nprobe is the local vector index's setting")
    if args.nprobe:
        index_module.ANN_NPROBE = args.nprobe
    if args.step:  # one size and backend, in a child process
        result = (build if args.step == "build" else serve)(args.sizes[0], args)
        print("RESULT " + json.dumps(result), flush=True)
        return
    backends = BACKENDS if args.backend == "both" else (args.backend,)
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="mengkeju-scale-"))
    print(
        f"date {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, dense query window {DENSE_QUERY_CHARS} "
        f"chars prepared, {LIVE_QUERY_CHARS} live"
    )
    for size in args.sizes:
        by_backend = {}
        for backend in backends:
            results = {}
            for step in ("build", "serve"):
                command = [sys.executable, __file__, str(size), "--step", step, "--cache", args.cache]
                command += ["--queries", str(args.queries), "--workdir", str(workdir), "--backend", backend]
                if args.nprobe and backend == "local":
                    command += ["--nprobe", str(args.nprobe)]
                if args.milvus_recall:
                    command += ["--milvus-recall"]
                done = subprocess.run(command, capture_output=True, text=True)
                lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
                if done.returncode or not lines:
                    raise SystemExit(f"{backend} {step} {size} failed:\n{done.stderr[-3000:]}")
                results[step] = json.loads(lines[-1][7:])
            by_backend[backend] = (results["build"], results["serve"])
            report(size, backend, *by_backend[backend])
            if not args.keep:
                shutil.rmtree(workdir / f"index-{size}", ignore_errors=True)
                shutil.rmtree(milvus_file(workdir, size), ignore_errors=True)
        if len(by_backend) > 1:
            comparison(size, by_backend)


if __name__ == "__main__":
    main()
