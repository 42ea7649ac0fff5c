"""Where a note names a rival: a sequence labeller (CRF, python-crfsuite) over the note's characters,
trained on annotated notes (scripts/train_competitor_crf.py).

The rules (nlu/competitors.py) know the packs' brands and a set of phrasings; the model learns from
the annotated notes how reps speak of a rival around its name (X那边给的, 之前一直从X拿货, 竞争对手有X,
X也报过价, 用X十年了), so a rival the packs do not know and a phrasing the rules lack are still found.
Its features are the characters, jieba's words and the words around them, the known brands, and what
the parser already knows to be someone else (the customer's company, the contacts).
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

MODEL = Path(__file__).parent / "models" / "competitors.crfsuite"


def _class(ch: str) -> str:
    if ch.isdigit():
        return "D"
    if ch.isascii() and ch.isalpha():
        return "U" if ch.isupper() else "L"
    if "\u4e00" <= ch <= "\u9fff":
        return "H"
    return "S" if ch == " " else "P"


def features(note, others: list[tuple[int, int]]) -> list[list[str]]:
    """One feature list per character of note.text; `others`: spans known to be no rival (the
    customer's company, the contacts). The lists without those marks are built once per note (the
    company labeller asks for them too)."""
    base = note.crf_base
    if base is None:
        base = note.crf_base = _base_features(note)
    out = list(base)
    n = len(out)
    for s, e in others:
        for i in range(max(0, s), min(e, n)):
            if out[i] is base[i]:
                out[i] = base[i] + ["other"]
    return out


def items(note, others: list[tuple[int, int]]):
    """The labellers' input as one pycrfsuite.ItemSequence, converted once per note and set of `others`:
    the company and product-name labellers mark the same spans (the contacts) and share it, and so does
    the rival labeller where the note has no company. Converting the feature strings is about half of
    a tagging."""
    import pycrfsuite

    key = tuple(others)
    seq = note.crf_items.get(key)
    if seq is None:
        seq = note.crf_items[key] = pycrfsuite.ItemSequence(features(note, others))
    return seq


def _base_features(note) -> list[list[str]]:
    """Built a feature kind at a time (a note is 100-200 characters)."""
    text = note.text
    n = len(text)
    where = ["S"] * n
    word_at = [""] * n
    ctx = [()] * n  # the words before and after the character's word
    words: list[tuple[int, int]] = []
    for lo, hi in note.clauses:
        pos = lo
        for w in note.words(lo, hi):
            if not w.isspace():
                words.append((pos, pos + len(w)))
            pos += len(w)
    strings = [text[s:e] for s, e in words]
    for k, (s, e) in enumerate(words):
        word = strings[k]
        near = []
        if k:
            near.append("pw=" + strings[k - 1])
            if k > 1:
                near.append("pw2=" + strings[k - 2] + strings[k - 1])
        if k + 1 < len(words):
            near.append("nw=" + strings[k + 1])
            if k + 2 < len(words):
                near.append("nw2=" + strings[k + 1] + strings[k + 2])
        if len(word) <= 4:
            near.append("wd=" + word.lower())
        if word[:1].isascii() and word[:1].isalpha():
            near.append("shape=" + _shape(word))
        near = tuple(near)
        for i in range(s, min(e, n)):
            ctx[i] = near
        if e - s > 1:
            where[s] = "B"
            for i in range(s + 1, min(e, n) - 1):
                where[i] = "M"
            if e - 1 < n:
                where[e - 1] = "E"
    known = ["kn="] * n
    for s, e, _ in note.rival_terms():
        for i in range(s, min(e, n)):
            known[i] = "kn=B" if i == s else "kn=I"
    marks = [()] * n
    for i in note.breaks:
        if i < n:
            marks[i] = marks[i] + ("pause",)
    padded = "^^" + text.lower() + "$$"
    classes = "^^" + "".join([_class(c) for c in text]) + "$$"
    return [["c=" + padded[k], "t=" + classes[k], "p1=" + padded[k - 1], "n1=" + padded[k + 1],
             "b-=" + padded[k - 1:k + 1], "b+=" + padded[k:k + 2], "tt=" + classes[k - 1:k + 2],
             "w=" + where[k - 2], known[k - 2], *ctx[k - 2], *marks[k - 2]]
            for k in range(2, n + 2)]


def _shape(word: str) -> str:
    """Quectel -> Aa6, NSK -> A3, iPhone -> aAa6: how a Latin word is written."""
    kind = "A" if word.isupper() else "Aa" if word[0].isupper() else "a"
    return kind + str(min(len(word), 6))


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


def rival_spans(note, others: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans the model labels as rivals, in text order."""
    tagger = _tagger()
    if tagger is None or not note.text:
        return []
    labels = tagger.tag(items(note, others))
    spans, start = [], None
    for k, label in enumerate(labels + ["O"]):
        if label != "I" and start is not None:
            spans.append((start, k))
            start = None
        if label == "B" or label == "I" and start is None:
            start = k
    return spans
