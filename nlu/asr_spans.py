"""Where the beam's hypotheses disagree, choose per span (a small confusion network).

Whisper's beam often ends with hypotheses that differ at one or two places each: the first has 业底
where the second has 月底, and the second has 跪了 where the first has 贵了. Choosing one whole
hypothesis (nlu/asr_rescore.choose) must take both of one; here the hypotheses near the first are
aligned character by character to it, the places where any of them differs become spans, and each
span takes the reading (one of the hypotheses' own, or a word of the same sound the dictionary
knows) with the best

    acoustic score of the likeliest hypothesis that reads so + weight * language score of the text

(nlu/asr_rescore.language_score). Where the hypotheses agree but the model gave a character a low
probability (its tokens' probabilities on the likeliest hypothesis, from the model's align), the span
may also take a word of the same sound that no hypothesis wrote, at a cost, and only one that joins
characters that made no word into one (偏章 -> 篇章, 歌舞会报 -> 歌舞汇报; not 底前 -> 底线). Where
the recogniser was sure the text stays as it wrote it, so a real word it heard clearly (顺丰) is never
traded for a more frequent one (顺风), as a correction over the whole text would.
"""
from __future__ import annotations

import math
import re
from functools import cache
from itertools import product

from nlu.asr_rescore import language_score

_HAN = re.compile(r"[\u4e00-\u9fff]")

# Hypotheses taken into the network: within this many nats per token of the likeliest.
MAX_GAP = 0.1
# What a reading no hypothesis wrote (a dictionary word of the same sound) costs, in nats over the
# whole window (the acoustic and language scores are per token and character: this is divided by the
# text's length): it must win on the language score by more.
HOMOPHONE_COST = 1.0
NEAR_COST = 2.0             # the same for a word of a near sound (jin for jing, zong for zhong)
MIN_WORD_FREQUENCY = 20     # jieba frequency of a word a homophone may become
MIN_CHAR_FREQUENCY = 100    # a character rarer than this alone is no candidate
MAX_COMBINATIONS = 256
# A reading longer or shorter than the likeliest's by more than this is no candidate: a hypothesis that
# ended early (or went on) differs by a whole tail, which the language score, per character, cannot weigh.
MAX_LENGTH_CHANGE = 2
# A character the model itself gave less than this probability (on its likeliest hypothesis) is unsure
# even where the beam agrees on it.
UNSURE_BELOW = 0.5      # more span readings than this are chosen one span at a time


def align(a: str, b: str) -> list[tuple[str, int, int, int, int]]:
    """Levenshtein opcodes (tag, i1, i2, j1, j2) turning a into b; 'equal' runs merged."""
    n, m = len(a), len(b)
    cost = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        cost[i][0] = i
    for j in range(m + 1):
        cost[0][j] = j
    for i in range(1, n + 1):
        row, above = cost[i], cost[i - 1]
        for j in range(1, m + 1):
            row[j] = min(above[j - 1] + (a[i - 1] != b[j - 1]), above[j] + 1, row[j - 1] + 1)
    ops = []
    i, j = n, m
    while i or j:
        if i and j and cost[i][j] == cost[i - 1][j - 1] + (a[i - 1] != b[j - 1]):
            ops.append(("equal" if a[i - 1] == b[j - 1] else "replace", i - 1, i, j - 1, j))
            i, j = i - 1, j - 1
        elif i and cost[i][j] == cost[i - 1][j] + 1:
            ops.append(("delete", i - 1, i, j, j))
            i -= 1
        else:
            ops.append(("insert", i, i, j - 1, j))
            j -= 1
    ops.reverse()
    return ops


def _maps(ops) -> tuple[dict[int, int], dict[int, int]]:
    """Pivot boundary -> the other text's boundary, taken before (start) or after (end) what the other
    inserted there."""
    start, end = {}, {}
    for tag, i1, i2, j1, j2 in ops:
        start[i1] = min(start.get(i1, j1), j1)
        end[i2] = max(end.get(i2, j2), j2)
        if tag == "equal":
            start.setdefault(i2, j2)
            end.setdefault(i1, j1)
    return start, end


def spans(pivot: str, others: list[str]) -> list[tuple[int, int, list[str]]]:
    """(start, end, each other text's reading) of the places where any other text differs from the
    pivot, in pivot positions; between them every text reads as the pivot."""
    aligned = [align(pivot, other) for other in others]
    intervals = sorted((i1, i2) for ops in aligned for tag, i1, i2, _, _ in ops if tag != "equal")
    merged: list[list[int]] = []
    for a, b in intervals:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    maps = [_maps(ops) for ops in aligned]
    return [(a, b, [other[s[a]:e[b]] for other, (s, e) in zip(others, maps)]) for a, b in merged]


# --- words of the same sound --------------------------------------------------------------------

