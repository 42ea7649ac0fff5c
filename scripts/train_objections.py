"""Train the objection model (nlu/objection_model.py), or measure it by cross-validation.

usage: python scripts/train_objections.py [--out nlu/models/objections.json] [--cv K] [--check FILE,...] [SOURCES...]

Each annotated note gives one example per judged category: the rules' findings and the note's words by
voice, labelled y when the gold objections hold the category. --cv K prints, over K folds of all the
sources, the objections' tp/fp/fn per category for the rules alone (add>=1.1) and with the model at
several thresholds; --check FILE trains on all the sources and prints the same counts on FILE (scored only,
never trained on; the locked set is refused).
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
from collections import Counter
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import nlu.parser as parser_module  # noqa: E402
from nlu import objection_model  # noqa: E402
from nlu.objections import said_categories  # noqa: E402
from training_sources import SOURCES, rows_of  # noqa: E402

PARAMS = {"c1": 0.05, "c2": 0.5, "max_iterations": 150}
THRESHOLDS = (1.1, 0.9, 0.8, 0.7, 0.6)  # 1.1: the rules alone


def examples(rows: list[dict]) -> list[tuple[list[str], set[str], set[str]]]:
    """(category-free features, (rules' categories, categories whose phrases the rules read), gold categories)
    per row, the rules as the parser runs them."""
    seen = []

    def capture(note, raised):
        seen.append(((objection_model.clause_words(note), objection_model.voices(note)),
                     ({c for c, _ in raised}, said_categories(note))))
        return raised

    saved = parser_module.with_objection_model
    parser_module.with_objection_model = capture
    out = []
    try:
        for row in rows:
            seen.clear()
            parser_module.parse(row["text"], datetime.fromisoformat(row["ref"]), row.get("industry"))
            base, found = seen[0] if seen else (([], []), (set(), set()))
            out.append((base, found, set((row.get("expected") or {}).get("objections") or [])))
    finally:
        parser_module.with_objection_model = saved
    return out


def cached(path: str | None, rows: list[dict]):
    import pickle

    if path and Path(path).exists():
        raw = pickle.loads(Path(path).read_bytes())
    else:
        raw = examples(rows)
        if path:
            Path(path).write_bytes(pickle.dumps(raw))
    return [(objection_model.features(*base), found, gold) for base, found, gold in raw]


def train(exs, out: Path) -> None:
    import pycrfsuite

    trainer = pycrfsuite.Trainer(verbose=False)
    for base, found, gold in exs:
        for c in objection_model.JUDGED:
            trainer.append([objection_model.category_features(c, base)], ["y" if c in gold else "n"])
    trainer.set_params(PARAMS)
    out.parent.mkdir(parents=True, exist_ok=True)
    trainer.train(str(out))


def export(exs, out: Path) -> None:
    """Train, and write the model's weights as nlu/objection_model.py reads them."""
    import json

    with tempfile.TemporaryDirectory() as tmp:
        train(exs, Path(tmp) / "m.crfsuite")
        weights = objection_model.weights_of(Path(tmp) / "m.crfsuite")
    out.write_text(json.dumps(weights, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n", encoding="utf-8")


def judged(model: Path, exs) -> list[tuple[set[str], set[str], dict[str, float]]]:
    import pycrfsuite

    tagger = pycrfsuite.Tagger()
    tagger.open(str(model))
    out = []
    for base, found, gold in exs:
        p = {}
        for c in objection_model.JUDGED:
            tagger.set([objection_model.category_features(c, base)])
            p[c] = tagger.marginal("y", 0)
        out.append((gold, found, p))
    return out


def counts(results, add: float) -> None:
    """The objections' counts with a category added as nlu/objection_model.with_model adds it."""
    cat: dict[str, Counter] = {}
    for gold, (found, said), p in results:
        pred = found | {c for c, v in p.items() if v >= add and c not in said}
        for c in gold | pred:
            cat.setdefault(c, Counter())["tp" if c in gold and c in pred else "fp" if c in pred else "fn"] += 1
    tp, fp, fn = (sum(t[k] for t in cat.values()) for k in ("tp", "fp", "fn"))
    print(f"add>={add}: F1 {2 * tp / (2 * tp + fp + fn):.3f} tp/fp/fn {tp}/{fp}/{fn}  "
          + "  ".join(f"{c} {t['tp']}/{t['fp']}/{t['fn']}" for c, t in sorted(cat.items())))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sources", nargs="*", default=SOURCES)
    ap.add_argument("--out", default=str(objection_model.MODEL))
    ap.add_argument("--cv", type=int)
    ap.add_argument("--check")
    ap.add_argument("--cache", help="keep the examples in this file (the rules unchanged between runs)")
    args = ap.parse_args()
    rows = [r for s in args.sources for r in rows_of(s)]
    exs = cached(args.cache, rows)
    if not args.cv and not args.check:
        export(exs, Path(args.out))
        print(f"trained on {len(exs)} notes -> {args.out}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        if args.cv:
            order = list(range(len(exs)))
            random.Random(16).shuffle(order)
            results = []
            for fold in range(args.cv):
                model = Path(tmp) / f"{fold}.crfsuite"
                train([exs[i] for k, i in enumerate(order) if k % args.cv != fold], model)
                results += judged(model, [exs[i] for k, i in enumerate(order) if k % args.cv == fold])
            print(f"{args.cv}-fold CV over {len(exs)} notes")
            for add in THRESHOLDS:
                counts(results, add)
        for check in filter(None, (args.check or "").split(",")):
            model = Path(tmp) / "all.crfsuite"
            if not model.exists():
                train(exs, model)
            held = cached(args.cache and f"{args.cache}.{Path(check).stem}", rows_of(check, scoring=True))
            print(f"{Path(check).stem} (scored only)")
            for add in THRESHOLDS:
                counts(judged(model, held), add)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
