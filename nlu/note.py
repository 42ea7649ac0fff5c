"""A dictated note prepared for the extractors: cleaned text, clauses, the pack in use.

Cleaning keeps the text as spoken (extracted strings must be substrings of it after NFKC and
whitespace removal): it only removes spaces, filler words, and turns the spoken connective 然后 into a
clause break.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from nlu.lexicon import Pack, common

from nlu.normalize import normalize, strip_fillers

CJK = "\u3400-\u9fff"
CLAUSE_BREAKS = "，。；！？,;!?：:\n…~"
def clean(text: str) -> tuple[str, frozenset[int]]:
    """Normalised text (NFKC, Simplified, no fillers, no spaces between Chinese words) and the
    places where a spoken space was removed: word boundaries the extractors may use."""
    text = strip_fillers(normalize(text))
    out: list[str] = []
    breaks: set[int] = set()
    for i, ch in enumerate(text):
        if ch == " " and 0 < i < len(text) - 1 and (_joins(text[i - 1]) or _joins(text[i + 1])):
            breaks.add(len(out))
            continue
        out.append(ch)
    return "".join(out), frozenset(breaks)


def _joins(ch: str) -> bool:
    """Spaces next to a Chinese character are spoken pauses, not part of a name."""
    return bool(re.match(rf"[{CJK}，。、,.;:!?]", ch))


@cache
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def tokens(s: str) -> list[str]:
    """Words of s (one base jieba dictionary, no HMM: stable and fast)."""
    return _jieba().lcut(s, HMM=False) if s else []


@dataclass
class Note:
    text: str
    ref: datetime
    pack: Pack | None
    clauses: list[tuple[int, int]] = field(default_factory=list)
    breaks: frozenset[int] = frozenset()

    @classmethod
    def build(cls, raw: str, ref: datetime, pack: Pack | None) -> "Note":
        text, breaks = clean(raw)
        return cls(text=text, ref=ref, pack=pack, clauses=split_clauses(text), breaks=breaks)

    def clause_at(self, index: int) -> tuple[int, int]:
        """The (start, end) of the clause holding index."""
        for start, end in self.clauses:
            if start <= index < end:
                return start, end
        return (0, len(self.text))

    def clause_index(self, index: int) -> int:
        for i, (start, end) in enumerate(self.clauses):
            if start <= index < end:
                return i
        return len(self.clauses) - 1

    def clause_text(self, index: int) -> str:
        start, end = self.clause_at(index)
        return self.text[start:end]


def split_clauses(text: str) -> list[tuple[int, int]]:
    """Spans between clause punctuation (the punctuation itself belongs to no clause)."""
    spans, start = [], 0
    for i, ch in enumerate(text):
        if ch in CLAUSE_BREAKS:
            if i > start:
                spans.append((start, i))
            start = i + 1
    if start < len(text):
        spans.append((start, len(text)))
    return spans or [(0, len(text))]


def compile_phrases(phrases) -> re.Pattern | None:
    """One regex for a list of phrases (each may itself be a small regex), longest first."""
    phrases = sorted({p for p in phrases if p}, key=len, reverse=True)
    return re.compile("|".join(f"(?:{p})" for p in phrases)) if phrases else None


def words(section: str, key: str) -> list[str]:
    return list(common()[section][key])
