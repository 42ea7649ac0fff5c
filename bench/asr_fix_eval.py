"""What the transcript corrections gain: CER and facts per format, on cached model output.

    .venv/bin/python -m bench.asr_fix_eval [--sets dev,real,synth] [--refresh] [--show N] [--beam 5]

The model's segments are transcribed once per clip (with and without the team catalogue as hotwords)
and cached under the user cache dir; every run after that replays only the text path (nlu.asr.finish)
and the parser, so a correction is measured in seconds. Facts: the parser's output on the reference
text against its output on the transcript, scored per slot like NOTES_SCHEMA.md (customer name and
company, items, objections, competitors; dates and money printed apart).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from collections import defaultdict
from datetime import datetime
from pathlib import Path

from nlu import asr
from nlu.asr_score import errors

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "tests" / "data" / "speech_dev"
SYNTH = ROOT / "tests" / "data" / "speech_synth"
REAL = Path(os.environ.get("SALESBOT_SHARED", ROOT.parent / "shared")) / "data" / "speech_real"
FACT_SLOTS = ("customer.name", "customer.company", "items", "objections", "competitors")
OTHER_SLOTS = ("dates", "money")
REF_TIME = datetime(2026, 3, 2, 10, 0)


def cache_file() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("salesbot")) / "asr_fix_eval.json"


def fmt_of(name: str) -> str:
    if name.endswith("_nodtx.amr"):
        return "amr_nodtx"
    return "amr_dtx" if name.endswith(".amr") else name.rsplit(".", 1)[1]


def load_set(name: str) -> tuple[Path, dict, list[str]]:
    """(folder, {clip: reference}, catalogue terms) of one set."""
    if name == "dev":
        cat = json.loads((DEV / "catalogue.json").read_text(encoding="utf-8"))
        terms = [t for k in ("customers", "products", "competitors") for t in cat[k]]
        return DEV, json.loads((DEV / "references.json").read_text(encoding="utf-8")), terms
    if name == "real":
        return REAL, json.loads((REAL / "refs.json").read_text(encoding="utf-8")), []
    refs = SYNTH / "references.json"
    if not refs.is_file():
        return SYNTH, {}, []
    return SYNTH, json.loads(refs.read_text(encoding="utf-8")), []


# Ways to put the catalogue into the prompt, for --variants (the product's is "catalogue").
VARIANTS = {
    "comma": lambda terms: asr.build_prompt(terms)[1].replace("、", "，") if terms else None,
    "codes": lambda terms: asr.build_prompt([t for t in terms if any(c.isascii() and c.isalnum() for c in t)])[1],
}


def transcribe_variants(variants: list[str], beam: int) -> dict:
    """Dev clips with the catalogue prompted another way: {variant: {clip: segments}}, cached."""
    path = cache_file()
    cache = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    folder, refs, terms = load_set("dev")
    transcriber = None
    for variant in variants:
        original = asr.build_prompt
        words = VARIANTS[variant](terms)
        for clip in sorted(refs):
            key = f"dev/{clip}/{variant}/{beam}"
            if key in cache:
                continue
            transcriber = transcriber or asr.Transcriber(beam_size=beam, threads=2)
            asr.build_prompt = lambda hot: (asr.SIMPLIFIED_PROMPT, words)
            try:
                cache[key] = transcriber.segments(transcriber.decode(folder / clip), hotwords=terms, beam_size=beam)
            finally:
                asr.build_prompt = original
            print(f"  transcribed {key}: {''.join(cache[key])}", file=sys.stderr)
            path.write_text(json.dumps(cache, ensure_ascii=False, indent=0), encoding="utf-8")
    return cache


def transcribe_all(sets: list[str], beam: int, refresh: bool) -> dict:
    path = cache_file()
    cache = json.loads(path.read_text(encoding="utf-8")) if path.is_file() and not refresh else {}
    transcriber = None
    for set_name in sets:
        folder, refs, terms = load_set(set_name)
        for clip in sorted(refs):
            for mode in ("plain", "catalogue") if terms else ("plain",):
                key = f"{set_name}/{clip}/{mode}/{beam}"
                if key in cache:
                    continue
                transcriber = transcriber or asr.Transcriber(beam_size=beam, threads=2)
                samples = transcriber.decode(folder / clip)
                hot = terms if mode == "catalogue" else []
                cache[key] = transcriber.segments(samples, hotwords=hot, beam_size=beam)
                print(f"  transcribed {key}: {''.join(cache[key])}", file=sys.stderr)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(json.dumps(cache, ensure_ascii=False, indent=0), encoding="utf-8")
    return cache


def facts_of(text: str) -> dict:
    sys.path.insert(0, str(REAL.parent.parent / "tools"))
    from score_notes import facts
    from nlu.parser import parse

    return facts(parse(text, REF_TIME))


class Tally:
    def __init__(self):
        self.edits = self.chars = 0
        self.tp, self.fp, self.fn = defaultdict(int), defaultdict(int), defaultdict(int)

    def add(self, reference: str, text: str, gold: dict, got: dict) -> list[str]:
        e, n = errors(reference, text)
        self.edits, self.chars = self.edits + e, self.chars + n
        lost = []
        for slot in FACT_SLOTS + OTHER_SLOTS:
            a, b = gold.get(slot, set()), got.get(slot, set())
            self.tp[slot] += len(a & b)
            self.fp[slot] += len(b - a)
            self.fn[slot] += len(a - b)
            if a != b and slot in FACT_SLOTS:
                lost.append(f"{slot}: {sorted(map(str, a - b))} -> {sorted(map(str, b - a))}")
        return lost

    def f1(self, slots=FACT_SLOTS) -> float:
        tp = sum(self.tp[s] for s in slots)
        fp = sum(self.fp[s] for s in slots)
        fn = sum(self.fn[s] for s in slots)
        return 2 * tp / max(2 * tp + fp + fn, 1)

    def line(self, label: str) -> str:
        return (f"{label:<22} CER {self.edits / max(self.chars, 1):.3f}  facts F1 {self.f1():.3f}"
                f" (found {sum(self.tp[s] for s in FACT_SLOTS)}/"
                f"{sum(self.tp[s] + self.fn[s] for s in FACT_SLOTS)}, wrong "
                f"{sum(self.fp[s] for s in FACT_SLOTS)})  dates+money F1 {self.f1(OTHER_SLOTS):.3f}")


def evaluate(sets: list[str], cache: dict, beam: int, show: int) -> dict:
    results = {}
    for set_name in sets:
        folder, refs, terms = load_set(set_name)
        # corrected: no hotwords in the prompt, the transcript corrected towards the catalogue
        modes = ["plain", "catalogue", "corrected", *[v for v in VARIANTS if f"dev/sales_01.wav/{v}/{beam}" in cache]]
        for mode in modes if terms else ("plain",):
            tallies: dict[str, Tally] = defaultdict(Tally)
            misses = []
            for clip, reference in sorted(refs.items()):
                pieces = cache[f"{set_name}/{clip}/{'plain' if mode == 'corrected' else mode}/{beam}"]
                if mode != "plain" and asr.echoes_hotwords("".join(pieces), asr.prompted_terms(terms)):
                    print(f"  {clip} {mode}: hotwords echoed, the plain transcript taken: {''.join(pieces)}")
                    pieces = cache[f"{set_name}/{clip}/plain/{beam}"]  # what Transcriber.transcribe does
                text, _ = asr.finish(pieces, terms if mode != "plain" else [])
                group = fmt_of(clip) if set_name != "real" else "all"
                lost = tallies[group].add(reference, text, facts_of(reference), facts_of(text))
                tallies["ALL"].add(reference, text, facts_of(reference), facts_of(text))
                e, n = errors(reference, text)
                misses.append((e / max(n, 1), len(lost), clip, reference, "|".join(pieces), text, lost))
            print(f"== {set_name} {mode}")
            for group in sorted(tallies):
                print("  " + tallies[group].line(group))
                results[f"{set_name}/{mode}/{group}"] = (tallies[group].edits / max(tallies[group].chars, 1),
                                                          tallies[group].f1())
            for cer, nlost, clip, ref, raw, text, lost in sorted(misses, key=lambda m: (-m[1], -m[0]))[:show]:
                print(f"  {cer:.2f} {clip}: {ref}\n       raw  {raw}\n       text {text}")
                for item in lost:
                    print(f"       lost {item}")
    return results


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default="dev,real")
    ap.add_argument("--beam", type=int, default=5)
    ap.add_argument("--refresh", action="store_true", help="transcribe again, ignoring the cache")
    ap.add_argument("--show", type=int, default=0, help="clips to print, most facts lost first")
    ap.add_argument("--variants", default="", help=f"also prompt the dev catalogue as: {', '.join(VARIANTS)}")
    args = ap.parse_args(argv)
    sets = args.sets.split(",")
    if args.variants:
        transcribe_variants(args.variants.split(","), args.beam)
    cache = transcribe_all(sets, args.beam, args.refresh)
    evaluate(sets, cache, args.beam, args.show)


if __name__ == "__main__":
    main()
