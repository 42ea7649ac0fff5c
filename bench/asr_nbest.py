"""N-best rescoring and decoding options, measured: each clip is transcribed once with the beam's
hypotheses recorded (cached in .cache/nbest.sqlite), then the rescoring weight is replayed over them.

    .venv/bin/python -m bench.asr_nbest --set real|dev|working|locked [--limit N] [--shard K/N]
        [--weights 0,0.05,0.1] [--hypotheses 5] [--beam 5] [--prompt TEXT] [--patience P]
        [--length-penalty L] [--cached-only] [--json OUT] [--spans '{"unsure_below": 0.5}']

Per weight: CER (nlu/asr_score) after the product's corrections (asr.finish) and, for sets with
annotations, facts F1 (bench/voice_facts.figures). The recording keeps the probability the model gives
each token of the beam's first hypothesis (its align), so --spans replays the product's span-by-span
reading (nlu/asr_spans, with keyword arguments to try other settings; {} for the defaults); without
--spans each window takes the whole hypothesis the weight prefers. The replay takes each window's hypothesis the
weight prefers; for a clip longer than one window the later windows were decoded after the beam's
own choice, so the replay is exact for one-window clips and close for the rest ("replay agrees":
how often weight 0 gives back the model's own transcript: 4 of the 107 locked clips and 1 of 40
working clips differ, most likely windows where the fallback decoded again and none of its tries
passed: the replay takes the last try, faster-whisper the likeliest).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import sqlite3
import time
from pathlib import Path

import numpy as np

from bench.voice_facts import figures, load_rows, manifest_rows
from nlu import asr
from nlu import asr_rescore
from nlu.asr_rescore import RescoringModel, choose, language_score
from nlu.asr_score import errors
from nlu.asr_spans import decode_window

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "nbest.sqlite"
REAL = ROOT.parent / "shared" / "data" / "speech_real"
SYNTH = ROOT / "tests" / "data" / "speech_synth"


def real_rows() -> list[dict]:
    refs = json.loads((REAL / "refs.json").read_text(encoding="utf-8"))
    return [{"id": n, "path": str(REAL / n), "text": t, "format": "real"} for n, t in sorted(refs.items())]


def rows_of(name: str, limit: int | None, shard: str | None, formats: str | None = None, offset: int = 0
            ) -> list[dict]:
    if name == "real":
        rows = real_rows()
    elif name == "dev":
        rows = load_rows("speech_dev")
    else:
        rows = manifest_rows(SYNTH / name / "manifest.jsonl")
    if formats:
        rows = [r for r in rows if r["format"] in formats.split(",")]
    rows = rows[offset:]
    rows = rows[:limit] if limit else rows
    if shard:
        k, n = (int(x) for x in shard.split("/"))
        rows = rows[k::n]
    return rows


class Recorder:
    """Runs the transcriber with the beam's hypotheses recorded; caches (raw text, calls) per clip."""

    def __init__(self, transcriber: asr.Transcriber, hypotheses: int, options: dict, only: bool = False):
        self.t = transcriber
        self.options = options
        self.only = only
        model = transcriber.model
        self.calls: list = []
        model.model = RescoringModel(model.model, asr.text_decoder(model), 0.0, hypotheses, record=self.calls,
                                     tokens=asr.token_ids(model), probabilities=True)
        if options:
            call = model.transcribe
            model.transcribe = lambda samples, **kw: call(samples, **{**kw, **options})
        self.config = {"model": transcriber.model_name, "compute_type": transcriber.compute_type,
                       "window": transcriber.window_seconds, "beam": transcriber.beam_size,
                       "hypotheses": hypotheses, "options": options, "prompt": asr.SIMPLIFIED_PROMPT,
                       "probabilities": True}
        CACHE.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(CACHE, timeout=60)
        self.db.execute("create table if not exists clips (key text primary key, value blob)")

    def key(self, samples: np.ndarray, terms: list[str]) -> str:
        digest = hashlib.sha256(np.ascontiguousarray(samples, dtype=np.float32).tobytes())
        config = {**self.config, "terms": terms} if terms else self.config
        digest.update(json.dumps(config, ensure_ascii=False, sort_keys=True).encode())
        return digest.hexdigest()

    def run(self, row: dict) -> dict | None:
        """As Transcriber.transcribe does it: the industry pack's products prompted, the call made again
        without them when the transcript echoes them; the calls of the call kept."""
        samples = self.t.decode(row["path"])
        terms = asr.industry_terms(row.get("industry"))
        key = self.key(samples, terms)
        hit = self.db.execute("select value from clips where key = ?", (key,)).fetchone()
        if hit:
            return {**pickle.loads(hit[0]), "fresh": False}
        if self.only:
            return None
        self.calls.clear()
        started = time.perf_counter()
        raw = self.t.recognise(samples, hotwords=terms)
        if terms and asr.echoes_hotwords(raw, asr.prompted_terms(terms)):
            self.calls.clear()
            raw = self.t.recognise(samples)
        value = {"raw": raw, "calls": list(self.calls), "seconds": time.perf_counter() - started,
                 "duration": len(samples) / 16000}
        self.db.execute("insert or replace into clips values (?, ?)", (key, pickle.dumps(value)))
        self.db.commit()
        return {**value, "fresh": True}


