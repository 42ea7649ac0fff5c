"""The atoms of nlu/dates.py: the value types, text preparation, the atom regexes with their
first-character dispatch, the token and context types, and one builder per atom (each turns a regex
match into a resolved token, or rejects it). nlu/dates.py merges neighbouring atoms and resolves them.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from nlu import holidays

SHANGHAI = ZoneInfo("Asia/Shanghai")
GRAINS = ("second", "minute", "hour", "day", "week", "month", "quarter", "year")


@dataclass(frozen=True)
class TimeValue:
    text: str             # the matched span as in the input
    start_index: int      # span offsets in the input text
    end_index: int
    start: datetime       # tz-aware, in ref's offset
    end: datetime | None  # exclusive end, for intervals only
    grain: str            # second minute hour day week month quarter year

    def to_json(self) -> dict:
        return {"text": self.text, "start": self.start.isoformat(),
                "end": self.end.isoformat() if self.end else None, "grain": self.grain}


@dataclass(frozen=True)
class DayMention:
    text: str
    start_index: int
    end_index: int
    date: date


# --- text preparation ---------------------------------------------------------------------

# Traditional -> Simplified for the characters time expressions use; one character each, so
# offsets stay valid. Full-width ASCII becomes half-width. Whitespace stays: an atom never spans it
# (九毛五 月底 is 月底, not 五月底), but the rules that join atoms look through it (下周三 之前).
_TRAD = ("週周 號号 禮礼 個个 點点 鐘钟 鍾钟 後后 兩两 這这 時时 晝昼 慶庆 節节 勞劳 動动 兒儿 婦妇 軍军 "
         "聖圣 誕诞 曆历 歷历 農农 陽阳 費费 權权 際际 內内 過过 聽听 尋寻 當当 現现 從从 國国 團团 紀纪 "
         "黨党 師师 樹树 親亲 幾几 臘腊 陰阴 間间 裡里 裏里 頭头 開开 來来 還还 經经 為为 雙双 長长 黃黄 "
         "對对 說说 訂订 報报 價价 錢钱 塊块 萬万 億亿 噸吨 臺台 燈灯 會会 簽签 見见 訪访 結结 給给 準准 "
         "備备 閏闰 闆板 陸陆 〇零 歲岁 號号 線线 樓楼 倉仓 機机 門门 庫库 車车 區区 內内 麼么 剛刚 就就 "
         "實实 際际 數数 學学 試试 驗验 樣样 貨货 發发 寄寄 單单 種种 輕轻 齡龄 級级 風风 節节 齋斋 們们 "
         "禮礼 拜拜 鬧闹 碼码 隔隔 號号 稱称 廳厅 館馆 場场 講讲 談谈 聊聊 議议 約约 邊边 員员 點点 鐘钟")
_TABLE = {ord(pair[0]): pair[1] for pair in _TRAD.split()}
_TABLE.update({c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)})
_TABLE.update({0x3000: " ", ord("～"): "~", ord("—"): "-", ord("–"): "-", ord("―"): "-"})


def _prepare(text: str) -> str:
    """The text in Simplified, half-width characters, with the same offsets."""
    return text.translate(_TABLE)


_SPACE = re.compile(r"\s+")

# --- numerals -----------------------------------------------------------------------------

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
           "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}


def _int(s: str) -> int | None:
    """Arabic or Chinese numeral (十五, 二十三, 廿五, 一百二, 二零一五) -> int."""
    if not s:
        return None
    if s.isascii():
        return int(s) if s.isdigit() else None
    if not any(c in "十百千廿卅" for c in s):  # digit by digit: 二零一五
        value = 0
        for c in s:
            if c not in _DIGITS:
                return None
            value = value * 10 + _DIGITS[c]
        return value
    total, digit, last_unit, after_unit = 0, 0, 1, False
    for c in s:
        if c in _DIGITS:
            digit, after_unit = _DIGITS[c], after_unit and c != "零"
            if c == "零":
                after_unit = False
        elif c in _UNITS:
            total += (digit or 1) * _UNITS[c]
            digit, last_unit, after_unit = 0, _UNITS[c], True
        elif c == "廿":
            total, digit, last_unit, after_unit = total + 20, 0, 10, True
        elif c == "卅":
            total, digit, last_unit, after_unit = total + 30, 0, 10, True
        else:
            return None
    if digit and after_unit and last_unit >= 100:  # 一百二 = 120
        return total + digit * last_unit // 10
    return total + digit


def _month(s: str) -> int | None:
    """A month's numeral (3, 十一, 元 of 元月) -> its number."""
    return 1 if s == "元" else _int(s)


# --- the atom regex -----------------------------------------------------------------------

_CN = "一二三四五六七八九"
# 元月 is January (never the 元 of an amount: 3000元月底付)
_MON = rf"(?:(?:1[0-2]|0?[1-9])(?!\d)|十[一二]?|[{_CN}]|(?<![\d零一二两三四五六七八九十百千万亿.])元)"
_DAY = rf"(?:(?:3[01]|[12]\d|0?[1-9])(?!\d)|[二三]十[{_CN}]?|十[{_CN}]?|廿[{_CN}]?|卅一?|[{_CN}])"
_YEAR = (r"(?:\d{4}|[零〇一二三四五六七八九]{4}"
         rf"|\d{{2}}(?=年(?:1[0-2]|0?[1-9]|十|[{_CN}])月)|[今明去前后本上下])")
_YP = rf"(?:(?P<@y>{_YEAR})年的?)?"
_NUMR = r"(?:\d{1,4}|[零一二两三四五六七八九十百千廿]{1,6})"
_UNIT = r"(?:秒钟?|分钟|小时|钟头|钟|天|日|周|星期|礼拜|月|年)"
_POD = "早上|早晨|清晨|清早|上午|中午|下午|傍晚|晚上|晚间|夜里|夜间|半夜|午夜|凌晨|晏昼|白天"
_NOT_NUM_BEFORE = r"(?<![\d零一二两三四五六七八九十百千万第.])"
_NOT_NUM_AFTER = r"(?![\d零一二两三四五六七八九十百千万号日月点个元块%.])"
# a month numeral right after a number or a money unit belongs to that number (二百七|月底, 九毛五|月底)
# (an Arabic month after 万 starts a new number: 单价2.35万11月10号)
_NOT_AFTER_NUMBER = r"(?:(?<![\d.百千万亿毛块元角])|(?<=[百千万亿毛块元角])(?=\d))"
_REL = "(?<!一)下下个|(?<!一)下下|下个|下|上上个|上上|上个|上|这个|这一|这|本|今个|今|当"  # 一下|下周二: "a bit", then next week