@cache
def _chars_by_sound() -> dict[str, tuple[str, ...]]:
    """Toneless reading -> the characters of jieba's dictionary written for it (common ones only)."""
    from nlu.asr_fix import sound
    from nlu.note import _jieba

    from pypinyin import lazy_pinyin

    out: dict[str, list[str]] = {}
    for word, count in _jieba().FREQ.items():
        if len(word) == 1 and count >= MIN_CHAR_FREQUENCY and _HAN.match(word) and lazy_pinyin(word, errors="ignore"):
            out.setdefault(sound(word), []).append(word)
    return {s: tuple(chars) for s, chars in out.items()}


def _sound(char: str) -> str:
    from pypinyin import lazy_pinyin

    from nlu.asr_fix import sound

    return sound(char) if lazy_pinyin(char, errors="ignore") else char


def _known_word(word: str) -> bool:
    from nlu.asr_rescore import sales_vocabulary
    from nlu.note import _jieba

    return _jieba().FREQ.get(word, 0) >= MIN_WORD_FREQUENCY or word in sales_vocabulary()


def units(text: str) -> int:
    """How many words the likeliest segmentation of text's Han runs has (jieba's frequencies and the
    sales vocabulary, as the language score reads them)."""
    from nlu.asr_rescore import MAX_WORD
    from nlu.note import _jieba

    log_total = math.log(_jieba().total)
    total = 0
    for run in re.findall(r"[\u4e00-\u9fff]+", text):
        best = [(0.0, 0)] * (len(run) + 1)
        for i in range(len(run) - 1, -1, -1):
            options = []
            for j in range(i + 1, min(len(run), i + MAX_WORD) + 1):
                count = _word_count(run[i:j])
                if count or j == i + 1:
                    options.append((math.log(count or 1) - log_total + best[j][0], best[j][1] + 1))
            best[i] = max(options)
        total += best[0][1]
    return total


def _word_count(word: str) -> int:
    from nlu.asr_rescore import SALES_WORD_FREQUENCY, sales_vocabulary
    from nlu.note import _jieba

    return _jieba().FREQ.get(word) or (SALES_WORD_FREQUENCY if word in sales_vocabulary() else 0)


def homophones(text: str, start: int, end: int, near: bool = False) -> dict[str, bool]:
    """Readings of text[start:end] (one to two Han characters changed) under which a window of two to
    four characters around it becomes a dictionary word that it was not (停制 -> 停滞 for 制), and the
    text around it falls into fewer words: characters that made no word with their neighbours now
    make one (偏章 -> 篇章), where a reading that only trades one word for another (底前 -> 底线) is
    none. Reading -> whether it sounds exactly alike (with near, also readings of a near sound:
    仅仰 jin -> 敬仰 jing)."""
    out: dict[str, bool] = {}
    if not 0 < end - start <= 2 or not all(_HAN.match(c) for c in text[start:end]):
        return out
    for left in range(max(0, start - 2), start + 1):
        for right in range(end, min(len(text), end + 2) + 1):
            window = text[left:right]
            if not 2 <= len(window) <= 4 or not all(_HAN.match(c) for c in window) or _known_word(window):
                continue
            options = [_sounding_like(c, near) if left + k in range(start, end) else (c,)
                       for k, c in enumerate(window)]
            around = slice(max(0, left - 3), min(len(text), right + 3))
            before = units(text[around])
            for chars in product(*options):
                word = "".join(chars)
                if word != window and _known_word(word):
                    changed = text[around.start:left] + word + text[right:around.stop]
                    if units(changed) < before:
                        reading = word[start - left:end - left]
                        exact = all(_sound(a) == _sound(b) for a, b in zip(reading, text[start:end]))
                        out[reading] = out.get(reading, False) or exact
    return out


def _sounding_like(char: str, near: bool) -> tuple[str, ...]:
    if not near:
        return _chars_by_sound().get(_sound(char), ())
    from nlu.asr_fix import _near_sounds

    return tuple(c for s in _near_sounds(_sound(char)) for c in _chars_by_sound().get(s, ()))


# --- the decode ---------------------------------------------------------------------------------

def unsure_places(char_probs: list[float] | None, taken: list[tuple[int, int]], below: float
                  ) -> list[tuple[int, int]]:
    """Runs (start, end) of at most two characters the model gave less than `below`, outside `taken`."""
    if not char_probs or below <= 0:
        return []
    covered = {i for a, b in taken for i in range(max(a - 1, 0), b + 1)}
    out, run = [], []
    for i, p in enumerate(char_probs + [1.0]):
        if p < below and i not in covered:
            run.append(i)
            continue
        if run and len(run) <= 2:
            out.append((run[0], run[-1] + 1))
        run = []
    return out


