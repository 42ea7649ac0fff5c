"""The whole parser's figures where nobody tuned: K-fold cross-validation of the learned parts I own.

usage: python scripts/cv_parser.py [--k 5] [--files A,B] [--models DIR] [--only NAME,...] [--out PRED.jsonl] [--check FILE]

FILES (default train2 + train3) are split into K folds (seed 16). For each fold the rival labeller, the
company labeller, the rival-objection model and the date and money kind models are trained on every other
source (dev, holdout, working, the packs and the other folds) and the fold is parsed with them; the
product models and the objection model (nlu/objection_model.py, trained on these folds too: its held-out
figures are scripts/train_objections.py's) are the shipped ones. Trained models are kept in DIR/foldN (reused unless --only names
them: competitors, companies, names (the one labeller alone), rival_objection, kinds). Prints the slot figures, the objections per
category (tp/fp/fn) and the competitor errors; --out writes {id, expected, predicted} lines for counting.
--check FILE scores FILE (never trained on) with the shipped models, counts only. The locked set is refused.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import name_labeller_training as names_training  # noqa: E402
import train_competitor_crf  # noqa: E402
import train_kinds  # noqa: E402
import train_rival_objection  # noqa: E402
from training_sources import SOURCES, rows_of  # noqa: E402
import train_name_labeller  # noqa: E402
from nlu import company_crf, competitor_crf, kind_model, name_labeller, rival_objection  # noqa: E402
from nlu.evaluate import CORE, score  # noqa: E402
from nlu.parser import parse  # noqa: E402

FILES = "tests/data/notes_real/notes_train2.jsonl,tests/data/notes_real/notes_train3.jsonl"
OTHERS = SOURCES  # the files cross-validated are taken out of them
MODELS = ("competitors", "companies", "rival_objection", "kinds")


def rows(source: str) -> list[dict]:
    if "locked" in source:
        raise SystemExit("the locked sets are never read")
    if source != "packs" and not (ROOT / source).exists():
        return []
    return rows_of(source, scoring=True)


def company_names(row: dict) -> list[str]:
    company = ((row.get("expected") or {}).get("customer") or {}).get("company")
    return [company] if company else []


def use(folder: Path | None) -> None:
    """Point the learned parts at the models in folder (None: the shipped ones)."""
    shipped = ROOT / "nlu" / "models"
    base = folder or shipped
    competitor_crf.MODEL = base / "competitors.crfsuite"
    company_crf.MODEL = base / "companies.crfsuite"
    rival_objection.MODEL = base / "rival_objection.crfsuite"
    name_labeller.MODEL = base / "names.crfsuite"  # ships in place of the company and rival labellers
    kind_model.FILES = {"date": base / "date_kinds.crfsuite", "money": base / "money_kinds.crfsuite"}
    competitor_crf._tagger.cache_clear()
    company_crf._tagger.cache_clear()
    rival_objection._tagger.cache_clear()
    name_labeller._tagger.cache_clear()
    name_labeller._kinds.cache_clear()
    kind_model.reset()


def train_fold(folder: Path, train_rows: list[dict], only: set[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    use(None)  # examples are made by the shipped parser, as the training scripts do
    if "competitors" in only or not (folder / "competitors.crfsuite").exists():
        train_competitor_crf.train(train_rows, folder / "competitors.crfsuite")
    if "companies" in only or not (folder / "companies.crfsuite").exists():
        names_training.train(train_rows, folder / "companies.crfsuite", company_names)
    if {"companies", "competitors", "names"} & set(only) or not (folder / "names.crfsuite").exists():
        train_name_labeller.KINDS[:] = name_labeller.model_kinds() or train_name_labeller.KINDS
        train_name_labeller.train(train_rows, folder / "names.crfsuite")
    if "rival_objection" in only or not (folder / "rival_objection.crfsuite").exists():
        rival_objection.MODEL = Path("/nonexistent")
        rival_objection._tagger.cache_clear()
        train_rival_objection.train(train_rows, folder / "rival_objection.crfsuite")
        use(None)
    if "kinds" in only or not (folder / "money_kinds.crfsuite").exists():
        notes = [train_kinds.record({**r, "_source": r.get("_source", "x")}) for r in train_rows]
        for what in ("date", "money"):
            train_kinds.train(notes, what, folder / kind_model.FILES[what].name)


def predict(rows_: list[dict]) -> dict:
    return {r["id"]: parse(r["text"], datetime.fromisoformat(r["ref"]), r.get("industry")) for r in rows_}


def report(name: str, rows_: list[dict], preds: dict) -> None:
    s = score(rows_, preds)
    print(f"{name}: notes {len(rows_)} micro {s['micro']['f1']:.3f} exact {s['exact_notes']:.3f}")
    print("  " + "  ".join(f"{k} {s[k]['f1']:.3f}" for k in CORE + ["money.amount_only", "dates.date_only"]))
    cat = {}
    for r in rows_:
        gold = set((r.get("expected") or {}).get("objections") or [])
        pred = set(preds[r["id"]].get("objections") or [])
        for c in gold | pred:
            t = cat.setdefault(c, Counter())
            t["tp" if c in gold and c in pred else "fp" if c in pred else "fn"] += 1
    print("  objections: " + "  ".join(f"{c} {t['tp']}/{t['fp']}/{t['fn']}" for c, t in
                                         sorted(cat.items(), key=lambda kv: -(kv[1]['fp'] + kv[1]['fn']))))
    c = s["competitors"]
    print(f"  competitors tp/fp/fn {c['tp']}/{c['fp']}/{c['fn']}; company {s['customer.company']['tp']}/"
          f"{s['customer.company']['fp']}/{s['customer.company']['fn']}; money {s['money']['tp']}/{s['money']['fp']}/{s['money']['fn']}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--files", default=FILES)
    ap.add_argument("--models", default="/tmp/parser_cv")
    ap.add_argument("--only", default="")
    ap.add_argument("--out")
    ap.add_argument("--check")
    args = ap.parse_args()
    if args.check:
        use(None)
        held = rows(args.check)
        preds = predict(held)
        report(Path(args.check).stem, held, preds)  # counts only: a check set is never read line by line
        return 0
    only = set(filter(None, args.only.split(",")))
    held = [r for f in args.files.split(",") for r in rows(f)]
    for i, r in enumerate(held):
        r.setdefault("id", f"cv{i}")
    random.Random(16).shuffle(held)
    others = [r for s in OTHERS if s not in args.files.split(",") for r in rows(s)]
    preds = {}
    for fold in range(args.k):
        folder = Path(args.models) / f"fold{fold}"
        train_fold(folder, others + [r for i, r in enumerate(held) if i % args.k != fold], only)
        use(folder)
        preds.update(predict(held[fold::args.k]))
        print(f"fold {fold} done", file=sys.stderr, flush=True)
    use(None)
    report(f"{args.k}-fold CV", held, preds)
    if args.out:
        write(args.out, held, preds)
    return 0


def write(path: str, rows_: list[dict], preds: dict) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for r in rows_:
            f.write(json.dumps({"id": r["id"], "text": r["text"], "expected": r.get("expected"),
                                "predicted": {k: preds[r["id"]].get(k) for k in
                                              ("customer", "items", "dates", "money", "objections", "competitors",
                                               "objection_evidence")}}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    raise SystemExit(main())