# canonical holiday name -> pattern (longest forms first inside each)
_HOLIDAY_PATTERNS = {
    "元旦": "元旦节?|阳历新年|公历新年",
    "春节": "春节|农历新年|新春|大年初一|正月初一|年初一|正月正时|正月朔日",
    "除夕": "除夕夜?|大年三十|年三十",
    "元宵": "元宵节?",
    "清明": "清明节?",
    "劳动节": f"(?:五一)?(?:国际)?劳动节|{_NOT_NUM_BEFORE}五一节?{_NOT_NUM_AFTER}",
    "端午": "端午节?|端阳节?",
    "七夕": "七夕节?",
    "中秋": "中秋节?",
    "重阳": "重阳节?",
    "腊八": "腊八节?",
    "国庆": (f"国庆节?|{_NOT_NUM_BEFORE}十一"
             "(?=之?前|之?后|以[前后]|期间|假期|长假|黄金周|放假)"),
    "情人节": "情人节|圣瓦伦丁节",
    "妇女节": "三八(?:国际)?妇女节|(?:国际)?妇女节|三八节|女神节",
    "植树节": "植树节",
    "消费者权益日": f"(?:国际)?消费者权益日|{_NOT_NUM_BEFORE}三一五{_NOT_NUM_AFTER}",
    "青年节": "五四青年节|青年节",
    "儿童节": f"(?:六一)?(?:国际)?儿童节|{_NOT_NUM_BEFORE}六一节?{_NOT_NUM_AFTER}",
    "建党节": "(?:七一)?建党节",
    "建军节": "(?:八一)?建军节",
    "教师节": "教师节",
    "双十一": "双十一|双11",
    "双十二": "双十二|双12",
    "平安夜": "平安夜",
    "圣诞节": "圣诞节?",
    "母亲节": "母亲节",
    "父亲节": "父亲节",
}
_HOLIDAY_NAMES = list(_HOLIDAY_PATTERNS)

_ALTERNATIVES = [
    ("ymd", r"(?<![\d.])(?P<@y>\d{4})(?P<@sep>[-/.])(?P<@m>1[0-2]|0?[1-9])(?P=@sep)"
            r"(?P<@d>3[01]|[12]\d|0?[1-9])(?![\d.])(?:日|号)?"),
    ("mdy", r"(?<![\d/.])(?P<@m>1[0-2]|0?[1-9])/(?P<@d>3[01]|[12]\d|0?[1-9])/(?P<@y>\d{4}|\d{2})(?![\d/])"),
    *((f"hol{i}", _HOLIDAY_PATTERNS[name]) for i, name in enumerate(_HOLIDAY_NAMES)),
    ("cdate", _YP + rf"{_NOT_AFTER_NUMBER}(?P<@m>{_MON})月份?的?(?P<@d>{_DAY})"
              r"(?:(?P<@s>日|号)|(?![\d天个周年月点时分半万千百亿元块吨台件箱套米斤%.期]))"),
    ("mpart", _YP + rf"{_NOT_AFTER_NUMBER}(?P<@m>{_MON})月份?的?"
              r"(?P<@x>底|末|初|上旬|中旬|下旬|中(?![国心华文方标间层东西南北上下]))"),
    ("quarter", r"(?:(?P<@y>\d{4}|[今明去本])年的?)?"
                r"(?:第(?P<@n>[一二三四1-4])|(?<![\d一二三四五六七八九十])(?P<@k>[一二三四1-4]))个?季度"),
    ("qrel", rf"(?P<@p>{_REL})个?季度"),
    ("qcode", r"(?:(?P<@y>\d{4})年?)?(?<![A-Za-z])[Qq](?P<@n>[1-4])(?![\dA-Za-z])"),
    ("halfyear", r"(?:(?P<@y>\d{4}|[今明去本])年的?)?(?P<@h>上|下)半年"),
    ("ypart", r"(?:(?P<@y>\d{4}|[今明去本])年年?|(?<![\d一二三四五六七八九十百千几多两半每])年)(?P<@x>底|末|初)"),
    ("mnth", _YP + _NOT_AFTER_NUMBER + r"(?<![第每])(?P<@m>" + _MON + r")月份?(?![\d个内])"),
    ("year", r"(?:(?<![\d.])(?P<@y>\d{4}|[零〇一二三四五六七八九]{4})年(?![代级])"
             r"|(?P<@r>今|明|去|本|这一|(?<![以之然最])后|(?<![提之以目眼当从])前|上|下)年(?![纪轻龄级代]))"),
    ("mdom", rf"(?P<@p>{_REL})月的?(?P<@d>{_DAY})(?:日|号)"),
    ("mrpart", rf"(?P<@p>{_REL})?(?<!每)月(?:(?<=个月|下月|上月|本月)月)?"  # 下个月月中: the month said, then its part
               r"(?P<@x>底|末|初|上旬|中旬|下旬|中(?![国心华文方标间层东西南北上下]))"),
    ("xun", r"(?<![月\d一二三四五六七八九十])(?P<@x>上旬|中旬|下旬)"),
    ("mrel", r"(?P<@p>下下个|下个|下|上上个|上个|上|这个|这一个|本|今个|当)月(?![份底末初中\d])"),
    ("wday", rf"(?P<@p>{_REL})?(?:周|星期|礼拜)(?P<@d>[一二三四五六日天末1-7])(?!次|[十百千\d]|[一二三四五六七八九两]十)"),
    ("week", r"(?P<@p>(?<!一)下下个|(?<!一)下下|下个|下|上上个|上上|上个|上|这个|这一|这|本|今个)(?:周|星期|礼拜)"
             r"(?![一二三四五六日天末1-7期年])"),
    ("rnight", r"今晚|今夜|明晚|明早|今早|昨晚|昨夜|听晚|寻晚"),
    ("rday", r"大后天|大后日|大前天|大前日|(?<![然之以最随往落背过而午明])后[天日]"
             r"|(?<![提之以目眼当从面跟门])前[天日]|今天|今日|明天|明日|昨天|昨日|听日|寻日"),
    ("runit", rf"(?<![\d.])(?P<@n>{_NUMR}|半)(?P<@g>个)?(?P<@h>半)?(?P<@u>{_UNIT})"
              r"(?P<@d>之后|以后|后|之前|以前|前|之内|以内|内)"),
    ("guo", rf"(?<![超不经通越度路错难好])过(?P<@n>{_NUMR}|半)(?P<@g>个)?(?P<@h>半)?(?P<@u>天|周|星期|礼拜|月)"
            r"(?![之以]?[内前])"),
    ("pren", rf"(?P<@p>上|下|(?<![提之以目眼当从])前|(?<![\u4e00-\u9fff])后)(?P<@n>{_NUMR})(?P<@g>个)?"
             rf"(?P<@u>{_UNIT})(?![之以]?[内后前])"),
    ("clock", rf"(?P<@pod>{_POD}|早|晚)?(?<![\d.])(?P<@h>\d{{1,2}}|[零两一二三四五六七八九十]{{1,3}})(?:点钟?|时)"
              r"(?:(?P<@half>[踏搭]?半)|(?P<@q>[一三]刻)|(?P<@zero>零|过)?(?P<@min>[0-5]?\d|[一二三四五六七八九十]{1,3})"
              r"(?P<@fen>分钟?|个字)?|[踏搭](?P<@five>[一二三四五六七八九十]|1[01]|\d))?"
              r"(?![\d零一二两三四五六七八九十万千百亿元块吨米斤个台件套箱倍折成%公克升.])"),
    ("hhmm", rf"(?P<@pod>{_POD}|早|晚)?(?<![\d.:])(?P<@h>[01]?\d|2[0-4])[:](?P<@m>[0-5]\d)(?![\d:])"
             r"(?:\s?(?P<@ap>[aApP])\.?[mM]?\.?(?![A-Za-z]))?"),
    ("hap", r"(?<![\d.:A-Za-z])(?P<@h>1[0-2]|0?[1-9])\s?(?P<@ap>[aApP])\.?[mM]\.?(?![A-Za-z])"),
    ("pod", _POD),
    ("mdot", r"(?<![\d.A-Za-z])(?P<@m>1[0-2]|0?[1-9])\.(?P<@d>3[01]|[12]\d|0?[1-9])(?P<@s>号|日)?"
             r"(?!\.\d|[\d%A-Za-z万千百亿元块吨米斤个台件套箱倍折成公克升级度寸代版型伏安瓦毫厘分秒档层位栋平方立])"),
    ("mslash", r"(?<![\d/.A-Za-z])(?P<@m>1[0-2]|0?[1-9])/(?P<@d>3[01]|[12]\d|0?[1-9])(?![\d/%A-Za-z])"),
    # 15/3: a first number over 12 is the day (NOTES_SCHEMA: day/month then)
    ("dslash", r"(?<![\d/.A-Za-z])(?P<@d>1[3-9]|2\d|3[01])/(?P<@m>1[0-2]|0?[1-9])(?![\d/%A-Za-z])"),
    ("dom", rf"(?<![\d月型编第A-Za-z./号零一二两三四五六七八九十])(?P<@d>{_DAY})(?P<@s>号|日)"
            r"(?![线楼仓机门库车位店码厅馆口院房室柜台座栋床罐池期常本报用子语元电钢油胶字纸筋游])"),
    ("now", r"现在|此时|此刻|当前|宜家|而家|依家"),
    ("lpart", r"(?:(?:农历|阴历)(?P<@m>正|腊|冬|十[一二]|[一二三四五六七八九十])|(?P<@m2>正|腊|冬))月"
              r"(?P<@x>底|末|初(?![一二三四五六七八九十])|中(?![国心华文方标间层东西南北上下旬]))"),
    ("lunar", r"(?:农历|阴历)(?P<@m>正|腊|冬|十[一二]|[一二三四五六七八九十])月"
              r"(?P<@d>初[一二三四五六七八九十]|十[一二三四五六七八九]|二十[一二三四五六七八九]?|廿[一二三四五六七八九]|三十)"
              r"|(?P<@m2>正|腊|冬)月(?P<@d2>初[一二三四五六七八九十]|十[一二三四五六七八九]|二十[一二三四五六七八九]?"
              r"|廿[一二三四五六七八九]|三十)|大年初(?P<@d3>[二三四五六七八九十])"),
]


