"""Whether the customer objects with a rival (they prefer it, keep it, or it is their main supplier) or
only names one (a rival they are leaving, one that quoted, one we beat): a logistic model (python-crfsuite
over one-item sequences) of the words around each rival the parser found, trained on annotated notes
(scripts/train_rival_objection.py). nlu/parser.py lets it add or drop the `competitor` objection of a
note that names a rival when it is sure.
"""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

MODEL = Path(__file__).parent / "models" / "rival_objection.crfsuite"
ADD_AT, DROP_AT = 0.8, 0.2

_OURS = re.compile(r"^(?:我|我们|咱们)(?:说|这边|报|答应|觉得|的|可以|只能|会)")


def features(note, spans: list[tuple[int, int]]) -> list[str]:
    """The words of each rival's clause and the next, marked before / after the name, and who speaks."""
    text = note.text
    feats = {"rivals=" + str(min(len({text[s:e] for s, e in spans}), 3))}
    for s, e in spans:
        i = note.clause_index(s)
        lo, hi = note.clauses[i]
        clause = text[lo:hi]
        feats.add("ours" if _OURS.match(clause) else "theirs")
        for side, a, b in (("L", lo, s), ("R", e, hi)):
            words = [w.lower() for w in note.words(a, b) if not w.isspace()] if b > a else []
            for k, w in enumerate(words):
                feats.add(side + "=" + w)
                near = k >= len(words) - 3 if side == "L" else k < 3
                if near:
                    feats.add(side + "n=" + w)
        if i + 1 < len(note.clauses):
            a, b = note.clauses[i + 1]
            for w in note.words(a, b):
                if not w.isspace():
                    feats.add("N=" + w.lower())
    return sorted(feats)


@cache
def _tagger():
    try:
        import pycrfsuite
    except ImportError:
        return None
    if not MODEL.exists():
        return None
    tagger = pycrfsuite.Tagger()
    tagger.open(str(MODEL))
    return tagger


def rival_spans(text: str, rivals: list[str]) -> list[tuple[int, int]]:
    out = []
    for name in rivals:
        i = text.find(name) if name else -1
        while i >= 0:
            out.append((i, i + len(name)))
            i = text.find(name, i + 1)
    return sorted(out)


def probability(note, rivals: list[str]) -> float | None:
    """How likely the note carries the competitor objection, or None without rivals or the model."""
    tagger = _tagger()
    spans = rival_spans(note.text, rivals)
    if tagger is None or not spans:
        return None
    tagger.set([features(note, spans)])
    return tagger.marginal("y", 0)


def with_model(note, raised: list, rivals: list[str]) -> list:
    """The rules' (category, span) list with `competitor` added or dropped where the model is sure."""
    p = probability(note, rivals)
    if p is None:
        return raised
    has = any(c == "competitor" for c, _ in raised)
    if not has and p >= ADD_AT:
        s, _ = rival_spans(note.text, rivals)[0]
        return raised + [("competitor", note.clause_at(s))]
    if has and p <= DROP_AT:
        return [(c, span) for c, span in raised if c != "competitor"]
    return raised
