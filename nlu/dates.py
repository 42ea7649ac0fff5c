"""Chinese time expressions -> values with a grain, Duckling-style.

`find_times(text, ref)` finds every time expression (明天, 下周三, 3月15日, 下午三点半, 国庆节后,
两周后, 从3月1日到3月5日 …) and resolves it against `ref` in ref's own UTC offset (Asia/Shanghai when
ref has none). `find_days(text, ref)` keeps the day-level dates a sales note mentions, by the
resolution table of NOTES_SCHEMA.md (which differs from Duckling in a few places: holidays are their
first official day, 周末 is Saturday, vague expressions and durations give nothing).

How it works: regexes find atoms (a date, a weekday, a part of day, a clock time, a holiday …),
each position tried only with the atoms that can start with its character; small rules then merge
neighbours (weekday + date, day + part of day + clock time, X + 之前, holiday + 前/后, A 到 B) the way
Duckling's rules compose tokens. Pure: no I/O, no network.

Readings where we part from Duckling's corpus, on purpose:
- 三天后 / 两周后 / 两个月后 are the day N units on (r+3, r+14, same day two months on), not Duckling's
  interval "the next N days"; N小时后 / N分钟后 are that instant. 两天前 keeps Duckling's interval
  (start r-2); its day is r-2. 三年后 is year grain.
- 下周三 is Wednesday of next week and 这周一 this week's Monday (NOTES_SCHEMA), bare 周X the next X
  strictly after r; 3月1日 before r is next year's unless the clause reports a past event (了, 已, 过).
- A clock time with a day but no part of day reads 1-6 o'clock as afternoon (明天三点 = 15:00); a bare
  一点 / 两点 / 有三点 needs a part of day or a day to count as a time (便宜一点, 两点要求).
- holiday前 / holiday后 resolve by the official calendar (国庆前 = 09-30, 国庆后 = the first working day
  after the holiday); a bare holiday in find_times is its festival day (春节 = 正月初一), in find_days its
  first official holiday day (春节 2026 = 02-15).
"""
from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from nlu import holidays

from nlu.time_atoms import (  # the atoms; TimeValue, DayMention, SHANGHAI, GRAINS are re-exported
    DayMention, GRAINS, SHANGHAI, TimeValue, _AFTER, _BEFORE, _CLAUSE_END, _Ctx, _HOLIDAY_FOLLOW,
    _HOLIDAY_SPAN, _HOLIDAY_VAGUE, _NIGHT_WORDS, _NTH, _PM_PODS, _POD_HOURS, _RANGE, _Tok,
    _VAGUE_AFTER, _atoms, _day_tok, _int, _prepare, _safe_date, _shift,
)


# --- merging neighbours -------------------------------------------------------------------

def _gap(ctx: _Ctx, a: _Tok, b: _Tok) -> str:
    """The text between two atoms, whitespace left out."""
    return "".join(ctx.norm[a.e:b.s].split())  # (str.split: the whitespace of \s)


def _merge_weekday_date(a: _Tok, b: _Tok, ctx: _Ctx) -> _Tok | None:
    """星期天, 二月十号 / 3月15日(周五): the year in which that date falls on that weekday."""
    wd_tok, md_tok = (a, b) if "weekday" in a.info else (b, a)
    if "weekday" not in wd_tok.info or not isinstance(md_tok.info.get("md"), tuple):
        return None
    if not wd_tok.info.get("bare"):
        return None
    month, day, explicit = md_tok.info["md"]
    weekday = wd_tok.info["weekday"]
    if explicit:
        found = md_tok.day if md_tok.day.weekday() == weekday else None
    else:
        # the date as resolved, or the same day a year earlier (Duckling keeps a past date then)
        candidates = (md_tok.day, _safe_date(md_tok.day.year - 1, month, day))
        found = next((d for d in candidates if d and d.weekday() == weekday), None)
    if found is None:
        return None
    e = max(a.e, b.e)
    if ctx.norm[e:e + 1] in (")", "）") and ctx.norm[a.e:b.s] in ("(", "（"):
        e += 1
    return _day_tok(a.s, e, ctx, found, md=(month, day, True))


