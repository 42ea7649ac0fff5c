"""The annotated notes every training script learns from, in one list, and the sets none may learn from;
how their rows are read (rows_of, for every training script); and how the sequence labellers are
trained from them (one set of CRF parameters).

The check and locked sets are scored only: a source whose name says check or locked is refused.
"""
from __future__ import annotations

import json
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SOURCES = ["tests/data/notes_dev.jsonl", "tests/data/notes_holdout.jsonl",
           "tests/data/notes_real/notes_working.jsonl", "tests/data/notes_real/notes_train2.jsonl",
           "tests/data/notes_real/notes_train3.jsonl", "tests/data/notes_real/notes_train4.jsonl",
           "tests/data/notes_real/notes_train5.jsonl", "tests/data/notes_real/notes_train6.jsonl",
           "tests/data/notes_real/notes_train7.jsonl", "tests/data/notes_real/notes_train8.jsonl",
           "tests/data/notes_real/notes_train9.jsonl", "tests/data/notes_real/notes_train10.jsonl",
           "packs"]
SEALED = ("notes_locked", "locked50", "check", "/w9.jsonl")
NEVER = ("notes_locked", "locked50")  # never opened, not even to score


def refuse_sealed(source: str) -> None:
    if any(word in source for word in SEALED):
        raise SystemExit("the locked and check sets are never trained on")


def rows_of(source: str, *, scoring: bool = False) -> list[dict]:
    """The annotated rows of a source: a notes file (JSON Lines of NOTES_SCHEMA) or `packs` (the industry
    packs' examples, each with an id: its pack's file name and its place there). Each row says where it
    comes from in _source (the file's stem, or packs). A locked set is refused always; a check set
    unless the rows are only to be scored (scoring)."""
    if any(word in source for word in NEVER):
        raise SystemExit("the locked set is never read")
    if not scoring:
        refuse_sealed(source)
    if source == "packs":
        return [{"id": f"{path.stem}-{k}", "text": ex["text"], "ref": ex["ref"], "industry": data.get("name"),
                 "expected": ex.get("expected") or {}, "_source": "packs"}
                for path in sorted((ROOT / "nlu/industry_phrases").glob("*.toml"))
                for data in [tomllib.loads(path.read_text(encoding="utf-8"))]
                for k, ex in enumerate(data.get("examples", []))]
    path = Path(source) if Path(source).is_absolute() else ROOT / source
    rows = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
    for row in rows:
        row["_source"] = Path(source).stem
    return rows


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
