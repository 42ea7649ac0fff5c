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

from nlu import name_labeller
from nlu.competitor_crf import labelled_spans, open_tagger

MODEL = Path(__file__).parent / "models" / "product_names.crfsuite"


@cache
def _tagger():
    return open_tagger(MODEL)


def name_spans(note, others: list[tuple[int, int]]) -> list[tuple[int, int, float]]:
    """The spans the model labels as product names, in text order, each with how sure the model is of
    it (the least marginal probability of its characters' labels)."""
    if name_labeller.ON and name_labeller.active("PROD"):
        return name_labeller.spans(note, others, "PROD")
    return labelled_spans(_tagger(), note, others, certainty=True)
