"""Organisation names heard as homophones: 天禾农机 written 天和农机, 鼎丰饮料 written 顶峰饮料.

Whisper writes the characters ordinary text would use for a sound (和 新 太 顶 红), while company names
have their own (禾 鑫 泰 鼎 鸿). Where the parser's company labeller marks a span of the transcript as an
organisation, the characters of its own part (before its trade and type words: 天和 of 天和农机) may
become others of the same sound, weighed by a character model of organisation names
(nlu/data/org_chars.json: the companies of the training notes, scripts/train_org_chars.py). A change
costs what the recogniser left to other readings of the character (-log(1 - p): 2.2 nats where it gave
the heard one 0.89, none where the beam disagreed), and the name takes the likeliest spelling only when
it beats the heard one by a margin. Outside organisation names, and on typed text (no recogniser),
nothing changes: with every character doubted at no cost a fifth of the training names would be
respelt (bench/asr_orgs_cv.py), which is why the recogniser's own doubt is the price.
"""
from __future__ import annotations

import json
import math
import re
from datetime import datetime
from functools import cache, lru_cache
from pathlib import Path

MODEL = Path(__file__).parent / "data" / "org_chars.json"
_HAN = re.compile(r"[\u4e00-\u9fff]")

# The interpolated bigram: P(c | p) = (n(pc) + PAIR_WEIGHT * P1(c)) / (n(p.) + PAIR_WEIGHT), and
# P1(c) = (n(c) + CHAR_WEIGHT * P0(c)) / (N + CHAR_WEIGHT) with P0 the character's frequency in jieba's
# dictionary (so a character no company name had still has a probability).
PAIR_WEIGHT = 20.0
CHAR_WEIGHT = 200.0
# How much likelier (in nats over the name, change costs included) the organisation spelling must be
# than the heard one: 1 on the first 40 synthetic working OGG clips (2 and 3 fixed one company fewer).
MARGIN = 1.0
# What a character whose tone differs from the heard one's costs (the audio said the heard tone).
# PAIR_WEIGHT, CHAR_WEIGHT and TONE_COST chosen by bench/asr_orgs_cv.py --grid.
TONE_COST = 3.0
# A character the recogniser gave this probability or more is never respelt (1.0: only its cost decides).
UNSURE_BELOW = 1.0


@cache
def _model() -> dict:
    data = json.loads(MODEL.read_text(encoding="utf-8"))
    after: dict[str, int] = {}
    for pair, n in data["bigram"].items():
        after[pair[0]] = after.get(pair[0], 0) + n
    data["after"] = after
    data["total"] = sum(data["unigram"].values())
    return data


@cache
def _general() -> tuple[dict, float]:
    """jieba's single-character frequencies and their total."""
    from nlu.note import _jieba

    freq = {w: n for w, n in _jieba().FREQ.items() if len(w) == 1 and n > 0}
    return freq, float(sum(freq.values()))


@lru_cache(maxsize=65536)
def char_logprob(prev: str, char: str) -> float:
    m = _model()
    freq, total = _general()
    p0 = (freq.get(char, 0) + 1) / (total + 1e4)
    p1 = (m["unigram"].get(char, 0) + CHAR_WEIGHT * p0) / (m["total"] + CHAR_WEIGHT)
    return math.log((m["bigram"].get(prev + char, 0) + PAIR_WEIGHT * p1) / (m["after"].get(prev, 0) + PAIR_WEIGHT))


def name_logprob(name: str) -> float:
    padded = "^" + name + "$"
    return sum(char_logprob(padded[i], padded[i + 1]) for i in range(len(padded) - 1))


def _reading(char: str) -> str:
    """The reading a character is written for, with its tone number (its first: 石 shi2, not dan4)."""
    from pypinyin import Style, lazy_pinyin

    reading = lazy_pinyin(char, style=Style.TONE3, errors="ignore", neutral_tone_with_five=True)
    return reading[0] if reading and _HAN.match(char) else ""


@cache
def _org_chars_by_sound() -> dict[str, tuple[tuple[str, str], ...]]:
    """Toneless reading -> (character of the organisation names, its reading with tone)."""
    out: dict[str, list] = {}
    for char in _model()["unigram"]:
        reading = _reading(char)
        if reading:
            out.setdefault(reading.rstrip("12345"), []).append((char, reading))
    return {k: tuple(v) for k, v in out.items()}


