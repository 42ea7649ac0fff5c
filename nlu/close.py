"""expected_close: when the note says the deal will be signed or ordered.

A close is a clause whose verb signs, orders or decides (签合同, 签约, 下单, 定下来, 成交, 拍板, PO …)
with a time expression before it in the same clause (下个月中旬签, 月底前要定下来, 下周二让我带合同过去签).
The time is the resolver's (nlu/dates.py), as a range: `{"start", "end" (exclusive), "grain"}` with
grain day, week, month, quarter or year. Payments and deliveries are not closes (签收 is a delivery, 签完
一周内上线 dates the go-live), nor is a close already done (昨天签了) or denied (签不了, 还没定).
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from nlu.dates import find_times
from nlu.time_atoms import TimeValue

# A verb that closes the deal. 签 alone only when it is no other word (签收, 签到, 签字笔, 签章).
_CLOSE = re.compile(
    r"签(?:合同|约|单|协议|框架|年度|下来|字|了)?(?![收到证名章字笔])|下(?:[\u4e00-\u9fff]{0,2}?[订定])?单|落单|(?:下|出|发|给|拿到|收到)\s*PO|PO"
    r"|定下来|敲定|拍板|成交|定供应商|定标|确定合作|落地|走(?:完)?(?:合同|采购)(?:流程)?|合同(?:流程)?(?:能|就|可以|才能|会|要)?(?:走完|走下来)"
    r"|拿到[\u4e00-\u9fff]{0,2}?(?:订单|合同|单子)|成单"
)
_NEGATED = re.compile(r"(?:不|没|没有|还没|无法|不能|不会|别)(?:[能会要]|急着)?$")
_UNABLE_AFTER = re.compile(r"不了|不下来|不成")
_DONE_AFTER = re.compile(r"了|完|过")
# The time must reach the verb without crossing another event of its own (月底前到货下周签: 下周).
_MAX_GAP = 16
_GRAINS = ((1, "day"), (7, "week"), (31, "month"), (92, "quarter"))


# PO这周内下, 合同下周三签: the order or contract first, its time, then a bare verb.
_TOPIC = re.compile(r"(?:合同|协议|PO|订单|单子|这单|这个单)(?:的话|呢|嘛|要|就)?(?:[，,]?[\u4e00-\u9fff]{1,6}?说)?"
                    r"(?:估计|预计|大概|应该|可能|最快|争取)*(?:要|得)?(?:等到|到)?(?:过了年|过完年|年后)?$")    # 合同的话他们领导说要等到…
_TOPIC_WORD = re.compile(r"合同|协议|PO|订单|单子|这单|这个单")
_BARE_VERB = re.compile(r"(?:内|前|之前|以内|左右|以后|之后)?(?:要|就|能|会|可以|才|再|肯定)*"
                        r"(?:盖章|批下来|发过来|发出来|发给我们|走完|走下来|签|下|定)(?!班|雨|午|面|个月|周)")   # 合同下个月初能盖章, PO…发过来
# 签约的话估计要等到年后了: the close first, then how long it waits.
_WAITS = re.compile(r"(?:的话|呢)?[，,]?(?:估计|预计|大概|可能|应该|最快|最晚)*(?:要|得|会)?(?:等到|拖到|要到|到)"
                    r"|(?:的话|呢)[，,\s]?(?:[\u4e00-\u9fff]{1,3}?说)?(?:估计|预计|大概|可能|应该|差不多)*(?:是|在)?")
# 合同流程走下来估计得明年二季度: the contract's process, then a hedge and its time (only for the process:
# 拍板，估计得下下周 may date something else).
_PROCESS_WAITS = re.compile(r"(?:的话|呢)?[，,]?(?:估计|预计|大概|可能|应该)+(?:要|得|在)")


def expected_close(text: str, clauses: list[tuple[int, int]], ref: datetime, breaks=(), memo: dict | None = None) -> dict | None:
    """The first close the note dates (in text order), or None. `memo`: the note's dates memo (dates.find_times)."""
    if not _CLOSE.search(text) and not _TOPIC_WORD.search(text):
        return None
    times = close_times(text, ref, breaks, memo)
    found = [t if not _expired(t, ref, False) else _next_year(t, ref) for t in times
             if _topic_close(text, clauses, t) or _slot_first(text, clauses, t)]
    found = [t for t in found if not _expired(t, ref, False)]      # 订单…三四月份才能下来 said in December: next year's
    for m in _CLOSE.finditer(text):
        lo, _ = _clause(clauses, m.start(), len(text))
        if _NEGATED.search(text, lo, m.start()) or _UNABLE_AFTER.match(text, m.end()):
            continue
        before = [t for t in times if lo <= t.start_index and t.end_index <= m.start()
                  and m.start() - t.end_index <= _MAX_GAP]
        waits = _WAITS.match(text, m.end()) or ("合同" in m.group() and _PROCESS_WAITS.match(text, m.end()))
        if not before and waits:
            before = [t for t in times if t.start_index == waits.end()]
        done = (m.group().endswith("了") or bool(_DONE_AFTER.match(text, m.end()))) and not _AIMED.search(text, lo, m.start())
        if before and _expired(before[-1], ref, done) and not done and not re.match(r"的(?!话)", text[m.end():]):
            before[-1] = _next_year(before[-1], ref)   # Q1 / 二季度 / 3月 said in December: the coming one
        if before and not _expired(before[-1], ref, done):  # 昨天签了: a close that happened
            found.append(before[-1])
    if not found:
        return None
    first = min(found, key=lambda t: t.start_index)
    return _range(first, max(first.start.date(), ref.date().replace(day=1)))


