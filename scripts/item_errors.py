"""Where the parser's order lines go wrong, counted by kind, on notes nobody tuned on.

usage: python scripts/item_errors.py --cv K FILE [FILE...] [--show KIND] [--models DIR] [--retrain]
       python scripts/item_errors.py --check FILE          (counts only: a check set is never read)

--cv pools the files, splits them into K folds (seed 16) and parses each fold with the two product models
(nlu/product_crf.py, nlu/product_names.py) trained without it on their scripts' own sources; the fold
models are kept in --models DIR and reused until --retrain. --check parses FILE with the shipped models.
Each wrong line is classified: a gold line and a predicted line with the same quantity and unit are a
product error (null, too wide, too narrow, shifted, another noun phrase); the same quantity with another
unit is a unit error; what is left is a missed line (its number read as a quantity or not) or a spurious
one. --show KIND prints the training notes' lines of that kind (never those of a check or locked set).
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import name_labeller_training as names_training  # noqa: E402  (puts the repository on the path)
import train_product_crf  # noqa: E402
from nlu import evaluate, product_crf, product_names  # noqa: E402
from nlu.evaluate import norm, num  # noqa: E402

SEALED = ("notes_locked", "locked50", "check")


def gold_names(row: dict) -> list[str]:
    return [i.get("product") or "" for i in (row.get("expected") or {}).get("items") or []]


def train_fold(rows_without: set[str], folder: Path, retrain: bool) -> tuple[Path, Path]:
    """The two product models trained on their scripts' sources, minus the notes with these ids."""
    crf, names = folder / "products.crfsuite", folder / "product_names.crfsuite"
    if retrain or not crf.exists():
        rows = [r for s in train_product_crf.DEFAULT_SOURCES for r in train_product_crf.rows_of(s)
                if r.get("id") not in rows_without]
        train_product_crf.train(rows, crf)
    if retrain or not names.exists():
        rows = [r for s in names_training.DEFAULT_SOURCES for r in names_training.rows_of(s)
                if r.get("id") not in rows_without]
        names_training.train(rows, names, gold_names)
    return crf, names


def predict_with(rows: list[dict], crf: Path, names: Path) -> dict:
    saved = product_crf.MODEL, product_names.MODEL
    product_crf.MODEL, product_names.MODEL = crf, names
    product_crf._tagger.cache_clear()
    product_names._tagger.cache_clear()
    try:
        return evaluate.predict(rows)
    finally:
        product_crf.MODEL, product_names.MODEL = saved
        product_crf._tagger.cache_clear()
        product_names._tagger.cache_clear()


def _line(item: dict) -> tuple:
    return norm(item.get("product")), num(item.get("quantity")), norm(item.get("unit"))


def _relation(gold: str | None, found: str | None) -> str:
    if found is None:
        return "product null"
    if gold is None:
        return "product where gold null"
    if gold in found:
        return "too wide"
    if found in gold:
        return "too narrow"
    if any(gold[i:i + 2] in found for i in range(len(gold) - 1)):
        return "shifted"
    return "other noun phrase"


def classify(row: dict, prediction: dict) -> list[tuple[str, tuple | None, tuple | None]]:
    """(kind, gold line, predicted line) for every wrong line of a note."""
    gold = {_line(i) for i in (row.get("expected") or {}).get("items") or []}
    found = {_line(i) for i in (prediction or {}).get("items") or []}
    missed, extra = sorted(gold - found, key=str), sorted(found - gold, key=str)
    out = []
    for g in list(missed):  # the same quantity and unit: the product is wrong
        p = next((p for p in extra if p[1:] == g[1:]), None)
        if p is not None:
            out.append((_relation(g[0], p[0]), g, p))
            missed.remove(g)
            extra.remove(p)
    for g in list(missed):  # the same quantity, another unit
        p = next((p for p in extra if p[1] == g[1]), None)
        if p is not None:
            out.append(("unit wrong" if p[0] == g[0] else "unit and product wrong", g, p))
            missed.remove(g)
            extra.remove(p)
    read = _quantities_read(row)
    out += [("missed" + ("" if g[1] in read else ": number not read"), g, None) for g in missed]
    out += [("spurious", None, p) for p in extra]
    if "self_repair" in (row.get("style") or []):
        out = [(k + " (self-repair note)" if k in ("missed", "spurious") else k, g, p) for k, g, p in out]
    return out


def _quantities_read(row: dict) -> set:
    """The values the quantity finder reads in the note (to tell a number not read from a line dropped)."""
    from nlu.items import _units
    from nlu.note import Note
    from nlu.numbers import find_quantities
    from nlu.parser import choose_pack

    note = Note.build(row["text"], datetime.fromisoformat(row["ref"]), None)
    note.pack = choose_pack(note.text, row.get("industry"))
    return {num(q.value) for q in find_quantities(note.text, units=_units(note))}


def report(rows: list[dict], predictions: dict, show: str | None) -> None:
    result = evaluate.score(rows, predictions)
    it, qu = result["items"], result["items.qty_unit"]
    print(f"items F1 {it['f1']:.3f} (tp {it['tp']}, fp {it['fp']}, fn {it['fn']}); quantity+unit F1 {qu['f1']:.3f}; "
          f"micro {result['micro']['f1']:.4f}")
    kinds = Counter()
    for row in rows:
        for kind, g, p in classify(row, predictions.get(row.get("id"))):
            kinds[kind] += 1
            if show and (show == "all" or kind.startswith(show)):
                lines = [_line(i) for i in (predictions.get(row.get("id")) or {}).get("items") or []]
                print(f"  [{kind}] {row['id']} gold={g} found={p} all={lines}\n    {row['text']}")
    for kind, n in kinds.most_common():
        print(f"  {n:4d}  {kind}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cv", nargs="+", metavar="K FILE")
    ap.add_argument("--check")
    ap.add_argument("--show")
    ap.add_argument("--models", default="/tmp/item_errors_models")
    ap.add_argument("--retrain", action="store_true")
    args = ap.parse_args()
    if args.check:
        if "locked" in args.check:
            raise SystemExit("the locked sets are scored by the lead only")
        rows = evaluate.read_rows(args.check)
        report(rows, evaluate.predict(rows), None)  # counts only: a check set is never read line by line
        return 0
    k, files = int(args.cv[0]), args.cv[1:]
    if any(s in f for f in files for s in SEALED):
        raise SystemExit("the locked and check sets are never read")
    held = [json.loads(line) for f in files for line in open(f, encoding="utf-8") if line.strip()]
    random.Random(16).shuffle(held)
    predictions = {}
    for fold in range(k):
        test = held[fold::k]
        folder = Path(args.models) / f"{k}-{'+'.join(Path(f).stem for f in files)}" / f"fold{fold}"
        crf, names = train_fold({r["id"] for r in test}, folder, args.retrain)
        predictions.update(predict_with(test, crf, names))
    report(held, predictions, args.show)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
