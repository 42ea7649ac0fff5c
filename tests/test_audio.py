"""Decoding and the guards around it: every format reps send, and every way a file can be refused."""
from __future__ import annotations

import io
import json
import os
from pathlib import Path

import av
import numpy as np
import pytest

from nlu import audio
from nlu.audio import AudioError, decode

DEV = Path(__file__).parent / "data" / "speech_dev"
REFS = json.loads((DEV / "references.json").read_text(encoding="utf-8"))


def encode(samples: np.ndarray, container: str, codec: str, rate: int = 16000) -> bytes:
    """Float samples (16 kHz mono) encoded with PyAV into bytes of the given container/codec."""
    pcm = (np.clip(samples, -1, 1) * 32767).astype(np.int16)
    out = io.BytesIO()
    with av.open(out, mode="w", format=container) as box:
        stream = box.add_stream(codec, rate=rate)
        stream.layout = "mono"
        resampler = av.AudioResampler(format=stream.codec_context.format.name, layout="mono", rate=rate)
        frame_size = 960 if codec == "libopus" else 1024
        for i in range(0, len(pcm), frame_size):
            frame = av.AudioFrame.from_ndarray(pcm[None, i:i + frame_size], format="s16", layout="mono")
            frame.sample_rate = 16000
            for resampled in resampler.resample(frame):
                box.mux(stream.encode(resampled))
        for resampled in resampler.resample(None):
            box.mux(stream.encode(resampled))
        box.mux(stream.encode(None))
    return out.getvalue()


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * 16000), dtype=np.float32)


def dev_speech() -> np.ndarray:
    return decode(DEV / "sales_01.wav")


# --- formats --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(REFS))
def test_every_dev_clip_decodes_to_its_length(name):
    samples = decode(DEV / name)
    assert samples.dtype == np.float32
    assert 3.0 < len(samples) / audio.SAMPLE_RATE < 10.0
    assert 0.05 < float(np.abs(samples).max()) <= 1.0  # real sound, not silence or garbage


def test_amr_with_dtx_frames_needs_the_opencore_decoder_and_gets_it():
    # The premise: FFmpeg's own amrnb decoder rejects these files ...
    with av.open(str(DEV / "sales_01.amr")) as box, pytest.raises(av.FFmpegError):
        for _ in box.decode(audio=0):
            pass
    # ... and decode() still reads them, to the same length as the WAV of the same sentence.
    assert abs(len(decode(DEV / "sales_01.amr")) - len(decode(DEV / "sales_01.wav"))) < 0.1 * 16000


@pytest.mark.parametrize("container,codec", [("webm", "libopus"), ("mp3", "libmp3lame"), ("ipod", "aac"),
                                             ("flac", "flac"), ("ogg", "libopus")])
def test_browser_and_upload_formats_decode(container, codec):
    speech = dev_speech()
    data = encode(speech, container, codec, rate=48000 if codec == "libopus" else 16000)
    samples = decode(data)
    assert abs(len(samples) - len(speech)) < 0.15 * 16000
    assert float(np.abs(samples).max()) > 0.1


def test_a_format_hint_is_accepted():
    data = (DEV / "sales_01.ogg").read_bytes()
    assert len(decode(data, "ogg")) == len(decode(data))


# --- guards ---------------------------------------------------------------------------------

def test_a_fifth_of_a_second_is_too_short():
    clip = dev_speech()[: int(0.2 * 16000)]
    with pytest.raises(AudioError) as err:
        decode(encode(clip, "wav", "pcm_s16le"))
    assert err.value.reason == "too_short"
    assert "太短" in err.value.user_message


def test_longer_than_the_maximum_is_refused_before_transcribing():
    data = encode(silence(12), "ogg", "libopus", rate=48000)
    with pytest.raises(AudioError) as err:
        decode(data, max_seconds=10)
    assert err.value.reason == "too_long"
    assert "太长" in err.value.user_message and "10秒" in err.value.user_message
    assert len(decode(data, max_seconds=20)) == pytest.approx(12 * 16000, abs=1600)


def test_longer_than_the_maximum_is_refused_without_a_duration_header():
    # A raw ADTS stream has no duration: the limit is enforced while decoding.
    data = encode(silence(12), "adts", "aac")
    with pytest.raises(AudioError) as err:
        decode(data, max_seconds=10)
    assert err.value.reason == "too_long"


def test_a_file_over_the_size_cap_is_refused_unread(tmp_path):
    path = tmp_path / "big.ogg"
    path.write_bytes(b"\0" * 2000)
    with pytest.raises(AudioError) as err:
        decode(path, max_bytes=1000)
    assert err.value.reason == "too_large"
    assert "文件太大" in err.value.user_message


@pytest.mark.parametrize("name", ["sales_01.wav", "sales_01.ogg", "sales_01.amr", "sales_01_nodtx.amr"])
@pytest.mark.parametrize("keep", [0.05, 0.5, 0.9])
def test_a_truncated_file_gets_the_clear_error(name, keep):
    data = (DEV / name).read_bytes()
    with pytest.raises(AudioError) as err:
        decode(data[: int(len(data) * keep)])
    assert err.value.reason in ("corrupt", "too_short")
    assert err.value.user_message


def test_random_bytes_get_the_clear_error():
    rng = np.random.default_rng(7)
    with pytest.raises(AudioError) as err:
        decode(rng.bytes(20_000))
    assert err.value.reason == "corrupt"
    assert "无法读取" in err.value.user_message


def test_a_text_file_renamed_ogg_gets_the_clear_error(tmp_path):
    path = tmp_path / "note.ogg"
    path.write_text("张总，A型号订50台，3月15日发货。\n" * 20, encoding="utf-8")
    with pytest.raises(AudioError) as err:
        decode(path, "ogg")
    assert err.value.reason == "corrupt"


@pytest.mark.parametrize("data", [b"", b"\0" * 100])
def test_an_empty_file_gets_the_clear_error(data):
    with pytest.raises(AudioError) as err:
        decode(data)
    assert err.value.reason == "corrupt"


def test_a_missing_file_gets_a_clear_error(tmp_path):
    with pytest.raises(AudioError) as err:
        decode(tmp_path / "nope.amr")
    assert err.value.reason == "missing"


@pytest.mark.parametrize("prefix", [b"#!SILK_V3", b"\x02#!SILK_V3"])
def test_wechat_silk_is_named_as_unsupported(prefix):
    with pytest.raises(AudioError) as err:
        decode(prefix + os.urandom(3000))
    assert err.value.reason == "unsupported"
    assert "SILK" in err.value.user_message and "不支持" in err.value.user_message


def test_every_refusal_is_one_error_type_with_a_chinese_message():
    for bad in (b"", os.urandom(5000), b"#!SILK_V3" + os.urandom(100), b"RIFF"):
        with pytest.raises(AudioError) as err:
            decode(bad)
        assert any("\u4e00" <= c <= "\u9fff" for c in err.value.user_message)
        assert str(err.value) == err.value.user_message
