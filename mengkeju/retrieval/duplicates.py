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


@dataclass(frozen=True)
class Fingerprint:
    """What two records are compared by: the title as typed, its normalised form and the 3-grams of
    title and body."""

    title: str
    name: str
    grams: frozenset[str]

    @classmethod
    def of(cls, title: str, body: str) -> Fingerprint:
        return cls(title, normalise(title), shingles(title + body))

    def against(self, other: Fingerprint, threshold: float = DEFAULT_THRESHOLD) -> tuple[float, bool] | None:
        """(resemblance, same title) when `other` duplicates this record, else None."""
        alike, same_title = resemblance(self.grams, other.grams), self.name == other.name
        return (alike, same_title) if is_duplicate(alike, same_title, self.title, threshold) else None


def distinct(records: list[tuple[str, str]], threshold: float = DEFAULT_THRESHOLD) -> list[int]:
    """Positions of the (title, body) records to keep, in order: each one unless it duplicates one
    kept before it (for a ranked list: the best-ranked copy stays)."""
    kept: list[tuple[int, Fingerprint]] = []
    for i, (title, body) in enumerate(records):
        mine = Fingerprint.of(title, body)
        if not any(mine.against(other, threshold) for _j, other in kept):
            kept.append((i, mine))
    return [i for i, _f in kept]