def _merge_nth_weekday(a: _Tok, b: _Tok, ctx: _Ctx) -> _Tok | None:
    """十月第一个星期一, 下个月最后一个周五."""
    m = _NTH.fullmatch(_gap(ctx, a, b))
    if not m or a.kind != "month" or not b.info.get("bare"):
        return None
    first = a.info["month"]
    days = [first + timedelta(days=k) for k in range(calendar.monthrange(first.year, first.month)[1])]
    days = [d for d in days if d.weekday() == b.info["weekday"]]
    index = -1 if m.group("last") else _int(m.group("n")) - 1
    if index >= len(days):
        return None
    return _day_tok(a.s, b.e, ctx, days[index])


_SEPARATORS = ("", ",", "、", "(", "（")


def _pass_pairs(toks: list[_Tok], ctx: _Ctx) -> list[_Tok]:
    out: list[_Tok] = []
    i = 0
    while i < len(toks):
        a = toks[i]
        if i + 1 < len(toks):
            b = toks[i + 1]
            merged = None
            if a.kind == "date" and b.kind == "date" and _gap(ctx, a, b) in _SEPARATORS:
                merged = _merge_weekday_date(a, b, ctx)
            elif a.kind == "month" and b.kind == "date" and "weekday" in b.info:
                merged = _merge_nth_weekday(a, b, ctx)
            elif a.kind == "month" and b.kind == "date" and "dom" in b.info and _gap(ctx, a, b) in ("", "的"):
                first = a.info["month"]  # 下个月 10号, 3月 15日
                d = _safe_date(first.year, first.month, b.info["dom"])
                merged = _day_tok(a.s, b.e, ctx, d, dom=b.info["dom"]) if d else None
            elif a.kind == "value" and "year" in a.info and b.kind == "hol" and _gap(ctx, a, b) in ("", "的"):
                merged = _holiday_in_year(a, b, ctx)
            if merged is not None:
                out.append(merged)
                i += 2
                continue
        out.append(a)
        i += 1
    return out


def _holiday_in_year(a: _Tok, b: _Tok, ctx: _Ctx) -> _Tok | None:
    """2027年春节: that year's festival, not the next one."""
    name, year = b.info["name"], a.info["year"]
    festival = holidays.festival_day(name, year)
    if festival is None:
        return None
    period = holidays.official_period(name, year)
    first = period[0] if period and name in holidays.OFFICIAL else festival
    return _Tok("hol", a.s, b.e, ctx.midnight(festival), None, "day", first, {"name": name, "year": year})


_DAYISH = ("date", "hol")


def _pass_day_time(toks: list[_Tok], ctx: _Ctx) -> list[_Tok]:
    """Day + part of day + clock time (明天下午三点, 周一早上, 今晚8点, 下午三点半)."""
    out: list[_Tok] = []
    for tok in toks:
        prev = out[-1] if out else None
        gap = _gap(ctx, prev, tok) if prev else None
        if prev and gap in ("", "的"):
            if tok.kind == "pod" and prev.kind in _DAYISH and prev.grain == "day" and "date" not in tok.info:
                d = prev.start.date()
                out[-1] = _Tok("pod", prev.s, tok.e, None, None, "hour", prev.day,
                               {"pod": tok.info["pod"], "date": d})
                continue
            if tok.kind == "clock" and "date" not in tok.info and (
                    (prev.kind in _DAYISH and prev.grain == "day") or prev.kind == "pod"):
                info = dict(tok.info)
                if prev.kind == "pod":
                    info["pod"] = info.get("pod") or prev.info["pod"]
                    if "date" in prev.info:
                        info["date"] = prev.info["date"]
                else:
                    info["date"] = prev.start.date()
                info["weak"] = False
                out[-1] = _Tok("clock", prev.s, tok.e, None, None, tok.grain, prev.day, info)
                continue
        out.append(tok)
    return out


