"""How likely a note is to carry each objection category: a logistic model per category (python-crfsuite
used as a maximum-entropy classifier: one item per category), trained on annotated notes
(scripts/train_objection_model.py).

The rules (nlu/objections.py) match phrases clause by clause; the model reads the whole note's words,
each marked by who speaks in its clause (the customer, us, or neither said), so it also knows wordings
the phrase lists lack (隔壁那家给的价低一截, 对我们的涂层心里没底). nlu/parser.py adds a
category the model is sure of.
"""
from __future__ import annotations

import math
import re
from functools import cache
from pathlib import Path

MODEL = Path(__file__).parent / "models" / "objections.crfsuite"
CATEGORIES = ("price", "budget", "delivery_time", "quality", "decision_delay", "competitor",
              "payment_terms", "service", "spec")
ADD_AT = 0.9  # the probability above which a category the rules missed is added

_OURS = re.compile(r"^(?:我|我们|咱们)(?:说|这边|报|答应|觉得|解释|承诺|保证|一般|的|可以|只能|会)")
_CUSTOMER_VOICE = re.compile(r"[他她]|对方|客户|[总工]|经理|主任|老板|科长|处长|主管|厂长|院长|采购|嫌|担心|抱怨|反映|不满|觉得|要求|希望|坚持|"
                             r"[A-Z][a-z]+ (?:说|觉得|嫌)|\bs?he\b|\bthey\b")
_THEIRS = re.compile(r"他|她|他们|她们|对方|客户|老板|经理|总|主任|工|采购|嫌|觉得|反映|抱怨|担心|要求|希望|说")


def clause_features(note, lo: int, hi: int) -> set[str]:
    """The words of one clause, marked by who speaks there, and word pairs."""
    clause = note.text[lo:hi]
    who = "w" if _OURS.match(clause) else "c" if _THEIRS.search(clause) else "n"
    words = [w.lower() for w in note.words(lo, hi) if not w.isspace()]
    feats = set()
    for i, w in enumerate(words):
        feats.add("w=" + w)
        feats.add(who + "|" + w)
        if i:
            feats.add("ww=" + words[i - 1] + "_" + w)
    return feats


def note_features(note, rival_count: int = 0) -> list[str]:
    feats: set[str] = set()
    for lo, hi in note.clauses:
        feats |= clause_features(note, lo, hi)
    if rival_count:
        feats.add("rivals")
    return sorted(feats)


def items(feats: list[str], category: str) -> list[str]:
    """The one item of a category's sequence: the note's features, prefixed with the category."""
    return ["cat=" + category] + [category + ":" + f for f in feats]


@cache
def _table():
    """(feature -> row, matrix of rows x categories, bias per category) from the model file: each cell
    the weight for present minus the weight for absent; None without the model. A category's sequence
    is one item long, so its probability is the logistic of the summed cells: no tagger call per note."""
    try:
        import numpy
        import pycrfsuite
    except ImportError:
        return None
    if not MODEL.exists():
        return None
    tagger = pycrfsuite.Tagger()
    tagger.open(str(MODEL))
    index = {c: k for k, c in enumerate(CATEGORIES)}
    rows: dict[str, int] = {}
    cells: dict[tuple[int, int], float] = {}
    bias = numpy.zeros(len(CATEGORIES))
    for (attr, label), w in tagger.info().state_features.items():
        sign = w if label == "y" else -w
        if attr.startswith("cat="):
            if attr[4:] in index:
                bias[index[attr[4:]]] += sign
            continue
        category, _, feature = attr.partition(":")
        if category in index:
            row = rows.setdefault(feature, len(rows))
            cells[row, index[category]] = cells.get((row, index[category]), 0.0) + sign
    tagger.close()
    matrix = numpy.zeros((len(rows) + 1, len(CATEGORIES)))  # the last row: features the model never saw
    for (row, k), d in cells.items():
        matrix[row, k] = d
    return rows, matrix, bias


def _scores(feats):
    rows, matrix, bias = _table()
    missing = len(rows)
    return bias + matrix[[rows.get(f, missing) for f in feats]].sum(axis=0)


def best_clause(note, category: str) -> tuple[int, int]:
    """The clause whose words weigh most for category: the evidence of a category the model added."""
    k = CATEGORIES.index(category)
    rows, matrix, _ = _table()
    return max(note.clauses, key=lambda span: sum(matrix[rows[f], k] for f in clause_features(note, *span) if f in rows))


def customer_says(note, span: tuple[int, int]) -> bool:
    """Is the clause, or the one before it, in the customer's voice? An objection needs it (我说账期最多45天 and 账期是月结60天 are
    our terms stated; 二期明年再说 is a plan)."""
    clause = note.text[span[0]:span[1]]
    if _OURS.match(clause):
        return False
    i = note.clauses.index(span) if span in note.clauses else 0
    before = note.text[note.clauses[i - 1][0]:note.clauses[i - 1][1]] if i else ""
    return bool(_CUSTOMER_VOICE.search(clause) or _CUSTOMER_VOICE.search(before) and not _OURS.match(before))


def with_model(note, raised: list, rival_count: int) -> list:
    """The rules' (category, clause span) list with the categories the model is sure of added, each
    with the clause that weighs most for it, when the customer says it there."""
    probs = probabilities(note, rival_count)
    if not probs:
        return raised
    have = {c for c, _ in raised}
    added = [(c, best_clause(note, c)) for c in CATEGORIES if c not in have and probs[c] > ADD_AT]
    return raised + [(c, span) for c, span in added if customer_says(note, span)]


def probabilities(note, rival_count: int = 0) -> dict[str, float] | None:
    """category -> probability that the note carries it, or None without the model."""
    if _table() is None or not note.text:
        return None
    return {c: 1.0 / (1.0 + math.exp(-min(max(float(x), -30.0), 30.0)))
            for c, x in zip(CATEGORIES, _scores(note_features(note, rival_count)))}
