"""A member's question to the bot (德润化工那单什么时候能签？ 现在漏斗里一共多少钱？ 小周这周跑了几家客户) is
no note: it carries no new fact, so nothing is stored and the answer points to the command that shows it.

A question is a short message that ends with ？/? or asks 什么时候/多少/几/吗/呢, and says nothing of a
visit, a call or what a customer said (客户问什么时候到货 is a note: someone asked it of the rep) and no
figure (a quantity, an amount, a date in digits would be a fact to keep).
"""
from __future__ import annotations

import re

MAX_LENGTH = 40
ASKS = re.compile(r"[？?]\s*$|什么时候|多少|几[家个条单台次位笔天]|有哪些|哪些|吗[？?。\s]*$|呢[？?。\s]*$")
# what a note says of the rep's work with a customer: then it is a note even in a question's form
REPORTED = re.compile(r"说|问|讲|表示|提到|反馈|答应|觉得|认为|拜访|拜訪|去了|见了|見了|聊|谈|談|电话|電話|来电|來電"
                      r"|改|不是|应该|错|换成|微信|约了|陪|看了|签了|订了|要了|报价|报了|发了|送了|到货|客户那|他们|他們|对方|老板|总[，,\s]|经理[，,\s]")
FIGURE = re.compile(r"\d|[一二三四五六七八九十两百千万]+\s*(台|套|个|件|箱|吨|米|元|块|万|号|日|月)")

# (what the question is about, the command that shows it); the first that matches answers
POINTERS = [
    (re.compile(r"待办|要做|任务|跟进什么|该做"), "“今天”（你的待办）"),
    (re.compile(r"漏斗|一共多少钱|总金额|商机"), "“漏斗”（各阶段的商机和金额）"),
    (re.compile(r"签|成交|下单|预测|能做多少|能成多少|业绩"), "“预测”（按月的预计成交）"),
    (re.compile(r"停滞|没动|没进展|卡住"), "“停滞”（多久没有进展的商机）"),
    (re.compile(r"跑了|拜访了几|见了几|谁|团队|大家|这周|本周|上周"), "“团队”（每人的笔记和商机）或“周报”"),
]


def is_question(text: str) -> bool:
    """A question to the bot, with no fact in it to keep."""
    text = (text or "").strip()
    if not text or len(text) > MAX_LENGTH or not ASKS.search(text):
        return False
    return not REPORTED.search(text) and not FIGURE.search(text)


def answer(text: str, customers: list[str] = ()) -> str | None:
    """The reply to a question (None when the message is no question): which command shows it."""
    if not is_question(text):
        return None
    named = sorted((c for c in customers if c and len(c) >= 2 and c in text), key=len, reverse=True)
    where = [f"“客户 {named[0]}”（它的商机、预计成交和待办）"] if named else []
    where += [pointer for pattern, pointer in POINTERS if pattern.search(text)][:1]
    if not where:
        where = ["“帮助”（查看可以问的命令）"]
    return "这是个问题，我没有把它记成笔记。想看的话请发送：" + "，或".join(where) + "。"
