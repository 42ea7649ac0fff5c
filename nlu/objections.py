"""Customer objections: a phrase taxonomy per category (common pack + the industry pack).

A phrase does not count when a negation stands right before it (没有质量问题), when its clause says
the opposite (价格没问题 cancels price), or when our side is speaking (我们觉得偏高). Phrases are
matched longest first and a matched span is not reused, so 元气森林给的陈列费高 (a rival's better
terms: competitor) is not also read as 陈列费高 (price). A cheaper rival is no price objection when
the customer praises us (陶氏便宜一千，但田总说我们服务好，暂时不换).
"""
from __future__ import annotations

import re
from functools import cache

from nlu.lexicon import Pack, common
from nlu.note import Note, compile_phrases

CATEGORIES = ("price", "budget", "delivery_time", "quality", "decision_delay", "competitor",
              "payment_terms", "service", "spec")
# Price evidence that only compares with a rival (cancelled by praise of us).
_COMPARATIVE = re.compile(r"比|便宜|低|折")


@cache
def _common_phrases() -> dict[str, list[str]]:
    data = common()["objections"]
    return {c: list(data.get(c, [])) for c in CATEGORIES}


@cache
def _pattern_list(pack: Pack | None) -> list[tuple[str, str]]:
    """(regex, category) longest first; pack phrases are literal."""
    pairs = [(p, c) for c, phrases in _common_phrases().items() for p in phrases]
    if pack is not None:
        pairs += [(re.escape(p), c) for c, phrases in pack.objections.items() if c in CATEGORIES for p in phrases]
    return sorted(set(pairs), key=lambda p: -len(p[0]))


@cache
def _compiled(pack: Pack | None):
    return [(re.compile(p), c) for p, c in _pattern_list(pack)]


@cache
def _guards():
    data = common()["objections"]
    negation = re.compile(rf"(?:{'|'.join(map(re.escape, data['negations']))})$")
    cancels = {c: compile_phrases(re.escape(w) for w in ws) for c, ws in data["cancels"].items()}
    ours = compile_phrases(re.escape(w) for w in data["our_side"])
    praise = compile_phrases(data["praise_of_us"])
    return negation, cancels, ours, praise


# Categories that describe the supplier: said of a rival (TDK那边缺货) they are no objection to us.
_SUPPLIER_SIDE = ("delivery_time", "quality", "service", "spec")


def find_objections(note: Note, price_gap: bool = False, competitors: list[str] = ()) -> list[str]:
    """Objection categories in the order first raised."""
    negation, cancels, ours, praise = _guards()
    praised = bool(praise and praise.search(note.text))
    found: dict[str, int] = {}
    for start, end in note.clauses:
        clause = note.text[start:end]
        if ours and ours.match(clause):
            continue
        rival_subject = any(clause.startswith(c) for c in competitors)
        for pos, category, phrase in _matches(clause, note.pack):
            if rival_subject and category in _SUPPLIER_SIDE and not re.search(r"比我们|我们的?", clause[:pos + len(phrase)]):
                continue
            if negation.search(clause[max(0, pos - 3):pos]) and not phrase.startswith(("不", "没")):
                continue
            cancel = cancels.get(category)
            if cancel is not None and cancel.search(clause):
                continue
            if praised and category in ("price", "competitor") and (category == "competitor" or _COMPARATIVE.search(phrase)):
                continue
            found.setdefault(category, start + pos)
    if price_gap and "price" not in found and not praised:
        found["price"] = len(note.text)
    return sorted(found, key=found.get)


def _matches(clause: str, pack: Pack | None):
    taken: list[tuple[int, int]] = []
    for pattern, category in _compiled(pack):
        for m in pattern.finditer(clause):
            if m.end() == m.start():
                continue
            if any(m.start() < b and a < m.end() for a, b in taken):
                continue
            taken.append((m.start(), m.end()))
            yield m.start(), category, m.group(0)
