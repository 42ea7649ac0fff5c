"""Speech to text with the bundled Whisper base model: accuracy per format, Simplified output, silence,
refusals, the model cache and the async pool. The model is a pip dependency: these tests run in CI."""
from __future__ import annotations

import asyncio
import json
import os
import platform
from pathlib import Path

import pytest

from nlu import asr
from nlu.asr import ModelError, Transcriber, resolve_model_dir, to_simplified
from nlu.asr_score import errors, facts_found
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
    """The product's path (`compute_type = "auto"`), one model for the whole session."""
    t = Transcriber(beam_size=5, threads=2)
    yield t
    t.close()


def int8_is_usable() -> bool:
    return platform.machine().lower() in ("aarch64", "arm64") or asr.has_vnni()


def path_fixture(compute_type: str, transcriber):
    if compute_type == transcriber.compute_type:
        yield transcriber
        return
    t = Transcriber(beam_size=5, threads=2, compute_type=compute_type)
    yield t
    t.close()


@pytest.fixture(scope="session")
def float32(transcriber):
    """The float32 path, checked on every machine (the product's path on x86)."""
    yield from path_fixture("float32", transcriber)


@pytest.fixture(scope="session")
def int8(transcriber):
    """The int8 path, checked where the CPU has an int8 dot product (VNNI) or is ARM."""
    if not int8_is_usable():
        pytest.skip("int8 path not tested on this CPU: without VNNI its products saturate "
                    "(speech_real CER 0.213 measured); the product takes float32 here")
    yield from path_fixture("int8", transcriber)


def transcribe_dev(t: Transcriber, catalogue=()) -> dict:
    return {name: t.transcribe(DEV / name, catalogue=catalogue) for name in sorted(REFS)}


@pytest.fixture(scope="session")
def dev_plain(float32):
    return transcribe_dev(float32)


@pytest.fixture(scope="session")
def dev_with_catalogue(float32):
    return transcribe_dev(float32, CATALOGUE)


@pytest.fixture(scope="session")
def dev_int8(int8):
    return transcribe_dev(int8), transcribe_dev(int8, CATALOGUE)


def report(title: str, cer: float, rows) -> str:
    lines = [f"{title}: CER {cer:.3f}"]
    lines += [f"  {c:.3f} {name}: {ref} -> {hyp}" for c, name, ref, hyp in rows[:5]]
    return "\n".join(lines)


# Corpus CER limits: the measured value plus a margin, never looser than the README's targets (speech_dev
# 0.20 without a catalogue, 0.16 with one; speech_real 0.16).
# float32 read exactly the same figures on an AVX2 EPYC and on two AVX-512 VNNI EPYCs (2026-12-07):
#   no catalogue   WAV 0.101  OGG 0.130  AMR-DTX 0.181  AMR 0.188     speech_real 0.150
#   catalogue      WAV 0.058  OGG 0.058  AMR-DTX 0.109  AMR 0.130
# With the corrections of nlu/asr_fix.py (names, codes, sales words; AVX2 EPYC, same day):
#   no catalogue   WAV 0.043  OGG 0.072  AMR-DTX 0.109  AMR 0.101     speech_real 0.150
#   catalogue      WAV 0.051  OGG 0.051  AMR-DTX 0.101  AMR 0.123
FLOAT32_LIMITS = {
    "plain": {"wav": 0.08, "ogg": 0.11, "amr_dtx": 0.15, "amr_nodtx": 0.15},
    "catalogue": {"wav": 0.08, "ogg": 0.08, "amr_dtx": 0.14, "amr_nodtx": 0.16},
}
# int8 (not the product's path on x86, see nlu/asr.py) has its own limits, measured where it runs (VNNI):
# its transcripts differ clip by clip between machines (up to 0.02 per format before the corrections).
#   without the corrections: no catalogue WAV 0.123 OGG 0.123-0.145 AMR-DTX 0.174-0.188 AMR 0.203-0.217
#   with them (EPYC Zen 5, VNNI; the same figures on three runs):
#     no catalogue   WAV 0.058  OGG 0.065  AMR-DTX 0.101  AMR 0.116
#     catalogue      WAV 0.065  OGG 0.072  AMR-DTX 0.116  AMR 0.116
#   speech_real: 0.150 (EPYC, VNNI), 0.165-0.202 (Zen 5, run to run), 0.181 with the corrections: above the
#   README's 0.16, one reason the product takes float32 on x86; the limit only guards against a collapse.
INT8_LIMITS = {
    "plain": {"wav": 0.10, "ogg": 0.11, "amr_dtx": 0.15, "amr_nodtx": 0.16},
    "catalogue": {"wav": 0.10, "ogg": 0.11, "amr_dtx": 0.15, "amr_nodtx": 0.16},
    "real": 0.23,
}


