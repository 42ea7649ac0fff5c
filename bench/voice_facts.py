"""End-to-end voice facts: every clip of a manifest through the product's Transcriber, then the parser
with the note's time; CER and the facts found, per format and overall, with the parser's ceiling
(the same parse on the reference text).

    .venv/bin/python -m bench.voice_facts [--manifest FILE.jsonl | speech_dev] [--catalogue FILE.json]
                                          [--limit N] [--formats ogg,amr_dtx] [--json OUT.json]
                                          [--no-cache] [--beam 5] [--compute-type auto] [--show N]
                                          [--shard K/N] [--cached-only]

--manifest: a manifest JSONL (default tests/data/speech_synth/working/manifest.jsonl; rows with id,
  format, file relative to the manifest, text, expected, now, industry), or `speech_dev` for the 8
  dev sentences x 4 formats with tests/data/speech_dev/annotations.jsonl as their annotations.
--catalogue: a team catalogue {"customers": [...], "products": [...], "competitors": [...],
  "companies": [...]}: its names go to the transcriber (prompt and correction, as the pipeline passes
  them), its products and companies to the parser; run with and without to compare.
CER is ../shared/tools/score_asr.py's (nlu/asr_score.py) against the note text. "facts F1" is the
micro F1 over customer.name, customer.company, items, objections and competitors; "micro F1" over
the seven slots of ../shared/tools/score_notes.py (nlu/evaluate.py computes the same).
The model's call (WhisperModel.transcribe: its segments) is cached in .cache/voice_facts.sqlite,
keyed by the decoded audio's sha256, the model, compute type, window and the call's arguments (beam,
prompt, hotwords ...): everything the product does with the segments runs afresh every time. RTF is
printed over the clips that were not cached.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import sqlite3
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import numpy as np

from nlu import asr
from nlu.asr_score import errors
from nlu.evaluate import CORE, facts, score

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MANIFEST = ROOT / "tests" / "data" / "speech_synth" / "working" / "manifest.jsonl"
DEV = ROOT / "tests" / "data" / "speech_dev"
CACHE = ROOT / ".cache" / "voice_facts.sqlite"
FACT_SLOTS = ("customer.name", "customer.company", "items", "objections", "competitors")


# --- the clips -------------------------------------------------------------------------------------

def dev_format(name: str) -> str:
    if name.endswith("_nodtx.amr"):
        return "amr_nodtx"
    return "amr_dtx" if name.endswith(".amr") else name.rsplit(".", 1)[1]


def speech_dev_rows(folder: Path = DEV) -> list[dict]:
    """The dev sentences x formats as manifest rows, annotated by annotations.jsonl."""
    notes = {}
    for line in (folder / "annotations.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            note = json.loads(line)
            notes[note["id"]] = note
    references = json.loads((folder / "references.json").read_text(encoding="utf-8"))
    rows = []
    for name in sorted(references):
        note = notes[name.split(".")[0].removesuffix("_nodtx")]
        rows.append({"id": name, "note": note["id"], "format": dev_format(name), "path": str(folder / name),
                     "text": references[name], "expected": note["expected"], "now": note["ref"],
                     "industry": note.get("industry")})
    return rows


def manifest_rows(path: Path) -> list[dict]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            row["path"] = str(path.parent / row["file"])
            rows.append(row)
    return rows


def load_rows(manifest: str, formats: list[str] | None = None, limit: int | None = None,
              shard: str | None = None) -> list[dict]:
    """The clips in manifest order, filtered by format, the first `limit`, then shard "K/N" (every
    Nth from the Kth, so two processes can fill the cache side by side)."""
    rows = speech_dev_rows() if manifest == "speech_dev" else manifest_rows(Path(manifest))
    if formats:
        rows = [r for r in rows if r["format"] in formats]
    rows = rows[:limit] if limit else rows
    if shard:
        k, n = (int(x) for x in shard.split("/"))
        rows = rows[k::n]
    return rows


def read_catalogue(path: str | None) -> tuple[list[str], dict]:
    """(terms for the transcriber, keyword arguments for the parser)."""
    if not path:
        return [], {}
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    terms = [t for key in ("customers", "products", "competitors", "companies") for t in data.get(key, [])]
    parser_kwargs = {}
    if data.get("products"):
        parser_kwargs["products"] = {p: p for p in data["products"]}
    if data.get("companies"):
        parser_kwargs["customers"] = list(data["companies"])
    return list(dict.fromkeys(terms)), parser_kwargs


# --- the cache -------------------------------------------------------------------------------------

class CacheMiss(Exception):
    """--cached-only: this clip's model call is not in the cache."""


