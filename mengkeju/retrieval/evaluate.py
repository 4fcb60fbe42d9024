"""`mengkeju eval-matching`: index a corpus from scratch and score BM25, dense and hybrid retrieval.

    mengkeju eval-matching --corpus achievements.jsonl --queries queries.jsonl --qrels qrels.tsv

Corpus and queries are JSON lines with `id`, `name` (title) and `text`; qrels are TREC lines
`QUERY_ID 0 DOC_ID GRADE`. Queries without any relevant document drop out of the averages.
The last line printed is one JSON object with nDCG@10, Recall@50 and MRR@10 per method.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from .embedding import E5Embedder, EmbeddingCache
from .errors import QueryError
from .index import DENSE_QUERY_CHARS, LIVE_QUERY_CHARS, Boosts, Document, LocalIndex
from .passages import DEFAULT_STRATEGY, PassageStrategy
from .text import record_query, set_synonyms

METRICS = ["ndcg@10", "recall@50", "mrr@10"]
DEFAULT_CACHE = Path(os.environ.get("MENGKEJU_CACHE", Path.home() / ".cache" / "mengkeju")) / "embeddings"


def read_jsonl(path: Path) -> list[dict]:
    """Records with a string `id`; a line that is not a JSON object with an id stops with its number."""
    records = []
    try:
        with path.open(encoding="utf-8") as fh:
            for n, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise SystemExit(f"{path}:{n}: not valid JSON ({exc.msg})") from None
                if not isinstance(record, dict) or record.get("id") in (None, ""):
                    raise SystemExit(f"{path}:{n}: expected a JSON object with an 'id'")
                record["id"] = str(record["id"])
                records.append(record)
    except OSError as exc:
        raise SystemExit(f"{path}: {exc.strerror}") from None
    return records


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    try:
        with path.open(encoding="utf-8") as fh:
            for n, line in enumerate(fh, start=1):
                parts = line.split()
                if not parts:
                    continue
                if len(parts) != 4 or not parts[3].lstrip("-").isdigit():
                    raise SystemExit(f"{path}:{n}: expected 'QUERY_ID 0 DOC_ID GRADE', got {line.strip()!r}")
                qrels.setdefault(parts[0], {})[parts[2]] = int(parts[3])
    except OSError as exc:
        raise SystemExit(f"{path}: {exc.strerror}") from None
    return qrels


class Sections:
    """Classification sections (门类, the part before "——") as chain codes: `k0`, `k1` …"""

    def __init__(self):
        self.codes: dict[str, str] = {}

    def chains(self, record: dict) -> list[str]:
        section = str(record.get("classification") or "").split("——")[0].strip()
        if not section:
            return []
        return [self.codes.setdefault(section, f"k{len(self.codes)}")]

    def links(self, record: dict) -> list[str]:
        return [f"{chain}.section" for chain in self.chains(record)]

    def boosts(self, query: dict, method: str, factor: float) -> Boosts | None:
        """The same-section boost for BM25 and hybrid. Not for dense alone: a multiplicative boost on
        e5's compressed similarities (0.80–0.93) outweighs the similarity itself (dev: 0.536 → 0.419)."""
        if not factor or method == "dense":
            return None
        return Boosts(chains=set(self.chains(query)), chain_factor=factor)


def corpus_documents(corpus: list[dict], sections: Sections) -> list[Document]:
    """The listings as the platform indexes its records: the name is the title, the description the
    text, the technical field (新材料-膜材料) the keyword field, the 门类 a chain."""
    return [
        Document(
            id=r["id"],
            title=str(r.get("name") or ""),
            body=str(r.get("text") or ""),
            keywords=str(r.get("industry") or ""),
            chain_links=sections.links(r),
        )
        for r in corpus
    ]


