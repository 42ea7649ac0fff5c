"""The annotated notes every training script learns from, in one list, and the sets none may learn from;
and how the sequence labellers are trained from them (one set of CRF parameters).

The check and locked sets are scored only: a source whose name says check or locked is refused.
"""
from __future__ import annotations

from pathlib import Path

SOURCES = ["tests/data/notes_dev.jsonl", "tests/data/notes_holdout.jsonl",
           "tests/data/notes_real/notes_working.jsonl", "tests/data/notes_real/notes_train2.jsonl",
           "tests/data/notes_real/notes_train3.jsonl", "tests/data/notes_real/notes_train4.jsonl",
           "tests/data/notes_real/notes_train5.jsonl", "tests/data/notes_real/notes_train6.jsonl",
           "tests/data/notes_real/notes_train7.jsonl", "tests/data/notes_real/notes_train8.jsonl",
           "tests/data/notes_real/notes_train9.jsonl",
           "packs"]
SEALED = ("notes_locked", "locked50", "check")


def refuse_sealed(source: str) -> None:
    if any(word in source for word in SEALED):
        raise SystemExit("the locked and check sets are never trained on")


CRF_PARAMS = {"c1": 0.1, "c2": 0.01, "max_iterations": 150, "feature.possible_transitions": True}


def train_crf(sequences, out: Path) -> None:
    """A linear-chain CRF over (features, labels) sequences, written to out."""
    import pycrfsuite

    trainer = pycrfsuite.Trainer(verbose=False)
    for x, y in sequences:
        trainer.append(x, y)
    trainer.set_params(CRF_PARAMS)
    out.parent.mkdir(parents=True, exist_ok=True)
    trainer.train(str(out))
