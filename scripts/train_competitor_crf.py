"""Train the rival-name CRF (nlu/competitor_crf.py) on annotated notes, or measure it by cross-validation.

usage: python scripts/train_competitor_crf.py [--out nlu/models/competitors.crfsuite] [--cv K FILE] [SOURCES...]

Each note is one training sequence: its characters, labelled B/I wherever a gold competitor is written
(every occurrence), O elsewhere. --cv K FILE splits FILE into K folds, trains on the other folds plus the
sources, and prints the parser's competitor F1 on each held-out fold with and without the model.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlu import competitor_crf, name_labeller  # noqa: E402
from nlu.note import Note  # noqa: E402
from nlu.parser import choose_pack, known_others  # noqa: E402
from name_labeller_training import rows_of, spans_of  # noqa: E402
from training_sources import SOURCES, train_crf  # noqa: E402

DEFAULT_SOURCES = SOURCES


def sequence(row: dict):
    note = Note.build(row["text"], datetime.fromisoformat(row["ref"]), None)
    note.pack = choose_pack(note.text, row.get("industry"))
    if not note.text:
        return None
    labels = ["O"] * len(note.text)
    for name in (row.get("expected") or {}).get("competitors") or []:
        for s, e in spans_of(note.text, name):
            labels[s:e] = ["B"] + ["I"] * (e - s - 1)
    return competitor_crf.features(note, known_others(note)), labels


def train(rows: list[dict], out: Path) -> None:
    with name_labeller.off():  # the customer's company marked as the company labeller finds it, as always
        sequences = [seq for seq in (sequence(row) for row in rows) if seq]
    train_crf(sequences, out)


def competitor_f1(rows: list[dict], model: Path | None) -> dict:
    from nlu.evaluate import predict, score

    competitor_crf._tagger.cache_clear()
    saved = competitor_crf.MODEL
    competitor_crf.MODEL = model if model is not None else Path("/nonexistent")
    try:
        with name_labeller.off():  # this labeller, not the one that ships in its place (nlu/name_labeller.py)
            return score(rows, predict(rows))["competitors"]
    finally:
        competitor_crf.MODEL = saved
        competitor_crf._tagger.cache_clear()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sources", nargs="*", default=DEFAULT_SOURCES)
    ap.add_argument("--out", default=str(competitor_crf.MODEL))
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
                train(train_rows, model)
                a = competitor_f1(test, model)
            b = competitor_f1(test, None)
            for key, r in (("with", a), ("without", b)):
                tp[key] = [tp[key][0] + r["tp"], tp[key][1] + r["fp"], tp[key][2] + r["fn"]]
            print(f"fold {fold}: competitors F1 rules {b['f1']:.3f}, rules + CRF {a['f1']:.3f}", flush=True)
        for key, (t, p, n) in tp.items():
            print(f"pooled {key} CRF: tp={t} fp={p} fn={n} F1={2 * t / (2 * t + p + n):.3f}")
        return 0
    rows = [r for s in args.sources for r in rows_of(s)]
    train(rows, Path(args.out))
    print(f"trained on {len(rows)} notes -> {args.out}")
    from name_labeller_training import retrain_shipped_names

    retrain_shipped_names(rows, Path(args.out) == competitor_crf.MODEL, "RIVAL")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
