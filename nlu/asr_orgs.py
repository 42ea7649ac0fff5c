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


@lru_cache(maxsize=8192)
def candidates(heard: str) -> dict[str, float]:
    """Characters of organisation names sounding as the heard one (its first reading) or near it ->
    their cost: 0 for the heard one and the same sound and tone, TONE_COST for another tone, plus the
    near sound's cost (near_cost) for another sound, up to MAX_NEAR_COST."""
    tone = _reading(heard)
    out = {heard: 0.0}
    if not tone:
        return out
    heard_sound = tone.rstrip("12345")
    for sound, chars in _org_chars_by_sound().items():
        near = 0.0 if sound == heard_sound else NEAR_SCALE * near_cost(heard_sound, sound) if NEAR else math.inf
        if near > MAX_NEAR_COST:
            continue
        for char, reading in chars:
            cost = near + (0.0 if reading[len(sound):] == tone[len(heard_sound):] else TONE_COST)
            out.setdefault(char, cost)
    return out


# --- near sounds: what Whisper writes for what (nlu/data/asr_confusions.json) ---------------------

CONFUSIONS = Path(__file__).parent / "data" / "asr_confusions.json"
# Widen a doubted character to near sounds (云 heard as 研: un -> an); MAX_NEAR_COST in nats caps how
# unlike the heard sound a candidate may be, CONFUSION_PRIOR smooths the counts (add-k per pair).
NEAR = True
NEAR_SCALE = 2.0
MAX_NEAR_COST = 8.0
CONFUSION_PRIOR = 0.5


@cache
def syllable_parts(char: str) -> tuple[str, str] | None:
    """(initial, final) of a character's first reading as pinyin spells it (云: y, un; 嗯: "", n)."""
    from pypinyin import lazy_pinyin

    reading = lazy_pinyin(char, errors="ignore")
    return split_sound(reading[0]) if reading and _HAN.match(char) else None


def split_sound(sound: str) -> tuple[str, str]:
    """Toneless pinyin's initial and final as spelt (yun: y, un; er: "", er)."""
    for initial in ("zh", "ch", "sh"):
        if sound.startswith(initial):
            return initial, sound[2:]
    if sound[:1] in "bpmfdtnlgkhjqxrzcsyw" and len(sound) > 1:
        return sound[:1], sound[1:]
    return "", sound


@cache
def _confusions() -> dict[str, dict[str, dict[str, int]]]:
    """kind (initials/finals) -> said -> heard -> count."""
    if not CONFUSIONS.exists():
        return {"initials": {}, "finals": {}}
    data = json.loads(CONFUSIONS.read_text(encoding="utf-8"))
    out: dict = {}
    for kind in ("initials", "finals"):
        table: dict[str, dict[str, int]] = {}
        for pair, n in data[kind].items():
            said, heard = pair.split(">")
            table.setdefault(said, {})[heard] = n
        out[kind] = table
    return out


def _part_cost(kind: str, said: str, heard: str) -> float:
    """log P(heard | heard said) - log P(heard | said said): how much less likely the recogniser
    writes `heard` for `said` than for itself, from its substitutions (add-k smoothed)."""
    if said == heard:
        return 0.0
    table = _confusions()[kind]
    size = max(len(table), 1)

    def p(s: str) -> float:
        row = table.get(s, {})
        return (row.get(heard, 0) + CONFUSION_PRIOR) / (sum(row.values()) + CONFUSION_PRIOR * size)

    return max(0.0, math.log(p(heard)) - math.log(p(said)))


@lru_cache(maxsize=65536)
def near_cost(heard: str, said: str) -> float:
    """What reading `said` where the recogniser wrote the sound `heard` costs (toneless pinyin)."""
    (hi, hf), (si, sf) = split_sound(heard), split_sound(said)
    return _part_cost("initials", si, hi) + _part_cost("finals", sf, hf)


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
    """Spans of text the parser's company labeller marks as an organisation (at any certainty), and
    the customer's company the parser's rules read there (去了一趟进程酒店管理公司: no label, a visit)."""
    from nlu.company_crf import company_spans
    from nlu.note import Note

    if not _HAN.search(text):
        return []
    note = Note.build(text, datetime(2000, 1, 1), None)
    names = [note.text[s:e] for s, e, _ in company_spans(note, [])]
    if PARSER_COMPANY:
        names.append(_parser_company(note))
    out = []
    for name in names:
        k = text.find(name) if name else -1
        if k >= 0 and not any(a < k + len(name) and k < b for a, b in out):  # found as written
            out.append((k, k + len(name)))
    return sorted(out)


# The parser's customer company marks an organisation the labeller left unmarked.
PARSER_COMPANY = True


