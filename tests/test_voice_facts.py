"""The end-to-end voice facts bench (bench/voice_facts.py) and the audio it measures: the dev sentences'
annotations, the synthetic corpus's manifests, the recognition cache, and a short run through the
product's transcriber and parser."""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bench import voice_facts
from nlu import audio

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "tests" / "data" / "speech_dev"
SYNTH = ROOT / "tests" / "data" / "speech_synth"


# --- the data --------------------------------------------------------------------------------------

def test_dev_annotations_pass_the_checker_and_cover_every_clip():
    checked = subprocess.run([sys.executable, str(ROOT / "scripts" / "check_notes.py"), str(DEV / "annotations.jsonl")],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    rows = voice_facts.speech_dev_rows()
    references = json.loads((DEV / "references.json").read_text(encoding="utf-8"))
    assert sorted(r["id"] for r in rows) == sorted(references)
    assert all(r["text"] == references[r["id"]] for r in rows)
    assert {r["format"] for r in rows} == {"wav", "ogg", "amr_dtx", "amr_nodtx"}


@pytest.mark.parametrize("part", ["working", "locked"])
def test_every_clip_of_a_manifest_is_there_as_written(part):
    manifest = SYNTH / part / "manifest.jsonl"
    rows = voice_facts.manifest_rows(manifest)
    assert rows, manifest
    for row in rows:
        assert hashlib.sha256(Path(row["path"]).read_bytes()).hexdigest() == row["sha256"], row["id"]
        assert set(row["expected"]) == {"customer", "items", "dates", "money", "objections", "competitors"}
        assert row["now"] and row["format"] in ("ogg", "amr_dtx", "amr_nodtx", "pcm8k")


def test_the_locked_manifest_is_unchanged_since_it_was_made():
    folder = SYNTH / "locked"
    recorded = (folder / "manifest.sha256").read_text(encoding="ascii").split()[0]
    assert hashlib.sha256((folder / "manifest.jsonl").read_bytes()).hexdigest() == recorded


@pytest.mark.parametrize("fmt", ["ogg", "amr_dtx", "amr_nodtx", "pcm8k"])
def test_a_clip_of_each_synthetic_format_decodes_to_its_length(fmt):
    row = next(r for r in voice_facts.manifest_rows(SYNTH / "working" / "manifest.jsonl") if r["format"] == fmt)
    samples = audio.decode(row["path"], max_seconds=120)
    assert abs(len(samples) / audio.SAMPLE_RATE - row["voice"]["seconds"]) < 0.5
    assert float(np.abs(samples).max()) > 0.05


# --- the cache -------------------------------------------------------------------------------------

class CountingModel:
    def __init__(self):
        self.calls = 0

    def transcribe(self, samples, **kwargs):
        self.calls += 1
        return iter([f"heard {len(samples)} {kwargs}"]), {"language": "zh"}


class FakeTranscriber:
    model_name, compute_type, window_seconds = "base", "int8", 15

    def __init__(self):
        self.model = CountingModel()

    def recognise(self, samples, **kwargs):
        segments, _info = self.model.transcribe(samples, language="zh", **kwargs)
        return "".join(segments)


def test_the_cache_runs_the_model_once_per_audio_and_arguments(tmp_path):
    transcriber = FakeTranscriber()
    cache = voice_facts.RecognitionCache(tmp_path / "cache.sqlite")
    cache.wrap(transcriber)
    one, two = np.zeros(16000, np.float32), np.ones(16000, np.float32) / 2
    first = transcriber.recognise(one, initial_prompt="张总")
    assert transcriber.recognise(one, initial_prompt="张总") == first
    transcriber.recognise(one)                          # another prompt: the model runs
    transcriber.recognise(two, initial_prompt="张总")   # other audio: the model runs
    transcriber.recognise(one, initial_prompt="张总", beam_size=1)
    assert (transcriber.model.calls, cache.hits, cache.misses) == (4, 1, 4)
    fresh = FakeTranscriber()                                          # kept across runs
    voice_facts.RecognitionCache(tmp_path / "cache.sqlite").wrap(fresh)
    assert fresh.recognise(one, initial_prompt="张总") == first and fresh.model.calls == 0


# --- end to end with the model ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def transcriber():
    from nlu import asr

    try:
        asr.ensure_bundled_model()
    except asr.ModelError as exc:
        pytest.skip(f"skipped: the speech model is not installed ({exc})")
    t = asr.Transcriber(beam_size=5, threads=2)
    yield t
    t.close()


@pytest.mark.slow
def test_the_bench_finds_the_facts_of_clear_dev_sentences(transcriber):
    rows = [r for r in voice_facts.speech_dev_rows() if r["id"] in ("sales_06.wav", "sales_07.wav")]
    result = voice_facts.measure(rows, transcriber)
    every = result["formats"]["all"]
    assert set(result["formats"]) == {"wav", "all"} and every["clips"] == 2
    assert 0 <= every["cer"] < 0.3
    assert every["ref_facts_f1"] == 1.0 and every["ref_micro_f1"] == 1.0   # the reference texts parse right
    # 赵总 / B型号 x 30 台 and 孙经理 heard and found, nothing invented
    assert [(c["id"], c["lost"], c["extra"]) for c in result["clips"]] == [
        ("sales_06.wav", {}, {}), ("sales_07.wav", {}, {})]
    assert every["facts_f1"] == 1.0