def choose_spans(texts: list[str], scores: list[float], weight: float, max_gap: float | None = None,
                 homophone_cost: float | None = None, char_probs: list[float] | None = None,
                 unsure_below: float | None = None, near_cost: float | None = None,
                 places_out: list | None = None) -> tuple[int, list[tuple[int, int, str]]]:
    """(the likeliest hypothesis, the spans of it read otherwise: (start, end, reading)), each span
    read from the hypotheses within max_gap of the likeliest (see the module); with char_probs, the
    characters of the likeliest the model gave less than unsure_below are spans of their own."""
    max_gap = MAX_GAP if max_gap is None else max_gap
    homophone_cost = HOMOPHONE_COST if homophone_cost is None else homophone_cost
    unsure_below = UNSURE_BELOW if unsure_below is None else unsure_below
    near_cost = NEAR_COST if near_cost is None else near_cost
    top = max(range(len(scores)), key=lambda i: scores[i])
    near = [i for i in range(len(texts)) if i != top and scores[top] - scores[i] <= max_gap]
    pivot = texts[top]
    places = spans(pivot, [texts[i] for i in near]) if near else []
    if char_probs is not None and len(char_probs) == len(pivot):
        extra = unsure_places(char_probs, [(a, b) for a, b, _ in places], unsure_below)
        places = sorted(places + [(a, b, [pivot[a:b]] * len(near)) for a, b in extra])
    if places_out is not None:
        places_out[:] = [(a, b) for a, b, _ in places]
    if not places:
        return top, []
    options = []  # per span: {reading: (acoustic cost against the likeliest, whether no hypothesis has it)}
    for a, b, readings in places:
        costs = {pivot[a:b]: (0.0, False)}
        for i, reading in zip(near, readings):
            if abs(len(reading) - (b - a)) <= MAX_LENGTH_CHANGE:
                costs[reading] = (min(costs.get(reading, (9.0,))[0], scores[top] - scores[i]), False)
        if homophone_cost < 9 and len(costs) == 1:
            # the beam agrees on a character the model gave a low probability: words of its sound
            for word, exact in homophones(pivot, a, b, near=near_cost < 9).items():
                costs.setdefault(word, ((homophone_cost if exact else near_cost) / max(len(pivot), 1), True))
        options.append(costs)

    def text_of(choice) -> str:
        out, at = [], 0
        for (a, b, _), reading in zip(places, choice):
            out += [pivot[at:a], reading]
            at = b
        return "".join(out) + pivot[at:]

    def value(choice) -> float:
        # the hypotheses' readings cost the worst of them (a choice that is one hypothesis costs what it
        # does), each word no hypothesis wrote its own
        heard = max((o[r][0] for o, r in zip(options, choice) if not o[r][1]), default=0.0)
        made = sum(o[r][0] for o, r in zip(options, choice) if o[r][1])
        return -heard - made + weight * language_score(text_of(choice))

    total = 1
    for o in options:
        total *= len(o)
    if total <= MAX_COMBINATIONS:
        best = max(product(*[list(o) for o in options]), key=value)
    else:
        best = [pivot[a:b] for a, b, _ in places]
        for _ in range(2):
            for k, o in enumerate(options):
                best[k] = max(o, key=lambda r: value(best[:k] + [r] + best[k + 1:]))
    return top, [(a, b, r) for (a, b, _), r in zip(places, best) if r != pivot[a:b]]


def apply(text: str, changes: list[tuple[int, int, str]]) -> str:
    for a, b, reading in reversed(changes):
        text = text[:a] + reading + text[b:]
    return text


def choose_text(texts: list[str], scores: list[float], weight: float, **kwargs) -> str:
    top, changes = choose_spans(texts, scores, weight, **kwargs)
    return apply(texts[top], changes)


def respell(ids: list[int], changes: list[tuple[int, int, str]], decode, encode, first_timestamp: int
            ) -> list[int]:
    """The hypothesis' token ids with the changed spans (positions in the text of its text tokens)
    written in; its timestamp tokens stay where they were, a span going to the segment it starts in."""
    chunks: list[list[int]] = []   # runs of text tokens and single timestamp tokens
    for t in ids:
        if t >= first_timestamp or not chunks or chunks[-1][-1] >= first_timestamp:
            chunks.append([t])
        else:
            chunks[-1].append(t)
    texts = [None if c[0] >= first_timestamp else decode(c) for c in chunks]
    pieces, owner = [], []
    for k, t in enumerate(texts):
        for char in t or "":
            pieces.append(char)
            owner.append(k)
    if not pieces:
        return list(ids)
    for a, b, reading in reversed(changes):
        if a < len(pieces):
            tail = pieces[a] if a == b else ""
            pieces[a] = reading + tail
            for k in range(a + 1, b):
                pieces[k] = ""
        else:
            pieces[-1] += reading
    new = [""] * len(chunks)
    for piece, k in zip(pieces, owner):
        new[k] += piece
    out = []
    for k, chunk in enumerate(chunks):
        if texts[k] is None or new[k] == texts[k]:
            out += chunk
        elif new[k]:
            out += encode(new[k])
    return out


