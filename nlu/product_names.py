"""Where a note names the products it orders: the rival labeller's sequence model over the whole note
(same features, nlu/competitor_crf.py) trained on every written occurrence of the annotated items'
products (scripts/train_product_names.py).

The window labeller (nlu/product_crf.py) sees a few characters around one quantity; this one sees the
note, so it knows a product named a clause before its quantity and where a name ends. nlu/items.py
uses it when the product found for a quantity is no product name of the note.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

from nlu.competitor_crf import items

MODEL = Path(__file__).parent / "models" / "product_names.crfsuite"


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


def name_spans(note, others: list[tuple[int, int]]) -> list[tuple[int, int, float]]:
    """The spans the model labels as product names, in text order, each with how sure the model is of
    it (the least marginal probability of its characters' labels)."""
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
