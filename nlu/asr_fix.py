"""Corrections of a transcript that need no catalogue: what we know about how reps speak.

Whisper base writes what it hears; a contact's title comes out as homophones (陈经历, 孙金李, 李公) and
a surname as a character of the same sound that is no surname (鱼总, 旅工). These functions are pure
(text in, text and the corrections out), conservative (a wrong change is worse than a missed one), and
keep every real word they are not sure about.
"""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from nlu.catalogue import FUZZY, char_score, readings

_HAN = re.compile(r"[\u4e00-\u9fff]")
DATA = Path(__file__).with_name("data")

# Single-character titles corrected from any character of their sound (纵/宗 -> 总, 公/功 -> 工).
# Other single-character titles (处, 董, 叔…) are too often a word of their own to guess.
SHORT_TITLES = ("总", "工", "姐", "哥")
# A title that is also a word (理工, 员工, 老总) is read as a name only before what one says of a person.
# What stands before a title without being a surname (副总, 老总, 小王).
MODIFIERS = frozenset("副老小大总正前原新各该此每众诸")
REPORTING = ("说", "讲", "问", "反馈", "表示", "确认", "觉得", "认为", "希望", "要求", "答应", "同意",
             "那边", "这边", "提出", "回复", "告诉", "嫌", "想", "打算", "准备", "已经", "今天", "昨天")


@cache
def surname_data() -> tuple[tuple[str, ...], frozenset[str]]:
    """(ranked surnames, most common first; every surname trusted as written)."""
    fields = {}
    for line in (DATA / "surnames.txt").read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            fields[key.strip()] = value.strip()
    ranked = tuple(fields["ranked"])
    return ranked, frozenset(ranked) | frozenset(fields["kept"])


@cache
def _surname_by_sound() -> dict[str, list[str]]:
    """Toneless reading -> the ranked surnames read so, most common first."""
    out: dict[str, list[str]] = {}
    for name in surname_data()[0]:
        for sound in readings(name):
            out.setdefault(sound, []).append(name)
    return out


@cache
def _tones(char: str) -> frozenset[str]:
    from pypinyin import Style, pinyin

    return frozenset(pinyin(char, style=Style.TONE3, heteronym=True, errors="ignore")[0] or ())


def surname_for(char: str) -> str | None:
    """The most common surname that sounds like char (same tone first), or None."""
    options = [name for sound in readings(char) for name in _surname_by_sound().get(sound, ())]
    if not options:
        return None
    ranked = surname_data()[0]
    return min(options, key=lambda name: (not (_tones(name) & _tones(char)), ranked.index(name)))


@cache
def titles() -> tuple[str, ...]:
    """Contact titles of the common pack, longest first, that a homophone may stand for."""
    from nlu.lexicon import common

    names = {t for t in common()["titles"] if len(t) >= 2 and all(_HAN.match(c) for c in t)} | set(SHORT_TITLES)
    return tuple(sorted(names, key=len, reverse=True))


@cache
def _all_titles() -> frozenset[str]:
    from nlu.lexicon import common

    return frozenset(common()["titles"])


@cache
def _not_names() -> frozenset[str]:
    from nlu.lexicon import common

    return frozenset(common()["not_names"])


@cache
def _stop_next() -> dict[str, str]:
    from nlu.lexicon import common

    return {title: chars for title, chars in common()["title_stop_next"]}


def _known_surname(char: str) -> bool:
    from nlu.lexicon import surnames

    return char in surnames()[0] or char in surname_data()[1]


def is_word(word: str) -> bool:
    """A word of the parser's jieba dictionary (its common words)."""
    from nlu.note import _jieba  # one dictionary in memory for the parser and the corrections

    return _jieba().FREQ.get(word, 0) > 0


def _function_word(char: str) -> bool:
    from nlu.note import is_function_word

    return is_function_word(char)


def _glued_left(text: str, i: int) -> bool:
    """Does text[i] end a word with what comes before it (这段, 公司, 各位)?"""
    return any(i - k >= 0 and is_word(text[i - k:i + 1]) for k in (1, 2, 3))


def _glued_right(text: str, i: int) -> bool:
    """Does text[i] start a word with what follows it (公司, 总部, 工作)?"""
    return any(i + k < len(text) and is_word(text[i:i + k + 1]) for k in (1, 2, 3))


