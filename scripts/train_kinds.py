"""Train the kind classifiers of dates and amounts (nlu/kind_model.py), or measure them.

usage: python scripts/train_kinds.py [--out-dir DIR] [--cv K] [--check FILE ...] [--min-sure DU D MU M] [SOURCES...]

Sources are annotated notes files (JSON Lines of NOTES_SCHEMA) and `packs`, the industry packs' examples.
Each date (amount) the parser finds in an annotated note is one sample: the features nlu/kind_model.py
computes for it (the rule's kind among them), labelled with the gold kind of the same day (amount); a
mention whose day (amount) is not in the gold facts, or whose day has two gold kinds not told apart by
the date's text, is left out. Without --cv or --check the models are written to nlu/models/ (or --out-dir). --cv K splits the
sources' notes into K folds and prints the dates and money slot F1 of every source on its held-out folds,
rules alone against rules + model; --check FILE scores FILE (never trained on) with models trained on all
sources. The figures are the parser's own (the same sets of facts as nlu/evaluate.py). The locked set and
the check sets are refused as sources.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
from collections import defaultdict
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlu import kind_model  # noqa: E402
from nlu.evaluate import _prf, facts, num  # noqa: E402
from nlu.normalize import normalize  # noqa: E402
from nlu.parser import parse  # noqa: E402
from training_sources import SOURCES, rows_of  # noqa: E402

DEFAULT_SOURCES = SOURCES
PARAMS = {"date": {"c1": 0.05, "c2": 0.05, "max_iterations": 200},  # chosen by the cross-validation
          "money": {"c1": 0.2, "c2": 0.05, "max_iterations": 200}}


def record(row: dict) -> dict:
    """The parser's mentions of one note, each with its features, the rule's kind and the gold kind."""
    kind_model.recording = []
    try:
        parse(row["text"], datetime.fromisoformat(row["ref"]), row.get("industry"))
        seen = kind_model.recording
    finally:
        kind_model.recording = None
    whole = [r for r in seen if r[1] is seen[0][1]] if seen else []  # the whole note, not its parts
    gold = row.get("expected") or {}
    samples = []
    for what, note, start, end, features, rule, unsure, extra in whole:
        if what == "date":
            key = extra.date.isoformat()
            kinds = {d.get("kind") for d in gold.get("dates") or [] if str(d.get("date"))[:10] == key}
            if len(kinds) > 1:  # one day, two kinds: the date's own words tell which
                said = normalize(extra.text).replace(" ", "")
                kinds = {d.get("kind") for d in gold.get("dates") or []
                         if str(d.get("date"))[:10] == key and normalize(d.get("text") or "").replace(" ", "") == said}
        else:
            key = num(extra.amount)
            kinds = {m.get("kind") for m in gold.get("money") or [] if num(m.get("amount")) == key}
        samples.append({"what": what, "key": key, "features": features, "rule": rule, "unsure": unsure,
                        "gold": kinds.pop() if len(kinds) == 1 else None})
    return {"source": row["_source"], "gold": facts(gold), "samples": samples}


def train(notes: list[dict], what: str, out: Path) -> None:
    import pycrfsuite

    trainer = pycrfsuite.Trainer(verbose=False)
    for n in notes:
        for s in n["samples"]:
            if s["what"] == what and s["gold"]:
                trainer.append([s["features"]], [s["gold"]])
    trainer.set_params(PARAMS[what])
    out.parent.mkdir(parents=True, exist_ok=True)
    trainer.train(str(out))


def predicted(note: dict, taggers: dict | None, min_sure: dict) -> dict[str, set]:
    """The note's dates and money facts with the model's kinds (rules alone without taggers)."""
    out = {"dates": set(), "money": set()}
    for s in note["samples"]:
        kind = s["rule"]
        tagger = (taggers or {}).get(s["what"])
        if tagger is not None:
            label = tagger.tag([s["features"]])[0]
            if label != kind and tagger.marginal(label, 0) >= min_sure[s["what"]][0 if s["unsure"] else 1]:
                kind = label
        out["dates" if s["what"] == "date" else "money"].add((s["key"], kind))
    return out


def slot_f1(pairs) -> dict[str, float]:
    """{slot: F1} over (gold facts, predicted facts) of many notes."""
    out = {}
    for slot in ("dates", "money"):
        tp = fp = fn = 0
        for gold, pred in pairs:
            a, b = gold.get(slot, set()), pred[slot]
            tp, fp, fn = tp + len(a & b), fp + len(b - a), fn + len(a - b)
        out[slot] = _prf(tp, fp, fn)["f1"]
    return out


def taggers_for(notes: list[dict], tmp: Path) -> dict:
    import pycrfsuite

    out = {}
    for what in ("date", "money"):
        path = tmp / f"{what}.crfsuite"
        train(notes, what, path)
        out[what] = pycrfsuite.Tagger()
        out[what].open(str(path))
    return out


def report(name: str, notes: list[dict], model_preds: list[dict], min_sure: dict) -> None:
    rules = slot_f1([(n["gold"], predicted(n, None, min_sure)) for n in notes])
    model = slot_f1(list(zip([n["gold"] for n in notes], model_preds)))
    print(f"{name:16s} notes {len(notes):4d}  dates {rules['dates']:.3f} -> {model['dates']:.3f}   "
          f"money {rules['money']:.3f} -> {model['money']:.3f}", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sources", nargs="*", default=DEFAULT_SOURCES)
    ap.add_argument("--out-dir", default=str(kind_model.MODELS))
    ap.add_argument("--cv", type=int, default=0)
    ap.add_argument("--check", nargs="*", default=[])
    ap.add_argument("--min-sure", type=float, nargs=4, metavar=("DATE_UNSURE", "DATE", "MONEY_UNSURE", "MONEY"),
                    default=[*kind_model.MIN_SURE["date"], *kind_model.MIN_SURE["money"]])
    args = ap.parse_args()
    min_sure = {"date": tuple(args.min_sure[:2]), "money": tuple(args.min_sure[2:])}
    notes = [record(r) for s in args.sources for r in rows_of(s)]
    if args.cv:
        order = list(range(len(notes)))
        random.Random(16).shuffle(order)
        preds: list[dict] = [{}] * len(notes)
        for fold in range(args.cv):
            held = set(order[fold::args.cv])
            with tempfile.TemporaryDirectory() as tmp:
                taggers = taggers_for([n for i, n in enumerate(notes) if i not in held], Path(tmp))
                for i in held:
                    preds[i] = predicted(notes[i], taggers, min_sure)
        print(f"{args.cv}-fold cross-validation, rules -> rules + model (min sure {min_sure})")
        by_source = defaultdict(list)
        for i, n in enumerate(notes):
            by_source[n["source"]].append(i)
        for source, idx in by_source.items():
            report(source, [notes[i] for i in idx], [preds[i] for i in idx], min_sure)
        report("all", notes, preds, min_sure)
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            taggers = taggers_for(notes, Path(tmp))
            for file in args.check:
                held = [record(r) for r in rows_of(file, scoring=True)]
                report(Path(file).stem, held, [predicted(n, taggers, min_sure) for n in held], min_sure)
    if not args.cv and not args.check:
        for what in ("date", "money"):
            train(notes, what, Path(args.out_dir) / kind_model.FILES[what].name)
        kind_model.reset()
        counts = {w: sum(1 for n in notes for s in n["samples"] if s["what"] == w and s["gold"]) for w in ("date", "money")}
        print(f"trained on {len(notes)} notes ({counts['date']} dates, {counts['money']} amounts) -> "
              f"{args.out_dir}/{kind_model.FILES['date'].name}, {kind_model.FILES['money'].name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
