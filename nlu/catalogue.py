"""Correct a transcript against the team's catalogue (customers, products, competitors) by pinyin.

Speech recognition hears names as homophones: 王京里 for 王经理, 张宗 for 张总, 比型号 for B型号.
Both the transcript and the catalogue terms are first spelled as spoken Chinese (Latin letters the way
Chinese speakers say them, B -> 比, X -> 艾克斯; digit runs as numbers, 200 -> 二百; a hyphen as 杠),
then a window of the transcript is replaced by a term only when it sounds the same syllable by
syllable (a spoken form of six or more characters may have one syllable wrong), keeps at least one
of the term's own characters (terms of three or more characters may instead match every syllable
exactly), lines up with word boundaries, and does not overlap a term already written correctly.
Conservative on purpose: a wrong replacement is worse than a missed one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import product
from typing import Iterable

from nlu.note import tokens

_HAN = re.compile(r"[\u4e00-\u9fff]")
# How Chinese speakers say Latin letters, written with characters of that sound.
LETTERS = dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", (
    "诶", "比", "西", "迪", "伊", "艾付", "吉", "艾尺", "艾", "杰", "开", "艾勒", "艾姆", "恩", "欧", "批",
    "扣", "阿", "艾斯", "梯", "优", "维", "达布溜", "艾克斯", "歪", "贼")))
_TOKEN = re.compile(r"\d+|[A-Za-z]+|-|.", re.S)
# Reps name models by a letter (A型号, B型号) that the model writes as its sound (比型号): every
# transcript is corrected towards these even when the team has no catalogue.
LETTER_MODELS = tuple(letter + "型号" for letter in LETTERS)
MAX_LETTER_RUN = 3  # longer Latin runs are words (iPhone), not spoken letter by letter
# Merges that accents and the recogniser blur (southern speakers: zh/z, n/l; -ng finals).
_FUZZY_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("l", "n"))
_FUZZY_FINALS = (("ang", "an"), ("eng", "en"), ("ing", "in"))
FUZZY = 0.7
LONG = 6  # spoken length from which one misheard syllable is tolerated


@dataclass(frozen=True)
class Unit:
    """One spoken character and the span of the original text it came from."""
    char: str
    start: int
    end: int
    first: bool  # the first spoken character of its original span
    last: bool


@dataclass(frozen=True)
class Candidate:
    start: int
    end: int
    term: str
    score: float


# --- spelling text as spoken Chinese ------------------------------------------------------------

def _number(digits: str, digitwise: bool = False) -> str:
    digits = "".join(str(int(d)) for d in digits)  # full-width and other Unicode digits too
    if digitwise or len(digits) > 8 or (len(digits) > 1 and digits[0] == "0"):
        return "".join("零一二三四五六七八九"[int(d)] for d in digits)
    import cn2an

    return cn2an.an2cn(digits)


def _spoken_options(token: str, prev: str, nxt: str) -> list[str] | None:
    """Ways to say one token; None means the token cannot be spoken (it breaks every window)."""
    if _HAN.match(token):
        return [token]
    if token.isdigit():
        options = [_number(token)]
        if len(token) >= 2:
            options.append(_number(token, digitwise=True))
        return options
    if token.isascii() and token.isalpha():
        if len(token) > MAX_LETTER_RUN:
            return None
        return ["".join(LETTERS[c] for c in token.upper())]
    if token == "-" and prev[-1:].isalnum() and nxt[:1].isalnum():
        return ["杠", ""]
    return None


def spell(text: str) -> list[Unit]:
    """The transcript as spoken characters, each tied back to its span (first reading only)."""
    tokens = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]
    units = []
    for i, (token, start, end) in enumerate(tokens):
        prev = tokens[i - 1][0] if i else ""
        nxt = tokens[i + 1][0] if i + 1 < len(tokens) else ""
        options = _spoken_options(token, prev, nxt)
        spoken = options[0] if options else token
        if not options:
            units.append(Unit(token[0] if len(token) == 1 else "\0", start, end, True, True))
            continue
        for k, ch in enumerate(spoken):
            units.append(Unit(ch, start, end, k == 0, k == len(spoken) - 1))
    return units


def term_spellings(term: str, limit: int = 4) -> list[str]:
    """How a catalogue term may be said, e.g. X3-200 -> 艾克斯三杠二百, 艾克斯三二百, ..."""
    tokens = _TOKEN.findall(term)
    choices = []
    for i, token in enumerate(tokens):
        options = _spoken_options(token, tokens[i - 1] if i else "", tokens[i + 1] if i + 1 < len(tokens) else "")
        if options is None:
            return []
        choices.append(options)
    spellings = []
    for combo in product(*choices):
        spoken = "".join(combo)
        if len(spoken) >= 2 and spoken not in spellings:
            spellings.append(spoken)
        if len(spellings) >= limit:
            break
    return spellings


# --- sounding alike ----------------------------------------------------------------------------

@lru_cache(maxsize=8192)
def readings(char: str) -> frozenset[str]:
    """Toneless pinyin readings of one character (all of them, for characters with several)."""
    from pypinyin import Style, pinyin

    return frozenset(pinyin(char, style=Style.NORMAL, heteronym=True, errors="ignore")[0] or ())


def _blur(syllable: str) -> str:
    for full, short in _FUZZY_INITIALS:
        if syllable.startswith(full):
            syllable = short + syllable[len(full):]
            break
    for full, short in _FUZZY_FINALS:
        if syllable.endswith(full):
            syllable = syllable[: -len(full)] + short
            break
    return syllable


def char_score(heard: str, wanted: str) -> float:
    """1 for the same character or a homophone, FUZZY for a near homophone, else 0."""
    if heard == wanted:
        return 1.0
    a, b = readings(heard), readings(wanted)
    if a & b:
        return 1.0
    if {_blur(s) for s in a} & {_blur(s) for s in b}:
        return FUZZY
    return 0.0


def window_score(heard: str, spoken: str) -> float | None:
    """Mean per-character score if `heard` may be a mishearing of `spoken`, else None."""
    if len(heard) != len(spoken) or not all(_HAN.match(c) for c in heard):
        return None
    scores = [char_score(h, t) for h, t in zip(heard, spoken)]
    same = sum(h == t for h, t in zip(heard, spoken))
    misses = scores.count(0.0)
    fuzzy = sum(0 < s < 1 for s in scores)
    if misses:
        # A long spelled-out code (艾克斯三杠二百) stays recognisable with one syllable misheard.
        if not (len(spoken) >= LONG and misses + fuzzy == 1 and same * 2 >= len(spoken)):
            return None
    if len(spoken) == 2 and (same < 1 or fuzzy):
        return None
    if len(spoken) >= 3 and (fuzzy > 1 or (same == 0 and fuzzy)):
        return None
    return sum(scores) / len(scores)


# --- finding and replacing ---------------------------------------------------------------------

def _boundaries(text: str) -> set[int]:
    """Word boundaries from the parser's jieba tokenizer (no HMM, so unknown names fall apart into
    single characters); one dictionary in memory for both."""
    cuts, pos = {0}, 0
    for word in tokens(text):
        pos += len(word)
        cuts.add(pos)
    return cuts


def _exact_spans(text: str, terms: Iterable[str]) -> list[tuple[int, int]]:
    lowered = text.lower()
    return [(m.start(), m.end()) for term in terms for m in re.finditer(re.escape(term.lower()), lowered)]


def candidates(text: str, catalogue: Iterable[str]) -> list[Candidate]:
    terms = sorted({t.strip() for t in catalogue if t and len(t.strip()) >= 2})
    if not terms or not text:
        return []
    protected = _exact_spans(text, terms)
    units = spell(text)
    cuts = _boundaries(text)
    found = []
    for term in terms:
        for spoken in term_spellings(term):
            n = len(spoken)
            for i in range(len(units) - n + 1):
                first, last = units[i], units[i + n - 1]
                if not (first.first and last.last and first.start in cuts and last.end in cuts):
                    continue
                start, end = first.start, last.end
                if text[start:end] == term or any(s < end and start < e for s, e in protected):
                    continue
                score = window_score("".join(u.char for u in units[i:i + n]), spoken)
                if score is not None:
                    found.append(Candidate(start, end, term, score))
    return found


def correct(text: str, catalogue: Iterable[str]) -> tuple[str, list[tuple[str, str]]]:
    """(corrected text, [(heard, term), ...]); the best non-overlapping matches win."""
    chosen: list[Candidate] = []
    for cand in sorted(candidates(text, list(catalogue)), key=lambda c: (-c.score, c.start - c.end, c.start)):
        if all(cand.end <= c.start or c.end <= cand.start for c in chosen):
            chosen.append(cand)
    out, corrections = text, []
    for cand in sorted(chosen, key=lambda c: -c.start):
        corrections.append((text[cand.start:cand.end], cand.term))
        out = out[:cand.start] + cand.term + out[cand.end:]
    return out, corrections[::-1]


def without_mishearings(learned: Iterable[str], imported: list[str]) -> list[str]:
    """The names learned from notes, less those that sound like an imported name: a product heard as
    艾克斯三高二百 before the team imported X3-200 is X3-200, and must not shield its mishearing."""
    if not imported:
        return list(learned)
    return [term for term in learned if term in imported or correct(term, imported)[0] == term]


# --- measure words after a number ----------------------------------------------------------------

_COUNTED = re.compile(r"([0-9０-９零一二两三四五六七八九十百千万]+)([\u4e00-\u9fff])(?=[\s，。、；！？,.;!?]|$)")
# What follows a number without being a measure word (十几, 三百多, 三倍, 五成, 八折, 六点…).
_NOT_COUNTED = frozenset("几多余来倍成折半次岁度点号年月日天周分秒时元角万亿百千")


def correct_units(text: str, units: Iterable[str], preferred: Iterable[str] = ()
                  ) -> tuple[str, list[tuple[str, str]]]:
    """两百香， -> 两百箱，: a character closing a clause after a number that sounds like exactly one of
    the measure words, and is neither one itself nor a word with the number (一起, 十分), is that word.
    Where it sounds like several (指: 只 and 支), the one of them among `preferred` (the industry's own
    measure words: 只 for components, 支 for medicine), if only one is."""
    singles, by_sound = _sound_index(tuple(units))
    preferred = frozenset(preferred)
    out, corrections = text, []
    for m in reversed(list(_COUNTED.finditer(text))):
        heard = m.group(2)
        if heard in singles or heard in _NOT_COUNTED:
            continue
        wanted = set().union(*(by_sound.get(s, set()) for s in readings(heard)))
        if len(wanted) > 1 and len(wanted & preferred) == 1:
            wanted &= preferred
        if len(wanted) != 1 or not _stands_alone(m.group(0)):
            continue
        unit = wanted.pop()
        out = out[:m.start(2)] + unit + out[m.end(2):]
        corrections.append((heard, unit))
    return out, corrections[::-1]


@lru_cache(maxsize=64)
def _sound_index(units: tuple[str, ...]) -> tuple[frozenset[str], dict[str, set[str]]]:
    """The one-character measure words, and each sound -> the measure words that sound so."""
    singles = frozenset(u for u in units if len(u) == 1 and _HAN.match(u))
    by_sound: dict[str, set[str]] = {}
    for unit in singles:
        for sound in readings(unit):
            by_sound.setdefault(sound, set()).add(unit)
    return singles, by_sound


def _stands_alone(counted: str) -> bool:
    return tokens(counted)[-1] == counted[-1]
