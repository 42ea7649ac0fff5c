#!/usr/bin/env python3
"""Splits the writers' annotated notes into a working set and a locked set (see tests/data/notes_real/README.md).

usage: split_corpus.py OUT_DIR WRITER.jsonl...

The locked set gets at least the quotas of issue 16 (of 240 notes: 40% long, 15% dictated without
punctuation, 10% Traditional, 10% bilingual, 10% self-repair, 5% multi-visit), drawn at random with a
fixed seed, round-robin over the writers so every industry group is in it. It prints counts only: the
locked notes are never read line by line.
"""
from __future__ import annotations

import hashlib
import json
import random
import sys
from collections import Counter
from pathlib import Path

LOCKED_SIZE = 240
QUOTAS = {"multi_visit": 0.05, "self_repair": 0.10, "traditional": 0.10, "bilingual": 0.10, "dictated": 0.15}
LONG_SHARE = 0.40


def is_long(note: dict) -> bool:
    return len(note["text"]) > 80


def pick(pool: list[dict], chosen: set, want: int, test, rng: random.Random) -> None:
    """Adds notes passing `test` to `chosen` until `want` of the chosen pass it, alternating writers."""
    by_writer: dict[str, list] = {}
    for note in pool:
        if note["id"] not in chosen and test(note):
            by_writer.setdefault(note["id"].split("-")[0], []).append(note)
    for notes in by_writer.values():
        rng.shuffle(notes)
    writers = sorted(by_writer)
    while sum(test(n) for n in pool if n["id"] in chosen) < want and any(by_writer.values()):
        for w in writers:
            if by_writer[w] and sum(test(n) for n in pool if n["id"] in chosen) < want:
                chosen.add(by_writer[w].pop()["id"])


def main(out_dir: str, paths: list[str]) -> None:
    notes = [json.loads(l) for p in sorted(paths) for l in open(p, encoding="utf-8") if l.strip()]
    rng = random.Random(20261207)
    chosen: set = set()
    for style, share in QUOTAS.items():
        pick(notes, chosen, round(share * LOCKED_SIZE), lambda n, s=style: s in n.get("style", []), rng)
    pick(notes, chosen, round(LONG_SHARE * LOCKED_SIZE), is_long, rng)
    pick(notes, chosen, LOCKED_SIZE, lambda n: True, rng)
    locked = [n for n in notes if n["id"] in chosen]
    working = [n for n in notes if n["id"] not in chosen]
    out = Path(out_dir)
    for name, rows in (("notes_locked.jsonl", locked), ("notes_working.jsonl", working)):
        (out / name).write_text("".join(json.dumps(n, ensure_ascii=False) + "\n" for n in rows), encoding="utf-8")
        styles = Counter(s for n in rows for s in n.get("style", []))
        print(f"{name}: {len(rows)} notes, long {sum(map(is_long, rows))}, "
              + ", ".join(f"{s} {styles[s]}" for s in (*QUOTAS, "shorthand", "emoji")),
              f"industries {len({n['industry'] for n in rows})}")
    digest = hashlib.sha256((out / "notes_locked.jsonl").read_bytes()).hexdigest()
    (out / "notes_locked.sha256").write_text(f"{digest}  notes_locked.jsonl\n", encoding="utf-8")
    print("locked sha256", digest)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
