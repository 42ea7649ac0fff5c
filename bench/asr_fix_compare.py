"""Facts and CER of a voice corpus before and after nlu/asr_fix.py's corrections, on bench/voice_facts'
recognition cache (the model runs only for clips it has not heard).

    .venv/bin/python -m bench.asr_fix_compare [--manifest FILE | speech_dev] [--catalogue FILE]
                                              [--cache FILE] [--formats ogg,...] [--show N]

"before" is the text path without the new corrections (catalogue and measure words only), "after" the
product's (nlu.asr.finish); both read the same model output.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from bench import voice_facts
from nlu import asr
from nlu.catalogue import LETTER_MODELS, correct, correct_units


def before(raw: str, catalogue, industry):
    text, fixes = correct(raw, [*catalogue, *LETTER_MODELS])
    text, more = correct_units(text, asr.measure_words(industry))
    return text, fixes + more


def _cached(transcriber, row: dict, terms: list[str]) -> bool:
    try:
        transcriber.transcribe(row["path"], catalogue=terms, industry=row.get("industry"))
        return True
    except voice_facts.CacheMiss:
        return False


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--manifest", default=str(voice_facts.DEFAULT_MANIFEST))
    p.add_argument("--catalogue")
    p.add_argument("--cache", default=str(voice_facts.CACHE))
    p.add_argument("--formats")
    p.add_argument("--limit", type=int)
    p.add_argument("--show", type=int, default=0)
    p.add_argument("--cached-only", action="store_true", help="measure only the clips already in the cache")
    args = p.parse_args()
    rows = voice_facts.load_rows(args.manifest, args.formats.split(",") if args.formats else None, args.limit)
    transcriber = asr.Transcriber(beam_size=5, threads=2)
    cache = voice_facts.RecognitionCache(Path(args.cache), only=args.cached_only)
    cache.wrap(transcriber)
    terms, parser_kwargs = voice_facts.read_catalogue(args.catalogue)
    if args.cached_only:
        rows = [row for row in rows if _cached(transcriber, row, terms)]
    results = {}
    for label, path in (("before", before), ("after", asr.finish)):
        original = asr.finish
        asr.finish = path
        try:
            heard = voice_facts.transcribe_all(rows, transcriber, terms, cache, progress=True)
        finally:
            asr.finish = original
        results[label] = voice_facts.figures(rows, heard, parser_kwargs)
        voice_facts.print_table(f"{label}: {len(rows)} clips, catalogue {args.catalogue or 'none'}", results[label])
    print(f"cache: {cache.hits} hits, {cache.misses} model runs")
    changed = [(b, a) for b, a in zip(results["before"]["clips"], results["after"]["clips"])
               if b["transcript"] != a["transcript"]]
    print(f"{len(changed)} transcripts changed by the corrections")
    if args.show:
        print("facts lost after the corrections, most first:")
        for clip in sorted(results["after"]["clips"], key=lambda c: -sum(map(len, c["lost"].values())))[:args.show]:
            print(f"  {clip['id']} cer {clip['cer']}: {clip['transcript']}\n    lost {clip['lost']}\n    extra {clip['extra']}")
    for b, a in changed[:args.show]:
        lost_b = sum(map(len, b["lost"].values()))
        lost_a = sum(map(len, a["lost"].values()))
        print(f"  {a['id']} lost {lost_b} -> {lost_a}\n    before {b['transcript']}\n    after  {a['transcript']}")


if __name__ == "__main__":
    main()
