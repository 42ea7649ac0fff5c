"""Dates with their kind and status.

The day-level dates come from nlu/dates.py (NOTES_SCHEMA's table). The kind comes from the cue words
of the date's clause: the cue nearest after the date wins (the main verb follows the date in Chinese:
下周三签合同, 明天一起送), then the nearest before it (样品下个月初寄), then the previous clause
(要先跑一个学期试点，9月1号开始). Status: reported for what already happened (今天见了, 昨天送了货),
planned otherwise.
"""
from __future__ import annotations

import re
from functools import cache

from nlu.lexicon import common
from nlu.note import Note

from nlu.dates import find_days

KINDS = ("delivery", "followup", "meeting", "payment", "trial", "deadline", "other")
# 签约后一周内: counted from an event, not from the note's date.
_EVENT_RELATIVE = re.compile(r"(?:[一二两三四五六七八九十\d]+|半)个?(?:天|日|周|星期|礼拜|月)(?:后|内|以内|之内)")
_TRIAL_ORDER = re.compile(r"试用|试点|试样|先试|试试|送样|样品|POC|测试")


@cache
def _cue_list() -> list[tuple[str, str]]:
    """(cue, kind), longest first, so 跑了一趟 (meeting) beats 跑 (delivery) at the same place."""
    data = common()["dates"]
    pairs = [(cue, kind) for kind in KINDS for cue in data.get(kind, [])]
    return sorted(pairs, key=lambda p: -len(p[0]))


def _cues_in(s: str) -> list[tuple[int, int, str]]:
    """Non-overlapping (start, end, kind) cue matches, longest first."""
    found: list[tuple[int, int, str]] = []
    for cue, kind in _cue_list():
        for m in re.finditer(re.escape(cue), s):
            if all(m.end() <= a or m.start() >= b for a, b, _ in found):
                found.append((m.start(), m.end(), kind))
    return sorted(found)


def date_facts(note: Note, has_items: bool) -> list[dict]:
    text = note.text
    out = []
    for day in find_days(text, note.ref):
        start, end = day.start_index, day.end_index
        if _EVENT_RELATIVE.fullmatch(day.text) and re.search(r"[\u4e00-\u9fff]后$", text[max(0, start - 3):start]) \
                and not text[max(0, start - 2):start].endswith(("然后", "之后")):
            continue
        kind = _kind(note, start, end, has_items)
        out.append({"date": day.date.isoformat(), "kind": kind, "status": _status(note, day.date, start, end)})
    return _dedupe(out)


def _kind(note: Note, start: int, end: int, has_items: bool) -> str:
    text = note.text
    cs, ce = note.clause_at(start)
    after = [c for c in _cues_in(text[end:ce])]
    before = [c for c in _cues_in(text[cs:start])]
    kind = after[0][2] if after else before[-1][2] if before else None
    i = note.clause_index(start)
    if kind is None and i > 0:
        prev = _cues_in(text[note.clauses[i - 1][0]:note.clauses[i - 1][1]])
        kind = prev[-1][2] if prev else None
    if kind is None:
        kind = "delivery" if has_items else "other"
    if kind == "delivery" and i > 0 and _TRIAL_ORDER.search(text[note.clauses[i - 1][0]:cs]):
        kind = "trial"  # 姜总要先试用五百公斤，1月26号前到
    return kind


def _status(note: Note, day, start: int, end: int) -> str:
    ref_day = note.ref.date()
    if day < ref_day:
        return "reported"
    if day > ref_day:
        return "planned"
    _, ce = note.clause_at(start)
    return "reported" if re.search(r"了|已经|已|过(?!去)", note.text[end:ce]) else "planned"


def _dedupe(facts: list[dict]) -> list[dict]:
    seen, out = set(), []
    for f in facts:
        key = (f["date"], f["kind"])
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
