"""Speech to text with the bundled Whisper base model: accuracy per format, Simplified output, silence,
refusals, the model cache and the async pool. The model is a pip dependency: these tests run in CI."""
from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest

from nlu import asr
from nlu.asr import ModelError, Transcriber, resolve_model_dir, to_simplified
from nlu.asr_score import errors
from nlu.audio import AudioError
from tests.conftest import shared_path
from tests.test_audio import encode, silence

pytestmark = pytest.mark.slow

DEV = Path(__file__).parent / "data" / "speech_dev"
REFS = json.loads((DEV / "references.json").read_text(encoding="utf-8"))
CATALOGUE_FILE = json.loads((DEV / "catalogue.json").read_text(encoding="utf-8"))
CATALOGUE = [t for key in ("customers", "products", "competitors") for t in CATALOGUE_FILE[key]]
FORMATS = ("wav", "ogg", "amr_dtx", "amr_nodtx")


def fmt_of(name: str) -> str:
    if name.endswith("_nodtx.amr"):
        return "amr_nodtx"
    return "amr_dtx" if name.endswith(".amr") else name.rsplit(".", 1)[1]


def corpus_cer(pairs) -> tuple[float, list]:
    """(CER, per-clip rows (cer, name, reference, hypothesis) worst first)."""
    edits = total = 0
    rows = []
    for name, reference, hypothesis in pairs:
        e, n = errors(reference, hypothesis)
        edits, total = edits + e, total + n
        rows.append((e / max(n, 1), name, reference, hypothesis))
    return edits / max(total, 1), sorted(rows, reverse=True)


@pytest.fixture(scope="session")
def transcriber():
    """One model for the whole session (loaded on first use)."""
    t = Transcriber(beam_size=5, threads=2)
    yield t
    t.close()


@pytest.fixture(scope="session")
def dev_plain(transcriber):
    return {name: transcriber.transcribe(DEV / name) for name in sorted(REFS)}


@pytest.fixture(scope="session")
def dev_with_catalogue(transcriber):
    return {name: transcriber.transcribe(DEV / name, catalogue=CATALOGUE) for name in sorted(REFS)}


def report(title: str, cer: float, rows) -> str:
    lines = [f"{title}: CER {cer:.3f}"]
    lines += [f"  {c:.3f} {name}: {ref} -> {hyp}" for c, name, ref, hyp in rows[:5]]
    return "\n".join(lines)


# --- the dev clips ----------------------------------------------------------------------------

def test_every_format_gives_text(dev_plain):
    formats = {fmt_of(name) for name, t in dev_plain.items() if len(t.text) >= 8}
    assert formats == set(FORMATS)
    assert all(len(t.text) >= 8 for t in dev_plain.values()), {n: t.text for n, t in dev_plain.items()}


def test_no_traditional_characters(dev_plain, dev_with_catalogue):
    for result in (*dev_plain.values(), *dev_with_catalogue.values()):
        assert to_simplified(result.text) == result.text


def test_transcript_reports_audio_and_compute_seconds(dev_plain):
    t = dev_plain["sales_01.wav"]
    assert t.duration == pytest.approx(4.25, abs=0.05)
    assert 0 < t.seconds < 60


@pytest.mark.parametrize("fmt", FORMATS)
def test_cer_without_catalogue(dev_plain, fmt):
    cer, rows = corpus_cer((n, REFS[n], t.text) for n, t in dev_plain.items() if fmt_of(n) == fmt)
    print(report(f"speech_dev {fmt} beam 5, no catalogue", cer, rows))
    assert cer <= 0.20, report(fmt, cer, rows)


@pytest.mark.parametrize("fmt", FORMATS)
def test_cer_with_the_teams_catalogue(dev_with_catalogue, fmt):
    cer, rows = corpus_cer((n, REFS[n], t.text) for n, t in dev_with_catalogue.items() if fmt_of(n) == fmt)
    print(report(f"speech_dev {fmt} beam 5, with catalogue", cer, rows))
    assert cer <= 0.16, report(fmt, cer, rows)


