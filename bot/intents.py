"""What a text message is, from its words alone: joining, a command, a correction form, or a note.

Pure functions, no I/O. The rules (from the issue):
- A plain-Chinese message is a command only when the whole message is the command word, or the word
  and an argument of the expected shape (客户 张总, 完成 12): 今天拜访了张总… and 客户那边说… are notes.
- Correction and answer forms are a closed list (数量改成…, 客户是…, 日期不对…, 完成, 推迟到…, 取消,
  撤回, and 对/确认). Whether a matching message IS a correction depends on context (a reply to a card or
  nudge, or within 10 minutes of the last one); the conversation decides that.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

PUNCT = "。，,.!！?？~～…:：;；、 \t\n"


@dataclass(frozen=True)
class Command:
    name: str          # help today customer done stage pipeline stalled week forecast team export role start
    #                    health radar
    arg: str = ""


SLASH = {"help": "help", "start": "start", "today": "today", "customer": "customer", "done": "done",
         "stage": "stage", "pipeline": "pipeline", "stalled": "stalled", "week": "week",
         "forecast": "forecast", "team": "team", "export": "export", "role": "role",
         "health": "health", "radar": "radar", "rename": "rename", "name": "rename"}
WORDS = {"改名字": "rename", "改名": "rename", "帮助": "help", "今天": "today", "客户": "customer", "完成": "done", "阶段": "stage",
         "漏斗": "pipeline", "停滞": "stalled", "周报": "week", "加入": "start", "菜单": "help",
         "预测": "forecast", "团队": "team", "导出": "export", "角色": "role",
         "健康度": "health", "能力": "radar"}
NO_ARG = {"help", "today", "pipeline", "stalled", "week", "forecast", "team", "health"}

NAME_TITLE = re.compile(r"^[\u4e00-\u9fff]{1,3}(总|经理|工|姐|哥|主任|老板|处长|科长|局长|院长|厂长|主管|总监|老师|医生|师傅)$")
SHORT_NAME = re.compile(r"^[\u4e00-\u9fffA-Za-z0-9·()（）\-]{1,20}$")
NUMBER = r"[0-9０-９]+(?:\.[0-9]+)?|[零〇一二两三四五六七八九十百千万亿点]+"


def clean(text: str) -> str:
    """NFKC, and Traditional characters as Simplified (對，就這樣 reads as 对，就这样), as the parser reads notes."""
    from nlu.normalize import to_simplified
    text = unicodedata.normalize("NFKC", text or "").strip()
    return text if text.isascii() else to_simplified(text)


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
    if name == "rename":   # 改名 李雷 / 改名：李雷 / 我叫李雷 / /rename 李雷
        arg = re.sub(r"^(?:为|成|叫)\s*", "", arg).strip()
        if re.fullmatch(r"[\u4e00-\u9fffA-Za-z0-9·._\- ]{1,30}", arg) and (slash or separated or len(arg) <= 6):
            return Command(name, arg)
        return Command(name, "") if slash or not arg else None
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


# --- corrections: a slot and its new value, said the way people say them ---------------------------
# A message is a correction form when it is short and, past its cue words (不是X, 改成, 应该是, 不对…),
# what is left is only a new value of one kind: a quantity (100台), a date (下周四, 25号), a name
# (恒通机械, 李总), or an expected close (下月签). Whether it IS a correction depends on context (a reply
# to a card or nudge, or within 10 minutes of the last one); the conversation decides that.

# The words that say which date a correction moves: the parser's own cue words of each kind (the common
# pack: 进场 and 到货 are deliveries, 开会 a meeting), two characters or more (交, 到, 定 alone are in too many
# words), none that says a close (签约, 下单: the deal's expected close) or only points (那里), and the
# names people give the slot itself, which name no event the parser reads (交期, 货期, 会面).
_SLOT_NAMES = {"delivery": ("交期", "货期", "交货日期"), "meeting": ("会面", "碰面", "约见")}
_CLOSE_WORDS = r"签约|签合同|签单|签协议|签下来|签|成交|下单|拍板|定下来|落单"


def _kind_words() -> dict[str, str]:
    from nlu.date_facts import KINDS
    from nlu.lexicon import common
    cues = common()["dates"]
    words = {}
    for kind in (k for k in KINDS if k != "other"):        # other: no slot a rep names
        said = [w for w in cues.get(kind, []) if len(w) >= 2 and re.fullmatch(r"[\u4e00-\u9fff]+", w)
                and not re.search(_CLOSE_WORDS, w) and not re.fullmatch(r"那[里儿边]|这[里儿边]", w)]
        said += _SLOT_NAMES.get(kind, ())
        if said:
            words[kind] = "|".join(map(re.escape, sorted(set(said), key=len, reverse=True)))
    return words


DATE_KINDS = _kind_words()
_KIND_OF = [(kind, re.compile(words)) for kind, words in DATE_KINDS.items()]
_CUSTOMER_WORDS = re.compile(r"客户|公司|单位|厂家|厂子|买家|对方|联系人|对接人|名字|名称|人名|客户名|那家")
_COMPANY_WORDS = re.compile(r"公司|单位|厂家|厂子|企业|那家")
_QUANTITY_WORDS = re.compile(r"数量|数目|台数|件数|个数|箱数|订量|量|多少")
_DATE_WORDS = re.compile(r"日期|时间|日子|那天|哪天|哪一天|号数|天数")
# What people put before the new value: the old value (不是80台), the admission (说错了, 搞错了),
# and the verb (改成, 应该是). Greedy: the value is what follows the last cue.
_CUE = (r"(?:改成|改为|改到|改在|改至|改一下|挪到|调到|调成|换成|变成|更正为|更正成|应该是|应是|应为|"
        r"其实是|实际是|实际上是|准确说是|正确的是|要的是|订的是|应该|得是|是|为|成|到|叫|在)")
_OLD_NEW = re.compile(rf"^(?P<prefix>.*?)不是(?P<old>[^，,、 ]+?)(?:[，,、 ]+(?:而)?{_CUE}?|(?:而)?{_CUE})(?P<value>[^，,、 ]+)$")
_NEW_OLD = re.compile(r"^(?:是)?(?P<value>[^，,、 ]+?)[，,、 ]*(?:而)?不是(?P<old>[^，,、 ]+?)(?:啊|呀|哈|哦|呢)?$")
_WITH_CUE = re.compile(rf"^(?P<prefix>.*?){_CUE}[\s:：]*(?P<value>[^，,、]+)$")
_ADMISSION = re.compile(r"(?:我)?(?:刚才|刚刚|之前|上面|前面)?(?:说错了|写错了|搞错了|记错了|弄错了|打错了|输错了|听错了|错了|不对|有误|"
                        r"更正一下|更正|纠正一下|纠正|修改一下|修改|改一下|更改)(?:了|哈|啊|一下)?")
_BARE_VALUE = re.compile(r"^(?P<prefix>(?:.{0,12}?)(?:数量|数目|台数|件数|个数|订量|日期|时间|交期|客户|公司|"
                         r"交货|发货|送货|到货|会面|见面|拜访|开会|回访|付款|回款|试用))[\s:：]*(?P<value>[^，,、]+)$")
_CLOSE_SAID = re.compile(rf"^(?:预计|预期|估计|应该|大概|争取|计划|可能)?(?P<value>.{{1,12}}?)(?:就|能|会|可以|再|才|要)?(?:{_CLOSE_WORDS})(?:了|吧|下来|掉|下)?$")
_CLOSE_SLOT = re.compile(rf"(?:{_CLOSE_WORDS}|预计成交|成交日期|签约时间|签约日期)")
_FILLER_END = "吧啊呀哈哦呢的了嘛"


def _parser_units() -> tuple[frozenset[str], tuple[str, ...]]:
    """The measure words the parser reads counts with (its common pack and the industry packs: 台,
    棵, 平方米…): one-character ones, and longer ones; a character that makes a time (3点) is none."""
    from nlu.lexicon import all_units
    han = [u for u in all_units() if re.fullmatch(r"[\u4e00-\u9fff]+", u)]
    return frozenset(u for u in han if len(u) == 1 and not is_date("3" + u)), tuple(u for u in han if len(u) > 1)
# A person said with a title: 李总, 王经理, 张工. A one-character title takes a name of at most two
# characters (远大重工 is a company, not 重工).
PERSON_TITLE = re.compile(r"^(?:[\u4e00-\u9fffA-Za-z]{1,2}(?:总|工|姐|哥|董)|[\u4e00-\u9fffA-Za-z]{1,3}(?:经理|主任|老板|处长|科长|"
                          r"局长|院长|厂长|主管|总监|老师|医生|师傅|部长|书记|秘书|助理|会计|采购|老总|校长|主席|董事长|"
                          r"总经理|店长|先生|女士|小姐))$")


@dataclass(frozen=True)
class Correction:
    kind: str          # quantity customer date close replace done postpone cancel retract confirm
    value: str = ""    # the new value as said (number with unit, name, date expression)
    target: str = ""   # quantity: the product said with it; date: the kind said (delivery, meeting…)
    old: str = ""      # the old value said (不是80台 -> 80台), when said
    also: tuple = ()   # more corrections said in the same message (数量改成100，交货改到下周五)


FIXED = [
    ("postpone", re.compile(r"^(?:推迟|延期|延后|改期|顺延|往后推|推)(?:到|至)\s*(?P<value>.{1,20})$")),
    ("done", re.compile(r"^(?:完成|已完成|搞定|搞定了|做完了|办完了|完成了|已办|办好了|弄好了|已经完成|已经办了|已经搞定)$")),
    ("cancel", re.compile(r"^(?:取消|不用了|取消吧|不需要了|算了)$")),
    ("retract", re.compile(r"^(?:撤回|删掉|删除|作废|删了|不要了|撤销)$")),
    ("confirm", re.compile(r"^(?:对|对的|确认|没问题|正确|准确|是的|没错|对了)$")),
]
# An acknowledgement is made of words that agree, thank or say "keep it" (CORE), with words that only
# point at the card or soften (AROUND) — 好的, 对对对没问题, 信息都对，保存吧, 好嘞那个记下了就行, 完美 thx.
_ACK_CORE = (r"好|好的|好滴|好嘞|好哒|好吧|行|行的|可以|收到|知道|明白|了解|嗯+|嗯呢|嗯哼|嗯呐|嗯哪|哦|噢|ok|okay|okk|k|"
             r"gotit|noted|cool|great|perfect|nice|good|yes|yep|yeah|right|correct|没问题|没毛病|没事|妥|晓得|懂|谢谢|谢了|多谢|感谢|谢啦|"
             r"辛苦|thx|thanks|thankyou|thanksalot|ty|棒|赞|棒棒哒|不错|完美|漂亮|记下|记上|记好|记住|保存|存|存档|提交|收下|"
             r"按这个来|按这个|照这个来|照这个|马上处理|马上办|这就去办|对+|对的|是的|没错|无误|正确|准确|确认|就这样|这样|是这样|"
             r"就是这个|就这个|是这个|一致|没啥问题|没什么问题|没啥|就这么定了|就这么办|就这样定了|就这么着|"
             r"全|全面|详细|清楚|到位|准|精准|对头|confirmed|confirm|"
             r"(?:没|没有|不用|无需|不需要)(?:啥|什么)?(?:要|需要|可|好|可以)?(?:改|修改|改动|调整|更正)(?:的)?")
_ACK_AROUND = (r"我|已|已经|都|就|那|那就|那个|这个|也|全|全部|信息|卡片|内容|记录|数据|上面|以上|这条|其他|其它|其余|别的|"
               r"老板|领导|哥|姐|亲|您|你|了|啦|的|呢|哈|呀|啊|吧|哒|嘛|一下|下|就行|就好|即可|就可以|可以了|帮我|请|给我|先|"
               r"so|all|it|is|that|ok的|小助手|助手|机器人|bot|"
               r"很|挺|蛮|非常|特别|真|超|太|资料|记得|记的|写得|写的|记录得")   # 多谢小助手 (the bot); 记得挺全的, 很准确
_CONFIRM_ONLY = {"对", "对的", "确认", "正确", "准确", "是的", "没错", "对了"}
ACKS = re.compile(rf"^(?:{_ACK_AROUND}|{_ACK_CORE})*(?:{_ACK_CORE})(?:{_ACK_AROUND}|{_ACK_CORE})*$", re.I)


def _bare(text: str) -> str:
    return clean(text).strip(PUNCT + _FILLER_END + "。")


def no_words(text: str) -> bool:
    """A message with no letter and no digit (👍👍, 。。。, ？): nothing to store."""
    return not any(unicodedata.category(ch)[0] in "LN" for ch in clean(text))


def acknowledgement(text: str) -> bool:
    """好的, 收到, 嗯嗯, OK谢谢, 好的👍: a bare acknowledgement, nothing to store."""
    clauses = re.split(r"[^\w\s]+|(?<=[\u4e00-\u9fff])\s+|\s+(?=[\u4e00-\u9fff])", clean(text))
    said = [re.sub(r"\s+", "", "".join(ch for ch in c if unicodedata.category(ch)[0] in "LN" or ch == " ")).lower()
            for c in clauses]
    said = [c for c in said if c]
    if len(said) == 1 and said[0] in _CONFIRM_ONLY:
        return False            # 对 / 确认 alone is the confirm form (it asks which card with none before)
    return bool(said) and all(ACKS.match(c) for c in said)


_TRAILING_ADMISSION = re.compile(r"[，,。\s]*(?:我|刚才|刚刚)*(?:说错|写错|搞错|记错|弄错|才对|才是对的|才是)[了啊哈吧]*$")


def correction(text: str) -> Correction | None:
    """The correction or answer form this message has, or None."""
    t = _bare(text)
    admitted = _TRAILING_ADMISSION.sub("", t)
    if admitted and admitted != t:          # 是100台，我说错了 / 100台才对: the value alone counts then
        return _slot_and_value(admitted) or _judged("", admitted, "", t)
    if not t or len(t) > 40:
        return None
    for kind, pattern in FIXED:
        m = pattern.match(t)
        if m:
            value = (m.groupdict().get("value") or "").strip(PUNCT)
            if kind == "postpone" and _date_kind(value):   # 推迟到下周四 stays a postponement
                pass
            return Correction(kind, value)
    return _slot_and_value(t)


def _slot_and_value(t: str) -> Correction | None:
    prefix, value, old = "", "", ""
    m, n = _OLD_NEW.match(t), _NEW_OLD.match(t)
    if m:
        prefix, old, value = m.group("prefix"), m.group("old"), m.group("value")
    elif n:
        value, old = n.group("value"), n.group("old")
        cued = _WITH_CUE.match(value)
        prefix, value = (cued.group("prefix"), cued.group("value")) if cued else ("", value)
        if not prefix:
            prefix, value = _split_value(value)
    else:
        for cue in re.finditer(_CUE, t):     # left to right: 到货改在月底 is 到货 | 改在 | 月底
            value = t[cue.end():].lstrip(" :：")
            if _own_clause(t[:cue.start()]):
                break                        # a clause of its own before the cue: a note, not a correction
            if value and not re.search(r"[，,、]", value):
                found = _judged(t[:cue.start()], value, "", t)
                if found:
                    return found
        m = _BARE_VALUE.match(t)
        if m and _own_clause(m.group("prefix")):
            m = None                         # a clause of its own before the value: a note, not a correction
        m = m or _admitted(t)
        if not m:
            return _close(t, "")
        prefix, value = m.group("prefix"), m.group("value")
    return _judged(prefix, value, old, t)


_VALUE_OPENING = re.compile(r"^(?:叫做|叫|名称|名字|全称|是|要|订|只要|总共|一共|共)?[:：\s]*")
_OLD_QUANTITY = re.compile(rf"(?:刚才|之前|前面|上面)?(?:说的|写的|记的)?((?:{NUMBER})\s*[\u4e00-\u9fff]{{0,2}}?)(?:错了|不对)?$")


def _judged(prefix: str, value: str, old: str, whole: str) -> Correction | None:
    value = _VALUE_OPENING.sub("", value.strip(PUNCT + _FILLER_END))
    prefix = _POLITE.sub("", _ADMISSION.sub(" ", prefix).strip(PUNCT)).strip(PUNCT)
    old = old.strip(PUNCT)
    if not value:
        return None
    return _classify(prefix, value, old, whole)


_NOT_PRODUCT = re.compile(r"订购|采购|购买|需求|订单|单子|最后|最终|定的|他们|她们|客户|对方|要的|订的|总共|一共|其实|实际|上|一下")
_POLITE = re.compile(r"^(?:请|麻烦|帮我|帮忙|你|给我|再|就)*(?:把|将)?")


def _split_value(value: str) -> tuple[str, str]:
    """是下周四交货 (said before 不是…): the kind word after the value goes to the prefix."""
    kind = _date_kind(value)
    if kind:
        word = _KIND_OF[[k for k, _ in _KIND_OF].index(kind)][1].search(value).group()
        rest = value.replace(word, "", 1)
        if is_date(rest):
            return word, rest
    return "", value


def _own_clause(prefix: str) -> bool:
    """A clause before the value that says something besides an admission (郎酒的团购政策好，任总说… is a
    note; 搞错了，应该是… and 日期记错了，… stay corrections)."""
    clauses = re.split(r"[，,。；;！!？?]", prefix)
    if len(clauses) < 2:
        return False
    said = _ADMISSION.sub("", "".join(clauses[:-1])).strip(PUNCT + " ")
    return len(said) > 4


def _admitted(t: str):
    """说错了，100台 / 不对，下周四: an admission, then the value alone."""
    m = re.match(rf"^(?P<prefix>.{{0,12}}?)(?:{_ADMISSION.pattern})[\s，,。:：]*(?P<value>[^，,、]+)$", t)
    return m


def _classify(prefix: str, value: str, old: str, whole: str) -> Correction | None:
    slot_text = prefix + " " + old
    close = _close(value, prefix)
    if close or (_CLOSE_SLOT.search(prefix) and is_date(value)):
        return close or Correction("close", value)
    if _CUSTOMER_WORDS.search(prefix):
        company = "company" if _COMPANY_WORDS.search(prefix) else ""
        asked = value.endswith("一下")        # 客户记一下: a request with no name in it
        return Correction("customer", value, company, old) if customer_like(value) and not asked else None
    if is_date(value) and not quantity_like(value):
        kind = _date_kind(slot_text) or _date_kind(value)
        if prefix and not (kind or _DATE_WORDS.search(prefix) or _bare_prefix(prefix)):
            return None
        return Correction("date", value, kind or "", old)
    if quantity_like(value):
        said_old = _OLD_QUANTITY.search(prefix.strip())
        if said_old and quantity_like(said_old.group(1)) and not old:   # 刚才说的80台错了，是100台
            old, prefix = said_old.group(1), prefix[:said_old.start()]
        target = _NOT_PRODUCT.sub("", _QUANTITY_WORDS.sub("", prefix))
        target = re.sub(r"^(?:那个|这个|那|这)|的$|^的", "", target.strip(PUNCT + " ")).strip(PUNCT + " ")
        if old and not target and not quantity_like(old):
            target = old     # 不是A型号是100台: rare, keep the product
        if _DATE_WORDS.search(prefix) or _CUSTOMER_WORDS.search(prefix) or len(target) > 20:
            return None
        return Correction("quantity", value, target, old)
    if old and _name_like(value) and _name_like(old):
        return Correction("replace", value, old=old)        # 不是张总，是李总 / 不是A型，是B型
    person = value.rpartition("的")[2]
    if not prefix and not old and PERSON_TITLE.match(person) and customer_like(value):
        return Correction("customer", value)                 # 是李总 / 应该是恒通机械的王总
    return None


def customer_like(value: str) -> bool:
    """恒通机械, 李总, 华为的李总, 恒通机械王总: an organisation, a person with a title, or both."""
    from nlu.customer import is_org
    if not _name_like(value):
        return False
    company, _, person = value.rpartition("的")
    if company:
        return customer_like(company) and (not person or bool(PERSON_TITLE.match(person)))
    return bool(PERSON_TITLE.match(value)) or is_org(value) or is_org(value.removesuffix("有限公司") or value)


def _bare_prefix(prefix: str) -> bool:
    """Nothing meaningful before the value (改成下周四): the date's kind is not said."""
    return not prefix.strip(PUNCT + " 把那个这个的就")


