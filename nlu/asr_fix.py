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

from nlu.catalogue import FUZZY, _blur, readings

_HAN = re.compile(r"[\u4e00-\u9fff]")
DATA = Path(__file__).with_name("data")

# Single-character titles corrected from any character of their sound (纵/宗 -> 总, 公/功 -> 工).
# Others (姐, 哥, 处, 董…) are too often a word of their own (借, 个) to guess.
SHORT_TITLES = ("总", "工", "姐")
# Single-character titles whose homophones must also keep the tone (姐 from 解, not from 借 or 街).
SAME_TONE_TITLES = frozenset("姐")
# Titles after which a character that is no surname is taken for a misheard one (鱼总, 旅工, 鱼经理);
# after the others (律师, 老板, 助理…) the character is as often a word of its own (博远律师, 加助理).
SURNAME_TITLES = frozenset((
    "总", "工", "总工", "总监", "总裁", "经理", "总经理", "主任", "主管", "董事长", "科长", "处长", "厂长",
    "院长", "校长", "局长", "部长", "所长", "行长", "站长", "场长", "社长", "会长", "馆长", "园长", "镇长",
    "村长", "县长", "区长", "队长", "组长", "店长", "课长", "股长", "护士长", "工程师"))
# A character of the Hundred Family Surnames is trusted as a surname when it is rarely a word on its own
# (骆, 蒲, 霍: jieba frequency under this), and taken for a misheard one when it is (鱼 16,190, 理).
RARE_AS_WORD = 3000
# A title that is also a word (理工, 员工, 老总) is read as a name only before what one says of a person.
# What stands before a title without being a surname (副总, 老总, 小王).
MODIFIERS = frozenset("副老小大总正前原新各该此每众诸")
# The last character of a department or an organisation (设备科主任, 财务处处长): never a surname.
DEPARTMENT_ENDS = frozenset("科处部室股院局所办组班队厂站司行社委会")
REPORTING = ("说", "讲", "问", "反馈", "表示", "确认", "觉得", "认为", "希望", "要求", "答应", "同意",
             "那边", "这边", "提出", "回复", "告诉", "嫌", "想", "打算", "准备", "已经", "今天", "昨天",
             "要", "订", "定", "签", "下单", "来", "打", "电话", "微信", "发", "他", "她")


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
def sound(char: str) -> str:
    """The toneless reading a character is written for (its first reading: 信 xin, not shen; the
    other readings of a character matched words that no one would hear so: 微信 as 尾款)."""
    from pypinyin import lazy_pinyin

    return lazy_pinyin(char, errors="ignore")[0] if _HAN.match(char) else char


@cache
def word_sounds(word: str) -> tuple[str, ...]:
    """The readings of a word's characters as the word says them (降价 jiang jia, 科长 ke zhang)."""
    from pypinyin import lazy_pinyin

    return tuple(lazy_pinyin(word, errors="ignore"))


def _sound_score(heard: str, wanted_sound: str) -> float:
    """1 when heard is written for the wanted sound, FUZZY when for a near one (jin/jing), else 0."""
    mine = sound(heard)
    if mine == wanted_sound:
        return 1.0
    return FUZZY if _blur(mine) == _blur(wanted_sound) else 0.0


@cache
def _tones(char: str) -> frozenset[str]:
    from pypinyin import Style, pinyin

    return frozenset(pinyin(char, style=Style.TONE3, heteronym=True, errors="ignore")[0] or ())


def surname_for(char: str) -> str | None:
    """The most common surname that sounds like char (same tone first), or None."""
    options = list(_surname_by_sound().get(sound(char), ()))
    if not options:
        # no common surname sounds so: the one trusted surname that does (培 -> 裴, 捏 -> 聂), if only one
        others = _other_surnames_by_sound().get(sound(char), ())
        return others[0] if len(others) == 1 and others[0] != char else None
    ranked = surname_data()[0]
    # a surname read so only in another of its readings (郝 shi) comes after those written for it
    return min(options, key=lambda name: (sound(name) != sound(char), not (_tones(name) & _tones(char)),
                                          ranked.index(name)))


@cache
def _other_surnames_by_sound() -> dict[str, tuple[str, ...]]:
    """Toneless reading -> the trusted surnames outside the ranked list read so (by their first reading)."""
    from nlu.lexicon import surnames

    ranked = set(surname_data()[0])
    out: dict[str, list[str]] = {}
    for name in sorted((set(surnames()[0]) | surname_data()[1]) - ranked):
        if _known_surname(name):
            out.setdefault(sound(name), []).append(name)
    return {k: tuple(v) for k, v in out.items()}


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