def _pass_suffixes(toks: list[_Tok], ctx: _Ctx) -> list[_Tok]:
    """X之前 = X; holiday前/后 by the official calendar; vague holiday phrases give no day."""
    norm = ctx.norm
    for tok in toks:
        if ctx.before(tok.s) == "每":  # 每周一, 每月底: recurring, not a date
            tok.day = None
        if tok.kind == "hol":
            _holiday_suffix(tok, ctx)
            continue
        if tok.day is None and tok.kind not in ("pod", "clock"):
            continue
        m = _BEFORE.match(norm, ctx.skip(tok.e))
        if m:
            tok.e = m.end()
    return toks


def _holiday_suffix(tok: _Tok, ctx: _Ctx) -> None:
    norm, name = ctx.norm, tok.info["name"]
    pos = ctx.skip(tok.e)
    span = _HOLIDAY_SPAN.match(norm, pos)
    if span:
        pos = ctx.skip(span.end())
    vague = _HOLIDAY_VAGUE.match(norm, pos)
    before, after = _BEFORE.match(norm, pos), _AFTER.match(norm, pos)
    year = tok.info.get("year")
    anchor = date(year, 1, 1) if year else ctx.today
    if vague:
        tok.e, tok.day = vague.end(), None
    elif before:
        d = holidays.day_before(name, anchor - timedelta(days=1) if year else anchor)
        tok.e, tok.day = before.end(), d
        if d:
            tok.start = ctx.midnight(d)
    elif after:
        tok.e = after.end()
        d = holidays.workday_after(name, anchor)
        if _VAGUE_AFTER.match(norm, ctx.skip(tok.e)):  # 国庆后第一周, 春节后头几天
            tok.day = None
        else:
            tok.day = d
        if d:
            tok.start = ctx.midnight(d)
    elif span:  # 国庆假期, 春节长假: the official period itself
        period = holidays.official_period(name, tok.start.year)
        tok.e, tok.day = span.end(), None
        if period:
            tok.start, tok.end = ctx.midnight(period[0]), ctx.midnight(period[1] + timedelta(days=1))
    else:
        following = norm[tok.e:tok.e + 1]  # a space after it: the holiday is a word of its own
        if following and following not in _HOLIDAY_FOLLOW and not _CLAUSE_END.match(following) \
                and ("\u4e00" <= following <= "\u9fff"):
            tok.day = None  # 春节团购, 中秋礼盒: the holiday qualifies a noun


def _pass_ranges(toks: list[_Tok], ctx: _Ctx) -> list[_Tok]:
    """A 到 B, A 至 B, A-B (从 before A is part of it): one interval."""
    out: list[_Tok] = []
    i = 0
    while i < len(toks):
        a = toks[i]
        if i + 1 < len(toks) and _RANGE.fullmatch(_gap(ctx, a, toks[i + 1])):
            merged = _range(a, toks[i + 1], ctx)
            if merged is not None:
                out.append(merged)
                i += 2
                continue
        out.append(a)
        i += 1
    return out


def _range(a: _Tok, b: _Tok, ctx: _Ctx) -> _Tok | None:
    if a.kind == b.kind == "clock":  # 两点到四点: a range of clock times is a time, not "two points"
        a = _Tok(a.kind, a.s, a.e, a.start, a.end, a.grain, a.day, {**a.info, "weak": False})
    _range_years(a, b, ctx)
    a_val, b_val = _resolve(a, ctx), _resolve(b, ctx, after=a)
    if a_val is None or b_val is None:
        return None
    start, _, grain = a_val
    b_start, b_end, b_grain = b_val
    end = b_end or _shift(b_start, b_grain, 1, ctx)
    if end <= start:
        return None
    s = a.s - 1 if ctx.norm[a.s - 1:a.s] in ("从", "自") else a.s  # 从 is part of the range
    parts = [p for p in (_parts(a) + _parts(b)) if p[2] is not None]
    return _Tok("value", s, b.e, start, end, grain, None, {"parts": parts})