# --- dispatch on the first character ------------------------------------------------------
# One big alternation is tried at every position of the text, which costs ~10 us a position in
# CPython. Instead each alternative's possible first characters are worked out from its parsed
# pattern, and a position is only tried with the alternatives that can start there.

def _first_chars(items) -> tuple[set | None, bool]:
    """(possible first characters, can the sequence match empty) for a parsed regex sequence."""
    from re import _constants as c

    first: set = set()
    for op, arg in items:
        if op in (c.ASSERT, c.ASSERT_NOT, c.AT):
            continue
        if op is c.LITERAL:
            return first | {chr(arg)}, False
        if op is c.IN:
            chars = _class_chars(arg)
            return (None if chars is None else first | chars), False
        if op is c.SUBPATTERN:
            sub, empty = _first_chars(arg[3])
        elif op is c.BRANCH:
            sub, empty = set(), False
            for branch in arg[1]:
                b, b_empty = _first_chars(branch)
                sub = None if sub is None or b is None else sub | b
                empty = empty or b_empty
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT):
            sub, empty = _first_chars(arg[2])
            empty = empty or arg[0] == 0
        else:
            return None, False
        if sub is None:
            return None, False
        first |= sub
        if not empty:
            return first, False
    return first, True


def _class_chars(items) -> set | None:
    from re import _constants as c

    chars: set = set()
    for op, arg in items:
        if op is c.LITERAL:
            chars.add(chr(arg))
        elif op is c.RANGE:
            if arg[1] - arg[0] > 200:
                return None
            chars.update(chr(x) for x in range(arg[0], arg[1] + 1))
        elif op is c.CATEGORY and arg is c.CATEGORY_DIGIT:
            chars.update("0123456789")
        else:
            return None
    return chars


_SOURCES = {name: f"(?P<{name}>{body.replace('@', name + '_')})" for name, body in _ALTERNATIVES}


def _dispatch() -> tuple[dict[str, tuple[str, ...]], re.Pattern]:
    """first character -> the names of the alternatives that can start with it (in order), and a
    regex that finds the next such character. A pattern whose start cannot be worked out is tried
    everywhere."""
    from re import _parser

    bodies = list(_SOURCES.items())
    by_char: dict[str, list[int]] = {}
    anywhere = []
    for index, (_, body) in enumerate(bodies):
        first, _ = _first_chars(_parser.parse(body))
        if first is None:
            anywhere.append(index)
            continue
        for ch in first:
            by_char.setdefault(ch, []).append(index)
    table = {ch: tuple(bodies[i][0] for i in sorted(set(indexes) | set(anywhere)))
             for ch, indexes in by_char.items()}
    trigger = re.compile("[" + "".join(re.escape(ch) for ch in sorted(table)) + "]")
    return table, trigger


