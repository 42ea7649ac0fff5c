"""Where a note names the customer's organisation: the rival labeller's sequence model (same features,
nlu/competitor_crf.py) trained on the annotated customers' companies (scripts/train_company_crf.py).

The rules (nlu/customer.py) find a company from how visits and roles are said; the model learns the
edges of a name from the notes (a department, a place or a verb after it is no part of it) and finds a
company said in a way the rules lack. nlu/parser.py uses it where the rules found none, and where both
found the same name with other edges.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

from nlu.competitor_crf import items

MODEL = Path(__file__).parent / "models" / "companies.crfsuite"


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


SURE = 0.9  # how sure the model must be of a company the rules did not find


def company_spans(note, others: list[tuple[int, int]]) -> list[tuple[int, int, float]]:
    """The spans the model labels as the customer's organisation, in text order, each with how sure
    the model is of it (the least marginal probability of its characters' labels)."""
    tagger = _tagger()
    if tagger is None or not note.text:
        return []
    labels = tagger.tag(items(note, others))
    spans, start = [], None
    for k, label in enumerate(labels + ["O"]):
        if label != "I" and start is not None:
            spans.append((start, k, min(tagger.marginal(labels[i], i) for i in range(start, k))))
            start = None
        if label == "B" or label == "I" and start is None:
            start = k
    return spans