# 争取12月25号之前把合同签了, 月底前要把合同签了: a close aimed at, not one done.
_AIMED = re.compile(r"前|之前|以前|争取|要|得|能|会|把")
# 成交预计 下周三, 签单预计在明年上半年, 成交时间的话估计春节前后: the close named, then its time.
_SLOT_BEFORE = re.compile(r"(?:成交|成单|签约|签单|签合同|下单|落单|签|PO|落地)(?:时间|日期)?(?:的话)?[，,\s]*(?:预计|估计|大概|应该是|应该|可能|差不多|定在|是|在|要|就)*\s*$")
_AFTER_SLOT = re.compile(r"\s*(?:左右|前后|上下|的样子|之前|以前|前|末|底|吧|了|的|呢|啊)*\s*(?:$|[，,。；;！!？?])")
_YEAR_WORD = re.compile(r"年|昨|前天|上个|上周|上月|这|本|今|去")


def close_times(text: str, ref: datetime, breaks=(), memo: dict | None = None) -> list:
    """The resolver's times, with what a close says and the resolver reads in pieces joined: 明年Q2 (a year,
    then a quarter or month of it), 1月中下旬 (the later two thirds of that month), 年前 / 过完年 (the
    Spring Festival's 春节前 / 春节以后)."""
    times = sorted(find_times(text, ref, breaks, memo), key=lambda t: t.start_index)
    for m in re.finditer(r"上中旬|中下旬", text):         # 下个月中下旬: the resolver reads only 下旬
        month = [t for t in find_times(text[:m.start()], ref) if t.end_index == m.start() and t.grain == "month"]
        if month:
            times = [t for t in times if not (month[0].start_index <= t.start_index < m.end())]
            times = sorted([*times, _thirds(month[0], m.group(), text[month[0].start_index:m.end()])], key=lambda t: t.start_index)
    joined: list = []
    for t in times:
        last = joined[-1] if joined else None
        if last is not None and last.grain == "year" and last.end is None and t.grain in ("quarter", "month") \
                and not text[last.end_index:t.start_index].strip(" 的") and not _YEAR_WORD.search(t.text):
            joined[-1] = _in_year(t, last.start.year, last.text + text[last.end_index:t.start_index])
            continue
        if last is not None and last.grain == "month" and t.text.endswith("旬") \
                and re.fullmatch(r"[上中下]?", text[last.end_index:t.start_index]):
            joined[-1] = _thirds(last, text[last.end_index:t.end_index], text[last.start_index:t.end_index])
            continue
        joined.append(t)
    for m in re.finditer(r"年前|节前|过完年|过了年|年后|节后", text):
        if not any(t.start_index <= m.start() < t.end_index for t in joined):
            said = find_times("春节前" if m.group().endswith("前") else "春节以后", ref)
            if said:
                joined.append(TimeValue(m.group(), m.start(), m.end(), said[0].start, said[0].end, said[0].grain))
    return sorted(joined, key=lambda t: t.start_index)


def _in_year(t, year: int, said: str):
    end = t.end.replace(year=t.end.year + year - t.start.year) if t.end is not None else None
    return TimeValue(said + t.text, t.start_index - len(said), t.end_index, t.start.replace(year=year), end, t.grain)


def _thirds(month, which: str, said: str):
    """1月中下旬: days 11 to the month's end; 1月上旬 1-11, 中旬 11-21, 下旬 21 to the end."""
    first = {"上": 1, "中": 11, "下": 21}[which[0]]
    last = {"上": month.start.replace(day=11), "中": month.start.replace(day=21)}.get(which[-2], month.end)
    return TimeValue(said, month.start_index, month.start_index + len(said), month.start.replace(day=first), last, "day")


def _next_year(t, ref: datetime):
    """A time said with no year that has passed (Q1, 二季度, 3月 in December) is the coming one."""
    if _YEAR_WORD.search(t.text.replace("季度", "").replace("半年", "")) and not re.match(r"^[上下]半年", t.text):
        return t
    end = t.end.replace(year=t.end.year + 1) if t.end is not None else None
    return TimeValue(t.text, t.start_index, t.end_index, t.start.replace(year=t.start.year + 1), end, t.grain)


def _slot_first(text: str, clauses, t) -> bool:
    lo, hi = _clause(clauses, t.start_index, len(text))
    return bool(_SLOT_BEFORE.search(text[lo:t.start_index]) and _AFTER_SLOT.match(text, t.end_index))


def _clause(clauses, index: int, size: int) -> tuple[int, int]:
    return next(((a, b) for a, b in clauses if a <= index < b), (0, size))


def _topic_close(text: str, clauses, t) -> bool:
    lo, _ = _clause(clauses, t.start_index, len(text))
    return bool(_TOPIC.search(text, lo, t.start_index) and _BARE_VERB.match(text, t.end_index))


def _expired(t, ref: datetime, done: bool) -> bool:
    """Has the time passed (a whole interval before today; today itself when the close is done)?"""
    today = ref.date()
    last = t.end.date() - timedelta(days=1) if t.end is not None and t.end.time() == datetime.min.time() \
        else (t.end or t.start).date()
    return last < today or done and last <= today


def _range(t, start: date) -> dict:
    """The time as the contract's range: a point in time is its day; an interval keeps its span and
    takes the grain its length says (下个月中旬: ten days of one month -> month)."""
    if t.end is None or t.grain in ("second", "minute", "hour") and t.end.date() <= start + timedelta(days=1):
        end = start + timedelta(days=1)
    else:
        end = t.end.date() if t.end.time() == datetime.min.time() else t.end.date() + timedelta(days=1)
    days = (end - start).days
    grain = next((g for limit, g in _GRAINS if days <= limit), "year")
    return {"start": start.isoformat(), "end": end.isoformat(), "grain": grain}
