"""Train the objection model (nlu/objection_model.py) on annotated notes, or measure it.

usage: python scripts/train_objection_model.py [--out nlu/models/objections.crfsuite] [--cv K FILE] [--test FILE] [SOURCES...]

--cv K FILE: K folds of FILE, each scored by a model trained on the other folds plus the sources;
--test FILE: FILE scored by a model trained on the sources. Both print the objection F1 of the rules
alone and of the rules with the model for a grid of (add, drop) probabilities.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlu import objection_model  # noqa: E402
from nlu.note import Note  # noqa: E402
from nlu.parser import choose_pack  # noqa: E402

DEFAULT_SOURCES = ["tests/data/notes_dev.jsonl", "tests/data/notes_holdout.jsonl",
                   "tests/data/notes_real/notes_working.jsonl", "tests/data/notes_real/notes_train2.jsonl"]


def rows_of(source: str) -> list[dict]:
    if "notes_locked" in source or "check2" in source or "locked50" in source:
        raise SystemExit("the locked and check sets are never trained on")
    path = Path(source) if Path(source).is_absolute() else ROOT / source
    if not path.exists():
        return []
    return [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]


def note_of(row: dict) -> Note:
    note = Note.build(row["text"], datetime.fromisoformat(row["ref"]), None)
    note.pack = choose_pack(note.text, row.get("industry"))
    return note


def train(rows: list[dict], out: Path) -> None:
    import pycrfsuite

    trainer = pycrfsuite.Trainer(verbose=False)
    for row in rows:
        note = note_of(row)
        if not note.text:
            continue
        gold = set((row.get("expected") or {}).get("objections") or [])
        feats = objection_model.note_features(note, _rivals(row))
        for c in objection_model.CATEGORIES:
            trainer.append([objection_model.items(feats, c)], ["y" if c in gold else "n"])
    trainer.set_params({"c1": 0.05, "c2": 0.05, "max_iterations": 200, "feature.possible_transitions": True})
    out.parent.mkdir(parents=True, exist_ok=True)
    trainer.train(str(out))


def _rivals(row: dict) -> int:
    """The number of rivals the parser finds (what the model sees at run time)."""
    from nlu.parser import parse

    return len(parse(row["text"], datetime.fromisoformat(row["ref"]), row.get("industry"))["competitors"])


def scored(rows: list[dict], model: Path) -> list[tuple[set, set, dict]]:
    """(gold, rules' categories, model probabilities) per row."""
    from nlu.parser import parse

    saved = objection_model.MODEL
    objection_model.MODEL = Path("/nonexistent")
    objection_model._table.cache_clear()
    rules = [set(parse(r["text"], datetime.fromisoformat(r["ref"]), r.get("industry"))["objections"]) for r in rows]
    objection_model.MODEL = model
    objection_model._table.cache_clear()
    probs = []
    for r in rows:  # a category's probability, or 0 where the clause it would cite is not the customer's
        note = note_of(r)
        p = objection_model.probabilities(note, _rivals(r)) or {}
        probs.append({c: x if objection_model.customer_says(note, objection_model.best_clause(note, c)) else 0.0
                      for c, x in p.items()})
    objection_model.MODEL = saved
    objection_model._table.cache_clear()
    return [(set((r.get("expected") or {}).get("objections") or []), rule, p) for r, rule, p in zip(rows, rules, probs)]


def report(results: list[tuple[set, set, dict]]) -> None:
    def f1(pairs):
        tp = sum(len(g & p) for g, p in pairs)
        fp = sum(len(p - g) for g, p in pairs)
        fn = sum(len(g - p) for g, p in pairs)
        return f"F1={2 * tp / (2 * tp + fp + fn):.3f} (tp={tp} fp={fp} fn={fn})"
    print("rules alone:", f1([(g, r) for g, r, _ in results]))
    print("model alone (p>0.5):", f1([(g, {c for c, x in p.items() if x > 0.5}) for g, _, p in results]))
    for add in (0.8, 0.9, 0.95, 1.01):
        line = []
        for drop in (0.0, 0.01):
            combined = [(g, {c for c in r if p.get(c, 1) >= drop} | {c for c, x in p.items() if x > add}) for g, r, p in results]
            line.append(f"drop<{drop}: {f1(combined)}")
        print(f"add>{add}: " + " | ".join(line))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sources", nargs="*", default=DEFAULT_SOURCES)
    ap.add_argument("--out", default=str(objection_model.MODEL))
    ap.add_argument("--cv", nargs=2, metavar=("K", "FILE"))
    ap.add_argument("--test", metavar="FILE")
    args = ap.parse_args()
    if args.cv or args.test:
        with tempfile.TemporaryDirectory() as tmp:
            model = Path(tmp) / "m.crfsuite"
            if args.test:
                train([r for s in args.sources for r in rows_of(s)], model)
                report(scored(rows_of(args.test), model))
                return 0
            k, file = int(args.cv[0]), args.cv[1]
            held = rows_of(file)
            random.Random(16).shuffle(held)
            others = [r for s in args.sources if s != file for r in rows_of(s)]
            results = []
            for fold in range(k):
                train(others + [r for i, r in enumerate(held) if i % k != fold], model)
                results += scored(held[fold::k], model)
            report(results)
        return 0
    rows = [r for s in args.sources for r in rows_of(s)]
    train(rows, Path(args.out))
    print(f"trained on {len(rows)} notes -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
