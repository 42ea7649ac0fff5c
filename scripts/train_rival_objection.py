"""Train the rival-objection model (nlu/rival_objection.py), or measure it by cross-validation.

usage: python scripts/train_rival_objection.py [--out nlu/models/rival_objection.crfsuite] [--cv K FILE] [SOURCES...]

Each note in which the parser finds a rival is one example: the words around its rivals, labelled y when
the gold objections hold `competitor`. --cv K FILE prints the competitor objection's and the objections'
F1 on FILE's held-out folds, rules alone and with the model.
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

from nlu import rival_objection  # noqa: E402
from nlu.note import Note  # noqa: E402
from nlu.parser import choose_pack, parse  # noqa: E402
from training_sources import SOURCES, rows_of  # noqa: E402

DEFAULT_SOURCES = SOURCES


def example(row: dict):
    """(features, label, rules' objections) of a row whose note names a rival, else None."""
    out = parse(row["text"], datetime.fromisoformat(row["ref"]), row.get("industry"))
    note = Note.build(row["text"], datetime.fromisoformat(row["ref"]), None)
    note.pack = choose_pack(note.text, row.get("industry"))
    spans = rival_objection.rival_spans(note.text, out["competitors"])
    gold = set((row.get("expected") or {}).get("objections") or [])
    if not spans:
        return None, gold, set(out["objections"])
    return (rival_objection.features(note, spans), "y" if "competitor" in gold else "n"), gold, set(out["objections"])


def train(rows: list[dict], out: Path) -> None:
    import pycrfsuite

    trainer = pycrfsuite.Trainer(verbose=False)
    for row in rows:
        ex, _, _ = example(row)
        if ex:
            trainer.append([ex[0]], [ex[1]])
    trainer.set_params({"c1": 0.1, "c2": 0.1, "max_iterations": 200})
    out.parent.mkdir(parents=True, exist_ok=True)
    trainer.train(str(out))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sources", nargs="*", default=DEFAULT_SOURCES)
    ap.add_argument("--out", default=str(rival_objection.MODEL))
    ap.add_argument("--cv", nargs=2, metavar=("K", "FILE"))
    args = ap.parse_args()
    if not args.cv:
        rows = [r for s in args.sources for r in rows_of(s)]
        saved = rival_objection.MODEL
        rival_objection.MODEL = Path("/nonexistent")  # the examples are the rules' output
        rival_objection._tagger.cache_clear()
        train(rows, Path(args.out))
        rival_objection.MODEL = saved
        print(f"trained on {len(rows)} notes -> {args.out}")
        return 0
    import pycrfsuite

    rival_objection.MODEL = Path("/nonexistent")
    rival_objection._tagger.cache_clear()
    k, files = int(args.cv[0]), args.cv[1].split(",")
    held = [r for f in files for r in rows_of(f)]
    random.Random(16).shuffle(held)
    others = [r for s in args.sources if s not in files for r in rows_of(s)]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for fold in range(k):
            model = Path(tmp) / f"{fold}.crfsuite"
            train(others + [r for i, r in enumerate(held) if i % k != fold], model)
            tagger = pycrfsuite.Tagger()
            tagger.open(str(model))
            for row in held[fold::k]:
                ex, gold, rules = example(row)
                p = None
                if ex:
                    tagger.set([ex[0]])
                    p = tagger.marginal("y", 0)
                results.append((gold, rules, p))
    for add, drop in ((1.1, -1), (0.8, -1), (1.1, 0.2), (0.8, 0.2), (0.7, 0.3), (0.9, 0.1)):
        tp = fp = fn = ctp = cfp = cfn = 0
        for gold, rules, p in results:
            pred = set(rules)
            if p is not None and p >= add:
                pred.add("competitor")
            if p is not None and p <= drop:
                pred.discard("competitor")
            tp += len(gold & pred); fp += len(pred - gold); fn += len(gold - pred)
            g, q = "competitor" in gold, "competitor" in pred
            ctp += g and q; cfp += q and not g; cfn += g and not q
        print(f"add>={add} drop<={drop}: objections F1 {2 * tp / (2 * tp + fp + fn):.3f}; "
              f"competitor tp={ctp} fp={cfp} fn={cfn}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
