"""Audio in, 16 kHz mono float32 samples out, with the guards a chat bot needs.

Decoding uses PyAV (bundled with faster-whisper; no system ffmpeg). Every way a file can be refused
raises one error type, AudioError, whose `user_message` is the Chinese sentence the bot replies with.
"""
from __future__ import annotations

import io
import os
from pathlib import Path

import av
import numpy as np

SAMPLE_RATE = 16_000
MIN_SECONDS = 0.5
DEFAULT_MAX_SECONDS = 300
DEFAULT_MAX_BYTES = 20_000_000

# WeChat voice files: "#!SILK_V3", sometimes after one 0x02 byte. FFmpeg cannot read them.
_SILK_MAGIC = b"#!SILK_V3"
# Container hints (file suffixes) -> FFmpeg demuxer names, used only when probing fails.
_FORMAT_HINTS = {"ogg": "ogg", "oga": "ogg", "opus": "ogg", "amr": "amr", "wav": "wav",
                 "mp3": "mp3", "m4a": "mp4", "mp4": "mp4", "aac": "aac", "flac": "flac",
                 "webm": "matroska", "mkv": "matroska"}


class AudioError(Exception):
    """Audio the bot cannot use. `reason` is a stable code; `user_message` is what the user reads."""

    def __init__(self, reason: str, user_message: str, detail: str = ""):
        super().__init__(detail or user_message)
        self.reason = reason
        self.user_message = user_message

    def __str__(self) -> str:
        return self.user_message


def corrupt(detail: str = "") -> AudioError:
    return AudioError("corrupt", "无法读取这段语音：文件可能已损坏或不是音频，请重新录制后再发。", detail)


def truncated(detail: str = "") -> AudioError:
    return AudioError("corrupt", "语音文件不完整（可能没有传完），请重新发送。", detail)


def too_short(seconds: float) -> AudioError:
    return AudioError("too_short", f"语音太短（{seconds:.1f}秒），请说完整后再发。")


def too_long(seconds: float, max_seconds: float) -> AudioError:
    return AudioError("too_long", f"语音太长（约{seconds:.0f}秒），最长支持{_minutes(max_seconds)}，请分段发送。")


def too_large(size: int, max_bytes: int) -> AudioError:
    return AudioError("too_large", f"文件太大（{size / 1e6:.1f}MB），上限{max_bytes / 1e6:.0f}MB，请分段发送。")


def unsupported(name: str) -> AudioError:
    return AudioError("unsupported", f"暂不支持{name}格式的语音，请直接录音发送，或转成MP3/WAV/M4A后再上传。")


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:g}分钟" if seconds >= 60 else f"{seconds:g}秒"