@cache
def _titles_longest_first() -> tuple[str, ...]:
    return tuple(sorted(_all_titles(), key=len, reverse=True))


def _known_surname(char: str) -> bool:
    from nlu.lexicon import surnames

    return char in surname_data()[1] or char in surnames()[0] and not _common_word(char)


@cache
def _jieba_dictionary() -> tuple[dict[str, str], frozenset[str]]:
    """From jieba's full dictionary, read once: (single character -> its word class; the words of every
    frequency that sound exactly like a sales word, e.g. 报修 for 保修, 交齐 for 交期: real words a
    transcript may mean, never corrected)."""
    import jieba

    by_sound = {word_sounds(w): w for w in SALES_WORDS}
    lengths = {len(w) for w in SALES_WORDS}
    first_sounds = {sounds[0] for sounds in by_sound}
    tags, protected = {}, set()
    path = Path(jieba.__file__).with_name("dict.txt")
    with path.open(encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) < 3:
                continue
            word = parts[0]
            if len(word) == 1:
                tags[word] = parts[2]
            elif len(word) in lengths and _HAN.match(word[0]) and sound(word[0]) in first_sounds:
                # per character, as a heard window is judged (no per-word pinyin for 100k words)
                sounds = tuple(sound(c) for c in word)
                if by_sound.get(sounds, word) != word:
                    protected.add(word)
    return tags, frozenset(protected)


def _may_be_misheard_surname(char: str) -> bool:
    """A noun (鱼, 理, 旅) or no word at all may be a misheard surname; a verb, preposition or measure
    word before a title is itself (带工程师, 找经理, 两家经理)."""
    tag = _jieba_dictionary()[0].get(char)
    return tag is None or tag.startswith("n")


def _common_word(char: str) -> bool:
    from nlu.note import _jieba

    return _jieba().FREQ.get(char, 0) >= RARE_AS_WORD


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
    if title in SAME_TONE_TITLES and not _tones(heard) & _tones(title):
        return False
    scores = [1.0 if h == t else _sound_score(h, s) for h, t, s in zip(heard, title, word_sounds(title))]
    return min(scores) >= FUZZY and sum(s < 1 for s in scores) <= (1 if len(title) >= 2 else 0)


def _person_start(text: str, i: int) -> bool:
    """May text[i] be the surname of a contact: a Han character, no function word, not the end of a
    word with what precedes it."""
    char = text[i]
    return bool(_HAN.match(char)) and char not in MODIFIERS and not _glued_left(text, i) \
        and (char in surname_data()[1] or not _function_word(char)) \
        and (_known_surname(char) or surname_for(char) is not None and _may_be_misheard_surname(char))


def _said_of_a_person(text: str, end: int) -> bool:
    """What follows end is what one says of a person (说, 反馈, 那边…), and the name opens a clause."""
    return text.startswith(REPORTING, end)


# After these a surname+title names the person met (拜访了陈经历, 跟王精力).
_BEFORE_PERSON = frozenset("了跟和与给找见约访问对向请是的")


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
        for title in _starting_like(_by_first_sound(titles()), out[at]):
            heard = out[at:at + len(title)]
            if not _title_sound(heard, title):
                continue
            if not _known_surname(out[i]) and (len(title) == 1 or title not in SURNAME_TITLES):
                continue  # 主供, 盒鲜生: neither the surname nor the title is sure
            end = at + len(title)
            if any(is_word(out[i:k]) for k in (range(at + 1, end + 1) if len(title) == 1 else (end,))):
                continue  # 张公司, 李宗仁: the surname and what follows make a word
            if len(title) == 1 and (_glued_right(out, at) or _function_word(heard)):
                continue
            if end < len(out) and out[end] in _stop_next().get(title, ""):
                continue
            if out[i] + title in _not_names():
                continue
            if len(heard) > 1 and is_word(heard) and (
                    not _names_a_person(out, i, end) or out.startswith(("过", "着"), end)):
                continue  # 这段经历, 王经历过: the word
            fixes.append((out[i:end], out[i] + title))
            out = out[:at] + title + out[end:]
            break
        i += 1
    return out, fixes


