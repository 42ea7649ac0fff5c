"""A learned second opinion on the objection rules: per category, how likely the note carries it, from the
rules' finding and the words of each clause marked by who speaks there (the customer, our side, or nobody
said). A logistic model per category, trained with python-crfsuite over one-item sequences on annotated
notes (scripts/train_objections.py) and shipped as its weights (nlu/models/objections.json: per feature,
its weight towards each category), so that a note costs one pass over its features; nlu/parser.py lets it
add a category the rules missed where it is sure.
`competitor` is left to nlu/rival_objection.py, `price` to the rules (its readers of amounts and of
rivals dearer or cheaper: 他说华为比我们贵不少 is no objection, however it reads word by word).
"""
from __future__ import annotations

import json
import math
import re
from functools import cache
from pathlib import Path

from nlu.objections import CATEGORIES, _THEIR_VOICE, _guards, said_categories

MODEL = Path(__file__).parent / "models" / "objections.json"
ADD_AT = 0.8  # dropping a rule's finding when the model is all but sure it is wrong lost on unseen notes
JUDGED = tuple(c for c in CATEGORIES if c not in ("competitor", "price"))
_SENTENCE_END = "。！？!?；;\n"
_DIGITS = re.compile(r"\d+(?:\.\d+)?")


def voices(note) -> list[str]:
    """Who speaks in each clause: 'c' the customer (a cue of theirs), 'o' our side (a cue of ours at its
    start), else the voice of the clause before in the same sentence, else 'n'."""
    ours = _guards()[2]
    out, last = [], "n"
    for start, end in note.clauses:
        clause = note.text[start:end]
        if start == 0 or note.text[start - 1] in _SENTENCE_END:
            last = "n"
        theirs = _THEIR_VOICE.search(clause)
        our = ours.match(clause) if ours else None
        if theirs and not (our and our.start() < theirs.start() and theirs.start() - our.end() > 8):
            last = "c"
        elif our:
            last = "o"
        out.append(last)
    return out


def note_features(note) -> list[str]:
    """The category-free features of a note (see features)."""
    return features(clause_words(note), voices(note))


def clause_words(note) -> list[list[str]]:
    return [[_DIGITS.sub("0", w.lower()) for w in note.words(start, end) if not w.isspace()]
            for start, end in note.clauses]


def features(words_by_clause: list[list[str]], voice: list[str]) -> list[str]:
    """Each clause's words, bare and marked by its voice, and its word pairs by voice."""
    feats: set[str] = set()
    for words, v in zip(words_by_clause, voice):
        for k, w in enumerate(words):
            feats.add("w=" + w)
            feats.add(v + "=" + w)
            if k:
                feats.add(v + "2=" + words[k - 1] + w)
    return sorted(feats)


def category_features(category: str, base: list[str]) -> list[str]:
    """base (note_features) joined to the category judged. The rules' findings are no feature: on the
    training notes the rules were written from they are right more often than on new notes."""
    return [f"{category}|{f}" for f in ["b", *base]]


def weights_of(crfsuite_model: Path) -> dict[str, dict[str, float]]:
    """A trained model's weights: per category-free feature, its weight towards y (over n) per category."""
    import pycrfsuite

    tagger = pycrfsuite.Tagger()
    tagger.open(str(crfsuite_model))
    out: dict[str, dict[str, float]] = {}
    for (attr, label), w in tagger.info().state_features.items():
        category, _, feature = attr.partition("|")
        row = out.setdefault(feature, {})
        row[category] = row.get(category, 0.0) + (w if label == "y" else -w)
    return {f: {c: round(w, 4) for c, w in row.items() if abs(w) >= 5e-5} for f, row in out.items()}


@cache
def _weights() -> dict[str, tuple[float, ...]] | None:
    """Per feature, its weights in JUDGED's order (None without the model)."""
    if not MODEL.exists():
        return None
    data = json.loads(MODEL.read_text(encoding="utf-8"))
    return {f: tuple(row.get(c, 0.0) for c in JUDGED) for f, row in data.items()}


def _scores(table, feats) -> list[float]:
    total = [0.0] * len(JUDGED)
    for f in feats:
        row = table.get(f)
        if row is not None:
            total = [a + b for a, b in zip(total, row)]
    return total


def probabilities(note) -> dict[str, float] | None:
    """Per judged category, how likely the note carries it (None without the model)."""
    table = _weights()
    if table is None or not note.clauses:
        return None
    scores = _scores(table, ["b", *note_features(note)])
    return {c: 1 / (1 + math.exp(-min(max(x, -50.0), 50.0))) for c, x in zip(JUDGED, scores)}


def _evidence(note, category: str) -> tuple[int, int]:
    """The clause whose words speak most for the category."""
    table, k = _weights(), JUDGED.index(category)
    scores = [_scores(table, features([w], [v]))[k] for w, v in zip(clause_words(note), voices(note))]
    return note.clauses[max(range(len(scores)), key=scores.__getitem__)]


def with_model(note, raised: list) -> list:
    """The rules' (category, span) list with a category added where the model is sure (ADD_AT) and the
    rules read none of the category's phrases (where they did and ruled them out, 账期是月结60天 being our
    terms stated, they had their say); an added one takes as evidence the clause whose words speak most
    for it."""
    p = probabilities(note)
    if p is None:
        return raised
    found = {c for c, _ in raised}
    sure = [c for c in JUDGED if c not in found and p[c] >= ADD_AT]
    if not sure:
        return raised
    said = said_categories(note)
    out = list(raised)
    for c in sure:
        if c not in said:
            span = _evidence(note, c)  # in the order raised: before the first finding of a later clause
            at = next((i for i, (_, s) in enumerate(out) if s[0] > span[0]), len(out))
            out.insert(at, (c, span))
    return out
