"""Chinese and Arabic numerals: the value types, character classes, the numeral reader
(``to_number``), the scanner that finds numeral spans, ``find_numbers``, and the measure-word
patterns. nlu/numbers.py reads quantities and money on top of these and re-exports the public names.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, NamedTuple


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Quantity(Span):
    value: int | float
    unit: str | None
    # "count": an amount of goods; "package": the size of one package, load or hourly output
    # (每袋五十公斤, 十二瓶一箱, 每车三十吨, 每小时五十吨), never an item; "batch": one delivery of a
    # larger order (第一批一千套, 首批二十吨), not the order's quantity; "spec": a product spec (only
    # from find_specs).
    kind: str = "count"


@dataclass(frozen=True)
class Money(Span):
    amount: int | float  # yuan
    # "max" for ceilings (最多, 以内, 以下, the upper end of a range), "min" for floors (至少, 以上).
    bound: str | None = None
    # the measure word of a unit price (3650元/吨, 十四万八一吨, 每米二十二块五), else None
    per: str | None = None


# The measure words of NOTES_SCHEMA.md, plus a few common ones. Industry packs pass more.
UNITS: tuple[str, ...] = (
    "台", "箱", "件", "套", "吨", "米", "个", "瓶", "盒", "桶", "卷", "平方", "托", "公斤", "支", "只", "颗",
    "张", "片", "块", "条", "把", "双", "袋", "包", "本", "斤", "床", "捆", "樘", "间", "期", "人", "车", "盘",
    "份", "兆瓦",
    "平方米", "平米", "千克", "立方", "立方米", "千瓦", "辆", "根", "罐", "组", "枚", "粒", "副", "对", "提",
    "株", "棵", "头", "扇", "座", "架", "听", "卡", "名", "顶", "盏",
)
# N个 + one of these: the noun is the unit (八十个账号 -> 账号). Packs' units count too.
COUNTING_NOUNS: tuple[str, ...] = (
    "账号", "账户", "子账号", "用户", "授权", "许可", "门店", "托位", "席位", "坐席", "工位", "床位", "车位",
    "库位", "点位", "站点", "网点", "终端", "节点", "学员", "名额", "人",
)
# Words after which a bare number is a price: 单价三千六百五, 报价 六十五, 预算大概二十万.
MONEY_CUES: tuple[str, ...] = (
    "单价", "报价", "预算", "总价", "价格", "价钱", "价位", "售价", "定价", "进价", "出厂价", "批发价", "零售价",
    "成交价", "合同额", "合同价", "合同金额", "金额", "总额", "总金额", "一口价", "开价", "出价", "要价", "标价",
    "限价", "底价", "报了", "报的", "报", "年费", "月费", "服务费", "培训费", "费用", "运费", "定金", "订金",
    "保证金", "押金", "首付", "首款", "尾款", "货款", "全款", "人均", "才卖", "才", "只要", "只卖", "卖",
    "降到", "压到", "砍到", "谈到", "给到", "做到", "控制在", "花了", "付了", "收了", "们标", "报到", "月供", "租金", "月租", "年租", "个价",
    "经费", "资金", "想要", "肯给", "只给", "只肯出", "出到", "我们要", "扣了", "罚了", "赔了",
    "目标价", "目标是", "心理价", "能不能到", "能不能做到", "欠了", "欠的", "欠我们",
    "给的是", "别人家", "别家", "隔壁", "每课时", "每节课", "每场", "每人次", "给的", "扣", "list price", "price是", "price", "一天", "每天", "一晚", "每晚", "一小时", "每小时",
)
# A charge or a deposit named after the number (交五万保证金, 每个单品两千的条码费): the number is money.
FEE_AFTER = r"(?:元|块)?的?(?:履约|质量|投标|新品|进场|入场|条码|上架|陈列|堆头|端架|坑位|通道|促销)?(?:保证金|押金|进场费|入场费|条码费|新品费|上架费|陈列费|堆头费|坑位费|通道费|违约金|罚款|定金|订金)"

# --- character classes ------------------------------------------------------------------------------

_D = "零一二两三四五六七八九壹贰叁肆伍陆柒捌玖幺"  # Chinese digits
_M = "十拾百佰千仟万亿廿卅卌"  # Chinese magnitudes
_DIGIT_VALUE = {
    "零": 0, "一": 1, "壹": 1, "幺": 1, "二": 2, "贰": 2, "两": 2, "三": 3, "叁": 3, "四": 4, "肆": 4,
    "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9,
}
_SMALL = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_BIG = {"万": 10**4, "亿": 10**8}
_TENS = {"廿": 20, "卅": 30, "卌": 40}

# One-for-one folding (offsets stay valid): Traditional numerals, units, currency, full-width forms.
_FOLD = str.maketrans({
    "〇": "零", "萬": "万", "億": "亿", "貳": "贰", "參": "叁", "叄": "叁", "陸": "陆", "兩": "两", "點": "点",
    "個": "个", "對": "对", "雙": "双", "塊": "块", "錢": "钱", "幣": "币", "圓": "元", "負": "负", "臺": "台",
    "張": "张", "條": "条", "隻": "只", "顆": "颗", "盤": "盘", "噸": "吨", "間": "间", "車": "车", "號": "号",
    "價": "价", "報": "报", "預": "预", "總": "总", "單": "单", "費": "费", "額": "额", "貨": "货", "週": "周",
    "組": "组", "輛": "辆", "們": "们", "樣": "样", "裝": "装", "頭": "头", "門": "门", "戶": "户", "權": "权",
    "帳": "账", "賬": "账", "釐": "厘", "碼": "码", "於": "于", "內": "内",
    "櫃": "柜", "盞": "盏", "畝": "亩", "冊": "册", "劑": "剂", "壇": "坛", "軸": "轴", "針": "针", "頁": "页",
    "頂": "顶", "節": "节", "課": "课", "牀": "床", "捲": "卷",
    "％": "%", "．": ".", "￥": "¥", "～": "~", "－": "-", "／": "/",
    **{chr(0xFF10 + i): str(i) for i in range(10)},
})

_FOLD_NEEDED = re.compile("[" + re.escape("".join(chr(k) for k in _FOLD)) + "]")


def _fold(text: str) -> str:
    return text.translate(_FOLD) if _FOLD_NEEDED.search(text) else text


_NUM_RE = re.compile(
    rf"\d+(?:,\d{{3}}(?!\d))*(?:\.\d+)?(?:[{_M}]+(?:(?:\d(?![\d.月号日点:年])|[{_D}])[{_M}]*)*)?"
    rf"|[{_D}{_M}](?:[{_D}{_M}]|点(?=[{_D}]))*(?:点\d+)?",
    re.ASCII,
)
_ARABIC_RE = re.compile(r"(?:\d+(?:,\d{3})*(?:\.\d+)?|\.\d+)", re.ASCII)
_SI_RE = re.compile(r"(\d+(?:,\d{3})*(?:\.\d+)?|\.\d+)([kKMG])", re.ASCII)
_DECIMAL_RE = re.compile(rf"([{_D}{_M}\d]*)[点.]([{_D}\d]+)([{_M}]*)", re.ASCII)
_FRACTION_RE = re.compile(rf"(?:(.+?)又)?(.+?)(?:分之|份|分)(.+)")
_HALF_RE = re.compile(r"[一1]?半+")
_ITEM_RE = re.compile(r"\d+|.", re.ASCII | re.DOTALL)

# Characters that make a following numeral a measure, time, ratio or currency rather than a bare number.
_MEASURE_CHARS = frozenset(
    "台箱件套吨米个瓶盒桶卷平托公支只颗张片块条把双袋包本斤床捆樘间期人车盘份兆千立辆根罐组枚粒副对提株棵头"
    "匹扇座架听卡名天年月日号点分秒周次家位成折倍%岁度层楼轮种批趟项级元毛角厘小星礼季寸克升瓦伏毫英样款笔单"
    "回遍场届方课班节多余来几"
)
_HAN = re.compile(r"[\u4e00-\u9fff]")
_CODE_NEIGHBOUR = re.compile(r"[A-Za-z_ΦφΩ#№]")
_CHUNK = re.compile(r"[A-Za-z0-9_\-]")
_LETTER = re.compile(r"[A-Za-z]")
_PHONE_RE = re.compile(r"1[3-9]\d{9}|0\d{2,3}-?\d{7,8}", re.ASCII)

# --- to_number -----------------------------------------------------------------------------------------


def to_number(s: str) -> int | float | None:
    """One numeral string -> its value (五十=50, 一千二=1200, 1.5万=15000, 半=0.5), else None."""
    if not isinstance(s, str):
        return None
    t = s.translate(_FOLD).strip()
    if not t or len(t) > 40:
        return None
    negative = False
    if t[0] in "负-−":
        negative, t = True, t[1:].lstrip()
    if len(t) > 1 and t.endswith("个"):  # Duckling reads 一个 as the numeral 1
        t = t[:-1]
    value = _value(t)
    if value is None:
        return None
    return -value if negative else value


def _clean(v: float | int) -> int | float:
    """Whole values as int, others rounded to kill float noise (1.5*10000 -> 15000)."""
    if isinstance(v, float):
        r = round(v, 6)
        return int(r) if r == int(r) else r
    return v


@lru_cache(maxsize=4096)
def _value(t: str) -> int | float | None:
    if not t:
        return None
    if _HALF_RE.fullmatch(t):
        return 0.5
    m = _ARABIC_RE.fullmatch(t)
    if m:
        n = t.replace(",", "")
        return _clean(float(n)) if "." in n else int(n)
    m = _SI_RE.fullmatch(t)
    if m:
        scale = {"k": 10**3, "K": 10**3, "M": 10**6, "G": 10**9}[m.group(2)]
        return _clean(float(m.group(1).replace(",", "")) * scale)
    if "分" in t or "份" in t:
        return _fraction(t)
    m = _DECIMAL_RE.fullmatch(t)
    if m:
        whole = _int_part(m.group(1)) if m.group(1) else 0
        if whole is None:
            return None
        frac = "".join(str(_DIGIT_VALUE[c]) if c in _DIGIT_VALUE else c for c in m.group(2))
        if not frac.isdigit():
            return None
        v = whole + float("0." + frac)
        for c in m.group(3):
            v *= _SMALL.get(c) or _BIG.get(c) or 1
        return _clean(v)
    return _int_part(t)


def _fraction(t: str) -> int | float | None:
    """二分之一 = 0.5, 十份十一 = 1.1, 一又十分一 = 1.1 (Duckling's fraction readings)."""
    m = _FRACTION_RE.fullmatch(t)
    if not m:
        return None
    whole = _value(m.group(1)) if m.group(1) else 0
    den, num = _value(m.group(2)), _value(m.group(3))
    if whole is None or not den or num is None:
        return None
    return _clean(whole + num / den)


@lru_cache(maxsize=4096)
def _int_part(t: str) -> int | None:
    """Chinese / mixed integer with colloquial tails: 一千二=1200, 两万八=28000, 千一=1100, 万九=19000."""
    if t.isdigit():
        return int(t) if t.isascii() else None
    items = _ITEM_RE.findall(t) if any("0" <= c <= "9" for c in t) else t
    if len(items) >= 3 and all(c in _DIGIT_VALUE for c in items) and "两" not in items:
        return int("".join(str(_DIGIT_VALUE[c]) for c in items))  # read digit by digit: 二零二六
    total = section = 0
    digit: int | None = None
    last_mag: int | None = None  # the last magnitude seen; a bare digit after it is a tail (一千二)
    last_big: int | None = None
    zero = False
    for it in items:
        if "0" <= it[0] <= "9":
            if digit is not None:
                return None
            digit, zero = int(it), False if it != "0" else zero
        elif it in _DIGIT_VALUE:
            d = _DIGIT_VALUE[it]
            if digit is not None:
                return None
            if d == 0:
                zero = True
                continue
            digit = d
        elif it in _TENS:
            if digit is not None:
                return None
            section += _TENS[it]
            last_mag, zero = 10, False
        elif it in _SMALL:
            mag = _SMALL[it]
            if last_mag is not None and mag >= last_mag and last_mag < 10**4:
                return None
            section += (1 if digit is None else digit) * mag
            digit, last_mag, zero = None, mag, False
        elif it in _BIG:
            big = _BIG[it]
            if last_big is not None and big >= last_big:
                return None
            section = _add_tail(section, digit, last_mag, zero)
            total += (section or 1) * big
            section, digit, last_mag, last_big, zero = 0, None, big, big, False
        else:
            return None
    if last_mag is None and digit is None and not zero:
        return None
    return total + _add_tail(section, digit, last_mag, zero)


def _add_tail(section: int, digit: int | None, last_mag: int | None, zero: bool) -> int:
    if digit is None:
        return section
    if last_mag is not None and not zero and last_mag >= 10:
        return section + digit * last_mag // 10  # 一千二 -> 1000 + 2*100
    return section + digit


# --- scanning ------------------------------------------------------------------------------------------


class _Tok(NamedTuple):
    start: int
    end: int
    value: int | float
    lone: bool  # a single ambiguous character (一 in 一起, 十 in 十字, 万 in 万盛)


@lru_cache(maxsize=512)
def _scan(folded: str) -> tuple[_Tok, ...]:
    """Numeral tokens of a folded text, with codes (X3-200, DN25, 500ml) and phone numbers left out."""
    toks: list[_Tok] = []
    for m in _NUM_RE.finditer(folded):
        start, end = m.start(), m.end()
        s = m.group()
        if s[0] in "万亿千仟百佰" or len(s) > 24:  # 千万别, 万一, 百货: leading magnitudes only count
            continue  # in to_number; no real number is 25 characters long
        if _is_code(folded, start, end) or (len(s) >= 10 and _PHONE_RE.fullmatch(s)):
            continue
        if s[-1] == "千" and len(s) > 1 and folded[end: end + 1] in ("克", "瓦"):
            end, s = end - 1, s[:-1]  # 二十千克: the 千 belongs to the unit
        value = _int_part(s) if not s[0].isdigit() and "点" not in s else _value(s)
        if value is None and len(s) > 2 and s[-1] == "一" and _HAN.match(folded[end: end + 1] or "a") \
                and folded[end] not in _NOT_PER and any(c in _M for c in s[:-1]):
            end, s = end - 1, s[:-1]  # 一百六一桶 / 十四万八一吨: the 一 belongs to the unit price
            value = _value(s)
        if value is None:
            continue
        if len(s) > 2 and s[-1] == "一" and s[-2] in "百千万亿" and _unit_at(folded, end):
            end, value = end - 1, _value(s[:-1])  # 八百一吨 said of a price: 800 per ton
            if value is None:
                continue
        toks.append(_Tok(start, end, value, end - start == 1 and not s.isdigit()))
    return tuple(toks)


def multiplied(t: str, start: int, end: int) -> bool:
    """实木床x30, 光谱仪 x2, 床头柜×60: a count typed after a thing with a small x and no measure word."""
    if start < 2 or t[start - 1] not in "x×" or not t[end - 1].isdigit():
        return False
    after = t[end: end + 1]
    if after and (after.isascii() and after.isalnum() or after in "-./"):
        return False
    thing = t[start - 2] if t[start - 2] != " " else t[start - 3: start - 2]
    return bool(thing) and (bool(_HAN.match(thing)) or thing.isalnum() and t[start - 2] == " ")  # (DMC-96 x2)


# English measure words of typed notes (500 pcs, 3t, 200kg): a number before one is a count, not a code.
ASCII_UNITS: tuple[str, ...] = (
    "pcs", "pc", "sets", "set", "units", "unit", "cases", "case", "bottles", "tons", "ton", "mt", "kg", "t",
    "pairs", "rolls", "boxes", "cartons", "ctns", "pieces", "licenses", "license", "seats", "bags", "drums",
    "pallets", "containers", "users", "accounts", "mwh", "mw", "kw", "cbm", "m2", "sqm",
)
ASCII_UNIT_RE = re.compile(r" ?(" + "|".join(sorted(ASCII_UNITS, key=len, reverse=True)) + r")(?![A-Za-z0-9])",
                           re.IGNORECASE)


def _is_code(t: str, start: int, end: int) -> bool:
    """Digits glued to Latin letters or joined by '-' to a code: X3, DN25, HRB400, X3-200, 500ml, 1L."""
    if not t[start].isdigit() and not t[end - 1].isdigit():
        return False
    before = t[start - 1] if start else ""
    after = t[end] if end < len(t) else ""
    if multiplied(t, start, end):
        return False  # 实木床x30: a typed count, not a code
    if after.isascii() and after.isalpha() and not _CODE_NEIGHBOUR.match(before) and ASCII_UNIT_RE.match(t, end):
        return False  # 3t, 200kg: a count in an English measure word
    if _CODE_NEIGHBOUR.match(before) or (t[end - 1].isdigit() and _CODE_NEIGHBOUR.match(after)):
        if _CODE_NEIGHBOUR.match(after) and after in "kKMG" and not _CODE_NEIGHBOUR.match(t[end + 1: end + 2]) \
                and not _CODE_NEIGHBOUR.match(before):
            return False  # 100K, 3M
        return True
    if before != "-" and after != "-":
        return False
    # joined by '-': a code when the chunk has a letter (X3-200), a phone number (0571-8888888),
    # otherwise a range (3000-3500元) or a date (2026-03-15)
    lo, hi = start, end
    while lo > 0 and _CHUNK.match(t[lo - 1]):
        lo -= 1
    while hi < len(t) and _CHUNK.match(t[hi]):
        hi += 1
    chunk = t[lo:hi]
    return bool(_LETTER.search(chunk) or _PHONE_RE.fullmatch(chunk.strip("-")))


def _unit_at(t: str, pos: int) -> bool:
    return _UNIT_RE_DEFAULT.match(t, pos) is not None


# --- find_numbers ----------------------------------------------------------------------------------------

_FRACTION_SPAN_RE = re.compile(
    rf"(?:([{_D}{_M}\d.]+)又)?([{_D}{_M}\d.]+)分之([{_D}{_M}\d.点]+)", re.ASCII
)


def find_numbers(text: str) -> list[tuple[Span, int | float]]:
    """Every numeral span with its value, in text order. Lone 一/十/两 count only before a measure word;
    codes and phone numbers are not numerals; 百分之八 is 0.08 and 二分之一 0.5."""
    if not isinstance(text, str) or not text:
        return []
    folded = _fold(text)
    out: list[tuple[Span, int | float]] = []
    taken_until = -1
    fractions = list(_FRACTION_SPAN_RE.finditer(folded)) if "分之" in folded else []
    fi = 0
    for tok in _scan(folded):
        if tok.start < taken_until:
            continue
        while fi < len(fractions) and fractions[fi].end() <= tok.start:
            fi += 1
        fm = fractions[fi] if fi < len(fractions) and fractions[fi].start() <= tok.start else None
        if fm is not None:
            v = to_number(fm.group())
            if v is not None:
                out.append((Span(fm.start(), fm.end(), text[fm.start():fm.end()]), v))
                taken_until = fm.end()
                continue
        if tok.lone and folded[tok.end: tok.end + 1] not in _MEASURE_CHARS:
            continue
        start, value = tok.start, tok.value
        j = start - 1
        while j >= 0 and folded[j] == " ":
            j -= 1
        if j >= 0 and (folded[j] == "负" or (folded[j] == "-" and (j == 0 or not folded[j - 1].isalnum()))):
            start, value = j, -value
        out.append((Span(start, tok.end, text[start:tok.end]), value))
    return out


# --- units -------------------------------------------------------------------------------------------


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


_UNIT_RE_DEFAULT = re.compile(_alternation(UNITS))

# A unit character that begins another word is not a unit: 个月, 只要, 条件, 包装, 车间, 人民币.
_NOT_UNIT_WORDS = (
    "个月", "个小时", "个钟", "个星期", "个礼拜", "个工作日", "个学期", "个季度", "个点", "个百分点", "个年",
    "个周末", "个半月", "个方面", "个多月", "车间", "车型", "车次", "人民", "包装", "包邮", "包括", "包含",
    "条件", "条款", "片区", "份额", "本地", "本周", "本月", "本年", "只要", "只有", "只能", "只是", "只好", "只需",
    "把握", "把手", "双面", "双方", "双向", "盘点", "托运", "支付", "支持", "支票", "吨位", "台湾", "期间", "期限",
    "件事", "间隔", "名单", "名称", "头部", "组织", "对方", "对接", "对比", "对于", "卡车", "提供", "提前", "提到",
    "提高", "架构", "块钱", "张总", "方面", "方案", "方式", "方向", "方法", "座谈", "件套", "人位",
)
_NOT_UNIT_RE = re.compile(_alternation(_NOT_UNIT_WORDS))
_TIME_AFTER_GE = re.compile(r"个\s?(?:月|小时|钟|星期|礼拜|工作日|学期|季度|点|百分点|年|周末|半月|多月|方面)")


@lru_cache(maxsize=64)
def _unit_res(extra: tuple[str, ...]) -> tuple[re.Pattern, re.Pattern]:
    units = [u for u in (*UNITS, *extra) if u and not u.isascii()]
    nouns = [n for n in (*COUNTING_NOUNS, *extra) if len(n) >= 1 and n != "个" and not n.isascii()]
    return re.compile(_alternation(units)), re.compile(_alternation(nouns))


# 一 + these is a word (一起, 一直, 一共 ...), never "per one ..."
_NOT_PER = frozenset("些起直定样般共下点半致次再同边块律切旦向度会时道二两三四五六七八九十百千万亿零")