def _title_sound(heard: str, title: str) -> bool:
    """heard (not the title itself) sounds like the title: every syllable alike, at most one near."""
    if heard == title or len(heard) != len(title) or not all(_HAN.match(c) for c in heard):
        return False
    scores = [char_score(h, t) for h, t in zip(heard, title)]
    return min(scores) >= FUZZY and sum(s < 1 for s in scores) <= (1 if len(title) >= 2 else 0)


def _person_start(text: str, i: int) -> bool:
    """May text[i] be the surname of a contact: a Han character, no function word, not the end of a
    word with what precedes it."""
    char = text[i]
    return bool(_HAN.match(char)) and char not in MODIFIERS and not _function_word(char) \
        and not _glued_left(text, i) \
        and (_known_surname(char) or surname_for(char) is not None)


def _said_of_a_person(text: str, end: int) -> bool:
    """What follows end is what one says of a person (说, 反馈, 那边…), and the name opens a clause."""
    return text.startswith(REPORTING, end)


# After these a surname+title names the person met (拜访了陈经历, 跟王精力).
_BEFORE_PERSON = frozenset("了跟和与给找见约访问对向请是")


def _names_a_person(text: str, start: int, end: int) -> bool:
    """Does the context read text[start:end] as a person where it is also a word: it opens the text or
    follows a meeting verb or a preposition, or it is followed by the clause's end or a reporting verb."""
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    return not _HAN.match(before or "。") or before in _BEFORE_PERSON or not _HAN.match(after or "。") \
        or _said_of_a_person(text, end)


def fix_titles(text: str) -> tuple[str, list[tuple[str, str]]]:
    """陈经历 -> 陈经理, 孙金李 -> 孙经理, 李公 -> 李工, 张纵 -> 张总: a title heard as homophones after
    what may be a surname."""
    out, fixes = text, []
    i = 0
    while i < len(out) - 1:
        if not _person_start(out, i):
            i += 1
            continue
        at = i + 1
        if any(out.startswith(t, at) for t in _all_titles()):
            i += 1
            continue
        for title in titles():
            heard = out[at:at + len(title)]
            if not _title_sound(heard, title):
                continue
            end = at + len(title)
            if any(is_word(out[i:k]) for k in range(at + 1, end + 1)):
                continue  # 价格, not 价哥
            if len(title) == 1 and (_glued_right(out, at) or _function_word(heard)):
                continue
            if end < len(out) and out[end] in _stop_next().get(title, ""):
                continue
            if out[i] + title in _not_names():
                continue
            if is_word(heard) and (not _names_a_person(out, i, end) or out.startswith(("过", "着"), end)):
                continue  # 这段经历, 王经历过: the word
            fixes.append((out[i:end], out[i] + title))
            out = out[:at] + title + out[end:]
            break
        i += 1
    return out, fixes


def fix_surnames(text: str) -> tuple[str, list[tuple[str, str]]]:
    """鱼总 -> 余总, 旅工 -> 吕工, 理工说 -> 李工说: the character before a title that is no common surname
    but reads like one becomes the most common surname of that reading."""
    out, fixes = text, []
    for i in range(len(out) - 1):
        char = out[i]
        if not _HAN.match(char) or char in surname_data()[1] or char in MODIFIERS or _function_word(char):
            continue
        title = next((t for t in sorted(_all_titles(), key=len, reverse=True) if out.startswith(t, i + 1)), None)
        if title is None or title not in titles():
            continue
        end = i + 1 + len(title)
        if end < len(out) and out[end] in _stop_next().get(title, ""):
            continue
        if _glued_left(out, i) or (len(title) == 1 and _glued_right(out, i + 1)):
            continue
        if (is_word(char + title) or char + title in _not_names()) and not (
                _said_of_a_person(out, end) and (i == 0 or not _HAN.match(out[i - 1]))):
            continue
        surname = surname_for(char)
        if surname is None:
            continue
        fixes.append((char + title, surname + title))
        out = out[:i] + surname + out[i + 1:]
    return out, fixes


def fix_names(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Titles first (a homophone title is what shows where a name is), then surnames."""
    text, first = fix_titles(text)
    text, second = fix_surnames(text)
    return text, first + second
