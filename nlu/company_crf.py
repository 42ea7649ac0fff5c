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

from nlu import name_labeller
from nlu.competitor_crf import labelled_spans, open_tagger

MODEL = Path(__file__).parent / "models" / "companies.crfsuite"


@cache
def _tagger():
    return open_tagger(MODEL)


SURE = 0.5  # how sure the model must be of a company the rules did not find (chosen by the 5-fold CV)


def company_spans(note, others: list[tuple[int, int]]) -> list[tuple[int, int, float]]:
    """The spans the model labels as the customer's organisation, in text order, each with how sure
    the model is of it (the least marginal probability of its characters' labels)."""
    if name_labeller.ON and name_labeller.active("COMP"):
        return name_labeller.spans(note, others, "COMP")
    return labelled_spans(_tagger(), note, others, certainty=True)
