"""Where a note names a rival: a sequence labeller (CRF, python-crfsuite) over the note's characters,
trained on annotated notes (scripts/train_competitor_crf.py).

The rules (nlu/competitors.py) know the packs' brands and a set of phrasings; the model learns from
the annotated notes how reps speak of a rival around its name (X那边给的, 之前一直从X拿货, 竞争对手有X,
X也报过价, 用X十年了), so a rival the packs do not know and a phrasing the rules lack are still found.
Its features are the characters, jieba's words and the words around them, the known brands, and what
the parser already knows to be someone else (the customer's company, the contacts).
"""
from __future__ import annotations

from functools import cache, partial
from operator import add
from pathlib import Path

from nlu import name_labeller

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
        known = _known()
        base = note.crf_known
        if base is None:
            base = note.crf_known = _known_features(note, known)
        out = list(base)
        if "other" in known:
            for s, e in others:
                for i in range(max(0, s), min(e, len(out))):
                    if out[i] is base[i]:
                        out[i] = base[i] + (b"other",)
        seq = note.crf_items[key] = pycrfsuite.ItemSequence(out)
    return seq


def _known() -> frozenset[str]:
    """Every feature string some labeller's model has a weight for. crfsuite skips the others, so the
    labellers are given only these (a third of the strings: fewer to build, convert and look up)."""
    from nlu import company_crf, product_names

    if not name_labeller.ON:
        return _known_in((MODEL, company_crf.MODEL, product_names.MODEL))
    paths = [] if name_labeller.active("RIVAL") else [MODEL]
    paths += [] if name_labeller.active("COMP") else [company_crf.MODEL]
    paths += [] if name_labeller.active("PROD") else [product_names.MODEL]
    return _known_in(tuple(paths + ([name_labeller.MODEL] if name_labeller.ON else [])))


@cache
def _known_in(paths: tuple[Path, ...]) -> frozenset[str]:
    return frozenset().union(*[model_attributes(p) for p in paths if p.exists()])


def model_attributes(path: Path) -> list[str]:
    """The attribute names of a crfsuite model file, read from its attribute dictionary (a CQDB chunk:
    crfsuite's own dump prints them in text lines, which a name holding a newline would break)."""
    import struct

    data = path.read_bytes()
    if data[:4] != b"lCRF":
        raise ValueError(f"{path}: not a crfsuite model")
    at = struct.unpack_from("<I", data, 36)[0]  # the header's offset of the attribute CQDB
    if data[at:at + 4] != b"CQDB":
        raise ValueError(f"{path}: no attribute dictionary")
    count, table = struct.unpack_from("<II", data, at + 16)  # the id -> record table
    names = []
    for k in range(count):
        record = struct.unpack_from("<I", data, at + table + 4 * k)[0]
        if record:
            size = struct.unpack_from("<I", data, at + record + 4)[0]
            names.append(data[at + record + 8:at + record + 7 + size].decode("utf-8"))
    return names


def _tables(known: frozenset[str]) -> dict[str, dict[str, str]]:
    """For each feature kind built from a value (a character, a word...), its known values -> the
    feature string."""
    tables: dict[str, dict[str, str]] = {k: {} for k in _KINDS}
    for name in known:
        for kind in _KINDS:
            if name.startswith(kind):
                tables[kind][name[len(kind):]] = name
                break
    return tables


_KINDS = ("c=", "t=", "p1=", "n1=", "b-=", "b+=", "tt=", "w=", "pw=", "pw2=", "nw=", "nw2=", "wd=")


def _base_features(note) -> list[list[str]]:
    """Built a feature kind at a time (a note is 100-200 characters). The labellers are given these
    filtered to the strings their models know (_known_features)."""
    text = note.text
    n = len(text)
    where = ["S"] * n
    ctx = [()] * n  # the words before and after the character's word
    words = _word_spans(note)
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
    known_marks = _known_marks(note, n)
    marks = _pauses(note, n)
    padded = "^^" + text.lower() + "$$"
    classes = "^^" + "".join([_class(c) for c in text]) + "$$"
    return [["c=" + padded[k], "t=" + classes[k], "p1=" + padded[k - 1], "n1=" + padded[k + 1],
             "b-=" + padded[k - 1:k + 1], "b+=" + padded[k:k + 2], "tt=" + classes[k - 1:k + 2],
             "w=" + where[k - 2], known_marks[k - 2], *ctx[k - 2], *marks[k - 2]]
            for k in range(2, n + 2)]


def _word_spans(note) -> list[tuple[int, int]]:
    """(start, end) of each word of each clause (jieba's, spaces left out)."""
    words: list[tuple[int, int]] = []
    for lo, hi in note.clauses:
        pos = lo
        for w in note.words(lo, hi):
            if not w.isspace():
                words.append((pos, pos + len(w)))
            pos += len(w)
    return words


def _known_marks(note, n: int) -> list[str]:
    """kn=B / kn=I on the known brands' characters, kn= elsewhere."""
    marks = ["kn="] * n
    for s, e, _ in note.rival_terms():
        for i in range(s, min(e, n)):
            marks[i] = "kn=B" if i == s else "kn=I"
    return marks


def _pauses(note, n: int) -> list[tuple]:
    marks = [()] * n
    for i in note.breaks:
        if i < n:
            marks[i] = marks[i] + ("pause",)
    return marks


