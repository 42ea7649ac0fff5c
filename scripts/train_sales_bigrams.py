"""The word pairs of sales text for the language score of nlu/asr_rescore.py (BIGRAM_LAMBDA): the notes'
texts and the industry packs' examples, read as the score reads a transcript (names as a pronoun,
numbers as one numeral, split into words by the same segmentation), counted within runs of Han
characters, written to nlu/data/sales_bigrams.json (pairs seen at least MIN_COUNT times).

    .venv/bin/python scripts/train_sales_bigrams.py [--out nlu/data/sales_bigrams.json]

Sources: scripts/training_sources.py's SOURCES, less the notes the synthetic working clips were spoken
from (they measure it); never a check or locked set.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from name_labeller_training import rows_of  # noqa: E402
from train_org_chars import held_out_notes  # noqa: E402
from training_sources import SOURCES, refuse_sealed  # noqa: E402

MIN_COUNT = 2


def pair_counts(texts) -> Counter:
    from nlu.asr import to_simplified
    from nlu.asr_rescore import _HAN, _as_words, segment

    pairs = Counter()
    for text in texts:
        for run in _HAN.findall(_as_words(to_simplified(text))):
            words = segment(run)[1]
            pairs.update(f"{a} {b}" for a, b in zip(words, words[1:]))
    return pairs


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=str(ROOT / "nlu" / "data" / "sales_bigrams.json"))
    args = p.parse_args()
    skip = held_out_notes()
    texts = []
    for source in SOURCES:
        refuse_sealed(source)
        texts += [row["text"] for row in rows_of(source) if row.get("id") not in skip and row.get("text")]
    pairs = pair_counts(texts)
    kept = {k: n for k, n in sorted(pairs.items()) if n >= MIN_COUNT}
    data = {"source": "texts of " + ", ".join(SOURCES) + f" (scripts/train_sales_bigrams.py), less the {len(skip)} "
                      "notes of tests/data/speech_synth/working", "texts": len(texts), "pairs": kept}
    Path(args.out).write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{len(texts)} texts, {sum(pairs.values())} pairs, {len(kept)} kept -> {args.out}")


if __name__ == "__main__":
    main()