def text_of_ids(ids: list[int], decode, first_timestamp: int) -> str:
    """The hypothesis' text as respell reads it: its runs of text tokens decoded one by one."""
    out, run = [], []
    for t in ids:
        if t >= first_timestamp:
            if run:
                out.append(decode(run))
            run = []
        else:
            run.append(t)
    if run:
        out.append(decode(run))
    return "".join(out)


def char_probabilities(ids: list[int], probs: list[float], decode, first_timestamp: int, eot: int
                       ) -> list[float] | None:
    """The probability of each character of text_of_ids(ids) (the least of its tokens'; a token that
    writes part of a character shares it), or None when they cannot be matched up."""
    text_tokens = [t for t in ids if t < eot]
    if len(text_tokens) != len(probs):
        return None
    out, group, group_p, k = [], [], [], 0
    for t in ids:
        if t >= first_timestamp:
            if group:
                return None  # a character cut by a timestamp
            continue
        if t >= eot:
            continue
        group.append(t)
        group_p.append(probs[k])
        k += 1
        piece = decode(group)
        if "\ufffd" not in piece:
            out += [min(group_p)] * len(piece)
            group, group_p = [], []
    if group or len(out) != len(text_of_ids(ids, decode, first_timestamp)):
        return None
    return out


# Organisation names the recogniser was unsure of respelt by the organisation-name model (nlu/asr_orgs.py).
ORGANISATIONS = True


def with_organisations(pivot: str, changes: list[tuple[int, int, str]], places: list[tuple[int, int]],
                       char_probs: list[float] | None, below: float | None = None, margin: float | None = None,
                       on: bool = True) -> list[tuple[int, int, str]]:
    """The span changes with the organisation names of the resulting text respelt (nlu/asr_orgs): a
    character the recogniser gave less than `below` at the cost of what it left to other readings, one
    where the beam disagreed or a span reading wrote at none."""
    from nlu import asr_orgs

    below = asr_orgs.UNSURE_BELOW if below is None else below
    probs = char_probs if char_probs is not None and len(char_probs) == len(pivot) else None
    doubted = {i for a, b in places for i in range(a, b)}
    text, doubt, origin = [], [], []   # origin: ("pivot", index) or ("change", k, offset)
    at = 0
    ordered = sorted(changes)
    for k, (a, b, reading) in enumerate(ordered + [(len(pivot), len(pivot), "")]):
        for q in range(at, a):
            text.append(pivot[q])
            if q in doubted or probs is None:
                doubt.append(0.0)
            else:
                doubt.append(asr_orgs.change_cost(probs[q]) if probs[q] < below else None)
            origin.append(("pivot", q))
        if k < len(ordered):
            for off, char in enumerate(reading):
                text.append(char)
                doubt.append(0.0)
                origin.append(("change", k, off))
        at = max(at, b)
    fixes = asr_orgs.fix_organisations("".join(text), doubt, margin)
    if not fixes:
        return changes
    readings = [list(r) for _, _, r in ordered]
    extra = []
    for i, char in fixes:
        where = origin[i]
        if where[0] == "pivot":
            extra.append((where[1], where[1] + 1, char))
        else:
            readings[where[1]][where[2]] = char
    return sorted([(a, b, "".join(r)) for (a, b, _), r in zip(ordered, readings)] + extra)


def decode_window(hypotheses: list[list[int]], scores: list[float], weight: float, decode, encode,
                  first_timestamp: int, probs: list[float] | None = None, eot: int | None = None,
                  **kwargs) -> tuple[int, list[int]]:
    """(the likeliest hypothesis' index, its token ids read span by span) for one window's beam;
    probs: the probability of each text token of the likeliest hypothesis, if known."""
    texts = [text_of_ids(ids, decode, first_timestamp) for ids in hypotheses]
    top = max(range(len(scores)), key=lambda i: scores[i])
    chars = char_probabilities(hypotheses[top], probs, decode, first_timestamp, eot) if probs and eot else None
    org = {k[4:]: kwargs.pop(k) for k in list(kwargs) if k.startswith("org_")}
    places: list = []
    top, changes = choose_spans(texts, scores, weight, char_probs=chars, places_out=places, **kwargs)
    if ORGANISATIONS and org.get("on", True):
        changes = with_organisations(texts[top], changes, places, chars, **org)
    ids = list(hypotheses[top])
    return top, (respell(ids, changes, decode, encode, first_timestamp) if changes else ids)
