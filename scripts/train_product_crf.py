"""Train the product-span CRF (nlu/product_crf.py) on annotated notes, or measure it by cross-validation.

usage: python scripts/train_product_crf.py [--out nlu/models/products.crfsuite] [--cv K FILE] [SOURCES...]

Sources are annotated notes files (JSON Lines of NOTES_SCHEMA) and the industry packs' examples. Each
quantity of a note is one training sequence: the characters around it, labelled B/I where the gold
product of that quantity is written (nearest its number), O elsewhere. --cv K FILE splits FILE into K
folds, trains on the other folds plus the sources, and prints the parser's item F1 on each held-out fold
with and without the model (the decision to ship it is taken on these figures).
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

from nlu import product_crf  # noqa: E402
from nlu.items import _unit_of, _units  # noqa: E402
from nlu.normalize import normalize  # noqa: E402
from nlu.note import Note  # noqa: E402
from nlu.numbers import find_quantities  # noqa: E402
from nlu.parser import choose_pack  # noqa: E402
from training_sources import SOURCES, rows_of, train_crf  # noqa: E402

DEFAULT_SOURCES = [s for s in SOURCES if not s.endswith("notes_dev.jsonl")]  # the dev notes' products are the rules' own


def sequences(row: dict):
    note = Note.build(row["text"], datetime.fromisoformat(row["ref"]), None)
    note.pack = choose_pack(note.text, row.get("industry"))
    if not note.text:
        return
    quantities = find_quantities(note.text, units=_units(note))
    gold = [(normalize(i["product"] or "").replace(" ", ""), i["quantity"], normalize(i["unit"] or ""))
            for i in (row.get("expected") or {}).get("items") or []]
    for q in quantities:
        unit, _ = _unit_of(note.text, q)
        lo, hi = product_crf.window(note, q)
        if hi <= lo:
            continue
        labels = ["O"] * (hi - lo)
        for product, quantity, gunit in gold:
            if not product or abs(float(quantity) - float(q.value)) > 1e-6 or (gunit and unit and gunit.lower() != str(unit).lower()):
                continue
            spans = [(i, i + len(product)) for i in _find_all(note.text, product, lo, hi)]
            if spans:
                before = [s for s in spans if s[1] <= q.start]
                s, e = before[-1] if before else min(spans, key=lambda s: abs(s[0] - q.end))
                labels[s - lo:e - lo] = ["B"] + ["I"] * (e - s - 1)
            break
        yield product_crf.features(note, q, lo, hi), labels


def _find_all(text: str, word: str, lo: int, hi: int):
    i = text.find(word, lo)
    while 0 <= i and i + len(word) <= hi:
        yield i
        i = text.find(word, i + 1)


def train(rows: list[dict], out: Path) -> None:
    train_crf((seq for row in rows for seq in sequences(row)), out)


def item_f1(rows: list[dict], model: Path | None) -> float:
    from nlu.evaluate import predict, score

    product_crf._tagger.cache_clear()
    saved = product_crf.MODEL
    product_crf.MODEL = model if model is not None else Path("/nonexistent")
    try:
        return score(rows, predict(rows))["items"]["f1"]
    finally:
        product_crf.MODEL = saved
        product_crf._tagger.cache_clear()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sources", nargs="*", default=DEFAULT_SOURCES)
    ap.add_argument("--out", default=str(product_crf.MODEL))
    ap.add_argument("--cv", nargs=2, metavar=("K", "FILE"))
    args = ap.parse_args()
    if args.cv:
        k, file = int(args.cv[0]), args.cv[1]
        held = rows_of(file)
        random.Random(16).shuffle(held)
        others = [r for s in args.sources if s != file for r in rows_of(s)]
        with_model, without = [], []
        for fold in range(k):
            test = held[fold::k]
            train_rows = others + [r for i, r in enumerate(held) if i % k != fold]
            with tempfile.TemporaryDirectory() as tmp:
                model = Path(tmp) / "fold.crfsuite"
                train(train_rows, model)
                with_model.append(item_f1(test, model))
            without.append(item_f1(test, None))
            print(f"fold {fold}: items F1 rules {without[-1]:.3f}, rules + CRF {with_model[-1]:.3f}", flush=True)
        print(f"mean: rules {sum(without) / k:.3f}, rules + CRF {sum(with_model) / k:.3f}")
        return 0
    rows = [r for s in args.sources for r in rows_of(s)]
    train(rows, Path(args.out))
    print(f"trained on {len(rows)} notes -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
