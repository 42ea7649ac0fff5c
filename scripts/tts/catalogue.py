"""A team catalogue for a synthetic set: what a team whose notes these are would have imported.

    python scripts/tts/catalogue.py tests/data/speech_synth/working

Reads DIR/manifest.jsonl and writes DIR/catalogue.json ({"customers": contacts, "companies",
"products", "competitors"} from the annotations, each name once), for bench/voice_facts.py
--catalogue. Prints only counts (it also runs on the locked set, whose texts nobody reads).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path


def catalogue(rows: list[dict]) -> dict:
    kinds = {"customers": [], "companies": [], "products": [], "competitors": []}
    for row in rows:
        expected = row["expected"]
        customer = expected.get("customer") or {}
        kinds["customers"].append(customer.get("name"))
        kinds["companies"].append(customer.get("company"))
        kinds["products"] += [item.get("product") for item in expected.get("items") or []]
        kinds["competitors"] += list(expected.get("competitors") or [])
    return {kind: list(dict.fromkeys(n for n in names if n)) for kind, names in kinds.items()}


def main() -> None:
    folder = Path(sys.argv[1])
    rows = [json.loads(line) for line in (folder / "manifest.jsonl").read_text(encoding="utf-8").splitlines() if line]
    result = {"_comment": "Made by scripts/tts/catalogue.py from this set's annotations.", **catalogue(rows)}
    (folder / "catalogue.json").write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(", ".join(f"{kind} {len(names)}" for kind, names in result.items() if kind != "_comment"))


if __name__ == "__main__":
    main()