def _opens_a_report(text: str, start: int, end: int) -> bool:
    """text[start:end] opens a clause and what follows is said of a person (培总说…, 培总觉得…): a verb
    there (培, 带, 找) cannot take the title as its object, so it is a surname heard as a verb."""
    return (start == 0 or not _HAN.match(text[start - 1])) and _said_of_a_person(text, end)


def fix_surnames(text: str) -> tuple[str, list[tuple[str, str]]]:
    """鱼总 -> 余总, 旅工 -> 吕工, 理工说 -> 李工说: the character before a title that is no common surname
    but reads like one becomes the most common surname of that reading."""
    out, fixes = text, []
    for i in range(len(out) - 1):
        char = out[i]
        if not _HAN.match(char) or _known_surname(char) or char in MODIFIERS or char in DEPARTMENT_ENDS \
                or _function_word(char):
            continue
        title = next((t for t in _titles_longest_first() if out.startswith(t, i + 1)), None)
        if title not in SURNAME_TITLES:
            continue
        end = i + 1 + len(title)
        if not _may_be_misheard_surname(char) and not _opens_a_report(out, i, end):
            continue  # 带工程师, 找经理: a verb and its object
        if end < len(out) and out[end] in _stop_next().get(title, ""):
            continue
        if _glued_left(out, i) or any(is_word(out[i + 1:end + k]) for k in (1, 2, 3) if end + k <= len(out)):
            continue  # 工作, 经理人: the title is part of a longer word
        if (is_word(char + title) or char + title in _not_names()) and not (
                _said_of_a_person(out, end) and (i == 0 or not _HAN.match(out[i - 1]))):
            continue
        surname = surname_for(char)
        if surname is None:
            continue
        fixes.append((char + title, surname + title))
        out = out[:i] + surname + out[i + 1:]
    return out, fixes


_SURNAME_SAID = re.compile(r"(?<=姓)([\u4e00-\u9fff])(?![名氏])")


def fix_surname_said(text: str) -> tuple[str, list[tuple[str, str]]]:
    """老板姓捏 -> 老板姓聂: the character said after 姓 is a surname; when it is none, the surname of its
    sound, and the same character right after (捏老板) with it."""
    fixes = []
    for m in list(_SURNAME_SAID.finditer(text)):
        heard = m.group(1)
        if _known_surname(heard) or _function_word(heard) or heard in "什啥":
            continue
        surname = surname_for(heard)
        if surname is None:
            continue
        fixes.append(("姓" + heard, "姓" + surname))
        text = text[:m.start()] + surname + text[m.end():]
        for title in _titles_longest_first():
            text, n = re.subn(re.escape(heard + title), surname + title, text)
            if n:
                fixes.append((heard + title, surname + title))
    return text, fixes


@cache
def _roles() -> tuple[str, ...]:
    """Words that name what a contact does and come right before the name (采购赵姐, 行政孔姐,
    仓储主管蔡哥): the departments, roles and titles of the common pack, longest first."""
    from nlu.lexicon import common

    c = common()
    words = {*c["departments"], *c["generic_roles"], *(t for t in c["titles"] if len(t) >= 2),
             *EXTRA_ROLES}
    return tuple(sorted((w for w in words if all(_HAN.match(ch) for ch in w)), key=len, reverse=True))


EXTRA_ROLES = ("行政", "前台", "会计", "出纳", "仓管", "库管", "人事", "主管", "文员", "跟单")
# What follows a name that opens a clause (施姐反映…, 赵姐刚下单…), beside REPORTING.
_AFTER_NAME = (*REPORTING, "反映", "反应", "刚", "聊", "那里")