def _parser_company(note) -> str | None:
    """The customer's company as the parser reads the text (its rules and labeller; nlu/parser)."""
    from nlu.customer import find_contacts
    from nlu.parser import _customer_of

    customer, _ = _customer_of(note, find_contacts(note.text))
    return (customer or {}).get("company")


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
            if end <= 3:
                return 0, end
            # 通达|公交集团, 宏图|职业技术学院: ordinary words between the own part and the tail word
            # are more of what the organisation is (the name begins the span)
            return (0, 2) if _words_only(name[2:end]) else (end - 2, end)
    return None


# A word of jieba's dictionary this frequent is an ordinary word (公交 286, 保安 478), no company's own name.
ORDINARY_WORD = 200


def _words_only(text: str) -> bool:
    """Whether text is one or more ordinary words of two characters or more (商业, 保安服务)."""
    from nlu.note import _jieba

    freq = _jieba().FREQ
    if not text:
        return False
    ok = [True] + [False] * len(text)
    for i in range(len(text)):
        if ok[i]:
            for j in range(i + 2, min(len(text), i + 4) + 1):
                if freq.get(text[i:j], 0) >= ORDINARY_WORD:
                    ok[j] = True
    return ok[-1]


def fix_organisations(text: str, doubt: list[float | None], margin: float | None = None
                      ) -> list[tuple[int, str]]:
    """(position, character) changes: trade words heard as homophones (fix_trade_words), then the
    characters of each organisation span's own name respelt where they have a doubt (respell; its
    trade and type words stay)."""
    changes = fix_trade_words(text, doubt) if TRADE_WORDS else []
    if changes:
        chars, doubt = list(text), list(doubt)
        for k, c in changes:
            chars[k], doubt[k] = c, None
        text = "".join(chars)
    for s, e in organisation_spans(text):
        name = text[s:e]
        own = own_part(name)
        if own is None:
            continue
        new = respell(name, [d if own[0] <= k < own[1] else None for k, d in enumerate(doubt[s:e])], margin)
        changes += [(s + k, b) for k, (a, b) in enumerate(zip(name, new)) if a != b]
    return changes


# --- trade words heard as homophones: 盛世气修厂 -> 汽修厂, 近海华先 -> 化纤 ----------------------------

TRADE_WORDS = True
# What the changed characters' doubts (nats) may add up to: the recogniser left them this much at least.
TRADE_MAX_COST = 3.0


@cache
def _trade_words_by_sound() -> dict[tuple[str, ...], str]:
    """Toneless readings -> the trade or type word of two or three characters said so (the lexicon's
    trade words, company suffixes and organisation types, and the training names' shared endings)."""
    from nlu.asr_fix import word_sounds
    from nlu.lexicon import common

    c = common()
    words = {w for key in ("company_suffixes", "org_types", "trade_words") for w in c[key] if isinstance(w, str)}
    words |= set(_model().get("tails", ())) - set(c["generic_places"])
    out: dict[tuple[str, ...], str] = {}
    for w in sorted(words, key=lambda w: (-_word_frequency(w), w)):
        if 2 <= len(w) <= 3 and all(_HAN.match(ch) for ch in w):
            out.setdefault(word_sounds(w), w)
    return out


@cache
def _titles() -> tuple[str, ...]:
    from nlu.asr_fix import titles

    return titles()


def _word_frequency(word: str) -> int:
    from nlu.note import _jieba

    return _jieba().FREQ.get(word) or 0


def fix_trade_words(text: str, doubt: list[float | None]) -> list[tuple[int, str]]:
    """(position, character) changes: two or three characters that make no word, glued to no word
    around them, after another Han character and before no title, said exactly as a trade or type word
    (汽修, 化纤, 锂能), become it where the changed characters' doubts add up to TRADE_MAX_COST nats or
    less (the recogniser left them that much)."""
    from nlu.asr_fix import _glued_left, _glued_right, is_word, sound
    from nlu.asr_rescore import sales_vocabulary

    by_sound = _trade_words_by_sound()
    vocabulary = sales_vocabulary()
    changes: list[tuple[int, str]] = []
    i = 0
    while i < len(text) - 1:
        for n in (3, 2):
            heard = text[i:i + n]
            if len(heard) < n or not all(_HAN.match(c) for c in heard) or is_word(heard) or heard in vocabulary:
                continue
            word = by_sound.get(tuple(sound(c) for c in heard))
            if word is None or _glued_left(text, i) and i or i + n < len(text) and _glued_right(text, i + n - 1):
                continue
            if not (i and _HAN.match(text[i - 1])) or text.startswith(_titles(), i + n):
                continue  # a trade word goes on from a name (民、指加); 电商程总: 程 is the contact's surname
            costs = [doubt[i + k] for k in range(n) if heard[k] != word[k]]
            if any(c is None for c in costs) or sum(costs) > TRADE_MAX_COST:
                continue
            changes += [(i + k, word[k]) for k in range(n) if heard[k] != word[k]]
            i += n - 1
            break
        i += 1
    return changes
