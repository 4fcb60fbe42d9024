"""Records as Milvus rows: BM25's document-side weights over hashed terms, the filter expression, and
the way back from a row to a `Document`."""

from __future__ import annotations

import hashlib
from collections import Counter

import numpy as np

from .errors import FilterError
from .explain import COMMON_SHARE, explain
from .index import STRICT_COVERAGE, same_parts
from .interface import Document, Filters, id_order
from .lexical import idf
from .text import document_tokens, domain_vocabulary

K1, B = 1.2, 0.75  # as lexical.BM25Matrix
DIMENSIONS = 4_294_967_294  # sparse dimensions are 32-bit; the last one is the empty record's
EMPTY_KEY = DIMENSIONS  # a record with no searchable word keeps one inert dimension
TEXT_BYTES = 65_535  # Milvus VARCHAR limit (bytes)


def term_key(term: str) -> int:
    """A term's sparse dimension: 32 bits of its blake2b hash (collisions merge two terms' counts; at
    a million distinct terms a few hundred pairs share a dimension, each pair rare words)."""
    return int.from_bytes(hashlib.blake2b(term.encode(), digest_size=4).digest(), "little") % DIMENSIONS


def weights(keys: Counter, dl: int, avgdl: float) -> dict[int, float]:
    norm = K1 * (1 - B + B * dl / max(avgdl, 1e-9))
    return {int(k): float(tf / (tf + norm)) for k, tf in keys.items()} or {EMPTY_KEY: 1.0}


def counts(sparse: dict, dl: int, avgdl: float) -> Counter:
    """The term counts behind a row's weights (w = tf/(tf+norm) → tf = w·norm/(1−w))."""
    norm = K1 * (1 - B + B * dl / max(avgdl, 1e-9))
    return Counter({int(k): round(w * norm / (1 - w)) for k, w in sparse.items() if int(k) != EMPTY_KEY})


def literal(value: str) -> str:
    if not isinstance(value, str) or any(c in value for c in "\"'\\\n"):
        raise FilterError(f"unsupported filter value {value!r}")
    return f'"{value}"'


def expression(filters: Filters) -> str:
    """The filters as a Milvus boolean expression ("" for none)."""
    parts = []
    for name, field in (("chains", "chains"), ("chain_links", "links"), ("modes", "modes")):
        values = sorted(getattr(filters, name))
        if values:
            parts.append(f"ARRAY_CONTAINS_ANY({field}, [{', '.join(map(literal, values))}])")
    if filters.divisions:
        parts.append(f"division in [{', '.join(map(literal, sorted(filters.divisions)))}]")
    if filters.trl_min is not None:
        parts.append(f"trl >= {int(filters.trl_min)}")
    if filters.trl_max is not None:
        parts.append(f"(trl > 0 and trl <= {int(filters.trl_max)})")
    if filters.price_max is not None:
        parts.append(f"(price is null or price <= {float(filters.price_max)!r})")
    return " and ".join(parts)


def clip(text: str) -> str:
    data = (text or "").encode()
    return text if len(data) <= TEXT_BYTES else data[:TEXT_BYTES].decode(errors="ignore")


def document(row: dict) -> Document:
    price = row.get("price")
    return Document(
        id=row["id"],
        title=row.get("title") or "",
        body=row.get("body") or "",
        keywords=row.get("keywords") or "",
        chain_links=list(row.get("links") or []),
        division=row.get("division") or "",
        trl=int(row["trl"]) or None if row.get("trl") is not None else None,
        modes=list(row.get("modes") or []),
        price=None if price is None else float(price),
    )


def cut(positions, scores, found: set[str], ids: list[str], m: int, valid) -> np.ndarray:
    """Positions (in `ids` order) of the `m` best of those one side `found`, ties in id order."""
    mine = [int(p) for p in positions if ids[p] in found and valid[p]]
    mine.sort(key=lambda p: (-float(scores[p]), id_order(ids[p])))
    return np.asarray(sorted(mine[:m]), dtype=np.int64)


def dot(weights: dict[int, float], sparse: dict) -> float:
    return float(sum(w * float(sparse.get(key, 0.0)) for key, w in weights.items()))


def record_collection(client, dim: int) -> dict:
    """Schema and indexes of a kind's collection: a record per row (see milvus.py)."""
    from pymilvus import DataType

    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=128)
    schema.add_field("title", DataType.VARCHAR, max_length=TEXT_BYTES)
    schema.add_field("body", DataType.VARCHAR, max_length=TEXT_BYTES)
    schema.add_field("keywords", DataType.VARCHAR, max_length=TEXT_BYTES)
    for field, capacity in (("links", 256), ("chains", 64), ("modes", 64)):
        schema.add_field(
            field, DataType.ARRAY, element_type=DataType.VARCHAR, max_capacity=capacity, max_length=64
        )
    schema.add_field("division", DataType.VARCHAR, max_length=64)
    schema.add_field("trl", DataType.INT64)  # 0: unknown
    schema.add_field("price", DataType.DOUBLE, nullable=True)
    schema.add_field("dl", DataType.INT64)  # searchable words (text.document_tokens)
    schema.add_field("avgdl", DataType.DOUBLE)  # the average length the weights were computed with
    schema.add_field("embedded", DataType.BOOL)
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_field("vec", DataType.FLOAT_VECTOR, dim=dim)
    index = client.prepare_index_params()
    index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
    index.add_index("vec", index_type="HNSW", metric_type="IP", params={"M": 16, "efConstruction": 200})
    index.add_index("embedded", index_type="INVERTED")  # the writer asks for `embedded == false`
    return {"schema": schema, "index_params": index}


def keyed_collection(client, field: str, kind: str) -> dict:
    """A table in Milvus: a key, one value, and the vector field Milvus requires ({key: 1})."""
    from pymilvus import DataType

    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    if kind == "INT64":  # a term's document frequency, keyed by its dimension
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field(field, DataType.INT64)
    else:  # a kind's generation record, keyed by the kind
        schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=128)
        schema.add_field(field, DataType.VARCHAR, max_length=TEXT_BYTES)
    schema.add_field("key", DataType.SPARSE_FLOAT_VECTOR)
    index = client.prepare_index_params()
    index.add_index("key", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
    return {"schema": schema, "index_params": index}


def explanation(row, query_tokens, described, boost, truncated, boosts, shares) -> dict:
    doc = document(row)
    share, documents = shares()
    return explain(
        query_tokens,
        doc,
        document_tokens(doc.title, doc.body, doc.keywords),
        described,
        boost,
        truncated=truncated,
        share=share,
        documents=documents,
        domain=domain_vocabulary(),
        same=same_parts(doc.chain_links, doc.division or None, boosts),
    )


def evidence(rows: list[dict], counts: Counter, df: dict[int, int], n: int, *, strict: bool) -> np.ndarray:
    """As LocalIndex._evidence: a share of the query's IDF mass (strict), or one specific term."""
    keep = np.zeros(len(rows), dtype=bool)
    if strict:
        weights = {key: float(idf(np.array([df.get(key, 0)]), n)[0]) for key in counts}
        total = sum(weights.values())
    else:
        weights = {key: 1.0 for key in counts if 0 < df.get(key, 0) <= max(COMMON_SHARE * n, 1)}
        total = 1.0
    if not weights or total <= 0:
        return keep
    for j, row in enumerate(rows):
        held = sum(w for key, w in weights.items() if key in row["sparse"])
        keep[j] = held / total >= STRICT_COVERAGE if strict else held > 0
    return keep