class RecognitionCache:
    """The model's own call (WhisperModel.transcribe: segments and info) cached in SQLite, so a re-run
    redoes only what the product does with the segments; it holds whichever of the transcriber's
    methods (recognise, segments, ...) makes the call."""

    def __init__(self, path: Path = CACHE, only: bool = False):
        self.only = only  # a miss raises CacheMiss instead of running the model
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, timeout=60)
        self.db.execute("create table if not exists model_calls (key text primary key, value blob)")
        self.hits = self.misses = 0

    def key(self, transcriber, samples: np.ndarray, kwargs: dict) -> str:
        config = {"model": transcriber.model_name, "compute_type": transcriber.compute_type,
                  "window": transcriber.window_seconds, "kwargs": kwargs}
        if getattr(transcriber, "rescore_weight", 0):  # the beam reranked (nlu/asr_rescore): other text
            config["rescore"] = [transcriber.rescore_weight, transcriber.hypotheses]
            if getattr(transcriber, "spans", False):  # read span by span (nlu/asr_spans)
                config["rescore"].append("spans")
        digest = hashlib.sha256(np.ascontiguousarray(samples, dtype=np.float32).tobytes())
        digest.update(json.dumps(config, ensure_ascii=False, sort_keys=True, default=str).encode())
        return digest.hexdigest()

    def wrap(self, transcriber) -> None:
        """Puts the cache in front of this transcriber's model (loading it)."""
        model = transcriber.model
        call = model.transcribe

        def cached(samples, **kwargs):
            key = self.key(transcriber, samples, kwargs)
            row = self.db.execute("select value from model_calls where key = ?", (key,)).fetchone()
            if row is not None:
                self.hits += 1
                return pickle.loads(row[0])
            if self.only:
                raise CacheMiss(key)
            self.misses += 1
            segments, info = call(samples, **kwargs)
            value = (list(segments), info)
            self.db.execute("insert or replace into model_calls values (?, ?)", (key, pickle.dumps(value)))
            self.db.commit()
            return value

        model.transcribe = cached


# --- measuring -------------------------------------------------------------------------------------

def parse_note(text: str, row: dict, parser_kwargs: dict) -> dict:
    from nlu.parser import parse

    now = datetime.fromisoformat(row["now"]) if row.get("now") else None
    return parse(text, now, row.get("industry"), **parser_kwargs)


def transcribe_all(rows: list[dict], transcriber, terms: list[str], cache: RecognitionCache | None,
                   progress: bool = False) -> list[dict]:
    """One result per clip: transcript, compute seconds, audio seconds, whether the model ran."""
    results = []
    for i, row in enumerate(rows, 1):
        misses = cache.misses if cache else 0
        try:
            heard = transcriber.transcribe(row["path"], catalogue=terms, industry=row.get("industry"))
        except CacheMiss:
            continue
        fresh = cache is None or cache.misses > misses
        results.append({"id": row["id"], "transcript": heard.text, "raw": heard.raw_text,
                        "seconds": heard.seconds, "duration": heard.duration, "fresh": fresh})
        if progress and fresh:
            print(f"  {i}/{len(rows)} {row['id']}  {heard.seconds:.1f} s for {heard.duration:.1f} s", flush=True)
    return results


def _facts_f1(result: dict, slots) -> float:
    tp = sum(result[s]["tp"] for s in slots)
    fp = sum(result[s]["fp"] for s in slots)
    fn = sum(result[s]["fn"] for s in slots)
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return 2 * p * r / (p + r) if p + r else 0.0


def figures(rows: list[dict], heard: list[dict], parser_kwargs: dict) -> dict:
    """Per format and "all": clips, CER, facts F1, micro F1, the same on the reference text, RTF."""
    by_id = {h["id"]: h for h in heard}
    rows = [r for r in rows if r["id"] in by_id]  # --cached-only leaves out what the cache lacks
    gold = [{"id": r["id"], "expected": r["expected"]} for r in rows]
    hyp = {r["id"]: parse_note(by_id[r["id"]]["transcript"], r, parser_kwargs) for r in rows}
    ref = {r["id"]: parse_note(r["text"], r, parser_kwargs) for r in rows}
    groups = defaultdict(list)
    for r in rows:
        groups[r["format"]].append(r)
    groups["all"] = list(rows)
    out = {}
    for fmt, members in groups.items():
        ids = [r["id"] for r in members]
        g = [x for x in gold if x["id"] in set(ids)]
        on_audio, on_text = score(g, hyp), score(g, ref)
        edits = total = 0
        for r in members:
            e, n = errors(r["text"], by_id[r["id"]]["transcript"])
            edits, total = edits + e, total + n
        fresh = [by_id[i] for i in ids if by_id[i]["fresh"]]
        out[fmt] = {
            "clips": len(members), "cer": edits / max(total, 1),
            "facts_f1": _facts_f1(on_audio, FACT_SLOTS), "micro_f1": on_audio["micro"]["f1"],
            "ref_facts_f1": _facts_f1(on_text, FACT_SLOTS), "ref_micro_f1": on_text["micro"]["f1"],
            "slots": {s: round(on_audio[s]["f1"], 3) for s in CORE},
            "ref_slots": {s: round(on_text[s]["f1"], 3) for s in CORE},
            "rtf": (sum(h["seconds"] for h in fresh) / sum(h["duration"] for h in fresh)) if fresh else None,
        }
    clips = []
    for r in rows:
        g, h = facts(r["expected"]), facts(hyp[r["id"]])
        lost = {s: sorted(map(str, g.get(s, set()) - h.get(s, set()))) for s in FACT_SLOTS}
        extra = {s: sorted(map(str, h.get(s, set()) - g.get(s, set()))) for s in FACT_SLOTS}
        e, n = errors(r["text"], by_id[r["id"]]["transcript"])
        clips.append({"id": r["id"], "format": r["format"], "cer": round(e / max(n, 1), 3),
                      "transcript": by_id[r["id"]]["transcript"],
                      "lost": {s: v for s, v in lost.items() if v}, "extra": {s: v for s, v in extra.items() if v}})
    return {"formats": out, "clips": clips}


