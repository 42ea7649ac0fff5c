"""One sequence labeller for the kinds of name a note holds: the customer's company, the rivals and
the products (labels B-COMP/I-COMP, B-RIVAL/I-RIVAL, B-PROD/I-PROD, O), in place of the labellers
nlu/company_crf.py, nlu/competitor_crf.py and nlu/product_names.py, which each tag the note with the
same features: one tagging per note instead of one per labeller (scripts/train_name_labeller.py trains
it from the same sources, on all three kinds or some (--kinds), and measures it against them).

The shipped model labels the company and the rivals (the product names keep their own labeller). On
2026-12-07, with the three retrained the same way (5-fold CV over train2+train3; check2 scored only):
company 0.826 -> 0.822 (CV), 0.841 -> 0.851 (check2); competitors 0.848 -> 0.854, 0.835 -> 0.874; items
0.811 -> 0.813, 0.727 unchanged; micro 0.8775 -> 0.8783, 0.8245 -> 0.8285; 4.5% fewer instructions a
note. With the product names as well: micro 0.8786 -> 0.8803 (CV), 0.8237 -> 0.8287 (check2), 6% fewer
instructions, but items a little lower on both (0.813 -> 0.811, 0.727 -> 0.721).

On by default; SALESBOT_NAME_LABELLER=three (or no model at MODEL) uses the labellers of old. A kind the
model was not trained on keeps its own labeller. The scripts that train and measure those labellers
use them alone (off()). The spans of each kind are read as the three labellers' are (labelled_spans): a
span starts at B, or at an I after another label, and goes on while I of its kind follows; its
certainty is the least marginal probability of its characters' labels.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from functools import cache
from pathlib import Path

MODEL = Path(__file__).parent / "models" / "names.crfsuite"
KINDS = ("COMP", "RIVAL", "PROD")
ON = os.environ.get("SALESBOT_NAME_LABELLER", "one") != "three"  # read once: the parser asks per note


@contextmanager
def off():
    """The three labellers alone, for the scripts that train and measure them."""
    global ON
    saved, ON = ON, False
    try:
        yield
    finally:
        ON = saved


@cache
def _tagger():
    from nlu.competitor_crf import open_tagger

    return open_tagger(MODEL)


def active(kind: str) -> bool:
    """Is the one labeller used for this kind of name (switched on, its model there and trained on
    the kind)?"""
    return ON and kind in _kinds()


@cache
def _kinds() -> frozenset[str]:
    tagger = _tagger()
    return frozenset(label[2:] for label in tagger.labels() if label[:2] in ("B-", "I-")) if tagger else frozenset()


def model_kinds() -> list[str]:
    """The kinds the model at MODEL labels, in KINDS' order."""
    return [k for k in KINDS if k in _kinds()]


def spans(note, contacts: list[tuple[int, int]], kind: str) -> list[tuple[int, int, float]]:
    """The spans labelled `kind` in the note, in text order, each with how sure the model is of it.
    The note is tagged once (with the contacts marked as someone else); the three kinds are read from
    that tagging."""
    found = note.name_spans
    if found is None:
        found = note.name_spans = _tag(note, contacts)
    return found[kind]


def _tag(note, contacts: list[tuple[int, int]]) -> dict[str, list[tuple[int, int, float]]]:
    from nlu.competitor_crf import items

    out: dict[str, list] = {k: [] for k in KINDS}
    tagger = _tagger()
    if tagger is None or not note.text:
        return out
    labels = tagger.tag(items(note, contacts))
    start, kind = None, None
    for k, label in enumerate(labels + ["O"]):
        tag, _, what = label.partition("-")
        if start is not None and not (tag == "I" and what == kind):
            out[kind].append((start, k, min(tagger.marginal(labels[i], i) for i in range(start, k))))
            start = None
        if tag == "B" or tag == "I" and start is None:
            start, kind = k, what
    return out
