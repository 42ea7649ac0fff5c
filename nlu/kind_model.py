"""The kind of a date or an amount, learned: a maximum-entropy classifier (python-crfsuite over one-item
sequences) trained on annotated notes by scripts/train_kinds.py.

The hand rules (nlu/date_facts.py, nlu/money_facts.py) stay: their answer is one of the features (alone and
with the note's length), next to the date's or amount's neighbourhood — the characters and character pairs
on each side within its clause, the lexicon's cue words and their kinds on each side and in the clauses
around, English words, whose offer an amount is (X给到, 我们报), a competitor named near an amount, an order
in the clause, the status, how far ahead the day is. The model's answer replaces the rule's only when the
model is sure enough of it (MIN_SURE): where the rules are precise they keep deciding. Without the model
files or python-crfsuite the rules work alone.
"""
from __future__ import annotations

import math
import re
from functools import cache
from pathlib import Path
from nlu.normalize import positions

MODELS = Path(__file__).parent / "models"
FILES = {"date": MODELS / "date_kinds.crfsuite", "money": MODELS / "money_kinds.crfsuite"}
# The model's probability needed to overrule the rule: (where the rule fell back for want of a cue — a
# date's "other", an amount's default quote —, elsewhere). Chosen by cross-validation (train_kinds.py).
MIN_SURE = {"date": (0.3, 0.5), "money": (0.3, 0.7)}
WINDOW = 12  # characters read on each side, within the clause
CUE_REACH = 24  # how far cue words are looked for (dictated notes have clauses of a hundred characters)

# Set by scripts/train_kinds.py: every classified mention is appended here as (what, note, start, end,
# features, rule kind, extra) so that training reads exactly the features the parser computes.
recording: list | None = None

_LATIN = re.compile(r"[A-Za-z]{2,}")
_OFFERED = re.compile(r"(?:给到|给的是|给的|给了|才|也就|只要|只卖|卖|报了|报的是|开价|价格是|价是)[¥￥$]?$")
_BRAND = re.compile(r"[A-Z][A-Za-z]{2,}")  # a Latin name (Nichicon, Jinko), not a unit (pcs, kg)
_WE = re.compile(r"我(?:们|方|司)?")


@cache
def _weights(what: str) -> tuple[tuple[str, ...], dict[str, tuple[tuple[int, float], ...]]] | None:
    """The model's labels and, per feature, its (label index, weight) pairs; None without the model.
    A one-item sequence has no transitions, so p(kind) is the softmax of the summed weights: scoring
    here costs a few dictionary lookups instead of a tagger call."""
    try:
        import pycrfsuite
    except ImportError:
        return None
    path = FILES[what]
    if not path.exists():
        return None
    tagger = pycrfsuite.Tagger()
    tagger.open(str(path))
    info = tagger.info()
    labels = tuple(sorted(info.labels, key=lambda k: int(info.labels[k])))
    index = {label: i for i, label in enumerate(labels)}
    table: dict[str, list[tuple[int, float]]] = {}
    for (feature, label), weight in info.state_features.items():
        table.setdefault(feature, []).append((index[label], weight))
    tagger.close()
    return labels, {f: tuple(pairs) for f, pairs in table.items()}


def _scores(what: str, features: list[str]) -> tuple[tuple[str, ...], list[float]] | None:
    model = _weights(what)
    if model is None:
        return None
    labels, table = model
    score = [0.0] * len(labels)
    for f in features:
        for i, w in table.get(f, ()):
            score[i] += w
    return labels, score


def probabilities(what: str, features: list[str]) -> dict[str, float]:
    """p(kind | features) under the model ({} without it)."""
    scored = _scores(what, features)
    if scored is None:
        return {}
    labels, score = scored
    top = max(score)
    exp = [math.exp(x - top) for x in score]
    total = sum(exp)
    return {label: e / total for label, e in zip(labels, exp)}


def _best(what: str, features: list[str]) -> tuple[str, float] | None:
    """The model's likeliest kind and its probability (None without the model)."""
    scored = _scores(what, features)
    if scored is None:
        return None
    labels, score = scored
    top = max(score)
    return labels[score.index(top)], 1.0 / sum(math.exp(x - top) for x in score)


def active(what: str) -> bool:
    """Is there a model to ask (or a recording to feed)? Features are computed only then."""
    return recording is not None or _weights(what) is not None


@cache
def _money_automaton():
    import ahocorasick

    from nlu.lexicon import common

    automaton = ahocorasick.Automaton()
    for kind, words in common()["money"].items():
        for w in words:
            if w not in automaton:
                automaton.add_word(w, (w, kind))
    automaton.make_automaton()
    return automaton


def money_cues(s: str) -> list[tuple[int, int, str, str]]:
    """The money lexicon's cue words in s, non-overlapping, longest first, in text order."""
    hits = [(end - len(w) + 1, end + 1, kind, w) for end, (w, kind) in _money_automaton().iter(s)] if s else []
    hits.sort(key=lambda h: (h[0] - h[1], h[0]))
    found: list[tuple[int, int, str, str]] = []
    for h in hits:
        if all(h[1] <= a or h[0] >= b for a, b, _, _ in found):
            found.append(h)
    return sorted(found)


