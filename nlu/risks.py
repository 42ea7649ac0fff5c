"""Verbal promises beyond standard terms: 免费, 赠送, 送…个月, 保证, 包退包换, 无条件, 最低价 and the like.

The phrases live in the phrase packs ([risks] of common.toml, plus a pack's own [risks]). A phrase
right after a negation in the same clause promises nothing (不能保证, 没有免费, 不提供免费); a phrase
inside a standard term (保证金, 免费送货) is not a risk. Each hit gives the whole sentence, which the
manager reads: {"text": sentence, "phrase": what matched}.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache

from nlu.lexicon import PACK_DIR, common, find_pack

SENTENCE_END = re.compile(r"[。！？!?；;\n]+")
CLAUSE_BREAK = "，,、：:"
# Between a negation and the phrase only a verb may stand (不提供免费, 不能再送三个月).
VERB_CHARS = set("能会可以敢再给提供做承诺是有要用说包")
NOT_NEGATION = ("不仅", "不但", "不光", "不只", "不管", "不论")
MAX_GAP = 3


@dataclass(frozen=True)
class RiskWords:
    phrases: re.Pattern | None
    standard: tuple[str, ...]
    negations: tuple[str, ...]


def _compile(phrases: list[str]) -> re.Pattern | None:
    valid = []
    for p in phrases:
        try:
            re.compile(p)
            valid.append(p)
        except re.error:
            continue
    valid.sort(key=len, reverse=True)
    return re.compile("|".join(f"(?:{p})" for p in valid)) if valid else None


@cache
def risk_words(industry: str | None = None) -> RiskWords:
    base = common().get("risks") or {}
    phrases, standard = list(base.get("phrases") or []), list(base.get("standard") or [])
    pack = find_pack(industry) if industry else None
    if pack is not None:
        try:
            with open(PACK_DIR / f"{pack.slug}.toml", "rb") as f:
                extra = tomllib.load(f).get("risks") or {}
            phrases += extra.get("phrases") or []
            standard += extra.get("standard") or []
        except (OSError, tomllib.TOMLDecodeError):
            pass
    negations = tuple(sorted(base.get("negations") or ["不", "没"], key=len, reverse=True))
    return RiskWords(_compile([str(p) for p in phrases]), tuple(str(s) for s in standard if s), negations)


def negated(clause_before: str, negations: tuple[str, ...]) -> bool:
    """True when the text just before a phrase ends in a negation and at most a few verb characters."""
    tail = clause_before[-(MAX_GAP + 3):]
    for neg in negations:
        index = tail.rfind(neg)
        while index >= 0:
            gap = tail[index + len(neg):]
            if len(gap) <= MAX_GAP and all(ch in VERB_CHARS for ch in gap) \
                    and not any(tail[index:].startswith(n) for n in NOT_NEGATION):
                return True
            index = tail.rfind(neg, 0, index)
    return False


def _inside_standard(sentence: str, start: int, end: int, standard: tuple[str, ...]) -> bool:
    for term in standard:
        for m in re.finditer(re.escape(term), sentence):
            if m.start() <= start and end <= m.end() or (start <= m.start() < end):
                return True
    return False


def find_risks(text: str, industry: str | None = None) -> list[dict]:
    """Each sentence that promises beyond standard terms, once per phrase."""
    if not isinstance(text, str) or not text:
        return []
    words = risk_words(industry)
    if words.phrases is None:
        return []
    out, seen = [], set()
    for sentence in SENTENCE_END.split(text):
        sentence = sentence.strip()
        for m in words.phrases.finditer(sentence):
            if _inside_standard(sentence, m.start(), m.end(), words.standard):
                continue
            before = sentence[:m.start()]
            clause = before[max((before.rfind(c) for c in CLAUSE_BREAK), default=-1) + 1:]
            if negated(clause, words.negations):
                continue
            key = (sentence, m.group())
            if key not in seen:
                seen.add(key)
                out.append({"text": sentence, "phrase": m.group()})
    return out
