"""Where a quantity's product is: a sequence labeller (CRF, python-crfsuite) over a window of characters
around each quantity, trained on annotated notes (scripts/train_product_crf.py).

The packs stay the knowledge: a character inside a pack product term is one of the features, next to
the characters themselves, jieba's word boundaries, whether a word is a function word, and how far the
quantity is. The parser asks `product_span(note, q)` for the span the model labels nearest the quantity
in its window; the rules decide whether to use it (nlu/items.py).
"""
from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

log = logging.getLogger(__name__)
MODEL = Path(__file__).parent / "models" / "products.crfsuite"
BEFORE, AFTER = 14, 10  # the window: characters before the quantity and after it, within its clause
_NUMERAL = set("0123456789零一二两三四五六七八九十百千万亿.")


def window(note, q) -> tuple[int, int]:
    lo, hi = note.clause_at(q.start)
    return max(lo, q.start - BEFORE), min(hi, q.end + AFTER)


def features(note, q, lo: int, hi: int) -> list[list[str]]:
    """One feature list per character of note.text[lo:hi]."""
    from nlu.note import is_function_word

    seg = note.text[lo:hi]
    size = len(seg)
    at_char: list[tuple[str, str, bool]] = []  # (position in word, word, is a function word) per character
    for word in note.words(lo, hi):
        n, fw = len(word), is_function_word(word)
        if n == 1:
            at_char.append(("S", word, fw))
        else:
            at_char.append(("B", word, fw))
            at_char.extend([("M", word, fw)] * (n - 2))
            at_char.append(("E", word, fw))
    pack = [""] * size
    if note.pack is not None:
        for s, e, _ in note.pack.product_terms(seg):
            for k in range(s, e):
                pack[k] = "B" if k == s else "I"
    classes = "".join(map(_CLASSES.__getitem__, seg))
    padded = "^^" + seg + "$$"
    breaks = note.breaks
    q_start, q_end = q.start, q.end
    named = _NAMED.__getitem__  # ("c=x", "p1=x", "n1=x", "p2=x", "n2=x") of one character
    out = []
    for k, ch in enumerate(seg):
        i = lo + k
        if k < len(at_char):
            where, word, fw = at_char[k]
        else:
            where, word, fw = "S", ch, any(w == ch and f for _, w, f in at_char)
        p1, n1 = padded[k + 1], padded[k + 3]
        f = [
            named(ch)[0], _CLASS_NAMES[classes[k]], named(p1)[1], named(n1)[2], named(padded[k])[3],
            named(padded[k + 4])[4], "b1=" + p1 + ch, "b2=" + ch + n1, _WHERE_NAMES[where], _PACK_NAMES[pack[k]],
            "cls=" + classes[max(0, k - 2):k + 3],
        ]
        if len(word) <= 4:
            f.append("tok=" + word)
        if fw:
            f.append("fw")
        if q_start <= i < q_end:
            f.append("inq")
        elif i < q_start:
            f.append(_BEFORE_Q[q_start - i] if q_start - i < len(_BEFORE_Q) else "dq=-far")
        else:
            f.append(_AFTER_Q[i - q_end + 1] if i - q_end + 1 < len(_AFTER_Q) else "dq=+far")
        if i in breaks:
            f.append("pause")
        out.append(f)
    return out


class _ByCharacter(dict):
    """A small, bounded memo of one character's static facts (its class, its feature names)."""

    def __init__(self, make):
        super().__init__()
        self._make = make

    def __missing__(self, ch: str):
        value = self[ch] = self._make(ch)
        return value


def _class_of(ch: str) -> str:
    return _CLASSES[ch]


def _cls(ch: str) -> str:
    if ch in _NUMERAL:
        return "D"
    if ch.isascii() and ch.isalpha():
        return "L"
    if "\u4e00" <= ch <= "\u9fff":
        return "H"
    return "P"


def _bucket(n: int) -> str:
    return str(n) if n <= 3 else "4-6" if n <= 6 else "7-10" if n <= 10 else "far"


_CLASSES = _ByCharacter(lambda ch: _cls(ch))
_NAMED = _ByCharacter(lambda ch: ("c=" + ch, "p1=" + ch, "n1=" + ch, "p2=" + ch, "n2=" + ch))
_CLASS_NAMES = {c: "cl=" + c for c in "DLHP"}
_WHERE_NAMES = {w: "w=" + w for w in "SBME"}
_PACK_NAMES = {p: "pk=" + p for p in ("", "B", "I")}
_BEFORE_Q = ["dq=-" + _bucket(n) for n in range(12)]  # the distance features, built once (11 and on: far)
_AFTER_Q = ["dq=+" + _bucket(n) for n in range(12)]


@cache
def _tagger():
    """The trained model, or None when the file or python-crfsuite is missing (the rules then work alone)."""
    try:
        import pycrfsuite
    except ImportError:
        return None
    if not MODEL.exists():
        return None
    tagger = pycrfsuite.Tagger()
    tagger.open(str(MODEL))
    return tagger


def product_span(note, q) -> tuple[int, int] | None:
    """The product span the model labels nearest the quantity (before it first), or None."""
    tagger = _tagger()
    if tagger is None:
        return None
    lo, hi = window(note, q)
    if hi <= lo:
        return None
    labels = tagger.tag(features(note, q, lo, hi))
    spans, start = [], None
    for k, label in enumerate(labels + ["O"]):
        if label == "B" or label == "O" and start is not None or label == "I" and start is None:
            if start is not None:
                spans.append((lo + start, lo + k))
                start = None
            if label in ("B", "I"):
                start = k
    if not spans:
        return None
    before = [s for s in spans if s[1] <= q.start]
    after = [s for s in spans if s[0] >= q.end]
    return before[-1] if before else after[0] if after else None
