"""Why a result matched, in words a broker can read."""

from __future__ import annotations

import html
import re

from .passages import sentences

NUMERIC = re.compile(r"[\d.]+[a-z%℃]*", re.IGNORECASE)
# A term found in more than this share of the documents says little about why two records match
# ("作为", "部分", "设计"); with too few documents to tell, every shared term is shown.
COMMON_SHARE = 0.05
MIN_DOCUMENTS_FOR_SHARES = 200
SHOWN_TERMS = 12


def _mark(sentence: str, terms: list[str]) -> str:
    escaped = html.escape(sentence)
    for term in sorted(terms, key=len, reverse=True):
        escaped = re.sub(
            re.escape(html.escape(term)), lambda m: f"<mark>{m.group(0)}</mark>", escaped, flags=re.I
        )
    return re.sub(r"</mark>(\s*)<mark>", r"\1", escaped)


def explain(
    query_tokens: list[str],
    doc,
    doc_tokens: list[str],
    filters: list[str],
    boost: float | None,
    *,
    truncated: bool = False,
    share: dict[str, float] | None = None,
    documents: int = 0,
) -> dict:
    """`share`: each term's share of the documents that hold it (0–1), from the lexical index, which
    holds `documents` documents; rarer shared terms come first and common ones are not shown."""
    # Numbers ("2%", "180") match too easily to explain anything; they still count in BM25.
    query_terms = {t for t in query_tokens if len(t) >= 2 and not NUMERIC.fullmatch(t)}
    doc_terms = set(doc_tokens)
    shared = sorted(query_terms & doc_terms, key=lambda t: (-len(t), t))
    # Keep the longest forms: drop a shared term contained in a longer shared term.
    shared = [t for t in shared if not any(t != other and t in other for other in shared)]
    if share and documents >= MIN_DOCUMENTS_FOR_SHARES:
        specific = [t for t in shared if share.get(t, 0.0) <= COMMON_SHARE]
        # Rarer first; if every shared term is common, the three rarest still say something.
        shared = sorted(specific or shared, key=lambda t: (share.get(t, 0.0), -len(t), t))
        shared = shared if specific else shared[:3]
    best, best_hits = (sentences(doc.body) or [doc.title])[0], -1
    for sentence in sentences(doc.body) or [doc.title]:
        hits = sum(1 for t in shared if t in sentence.lower())
        if hits > best_hits:
            best, best_hits = sentence, hits
    return {
        "shared_terms": shared[:SHOWN_TERMS],
        "passage": _mark(best[:300], shared),
        "filters": filters,
        "boost": boost or 0.0,
        "query_truncated": truncated,
    }