def _close(value: str, prefix: str) -> Correction | None:
    m = _CLOSE_SAID.match(value)
    if m and is_date(m.group("value")):
        return Correction("close", m.group("value"))
    return None


def _date_kind(text: str) -> str:
    for kind, pattern in _KIND_OF:
        if pattern.search(text or ""):
            return kind
    return ""


def _name_like(value: str) -> bool:
    return 1 <= len(value) <= 30 and not quantity_like(value) and not is_date(value) \
        and not re.search(r"[，,。！？!?]", value)


def quantity_like(value: str) -> bool:
    """100, 100台, 两百箱, 1.5万, 60公斤: a number with at most a measure word."""
    m = re.match(rf"^({NUMBER})\s*(.{{0,3}})$", clean(value))
    if not m:
        return False
    unit = m.group(2)
    measure, words = _units()
    return not unit or unit in words or all(ch in measure or ch == "万" for ch in unit)


@functools.cache
def _units() -> tuple[frozenset[str], tuple[str, ...]]:
    return _parser_units()


def is_date(value: str) -> bool:
    """The value is a date expression and filler only (下周四, 25号, 12月25日下午)."""
    from datetime import datetime
    try:
        from nlu.dates import find_times
    except ImportError:
        return False
    cleaned = clean(value)
    found = find_times(cleaned, datetime(2026, 6, 15, 9))   # any day: only the shape matters
    if not found:
        return False
    for f in found:
        cleaned = cleaned.replace(f.to_json()["text"], "", 1)
    return all(ch in set("是就吧呢啊呀的那天之前前左右号哦嗯好内以") | set(PUNCT) for ch in cleaned)


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


# 电话回头补, 资料之后再补上: the rep will fill in the note later, no promise to a customer to date.
_FILL_IN_LATER = re.compile(r"(?:再)?(?:补上|补充|补一下|补全|补|填上|填|更新)(?:一下|吧|哈)?(?:$|[，,。；;！!\s])")


def vague_word(text: str) -> str | None:
    """The vague time word a note uses (近期, 过段时间…), for asking which day is meant."""
    t = clean(text)
    return next((w for w in VAGUE_WORDS if w in t and not _FILL_IN_LATER.match(t, t.index(w) + len(w))), None)
