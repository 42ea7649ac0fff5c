"""What the note-level name labellers' training scripts share (train_company_crf.py,
train_product_names.py): the sources (never the locked or check sets), finding where a gold name is
written, one training sequence per note, training, and K-fold cross-validation of one slot's F1.
A script gives its labeller module, the slot it is scored on and where the gold names are."""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlu import competitor_crf, name_labeller  # noqa: E402
from nlu.customer import find_contacts  # noqa: E402
from nlu.normalize import normalize  # noqa: E402
from nlu.note import Note  # noqa: E402
from nlu.parser import choose_pack  # noqa: E402
from training_sources import SOURCES, rows_of, train_crf  # noqa: E402

DEFAULT_SOURCES = SOURCES


def spans_of(text: str, name: str) -> list[tuple[int, int]]:
    """Where name is written in text, ignoring case and spaces."""
    squeezed, at = [], []
    for i, ch in enumerate(text):
        if not ch.isspace():
            squeezed.append(ch.lower())
            at.append(i)
    hay, needle = "".join(squeezed), "".join(normalize(name).lower().split())
    out, k = [], hay.find(needle) if needle else -1
    while k >= 0:
        out.append((at[k], at[k + len(needle) - 1] + 1))
        k = hay.find(needle, k + 1)
    return out


def sequence(row: dict, names: Callable[[dict], list[str]]):
    """The note's features and B/I/O labels wherever one of the row's gold names is written."""
    note = Note.build(row["text"], datetime.fromisoformat(row["ref"]), None)
    note.pack = choose_pack(note.text, row.get("industry"))
    if not note.text:
        return None
    labels = ["O"] * len(note.text)
    for name in names(row):
        for s, e in spans_of(note.text, name):
            labels[s:e] = ["B"] + ["I"] * (e - s - 1)
    return competitor_crf.features(note, contact_spans(note)), labels


def contact_spans(note) -> list[tuple[int, int]]:
    return [(c.start, c.end) for c in find_contacts(note.text)]


def train(rows: list[dict], out: Path, names: Callable[[dict], list[str]]) -> None:
    train_crf((seq for seq in (sequence(row, names) for row in rows) if seq), out)


def slot_f1(labeller, slot: str, rows: list[dict], model: Path | None) -> dict:
    """The parser's F1 on slot with the labeller's model (None: without it)."""
    from nlu.evaluate import predict, score

    labeller._tagger.cache_clear()
    saved = labeller.MODEL
    labeller.MODEL = model if model is not None else Path("/nonexistent")
    try:
        with name_labeller.off():  # this labeller, not the one that ships in its place (nlu/name_labeller.py)
            return score(rows, predict(rows))[slot]
    finally:
        labeller.MODEL = saved
        labeller._tagger.cache_clear()


def main(doc: str, labeller, slot: str, names: Callable[[dict], list[str]]) -> int:
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("sources", nargs="*", default=DEFAULT_SOURCES)
    ap.add_argument("--out", default=str(labeller.MODEL))
    ap.add_argument("--cv", nargs=2, metavar=("K", "FILE"))
    args = ap.parse_args()
    if args.cv:
        k, file = int(args.cv[0]), args.cv[1]
        held = rows_of(file)
        random.Random(16).shuffle(held)
        others = [r for s in args.sources if s != file for r in rows_of(s)]
        tp = {"with": [0, 0, 0], "without": [0, 0, 0]}
        for fold in range(k):
            test = held[fold::k]
            train_rows = others + [r for i, r in enumerate(held) if i % k != fold]
            with tempfile.TemporaryDirectory() as tmp:
                model = Path(tmp) / "fold.crfsuite"
                train(train_rows, model, names)
                a = slot_f1(labeller, slot, test, model)
            b = slot_f1(labeller, slot, test, None)
            for key, r in (("with", a), ("without", b)):
                tp[key] = [tp[key][0] + r["tp"], tp[key][1] + r["fp"], tp[key][2] + r["fn"]]
            print(f"fold {fold}: {slot} F1 rules {b['f1']:.3f}, rules + CRF {a['f1']:.3f}", flush=True)
        for key, (t, p, n) in tp.items():
            print(f"pooled {key} CRF: tp={t} fp={p} fn={n} F1={2 * t / (2 * t + p + n):.3f}")
        return 0
    rows = [r for s in args.sources for r in rows_of(s)]
    train(rows, Path(args.out), names)
    print(f"trained on {len(rows)} notes -> {args.out}")
    retrain_shipped_names(rows, Path(args.out) == labeller.MODEL, "COMP" if slot == "customer.company" else "PROD")
    return 0


def retrain_shipped_names(rows: list[dict], shipped: bool, kind: str) -> None:
    """The one name labeller (nlu/name_labeller.py) ships in place of the labellers of the kinds it was
    trained on: when one of those is retrained for shipping, it is retrained on the same notes."""
    if shipped and kind in name_labeller.model_kinds():
        import train_name_labeller

        train_name_labeller.KINDS[:] = name_labeller.model_kinds()
        train_name_labeller.train(rows, name_labeller.MODEL)
        print(f"and the one name labeller ({', '.join(train_name_labeller.KINDS)}) -> {name_labeller.MODEL}")