_BY_FIRST, _TRIGGER = _dispatch()
_COMPILED: dict[tuple, re.Pattern] = {}  # compiled on first use: cold start stays short


def _matcher(names: tuple[str, ...]) -> re.Pattern:
    pattern = _COMPILED.get(names)
    if pattern is None:
        pattern = _COMPILED[names] = re.compile("|".join(_SOURCES[n] for n in names))
    return pattern


def compile_all() -> int:
    """Compiles every pattern the scan can ask for (each first character's alternatives and what is
    left of them after a rejected match), ~0.3 s: a server calls it at start-up so its first messages
    do not pay for it. Returns how many there are."""
    wanted = {names[i:] for names in _BY_FIRST.values() for i in range(len(names))}
    for names in wanted:
        _matcher(names)
    return len(wanted)


_CLAUSE_MAX = 80
_CLAUSE_END = re.compile(r"[，。；！？,;!?\n]|然后|但是|不过|另外|还有|而且|所以")
_PAST = re.compile(r"已|(?<![为除])了(?!解)|上次|(?<![超通经不再路])过(?![来去两几一年半])|"
                   r"(?:发|送|到|签|做|买|订|交|寄|装|收)的(?:那|这)批")  # 11月20号我们发的那批: already sent
_FUTURE = re.compile(r"再|要|(?<!开)会|将|准备|打算|计划|得")
# An event right after a date (after a deadline word): 1月5号前发货, 1月20号到货, 1月8号付首款.
_EVENT = re.compile(r"(?:之前|以前|前|左右|当天|那天)?(?:就|都|再|也)?(?:发|到|交|送|付|打款|结|签|装|安装|调试|上线|"
                    r"验收|开工|开始|启动|进场|上门|见面|开会|来|过来|过去|去|回复|答复|确认|定|下单|报价|培训|演示|"
                    r"提货|出货|寄|汇|转|给)")
# 11月20号送的货, 发货的那批: a deed told with 的 is done.
_DONE_OF = re.compile(r"^(?:[^，,。]{0,2})?(?:发|送|到|签|做|买|订|交|寄|装|收|付|下|来|见|谈|开)货?的(?!话|时候)")
_BEFORE = re.compile(r"之前|以前|前(?![后天一二两三四五六七八九十\d])")
_AFTER = re.compile(r"之后|以后|后(?![天一二两三四五六七八九十\d])")
_HOLIDAY_SPAN = re.compile(r"假期|长假|放假|黄金周|小长假|节假日")
_HOLIDAY_VAGUE = re.compile(r"前后|期间|左右|那几天|这几天|几天")
_VAGUE_AFTER = re.compile(r"的?(?:第|头|前|一两|一|两|几|那|这)")
_NTH = re.compile(r"的?(?:第(?P<n>[一二三四五1-5])|(?P<last>最后一))个?")
_RANGE = re.compile(r"(?:到|至|~|-|—|－)")
# what may follow a bare holiday that is still the date, not a noun it qualifies (春节团购, 中秋礼盒)
_HOLIDAY_FOLLOW = set("前后之以那当时的期左再到要会就我他她你咱客送发交到开来去给做见拜签付前上下晚早中回联跟结、"
                      "有没是都也还才能可必需得该这每全")

_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6,
             "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6}
_WEEK_SHIFT = {None: 0, "这": 0, "这个": 0, "这一": 0, "本": 0, "今": 0, "今个": 0, "当": 0,
               "下": 1, "下个": 1, "下下": 2, "下下个": 2, "上": -1, "上个": -1, "上上": -2, "上上个": -2}
_MONTH_SHIFT = {None: 0, "这": 0, "这个": 0, "这一": 0, "这一个": 0, "本": 0, "今": 0, "今个": 0, "当": 0,
                "下": 1, "下个": 1, "下下": 2, "下下个": 2, "上": -1, "上个": -1, "上上": -2, "上上个": -2}
_YEAR_WORDS = {"今": 0, "本": 0, "这一": 0, "明": 1, "下": 1, "后": 2, "去": -1, "上": -1, "前": -2}
_UNIT_GRAIN = {"秒": "second", "秒钟": "second", "分钟": "minute", "小时": "hour", "钟头": "hour",
               "钟": "hour", "天": "day", "日": "day", "周": "week", "星期": "week", "礼拜": "week",
               "月": "month", "年": "year"}
_POD_HOURS = {"早上": (4, 12), "早晨": (4, 12), "清晨": (4, 12), "清早": (4, 12), "早": (4, 12),
              "上午": (4, 12), "中午": (12, 14), "下午": (12, 19), "晏昼": (12, 19), "傍晚": (17, 19),
              "晚上": (18, 24), "晚间": (18, 24), "夜里": (18, 24), "夜间": (18, 24), "晚": (18, 24),
              "半夜": (0, 4), "午夜": (0, 4), "凌晨": (0, 6), "白天": (8, 18)}
_PM_PODS = {"下午", "晏昼", "傍晚", "晚上", "晚间", "晚", "夜里", "夜间"}
_NIGHT_WORDS = {"今晚": (0, "晚上"), "今夜": (0, "晚上"), "明晚": (1, "晚上"), "听晚": (1, "晚上"),
                "昨晚": (-1, "晚上"), "昨夜": (-1, "晚上"), "寻晚": (-1, "晚上"),
                "今早": (0, "早上"), "明早": (1, "早上")}
_DAY_WORDS = {"今天": 0, "今日": 0, "明天": 1, "明日": 1, "听日": 1, "后天": 2, "后日": 2,
              "大后天": 3, "大后日": 3, "昨天": -1, "昨日": -1, "寻日": -1, "前天": -2, "前日": -2,
              "大前天": -3, "大前日": -3}


# --- tokens -------------------------------------------------------------------------------

@dataclass
class _Tok:
    kind: str                    # date hol pod clock month value
    s: int                       # span in the prepared text
    e: int
    start: datetime | None = None
    end: datetime | None = None
    grain: str = "day"
    day: date | None = None      # the find_days reading; None when vague
    info: dict = field(default_factory=dict)


