"""Chinese (and mixed Latin) tokenization for lexical retrieval and explanations.

`rjieba` (a Rust port of jieba, ~25× faster) segments; search-mode cutting adds the sub-words of
long compounds (扩散工艺 → 扩散, 工艺, 扩散工艺) so a query need not match a listing's exact
compound. A domain dictionary (chain and link names, catalog keywords) keeps technical terms whole.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

import rjieba

STOPWORDS = frozenset(
    """
    的 了 和 与 及 或 等 在 是 为 对 以 于 将 把 被 由 从 其 该 本 此 这 那 一种 一个 我们 我公司 公司 企业 本公司
    可 能 能够 可以 进行 通过 采用 利用 使用 实现 具有 提供 需要 需求 寻求 希望 要求 现 现在 目前 主要 以及 并且 同时
    相关 方面 方法 技术 项目 产品 问题 情况 系统 装置 设备 工艺 研究 开发 应用 领域 行业 方式 方案 合作 解决 提高 降低
    有 无 不 也 都 而 但 如 如何 因此 所以 因为 并 且 又 还 已 已经 之 中 上 下 内 外 后 前 时 个 种 项 些 多 少 很 更 最
    用于 基于 适用 适用于 包括 主要用于 具备 达到 以上 以下 左右 约 及其 一套 一款 一项 cn com www http https
    导致 现有 增加 减少 存在 发生 出现 造成 影响 较高 较低 不足 不够 无法 难以 需 要 该项 其中 一般 往往 经常
    作为 部分 一次 满足 以便 从而 进而 使得 对于 关于 根据 按照 针对 随着 其他 各种 等等 所述 上述 以及其
    """.split()
)
# Generic words above are stopwords for matching, but some (技术, 工艺, 设备…) are fine in a domain
# dictionary entry such as 烧结工艺: the dictionary keeps compounds, the stopword list drops bare words.
TOKEN_OK = re.compile(r"[\u4e00-\u9fff]{2,}|[a-z][a-z0-9\-]*|\d+(?:\.\d+)?[a-z%℃]*", re.IGNORECASE)
_lock = threading.Lock()
_added: set[str] = set()
_vocabulary: frozenset[str] = frozenset()  # _added, lower-cased: rebuilt when terms are added
_preferred: dict[str, list[str]] = {}  # a synonym (lower-cased) -> the tokens of its preferred name


def add_terms(terms: Iterable[str]) -> int:
    """Add domain terms to the segmenter's dictionary (idempotent). Returns how many were new."""
    global _vocabulary
    new = 0
    with _lock:
        for term in terms:
            term = (term or "").strip()
            if 2 <= len(term) <= 20 and term not in _added:
                rjieba.add_word(term, 50000, None)
                _added.add(term)
                new += 1
        if new:
            _vocabulary = frozenset(term.lower() for term in _added)
    return new


def set_synonyms(groups: Iterable[Iterable[str]]) -> None:
    """The synonym dictionary (a region pack's terms.yaml): each group's names, the preferred first.
    A token that is another name of a group becomes the preferred name, on both sides (records and
    queries): 锂电 finds 锂离子电池 and counts as the same word (one concept, one IDF); every name joins
    the segmenter's dictionary and the domain vocabulary. Records indexed before a change keep their
    old tokens until reindexed."""
    global _preferred
    groups = [[t.strip() for t in group if t and t.strip()] for group in groups]
    add_terms(t for group in groups for t in group)
    preferred = {}
    for group in groups:
        if len(group) > 1:
            # As the preferred name is cut where it is written (锂离子电池: 锂离子, 电池 …), so is a synonym.
            words = _tokens(group[0], {}) or [group[0].lower()]
            for term in group[1:]:
                preferred[term.lower()] = words
    with _lock:
        _preferred = preferred


def domain_vocabulary() -> frozenset[str]:
    """The domain terms added so far (lower-cased, as tokens are), for explanations: built once per
    change of the dictionary, not per explanation."""
    return _vocabulary


def tokens(text: str) -> list[str]:
    """Search tokens: segmented, lower-cased, stopwords and punctuation removed, synonyms read as their
    preferred name (`set_synonyms`)."""
    return _tokens(text, _preferred)


def _tokens(text: str, preferred: dict[str, list[str]]) -> list[str]:
    out = []
    for token in rjieba.cut_for_search(text or ""):
        token = token.strip().lower()
        if token and token not in STOPWORDS and TOKEN_OK.fullmatch(token):
            if token in preferred:
                out.extend(preferred[token])
            else:
                out.append(token)
    return out


# Field weights of the searchable words (BM25F in its simplest form: a field's words count this many
# times in one bag of words with one length). A record's title counts twice, its keywords and technical
# field once, its text once; a demand asking the achievements index counts its title twice too
# (`record_query`). Chosen by cross-validation on the dev set: docs/matching.md, "Field weights".
TITLE_REPEAT = 2
KEYWORD_REPEAT = 1
QUERY_TITLE_REPEAT = 2


def document_tokens(title: str, body: str, keywords: str = "") -> list[str]:
    """A record's searchable words: its title TITLE_REPEAT times, its keywords KEYWORD_REPEAT times,
    then its text."""
    parts = [title or ""] * TITLE_REPEAT + [keywords or ""] * KEYWORD_REPEAT + [body or ""]
    return tokens(" ".join(p for p in parts if p))


def record_query(title: str, body: str) -> str:
    """What a record (a demand) asks another index: its title QUERY_TITLE_REPEAT times, then its text.
    The title is the lister's own statement of the need; long texts open with the company's
    background, so the title weighs in BM25's query weights and in the dense model's window."""
    title, body = (title or "").strip(), (body or "").strip()
    return "。".join([title] * QUERY_TITLE_REPEAT * bool(title) + ([body] if body else []))


def key_terms(text: str, limit: int = 40) -> list[str]:
    """Distinct informative terms in order of first appearance (for explanations)."""
    seen: dict[str, None] = {}
    for token in tokens(text):
        if len(token) >= 2 and not token.isdigit():
            seen.setdefault(token, None)
        if len(seen) >= limit:
            break
    return list(seen)
