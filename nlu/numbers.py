"""Chinese and Arabic numerals, quantities with measure words, and money amounts in yuan.

Four readers, all pure functions over one string:

- ``to_number("十二万五") == 125000``: one numeral string to its value (ints stay ints).
- ``find_quantities(text, units)``: numbers followed by a measure word (三千套, 八十个账号 -> unit 账号);
  package sizes (每袋五十公斤) and batches of a larger order (第一批一千套) come back flagged by
  ``kind`` so the parser can drop them; specs (七十克装, 1L, 六平方 before 三万米) are never
  quantities: ``find_specs`` lists them. Units come back Simplified (臺 -> 台).
- ``find_money(text)``: amounts in yuan (六块五 = 6.5, 九毛五 = 0.95, 1.2万元, ¥3650, bare 五十万, a bare
  number after a price cue: 报价六十五, and unit prices either way round: 十四万八一吨, 一箱两千八),
  with the unit price's measure word (``per``) and range / ceiling bounds (``bound``).
  ``money_after(text, pos)`` answers "is there a bare number right after this cue". Differences and
  discounts (便宜两块五, 打八折, 低6个点) and other currencies (3.14港币) are not money.
- ``find_numbers(text)``: every numeral span with its value, for the parser's leftovers.

N块 is money after a price word (报价两千块), before a unit price or 钱, or standing alone; right after
a product noun it is pieces (地砖两千块). Spans are offsets into the text as given. The readers fold
Traditional / full-width numeral, unit and currency characters one for one, so they also work before
``normalize()``; callers should still normalise first. They work on text with or without the spaces
of dictation. Nothing here raises on any string; results are cached per text (the parser asks for
quantities and money of the same note).

cn2an reads the colloquial tails too (一千二, 十二万五) but costs ~17 us a call, errors on 半 / 千一 /
万九 / 卅三, and knows nothing of money words, so numbers are read by the small parser below
(cn2an is the oracle of the property tests).
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable

from nlu.numerals import (  # the numeral layer; its public names are re-exported here
    ASCII_UNIT_RE, COUNTING_NOUNS, multiplied, FEE_AFTER, MONEY_CUES, UNITS, Money, Quantity, Span, _CODE_NEIGHBOUR, _D, _DIGIT_VALUE, _HAN, _M,
    _MEASURE_CHARS, _NOT_PER, _NOT_UNIT_RE, _NUM_RE, _TIME_AFTER_GE, _Tok, _UNIT_RE_DEFAULT, _alternation,
    _clean, _fold, _int_part, _scan, _unit_res, _value, find_numbers, to_number,
)

__all__ = [
    "Span", "Quantity", "Money", "UNITS", "COUNTING_NOUNS", "MONEY_CUES",
    "to_number", "find_numbers", "find_quantities", "find_specs", "find_money", "money_after",
]


# --- find_quantities --------------------------------------------------------------------------------------

_SPEC_UNIT_RE = re.compile(
    r"(?:毫升|升|千克|公斤|克|斤|毫米|厘米|米|寸|英寸|千瓦|瓦|伏|安|平方|兆瓦|度|号)(?=装)"
    r"|(?:ml|mL|ML|L|l|kg|KG|Kg|g|G|kW|KW|kw|W|w|mm|cm|m|V|A|Ah|mAh|MW|mw|T|t|P|寸)(?![A-Za-z])"
)
_PACKAGE_BEFORE_RE = re.compile(
    rf"(?:每一?(?:{_alternation(UNITS)}|趟|批|柜|小时)(?:是|装|有|约|大概|大约|差不多)?"
    rf"|一个?(?:{_alternation(UNITS)}|柜|托盘)(?:能|可以|可)?装(?:了|得下)?)\s?$"
)
_PACKAGE_AFTER_RE = re.compile(rf"(?:/|每|一)个?(?:{_alternation(UNITS)})")
_BATCH_BEFORE_RE = re.compile(rf"(?:第[{_D}{_M}0-9]+|首|头)批\s?(?:先|要|是|送|发|交|到|货)?\s?$")
_VERB_AFTER_YIGE = frozenset("过给试先就吧啊了呢送发用要卖才只都也还的,，。;；!！?？ ")
_PHASE_VERBS = frozenset("订要买做办开报签搞上培训期共第")


# Patterns used inside the functions below, compiled once.
_MONEY_WORD = re.compile(r"价|费|钱|款|报|才|只要")  # 扬杰才0.03, 报0.035/pcs: a price, not a tolerance


def find_quantities(text: str, units: Iterable[str] = ()) -> list[Quantity]:
    """Numbers followed by a measure word, in text order: 三千套, 50台, 1.5万件, 八十个账号 (unit 账号).

    Never percentages, money, dates, clock times, codes (X3-200, 500ml), phone numbers, ordinals (第一批),
    time spans (三个月), or specs (七十克装, 六平方 in 六平方三万米: see find_specs). Package sizes
    (每袋五十公斤, 十二瓶一箱, 每车三十吨) come back with kind="package"."""
    if not isinstance(text, str) or not text:
        return []
    folded = _fold(text)
    toks = _scan(folded)
    if not toks:
        return []
    extra = tuple(units) if not isinstance(units, str) else (units,)
    unit_re, noun_re = _unit_res(extra) if extra else (_UNIT_RE_DEFAULT, _NOUN_RE_DEFAULT)
    money = _money(folded)
    in_money = bytearray(len(folded))
    for m in money:
        in_money[m.start:m.end] = b"\x01" * (m.end - m.start)
    found: list[Quantity] = []
    for tok in toks:
        if in_money[tok.start] or _excluded_before(folded, tok.start):
            continue
        q = _quantity_at(text, folded, tok, unit_re, noun_re)
        if q is None and multiplied(folded, tok.start, tok.end):
            q = Quantity(tok.start - 1, tok.end, text[tok.start - 1:tok.end], tok.value, None)  # 实木床x30
        if q is None and _typed_thousands(folded, tok.start, tok.end):
            q = Quantity(tok.start, tok.end, text[tok.start:tok.end], tok.value, None)  # RV-20E 5k
        if q is not None:
            found.append(q)
    return _package_and_specs(text, folded, found, {m.start for m in money}, {m.end for m in money})


_TYPED_THOUSANDS_END = re.compile(r" ?(?:[,，。;；、]|$)")
_PRICE_BEFORE = re.compile(r"(?:价|费|钱|款|报|预算|金额|合同|元|块|¥|\$|RMB|USD)[^,，。;；]{0,4}$")


def _typed_thousands(t: str, start: int, end: int) -> bool:
    """RV-20E 5k, TJA1042 10k: thousands typed right after a model code, closing the phrase, with no
    measure word are a count (unit null); never after a price word."""
    if not (t[start:start + 1].isdigit() and t[end - 1:end] in ("千", "万")) or not _TYPED_THOUSANDS_END.match(t, end):
        return False
    before = t[start - 1:start] if t[start - 1:start] != " " else t[start - 2:start - 1]
    spaced = t[start - 1:start] == " "
    return bool(before) and before.isascii() and (before.isalpha() or before.isdigit() and spaced) \
        and not _PRICE_BEFORE.search(t, max(0, start - 10), start)  # (after Chinese words too often an amount)


def _quantity_at(text, folded, tok, unit_re, noun_re) -> Quantity | None:
    pos = tok.end
    if folded[pos: pos + 1] in ("多", "余") or folded[pos: pos + 1] == "来" and folded[pos - 1: pos] in "十百千万":
        pos += 1  # 三百多箱, 四十来箱: the stated round number
    m = unit_re.match(folded, pos)
    if not m and folded[pos:pos + 2].strip()[:1].isascii():
        latin = ASCII_UNIT_RE.match(folded, pos)  # 500 pcs, 3t: English measure words, kept as written
        arabic = folded[tok.end - 1].isdigit() or folded[tok.end - 1] in "千万" and folded[tok.start].isdigit()
        if latin and arabic and latin.group(1) != "T" and tok.value:  # 8T: terabytes; 20k pcs counts
            return Quantity(tok.start, latin.end(), text[tok.start:latin.end()], tok.value, text[latin.start(1):latin.end()])
    if not m or tok.value == 0 and folded[tok.start] == "零":
        return None
    unit, end = m.group(), m.end()
    n = noun_re.match(folded, end + (folded[end: end + 1] == " ")) if unit == "个" else None
    if n and _starts_longer_word(folded, n.start(), n.end()):
        n = None  # 四十个托盘: 托 only starts the word 托盘
    if n:  # 八十个账号, 两个点位: the counting noun is the unit
        unit, end = n.group(), n.end()
        if folded[end: end + 1] == "装":
            return None  # 一个柜装八十桶: the container, not a count
    elif _NOT_UNIT_RE.match(folded, pos) or _TIME_AFTER_GE.match(folded, pos) or folded[end: end + 1] == "装":
        return None
    if unit in ("个", "份") and unit == m.group():
        if folded[tok.start] == "一" and tok.end - tok.start == 1 and _HAN.match(folded[end: end + 1] or "a") \
                and folded[end] not in _VERB_AFTER_YIGE:
            return None  # 一个小项目: an article, not a count
    if unit == "期" and tok.start and _HAN.match(folded[tok.start - 1]) and folded[tok.start - 1] not in _PHASE_VERBS:
        return None  # 龙湖天街二期: a project phase
    if unit == "块" and (folded[end: end + 1] == "钱" or _per_unit_follows(folded, end)
                         or _DIFF_RE.search(folded[max(0, tok.start - 6): tok.start])):
        return None  # 便宜五十块一吨: money, not pieces
    value = tok.value
    if folded[end: end + 1] == "半" and not _HAN.match(folded[end + 1: end + 2] or "a"):
        value, end = _clean(value + 0.5), end + 1
    return Quantity(tok.start, end, text[tok.start:end], value, unit)


def _excluded_before(t: str, start: int) -> bool:
    """第一批 (an ordinal) and 周二提货 (a weekday) are never quantities."""
    if start == 0:
        return False
    if t[start - 1] == "第":
        return True
    if t[start + 1: start + 2] in ("十", "百", "千", "万") and t[max(0, start - 2): start] == "每周":
        return False  # 每周五百斤: every week, five hundred jin (not 每周五, every Friday)
    return t[start] in "一二三四五六日天" and (t[start - 1] == "周" or t[max(0, start - 2): start] in ("星期", "礼拜"))


def _is_package_after(t: str, pos: int) -> bool:
    m = _PACKAGE_AFTER_RE.match(t, pos)
    if not m:
        return False
    c = t[m.end(): m.end() + 1]
    return not c or not (c in _D or c in "0123456789十" or _HAN.match(c))


def _package_and_specs(text, folded, found: list[Quantity], money_starts: set[int], money_ends: set[int]) -> list[Quantity]:
    out: list[Quantity] = []
    i = 0
    while i < len(found):
        q = found[i]
        nxt = found[i + 1] if i + 1 < len(found) else None
        glued = nxt is not None and nxt.start == q.end
        if glued and q.value == 1:  # 一袋五十公斤: the container, then its size
            out.append(_with_kind(nxt, "package"))
            i += 2
            continue
        if glued and nxt.value == 1 and _is_package_after(folded, q.end):  # 十二瓶一箱: one container's size
            out.append(_with_kind(q, "package"))
            i += 2
            continue
        if glued and nxt.value == 1:  # 六百箱一箱62: the second is a unit price's measure
            out.append(q)
            i += 2
            continue
        if glued and _HAN.match(folded[nxt.end: nxt.end + 1] or "a"):
            out.append(q)  # 三台25吨汽车吊: the second describes the product
            i += 2
            continue
        if glued:  # 六平方三万米: the first is the product's spec
            i += 1
            continue
        if _is_per_unit(folded, q, money_starts, money_ends):
            i += 1
            continue
        if _PACKAGE_BEFORE_RE.search(folded, max(0, q.start - 8), q.start):
            q = _with_kind(q, "package")
        elif _BATCH_BEFORE_RE.search(folded, max(0, q.start - 8), q.start):
            q = _with_kind(q, "batch")
        elif _is_package_after(folded, q.end):
            q = _with_kind(q, "package")  # 十二瓶一箱, 12瓶/箱; not 五十吨每袋二十五公斤 or 六百箱一箱62
        out.append(q)
        i += 1
    return out


def _is_per_unit(t: str, q: Quantity, money_starts: set[int], money_ends: set[int]) -> bool:
    """一吨 after a price (十四万八一吨, 五十块 一吨) or 一个 before one (一个 才 九十): a unit price."""
    if q.value != 1:
        return False
    j = q.start - 1
    while j >= 0 and t[j] == " ":
        j -= 1
    if (j + 1) in money_ends or (j >= 0 and t[j] in "块元钱"):
        return True  # 十四万八一吨, 五十块 一吨
    if t[q.end:].lstrip(" ")[:1] == "比":
        return True  # 一米比我们便宜三块: a comparison per unit
    k = q.end
    while k < len(t) and k - q.end < 5 and (t[k] == " " or t[k] in "才只要就卖是报价格单每大概约差不多"):
        k += 1
    return k in money_starts


def _with_kind(q: Quantity, kind: str) -> Quantity:
    return Quantity(q.start, q.end, q.text, q.value, q.unit, kind)


def find_specs(text: str) -> list[Quantity]:
    """Spec numbers inside product names, never items: 七十克装, 1L装, 500ml, 1.5kW, 六平方 in 六平方三万米."""
    if not isinstance(text, str) or not text:
        return []
    folded = _fold(text)
    out: list[Quantity] = []
    for m in _NUM_RE.finditer(folded):
        s = m.group()
        if len(s) > 24:
            continue
        v = _value(s) if s[0].isdigit() else _int_part(s) if "点" not in s else _value(s)
        if v is None:
            continue
        u = _SPEC_UNIT_RE.match(folded, m.end())
        if u and not _CODE_NEIGHBOUR.match(folded[m.start() - 1: m.start()] or " "):
            end = u.end() + (folded[u.end(): u.end() + 1] == "装")
            out.append(Quantity(m.start(), end, text[m.start():end], v, u.group(), "spec"))
    quantities = find_quantities(text)
    counted = {(q.start, q.end) for q in quantities}
    later = {q.start for q in quantities if q.value != 1}
    taken = {o.start for o in out}
    unit_re = _UNIT_RE_DEFAULT
    for tok in _scan(folded):
        u = unit_re.match(folded, tok.end)
        if not u or (tok.start, u.end()) in counted or tok.value == 1:
            continue
        if u.end() in later and tok.start not in taken:
            out.append(Quantity(tok.start, u.end(), text[tok.start:u.end()], tok.value, u.group(), "spec"))
    return sorted(out, key=lambda q: q.start)


_NOUN_RE_DEFAULT = re.compile(_alternation(COUNTING_NOUNS))

# --- money -------------------------------------------------------------------------------------------------

_DG = "一二两三四五六七八九壹贰叁肆伍陆柒捌玖0-9"
_YUAN_RE = re.compile(
    rf"(?P<u>块钱|块|元钱|元|蚊)"
    rf"(?:(?P<fx>[{_DG}])(?:分|仙)|零(?P<f0>[{_DG}])(?:分|仙)?|(?P<j>[{_DG}])(?P<ju>毛|角|毫)?(?:(?P<f>[{_DG}])(?P<fu>分|仙)?)?|(?P<half>半))?"
    rf"(?P<rmb>整|人民币)?"
)
_JIAO_RE = re.compile(rf"(?P<ju>毛|角|毫)(?![米升克秒安瓦利重巾衣病])(?:(?P<f>[{_DG}])(?P<fu>分|仙)?)?")
_FEN_RE = re.compile(r"(?:分|仙)(?![钟之半])")
_LI_RE = re.compile(r"厘(?!米)")
_FEN_TAIL_RE = re.compile(rf"([{_DG}])(?:(?![{_DG}十百千万点.])|(?=一[\u4e00-\u9fff]))")
_PER_RE = re.compile(r"\s?(?:/|每|一)")
_PREFIX_RE = re.compile(r"(?:¥|人民币|RMB|rmb|CNY)\s?$")
_FOREIGN_RE = re.compile(r"(?:\$|港币|美元|美金|欧元|日元|HKD|USD|EUR|US\$)\s?$")
_CURRENCY_AFTER_RE = re.compile(r"\s?(?:(人民币|RMB|rmb|CNY)|港币|美元|美金|欧元|日元|HKD|USD|EUR|刀)")
_CURRENCY_NEXT = frozenset("块元蚊毛角毫分仙厘人RrC港美欧日HUE刀 ")
_DIFF_RE = re.compile(r"(?:便宜|(?<!最)低|(?<![最提])高|贵|差|降|(?<![至最多])少|省|让|优惠|减|砍|涨|(?<![最至])多|加|补|返|退|相差|差价|价差)(?:了|个|都|就|也|还|才)?\s?$")
_RATIO_AFTER = re.compile(r"\s?(?:%|成|折|个点|个百分点|点(?![0-9一二两三四五六七八九]))")
_MAX_BEFORE = re.compile(r"(?:最多|最高|不超过|不超|顶多|至多|封顶)\s?$")
_MIN_BEFORE = re.compile(r"(?:至少|最少|起码|最低|不低于)\s?$")
_MAX_AFTER = re.compile(r"\s?(?:以下|以内|之内|内|封顶)")
_MIN_AFTER = re.compile(r"\s?(?:以上|起步|起)")
_CUE_RE = re.compile(
    rf"(?:{_alternation(MONEY_CUES)}|[\u4e00-\u9fff][费款金]|每(?:公斤|千克|平米|平方|立方)|每[\u4e00-\u9fff])"
    r"(?:\s?(?:每[\u4e00-\u9fff]|分别是|分别|都是|差不多|大概|大约|估计|一共|总共|左右|只剩|还剩|剩下|剩|只有|还有"
    r"|不超过|不低于|最多|最高|至少|最少|起码|顶多|控制在|是|为|在|按|约|就|才|只|也|了|的|要|给|报|:|,|：|，))*\s?$"
)
# 一箱两千八, 一个授权 四千五, 一平二百八: a unit price said unit first
_PER_BEFORE_RE = re.compile(
    r"一(?:个)?\s?([\u4e00-\u9fff]{1,2}?)\s?(?:是|要|卖|才|就|只要|报|报价|价格|大概|大约|约|差不多|:)?\s?$")
_NUMERAL_CHARS = frozenset(_D + _M + "0123456789第")
_CEILING_AFTER = re.compile(r"\s?(?:以内|以下|封顶)")
# what may follow a money word without making it a measure of something else
_FEE_AFTER_RE = re.compile(FEE_AFTER)
_MONEY_NEXT_OK = frozenset("钱一每的左以到至和或也就是了吧啊呢多算给卖收拿走成买进出付起含谈签定开报")
_CODED_NOUN_BEFORE = re.compile(r"[\u4e00-\u9fff][A-Za-z0-9]*[A-Za-z]$")  # 硬盘4T, 网线CAT
_EACH_BEFORE = re.compile(r"每[托箱袋包盒车柜桶批捆卷件套]\s?$")  # 每托三十六块: pieces per pallet
_JOIN_RE = re.compile(r"\s?(?:和|、|跟|与|或|及|/)\s?$")
_RANGE_RE = re.compile(r"\s?(?:到|至|-|~)\s?")
_RANGE_CHARS = frozenset("到至-~ ")


def find_money(text: str) -> list[Money]:
    """Amounts of money in yuan, in text order (see the module docstring)."""
    if not isinstance(text, str) or not text:
        return []
    folded = _fold(text)
    return [Money(m.start, m.end, text[m.start:m.end], m.amount, m.bound, m.per) for m in _money(folded)]


def money_after(text: str, pos: int, max_gap: int = 8) -> Money | None:
    """The bare number right after a money cue ending at pos (报价|六十五, 单价分别是|六十五), else None.
    Only fillers (是, 大概, 每车, 按, spaces) may stand between; a number followed by a measure word,
    a time word or a ratio (二十天, 三成) is not money."""
    if not isinstance(text, str) or not 0 <= pos <= len(text):
        return None
    folded = _fold(text)
    gap = re.match(r"(?:\s?(?:每[\u4e00-\u9fff]|分别是|分别|都是|差不多|大概|大约|估计|一共|总共|是|为|在|按|约|就|才|只|也|了|的|要|:|,|：|，))*\s?",
                   folded[pos: pos + max_gap])
    start = pos + (gap.end() if gap else 0)
    for tok in _scan(folded):
        if tok.start == start:
            m = _bare_money(folded, tok, cued=True)
            if m is not None:
                return Money(m.start, m.end, text[m.start:m.end], m.amount, m.bound, m.per)
        if tok.start > start:
            break
    return None


_PER_PERIOD = re.compile(r"\s?/\s?(?:月|年|天|季度?|周)")  # 3k/月: typed thousands by the period are a price


def _starts_longer_word(t: str, start: int, end: int) -> bool:
    """Is t[start:end] only the first part of a longer dictionary word (托 of 托盘)?"""
    if end - start > 1 or end >= len(t):
        return False
    from nlu.note import _jieba

    return _jieba().FREQ.get(t[start:end + 1], 0) > 0


@lru_cache(maxsize=512)
def _money_cached(folded: str) -> tuple[Money, ...]:
    out: list[Money] = []
    toks = _scan(folded)
    taken = -1
    for i, tok in enumerate(toks):
        if tok.start < taken:
            continue
        m = _money_at(folded, tok, out)
        if m is None:
            continue
        out.append(m)
        taken = m.end
    return tuple(_ranges(folded, toks, out))


def _money(folded: str) -> list[Money]:
    return list(_money_cached(folded)) if _scan(folded) else []


def forget_texts() -> None:
    """Empty the caches keyed by a text (the numeral scan and the money read). The parser calls it
    before each note: they are there for the several readers of one note, and a note seen again
    must cost what a new one does (a repeated note must not flatter a benchmark)."""
    _scan.cache_clear()
    _money_cached.cache_clear()


def _money_at(t: str, tok: _Tok, before: list[Money]) -> Money | None:
    """The money expression that starts at this numeral, or None."""
    nxt = t[tok.end: tok.end + 1]
    pre = t[max(0, tok.start - 8): tok.start]
    prefixed = bool(pre) and pre[-1] in "¥BbY币 " and bool(_PREFIX_RE.search(pre))
    if nxt in _MEASURE_CHARS and nxt not in _CURRENCY_NEXT and not prefixed and _measure_follows(t, tok.end):
        return None  # fast path: 三千套, 5月
    if _DIFF_RE.search(pre) or _FOREIGN_RE.search(pre):
        return None
    if _RATIO_AFTER.match(t, tok.end) or t[tok.end: tok.end + 2] == "分之":
        return None
    v, end = tok.value, tok.end
    m = _YUAN_RE.match(t, end)
    if m and not (tok.lone and m.group("u") == "元" and _HAN.match(t[m.end(): m.end() + 1] or "a")
                  and t[m.end()] not in "一每钱的左以到至和、或也就是了"):
        amount, end = _yuan(v, m)
        if end is not None:
            if m.group("u") == "块" and end == m.end("u") and not _block_is_money(t, tok, end, before):
                return None
            return _finish(t, tok.start, end, amount)
    if isinstance(v, int) and 0 < v < 100 and not t[tok.start: tok.end].count("点"):
        m = _JIAO_RE.match(t, end)
        if m and m.group("ju") == "角" and not m.group("f") and _HAN.match(t[m.end(): m.end() + 1] or "a") \
                and t[m.end()] not in _MONEY_NEXT_OK:
            m = None  # 六角螺栓: a shape, not 0.6 yuan (but 五毛太高 is money)
        if m:
            amount, end = v / 10, m.end()
            if m.group("f"):
                amount, end = _tail_digit(t, m, amount, "f", "fu", 0.01)
            return _finish(t, tok.start, end, amount)
        m = _FEN_RE.match(t, end)
        tail = _FEN_TAIL_RE.match(t, m.end()) if m and v < 10 else None
        if tail and _fen_ok(t, tok, tail.end()):  # 一分五 = 0.015: a tenth of a fen follows
            return _finish(t, tok.start, tail.end(), v / 100 + _digit(tail.group(1)) / 1000)
        if m and _fen_ok(t, tok, m.end()):
            return _finish(t, tok.start, m.end(), v / 100)
        m = _LI_RE.match(t, end)
        if m and v < 10:
            return _finish(t, tok.start, m.end(), v / 1000)
    m = _CURRENCY_AFTER_RE.match(t, end)
    if m:
        return _finish(t, tok.start, m.end(), v) if m.group(1) else None
    if prefixed and not _measure_follows(t, end):
        start = tok.start - len(_PREFIX_RE.search(pre).group())
        return _finish(t, start, end, v, keep_start=tok.start)
    return _bare_money(t, tok, before)


def _bare_money(t: str, tok: _Tok, before: list[Money] = (), cued: bool = False) -> Money | None:
    """A number with no currency word: money when it has 万/亿 (五十万, 200万, 十二万五), when a price
    cue or a listed price stands before it, or when a unit price follows (一百六一桶)."""
    if tok.lone and t[tok.start] in "一两":
        return None
    if (_measure_follows(t, tok.end) or _goods_follow(t, tok.end)) and not _per_unit_follows(t, tok.end):
        return None
    pre = t[max(0, tok.start - 12): tok.start]
    if _DIFF_RE.search(pre[-6:]) or t[tok.start - 1: tok.start] == "第":
        return None
    s = t[tok.start: tok.end]
    if _RATIO_AFTER.match(t, tok.end) or s.isdigit() and len(s) >= 7:
        return None
    has_big = "万" in s or "亿" in s
    if s.startswith("0.0") and not _MONEY_WORD.search(pre):
        return None  # 只能做到0.01: a tolerance, not a price
    cued = cued or bool(_CUE_RE.search(pre)) or bool(_FEE_AFTER_RE.match(t, tok.end)) and not pre.endswith("百分之")
    listed = bool(before) and _JOIN_RE.search(t[before[-1].end: tok.start] or "x") is not None \
        and before[-1].end >= tok.start - 3
    per = _per_unit_follows(t, tok.end) or ("千" in s and _PER_PERIOD.match(t, tok.end) is not None)
    per_before = _PER_BEFORE_RE.search(pre)
    if per_before and (tok.lone or per_before.group(1) in _NOT_PER or pre[per_before.start() - 1: per_before.start()] in _NUMERAL_CHARS):
        per_before = None
    ceiling = _CEILING_AFTER.match(t, tok.end)
    if not (has_big or cued or listed or per or per_before or ceiling):
        return None
    if has_big and not (cued or listed or per or per_before or ceiling) and _HAN.match(t[tok.end: tok.end + 1] or "a") \
            and t[tok.end] not in _MONEY_NEXT_OK:
        return None  # 四百万半球: 4-megapixel, an attribute of the product, not a price
    m = _finish(t, tok.start, tok.end, tok.value)
    if per_before and not m.per:
        m = Money(m.start, m.end, m.text, m.amount, m.bound, per_before.group(1))
    return m


# Measure words of goods beyond the numeral layer's own (150盆, 每月12柜, 两百码, 四十户, 240 bottles): the
# packs' units and the English ones. A number before one counts goods, not yuan, unless a currency marks it.
_ORDER_UNITS = ("户", "桌")
_NOT_GOODS = frozenset("点 次 趟 遍 回 下 面 打 声 句 口 分 度 级 号 楼 层 年 月 天 周 日 测试 通道 路".split())


@lru_cache(maxsize=1)
def _goods_unit_re() -> re.Pattern:
    from nlu.lexicon import all_units  # the packs are read once, on the first bare number

    han = [u for u in (*UNITS, *all_units(), *_ORDER_UNITS) if not u.isascii() and u not in _NOT_GOODS]
    return re.compile(rf" ?({_alternation(han)})")


def _goods_follow(t: str, pos: int) -> bool:
    """Does a measure word of goods follow pos (a space may stand between)? Not the start of a longer
    word (12柜台, 三千具体, 五十台湾) and not a period (个月)."""
    if ASCII_UNIT_RE.match(t, pos):
        return True
    m = _goods_unit_re().match(t, pos)
    if m is None or _NOT_UNIT_RE.match(t, m.start(1)) or _TIME_AFTER_GE.match(t, m.start(1)):
        return False
    return not _starts_longer_word(t, m.start(1), m.end(1))


def _measure_follows(t: str, pos: int) -> bool:
    nxt = t[pos: pos + 1]
    if nxt == "月" and t[pos + 1: pos + 2] in ("底", "初", "中") and pos >= 2 and (t[pos - 2] in "十百千万" \
            and t[pos - 1] in _D or t[pos - 1] in "万亿"):
        return False  # 一箱二百七月底前到: 270, then 月底 (spaces between words were removed)
    if nxt == "本" and t[pos + 1: pos + 2] in ("月", "周", "年", "季"):
        return False  # 三十万本月底前到账: 本月 starts a date
    if nxt == "周" and t[pos + 1: pos + 2] in ("一", "二", "三", "四", "五", "六", "日", "天", "末"):
        return False  # 单价3580周三前到: a weekday, not weeks
    return bool(nxt) and (nxt in _MEASURE_CHARS or _CODE_NEIGHBOUR.match(nxt) is not None)


def _per_unit_follows(t: str, pos: int) -> str | None:
    m = _PER_RE.match(t, pos)
    if not m:
        return None
    u = _UNIT_RE_DEFAULT.match(t, m.end())
    if u and not _NOT_UNIT_RE.match(t, m.end()) and not _TIME_AFTER_GE.match(t, m.end()):
        return u.group()
    nxt = t[m.end(): m.end() + 1]
    if m.group().strip() in ("每", "一") and _HAN.match(nxt or "a") and nxt not in _NOT_PER:
        return nxt  # 每趟, 每米, 四百二一方
    return None


def _yuan(v: int | float, m: re.Match) -> tuple[int | float, int | None]:
    """Value and end of NUM块五 / NUM元六角 / NUM块零八 / NUM块四分 / NUM块半."""
    amount, end = v, m.end()
    t = m.string
    if m.group("fx"):
        amount = v + _digit(m.group("fx")) / 100
    elif m.group("f0"):
        amount = v + _digit(m.group("f0")) / 100
    elif m.group("j"):
        if not isinstance(v, int):
            return v, m.start("j")
        if not m.group("ju") and not m.group("f") and _UNIT_RE_DEFAULT.match(t, m.end("j")):
            return v, m.start("j")  # 三块六一斤 is read as 三块六 + 一斤 elsewhere; 五十块两箱 keeps 五十块
        amount = v + _digit(m.group("j")) / 10
        if m.group("f"):
            if not m.group("fu") and (_UNIT_RE_DEFAULT.match(t, m.end("f")) or _per_one(t, m)):
                end = m.end("j") + (1 if m.group("ju") else 0)
                return _clean(amount), end
            amount += _digit(m.group("f")) / 100
    elif m.group("half"):
        amount = v + 0.5
    return _clean(amount), end


def _per_one(t: str, m: re.Match) -> bool:
    """一块二一平: the last 一 means "per one" (a measure word follows it), not 1 fen."""
    nxt = t[m.end("f"): m.end("f") + 1]
    return m.group("f") == "一" and bool(_HAN.match(nxt or "a")) and nxt not in _NOT_PER


def _tail_digit(t: str, m: re.Match, amount: float, g: str, gu: str, scale: float) -> tuple[float, int]:
    if not m.group(gu) and _UNIT_RE_DEFAULT.match(t, m.end(g)):
        return amount, m.start(g)
    return amount + _digit(m.group(g)) * scale, m.end()


def _digit(c: str) -> int:
    return int(c) if c.isdigit() else _DIGIT_VALUE[c]


def _fen_ok(t: str, tok: _Tok, end: int) -> bool:
    """五分 / 二十五分 as cents, but not 十点五分 (clock), 打八十分 (a score) or 十分重要 (very)."""
    before = t[tok.start - 1: tok.start]
    if before and before in "点:时第打得考评满":
        return False
    nxt = t[end: end + 1]
    return not nxt or not _HAN.match(nxt) or nxt in "钱的一每以左"


def _block_is_money(t: str, tok: _Tok, end: int, before: list[Money]) -> bool:
    """Bare N块: money after a price cue, before a unit price, at the start or after a pause;
    pieces right after a product noun (地砖两千块) or before one (一块组件)."""
    if t[end: end + 1] == "钱" or _per_unit_follows(t, end):
        return True
    if before and _RANGE_RE.fullmatch(t[before[-1].end: tok.start]):
        return True  # 五块到六块: the upper end of a price range
    pre = t[max(0, tok.start - 12): tok.start]
    if (_CUE_RE.search(pre) and not _EACH_BEFORE.search(pre)) or _MIN_BEFORE.search(pre) or _MAX_BEFORE.search(pre):
        return True
    if _HAN.match(t[end: end + 1] or "a") and t[end] not in _MONEY_NEXT_OK and (
            tok.lone or _HAN.match(t[tok.start - 1: tok.start] or "a")):
        return False  # 一块组件, 地砖两千块板子
    if _CODED_NOUN_BEFORE.search(t, max(0, tok.start - 12), tok.start):
        return False  # 监控硬盘4T三十块: pieces of a product whose name ends in a code
    prev = t[:tok.start].rstrip(" ")[-1:]
    return not prev or not _HAN.match(prev)


def _finish(t: str, start: int, end: int, amount: float, keep_start: int | None = None) -> Money:
    """Attach a unit price's measure word (元/吨, 一桶) and a bound (最多, 以上)."""
    per = None
    m = _PER_RE.match(t, end)
    if m:
        u = _UNIT_RE_DEFAULT.match(t, m.end())
        if u and not _NOT_UNIT_RE.match(t, m.end()) and not _TIME_AFTER_GE.match(t, m.end()):
            per, end = u.group(), u.end()
        elif m.group().strip() in ("/", "每") and _HAN.match(t[m.end(): m.end() + 1] or "a"):
            per, end = t[m.end()], m.end() + 1
    pre = t[max(0, (keep_start or start) - 4): keep_start or start]
    bound = "max" if _MAX_BEFORE.search(pre) or _MAX_AFTER.match(t, end) else \
        "min" if _MIN_BEFORE.search(pre) or _MIN_AFTER.match(t, end) else None
    return Money(start, end, "", _clean(amount), bound, per)