class _Ctx:
    """The reference time and the prepared text one call works on."""

    def __init__(self, norm: str, ref: datetime):
        if ref.tzinfo is None or ref.utcoffset() is None:
            ref = ref.replace(tzinfo=SHANGHAI)
        self.tz = timezone(ref.utcoffset())
        self.ref = ref.replace(tzinfo=self.tz)  # same wall time, same offset: the same instant
        self.today = self.ref.date()
        self.norm = norm

    def skip(self, pos: int) -> int:
        """The first position at or after `pos` that is not whitespace."""
        m = _SPACE.match(self.norm, pos)
        return m.end() if m else pos

    def before(self, pos: int, n: int = 1) -> str:
        """The `n` characters before `pos`, whitespace left out."""
        return "".join(self.norm[max(0, pos - n - 8):pos].split())[-n:]  # (str.split: the whitespace of \s)

    def midnight(self, d: date) -> datetime:
        return datetime.combine(d, time(), tzinfo=self.tz)

    def at(self, d: date, hour: int, minute: int = 0) -> datetime:
        return self.midnight(d) + timedelta(hours=hour, minutes=minute)

    def past_clause(self, s: int, e: int) -> bool:
        """Does the clause around [s, e) report a past event (了, 已, 已经, 过, 上次)?"""
        text = self.norm
        window = max(0, s - _CLAUSE_MAX)  # a clause is short: never scan the whole text back
        left = max((m.end() for m in _CLAUSE_END.finditer(text, window, s)), default=window)
        right_m = _CLAUSE_END.search(text, e, e + _CLAUSE_MAX)
        right = right_m.start() if right_m else min(len(text), e + _CLAUSE_MAX)
        # the date's own phrase: a pause ends it (定了30件 1月5号前发货: the 了 is another phrase's)
        after = _own_after(text[e:right])
        future, past = _FUTURE.search(after), _PAST.search(after) or _DONE_OF.search(after)
        if future and (not past or future.start() < past.start()):
            return False  # 周四再过去一趟, 3月1日要送到
        if past:
            return True
        if _EVENT.match(after):
            return False  # 签了合同1月8号付首款: the date's own event, told without 了/过, is still ahead
        return bool(_PAST.search(_own_before(text[left:s])))


# A pause between words, not the spaces around an English word (跟 Zentek 的 manager 开了会 is one phrase).
_PHRASE_GAP = re.compile(r"(?<![A-Za-z])\s+(?![A-Za-z])")


def _own_after(text: str) -> str:
    """The words after a date up to the first pause that follows some of them (3月1号 拜访了…: the next ones)."""
    return next((c for c in _PHRASE_GAP.split(text) if c), "")


def _own_before(text: str) -> str:
    """The words before a date back to the last pause (定了30件 1月5号: none; 签了合同1月8号: 签了合同)."""
    return _PHRASE_GAP.split(text)[-1]


def _day_tok(s: int, e: int, ctx: _Ctx, d: date, **info) -> _Tok:
    return _Tok("date", s, e, ctx.midnight(d), None, "day", d, dict(info))


def _value(s, e, start, end, grain, day=None, **info) -> _Tok:
    return _Tok("value", s, e, start, end, grain, day, dict(info))


