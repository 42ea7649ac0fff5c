"""Train the company CRF (nlu/company_crf.py) on annotated notes, or measure it by cross-validation.

usage: python scripts/train_company_crf.py [--out nlu/models/companies.crfsuite] [--cv K FILE] [SOURCES...]

Each note is one training sequence: its characters, labelled B/I wherever the gold customer company is
written (every occurrence), O elsewhere; the contacts are marked as known to be someone. --cv K FILE
splits FILE into K folds, trains on the other folds plus the sources, and prints the parser's company F1
on each held-out fold with and without the model.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from name_labeller_training import main  # noqa: E402
from nlu import company_crf  # noqa: E402  (name_labeller_training put the repository on the path)


def names(row: dict) -> list[str]:
    company = ((row.get("expected") or {}).get("customer") or {}).get("company")
    return [company] if company else []


if __name__ == "__main__":
    raise SystemExit(main(__doc__, company_crf, "customer.company", names))
