"""What a text message is, from its words alone: joining, a command, a correction form, or a note.

Pure functions, no I/O. The rules (from the issue):
- A plain-Chinese message is a command only when the whole message is the command word, or the word
  and an argument of the expected shape (客户 张总, 完成 12): 今天拜访了张总… and 客户那边说… are notes.
- Correction and answer forms are a closed list (数量改成…, 客户是…, 日期不对…, 完成, 推迟到…, 取消,
  撤回, and 对/确认). Whether a matching message IS a correction depends on context (a reply to a card or
  nudge, or within 10 minutes of the last one); the conversation decides that.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

PUNCT = "。，,.!！?？~～…:：;；、 \t\n"


@dataclass(frozen=True)
class Command:
    name: str          # help today customer done stage pipeline stalled week forecast team export role start
    #                    health radar
    arg: str = ""


@dataclass(frozen=True)
class Correction:
    kind: str          # quantity customer date done postpone cancel retract confirm
    value: str = ""    # the new value as said (number with unit, name, date expression)
    target: str = ""   # for quantity: the product said before 改成, if any


SLASH = {"help": "help", "start": "start", "today": "today", "customer": "customer", "done": "done",
         "stage": "stage", "pipeline": "pipeline", "stalled": "stalled", "week": "week",
         "forecast": "forecast", "team": "team", "export": "export", "role": "role",
         "health": "health", "radar": "radar"}
WORDS = {"帮助": "help", "今天": "today", "客户": "customer", "完成": "done", "阶段": "stage",
         "漏斗": "pipeline", "停滞": "stalled", "周报": "week", "加入": "start", "菜单": "help",
         "预测": "forecast", "团队": "team", "导出": "export", "角色": "role",
         "健康度": "health", "能力": "radar"}
NO_ARG = {"help", "today", "pipeline", "stalled", "week", "forecast", "team", "health"}

NAME_TITLE = re.compile(r"^[\u4e00-\u9fff]{1,3}(总|经理|工|姐|哥|主任|老板|处长|科长|局长|院长|厂长|主管|总监|老师|医生|师傅)$")
SHORT_NAME = re.compile(r"^[\u4e00-\u9fffA-Za-z0-9·()（）\-]{1,20}$")
NUMBER = r"[0-9０-９]+(?:\.[0-9]+)?|[零〇一二两三四五六七八九十百千万亿点]+"


def clean(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip()


def join_code(text: str) -> str | None:
    """/start CODE or 加入 CODE -> CODE; '' for /start or 加入 alone; None otherwise."""
    t = clean(text)
    m = re.match(r"^/start(?:@\w+)?(?:\s+(\S+))?\s*$", t, re.I) or re.match(r"^加入[\s:：]*([A-Za-z0-9]{4,32})?\s*$", t)
    if not m:
        return None
    return (m.group(1) or "").strip()


def command(text: str) -> Command | None:
    """The command this whole message is, or None (then it is a note or a correction)."""
    t = clean(text)
    if t.startswith("/"):
        m = re.match(r"^/([A-Za-z_]+)(?:@\w+)?\s*(.*)$", t, re.S)
        if not m or m.group(1).lower() not in SLASH:
            return Command("unknown", t.split()[0]) if m else None
        name, arg = SLASH[m.group(1).lower()], m.group(2).strip()
        return _with_arg(name, arg, slash=True)
    bare = t.strip(PUNCT)
    if bare in WORDS and WORDS[bare] != "start":
        return _with_arg(WORDS[bare], "", slash=False)
    for word, name in WORDS.items():
        if not t.startswith(word) or (name in NO_ARG and name != "week") or name == "start":
            continue
        rest = t[len(word):]
        separated = bool(rest[:1]) and rest[:1] in " \t:："
        arg = rest.strip(" \t:：").strip()
        found = _with_arg(name, arg, slash=False, separated=separated)
        if found:
            return found
    return None


def _with_arg(name: str, arg: str, *, slash: bool, separated: bool = True) -> Command | None:
    if name == "week" and arg == "上周":
        return Command(name, arg)
    if name in NO_ARG or name == "start":
        return Command(name, arg) if slash or not arg else None
    if name == "customer":
        if not arg:
            return Command(name, "") if slash else None
        if NAME_TITLE.match(arg) or (separated and SHORT_NAME.match(arg)) or slash:
            return Command(name, arg)
        return None
    if name == "radar":    # 能力 / 能力 李雷 / /radar 李雷
        if not arg or slash or (separated and SHORT_NAME.match(arg)):
            return Command(name, arg)
        return None
    if name == "done":
        if re.fullmatch(r"#?\d{1,9}", arg):
            return Command(name, arg.lstrip("#"))
        return Command(name, arg) if slash else None
    if name == "export":   # 导出 / 导出 csv / 导出 excel
        return Command(name, arg) if slash or arg.lower() in ("", "csv", "xlsx", "excel") else None
    if name == "role":     # 角色 张总 决策人 / 角色 盒马 张总 使用者
        if re.fullmatch(r"\S{1,20}(\s+\S{1,20}){1,2}", arg):
            return Command(name, arg)
        return Command(name, arg) if slash else None
    if name == "stage":
        if re.fullmatch(r"#?\d{1,9}\s+\S{1,12}", arg):
            return Command(name, arg.lstrip("#"))
        return Command(name, arg) if slash else None
    return None


CORRECTIONS = [
    ("quantity", re.compile(rf"^(?P<target>.{{0,20}}?)(?:数量|数目|台数|件数|箱数)?(?:改成|改为|改到|应该是|是|变成)\s*(?P<value>(?:{NUMBER})\s*[\u4e00-\u9fff]{{0,2}})$")),
    ("customer", re.compile(r"^客户(?:应该)?(?:改成|改为|是|叫|换成)\s*(?P<value>.{1,30})$")),
    ("date", re.compile(r"^(?:日期|时间|日子)(?:不对|错了|有误)?[\s，,。:：]*(?:应该)?(?:是|改成|改为|为)?\s*(?P<value>.{1,20})$")),
    ("postpone", re.compile(r"^(?:推迟|延期|延后|改期|顺延)(?:到|至)\s*(?P<value>.{1,20})$")),
    ("done", re.compile(r"^(?:完成|已完成|搞定|做完了|办完了|完成了|已办)$")),
    ("cancel", re.compile(r"^(?:取消|不用了|取消吧)$")),
    ("retract", re.compile(r"^(?:撤回|删掉|删除|作废)$")),
    ("confirm", re.compile(r"^(?:对|对的|确认|没问题|正确|好的|ok|OK)$")),
]


def correction(text: str) -> Correction | None:
    """The correction or answer form this message has, or None."""
    t = clean(text).strip(PUNCT)
    if not t or len(t) > 40:
        return None
    for kind, pattern in CORRECTIONS:
        m = pattern.match(t)
        if not m:
            continue
        groups = m.groupdict()
        value = (groups.get("value") or "").strip(PUNCT)
        target = (groups.get("target") or "").strip(PUNCT)
        if kind == "quantity":
            target = re.sub(r"(的)?(数量|数目|台数|件数|箱数)$", "", target)
            if target.startswith(("客户", "日期", "时间")):
                continue
        if kind in ("date", "postpone", "customer") and not value:
            continue
        return Correction(kind, value, target)
    return None


OPTION = re.compile(r"^\s*([0-9]{1,2})\s*[.。、]?\s*$")


def option_number(text: str) -> int | None:
    """The number a reply of just a number (1, ２, 3.) picks among numbered options; else None."""
    m = OPTION.match(clean(text))
    return int(m.group(1)) if m else None


def number_and_unit(value: str) -> tuple[float | None, str | None]:
    """'60台' -> (60, '台'); '两百箱' -> (200, '箱'); '1.5万' -> (15000, None)."""
    m = re.match(rf"^\s*({NUMBER})\s*([\u4e00-\u9fff]{{0,2}})\s*$", clean(value))
    if not m:
        return None, None
    raw, unit = m.group(1), m.group(2) or None
    if unit and unit.startswith("万"):
        raw, unit = raw + "万", unit[1:] or None
    try:
        import cn2an
        number = float(cn2an.cn2an(raw, "smart")) if not re.fullmatch(r"[0-9.]+", raw) else float(raw)
    except Exception:
        return None, None
    return number, unit


VAGUE_WORDS = ("近期", "最近", "过段时间", "过几天", "下次", "改天", "回头", "尽快", "抽空", "过阵子", "有空")


def vague_word(text: str) -> str | None:
    """The vague time word a note uses (近期, 过段时间…), for asking which day is meant."""
    t = clean(text)
    return next((w for w in VAGUE_WORDS if w in t), None)