def query_texts(queries: list[dict]) -> dict[str, str]:
    """A query record asks as a demand asks on the platform (text.record_query: its title weighs twice)."""
    return {q["id"]: record_query(str(q.get("name") or ""), str(q.get("text") or "")) for q in queries}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mengkeju eval-matching", description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", required=True, type=Path)
    parser.add_argument("--queries", required=True, type=Path)
    parser.add_argument("--qrels", required=True, type=Path)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="embedding cache folder")
    parser.add_argument(
        "--passages",
        default=DEFAULT_STRATEGY,
        help=f"full | lead[:N] | chunks[:N] (default {DEFAULT_STRATEGY})",
    )
    parser.add_argument(
        "--fusion", default="rrf", choices=["rrf", "weighted"], help="hybrid fusion (default rrf)"
    )
    parser.add_argument("--rrf-k", type=int, default=10, help="RRF constant (default 10)")
    parser.add_argument("--alpha", type=float, default=0.7, help="dense weight for --fusion weighted")
    parser.add_argument(
        "--dense-query-chars",
        type=int,
        default=DENSE_QUERY_CHARS,
        help=f"query characters the dense model reads (default {DENSE_QUERY_CHARS})",
    )
    parser.add_argument(
        "--live-queries",
        action="store_true",
        help=f"embed each query while searching (its first {LIVE_QUERY_CHARS} characters), as for a query typed or "
        "pasted into the search box; default: prepare the query vectors first, as the platform does "
        "for a demand when it is published",
    )
    parser.add_argument(
        "--classification-boost",
        type=float,
        default=0.1,
        help="score factor for a record in the query's industry section (门类), applied as the platform "
        "applies its same-chain boost (default 0.1, as the platform's, chosen with the passages by "
        "cross-validation: docs/matching.md; 0: off)",
    )
    parser.add_argument(
        "--terms",
        type=Path,
        default=None,
        help="a region pack's terms.yaml: its synonym groups apply to records and queries (default none: "
        "on the dev set the shipped dictionary changes no hybrid result; docs/matching.md)",
    )
    parser.add_argument(
        "--backend",
        default="local",
        choices=["local", "milvus"],
        help="the index implementation (default local); milvus builds a scratch collection in --milvus-uri "
        "and drops it afterwards",
    )
    parser.add_argument(
        "--milvus-uri",
        default=os.environ.get("MILVUS_URI", ""),
        help="with --backend milvus: a Milvus Lite file or http(s)://host:19530 (default $MILVUS_URI, else "
        "a temporary Milvus Lite file)",
    )
    parser.add_argument(
        "--methods",
        default="bm25,dense,hybrid",
        help="comma-separated methods to score (default bm25,dense,hybrid; bm25 alone embeds nothing)",
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also report the relevance floor: what it drops from each method's top 10, and whether any "
        "of that was judged relevant",
    )
    args = parser.parse_args(argv)
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    if not methods or set(methods) - {"bm25", "dense", "hybrid"}:
        raise SystemExit(f"--methods: choose from bm25, dense, hybrid (got {args.methods!r})")

    from ranx import Qrels, Run, evaluate
    from tqdm import tqdm

    corpus = read_jsonl(args.corpus)
    queries = read_jsonl(args.queries)
    qrels_all = read_qrels(args.qrels)
    judged = {q: docs for q, docs in qrels_all.items() if any(g > 0 for g in docs.values())}
    query_ids = {q["id"] for q in queries}
    corpus_ids = {r["id"] for r in corpus}
    missing_queries = sorted(set(judged) - query_ids)
    missing_docs = {d for docs in judged.values() for d, g in docs.items() if g > 0} - corpus_ids
    print(
        f"qrels: {len(qrels_all)} queries judged, {len(judged)} with a relevant document"
        + (f"; {len(missing_queries)} of those not in the queries file (left out)" if missing_queries else "")
        + (f"; {len(missing_docs)} relevant documents not in the corpus" if missing_docs else "")
    )
    queries = [q for q in queries if q["id"] in judged]
    if not queries:
        raise SystemExit("no query has a relevant document in the qrels: nothing to evaluate")

    if args.terms is not None:
        import yaml

        try:
            groups = yaml.safe_load(args.terms.read_text(encoding="utf-8"))["synonyms"]
        except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
            raise SystemExit(f"{args.terms}: not a terms.yaml with synonym groups ({exc})") from None
        set_synonyms(groups)
        print(f"synonyms: {len(groups)} groups from {args.terms}")
    strategy = PassageStrategy.parse(args.passages)
    query_store = None if args.live_queries else EmbeddingCache(None)  # prepared vectors, in memory
    backend, scratch = LocalIndex, None
    if args.backend == "milvus":
        from .milvus import MilvusIndex

        uri = args.milvus_uri
        if not uri:
            scratch = tempfile.TemporaryDirectory(prefix="mengkeju-eval-")
            uri = str(Path(scratch.name) / "milvus.db")
        backend = MilvusIndex.configured(uri, os.environ.get("MILVUS_TOKEN", ""), prefix="mengkeju_eval_")
    index = backend(
        E5Embedder(query_store=query_store),
        cache=EmbeddingCache(args.cache),
        strategy=strategy,
        alpha=args.alpha,
        rrf_k=args.rrf_k,
        dense_query_chars=args.dense_query_chars,
    )
    started = time.perf_counter()
    # The listings' national industry classification (门类——大类) plays the part of the platform's
    # industry chains: a record in the query's 门类 gets the platform's same-chain boost.
    sections = Sections()
    docs = corpus_documents(corpus, sections)
    index.upsert(docs, embed=False)
    passages = sum(len(strategy.texts(d.title, d.body)) for d in docs)
    needs_vectors = methods != ["bm25"]
    with tqdm(
        total=passages if needs_vectors else 0,
        desc=f"embedding ({args.passages})",
        unit=" passages",
        file=sys.stderr,
        disable=not needs_vectors,
    ) as bar:
        embed_started = time.perf_counter()
        # As the platform's rebuild: embed (from the cache where possible) and fit the statistics.
        embedded = index.embed_pending(progress=bar.update) if needs_vectors else 0
        index.refresh()
        embed_seconds = time.perf_counter() - embed_started
    index_seconds = time.perf_counter() - started
    rate = (
        f"embedding {embedded / embed_seconds:.1f} passages/s"
        if embedded
        else "all embeddings from the cache"
    )
    print(
        f"indexed {len(docs)} documents ({passages} passages, {embedded} embedded now, "
        f"{passages - embedded} from cache) in {index_seconds:.1f} s; {rate}"
    )

    texts = query_texts(queries)
    if not args.live_queries and needs_vectors:
        t = time.perf_counter()
        index.embedder.prepare_queries([index.dense_query_text(text) for text in texts.values()])
        print(f"prepared {len(texts)} query vectors in {time.perf_counter() - t:.1f} s (as at publishing)")
    # Judged queries missing from the queries file cannot be asked: they are left out (and said above).
    qrels = Qrels({q: dict(judged[q]) for q in texts})

    def boosts(query: dict) -> Boosts | None:
        return sections.boosts(query, index.fusion_method, args.classification_boost)

    results, floor_report = {}, {}
    for method in methods:
        index.fusion_method = args.fusion if method == "hybrid" else method
        run = {}
        latencies = []
        dropped = dropped_relevant = 0
        for query in queries:
            t = time.perf_counter()
            try:
                hits = index.search(texts[query["id"]], k=100, boosts=boosts(query))
            except QueryError as exc:  # an empty or over-long query ranks nothing (and counts as 0)
                print(f"query {query['id']}: {exc}", file=sys.stderr)
                hits = []
            latencies.append(time.perf_counter() - t)
            run[query["id"]] = {hit.id: hit.score for hit in hits} or {"__none__": 0.0}
            if args.floor and hits:
                kept = {
                    hit.id
                    for hit in index.search(texts[query["id"]], k=100, boosts=boosts(query), floor=True)
                }
                gone = [hit.id for hit in hits[:10] if hit.id not in kept]
                dropped += len(gone)
                dropped_relevant += sum(1 for doc in gone if judged[query["id"]].get(doc, 0) > 0)
        if args.floor:
            floor_report[method] = (dropped, dropped_relevant)
        scores = evaluate(qrels, Run(run), METRICS, make_comparable=True)
        results[method] = {m: round(float(scores[m]), 4) for m in METRICS}
        latencies.sort()
        results[method]["p50_ms"] = round(latencies[len(latencies) // 2] * 1000, 1)

    if args.backend == "milvus":
        index.drop()
        if scratch is not None:
            scratch.cleanup()

    fusion_note = f"rrf k={args.rrf_k}" if args.fusion == "rrf" else f"weighted α={args.alpha}"
    mode = f"live queries ({LIVE_QUERY_CHARS} characters)" if args.live_queries else "prepared query vectors"
    print(
        f"\n{len(queries)} judged queries · backend={args.backend} · passages={args.passages} · "
        f"hybrid={fusion_note} · {mode} · same-section boost {args.classification_boost:g} (bm25, hybrid)"
    )
    print(f"{'method':<8} {'nDCG@10':>8} {'Recall@50':>10} {'MRR@10':>8} {'p50 ms':>8}")
    for method, row in results.items():
        print(
            f"{method:<8} {row['ndcg@10']:>8.4f} {row['recall@50']:>10.4f} {row['mrr@10']:>8.4f} {row['p50_ms']:>8.1f}"
        )
    for method, (dropped, relevant) in floor_report.items():
        precision = f"{(dropped - relevant) / dropped:.3f}" if dropped else "n/a"
        print(
            f"floor ({method}): dropped {dropped} of the top-10 results of {len(queries)} queries, "
            f"{relevant} of them judged relevant (precision of the floor {precision})"
        )
    print(json.dumps({m: {k: v for k, v in row.items() if k in METRICS} for m, row in results.items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
