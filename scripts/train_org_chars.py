"""The character model of organisation names (nlu/asr_orgs.py): how often each character and each pair
of characters occurs in the customers' company names of the annotated notes and the industry packs'
examples, written to nlu/data/org_chars.json.

    .venv/bin/python scripts/train_org_chars.py [--out nlu/data/org_chars.json]

Sources: scripts/training_sources.py's SOURCES, less the notes the synthetic working clips were spoken
from (tests/data/speech_synth/working: the clips that measure the mechanism), never a check or locked
set. Names are read in Simplified characters (the transcripts are) and counted once each.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from name_labeller_training import rows_of  # noqa: E402
from training_sources import SOURCES, refuse_sealed  # noqa: E402

MEASURED_ON = ROOT / "tests" / "data" / "speech_synth" / "working" / "manifest.jsonl"
_HAN = re.compile(r"[\u4e00-\u9fff]+")


def held_out_notes() -> set[str]:
    return {json.loads(line)["note"] for line in MEASURED_ON.read_text(encoding="utf-8").splitlines() if line.strip()}


def company_names(sources: list[str], skip: set[str]) -> list[str]:
    """The distinct company names of the sources' annotations, Simplified, Han characters only
    (a name written with Latin letters or digits keeps its Han runs of two or more characters)."""
    from nlu.asr import to_simplified

    names = set()
    for source in sources:
        refuse_sealed(source)
        for row in rows_of(source):
            if row.get("id") in skip:
                continue
            customer = (row.get("expected") or {}).get("customer") or {}
            company = customer.get("company")
            if isinstance(company, str):
                names |= {run for run in _HAN.findall(to_simplified(company)) if len(run) >= 2}
    return sorted(names)


MIN_TAIL_NAMES = 2  # a name ending shared by this many names is a trade or type word (装饰, 农机)


def counts(names: list[str]) -> dict:
    """Character and pair counts, "^" opening and "$" closing a name; the two-character endings that
    several names share (what a company is, not what it is called: 电子, 装饰, 农机)."""
    unigram, bigram = Counter(), Counter()
    for name in names:
        unigram.update(name)
        padded = "^" + name + "$"
        bigram.update(padded[i:i + 2] for i in range(len(padded) - 1))
    endings = Counter(name[-2:] for name in names if len(name) >= 4)
    return {"unigram": dict(sorted(unigram.items())), "bigram": dict(sorted(bigram.items())),
            "tails": sorted(w for w, n in endings.items() if n >= MIN_TAIL_NAMES)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=str(ROOT / "nlu" / "data" / "org_chars.json"))
    args = p.parse_args()
    skip = held_out_notes()
    names = company_names(SOURCES, skip)
    model = {"source": "company names of " + ", ".join(SOURCES) + " (scripts/train_org_chars.py), less the "
                       f"{len(skip)} notes of tests/data/speech_synth/working",
             "names": len(names), **counts(names)}
    Path(args.out).write_text(json.dumps(model, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{len(names)} names, {len(model['unigram'])} characters, {len(model['bigram'])} pairs -> {args.out}")


if __name__ == "__main__":
    main()