def fix_sisters(text: str) -> tuple[str, list[tuple[str, str]]]:
    """采购世界 -> 采购石姐, 主管罩解聊了 -> 主管赵姐聊了: 姐 (jie3) heard in another tone (界, 借,
    街, 节) after what may be a surname, where the text reads it as a person: right after a role
    (采购, 行政, 主管), or, when the two characters make no word, before what one says or does
    (空界刚下单). The surname is corrected as fix_surnames would (罩 -> 赵, 空 -> 孔)."""
    out, fixes = text, []
    for i in range(len(out) - 1):
        char, heard = out[i], out[i + 1]
        if heard == "姐" or not _HAN.match(char) or not _HAN.match(heard) or sound(heard) != "jie" \
                or char in MODIFIERS or char in DEPARTMENT_ENDS or _function_word(char):
            continue
        if _glued_right(out, i + 1) or i + 2 < len(out) and out[i + 2] == "姐":
            continue  # 解释, 借款, 街上, 节目
        after_role = any(out.endswith(role, 0, i) for role in _roles())
        opens = (i == 0 or not _HAN.match(out[i - 1]) or out[i - 1] in _BEFORE_PERSON or not _glued_left(out, i)) \
            and out.startswith(_AFTER_NAME, i + 2)
        if not after_role and (not opens or is_word(char + heard)):
            continue
        surname = char if _known_surname(char) else surname_for(char)
        if surname is None:
            continue
        fixes.append((char + heard, surname + "姐"))
        out = out[:i] + surname + "姐" + out[i + 2:]
    return out, fixes