def candidates(heard: str) -> dict[str, float]:
    """Characters of organisation names sounding as the heard one (its first reading) -> their cost
    (0 for the heard one and the same tone, TONE_COST for another tone)."""
    tone = _reading(heard)
    out = {heard: 0.0}
    for char, reading in _org_chars_by_sound().get(tone.rstrip("12345"), ()) if tone else ():
        out.setdefault(char, 0.0 if reading == tone else TONE_COST)
    return out


def respell(name: str, doubt: list[float | None], margin: float | None = None) -> str:
    """The name's likeliest spelling under the organisation model (a Viterbi pass over the bigram):
    a character with a doubt (None: kept as heard) may become one of the same sound, at that cost in
    nats (what the recogniser left to other readings of it); the heard name unless the spelling wins
    by margin."""
    margin = MARGIN if margin is None else margin
    options = []
    for char, cost in zip(name, doubt):
        if cost is None or not _HAN.match(char):
            options.append({char: 0.0})
        else:
            options.append({c: t + (cost if c != char else 0.0) for c, t in candidates(char).items()})
    if all(len(o) == 1 for o in options):
        return name
    best = {"^": (0.0, "")}   # last char -> (score, spelling)
    for o in options:
        step = {}
        for char, cost in o.items():
            step[char] = max(((s + char_logprob(prev, char) - cost, text + char) for prev, (s, text) in best.items()))
        best = step
    score, spelling = max((s + char_logprob(prev, "$"), text) for prev, (s, text) in best.items())
    return spelling if spelling != name and score - name_logprob(name) >= margin else name


def change_cost(probability: float | None) -> float:
    """What writing another character where the recogniser wrote one with this probability costs:
    -log of the probability it left to every other reading (0 where it is unknown)."""
    return 0.0 if probability is None else -math.log(max(1.0 - probability, 1e-3))


def organisation_spans(text: str) -> list[tuple[int, int]]:
    """Spans of text the parser's company labeller marks as an organisation (at any certainty)."""
    from nlu.company_crf import company_spans
    from nlu.note import Note

    if not _HAN.search(text):
        return []
    note = Note.build(text, datetime(2000, 1, 1), None)
    out, at = [], 0
    for s, e, _ in company_spans(note, []):
        name = note.text[s:e]
        k = text.find(name, at)
        if k >= 0:  # Note.build may normalise: only spans found as written
            out.append((k, k + len(name)))
            at = k + len(name)
    return out


@cache
def _tail_words() -> tuple[str, ...]:
    """What an organisation's name goes on with after its own part (电力, 有限公司, 蛋糕, 装饰): the
    lexicon's company suffixes, organisation types, trade words and places named by type, and the
    endings several training names share; longest first."""
    from nlu.lexicon import common

    c = common()
    words = {w for key in ("company_suffixes", "org_types", "trade_words", "generic_places") for w in c[key]
             if isinstance(w, str) and len(w) >= 2 and all(_HAN.match(ch) for ch in w)}
    words |= set(_model().get("tails", ()))
    return tuple(sorted(words, key=len, reverse=True))


def own_part(name: str) -> tuple[int, int] | None:
    """(start, end) of what the organisation is called, before the first trade or type word: the two
    characters before it, three when the name starts there (同济堂药店); None without such a word."""
    tails = _tail_words()
    for end in range(2, len(name) - 1):
        if any(name.startswith(w, end) for w in tails):
            return (0, end) if end <= 3 else (end - 2, end)
    return None


def fix_organisations(text: str, doubt: list[float | None], margin: float | None = None
                      ) -> list[tuple[int, str]]:
    """(position, character) changes: the characters of each organisation span's own name respelt
    where they have a doubt (respell; its trade and type words stay)."""
    changes = []
    for s, e in organisation_spans(text):
        name = text[s:e]
        own = own_part(name)
        if own is None:
            continue
        new = respell(name, [d if own[0] <= k < own[1] else None for k, d in enumerate(doubt[s:e])], margin)
        changes += [(s + k, b) for k, (a, b) in enumerate(zip(name, new)) if a != b]
    return changes