def measure(rows: list[dict], transcriber, catalogue: str | None = None, cache: RecognitionCache | None = None,
            progress: bool = False) -> dict:
    terms, parser_kwargs = read_catalogue(catalogue)
    heard = transcribe_all(rows, transcriber, terms, cache, progress)
    return figures(rows, heard, parser_kwargs)


def print_table(title: str, result: dict) -> None:
    print(title)
    print(f"  {'format':<10} {'clips':>5}  {'CER':>5}  {'facts F1':>8}  {'micro F1':>8}   "
          f"{'text: facts':>11}  {'micro':>5}   RTF")
    order = sorted(result["formats"], key=lambda f: (f == "all", f))
    for fmt in order:
        r = result["formats"][fmt]
        rtf = f"{r['rtf']:.2f}" if r["rtf"] is not None else "cached"
        print(f"  {fmt:<10} {r['clips']:>5}  {r['cer']:.3f}  {r['facts_f1']:>8.3f}  {r['micro_f1']:>8.3f}   "
              f"{r['ref_facts_f1']:>11.3f}  {r['ref_micro_f1']:.3f}   {rtf}")
    every = result["formats"]["all"]
    print("  slots F1 (audio / text): " + ", ".join(f"{s} {every['slots'][s]:.2f}/{every['ref_slots'][s]:.2f}"
                                                   for s in CORE))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--manifest", default=str(DEFAULT_MANIFEST), help="manifest JSONL, or speech_dev")
    p.add_argument("--catalogue", help="team catalogue JSON: measured without and with it")
    p.add_argument("--limit", type=int, help="the first N clips only")
    p.add_argument("--formats", help="comma-separated formats to keep (ogg, amr_dtx, amr_nodtx, pcm8k, wav)")
    p.add_argument("--shard", help="K/N: every Nth clip from the Kth (0-based), to fill the cache in parallel")
    p.add_argument("--json", help="write the figures and per-clip rows to this file")
    p.add_argument("--no-cache", action="store_true", help="run the model on every clip")
    p.add_argument("--cached-only", action="store_true", help="score only the clips whose model call is cached")
    p.add_argument("--beam", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--compute-type", default="auto")
    p.add_argument("--window", type=float, default=15)
    p.add_argument("--show", type=int, default=0, help="print the N clips that lost most facts")
    args = p.parse_args()

    rows = load_rows(args.manifest, args.formats.split(",") if args.formats else None, args.limit, args.shard)
    transcriber = asr.Transcriber(beam_size=args.beam, threads=args.threads, compute_type=args.compute_type,
                                  window_seconds=args.window)
    cache = None if args.no_cache else RecognitionCache(only=args.cached_only)
    if cache:
        cache.wrap(transcriber)
    print(f"{len(rows)} clips from {args.manifest}; {asr.describe_path(transcriber.compute_type)}, beam {args.beam}")
    started = time.perf_counter()
    runs = {"no catalogue": measure(rows, transcriber, None, cache, progress=True)}
    if args.catalogue:
        runs["with catalogue"] = measure(rows, transcriber, args.catalogue, cache, progress=True)
    for title, result in runs.items():
        if not result["clips"]:
            print(f"{title}: no clip transcribed")
            continue
        print_table(title, result)
        if args.show:
            worst = sorted(result["clips"], key=lambda c: -sum(len(v) for v in c["lost"].values()))[:args.show]
            for c in worst:
                print(f"    {c['id']} CER {c['cer']:.2f} lost {c['lost']} extra {c['extra']}\n      {c['transcript']}")
    if cache:
        print(f"model runs {cache.misses}, cached {cache.hits}; {time.perf_counter() - started:.0f} s")
    transcriber.close()
    if args.json:
        Path(args.json).write_text(json.dumps({"manifest": args.manifest, "clips": len(rows), "runs": runs},
                                              ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
