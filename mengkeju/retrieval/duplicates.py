"""Near-duplicate listings: the same achievement or demand posted twice (often under another id, with
a character dropped, a date changed or a sentence added).

Candidates come from the lexical index (a duplicate shares nearly every term, so it ranks at the top
of a BM25 search with the record's own text); each candidate is then compared with the record by the
resemblance of their character 3-gram sets (Jaccard), which is robust to small edits and does not
depend on word segmentation."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

SHINGLE = 3
# Measured on the public tech-market listings (docs/matching.md): a listing posted twice resembles its
# copy at 0.8 and above; below that, pairs with different titles are related work (sibling patents, the
# next variety of a crop), while pairs with the same specific title are the same achievement written up
# twice (one with "应用领域…摘要…", one with "现有技术的问题…") even at 0.35.
DEFAULT_THRESHOLD = 0.8
SAME_TITLE_THRESHOLD = 0.3
SPECIFIC_TITLE_CHARS = 8  # shorter titles ("纺织机", "龙稻18") say too little to count as the same
_NOT_TEXT = re.compile(r"[\W_]+", re.UNICODE)


@dataclass(frozen=True)
class Duplicate:
    id: str
    resemblance: float  # Jaccard of character 3-gram sets, 0..1
    same_title: bool


def is_duplicate(alike: float, same_title: bool, title: str, threshold: float = DEFAULT_THRESHOLD) -> bool:
    """Near-copy text, or the same specific title with a clearly related text."""
    if alike >= threshold:
        return True
    return same_title and len(normalise(title)) >= SPECIFIC_TITLE_CHARS and alike >= SAME_TITLE_THRESHOLD


def normalise(text: str) -> str:
    """Full-width to half-width, lower case, punctuation and spaces removed."""
    return _NOT_TEXT.sub("", unicodedata.normalize("NFKC", text or "").lower())


def shingles(text: str, n: int = SHINGLE) -> frozenset[str]:
    text = normalise(text)
    if len(text) <= n:
        return frozenset([text]) if text else frozenset()
    return frozenset(text[i : i + n] for i in range(len(text) - n + 1))


def resemblance(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def distinct(records: list[tuple[str, str]], threshold: float = DEFAULT_THRESHOLD) -> list[int]:
    """Positions of the (title, body) records to keep, in order: each one unless it duplicates one
    kept before it (for a ranked list: the best-ranked copy stays)."""
    kept: list[tuple[int, frozenset[str], str]] = []
    for i, (title, body) in enumerate(records):
        grams, name = shingles(title + body), normalise(title)
        if not any(is_duplicate(resemblance(grams, g), name == n, title, threshold) for _j, g, n in kept):
            kept.append((i, grams, name))
    return [i for i, _g, _n in kept]