def _range_years(a: _Tok, b: _Tok, ctx: _Ctx) -> None:
    """3月1日到3月5日 said on 3月2日: both ends in the year that keeps the range going on or after ref."""
    ma, mb = a.info.get("md"), b.info.get("md")
    if not (isinstance(ma, tuple) and isinstance(mb, tuple)) or ma[2] or mb[2]:
        return
    for year in (ctx.today.year - 1, ctx.today.year, ctx.today.year + 1):
        first = _safe_date(year, ma[0], ma[1])
        last = next((d for d in (_safe_date(year, mb[0], mb[1]), _safe_date(year + 1, mb[0], mb[1]))
                     if d and first and d >= first), None)
        if first and last and last >= ctx.today:
            a.day, a.start = first, ctx.midnight(first)
            b.day, b.start = last, ctx.midnight(last)
            return


def _parts(tok: _Tok) -> list:
    return tok.info.get("parts") or [(tok.s, tok.e, tok.day)]


# --- final resolution ---------------------------------------------------------------------

def _clock_hour(hour: int, pod: str | None, ap: str | None) -> int:
    if ap:
        if ap.startswith("p") and hour < 12:
            return hour + 12
        if ap.startswith("a") and hour == 12:
            return 0
        return hour
    if pod in _PM_PODS:
        if pod in ("夜里", "夜间") and hour <= 4:
            return hour
        return hour + 12 if hour < 12 else (24 if hour == 12 and pod != "下午" else hour)
    if pod == "中午":
        return hour + 12 if hour <= 3 else hour
    if pod in ("凌晨", "半夜", "午夜") and hour == 12:
        return 0
    return hour


def _resolve_clock(tok: _Tok, ctx: _Ctx, after: _Tok | None = None):
    info = tok.info
    hour, minute = info["h"], info["m"]
    day = info.get("date")
    pod = info.get("pod")
    if after is not None and after.kind == "clock" and not pod:
        pod = after.info.get("pod")  # 下午三点到五点
        day = day or after.info.get("date")
    if pod in _NIGHT_WORDS:
        pod = _NIGHT_WORDS[pod][1]
    ap = info.get("ap")
    if pod or ap:
        hour = _clock_hour(hour, pod, ap)
        if day:
            return ctx.at(day, hour, minute)
        t = ctx.at(ctx.today, hour, minute)
        return t if t >= ctx.ref.replace(second=0, microsecond=0) else t + timedelta(days=1)
    if day:
        if 1 <= hour <= 6:  # 明天三点: business hours, 15:00
            hour += 12
        return ctx.at(day, hour, minute)
    # no day, no part of day: the next such time after ref (12-hour readings both count)
    now = ctx.ref.replace(second=0, microsecond=0)
    hours = [hour] if hour == 0 or hour > 12 else [hour % 12, hour % 12 + 12]
    for offset in range(3):
        for h in hours:
            t = ctx.at(ctx.today + timedelta(days=offset), h, minute)
            if t >= now:
                return t
    return ctx.at(ctx.today, hour, minute)


def _resolve_pod(tok: _Tok, ctx: _Ctx):
    pod = tok.info["pod"]
    h0, h1 = _POD_HOURS.get(pod, _POD_HOURS.get(_NIGHT_WORDS.get(pod, (0, "晚上"))[1]))
    day = tok.info.get("date")
    if day is None:
        day = ctx.today if ctx.at(ctx.today, h1) > ctx.ref else ctx.today + timedelta(days=1)
    return ctx.at(day, h0), ctx.at(day, h1), "hour"


def _resolve(tok: _Tok, ctx: _Ctx, after: _Tok | None = None):
    """(start, end, grain) of a token, or None when it cannot stand alone."""
    if tok.kind == "clock":
        if tok.info.get("weak") and after is None:
            return None
        return _resolve_clock(tok, ctx, after), None, tok.grain
    if tok.kind == "pod":
        return _resolve_pod(tok, ctx)
    if after is not None and tok.kind == "date" and "dom" in tok.info and after.start is not None:
        # 3月1日到5日: the second day is in the first one's month
        first = after.start.date()
        d = _safe_date(first.year, first.month, tok.info["dom"])
        if d and d >= first:
            tok.day = d
            return ctx.midnight(d), None, "day"
    if after is not None and tok.kind == "date" and tok.info.get("bare") and after.start is not None:
        first = after.start.date()  # 周一到周五: the Friday after that Monday
        d = first + timedelta(days=(tok.info["weekday"] - first.weekday()) % 7)
        tok.day = d
        return ctx.midnight(d), None, "day"
    if tok.start is None:
        return None
    return tok.start, tok.end, tok.grain


