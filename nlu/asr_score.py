"""Character error rate the way ../shared/tools/score_asr.py computes it (for tests and the bench)."""
from __future__ import annotations

import re
import unicodedata

from nlu.evaluate import norm, num

_DIGITS = dict(zip("0123456789", "零一二三四五六七八九"))


def normalise(text: str) -> str:
    """NFKC, Simplified, no punctuation or spaces, lower case, digits as Chinese numerals, 两 -> 二."""
    from nlu.asr import to_simplified

    text = to_simplified(unicodedata.normalize("NFKC", text or ""))
    text = re.sub(r"[\W_]+", "", text).lower()
    return "".join(_DIGITS.get(c, c) for c in text).replace("两", "二")


def edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(edits, reference length) after normalising both."""
    ref = normalise(reference)
    return edit_distance(ref, normalise(hypothesis)), len(ref)


def cer(pairs) -> float:
    """Corpus CER over (reference, hypothesis) pairs: total edits / total reference characters."""
    edits = total = 0
    for reference, hypothesis in pairs:
        e, n = errors(reference, hypothesis)
        edits, total = edits + e, total + n
    return edits / max(total, 1)


# The facts of a dictation the issue scores speech by (customer, items, objections, competitors),
# normalised like ../shared/tools/score_notes.py (NOTES_SCHEMA.md).
FACT_SLOTS = ("customer.name", "customer.company", "items", "objections", "competitors")


def facts(extraction: dict) -> set[tuple]:
    """(slot, value) pairs of one parsed note."""
    out = set()
    customer = extraction.get("customer") or {}
    for key in ("name", "company"):
        if isinstance(customer, dict) and customer.get(key):
            out.add((f"customer.{key}", norm(customer[key])))
    for item in extraction.get("items") or []:
        if isinstance(item, dict):
            out.add(("items", (norm(item.get("product")), num(item.get("quantity")), norm(item.get("unit")))))
    out |= {("objections", o) for o in extraction.get("objections") or []}
    out |= {("competitors", norm(c)) for c in extraction.get("competitors") or []}
    return out


def facts_found(reference: str, hypothesis: str, parse=None) -> tuple[int, int, int]:
    """(facts of the reference the transcript gives too, facts of the reference, wrong facts), both
    texts read by the parser."""
    if parse is None:
        from nlu.parser import parse
    gold, got = facts(parse(reference)), facts(parse(hypothesis))
    return len(gold & got), len(gold), len(got - gold)