def fix_names(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Titles first (a homophone title is what shows where a name is), then surnames."""
    text, said = fix_surname_said(text)
    text, first = fix_titles(text)
    text, second = fix_surnames(text)
    text, sisters = fix_sisters(text)
    return text, said + first + second + sisters


# --- letters and model codes --------------------------------------------------------------------

_NUMERAL = "零一二两三四五六七八九十百千"
_NUMBER = re.compile(rf"[0-9０-９]+|[{_NUMERAL}]+")
# 杠 (the hyphen said aloud) and what it is heard as.
_DASH = re.compile(r"-|－|杠|刚|钢|港|缸|高")
_MODEL_WORDS = ("型号", "系列", "型", "款")


@cache
def _letter_spellings() -> tuple[tuple[str, str], ...]:
    """(letter, its spoken spelling), longest spelling first."""
    from nlu.catalogue import LETTERS

    return tuple(sorted(LETTERS.items(), key=lambda kv: -len(kv[1])))


def _reads_as(heard: str, spoken: str) -> bool:
    return len(heard) == len(spoken) and all(
        h == s or (_HAN.match(h) and sound(h) == sound(s)) for h, s in zip(heard, spoken))


def spoken_letter(text: str, i: int) -> tuple[str, int] | None:
    """(Latin letter, end) when text[i:] opens with a letter said the Chinese way (艾克斯, 爱克斯, 比)."""
    if i >= len(text) or not _HAN.match(text[i]):
        return None
    spellings = dict((spelling, letter) for letter, spelling in _letter_spellings())
    for spelling in _starting_like(_by_first_sound(tuple(spellings)), text[i]):
        # a one-character letter only as itself: its homophones are words (第 for 迪, 一 for 伊)
        if _reads_as(text[i:i + len(spelling)], spelling) and (len(spelling) > 1 or text[i] == spelling):
            return spellings[spelling], i + len(spelling)
    return None


def _model_word(text: str, i: int) -> tuple[str, int] | None:
    """型号 (or its homophones 行号, 刑后), 系列, 型, 款 at text[i:]."""
    for word in _MODEL_WORDS:
        if text.startswith(word, i):
            return word, i + len(word)
    pair = text[i:i + 2]
    if len(pair) == 2 and all(_HAN.match(c) for c in pair) and sound(pair[0]) == "xing" and sound(pair[1]) in ("hao", "hou"):
        return "型号", i + 2
    return None


def _sure_letter(spoken: str) -> bool:
    """A letter said so that it is no word: a spelling of two or more characters (艾克斯, 艾姆), or one
    character rarely a word on its own (诶, 迪; not 比, 西, 开)."""
    from nlu.note import _jieba

    return len(spoken) > 1 or _jieba().FREQ.get(spoken, 0) < 1000


def _digits(numeral: str) -> str | None:
    import cn2an

    if numeral.isdigit():
        return str(int(numeral)) if not numeral.startswith("0") else numeral
    if not re.search("[十百千]", numeral):  # said digit by digit: 零四 is 04
        return "".join(str("零一二三四五六七八九".index(c)) if c in "零一二三四五六七八九" else "2" for c in numeral)
    try:
        value = cn2an.cn2an(numeral, "smart")
    except (ValueError, KeyError):
        return None
    return str(int(value)) if float(value).is_integer() else None


def _round_prefix(numeral: str) -> str:
    """三百八十 -> 三百: a code's number is said round; what follows it is a quantity."""
    m = re.match(r"[一二两三四五六七八九][十百千]", numeral)
    return m.group() if m and len(numeral) > 2 else numeral


def _code_at(text: str, i: int, units: frozenset[str]) -> tuple[str, int] | None:
    """A model code said aloud at text[i:]: letter(s), a number, 杠, a number (艾克斯三高二百 -> X3-200)."""
    first = spoken_letter(text, i)
    if first is None:
        return None
    letters, at, surely = first[0], first[1], _sure_letter(text[i:first[1]])
    for _ in range(2):  # up to three letters (AH36, DN200)
        more = spoken_letter(text, at)
        if not more:
            break
        letters, at, surely = letters + more[0], more[1], True
    head = _NUMBER.match(text, at)
    if not head:
        return None
    dash = _DASH.match(text, head.end())
    tail = _NUMBER.match(text, dash.end()) if dash else None
    if tail is None:
        # 艾克斯3, 艾姆二十高强螺栓, 迪恩二百: letters said in a way no word is, then a number that
        # counts nothing (艾克斯三台 may be three of X)
        if not surely or text.startswith(tuple(units), head.end()) or len(head.group()) > 5:
            return None
        number = _digits(head.group())
        return (letters + number, head.end()) if number else None
    if dash.group() not in ("-", "－", "杠") and (not surely or not head.group().isdigit() and len(head.group()) > 1):
        return None
    numeral = tail.group()
    end = tail.end()
    if not numeral.isdigit() and text.startswith(tuple(units), end):
        kept = _round_prefix(numeral)
        end = tail.start() + len(kept)
        numeral = kept
    a, b = _digits(head.group()), _digits(numeral)
    if a is None or b is None:
        return None
    code = f"{letters}{a}-{b}"
    return (code + (" " if end < tail.end() else "")), end


def fix_codes(text: str, units=()) -> tuple[str, list[tuple[str, str]]]:
    """Letters said the Chinese way before 型号/系列 (比型号 -> B型号, 比刑后 -> B型号) and model codes
    said aloud (艾克斯三杠二百 -> X3-200); a code's number is kept apart from the quantity after it
    (艾克斯七杠三百八十台 -> X7-300 八十台)."""
    units = frozenset(units) or _default_units()
    out, fixes, i = [], [], 0
    while i < len(text):
        if spoken_letter(text, i) is None or i and _HAN.match(text[i - 1]) and _glued_left(text, i):
            out.append(text[i])
            i += 1
            continue
        code = _code_at(text, i, units)
        if code:
            fixes.append((text[i:code[1]], code[0].strip()))
            out.append(code[0])
            i = code[1]
            continue
        letter = spoken_letter(text, i)
        word = _model_word(text, letter[1]) if letter else None
        if letter and word and not (word[0] in ("型", "款") and len(text[i:letter[1]]) == 1):
            fixes.append((text[i:word[1]], letter[0] + word[0]))
            out.append(letter[0] + word[0])
            i = word[1]
            continue
        out.append(text[i])
        i += 1
    return _list_comma_before_quantity("".join(out), units, fixes)


def _list_comma_before_quantity(text: str, units, fixes) -> tuple[str, list[tuple[str, str]]]:
    """X3-200、200箱 -> X3-200 200箱: the model writes the prompt's list comma between a code and its
    quantity, where no list is; the parser then reads the comma as part of the product."""
    pattern = re.compile(rf"(?<=[A-Za-z0-9])、(?=(?:[0-9]+|[{_NUMERAL}]+)(?:{'|'.join(map(re.escape, units))}))")
    for m in reversed(list(pattern.finditer(text))):
        fixes.append((text[m.start() - 1:m.end() + 1], text[m.start() - 1] + " " + text[m.end()]))
        text = text[:m.start()] + " " + text[m.end():]
    return text, fixes


@cache
def _default_units() -> frozenset[str]:
    from nlu.lexicon import common

    return frozenset(common()["units"])


# --- sales words heard as homophones -------------------------------------------------------------

# Words of sales notes that the model writes as a nonsense word of the same sound (供货 -> 共货, 回款 ->
# 会款, 报价 -> 爆架). Only a heard form that is no word of the dictionary is replaced.
SALES_WORDS = (
    "供应商", "供货", "耗材", "报价", "交期", "回款", "样品", "货款", "付款", "发货", "交货", "到货", "订单",
    "下单", "合同", "签约", "采购", "询价", "比价", "压价", "降价", "涨价", "折扣", "返点", "账期", "预付款",
    "尾款", "定金", "开票", "发票", "库存", "备货", "排产", "产能", "工期", "安装", "调试", "验收", "售后",
    "保修", "质保", "招标", "投标", "中标", "标书", "竞品", "试用", "试单", "批量", "续约", "续费", "回访",
    "拜访", "对接", "方案", "预算", "立项", "审批", "毛利", "单价", "总价", "含税", "运费", "物流", "交付",
    "经销商", "代理商", "渠道", "竞争对手", "反馈", "报备", "打样", "送样", "订货", "提货", "退货", "换货",
)


def _homophone(heard: str, word: str) -> bool:
    """heard is written for exactly the sounds of word (toneless)."""
    return heard != word and len(heard) == len(word) and all(_HAN.match(c) for c in heard) \
        and all(sound(h) == w for h, w in zip(heard, word_sounds(word)))


@cache
def _by_first_sound(words: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Reading of the first character -> the words (in the given order) that start so."""
    out: dict[str, list[str]] = {}
    for word in words:
        out.setdefault(word_sounds(word)[0], []).append(word)
    return {sound: tuple(ws) for sound, ws in out.items()}


def _starting_like(by_sound: dict[str, tuple[str, ...]], char: str) -> list[str]:
    """The words whose first character may be char (same or near reading), longest first."""
    if not _HAN.match(char):
        return []
    sounds = _near_sounds(sound(char))
    found = {w for s in sounds for w in by_sound.get(s, ())}
    # longest first; then the word that starts with char itself (比 is B, though it may read pi too)
    return sorted(found, key=lambda w: (-len(w), w[0] != char, w))


@cache
def _near_sounds(sound: str) -> frozenset[str]:
    """Readings a near homophone may have (jin for jing, zong for zhong): every blur of sound."""
    from nlu.catalogue import _FUZZY_FINALS, _FUZZY_INITIALS

    out = {sound}
    for full, short in _FUZZY_INITIALS:
        for a, b in ((full, short), (short, full)):
            if sound.startswith(a) and not (a == short and sound.startswith(full)):
                out.add(b + sound[len(a):])
    for full, short in _FUZZY_FINALS:
        for s in list(out):
            for a, b in ((full, short), (short, full)):
                if s.endswith(a) and not (a == short and s.endswith(full)):
                    out.add(s[:-len(a)] + b)
    return frozenset(out)


def fix_sales_words(text: str, extra: tuple[str, ...] = ()) -> tuple[str, list[tuple[str, str]]]:
    """A nonsense word that sounds exactly like a sales word (共货 -> 供货, 会款 -> 回款), and 第 heard
    for 订 between a model and its quantity (A型号第50台 -> A型号订50台)."""
    fixes = []
    by_sound = _by_first_sound(tuple(sorted({*SALES_WORDS, *extra}, key=len, reverse=True)))
    out, i = text, 0
    while i < len(out):
        for word in _starting_like(by_sound, out[i]):
            end = i + len(word)
            heard = out[i:end]
            if not _homophone(heard, word) or is_word(heard) or heard in _jieba_dictionary()[1] \
                    or not set(heard) & set(word) or _glued_left(out, i) and i \
                    or (end < len(out) and _glued_right(out, end - 1)) \
                    or any(is_word(heard[:k]) for k in range(2, len(heard))):
                continue
            fixes.append((heard, word))
            out = out[:i] + word + out[end:]
            i = end - 1
            break
        i += 1
    return _order_heard_as_ordinal(out, fixes)


_ORDINAL_ORDER = re.compile(rf"(?:(?<=[A-Za-z0-9])|(?<=型号)|(?<=系列)|(?<=型))\s?第(?=(?:[0-9]+|[{_NUMERAL}]+)\s?[\u4e00-\u9fff])")


def _order_heard_as_ordinal(text: str, fixes) -> tuple[str, list[tuple[str, str]]]:
    units = _default_units()
    for m in reversed(list(_ORDINAL_ORDER.finditer(text))):
        number = _NUMBER.match(text, m.end())
        after = text[number.end():].lstrip()
        if not after.startswith(tuple(units)) or len(number.group()) == 1 and not number.group().isdigit():
            continue  # 第二台坏了: an ordinal
        fixes.append(("第" + number.group(), "订" + number.group()))
        text = text[:m.end() - 1] + "订" + text[m.end():]
    return text, fixes
