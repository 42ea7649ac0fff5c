"""Self-repair in dictation: a value said, then corrected, keeps only the final value.

要上两台加工中心，哦不对，后来又说三台 -> 要上三台加工中心; 扳手四百套，哦说错了，是三百套 -> 扳手三百套;
八百米 不对 九百米 -> 九百米; 一开始说两百，后来又改成两百五 -> 一开始说两百五; 周三 哦不 周四 -> 周四.

A repair is a first value (a quantity, an amount or a day), a repair cue within a short window after it,
and a second value of the same kind (the same measure word, or none on one side; or both days) right
after the cue. The second value takes the first one's place, and what was said between the first
value's own clause and the second value (the cue, who corrected it) is dropped, so the repair words
never become a product and the first value is no second fact. "不对" counts only standing alone (哦不对,
不对不对), never as an adjective (尺寸不对).
"""
from __future__ import annotations

import re
from functools import cache

from nlu.lexicon import all_units
from nlu.prefilter import hint

_NUMBER = r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:\.\d+)?|[零一二两三四五六七八九十百千万亿]+(?:[点.][零一二三四五六七八九]+)?)(?:[wWkK万千](?![A-Za-z]))?"
_DAY = r"(?:下下|下|这|本)?(?:周|星期|礼拜)[一二三四五六日天](?![十百千万\d])|\d{1,2}月\d{1,2}[号日]|\d{1,2}[号日]|明天|后天|大后天"
# Standing-alone cues (a word of their own) and cues that always repair (改成, 说错了); English ones
# (sorry, no wait, she corrected to, 20台→改25台 once the arrow is a break); two breaks in a row before a value, what is left of 三千个，哦，三千五百个
# once the filler is stripped.
# (?=[…]): the first character of every cue below (a zero-width 哦，是 starts at 是), so the alternatives
# are tried only where one may start: the scan runs on every note (no literal is common to all cues).
_CUE = re.compile(
    r"(?=[不说算哦噢喔呃啊SsNnWwI改CcHhTt，,\s是后又然调加增涨口纠更最])(?:"
    r"(?:(?<=[，,。;；\s])|^|(?<=[哦噢喔呃嗯啊]))不对(?:不对)?(?=[，,。;；\s是]|$|[他她我]|应该|后来)"
    r"|不对不对|不对(?=\s?是?\s?[\d零一二两三四五六七八九十])"
    r"|[哦噢喔呃啊]不[对是]|说错了?|算错了?|(?<=[哦噢喔])[，,\s]?(?=是\s?[\d零一二两三四五六七八九十])|[Ss]orry|(?:[Nn]o,? )?[Ww]ait(?![a-z])|(?<![修更整])改(?=\s?[\d零一二两三四五六七八九十])|(?<![就也还可要倒])不是[\d零一二两三四五六七八九十百千万.]*\s?是(?=\s?[\d零一二两三四五六七八九十])|I mean|(?:[Ss]he |[Hh]e |[Tt]hey )?corrected(?: it)? to|[Cc]orrection"
    r"|[，,]\s?[，,](?=\s?是?[\d零一二两三四五六七八九十])|口误|哦不|噢不|喔不|呃不|改口|又?改成了?|又?改为|纠正|更正|后来又?说|又说|最后定了?|(?:后来|然后)(?=[^，,。；;\d]{0,14}?说是?\s?[\d零一二两三四五六七八九十])|(?:又往上|又往下|又)?(?:调到|调整到|加到|增加到|涨到))"
)
_CUE_HINT = hint(_CUE)  # the literals every cue contains: most notes have none, and this scan is cheap
_WEAK = ("又说", "后来说", "后来又说", "后来", "然后")  # these repair only a value that ends its clause
_BEFORE = 24  # characters from the first value to its cue
_AFTER = 16   # characters from the cue to the second value
_BREAKS = "，,。;；：: "


@cache
def _value() -> re.Pattern:
    units = "|".join(re.escape(u) for u in sorted({*all_units(), "pcs", "sets", "units", "kg", "t", "家"}, key=len, reverse=True))
    return re.compile(rf"(?P<day>{_DAY})|(?P<num>{_NUMBER})(?: ?(?P<unit>{units}))?")  # (6 台, typed)


def repair(text: str) -> tuple[str, list[tuple[int, int, int]]]:
    """The text with every self-repair applied, and the edits as (start, end, new length) in the
    original text, in order (so callers can move their offsets)."""
    if _CUE_HINT is not None and not _CUE_HINT.search(text) or not _CUE.search(text):
        return text, []
    edits: list[tuple[int, int, str]] = []
    pos = 0
    for cue in _CUE.finditer(text):
        if cue.start() < pos:
            continue
        found = _repair_at(text, cue, pos)
        if found is None:
            continue
        edits.append(found)
        pos = found[1]
    if not edits:
        return text, []
    out, last, moved = [], 0, []
    for start, end, new in edits:
        out += [text[last:start], new]
        moved.append((start, end, len(new)))
        last = end
    out.append(text[last:])
    return "".join(out), moved