def _ranges(t: str, toks: tuple[_Tok, ...], found: list[Money]) -> list[Money]:
    """5.6到5.78元, 三千到三千五: both ends of a money range are money (a bare end too);
    the ends get min / max bounds."""
    by_start = {m.start: m for m in found}
    covered = bytearray(len(t) + 1)
    for m in found:
        covered[m.start:m.end] = b"\x01" * (m.end - m.start)
    tok_at = {k.start: k for k in toks}
    for tok in toks:  # a bare lower end before a money upper end
        if t[tok.end: tok.end + 1] not in _RANGE_CHARS or covered[tok.start]:
            continue
        r = _RANGE_RE.match(t, tok.end)
        if not r or r.end() not in by_start or _measure_follows(t, tok.end) \
                or _DIFF_RE.search(t[max(0, tok.start - 6): tok.start]):
            continue
        by_start[tok.start] = Money(tok.start, tok.end, "", tok.value, None, by_start[r.end()].per)
    for start in sorted(by_start):
        lo = by_start[start]
        if lo.bound is not None or t[lo.end: lo.end + 1] not in _RANGE_CHARS:
            continue
        r = _RANGE_RE.match(t, lo.end)
        if not r:
            continue
        hi = by_start.get(r.end())
        if hi is None:  # a bare upper end: 三千到三千五之间
            tok = tok_at.get(r.end())
            if tok is None or tok.lone or _measure_follows(t, tok.end) or _RATIO_AFTER.match(t, tok.end):
                continue
            hi = Money(tok.start, tok.end, "", tok.value, None, lo.per)
        if hi.bound is None:
            by_start[lo.start] = Money(lo.start, lo.end, "", lo.amount, "min", lo.per)
            by_start[hi.start] = Money(hi.start, hi.end, "", hi.amount, "max", hi.per)
    return [by_start[k] for k in sorted(by_start)]
