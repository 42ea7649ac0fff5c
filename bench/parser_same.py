"""Are the parser's outputs unchanged? Parses every note of the dev, holdout and working sets and prints
one sha256 digest per file and one over all, so a speed change can be checked against the digest
taken before it (the outputs must be byte-identical).

Run: .venv/bin/python -m bench.parser_same [--dump FILE]
--dump writes every output (one JSON line per note, keys sorted) to FILE, to diff two runs.
"""
from __future__ import annotations

import argparse
import hashlib
import json
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES = [ROOT / "tests" / "data" / "notes_dev.jsonl", ROOT / "tests" / "data" / "notes_holdout.jsonl",
         ROOT / "tests" / "data" / "notes_real" / "notes_working.jsonl"]


def outputs(path: Path):
    """(id, output JSON) per note of path."""
    from nlu.parser import parse

    for line in path.open(encoding="utf-8"):
        if not line.strip():
            continue
        row = json.loads(line)
        out = parse(row["text"], datetime.fromisoformat(row["ref"]), row.get("industry"))
        yield row.get("id"), json.dumps(out, ensure_ascii=False, sort_keys=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dump", metavar="FILE")
    args = ap.parse_args()
    total = hashlib.sha256()
    dump = open(args.dump, "w", encoding="utf-8") if args.dump else None
    for path in FILES:
        digest, count = hashlib.sha256(), 0
        for note_id, text in outputs(path):
            line = f"{path.name}\t{note_id}\t{text}\n"
            digest.update(line.encode())
            total.update(line.encode())
            count += 1
            if dump:
                dump.write(line)
        print(f"{path.name:24} {count:4} notes  {digest.hexdigest()[:16]}")
    print(f"{'all':24}             {total.hexdigest()}")
    if dump:
        dump.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