def test_catalogue_names_come_out_right(dev_with_catalogue):
    """The names and products a team knows are written as the team writes them."""
    for name, t in dev_with_catalogue.items():
        for term in CATALOGUE:
            if term in REFS[name] and name.endswith(".wav"):
                assert term in t.text, (name, t.text)


# --- real speech ------------------------------------------------------------------------------

def test_real_speech_cer(transcriber):
    folder = shared_path("speech_real")
    refs = json.loads((folder / "refs.json").read_text(encoding="utf-8"))
    results = {name: transcriber.transcribe(folder / name) for name in sorted(refs)}
    cer, rows = corpus_cer((n, refs[n], t.text) for n, t in results.items())
    print(report("speech_real beam 5 (worst clips)", cer, rows))
    assert all(to_simplified(t.text) == t.text for t in results.values())
    assert cer <= 0.16, report("speech_real", cer, rows)


# --- no speech, bad audio ---------------------------------------------------------------------

@pytest.mark.parametrize("container,codec,rate", [("wav", "pcm_s16le", 16000), ("ogg", "libopus", 48000)])
def test_silence_gives_an_empty_transcript(transcriber, container, codec, rate):
    result = transcriber.transcribe(encode(silence(5), container, codec, rate))
    assert result.text == ""
    assert result.duration == pytest.approx(5, abs=0.1)


def test_quiet_noise_gives_an_empty_transcript(transcriber):
    import numpy as np

    noise = np.random.default_rng(3).normal(0, 0.003, 5 * 16000).astype(np.float32)
    assert transcriber.transcribe(encode(noise, "wav", "pcm_s16le")).text == ""


def test_a_short_clip_is_refused_before_the_model(transcriber):
    clip = encode(silence(0.2), "wav", "pcm_s16le")
    with pytest.raises(AudioError) as err:
        transcriber.transcribe(clip)
    assert err.value.reason == "too_short"


@pytest.mark.parametrize("data", [os.urandom(4000), b"#!SILK_V3" + os.urandom(500),
                                  (DEV / "sales_02.ogg").read_bytes()[:3000]])
def test_bad_audio_raises_the_one_error_type(transcriber, data):
    with pytest.raises(AudioError):
        transcriber.transcribe(data)


def test_the_size_and_length_caps_come_from_config():
    t = Transcriber.from_config({"asr": {"max_seconds": 3, "max_bytes": 50_000, "beam_size": 1, "workers": 2}})
    assert (t.max_seconds, t.max_bytes, t.beam_size, t.workers) == (3, 50_000, 1, 2)
    with pytest.raises(AudioError) as err:
        t.transcribe(DEV / "sales_01.wav")  # 136 kB
    assert err.value.reason == "too_large"
    with pytest.raises(AudioError) as err:
        t.transcribe(DEV / "sales_01.ogg")  # 4.25 s
    assert err.value.reason == "too_long"
    assert t._model is None  # refused before loading anything


# --- the pool, the model ----------------------------------------------------------------------

@pytest.mark.parametrize("flags,machine,expected", [
    ({"avx2", "avx512f", "avx512_vnni"}, "x86_64", "int8"),
    ({"avx2", "avx_vnni"}, "x86_64", "int8"),
    ({"avx2", "fma"}, "x86_64", "float32"),          # int8 saturates without VNNI
    ({"avx2", "avx512f", "avx512bw"}, "x86_64", "float32"),
    (set(), "aarch64", "int8"),
])
def test_auto_compute_type_is_int8_only_where_the_cpu_computes_it_exactly(flags, machine, expected):
    assert asr.default_compute_type(flags, machine) == expected


def _padded(speech_frames: int) -> "np.ndarray":
    import numpy as np

    features = np.zeros((80, 3000), dtype=np.float32)  # faster-whisper pads a window with exact zeros
    features[:, :speech_frames] = np.random.default_rng(1).uniform(-1, 1, (80, speech_frames))
    return features