def cer_of(transcripts, fmt=None):
    return corpus_cer((n, REFS[n], t.text) for n, t in transcripts.items() if fmt in (None, fmt_of(n)))


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
    cer, rows = cer_of(dev_plain, fmt)
    print(report(f"speech_dev {fmt} float32 beam 5, no catalogue", cer, rows))
    assert cer <= FLOAT32_LIMITS["plain"][fmt], report(fmt, cer, rows)


@pytest.mark.parametrize("fmt", FORMATS)
def test_cer_with_the_teams_catalogue(dev_with_catalogue, fmt):
    cer, rows = cer_of(dev_with_catalogue, fmt)
    print(report(f"speech_dev {fmt} float32 beam 5, with catalogue", cer, rows))
    assert cer <= FLOAT32_LIMITS["catalogue"][fmt], report(fmt, cer, rows)


def test_int8_cer_per_format_within_its_own_limits(dev_int8):
    for label, transcripts in zip(("plain", "catalogue"), dev_int8):
        assert all(to_simplified(t.text) == t.text and len(t.text) >= 8 for t in transcripts.values())
        for fmt in FORMATS:
            cer, rows = cer_of(transcripts, fmt)
            print(report(f"speech_dev {fmt} int8 beam 5, {label}", cer, rows))
            assert cer <= INT8_LIMITS[label][fmt], report(f"int8 {fmt} {label}", cer, rows)


def test_catalogue_names_come_out_right(dev_with_catalogue):
    """The names and products a team knows are written as the team writes them."""
    for name, t in dev_with_catalogue.items():
        for term in CATALOGUE:
            if term in REFS[name] and name.endswith(".wav"):
                assert term in t.text, (name, t.text)


def test_a_catalogue_never_loses_facts_over_the_corpus(dev_plain, dev_with_catalogue):
    """The team's catalogue (prompted and corrected towards) may only help: over the dev clips the facts
    found with it (customer, items, objections, competitors, read by the parser from the transcript as
    from the reference) are never fewer than without. Per clip it may differ; the corpus decides."""
    found = {"plain": 0, "catalogue": 0}
    lines = []
    for name in sorted(REFS):
        plain = facts_found(REFS[name], dev_plain[name].text)
        with_catalogue = facts_found(REFS[name], dev_with_catalogue[name].text)
        found["plain"] += plain[0]
        found["catalogue"] += with_catalogue[0]
        if plain[0] != with_catalogue[0]:
            lines.append(f"  {name}: {plain[0]} -> {with_catalogue[0]} of {plain[1]}: "
                         f"{dev_plain[name].text} | {dev_with_catalogue[name].text}")
    print(f"speech_dev facts found: no catalogue {found['plain']}, catalogue {found['catalogue']}", *lines,
          sep="\n")
    assert found["catalogue"] >= found["plain"], lines


# --- real speech ------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["float32", "int8"])
def test_real_speech_cer(request, path):
    speech_path = request.getfixturevalue(path)
    folder = shared_path("speech_real")
    refs = json.loads((folder / "refs.json").read_text(encoding="utf-8"))
    results = {name: speech_path.transcribe(folder / name) for name in sorted(refs)}
    cer, rows = corpus_cer((n, refs[n], t.text) for n, t in results.items())
    limit = 0.16 if speech_path.compute_type == "float32" else INT8_LIMITS["real"]
    print(report(f"speech_real {speech_path.compute_type} beam 5 (worst clips)", cer, rows))
    assert all(to_simplified(t.text) == t.text for t in results.values())
    assert cer <= limit, report("speech_real", cer, rows)


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
    ({"avx2", "avx512f", "avx512_vnni"}, "x86_64", "float32"),   # int8 lost accuracy on VNNI EPYCs too
    ({"avx2", "avx_vnni"}, "x86_64", "float32"),
    ({"avx2", "fma"}, "x86_64", "float32"),                      # int8 saturates without VNNI
    (set(), "aarch64", "int8"),
])
def test_auto_compute_type_is_float32_on_x86_and_int8_on_arm(flags, machine, expected):
    assert asr.default_compute_type(flags, machine) == expected


def test_the_path_is_described_with_the_cpus_int8_support():
    line = asr.describe_path("int8")
    assert line.startswith("compute_type=int8 (cpu: ")
    assert asr.has_vnni({"avx512_vnni"}) and not asr.has_vnni({"avx2", "avx512f"})


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


def test_the_beam_is_reranked_by_default_and_config_turns_it_off(transcriber):
    from nlu.asr_rescore import RescoringModel

    assert isinstance(transcriber.model.model, RescoringModel)
    assert transcriber.model.model.weight == asr.RESCORE_WEIGHT > 0
    off = Transcriber.from_config({"asr": {"rescore_weight": 0, "hypotheses": 3}})
    assert (off.rescore_weight, off.hypotheses) == (0, 3)


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
    text = t.transcribe(DEV / "sales_01.wav", catalogue=["张总"]).text
    assert text.startswith("张总") and len(text) >= 10  # a transcript, whatever int8 does on this CPU
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
    first, second = await asyncio.gather(transcriber.transcribe_async(DEV / "sales_05.wav", catalogue=["华为"]),
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