def _with_breaks(text: str, breaks) -> tuple[str, list[int] | None]:
    """The text with a space put back at each word boundary the caller removed, and each character's
    offset in the caller's text (None when there is nothing to put back)."""
    cut = sorted(b for b in set(breaks or ()) if isinstance(b, int) and 0 < b < len(text))
    if not cut:
        return text, None
    parts, offsets, last = [], [], 0
    for b in cut + [len(text)]:
        parts.append(text[last:b])
        offsets.extend(range(last, b))
        if b < len(text):
            parts.append(" ")
            offsets.append(b)
        last = b
    return "".join(parts), offsets


def _tokens(text: str, ref: datetime) -> tuple[list[_Tok], _Ctx]:
    ctx = _Ctx(_prepare(text), ref)
    toks = _atoms(ctx)
    if not toks:
        return [], ctx
    for merge in (_pass_pairs, _pass_day_time, _pass_suffixes, _pass_ranges):
        try:
            toks = merge(toks, ctx)
        except (ValueError, OverflowError):  # a reference at the edge of the calendar (year 1 or 9999)
            pass
    return toks, ctx


def _back(offsets: list[int] | None, s: int, e: int) -> tuple[int, int]:
    """A span of the working text as offsets in the caller's text."""
    if offsets is None:
        return s, e
    return offsets[s], offsets[e - 1] + 1


def _shared_tokens(work: str, ref: datetime, memo: dict | None) -> tuple[list[_Tok], _Ctx]:
    """_tokens, kept in `memo` (one note's dict) when given: the steps of one note that read the same
    text share its scan. Nothing after _tokens changes the tokens."""
    if memo is None:
        return _tokens(work, ref)
    key = (work, ref)
    found = memo.get(key)
    if found is None:
        found = memo[key] = _tokens(work, ref)
    return found


def find_times(text: str, ref: datetime, breaks: Iterable[int] = (), memo: dict | None = None) -> list[TimeValue]:
    """Every time expression in `text`, Duckling-style, in text order, non-overlapping.

    `breaks`: offsets in `text` where a word boundary was (a spoken pause whose space was removed):
    no expression is read across one (九毛五|月底 is 月底, not 五月底). `memo`: a dict kept for one note,
    so find_times and find_days share the scan of the same text."""
    if not isinstance(text, str) or not text:
        return []
    work, offsets = _with_breaks(text, breaks)
    toks, ctx = _shared_tokens(work, ref, memo)
    values = []
    for tok in toks:
        try:
            resolved = _resolve(tok, ctx)
        except (ValueError, OverflowError):
            resolved = None
        if resolved is None:
            continue
        start, end, grain = resolved
        s, e = _back(offsets, tok.s, tok.e)
        values.append(TimeValue(text[s:e], s, e, start, end, grain))
    return values


def find_days(text: str, ref: datetime, breaks: Iterable[int] = (), memo: dict | None = None) -> list[DayMention]:
    """The day-level dates a sales note mentions, resolved by NOTES_SCHEMA.md's table.

    `breaks` as for find_times."""
    if not isinstance(text, str) or not text:
        return []
    work, offsets = _with_breaks(text, breaks)
    toks, ctx = _shared_tokens(work, ref, memo)
    days = []
    for tok in toks:
        if tok.kind == "clock" and "date" not in tok.info:
            continue
        if tok.kind == "pod" and "date" not in tok.info:
            continue
        for ps, pe, d in _parts(tok):
            if d is None:
                continue
            s, e = _back(offsets, ps, pe)
            days.append(DayMention(text[s:e], s, e, d))
    return days


def reports_past(text: str, start_index: int, end_index: int) -> bool:
    """Does the clause around text[start:end] report a past event (了, 已, 已经, 过, 上次)?

    The parser uses it to mark a date `reported` rather than `planned`."""
    if not isinstance(text, str):
        return False
    ctx = _Ctx(_prepare(text), datetime(2000, 1, 1, tzinfo=SHANGHAI))
    return ctx.past_clause(start_index, end_index)