def _known_features(note, known: frozenset[str]) -> list[tuple[bytes, ...]]:
    """_base_features' rows with only the strings in `known`, in the order the rows are built, as UTF-8
    (pycrfsuite takes bytes as they are; it encodes each str). Each feature kind is a column of table
    lookups (None where unknown); the rows are zipped from the columns and the Nones dropped by C-level
    iterators, with no Python code run per character. A column with nothing known in the note is left
    out; each character string is made (and hashed) once for the lookups of all kinds."""
    t = _byte_tables(known)
    text = note.text
    n = len(text)
    words = _word_spans(note)
    strings = [text[s:e] for s, e in words]
    m = len(strings)
    # the words around each word, as in _base_features: pw, pw2, nw, nw2, wd, shape
    pw = [None, *map(t["pw="].get, strings[:-1])][:m]
    pairs = list(map(add, strings[:-1], strings[1:]))  # each pair of words once: pw2 and nw2 look it up
    pw2 = [None, None, *map(t["pw2="].get, pairs[:-1])][:m]
    nw = [*map(t["nw="].get, strings[1:]), None]
    nw2 = [*map(t["nw2="].get, pairs[1:]), None, None][:m]
    wd_get, shape_get = t["wd="].get, t["shape="].get
    wd = [wd_get(w.lower()) if len(w) <= 4 else None for w in strings]
    shape = [shape_get(_shape(w)) if w[:1].isascii() and w[:1].isalpha() else None for w in strings]
    wt = t["w="]
    where = [wt.get("S")] * n
    b, mid, end = wt.get("B"), wt.get("M"), wt.get("E")
    at = [m] * n  # the word each character is in (m: none)
    for k, (s, e) in enumerate(words):
        at[s:e] = [k] * (e - s)
        if e - s > 1:
            where[s:e] = [b, *[mid] * (e - s - 2), end]
    ctx = [list(map([*col, None].__getitem__, at)) for col in (pw, pw2, nw, nw2, wd, shape) if any(col)]
    kn = list(map(t["kn="].get, _known_marks(note, n)))
    marks = []
    if "pause" in known and any(i < n for i in note.breaks):
        marks = [[None] * n]
        for i in note.breaks:
            if i < n:
                marks[0][i] = b"pause"
    chars = list("^" + text.lower() + "$")  # each character once: its hash is computed once
    pairs = list(map(add, chars[:-1], chars[1:]))
    classes = "^^" + "".join(map(_CLASSES.__getitem__, text)) + "$$"
    ks = classes[2:n + 2]
    cols = [list(map(t["c="].get, chars[1:n + 1])), list(map(t["t="].get, ks)), list(map(t["p1="].get, chars[:n])),
            list(map(t["n1="].get, chars[2:])), list(map(t["b-="].get, pairs[:n])), list(map(t["b+="].get, pairs[1:])),
            list(map(t["tt="].get, map(add, map(add, classes[1:n + 1], ks), classes[3:n + 3]))), where, kn, *ctx, *marks]
    return list(map(tuple, map(_known_only, zip(*[col for col in cols if any(col)]))))


_known_only = partial(filter, None)


@cache
def _byte_tables(known: frozenset[str]) -> dict[str, dict[str, bytes]]:
    """_tables(known) with the strings as UTF-8 (pycrfsuite copies bytes as they are), and the kinds
    that are whole strings (kn=, shape=) as tables too."""
    tables = {kind: {v: name.encode() for v, name in values.items()} for kind, values in _tables(known).items()}
    tables["kn="] = {name: name.encode() for name in ("kn=", "kn=B", "kn=I") if name in known}
    tables["shape="] = {name[6:]: name.encode() for name in known if name.startswith("shape=")}
    return tables


class _ClassOf(dict):
    """Character -> _class(character), filled as characters are met (a few thousand at most)."""

    def __missing__(self, ch: str) -> str:
        self[ch] = c = _class(ch)
        return c


_CLASSES = _ClassOf()


def _shape(word: str) -> str:
    """Quectel -> Aa6, NSK -> A3, iPhone -> aAa6: how a Latin word is written."""
    kind = "A" if word.isupper() else "Aa" if word[0].isupper() else "a"
    return kind + str(min(len(word), 6))


def open_tagger(path: Path):
    """A trained labeller, or None when the file or python-crfsuite is missing (the rules then work alone)."""
    try:
        import pycrfsuite
    except ImportError:
        return None
    if not path.exists():
        return None
    tagger = pycrfsuite.Tagger()
    tagger.open(str(path))
    return tagger


def labelled_spans(tagger, note, others: list[tuple[int, int]], *, certainty: bool = False) -> list[tuple]:
    """The B/I spans a labeller (this module's features) finds in the note, in text order; with
    certainty, each with how sure it is (the least marginal probability of its characters' labels)."""
    if tagger is None or not note.text:
        return []
    labels = tagger.tag(items(note, others))
    spans, start = [], None
    for k, label in enumerate(labels + ["O"]):
        if label != "I" and start is not None:
            spans.append((start, k, min(tagger.marginal(labels[i], i) for i in range(start, k)))
                         if certainty else (start, k))
            start = None
        if label == "B" or label == "I" and start is None:
            start = k
    return spans


@cache
def _tagger():
    return open_tagger(MODEL)


def rival_spans(note, others: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans the model labels as rivals, in text order. With the one labeller (nlu/name_labeller.py)
    the note's tagging (the contacts marked) is read; a span on `others` is the caller's to drop."""
    if name_labeller.ON and name_labeller.active("RIVAL"):
        return [(s, e) for s, e, _ in name_labeller.spans(note, others, "RIVAL")]
    return labelled_spans(_tagger(), note, others)
