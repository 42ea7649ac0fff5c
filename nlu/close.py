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

# A verb that closes the deal. 签 alone only when it is no other word (签收, 签到, 签字笔, 签章).
_CLOSE = re.compile(
    r"签(?:合同|约|单|协议|框架|年度|下来|字|了)?(?![收到证名章字笔])|下(?:订)?单|落单|(?:下|出|发|给)\s*PO|PO"
    r"|定下来|敲定|拍板|成交|定供应商|定标|确定合作"
)
_NEGATED = re.compile(r"(?:不|没|没有|还没|无法|不能|不会|别)(?:[能会要]|急着)?$")
_UNABLE_AFTER = re.compile(r"不了|不下来|不成")
_DONE_AFTER = re.compile(r"了|完|过")
# The time must reach the verb without crossing another event of its own (月底前到货下周签: 下周).
_MAX_GAP = 16
_GRAINS = ((1, "day"), (7, "week"), (31, "month"), (92, "quarter"))


# PO这周内下, 合同下周三签: the order or contract first, its time, then a bare verb.
_TOPIC = re.compile(r"(?:合同|协议|PO|订单|单子)(?:的话|呢|嘛|要|就)?$")
_TOPIC_WORD = re.compile(r"合同|协议|PO|订单|单子")
_BARE_VERB = re.compile(r"(?:内|前|之前|以内|左右)?(?:要|就|能|会|可以|才|再|肯定)?(?:签|下|定)(?!班|雨|午|面|个月|周)")


def expected_close(text: str, clauses: list[tuple[int, int]], ref: datetime, breaks=(), memo: dict | None = None) -> dict | None:
    """The first close the note dates (in text order), or None. `memo`: the note's dates memo (dates.find_times)."""
    if not _CLOSE.search(text) and not _TOPIC_WORD.search(text):
        return None
    times = find_times(text, ref, breaks, memo)
    found = [t for t in times if _topic_close(text, clauses, t) and not _expired(t, ref, False)]
    for m in _CLOSE.finditer(text):
        lo, _ = _clause(clauses, m.start(), len(text))
        if _NEGATED.search(text, lo, m.start()) or _UNABLE_AFTER.match(text, m.end()):
            continue
        before = [t for t in times if lo <= t.start_index and t.end_index <= m.start()
                  and m.start() - t.end_index <= _MAX_GAP]
        done = m.group().endswith("了") or bool(_DONE_AFTER.match(text, m.end()))
        if before and not _expired(before[-1], ref, done):  # 昨天签了: a close that happened
            found.append(before[-1])
    if not found:
        return None
    first = min(found, key=lambda t: t.start_index)
    return _range(first, first.start.date())


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