def _repair_at(text: str, cue: re.Match, floor: int) -> tuple[int, int, str] | None:
    value = _value()
    said = [m for m in value.finditer(text, max(floor, cue.start() - _BEFORE), cue.start())
            if m.group() and _whole(text, m) and not _in_word(text, m)]  # (有一栋楼, 补一句: a numeral inside a word is no value)
    if not said:
        return None
    first = said[-1]
    second = None
    for m in value.finditer(text, cue.end()):
        if m.start() > cue.end() + _AFTER:
            break  # (a value starting in the window is read whole: 800 pcs, not 800 pc)
        if m.group() and _whole(text, m) and not (m.group("num") and not m.group("unit")
                                                 and _GLUED_WORD.match(text, m.end())):
            if m.group() == first.group() and text[m.end():m.end() + 1] in _BREAKS:
                continue  # 两千块 哦不是两千块 是两千五百块: the wrong value said again, then the right one
            second = m
            break  # (算了一下说要两吨半: 一下 is no value)
    if second is not None and not _same_kind(first, second):
        first = next((m for m in reversed(said) if _same_kind(m, second)), first)  # 十台9.6米冷藏车，后来又说八台
    if second is None or not _same_kind(first, second) or _PER_ONE.search(second.group("num") or ""):
        return None  # (三万二一吨: thirty-two thousand a tonne, a price, not a corrected amount)
    if cue.group().endswith(("调到", "调整到", "加到", "增加到", "涨到")) and not (
            first.group("unit") and first.group("unit") == second.group("unit")):
        return None  # 想加到四个班: an increase needs the same measure on both sides to be a correction
    if first.group("num") and not first.group("unit") and re.match(r"[\u4e00-\u9fff]", text[first.end():first.end() + 1]) \
            and not _CUE.match(text, first.end()):
        return None  # 实验二小: a numeral inside a name
    if cue.group() in _WEAK and not _ends_clause(text, second.end()) \
            and not (second.group("unit") and _LEAD_IN.search(text, max(floor, first.start() - 8), first.start())):
        return None  # 又说要两台冰箱: another line, not a correction
    if text[first.start() - 1:first.start()] == "各" and _NAMED_BETWEEN.search(_CUE.sub("", text[first.end():second.start()])):
        return None  # 世涛和IPA各十桶，后来又说IPA改成十五桶: one product of the pair changed, the other keeps its value
    new = second.group()
    if second.group("num") and not second.group("unit") and first.group("unit"):
        new += first.group("unit")  # 编码器500个，后来改成了800: still 个
    keep_to = _clause_end(text, first.end(), cue.start())
    new += text[first.end():keep_to]
    start = first.start()
    lead = _LEAD_IN.search(text, max(floor, start - 8), start)
    if lead:  # 原来说要八百箱: "at first" said of the value that is now final
        new = text[lead.end():start] + new
        start = lead.start()
    if start and text[start - 1].isascii() and text[start - 1].isalnum() and new[:1].isdigit():
        new = " " + new  # CRM从150 seats加到220 seats: CRM 220 seats, never a code CRM220
    return start, second.end(), new


_NAMED_BETWEEN = re.compile(r"[A-Za-z\u4e00-\u9fff]{2,}")  # (the cue taken out: 后来又说IPA改成 -> IPA)
_LEAD_IN = re.compile(r"(?:原来|本来|一开始|开始|起初|最早|先)(?=[^，,。；;]{0,7}$)|从$")
_GLUED_WORD = re.compile(r"[下点些直起会块儿个次遍]")  # 一下, 一点, 一直: a numeral inside a word


def _in_word(text: str, m: re.Match) -> bool:
    return m.group() == "一" and bool(re.match(r"[\u4e00-\u9fff]", text[m.end():m.end() + 1]))


def _whole(text: str, m: re.Match) -> bool:
    """A value not cut out of a longer number or word (the 2 of 12, the 三 of 三星)."""
    before = text[m.start() - 1:m.start()]
    return not (before and (before.isdigit() or before in "零一二两三四五六七八九十百千万.")) and \
        not (m.group("num") and re.match(r"[\d.]|,\d{3}" if not m.group("unit") else r",\d{3}", text[m.end():m.end() + 4]))  # (8 台. is whole; 1,440 is not 1)


_PER_ONE = re.compile(r"[二两三四五六七八九百千万]一$")


def _same_kind(a: re.Match, b: re.Match) -> bool:
    if a.group("day") or b.group("day"):
        return bool(a.group("day") and b.group("day"))
    ua, ub = a.group("unit"), b.group("unit")
    return not ua or not ub or ua == ub or {ua, ub} <= _MASS  # 八百公斤 不对 一吨


_MASS = frozenset("吨 公斤 千克 斤 kg t".split())


def _ends_clause(text: str, end: int) -> bool:
    return end >= len(text) or text[end] in _BREAKS or text.startswith(("对", "了", "吧", "的", "就够", "就行", "左右"), end)


def _clause_end(text: str, lo: int, hi: int) -> int:
    """The first break after the first value and before its cue (what follows the value in its own
    clause, 两台|加工中心，哦不对, is kept)."""
    for i in range(lo, hi):
        if text[i] in _BREAKS:
            return i
    return lo
