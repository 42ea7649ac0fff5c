"""Which sounds Whisper writes for which: the initials and finals of the characters it wrote in place of
others, counted over recorded transcripts against their references, written to
nlu/data/asr_confusions.json (read by nlu/asr_orgs.py to widen a doubted character of an organisation
name to characters of a near sound: 云帆 heard as 研发, 锦程 as 景城).

    .venv/bin/python scripts/train_asr_confusions.py [--out nlu/data/asr_confusions.json]
        [--skip-notes ID,ID...] [--sets working,dev,real]

Transcripts: the beam's own first hypothesis (no rescoring, no correction: the recogniser's errors
alone) of each clip recorded by bench/asr_nbest.py (.cache/nbest.sqlite; record a set first with
`python -m bench.asr_nbest --set working --record-only`), for the synthetic working clips (all
formats), speech_dev and speech_real; never the locked clips. --skip-notes leaves out the clips of
some notes (bench/asr_orgs_near.py's two folds measure on clips whose confusions were not counted).
Characters are aligned by edit distance (nlu/asr_spans.align); a substitution between two Han
characters counts its said -> heard initial and final (zh -> z, ing -> in; the same part counts too,
so the file says how often a part survives a substitution).
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

_HAN = re.compile(r"[\u4e00-\u9fff]")


def parts(char: str) -> tuple[str, str] | None:
    """(initial, final) of the reading a character is written for (信: x, in), None for no Han."""
    from nlu.asr_orgs import syllable_parts

    return syllable_parts(char) if _HAN.match(char) else None


def count(pairs: list[tuple[str, str]]) -> tuple[Counter, Counter, int]:
    """Said -> heard initial and final counts over the substitutions of (reference, transcript) pairs."""
    from nlu.asr import to_simplified
    from nlu.asr_spans import align

    initials, finals, n = Counter(), Counter(), 0
    for ref, hyp in pairs:
        ref = to_simplified(ref)
        for tag, i1, _, j1, _ in align(ref, hyp):
            if tag != "replace":
                continue
            said, heard = parts(ref[i1]), parts(hyp[j1])
            if said and heard:
                initials[said[0] + ">" + heard[0]] += 1
                finals[said[1] + ">" + heard[1]] += 1
                n += 1
    return initials, finals, n


def recorded_pairs(sets: list[str], skip: set[str]) -> list[tuple[str, str]]:
    """(reference, the beam's first hypothesis) of every recorded clip of the sets."""
    from bench.asr_nbest import Recorder, rows_of
    from nlu import asr

    t = asr.Transcriber(beam_size=5, compute_type="auto", threads=2, rescore_weight=0)
    rec = Recorder(t, 5, {}, only=True)
    out = []
    for name in sets:
        if name == "locked":
            raise SystemExit("the locked clips are scored once, never learned from")
        for row in rows_of(name, None, None):
            if row.get("note") in skip:
                continue
            clip = rec.run(row)
            if clip is not None:
                out.append((row["text"], clip["raw"]))
    t.close()
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=str(ROOT / "nlu" / "data" / "asr_confusions.json"))
    p.add_argument("--sets", default="working,dev,real")
    p.add_argument("--skip-notes", default="")
    args = p.parse_args()
    skip = {s for s in args.skip_notes.split(",") if s}
    pairs = recorded_pairs(args.sets.split(","), skip)
    initials, finals, n = count(pairs)
    model = {"source": f"{len(pairs)} recorded clips of {args.sets} (bench/asr_nbest.py, the beam's first "
                       f"hypothesis, float32) against their references; scripts/train_asr_confusions.py"
                       + (f"; {len(skip)} notes left out" if skip else ""),
             "substitutions": n,
             "initials": dict(initials.most_common()), "finals": dict(finals.most_common())}
    Path(args.out).write_text(json.dumps(model, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"{len(pairs)} clips, {n} substitutions -> {args.out}")


if __name__ == "__main__":
    main()