@pytest.mark.parametrize("speech,window,kept", [(400, 1500, 1500), (2100, 1500, 2500), (2900, 1500, 3000),
                                                (400, 3000, 3000), (0, 1000, 1000)])
def test_a_short_note_is_encoded_over_a_shorter_window_never_cutting_speech(speech, window, kept):
    trimmed = asr.trim_window(_padded(speech), window)
    assert trimmed.shape == (80, kept)
    assert (trimmed[:, :speech] == _padded(speech)[:, :speech]).all()


def test_the_window_comes_from_config_and_a_short_note_still_reads_right():
    t = Transcriber.from_config({"asr": {"window_seconds": 10}})
    assert t.model.window_frames == 1000
    text = t.transcribe(DEV / "sales_01.wav").text
    e, n = errors(REFS["sales_01.wav"], text)
    assert "张总" in text and "3月15日" in text and e / n <= 0.3, text
    t.close()


def test_a_configured_compute_type_is_the_one_loaded():
    t = Transcriber.from_config({"asr": {"compute_type": "int8", "beam_size": 1}})
    assert t.model.model.compute_type.startswith("int8")  # CTranslate2 names it int8_float32 on CPU
    assert "50台" in t.transcribe(DEV / "sales_01.wav").text
    t.close()
    assert Transcriber().compute_type == asr.default_compute_type()

async def test_transcribe_async_leaves_the_event_loop_free(transcriber):
    transcriber.model  # loaded already in a real bot; keep loading out of this measurement
    ticks = 0

    async def ticker():
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    task = asyncio.create_task(ticker())
    first, second = await asyncio.gather(transcriber.transcribe_async(DEV / "sales_05.wav"),
                                         transcriber.transcribe_async(DEV / "sales_07.ogg"))
    task.cancel()
    assert "华为" in first.text and second.text
    assert ticks >= 10  # the loop kept running while both notes were transcribed


async def test_transcribe_async_raises_audio_errors(transcriber):
    with pytest.raises(AudioError):
        await transcriber.transcribe_async(b"not audio at all" * 100)


async def test_the_model_loads_lazily_and_can_be_loaded_ahead_in_the_pool():
    fresh = Transcriber()
    assert fresh._model is None  # nothing loaded by construction
    await fresh.load_async()
    assert fresh._model is not None and fresh.load_seconds is not None
    fresh.close()


def test_the_model_is_loaded_once(transcriber):
    model = transcriber.model
    transcriber.transcribe(DEV / "sales_08.wav")
    assert transcriber.model is model


def test_the_bundled_model_is_joined_verified_and_rejoined_when_damaged(tmp_path):
    folder = asr.ensure_bundled_model(tmp_path / "cache")
    model = folder / "model.bin"
    assert model.stat().st_size == asr.MODEL_SIZE
    assert {p.name for p in folder.iterdir()} == {"model.bin", "config.json", "tokenizer.json", "vocabulary.json"}
    with model.open("r+b") as f:  # same size, one byte flipped
        f.seek(1000)
        byte = f.read(1)
        f.seek(1000)
        f.write(bytes([byte[0] ^ 0xFF]))
    asr.ensure_bundled_model(tmp_path / "cache")
    assert asr._sha256(model) == asr.MODEL_SHA256
    assert resolve_model_dir(str(folder)) == folder  # a model directory can be configured by path


def test_a_configured_model_path_that_is_not_a_model_is_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match="model.bin"):
        resolve_model_dir(str(tmp_path))


def test_an_unwritable_cache_dir_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(ModelError, match="cache_dir"):
        asr.ensure_bundled_model(blocker / "whisper-base")


def test_industry_products_become_hotwords():
    terms = asr.industry_terms("机械设备")
    assert "挖掘机" in terms and "装载机" in terms
    assert asr.industry_terms("no such industry") == [] and asr.industry_terms(None) == []
    prompt, words = asr.build_prompt(["张总", *terms])
    assert prompt == asr.SIMPLIFIED_PROMPT and words.startswith("张总、挖掘机") and words.endswith("。")
    assert len(words) <= asr.MAX_HOTWORD_CHARS