def _add_months(d: date, n: int) -> date:
    y, m = divmod(d.month - 1 + n, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _month_start(d: date, n: int = 0) -> date:
    y, m = divmod(d.month - 1 + n, 12)
    return date(d.year + y, m + 1, 1)


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _year_of(word: str | None, ctx: _Ctx) -> int | None:
    """The year a year prefix names (2015, 二零一五, 15 before 年M月, 今/明/去 …), or None."""
    if not word:
        return None
    if word in _YEAR_WORDS:
        return ctx.today.year + _YEAR_WORDS[word]
    value = _int(word)
    if value is None:
        return None
    if len(word) == 2:
        value += 2000 if value < 70 else 1900
    return value


# --- atom builders (each returns a token, or None to reject the match) ---------------------

def _b_ymd(m, g, s, e, ctx):
    return _day_tok(s, e, ctx, date(int(g("y")), int(g("m")), int(g("d"))), md=True)


def _b_mdy(m, g, s, e, ctx):
    y = int(g("y"))
    if len(g("y")) == 2:
        y += 2000 if y < 50 else 1900
    return _day_tok(s, e, ctx, date(y, int(g("m")), int(g("d"))), md=True)


def _month_day(month: int, day: int, year: int | None, s: int, e: int, ctx: _Ctx) -> _Tok:
    """M月D日: ref's year; a date before ref moves to next year unless the clause reports the past."""
    if year is not None:
        return _day_tok(s, e, ctx, date(year, month, day), md=(month, day, True))
    calendar.monthrange(ctx.today.year, month)  # validates month
    d = _safe_date(ctx.today.year, month, day)
    if d is None or (d < ctx.today and not ctx.past_clause(s, e) and not _opens_report(s, e, d, ctx)):
        d = _safe_date(ctx.today.year + 1, month, day)
    if d is None:
        return None
    return _day_tok(s, e, ctx, d, md=(month, day, False))


_REPORTED_VISIT = re.compile(r"(?:上午|下午|晚上|中午)?(?:在|去|到|跟|和|与|见|拜访|走访)")


def _opens_report(s: int, e: int, d: date, ctx: _Ctx) -> bool:
    """4月10日在仁爱医院开会…, written days later: a note that opens with a recent day reports that day."""
    if ctx.norm[:s].strip() or (ctx.today - d).days > 31:
        return False
    right = _CLAUSE_END.search(ctx.norm, s, s + _CLAUSE_MAX)
    end = right.start() if right else len(ctx.norm)
    if _FUTURE.search(ctx.norm, s, end):
        return False  # 3月1日要送到: still ahead
    return bool(_REPORTED_VISIT.match(ctx.norm, ctx.skip(e)))  # 4月10日在仁爱医院…开会 (not 3月1日发货)


def _safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _b_cdate(m, g, s, e, ctx):
    month, day = _month(g("m")), _int(g("d"))
    return _month_day(month, day, _year_of(g("y"), ctx), s, e, ctx)


_CLAUSE_MARK = re.compile(r"[，,。；;！!？?、]")
_NUMBER_CUE = re.compile(r"[价元钱费报降涨版号¥$Vv第共约]|合计")  # 单价3.15, 约3.15: numbers (合同11.20签 is a date)


def _b_mdot(m, g, s, e, ctx):
    if not g("s"):  # a bare 3.15 is a date, 1.5 / 8.8 / 单价3.15 are numbers
        before = _CLAUSE_MARK.split(ctx.before(s, 4))[-1]  # 28元/米，9.12 首批发货: the 元 is another number's
        if _NUMBER_CUE.search(before):
            return None
        if len(g("d")) == 1 and ctx.norm[ctx.skip(e):ctx.skip(e) + 1] not in tuple("前后之到开发送交见签付寄装出"):
            return None
    return _month_day(int(g("m")), int(g("d")), None, s, e, ctx)


def _b_mslash(m, g, s, e, ctx):
    return _month_day(int(g("m")), int(g("d")), None, s, e, ctx)


def _b_dslash(m, g, s, e, ctx):
    return _month_day(int(g("m")), int(g("d")), None, s, e, ctx)


def _b_dom(m, g, s, e, ctx):
    n = _int(g("d"))
    if g("s") == "日" and not g("d").isascii() and len(g("d")) == 1:
        return None  # 一日三餐, 三日 read as days elsewhere
    if not n or n > 31:
        return None
    first = _month_start(ctx.today)
    past = ctx.past_clause(s, e)
    start = 0 if n >= ctx.today.day or past else 1
    for k in range(start, start + 12):
        month = _month_start(first, k)
        d = _safe_date(month.year, month.month, n)
        if d:
            return _day_tok(s, e, ctx, d, dom=n)
    return None


def _b_mdom(m, g, s, e, ctx):
    n = _int(g("d"))
    month = _month_start(ctx.today, _MONTH_SHIFT.get(g("p"), 0))
    return _day_tok(s, e, ctx, date(month.year, month.month, n), dom=n)


def _part_of_month(year: int, month: int, part: str, s, e, ctx) -> _Tok:
    if part in ("底", "末"):
        return _day_tok(s, e, ctx, _last_day(year, month))
    if part == "初":
        return _day_tok(s, e, ctx, date(year, month, 1))
    if part == "中":
        return _day_tok(s, e, ctx, date(year, month, 15))
    first = {"上旬": 1, "中旬": 11, "下旬": 21}[part]
    start = date(year, month, first)
    end = _month_start(start, 1) if first == 21 else date(year, month, first + 10)
    return _value(s, e, ctx.midnight(start), ctx.midnight(end), "day")


def _b_mpart(m, g, s, e, ctx):
    month = _month(g("m"))
    year = _year_of(g("y"), ctx)
    if year is None:
        year = ctx.today.year
        if month < ctx.today.month and not ctx.past_clause(s, e):
            year += 1
    return _part_of_month(year, month, g("x"), s, e, ctx)


_NUMERALS = set("0123456789零一二两三四五六七八九十")


def _month_numeral_before(ctx: _Ctx, s: int) -> bool:
    """Is 月 at `s` the end of "3月" (a month number), rather than after a quantity (九毛五|月底)?"""
    k = s
    while k > 0 and ctx.norm[k - 1] in _NUMERALS:
        k -= 1
    return k < s and ctx.norm[k - 1:k] not in tuple("百千万亿毛块元角.")


def _b_mrpart(m, g, s, e, ctx):
    part, prefix = g("x"), g("p")
    if prefix is None and _month_numeral_before(ctx, s):
        return None  # 3月底 is read by the month-specific rule
    if prefix is None and part == "初":
        shift = 1  # 月初 said in a month means the start of the next one
    elif prefix is None and part == "中":
        shift = 0 if ctx.today.day <= 15 else 1
    else:
        shift = _MONTH_SHIFT.get(prefix, 0)
    month = _month_start(ctx.today, shift)
    return _part_of_month(month.year, month.month, part, s, e, ctx)


def _b_xun(m, g, s, e, ctx):
    return _part_of_month(ctx.today.year, ctx.today.month, g("x"), s, e, ctx)


def _b_mrel(m, g, s, e, ctx):
    start = _month_start(ctx.today, _MONTH_SHIFT.get(g("p"), 0))
    return _Tok("month", s, e, ctx.midnight(start), ctx.midnight(_month_start(start, 1)), "month",
                None, {"month": start})


def _b_mnth(m, g, s, e, ctx):
    month = _month(g("m"))
    year = _year_of(g("y"), ctx)
    if year is None:
        year = ctx.today.year
        if month < ctx.today.month and not ctx.past_clause(s, e):
            year += 1
    start = date(year, month, 1)
    return _Tok("month", s, e, ctx.midnight(start), ctx.midnight(_month_start(start, 1)), "month",
                None, {"month": start})


def _b_year(m, g, s, e, ctx):
    year = _year_of(g("y") or g("r"), ctx)
    if year is None or not 1000 <= year <= 9998:
        return None
    return _value(s, e, ctx.midnight(date(year, 1, 1)), None, "year", year=year)


def _b_ypart(m, g, s, e, ctx):
    year = _year_of(g("y"), ctx) or ctx.today.year
    if g("x") == "初":
        return _value(s, e, ctx.midnight(date(year, 1, 1)), None, "month")
    return _day_tok(s, e, ctx, date(year, 12, 31))


def _quarter(year: int, q: int, s, e, ctx) -> _Tok:
    start = date(year, 3 * q - 2, 1)
    return _value(s, e, ctx.midnight(start), ctx.midnight(_month_start(start, 3)), "quarter")


def _b_quarter(m, g, s, e, ctx):
    q = _int(g("n") or g("k"))
    return _quarter(_year_of(g("y"), ctx) or ctx.today.year, q, s, e, ctx)


def _b_qcode(m, g, s, e, ctx):
    return _quarter(_year_of(g("y"), ctx) or ctx.today.year, int(g("n")), s, e, ctx)


def _b_qrel(m, g, s, e, ctx):
    shift = _MONTH_SHIFT.get(g("p"), 0)
    index = (ctx.today.month - 1) // 3 + shift
    year, q = ctx.today.year + index // 4, index % 4 + 1
    return _quarter(year, q, s, e, ctx)


def _b_halfyear(m, g, s, e, ctx):
    year = _year_of(g("y"), ctx) or ctx.today.year
    start = date(year, 1 if g("h") == "上" else 7, 1)
    return _value(s, e, ctx.midnight(start), ctx.midnight(_month_start(start, 6)), "month")


def _week_monday(ctx: _Ctx, shift: int) -> date:
    return ctx.today - timedelta(days=ctx.today.weekday()) + timedelta(weeks=shift)


def _b_wday(m, g, s, e, ctx):
    prefix, wd = g("p"), g("d")
    if ctx.before(s) == "每" or (prefix is None and _after_count(ctx, s)):
        return None
    monday = _week_monday(ctx, _WEEK_SHIFT.get(prefix, 0))
    if wd == "末":  # Duckling's weekend: Friday 18:00 to Monday 00:00; a note's 周末 is Saturday
        start = ctx.at(monday + timedelta(days=4), 18)
        return _value(s, e, start, ctx.midnight(monday + timedelta(days=7)), "hour",
                      monday + timedelta(days=5), weekend=True)
    weekday = _WEEKDAYS[wd]
    if prefix is None:  # bare 周X: the next X strictly after ref (the last one before, when reported)
        if ctx.past_clause(s, e):
            d = ctx.today - timedelta(days=(ctx.today.weekday() - weekday) % 7 or 7)
        else:
            d = ctx.today + timedelta(days=(weekday - ctx.today.weekday()) % 7 or 7)
    else:
        d = monday + timedelta(days=weekday)
    return _day_tok(s, e, ctx, d, weekday=weekday, bare=prefix is None)


def _after_count(ctx: _Ctx, s: int) -> bool:
    """一周一次, 两个星期五天: 周/星期 right after a count belongs to a duration (not 第一个星期一)."""
    before = ctx.norm[max(0, s - 3):s]  # not through whitespace: "单价3580 周三前" is a weekday
    if before[-1:] and before[-1] in "一两几":
        return True
    if before[-1:].isdigit():  # 2周一次 is a count; 单价3580周三前 is a price, then a weekday
        return not (len(before) == 3 and before.isdigit())
    return before[-1:] == "个" and before[-2:-1] in tuple("一二两三四五六七八九十几") and before[-3:-2] != "第"


def _b_week(m, g, s, e, ctx):
    monday = _week_monday(ctx, _WEEK_SHIFT.get(g("p"), 0))
    return _value(s, e, ctx.midnight(monday), ctx.midnight(monday + timedelta(days=7)), "week")


def _b_rday(m, g, s, e, ctx):
    return _day_tok(s, e, ctx, ctx.today + timedelta(days=_DAY_WORDS[m.group()]))


def _b_rnight(m, g, s, e, ctx):
    shift, pod = _NIGHT_WORDS[m.group()]
    d = ctx.today + timedelta(days=shift)
    return _Tok("pod", s, e, None, None, "hour", d, {"pod": pod, "date": d})


def _anchored(ctx: _Ctx, s: int) -> bool:
    """签约后一周内, 收到货后三天: counted from an event, not from the note's date."""
    return ctx.before(s) == "后"


def _relative(n: float, unit: str, ctx: _Ctx, s: int, e: int) -> _Tok | None:
    """N units from ref, forward (N>0): 三天后 r+3, 两周后 r+14, 两个月后 same day two months on."""
    grain = _UNIT_GRAIN[unit]
    if grain in ("second", "minute", "hour"):
        start = ctx.ref + timedelta(**{grain + "s": n})
        if grain == "second":
            return _value(s, e, start.replace(microsecond=0), None, "second")
        return _value(s, e, start.replace(second=0, microsecond=0), None, "minute")
    if grain == "day":
        return _day_tok(s, e, ctx, ctx.today + timedelta(days=n)) if n == int(n) else None
    if grain == "week":
        return _day_tok(s, e, ctx, ctx.today + timedelta(days=round(7 * n)))
    if grain == "month":
        whole = int(n)
        d = _add_months(ctx.today, whole) + timedelta(days=15 if n != whole else 0)
        return _day_tok(s, e, ctx, d)
    if n != int(n):
        d = _add_months(ctx.today, int(12 * n))
        return _value(s, e, ctx.midnight(_month_start(d)), None, "month")
    return _value(s, e, ctx.midnight(date(ctx.today.year + int(n), 1, 1)), None, "year")


def _truncate(ctx: _Ctx, grain: str) -> datetime:
    r = ctx.ref
    if grain == "second":
        return r.replace(microsecond=0)
    if grain == "minute":
        return r.replace(second=0, microsecond=0)
    if grain == "hour":
        return r.replace(minute=0, second=0, microsecond=0)
    if grain == "day":
        return ctx.midnight(ctx.today)
    if grain == "week":
        return ctx.midnight(_week_monday(ctx, 0))
    if grain == "month":
        return ctx.midnight(ctx.today.replace(day=1))
    return ctx.midnight(date(ctx.today.year, 1, 1))


def _shift(t: datetime, grain: str, n: int, ctx: _Ctx) -> datetime:
    if grain in ("second", "minute", "hour", "day"):
        return t + timedelta(**{grain + "s": n})
    if grain == "week":
        return t + timedelta(weeks=n)
    months = n if grain == "month" else 12 * n
    return ctx.midnight(_add_months(t.date(), months))


def _last_next_n(n: int, unit: str, forward: bool, s, e, ctx) -> _Tok:
    """Duckling's 上两天 / 下三周 / 两分钟前: the interval of the last (next) N whole units."""
    grain = _UNIT_GRAIN[unit]
    base = _truncate(ctx, grain)
    if forward:
        start, end = _shift(base, grain, 1, ctx), _shift(base, grain, n + 1, ctx)
    else:
        start, end = _shift(base, grain, -n, ctx), base
    return _value(s, e, start, end, grain)


def _count(g) -> float | None:
    raw = g("n")
    n = 0.5 if raw == "半" else _int(raw)
    if n is None or n <= 0 or n > 10000:
        return None
    if g("h"):  # 一个半月
        n += 0.5
    return n


def _unit_ok(unit: str, g) -> bool:
    if unit == "月":
        return bool(g("g") or g("n") == "半" or g("h"))
    if unit == "钟":
        return bool(g("g"))
    return True


_LEAD_TIME = re.compile(r"交期|货期|工期|周期|账期|时效|排产|交货期|生产期")


def _lead_time(ctx: _Ctx, s: int, e: int) -> bool:
    """他要六十天以内 after 交期太长: a lead time (a duration), not a date."""
    nearby = ctx.norm[max(0, s - 30):s]
    ends_clause = ctx.skip(e) >= len(ctx.norm) or bool(_CLAUSE_END.match(ctx.norm, ctx.skip(e)))
    asked = ctx.before(s)[-1:] in ("要", "需", "得")
    return ends_clause and (asked or bool(_LEAD_TIME.search(nearby)))


def _b_runit(m, g, s, e, ctx):
    unit, direction = g("u"), g("d")
    n = _count(g)
    if n is None or not _unit_ok(unit, g) or _anchored(ctx, s):
        return None
    if direction.endswith("内") and _lead_time(ctx, s, e):
        return None
    if unit == "日" and direction.endswith("前") and g("n").isascii():
        return None  # 15日前 in a note is "by the 15th"
    if direction.endswith("前"):
        grain = _UNIT_GRAIN[unit]
        if n != int(n):
            return None
        tok = _last_next_n(int(n), unit, False, s, e, ctx)
        if grain == "day":
            tok.day = ctx.today - timedelta(days=int(n))
        return tok
    return _relative(n, unit, ctx, s, e)


def _b_guo(m, g, s, e, ctx):
    n = _count(g)
    unit = g("u")
    if n is None or not _unit_ok(unit, g):
        return None
    return _relative(n, unit, ctx, s, e)


def _b_pren(m, g, s, e, ctx):
    n = _int(g("n"))
    if not n or n > 10000 or (g("u") == "钟" and not g("g")):
        return None
    return _last_next_n(n, g("u"), g("p") in "下后", s, e, ctx)


def _clock_minutes(g) -> int | None:
    if g("half"):
        return 30
    if g("q"):
        return 15 if g("q")[0] == "一" else 45
    if g("five"):
        return 5 * _int(g("five"))
    raw = g("min")
    if raw is None:
        return 0
    value = _int(raw)
    if value is None:
        return None
    fen = g("fen")
    if fen == "个字" or (not fen and not g("zero") and not raw.isascii() and len(raw) == 1):
        value *= 5  # Cantonese 三点三 / 三点三个字: units of five minutes
    return value if 0 <= value < 60 else None


def _b_clock(m, g, s, e, ctx):
    hour, minute = _int(g("h")), _clock_minutes(g)
    if hour is None or minute is None or hour > 24:
        return None
    pod = g("pod")
    detail = g("half") or g("q") or g("min") or g("five")
    # a bare 一点 / 两点 / 有三点 is more often "a little" or "points" than a time: it needs context
    weak = not pod and not detail and "钟" not in m.group() and _points_not_time(ctx.norm, s, e, hour)
    cantonese = g("five") or (g("min") and not g("fen") and not g("zero") and len(g("min")) == 1
                              and not g("min").isascii())
    if cantonese and not pod:
        weak = True
    return _Tok("clock", s, e, None, None, "minute" if detail else "hour", None,
                {"h": hour, "m": minute, "pod": pod, "weak": weak})


_POINT_BEFORE = set("有这那第几哪差好个些多少高低贵快慢早晚点一")
_POINT_AFTER = set("要意建问原方看内儿多几个点的")


def _points_not_time(norm: str, s: int, e: int, hour: int) -> bool:
    if hour in (1, 2) and not norm[s].isdigit():
        return True
    return norm[s - 1:s] in _POINT_BEFORE or norm[e:e + 1] in _POINT_AFTER


def _b_hhmm(m, g, s, e, ctx):
    hour = int(g("h"))
    ap = (g("ap") or "").lower()
    if ap and not 1 <= hour <= 12:
        return None
    return _Tok("clock", s, e, None, None, "minute", None,
                {"h": hour, "m": int(g("m")), "pod": g("pod"), "ap": ap})


def _b_hap(m, g, s, e, ctx):
    return _Tok("clock", s, e, None, None, "hour", None, {"h": int(g("h")), "m": 0, "ap": g("ap").lower()})


def _b_pod(m, g, s, e, ctx):
    return _Tok("pod", s, e, None, None, "hour", None, {"pod": m.group()})


_LUNAR_MONTHS = {"正": 1, "冬": 11, "腊": 12}


def _b_lpart(m, g, s, e, ctx):
    """腊月底, 正月初, 农历八月中: the last, first or 15th day of the next such lunar month."""
    word = g("m") or g("m2")
    month = _LUNAR_MONTHS.get(word) or _int(word)
    for year in (ctx.today.year - 1, ctx.today.year, ctx.today.year + 1):
        last = holidays.lunar_day(year, month, 30) or holidays.lunar_day(year, month, 29)
        if last is None or last < ctx.today:
            continue
        day = {"初": 1, "中": 15}.get(g("x"))
        d = holidays.lunar_day(year, month, day) if day else last
        if d is not None and d >= ctx.today:
            return _day_tok(s, e, ctx, d)
    return None


def _b_lunar(m, g, s, e, ctx):
    """农历八月十五, 正月十五, 腊月二十三, 大年初八: the next such lunar day on or after ref."""
    month_word = g("m") or g("m2") or "正"
    month = _LUNAR_MONTHS.get(month_word) or _int(month_word)
    day_word = g("d") or g("d2") or "初" + g("d3")
    day = _int(day_word[1:]) if day_word.startswith("初") else _int(day_word)
    for year in (ctx.today.year - 1, ctx.today.year, ctx.today.year + 1):
        d = holidays.lunar_day(year, month, day)
        if d and d >= ctx.today:
            return _day_tok(s, e, ctx, d)
    return None


def _b_now(m, g, s, e, ctx):
    return _value(s, e, ctx.ref.replace(microsecond=0), None, "second")


def _b_holiday(name: str):
    def build(m, g, s, e, ctx):
        festival = holidays.next_festival(name, ctx.today)
        if festival is None:
            return None
        first = holidays.first_day(name, ctx.today) if name in holidays.OFFICIAL else festival
        return _Tok("hol", s, e, ctx.midnight(festival), None, "day", first, {"name": name})
    return build


_BUILDERS = {name: globals().get(f"_b_{name}") for name, _ in _ALTERNATIVES}
_BUILDERS.update({f"hol{i}": _b_holiday(name) for i, name in enumerate(_HOLIDAY_NAMES)})


def _atoms(ctx: _Ctx) -> list[_Tok]:
    """Scan the text left to right. At each position the alternatives are tried in order; when a
    match is rejected (15日前 is not "15 days ago" in a note), the later alternatives get their turn."""
    norm, toks, pos = ctx.norm, [], 0
    trigger, by_first, compiled = _TRIGGER.search, _BY_FIRST, _COMPILED
    while True:
        hit = trigger(norm, pos)
        if hit is None:
            return toks
        start, names = hit.start(), by_first[hit.group()]
        tok = None
        while names and tok is None:
            m = (compiled.get(names) or _matcher(names)).match(norm, start)
            if m is None:
                break
            tok = _build(m, ctx)
            names = names[names.index(m.lastgroup) + 1:]
        if tok is None:
            pos = start + 1
            continue
        toks.append(tok)
        pos = tok.e


def _build(m: re.Match, ctx: _Ctx) -> _Tok | None:
    name = m.lastgroup
    prefix = name + "_"

    def g(key):
        return m.group(prefix + key)

    try:
        return _BUILDERS[name](m, g, m.start(), m.end(), ctx)
    except (ValueError, OverflowError, KeyError, TypeError, IndexError):
        return None