def reset() -> None:
    """Forget the loaded models (after the training script writes new ones)."""
    _weights.cache_clear()


def context(note, start: int, end: int, cues) -> list[str]:
    """Features of the span text[start:end] from its neighbourhood. `cues(s)` lists (start, end, kind, cue)
    of a string."""
    text = note.text
    i = note.clause_index(start)
    cs, ce = note.clauses[i] if note.clauses else (0, len(text))
    lo, hi = max(cs, start - WINDOW), min(ce, end + WINDOW)
    left, right = text[lo:start], text[end:hi]
    f = ["l1=" + left[-1:], "l2=" + left[-2:], "r1=" + right[:1], "r2=" + right[:2]]
    f += ["lb=" + left[k:k + 2] for k in range(max(0, len(left) - 8), len(left) - 1)]
    f += ["rb=" + right[k:k + 2] for k in range(min(len(right) - 1, 10))]
    f += ["lw=" + w.lower() for w in _LATIN.findall(text, max(cs, start - 30), start)[-3:]]  # quote due 12/18
    f += ["rw=" + w.lower() for w in _LATIN.findall(text, end, min(ce, end + 30))[:3]]
    after, before = cues(text[end:min(ce, end + CUE_REACH)]), cues(text[max(cs, start - CUE_REACH):start])
    left_at = max(cs, start - CUE_REACH)
    for n, c in enumerate(after[:2]):
        f += [f"ca{n}={c[2]}", f"cac{n}={c[3]}", f"cad{n}={_far(c[0])}"]
    for n, c in enumerate(reversed(before[-2:])):
        f += [f"cb{n}={c[2]}", f"cbc{n}={c[3]}", f"cbd{n}={_far(start - left_at - c[1])}"]
    if i > 0:
        ps, pe = note.clauses[i - 1]
        f += ["cp=" + c[2] for c in cues(text[max(ps, pe - CUE_REACH):pe])[-2:]]
    if i + 1 < len(note.clauses):
        ns, ne = note.clauses[i + 1]
        f += ["cn=" + c[2] for c in cues(text[ns:min(ne, ns + CUE_REACH)])[:2]]
    if start == cs:
        f.append("first_in_clause")
    if i == 0:
        f.append("first_clause")
    return f


def _rule_by_size(note, rule: str) -> str:
    """The rule's kind on a short or a long note: the rules were written from short notes, and the model
    learns to trust them more there (CV: holdout dates 0.985 -> 0.993, the writers' long notes unchanged)."""
    return f"rule={rule}|{'long' if len(note.text) > 80 else 'short'}"


def _far(n: int) -> str:
    return "0" if n <= 0 else "1-2" if n <= 2 else "3-6" if n <= 6 else "far"


def _ahead(days: int) -> str:
    if days < 0:
        return "past" if days >= -7 else "long_past"
    return "today" if days == 0 else "soon" if days <= 3 else "week" if days <= 10 else "month" if days <= 40 else "later"


def date_features(note, day, status: str, rule: str, item_spans, cues) -> list[str]:
    start, end = day.start_index, day.end_index
    cs, ce = note.clause_at(start)
    f = ["bias", "rule=" + rule, _rule_by_size(note, rule), "status=" + status,
         "ahead=" + _ahead((day.date - note.ref.date()).days),
         "dt_last=" + day.text[-1:], "dt=" + day.text if len(day.text) <= 4 else "dt=long"]
    if any(cs <= a < ce for a, _ in item_spans):
        f.append("items_here")
    return f + context(note, start, end, cues)


def money_features(note, a, rule: str, competitors, cues, signed: bool, fallback: bool) -> list[str]:
    text = note.text
    cs, ce = note.clause_at(a.start)
    rule += "?" if fallback else ""
    f = ["bias", "rule=" + rule, _rule_by_size(note, rule), "per=" + str(a.per),
         "size=" + str(int(math.log10(max(a.amount, 1))))]
    if signed:
        f.append("signed_note")
    for name in competitors:
        for k in positions(text, name):
            if cs <= k < a.start:
                f.append("rival_before")
            elif a.end <= k < ce:
                f.append("rival_after")
            elif abs(k - a.start) < 30:
                f.append("rival_near")
    left = text[max(cs, a.start - 16):a.start]
    if _OFFERED.search(left):  # 立锜那边给到一块零五, Epson的一台才9.8万: whose offer, said by whom
        f.append("offered_by_we" if _WE.search(left) else "offered")
    if _BRAND.search(left):
        f.append("brand_before")
    return f + context(note, a.start, a.end, cues)


def decide(what: str, note, start: int, end: int, features: list[str], rule: str, unsure: bool, extra=None) -> str:
    """The model's kind where it is sure enough, else the rule's; `unsure`: the rule fell back."""
    if recording is not None:  # training reads the rules' answers
        recording.append((what, note, start, end, features, rule, unsure, extra))
        return rule
    best = _best(what, features)
    if best is None:
        return rule
    label, p = best
    return label if label != rule and p >= MIN_SURE[what][0 if unsure else 1] else rule
