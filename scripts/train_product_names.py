"""Train the product-name labeller (nlu/product_names.py) on annotated notes, or measure it by cross-validation.

usage: python scripts/train_product_names.py [--out nlu/models/product_names.crfsuite] [--cv K FILE] [SOURCES...]

Each note is one training sequence: its characters, labelled B/I wherever a gold item's product is written
(every occurrence), O elsewhere; the contacts are marked as known to be someone. --cv K FILE splits FILE
into K folds, trains on the other folds plus the sources, and prints the parser's items F1 on each
held-out fold with and without the model.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from name_labeller_training import main  # noqa: E402
from nlu import product_names  # noqa: E402  (name_labeller_training put the repository on the path)


def names(row: dict) -> list[str]:
    return [item.get("product") or "" for item in (row.get("expected") or {}).get("items") or []]


if __name__ == "__main__":
    raise SystemExit(main(__doc__, product_names, "items", names))
