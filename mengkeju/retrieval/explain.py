"""Why a result matched, in words a broker can read."""

from __future__ import annotations

import html
import re
from collections.abc import Collection
from functools import cache
from pathlib import Path

from .passages import sentences

NUMERIC = re.compile(r"[\d.]+[a-z%℃]*", re.IGNORECASE)
LATIN = re.compile(r"[a-z][a-z0-9\-]*", re.IGNORECASE)
FILLER_FILE = Path(__file__).with_name("explain_stopwords.txt")
# A term found in more than this share of the documents says little about why two records match
# ("作为", "部分", "设计"); with too few documents to tell, every shared term is shown.
COMMON_SHARE = 0.05
MIN_DOCUMENTS_FOR_SHARES = 200
SHOWN_TERMS = 12


@cache
def filler_words() -> frozenset[str]:
    """Words that never explain a match (explain_stopwords.txt): function words, generic verbs and
    adjectives, words of the listing genre, units. They still count in ranking."""
    words = set()
    for line in FILLER_FILE.read_text(encoding="utf-8").splitlines():
        words.update(line.partition("#")[0].split())
    return frozenset(words)


def explains(term: str, domain: Collection[str] = ()) -> bool:
    """Whether a shared term can tell a person why two records match: a domain term always; otherwise
    not a number, not filler, and a Latin word only from three letters on (not "kw", "ph")."""
    if term in domain:
        return True
    if len(term) < 2 or NUMERIC.fullmatch(term) or term in filler_words():
        return False
    return not (LATIN.fullmatch(term) and len(term) < 3)


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
    domain: Collection[str] = (),
    same: dict | None = None,
) -> dict:
    """`share`: each term's share of the documents that hold it (0–1), from the lexical index, which
    holds `documents` documents; rarer shared terms come first and common ones are not shown.
    `domain`: the domain vocabulary (chain and link names, dictionary terms), shown first and never
    dropped as filler. `same`: what both sides share structurally (links, chains, division codes)."""
    # Numbers ("2%", "180"), filler words and units match too easily to explain anything; they
    # still count in BM25.
    query_terms = {t for t in query_tokens if explains(t, domain)}
    doc_terms = set(doc_tokens)
    shared = sorted(query_terms & doc_terms, key=lambda t: (-len(t), t))
    # Keep the longest forms: drop a shared term contained in a longer shared term.
    shared = [t for t in shared if not any(t != other and t in other for other in shared)]
    if share and documents >= MIN_DOCUMENTS_FOR_SHARES:
        # A term in more than COMMON_SHARE of the documents explains nothing (the IDF floor), unless
        # it is a domain term. When nothing is left, nothing is shown: better no reason than filler.
        shared = [t for t in shared if t in domain or share.get(t, 0.0) <= COMMON_SHARE]
        shared.sort(key=lambda t: (t not in domain, share.get(t, 0.0), -len(t), t))
    else:
        shared.sort(key=lambda t: (t not in domain, -len(t), t))
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
        # Structured evidence: the chain links, chains and division both sides share (codes; the
        # platform turns them into words such as "同为稀土·永磁电机环节，同在包头").
        "same": same or {"links": [], "chains": [], "division": None},
    }
