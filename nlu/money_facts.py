"""Money facts: amounts in yuan with their kind (budget, quote, deal, competitor_price, other).

The kind comes from the nearest cue before the amount in its clause (预算 -> budget, 我们报 -> quote,
a competitor's name -> competitor_price, 定金 -> other ...), then from the previous clause
(预算确认了，三十六万), else quote. Totals become a deal when the note says the deal was signed;
unit prices stay quotes. Differences (便宜两块五, 低两毛) are not money.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from nlu import kind_model
from nlu.lexicon import common
from nlu.normalize import positions
from nlu.note import Note, compile_phrases

from nlu.note import CJK
from nlu.numbers import find_money, to_number
from nlu.numerals import FEE_AFTER


# Patterns used inside the functions below, compiled once.
_SMALL_NUMBER = re.compile(r"[零一二两三四五六七八九十百\d]+")
_CREDIT_WORD = re.compile(r"账期|[\d一二两三四五六七八九十]天")
_PRICE_THEN_DIGIT = re.compile(r"[块元毛][零一二两三四五六七八九]一$")
_ONE_CJK = re.compile(rf"[{CJK}]")
_BIG_AMOUNT = re.compile(r"[十百千万]|块|元")
_COMPARE_BEFORE = re.compile(r"便宜|低|高|贵|差|降|少|多|涨$")


@dataclass
class Amount:
    start: int
    end: int
    amount: float
    per: str | None = None  # the measure word of a unit price (十四万八一吨 -> 吨)


def find_amounts(note: Note, rivals: list[str] = ()) -> list[Amount]:
    """Every money amount of the note (the number reader drops differences: 便宜两块五), plus the
    prices of a list after 单价 (单价安全帽二十八，背心十二块), and bare numbers a rival offers
    (通威现在0.82) where the note states a price elsewhere."""
    found = [_per_one(note.text, m) for m in find_money(note.text)]
    found += _listed_prices(note, found)
    found += _judged_prices(note, found)
    found += _typed_prices(note, found)
    found += _said_prices(note, found)
    found += _rival_bare_prices(note, found, rivals)
    found = [a for a in found if not _days_of_credit(note, a)]
    return sorted(found, key=lambda a: a.start)


def _days_of_credit(note: Note, a: Amount) -> bool:
    """账期是九十天，我们只给六十: a bare number answering a credit period counts days, not yuan."""
    said = note.text[a.start:a.end]
    if not _SMALL_NUMBER.fullmatch(said) or not a.amount < 366:
        return False
    i = note.clause_index(a.start)
    lo = note.clauses[max(0, i - 1)][0]
    return bool(_CREDIT_WORD.search(note.text[lo:a.start]))


def _per_one(text: str, m) -> Amount:
    """一块二一平: the last 一 starts "per 平", it is no tail digit (1.2, not 1.21)."""
    if _PRICE_THEN_DIGIT.search(m.text) and _ONE_CJK.match(text[m.end:m.end + 1]):
        again = find_money(m.text[:-1])
        if again:
            return Amount(m.start, m.end - 1, again[0].amount, m.per)
    return Amount(m.start, m.end, m.amount, m.per)


_JUDGED = re.compile(r"([零一二两三四五六七八九十百千\d.]+万[零一二两三四五六七八九]?)(?=太贵|贵|偏高|太高|便宜|不贵)")


_SAID = re.compile(
    r"(?:我们(?:的)?(?:报价|价格|报|卖)?|(?:费|保证金|押金|定金)[^，,。\d]{0,4}?(?:要收|收|要|是|交))"
    r"([零一二两三四五六七八九十百千万\d.]+(?:块[零一二两三四五六七八九]?|元)?)(?=$|[，,。；;]|然后)"
)


# 我们报680/只，他要650: a bare number the customer answers with, right after a price (their counter-offer).
_COUNTERED = re.compile(
    r"(?:他|她)们?(?:要|想要|只给|最多给|只肯出|出)([零一二两三四五六七八九十百千万\d.]+(?:块[零一二两三四五六七八九]?|元)?)(?=$|[，,。；;]|然后)"
)


# 3M 那边 38/box, 我们 42; 特来电一台六万五我们六万八; 欧派报的四千一 我们报的四千八: our price set against
# an amount said just before, even a bare number.
_OURS_AGAINST = re.compile(
    r"我们(?:的)?(?:报价|价格|价|单价|报|卖)?(?:的|是|为)?\s?((?:\d[\d,]*(?:\.\d+)?[kKwW千万](?![A-Za-z])|\d[\d,]*(?:\.\d+)?|[零一二两三四五六七八九十百千万]+))(?:元|块)?"
    r"(?![\d零一二两三四五六七八九十百千万]|\.\d|[台个套件箱吨米片颗只条张盒瓶天年月号周日人家次%％多来余]|[/-]\d)"
)


_RIVAL_OFFER = (r"(?:(?:那边|这边)?(?:的)?(?:报价|价格|[\u4e00-\u9fff]{1,2}价)?(?:报得比我们低[,，]?|现在|也就|才|只要|只卖|直供|供价|给到|给的是|给的|报的是|报的|报了|报|是)"
                r"|(?:那边|这边|的)(?:报价|价格|[\u4e00-\u9fff]{1,2}价)?(?=\s?[\d零一二两三四五六七八九十][\d零一二两三四五六七八九十百千万.,]*(?:元|块)?(?:$|[，,。；;\s.!]|我们|/))"
                r"|\s?offered|\s?quoted)\s?")
_BARE = (r"(\d[\d,]*(?:\.\d+)?|[零一二两三四五六七八九十]+[百千万][零一二两三四五六七八九十百千万]*)(?:元|块)?"
         r"(?![\d零一二两三四五六七八九十百千万]|\.\d|[台个套件箱吨米片颗只条张盒瓶天年月号周日人家次%％多来余]|[/-]\d)")


# 4850/t, 0.69/W, 980/㎡, 2.5/kg: a number per unit is a price, typed the short way.
_PER_UNIT = re.compile(
    r"(?<![\d./])(?<!\d,)[¥￥$]?\s?(\d(?:\d|,(?=\d{3}))*(?:\.\d+)?[kKwW千万]?)\s?/\s?(?:t|吨|噸|kg|KG|公斤|斤|㎡|m²|平米?|平方|米|m(?![³3])|W|w|Wh|张|張|pcs|pc|件|个|個|台|套|箱|支|瓶|盒|包|袋|桶|片|颗|顆|只|條|条|卷|捲|码|碼|yard|MT|box|set|unit|柜|櫃|人|课时|課時)(?![A-Za-z])"
)
# quote 75, target 2.3k, budget is 25k max, total 30,600, @ 680: an amount after an English money word.
_EN_CUE = re.compile(
    r"(?i:quote[ds]?|offer(?:ed|s)?|target(?: price)?|budget(?: is| cap| of)?|total|list price|price|@)\s?(?:[是为的:：~]|约|大概|她说|他说|只有)?\s?[¥￥$]?\s?"
    r"(\d(?:\d|,(?=\d{3}))*(?:\.\d+)?[kKwW千万]?)(?![\d]|\.\d|\s?(?:[台个套件箱吨米片颗只条张盒瓶天年月号周日人家次%％]|pcs|units?|sets?|days?|weeks?|months?|tons?|MT|kg|yards?)(?![/]))"
)


def _number(said: str) -> float | None:
    """2.3k, 1.5w, 30,600, 2,300万 as a number."""
    said = said.replace(",", "")
    scale = {"k": 1e3, "K": 1e3, "千": 1e3, "w": 1e4, "W": 1e4, "万": 1e4}.get(said[-1:], 1)
    try:
        return round(float(said.rstrip("kKwW千万")) * scale, 4)
    except ValueError:
        return None


def _typed_prices(note: Note, found: list[Amount]) -> list[Amount]:
    out = []
    for pattern in (_PER_UNIT, _EN_CUE):
        for m in pattern.finditer(note.text):
            s = m.start(1)
            if any(a.start <= s < a.end for a in found + out):
                continue
            value = _number(m.group(1))
            if value and not (pattern is _EN_CUE and m.group(1).isdigit() and len(m.group(1)) == 4 and m.group(1).startswith("20")):
                out.append(Amount(s, m.end(1), value))
    return out


_OFFER_THEN_BARE = re.compile(_RIVAL_OFFER + _BARE)


def _rival_bare_prices(note: Note, found: list[Amount], rivals) -> list[Amount]:
    """通威现在0.82, B. Braun 報 0.78: a bare number right after a rival's offer, when an amount is
    said within 60 characters (a price talk, not a count)."""
    if not rivals or not found:
        return []
    out = []
    text = note.text
    ends = sorted({i + len(r) for r in rivals if r for i in positions(text, r)})
    for m in filter(None, (_OFFER_THEN_BARE.match(text, e) for e in ends)):
        s = m.start(1)
        if any(a.start <= s < a.end for a in found + out) or not any(abs(a.start - s) <= 60 for a in found):
            continue
        value = to_number(m.group(1).replace(",", ""))
        if value and not (m.group(1).isdigit() and len(m.group(1)) == 4 and m.group(1).startswith("20")):
            out.append(Amount(s, m.end(1), value))
    return out


_TEN_THOUSAND_AND = re.compile(r"万零[一二两三四五六七八九]$")


def _against_prices(note: Note, found: list[Amount]) -> list[Amount]:
    out = []
    for m in _OURS_AGAINST.finditer(note.text):
        s = m.start(1)
        if any(a.start <= s < a.end for a in found) or not any(s - 40 <= a.end <= m.start() for a in found):
            continue
        said = m.group(1).replace(",", "")
        if said.isdigit() and len(said) == 4 and said.startswith("20") or _TEN_THOUSAND_AND.search(said):
            continue  # a year; 一万零六 (10,600 or 10,006: spoken, unclear)
        value = _number(said) if said[-1:] in "kKwW千万" and said[0].isdigit() else to_number(said)
        if value and not re.fullmatch(r"[零一二两三四五六七八九十]", said):
            out.append(Amount(s, m.end(1), value))
    return out


def _said_prices(note: Note, found: list[Amount]) -> list[Amount]:
    """我们两百二, 进场费他们要收八千: a bare number said as our price or a fee; 他要650 right after a price."""
    out = _against_prices(note, found)
    for m in _COUNTERED.finditer(note.text):
        if any(a.end <= m.start(1) < a.end + 25 for a in found) and not any(a.start <= m.start(1) < a.end for a in found):
            value = to_number(m.group(1).rstrip("块元"))
            if value:
                out.append(Amount(m.start(1), m.end(1), value))
    for m in _SAID.finditer(note.text):
        if any(a.start <= m.start(1) < a.end for a in found) or not _BIG_AMOUNT.search(m.group(1)):
            continue
        value = to_number(m.group(1).replace("块", "点") if "块" in m.group(1)[:-1] else m.group(1).rstrip("块元"))
        if value:
            out.append(Amount(m.start(1), m.end(1), value))
    return out


def _judged_prices(note: Note, found: list[Amount]) -> list[Amount]:
    """我们一万六太贵: an amount the customer judges is a price even with no price word before it."""
    out = []
    for m in _JUDGED.finditer(note.text):
        if not any(a.start <= m.start() < a.end for a in found):
            value = to_number(m.group(1))
            if value:
                out.append(Amount(m.start(), m.end(1), value))
    return out


_PRICE_LIST = re.compile(r"单价|价格分别|报价分别|价格是|单价是|每[件个台套吨箱米斤瓶盒条只把张]")
_PAIR = re.compile(rf"[{CJK}A-Za-z0-9]{{1,10}}?(?:[\d.]+|[零一二两三四五六七八九十百千万]+)(?:块|元)?")
_LISTED = re.compile(rf"(?:(?<=[{CJK}])|(?<=[A-Za-z])(?=[零一二两三四五六七八九十])|(?<=[A-Za-z0-9]\s))(?<![零一二两三四五六七八九十百千万分毛块元角厘])([\d.]+|[零一二两三四五六七八九十百千万]+)(块|元)?(?=$|[，,。；;、 ])")


def _listed_prices(note: Note, found: list[Amount]) -> list[Amount]:
    out: list[Amount] = []
    listing = False
    for start, end in note.clauses:
        clause = note.text[start:end]
        cue = _PRICE_LIST.search(clause)
        listing = bool(cue) or listing and bool(_PAIR.fullmatch(clause))  # 单价安全帽二十八，背心十二块
        if not listing:
            continue
        for m in _LISTED.finditer(clause, cue.end() if cue else 0):
            if _COMPARE_BEFORE.search(clause[:m.start(1)][-3:]):
                continue
            s = start + m.start(1)
            if any(a.start <= s < a.end for a in found + out):
                continue
            value = to_number(m.group(1))
            if value:
                out.append(Amount(s, start + m.end(), value))
    return out


@cache
def _cues():
    return common()["money"], None


_UNIT_PRICE = re.compile(r"单价|每[^\d，。]{0,2}$|人均|一[台吨桶斤个套箱件米瓶张只颗片盒袋包条把车趟人平方]$|每")


def money_facts(note: Note, amounts: list[Amount], competitors: list[str]) -> list[dict]:
    data, _ = _cues()
    competitors = competitors + short_names(note.text, competitors)
    signed = any(w in note.text for w in data["deal_note_cues"])
    out = []
    for a in amounts:
        kind, cue_at = _kind(note, a, competitors)
        if kind == "quote" and signed and a.per in (None, "年") and not _UNIT_PRICE.search(note.text[max(0, a.start - 6):a.start]):
            kind = "deal"
        if kind_model.active("money"):
            fallback = cue_at < 0  # no cue: the rules' default
            features = kind_model.money_features(note, a, kind, competitors, kind_model.money_cues, signed, fallback)
            kind = kind_model.decide("money", note, a.start, a.end, features, kind, fallback, a)
        fact = {"amount": a.amount, "kind": kind, "_start": a.start}  # _start: dropped before output
        if kind == "other" and (_COUNTER.search(note.text, max(0, a.start - 8), a.start) or _TAKEN_AFTER.match(note.text, a.end)):
            fact["counter"] = True  # the customer's counter-offer; dropped before output
        out.append(fact)
    return out


def short_names(text: str, names: list[str]) -> list[str]:
    """A rival named in full once and by its first two characters elsewhere (水星家纺代工…水星那边一套一百八):
    those two characters, where they stand alone (not as the start of the full name)."""
    out = []
    for name in names:
        head = name[:2]
        if len(name) >= 4 and _CJK_WORD.fullmatch(name) and head not in names \
                and any(not text.startswith(name, i) for i in positions(text, head)):
            out.append(head)
    return out


_CJK_WORD = re.compile(r"[\u4e00-\u9fff]+")
_FEE_AFTER = re.compile(FEE_AFTER)
# Between a rival's name and an offer verb: the rival's side (那边, 原厂渠道, 的业务员), nobody else speaking.
_RIVAL_OFFERS = re.compile(r"[^，,。我他她你想要希望]{0,6}")
_COUNTER = re.compile(r"想|只肯|肯给|压到|降到|砍到|还价|只给|最多给|只愿意|希望|target|目标价|能做到|做到|他要|她要|最多接受")
# 他说三百八一吨可以: the price the customer would take, said before or after ours (a counter-offer).
_TAKEN_AFTER = re.compile(r"(?:一[\u4e00-\u9fff])?(?:的话)?(?:就)?(?:可以|能接受|就做|就下单|就给你们做)")
_COUNTER_BEFORE = re.compile(r"(?:降到|压到|砍到|谈到)$")
_PER_AFTER = re.compile(r"\s?/\s?[A-Za-z㎡²\u4e00-\u9fff]{1,4}?(?=以内|之内|以下|封顶|顶天)")
_CEILING_AFTER = re.compile(r"(?:块|元)?(?:钱)?(?:以内|之内|以下|封顶|顶天)")


def _kind(note: Note, a: Amount, competitors: list[str]) -> tuple[str, int]:
    text = note.text
    start, _ = note.clause_at(a.start)
    per = _PER_AFTER.match(text, a.end)  # 0.8/W以内: the ceiling comes after the unit
    if _CEILING_AFTER.match(text, per.end() if per else a.end) and not _COUNTER_BEFORE.search(text, max(start, a.start - 4), a.start):
        return "budget", a.end  # 七千以内能接受 (but 希望我们降到五千五以内 is their target price)
    if _FEE_AFTER.match(text, a.end):
        return "other", a.end  # 交五十万的履约保证金, 两千的条码费: their charge or a deposit, not our price
    kind = _nearest_cue(text[start:a.start], competitors)
    if kind:
        return kind, start
    i = note.clause_index(a.start)
    if i > 0:
        ps, pe = note.clauses[i - 1]
        kind = _nearest_cue(text[ps:pe], competitors, strong_only=True)
        if kind:
            return kind, ps
    return "quote", -1


@cache
def _strong_patterns():
    data = common()["money"]
    strong = {
        "budget": data["budget"],
        "deal": [w for w in data["deal"] if w not in ("签了", "签约了", "签约", "同意了", "已签")],
        "other": data["other"],
        "competitor_price": data["competitor_price"],
        "quote": ["我们报", "我们的报价", "我们的价格", "我们给", "我们报的", "我们卖", "我们标", "我们要", "我方",
                  "我们", "我司"],
    }
    weak = {"quote": data["quote"]}
    compile_all = lambda groups: [(k, compile_phrases(re.escape(w) for w in v)) for k, v in groups.items()]
    return compile_all(strong), compile_all(weak)


def _nearest_cue(left: str, competitors: list[str], strong_only: bool = False) -> str | None:
    """The kind whose cue ends nearest to the amount (strong cues before weak ones)."""
    strong, weak = _strong_patterns()
    best: tuple[int, str] | None = None
    longest = 0
    for kind, pattern in strong:
        for m in pattern.finditer(left) if pattern else ():
            if kind == "quote" and left.endswith("比", 0, m.start()):
                continue  # 汇川报得比我们低，1680: a comparison, not our price
            size = m.end() - m.start()
            if best is None or m.end() > best[0] or m.end() == best[0] and size > longest:
                best, longest = (m.end(), kind), size  # 代理给到 (a rival's) over 给到 at the same place
    for name in competitors:
        pos = left.rfind(name)
        if pos >= 0 and (best is None or pos + len(name) > best[0]):
            best = (pos + len(name), "competitor_price")
        elif pos >= 0 and best[1] == "other" and _RIVAL_OFFERS.fullmatch(left, pos + len(name), best[0] - longest):
            best = (best[0], "competitor_price")  # Jinko 给到 0.72, 恩智浦原厂渠道给到1.25: the rival's offer, not a target
    if best or strong_only:
        return best[1] if best else None
    for kind, pattern in weak:
        if pattern and pattern.search(left):
            return kind
    return None