def read_bytes(source: bytes | str | os.PathLike, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The file's bytes, refusing oversized files before reading them."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    else:
        path = Path(source)
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise AudioError("missing", "找不到这个音频文件。", str(exc)) from exc
        if size > max_bytes:
            raise too_large(size, max_bytes)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise AudioError("missing", "无法读取这个音频文件。", str(exc)) from exc
    if len(data) > max_bytes:
        raise too_large(len(data), max_bytes)
    return data


def is_silk(data: bytes) -> bool:
    return data[:9] == _SILK_MAGIC or data[1:10] == _SILK_MAGIC


def decode(source: bytes | str | os.PathLike, fmt: str | None = None, *,
           max_seconds: float = DEFAULT_MAX_SECONDS, max_bytes: int = DEFAULT_MAX_BYTES,
           min_seconds: float = MIN_SECONDS) -> np.ndarray:
    """16 kHz mono float32 samples of any format PyAV reads, or AudioError."""
    data = read_bytes(source, max_bytes)
    if not data.strip(b"\x00"):
        raise corrupt("empty file")
    if is_silk(data):
        raise unsupported("微信SILK")
    if looks_truncated(data):
        raise truncated("container shorter than its headers say")
    samples = _decode_bytes(data, fmt, max_seconds)
    seconds = len(samples) / SAMPLE_RATE
    if seconds < min_seconds:
        if seconds == 0:
            raise corrupt("no audio decoded")
        raise too_short(seconds)
    return samples


def looks_truncated(data: bytes) -> bool:
    """WAV and OGG say how long they are; a cut upload would otherwise transcribe half a note."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return _wav_truncated(data)
    if data[:4] == b"OggS":
        return _ogg_truncated(data)
    return False


def _wav_truncated(data: bytes) -> bool:
    pos = 12
    while pos + 8 <= len(data):
        chunk, size = data[pos:pos + 4], int.from_bytes(data[pos + 4:pos + 8], "little")
        if chunk == b"data":
            # Streaming writers leave 0 or 0xFFFFFFFF as the size: nothing to compare then.
            return 0 < size < 0xFFFFFFFF and len(data) - (pos + 8) < size * 0.98
        pos += 8 + size + (size & 1)
    return True  # no data chunk at all


def _ogg_truncated(data: bytes) -> bool:
    pos = 0
    while pos < len(data):
        if data[pos:pos + 4] != b"OggS" or pos + 27 > len(data):
            return True
        segments = data[pos + 26]
        table = data[pos + 27:pos + 27 + segments]
        if len(table) < segments:
            return True
        pos += 27 + segments + sum(table)
    return pos != len(data)


def _decode_bytes(data: bytes, fmt: str | None, max_seconds: float) -> np.ndarray:
    try:
        return _decode_once(data, fmt, max_seconds, decoder=None)
    except _NativeAmrFailed as failed:
        # FFmpeg's own AMR decoders reject DTX/SID frames; opencore's read them.
        return _decode_once(data, fmt, max_seconds, decoder=failed.fallback)


# FFmpeg's native AMR decoders -> the bundled opencore decoders that read DTX/SID frames.
_AMR_FALLBACK = {"amrnb": "libopencore_amrnb", "amrwb": "libopencore_amrwb"}


class _NativeAmrFailed(Exception):
    def __init__(self, fallback: str):
        super().__init__(fallback)
        self.fallback = fallback


def _open(data: bytes, fmt: str | None):
    try:
        return av.open(io.BytesIO(data), mode="r", metadata_errors="ignore")
    except (av.FFmpegError, ValueError, OSError) as exc:
        hint = _FORMAT_HINTS.get((fmt or "").lower().lstrip("."))
        if not hint:
            raise corrupt(f"cannot open: {exc}") from exc
        try:
            return av.open(io.BytesIO(data), mode="r", format=hint, metadata_errors="ignore")
        except (av.FFmpegError, ValueError, OSError) as exc2:
            raise corrupt(f"cannot open as {hint}: {exc2}") from exc2


def _decode_once(data: bytes, fmt: str | None, max_seconds: float, decoder: str | None) -> np.ndarray:
    container = _open(data, fmt)
    with container:
        if not container.streams.audio:
            raise corrupt("no audio stream")
        stream = container.streams.audio[0]
        if container.duration and container.duration / av.time_base > max_seconds + 1:
            raise too_long(container.duration / av.time_base, max_seconds)
        codec = _codec_context(stream, decoder)
        resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
        limit = int((max_seconds + 1) * SAMPLE_RATE)
        chunks, total = [], 0
        try:
            for packet in container.demux(stream):
                for frame in codec.decode(packet) if codec else packet.decode():
                    for out in resampler.resample(frame):
                        chunk = out.to_ndarray().reshape(-1)
                        chunks.append(chunk)
                        total += len(chunk)
                if total > limit:
                    raise too_long(total / SAMPLE_RATE, max_seconds)
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
        except AudioError:
            raise
        except (av.FFmpegError, ValueError, OSError) as exc:
            fallback = _AMR_FALLBACK.get(stream.codec_context.name)
            if decoder is None and fallback and _has_codec(fallback):
                raise _NativeAmrFailed(fallback) from exc
            raise corrupt(f"decode failed: {exc}") from exc
    if not chunks:
        return np.zeros(0, dtype=np.float32)
    return np.concatenate(chunks).astype(np.float32) / 32768.0


def _codec_context(stream, decoder: str | None):
    """None means the stream's own decoder; otherwise a named decoder set up like the stream."""
    if decoder is None:
        return None
    codec = av.CodecContext.create(decoder, "r")
    codec.sample_rate = stream.codec_context.sample_rate or 8000
    return codec


def _has_codec(name: str) -> bool:
    return name in av.codecs_available