def windows(calls: list[dict]) -> list[list[dict]]:
    """Calls grouped by window: a beam call opens one, the fallback's sampled calls follow it."""
    out: list[list[dict]] = []
    for call in calls:
        if call.get("sampled") and out:
            out[-1].append(call)
        else:
            out.append([call])
    return out


def segments_of(ids: list[int], ts_begin: int, eot: int, decode, last: bool) -> list[str]:
    """A hypothesis' text pieces between timestamp tokens (a trailing unfinished piece only in the
    clip's last window: faster-whisper decodes it again in the next one)."""
    pieces, current = [], []
    for t in ids:
        if t >= ts_begin:
            if current:
                pieces.append(decode(current))
                current = []
        elif t < eot:
            current.append(t)
    if current and (last or not any(t >= ts_begin for t in ids)):
        pieces.append(decode(current))
    return [p.strip() for p in pieces if p.strip()]


def replay(clip: dict, weight: float, tok, spans: dict | None = None) -> str:
    """The clip's text as the weight reads its windows: the whole hypothesis it prefers, or with spans
    (keyword arguments of nlu/asr_spans.choose_spans) the likeliest one read span by span."""
    ts_begin, eot, decode = tok[:3]
    groups = windows(clip["calls"])
    pieces = []
    for i, group in enumerate(groups):
        final = group[-1]
        if final.get("sampled"):
            ids = final["ids"][0]
        elif spans is not None:
            ids = decode_window(final["ids"], final["scores"], weight, decode, tok[3], ts_begin,
                                probs=final.get("probs"), eot=eot, **spans)[1]
        else:
            ids = final["ids"][choose(final["texts"], final["scores"], weight)]
        pieces += segments_of(ids, ts_begin, eot, decode, i == len(groups) - 1)
    pieces = [p for p in pieces if not asr._is_hallucination(p)]
    return asr.join_segments(pieces)


def oracle(clip: dict, ref: str, tok) -> str:
    """Each window's hypothesis closest to the reference (one-window clips: the best any weight can do)."""
    ts_begin, eot, decode = tok[:3]
    groups = windows(clip["calls"])
    pieces = []
    for i, group in enumerate(groups):
        final = group[-1]
        options = [segments_of(ids, ts_begin, eot, decode, i == len(groups) - 1) for ids in final["ids"]]
        best = min(options, key=lambda segs: errors(ref, asr.join_segments(segs))[0])
        pieces += best
    return asr.join_segments(pieces)


