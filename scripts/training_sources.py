"""The annotated notes every training script learns from, in one list, and the sets none may learn from.

The check and locked sets are scored only: a source whose name says check or locked is refused.
"""
from __future__ import annotations

SOURCES = ["tests/data/notes_dev.jsonl", "tests/data/notes_holdout.jsonl",
           "tests/data/notes_real/notes_working.jsonl", "tests/data/notes_real/notes_train2.jsonl",
           "tests/data/notes_real/notes_train3.jsonl", "tests/data/notes_real/notes_train4.jsonl",
           "tests/data/notes_real/notes_train5.jsonl", "packs"]
SEALED = ("notes_locked", "locked50", "check")


def refuse_sealed(source: str) -> None:
    if any(word in source for word in SEALED):
        raise SystemExit("the locked and check sets are never trained on")
