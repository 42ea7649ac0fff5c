"""Train the one name labeller (nlu/name_labeller.py: company, rivals and products in one CRF) on
annotated notes, or measure it against the three labellers it would replace.

usage: python scripts/train_name_labeller.py [--out nlu/models/names.crfsuite] [SOURCES...]
       python scripts/train_name_labeller.py --cv K FILE [FILE...] [SOURCES...]
       python scripts/train_name_labeller.py --check FILE [SOURCES...]

Each note is one training sequence: B-X/I-X wherever a gold name of kind X is written (X: COMP for the
customer's company, RIVAL for a competitor, PROD for an item's product; a name written over another
kind's name is left out; one over its own kind's is labelled again, as the three do), O elsewhere; the contacts are marked as someone else, as for the three. The
sources and refusals are those of scripts/name_labeller_training.py (never the check or locked sets).

--cv K FILE...: the notes of the FILEs in K folds; on each, the three labellers and the one are trained
on the other folds plus the sources, and the parser is scored on the fold with each; the pooled counts
per slot are printed. --check FILE: both trained on the sources, the parser scored on FILE (scored
only, never trained on).
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import name_labeller_training as shared  # noqa: E402
from training_sources import train_crf  # noqa: E402
from nlu import company_crf, competitor_crf, name_labeller, product_names  # noqa: E402

KIND_NAMES = {
    "COMP": lambda row: [((row.get("expected") or {}).get("customer") or {}).get("company") or ""],
    "RIVAL": lambda row: list((row.get("expected") or {}).get("competitors") or []),
    "PROD": lambda row: [item.get("product") or "" for item in (row.get("expected") or {}).get("items") or []],
}
KINDS = ["COMP", "RIVAL", "PROD"]  # --kinds: the kinds the one model labels (the others keep their labeller)
conflicts = 0  # names left out: written over another kind's


def sequence(row: dict):
    global conflicts
    from datetime import datetime

    from nlu.note import Note
    from nlu.parser import choose_pack

    note = Note.build(row["text"], datetime.fromisoformat(row["ref"]), None)
    note.pack = choose_pack(note.text, row.get("industry"))
    if not note.text:
        return None
    labels = ["O"] * len(note.text)
    for kind in KINDS:  # the customer first: a rival or product written over it is left out
        for name in KIND_NAMES[kind](row):
            if not name:
                continue
            for s, e in shared.spans_of(note.text, name):
                if any(label != "O" and not label.endswith(kind) for label in labels[s:e]):
                    conflicts += 1
                    continue
                labels[s:e] = ["B-" + kind] + ["I-" + kind] * (e - s - 1)
    return competitor_crf.features(note, shared.contact_spans(note)), labels


def train(rows: list[dict], out: Path) -> None:
    train_crf((seq for seq in (sequence(row) for row in rows) if seq), out)


def train_three(rows: list[dict], folder: Path) -> dict[str, Path]:
    """The three labellers trained as their own scripts do (the rival's marks need the company model)."""
    import train_competitor_crf

    paths = {"company": folder / "companies.crfsuite", "rival": folder / "competitors.crfsuite",
             "product": folder / "product_names.crfsuite"}
    shared.train(rows, paths["company"], KIND_NAMES["COMP"])
    shared.train(rows, paths["product"], KIND_NAMES["PROD"])
    use(paths, None, one_on=False)
    train_competitor_crf.train(rows, paths["rival"])
    return paths


def use(three: dict[str, Path] | None, one: Path | None, *, one_on: bool) -> None:
    """Point the parser at these models (one_on: the one labeller, else the three)."""
    if three:
        company_crf.MODEL, competitor_crf.MODEL, product_names.MODEL = three["company"], three["rival"], three["product"]
    if one is not None:
        name_labeller.MODEL = one
    name_labeller.ON = one_on
    for module in (company_crf, competitor_crf, product_names, name_labeller):
        module._tagger.cache_clear()
    name_labeller._kinds.cache_clear()


def scores(rows: list[dict]) -> dict:
    from nlu.evaluate import predict, score

    return score(rows, predict(rows))


def add(total: dict, result: dict) -> None:
    from nlu.evaluate import CORE

    for slot in [*CORE, "items"]:
        for key in ("tp", "fp", "fn"):
            total.setdefault(slot, {"tp": 0, "fp": 0, "fn": 0})[key] += result[slot][key]


def report(name: str, total: dict) -> str:
    from nlu.evaluate import CORE

    def f1(t, p, n):
        return 2 * t / (2 * t + p + n) if t + p + n else 1.0

    micro = [sum(total[s][k] for s in CORE) for k in ("tp", "fp", "fn")]
    parts = [f"{s} {f1(*[total[s][k] for k in ('tp', 'fp', 'fn')]):.3f} "
             f"(tp {total[s]['tp']} fp {total[s]['fp']} fn {total[s]['fn']})" for s in ("customer.company", "competitors", "items")]
    return f"{name}: " + "; ".join(parts) + f"; micro {f1(*micro):.4f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sources", nargs="*", default=shared.DEFAULT_SOURCES)
    ap.add_argument("--out", default=str(name_labeller.MODEL))
    ap.add_argument("--cv", nargs="+", metavar="K FILE")
    ap.add_argument("--check", metavar="FILE")
    ap.add_argument("--kinds", default=",".join(KINDS), help="the kinds the one model labels (COMP,RIVAL,PROD)")
    args = ap.parse_args()
    KINDS[:] = [k for k in ("COMP", "RIVAL", "PROD") if k in args.kinds.split(",")]
    if args.cv:
        k, files = int(args.cv[0]), args.cv[1:]
        held = [r for f in files for r in shared.rows_of(f)]
        random.Random(16).shuffle(held)
        others = [r for s in args.sources if s not in files for r in shared.rows_of(s)]
        totals: dict[str, dict] = {"three": {}, "one": {}}
        for fold in range(k):
            test = held[fold::k]
            train_rows = others + [r for i, r in enumerate(held) if i % k != fold]
            with tempfile.TemporaryDirectory() as tmp:
                three = train_three(train_rows, Path(tmp))
                one = Path(tmp) / "names.crfsuite"
                train(train_rows, one)
                use(three, one, one_on=False)
                add(totals["three"], scores(test))
                use(three, one, one_on=True)
                add(totals["one"], scores(test))
            print(f"fold {fold}: " + " | ".join(report(n, t) for n, t in totals.items()), flush=True)
        for name, total in totals.items():
            print("pooled " + report(name, total))
        print(f"names written over another's: {conflicts}")
        return 0
    rows = [r for s in args.sources for r in shared.rows_of(s)]
    if args.check:
        held = [json.loads(line) for line in open(args.check, encoding="utf-8") if line.strip()]  # scored only
        with tempfile.TemporaryDirectory() as tmp:
            three = train_three(rows, Path(tmp))
            one = Path(tmp) / "names.crfsuite"
            train(rows, one)
            for name, on in (("three", False), ("one", True)):
                use(three, one, one_on=on)
                total: dict = {}
                add(total, scores(held))
                print(report(f"{args.check}: {name}", total))
        return 0
    train(rows, Path(args.out))
    print(f"trained on {len(rows)} notes -> {args.out}; names written over another's: {conflicts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