def cer(pairs) -> float:
    e = n = 0
    for ref, hyp in pairs:
        a, b = errors(ref, hyp)
        e, n = e + a, n + b
    return e / max(n, 1)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--set", default="real", help="real, dev, working or locked")
    p.add_argument("--limit", type=int)
    p.add_argument("--offset", type=int, default=0, help="leave out the first N clips (after --formats)")
    p.add_argument("--formats", help="comma-separated formats to keep (ogg, amr_dtx, amr_nodtx, pcm8k)")
    p.add_argument("--shard")
    p.add_argument("--weights", default="0,0.05,0.1,0.2,0.3,0.5")
    p.add_argument("--hypotheses", type=int, default=5)
    p.add_argument("--beam", type=int, default=5)
    p.add_argument("--compute-type", default="auto")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--prompt", help="initial prompt instead of asr.SIMPLIFIED_PROMPT")
    p.add_argument("--patience", type=float)
    p.add_argument("--length-penalty", type=float)
    p.add_argument("--option", action="append", default=[],
                   help="KEY=JSON, another argument of WhisperModel.transcribe (vad_filter=false ...)")
    p.add_argument("--spans", help="JSON keyword arguments of nlu/asr_spans.choose_spans ({} for its defaults): "
                   "each window's likeliest hypothesis read span by span instead of one whole hypothesis")
    p.add_argument("--max-gap", type=float, default=asr_rescore.MAX_ACOUSTIC_GAP)
    p.add_argument("--bigram", type=float, default=asr_rescore.BIGRAM_LAMBDA,
                   help="nlu/asr_rescore.BIGRAM_LAMBDA: the weight of sales text's word pairs in the language score")
    p.add_argument("--cached-only", action="store_true")
    p.add_argument("--no-facts", action="store_true")
    p.add_argument("--record-only", action="store_true", help="fill the cache, print no figures (locked set)")
    p.add_argument("--show", action="store_true", help="print the clips a weight changes")
    p.add_argument("--json")
    p.add_argument("--dump", help="FILE.json: per weight, each clip's transcript and the facts it lost or added")
    args = p.parse_args()

    asr_rescore.MAX_ACOUSTIC_GAP = args.max_gap
    asr_rescore.BIGRAM_LAMBDA = args.bigram
    if args.prompt:
        asr.SIMPLIFIED_PROMPT = args.prompt
    options = {k: v for k, v in (("patience", args.patience), ("length_penalty", args.length_penalty)) if v is not None}
    options.update((k, json.loads(v)) for k, v in (o.split("=", 1) for o in args.option))
    t = asr.Transcriber(beam_size=args.beam, compute_type=args.compute_type, threads=args.threads, rescore_weight=0)
    rec = Recorder(t, args.hypotheses, options, only=args.cached_only)
    rows = rows_of(args.set, args.limit, args.shard, args.formats, args.offset)
    print(f"{len(rows)} clips of {args.set}; {asr.describe_path(t.compute_type)}, beam {args.beam}, "
          f"{args.hypotheses} hypotheses, options {options}, prompt {asr.SIMPLIFIED_PROMPT}", flush=True)
    clips = {}
    for i, row in enumerate(rows, 1):
        clip = rec.run(row)
        if clip is None:
            continue
        clips[row["id"]] = clip
        if clip["fresh"]:
            print(f"  {i}/{len(rows)} {row['id']} {clip['seconds']:.1f} s for {clip['duration']:.1f} s", flush=True)
    rows = [r for r in rows if r["id"] in clips]
    fresh = [c for c in clips.values() if c["fresh"]]
    if fresh:
        print(f"RTF {sum(c['seconds'] for c in fresh) / sum(c['duration'] for c in fresh):.3f} over "
              f"{len(fresh)} clips (model call only)")
    if args.record_only:
        t.close()
        return
    model = t.model
    tokenizer = model.hf_tokenizer
    tok = (tokenizer.token_to_id("<|0.00|>"), tokenizer.token_to_id("<|endoftext|>"),
           asr.text_decoder(model), lambda text: tokenizer.encode(text, add_special_tokens=False).ids)
    spans = None if args.spans is None else json.loads(args.spans)
    agree = sum(replay(clips[r["id"]], 0.0, tok) == clips[r["id"]]["raw"] for r in rows)
    print(f"replay agrees with the model's transcript at weight 0: {agree}/{len(rows)}")
    finished = lambda raw, row: asr.finish(raw, asr.industry_terms(row.get("industry")), row.get("industry"))[0]
    orc = cer((r["text"], finished(oracle(clips[r["id"]], r["text"], tok), r)) for r in rows)
    print(f"oracle CER (closest hypothesis per window, corrected): {orc:.3f}")
    out = {}
    for w in [float(x) for x in args.weights.split(",")]:
        said = {r["id"]: replay(clips[r["id"]], w, tok, spans) for r in rows}
        texts = {r["id"]: finished(said[r["id"]], r) for r in rows}
        line = {"weight": w, "cer": round(cer((r["text"], texts[r["id"]]) for r in rows), 4),
                "changed": sum(said[r["id"]] != clips[r["id"]]["raw"] for r in rows)}
        if not args.no_facts and rows and rows[0].get("expected"):
            heard = [{"id": r["id"], "transcript": texts[r["id"]], "seconds": 0, "duration": 1, "fresh": False}
                     for r in rows]
            fig = figures(rows, heard, {})
            line["facts"] = round(fig["formats"]["all"]["facts_f1"], 4)
            line["micro"] = round(fig["formats"]["all"]["micro_f1"], 4)
            line["slots"] = fig["formats"]["all"]["slots"]
            if args.dump:
                Path(args.dump.replace(".json", f"_{w}.json")).write_text(
                    json.dumps(fig["clips"], ensure_ascii=False, indent=1), encoding="utf-8")
        out[w] = line
        print(json.dumps(line, ensure_ascii=False), flush=True)
        if args.show and w:
            for r in rows:
                base, new = finished(clips[r["id"]]["raw"], r), texts[r["id"]]
                if base != new:
                    print(f"    {r['id']}: {errors(r['text'], base)[0]} -> {errors(r['text'], new)[0]} edits\n"
                          f"      ref  {r['text']}\n      was  {base}\n      now  {new}")
    if args.json:
        Path(args.json).write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    t.close()


if __name__ == "__main__":
    main()
