"""ASR benchmark: model join and load time, real-time factor per format at beam 1 and 5, CER, peak
memory, and the time to answer 5 s of silence.

    .venv/bin/python -m bench.asr_bench [--beams 1,5] [--threads 2] [--window 15] [--compute-type auto]
                                        [--no-real] [--sets dev,catalogue,real] [--whole]

Real-time factor = compute seconds (decode + transcribe + correction) / audio seconds, per format;
"CPU" beside it = the process's CPU seconds / audio seconds / threads, what the wall figure would be
on an otherwise idle machine (the machine is shared: the wall figure grows with its load, this one
hardly does).
Targets on 2 cores (issue 3): RTF beam 5 <= 0.25 speech_real, <= 0.30 speech_dev; load < 2 s once
joined; peak RSS < 600 MB; silence answered < 1 s.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import resource
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

from nlu import asr
from nlu.asr_score import errors

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "tests" / "data" / "speech_dev"
REAL = Path(os.environ.get("SALESBOT_SHARED", ROOT.parent / "shared")) / "data" / "speech_real"


def dev_format(name: str) -> str:
    if name.endswith("_nodtx.amr"):
        return "amr_nodtx"
    return "amr_dtx" if name.endswith(".amr") else name.rsplit(".", 1)[1]


def wav_bytes(samples: np.ndarray, rate: int = 16000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((samples * 32767).astype(np.int16).tobytes())
    return out.getvalue()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run_set(transcriber, folder: Path, refs: dict, group, beam: int, catalogue=()) -> dict:
    """{format: (rtf, cer, audio seconds, clips)} over one set of clips."""
    sums: dict[str, list] = {}
    for name, reference in sorted(refs.items()):
        cpu = time.process_time()
        t = transcriber.transcribe(folder / name, catalogue=catalogue, beam_size=beam)
        cpu = time.process_time() - cpu
        e, n = errors(reference, t.text)
        s = sums.setdefault(group(name), [0.0, 0.0, 0, 0, 0, 0.0])
        s[5] += cpu / transcriber.threads
        s[0] += t.seconds
        s[1] += t.duration
        s[2] += e
        s[3] += n
        s[4] += 1
    rows = {fmt: (s[0] / s[1], s[2] / max(s[3], 1), s[1], s[4], s[5] / s[1]) for fmt, s in sums.items()}
    total = [sum(s[i] for s in sums.values()) for i in range(6)]
    rows["all"] = (total[0] / total[1], total[2] / max(total[3], 1), total[1], total[4], total[5] / total[1])
    return rows


def print_rows(title: str, beam: int, rows: dict) -> None:
    for fmt, (rtf, cer, seconds, clips, cpu) in rows.items():
        print(f"  {title:<11} beam {beam}  {fmt:<9}  RTF {rtf:.3f} (CPU {cpu:.3f})  CER {cer:.3f}  "
              f"({clips} clips, {seconds:.1f} s)", flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--beams", default="1,5")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--window", type=float, default=15, help="[asr] window_seconds")
    p.add_argument("--compute-type", default="auto", help="[asr] compute_type")
    p.add_argument("--no-real", action="store_true", help="skip ../shared/data/speech_real")
    p.add_argument("--rescore-weight", type=float, default=asr.RESCORE_WEIGHT,
                   help="[asr] rescore_weight (0: the beam's own choice)")
    p.add_argument("--sets", default="dev,catalogue,real",
                   help="which of speech_dev, speech_dev with its catalogue, speech_real to run")
    p.add_argument("--whole", action="store_true",
                   help="rescoring chooses whole hypotheses (not span by span, nlu/asr_spans)")
    args = p.parse_args()
    beams = [int(b) for b in args.beams.split(",")]
    print(f"machine: {os.cpu_count()} CPUs, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    with tempfile.TemporaryDirectory() as cache:
        started = time.perf_counter()
        asr.ensure_bundled_model(cache)
        print(f"join + verify the bundled model: {time.perf_counter() - started:.2f} s")
        transcriber = asr.Transcriber(cache_dir=cache, threads=args.threads, window_seconds=args.window,
                                      compute_type=args.compute_type, rescore_weight=args.rescore_weight,
                                      spans=not args.whole)
        print(f"compute type {transcriber.compute_type}, window {transcriber.window_seconds:g} s, "
              f"rescore weight {transcriber.rescore_weight:g} ({transcriber.hypotheses} hypotheses, "
              f"{'span by span' if transcriber.spans else 'whole hypotheses'})")
        started = time.perf_counter()
        transcriber.model
        print(f"model load once joined (size + sha256 check + load): {time.perf_counter() - started:.2f} s"
              f"  (WhisperModel alone {transcriber.load_seconds:.2f} s)")
        print(f"peak RSS after load: {peak_rss_mb():.0f} MB")
        transcriber.warm_up()  # the bot does this at start-up: correction dictionaries load before any note

        silence = wav_bytes(np.zeros(5 * 16000, dtype=np.float32))
        transcriber.transcribe(silence)  # first call warms up the VAD model
        started = time.perf_counter()
        text = transcriber.transcribe(silence).text
        print(f"5 s of silence answered in {time.perf_counter() - started:.2f} s (text {text!r})")

        dev_refs = json.loads((DEV / "references.json").read_text(encoding="utf-8"))
        catalogue_file = json.loads((DEV / "catalogue.json").read_text(encoding="utf-8"))
        catalogue = [t for key in ("customers", "products", "competitors") for t in catalogue_file[key]]
        real_refs = None
        if not args.no_real and (REAL / "refs.json").is_file():
            real_refs = json.loads((REAL / "refs.json").read_text(encoding="utf-8"))
        sets = args.sets.split(",")
        for beam in beams:
            if "dev" in sets:
                print_rows("speech_dev", beam, run_set(transcriber, DEV, dev_refs, dev_format, beam))
            if "catalogue" in sets:
                print_rows("dev+catal.", beam, run_set(transcriber, DEV, dev_refs, dev_format, beam, catalogue))
            if real_refs and "real" in sets:
                print_rows("speech_real", beam, run_set(transcriber, REAL, real_refs,
                                                        lambda n: n.rsplit(".", 1)[1], beam))
        if real_refs is None and not args.no_real:
            print(f"  speech_real: not found at {REAL}")
        transcriber.close()
    print(f"peak RSS: {peak_rss_mb():.0f} MB")
    print(f"machine load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
