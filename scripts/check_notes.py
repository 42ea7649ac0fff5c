#!/usr/bin/env python3
"""Checks annotated sales notes (NOTES_SCHEMA.md) for mistakes a script can see.

usage: check_notes.py FILE.jsonl [FILE.jsonl ...]

It knows nothing of any parser. It checks: the line format and the six keys; that customer, product
and competitor strings are substrings of the text; ISO days and allowed kinds; numbers are numbers;
for each date that carries its expression as "text", the day computed with `datetime` for the plain
expressions (今天/明天/后天/大后天/昨天, 这周X/本周X/下周X/下下周X/bare 周X, N号, M月D日/号, M.D, M/D,
N天后/内, N周后, 月底, X月底, 年底, English weekdays and month names) — a disagreement is printed so the
writer can look again. Exit 1 when anything is wrong.
"""
from __future__ import annotations

import calendar
import json
import re
import sys
import unicodedata
from datetime import date, datetime, timedelta

KINDS = {"delivery", "followup", "meeting", "payment", "trial", "deadline", "other"}
MONEY = {"budget", "quote", "deal", "competitor_price", "other"}
OBJECTIONS = {"price", "budget", "delivery_time", "quality", "decision_delay", "competitor",
              "payment_terms", "service", "spec"}
STYLES = {"long", "dictated", "typed", "traditional", "bilingual", "self_repair", "multi_visit",
          "shorthand", "emoji", "short"}
WEEKDAY = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}
EN_WEEKDAY = {d: i for i, d in enumerate(["monday", "tuesday", "wednesday", "thursday", "friday",
                                          "saturday", "sunday"])}
EN_MONTH = {m: i + 1 for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug",
                                            "sep", "oct", "nov", "dec"])}
CN_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
            "八": 8, "九": 9, "十": 10}


def cn_int(s: str) -> int | None:
    """A small Chinese or Arabic integer (1-99)."""
    s = unicodedata.normalize("NFKC", s)
    if s.isdigit():
        return int(s)
    if not s or any(c not in CN_DIGIT for c in s):
        return None
    if "十" in s:
        tens, _, ones = s.partition("十")
        return (CN_DIGIT[tens] if tens else 1) * 10 + (CN_DIGIT[ones] if ones else 0)
    return CN_DIGIT[s] if len(s) == 1 else None


def month_end(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


def expected_day(expr: str, ref: date, past: bool) -> date | None:
    """The day a plain expression names, or None when this checker does not know it."""
    e = unicodedata.normalize("NFKC", expr).strip().lower()
    e = re.sub(r"(之前|以前|前|之后|以后|后)$", "", e) if not re.search(r"[天周月]后$", e) else e
    rel = {"今天": 0, "今晚": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2, "大后天": 3, "昨天": -1,
           "today": 0, "tomorrow": 1, "yesterday": -1, "tonight": 0}
    if e in rel:
        return ref + timedelta(days=rel[e])
    monday = ref - timedelta(days=ref.weekday())
    m = re.fullmatch(r"(这|本|下下|下|)(?:个)?(?:周|星期|礼拜)([一二三四五六日天七])", e)
    if m:
        wd = WEEKDAY[m.group(2)]
        if m.group(1) in ("这", "本"):
            return monday + timedelta(days=wd)
        if m.group(1) == "下":
            return monday + timedelta(days=7 + wd)
        if m.group(1) == "下下":
            return monday + timedelta(days=14 + wd)
        ahead = (wd - ref.weekday()) % 7 or 7
        return ref + timedelta(days=ahead)
    m = re.fullmatch(r"(this|next)?\s*(monday|tuesday|wednesday|thursday|friday|saturday|sunday)", e)
    if m:
        wd = EN_WEEKDAY[m.group(2)]
        if m.group(1) == "this":
            return monday + timedelta(days=wd)
        if m.group(1) == "next":
            return monday + timedelta(days=7 + wd)
        return ref + timedelta(days=(wd - ref.weekday()) % 7 or 7)
    m = re.fullmatch(r"(下个?月)?([0-9一二三四五六七八九十]+)[号日]", e)
    if m:
        n = cn_int(m.group(2))
        if n is None or n > 31:
            return None
        y, mo = ref.year, ref.month
        if m.group(1) or n < ref.day:
            y, mo = (y + 1, 1) if mo == 12 else (y, mo + 1)
        try:
            return date(y, mo, n)
        except ValueError:
            return None
    m = (re.fullmatch(r"(明年)?([0-9一二三四五六七八九十]+)月([0-9一二三四五六七八九十]+)[日号]?", e)
         or re.fullmatch(r"()([0-9]{1,2})[./]([0-9]{1,2})", e))
    if m:
        mo, d = cn_int(m.group(2)), cn_int(m.group(3))
        if mo and d and mo > 12 and d <= 12 and "/" in e:
            mo, d = d, mo
        try:
            day = date(ref.year + (1 if m.group(1) else 0), mo, d)
        except (TypeError, ValueError):
            return None
        if not m.group(1) and day < ref and not past:
            day = day.replace(year=day.year + 1)
        return day
    m = re.fullmatch(r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s*(\d{1,2})(st|nd|rd|th)?", e) \
        or re.fullmatch(r"(\d{1,2})(st|nd|rd|th)?\s*(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*", e)
    if m:
        g = m.groups()
        mo, d = (EN_MONTH[g[0]], int(g[1])) if g[0].isalpha() else (EN_MONTH[g[2]], int(g[0]))
        day = date(ref.year, mo, d)
        return day.replace(year=day.year + 1) if day < ref and not past else day
    m = re.fullmatch(r"([0-9一二三四五六七八九十两]+)(天|个?星期|周)(后|内|以后|以内|之后|之内)", e)
    if m:
        n = cn_int(m.group(1))
        return None if n is None else ref + timedelta(days=n * (1 if m.group(2) == "天" else 7))
    if e in ("月底", "这个月底", "本月底"):
        return month_end(ref.year, ref.month)
    if e in ("下个月底", "下月底"):
        y, mo = (ref.year + 1, 1) if ref.month == 12 else (ref.year, ref.month + 1)
        return month_end(y, mo)
    m = re.fullmatch(r"([0-9一二三四五六七八九十]+)月底", e)
    if m and cn_int(m.group(1)):
        mo = cn_int(m.group(1))
        y = ref.year + (1 if mo < ref.month else 0)
        return month_end(y, mo)
    if e in ("年底", "今年年底"):
        return date(ref.year, 12, 31)
    return None


def is_sub(s, text: str) -> bool:
    return isinstance(s, str) and s != "" and s in text


def check_note(n: dict, seen: set) -> list[str]:
    errs = []
    for key in ("id", "industry", "ref", "text", "expected"):
        if key not in n:
            errs.append(f"missing {key}")
    if errs:
        return errs
    if n["id"] in seen:
        errs.append("duplicate id")
    seen.add(n["id"])
    text, ex = n["text"], n["expected"]
    try:
        ref_dt = datetime.fromisoformat(n["ref"])
        if ref_dt.utcoffset() is None:
            errs.append("ref has no UTC offset")
        ref = ref_dt.date()
    except (TypeError, ValueError):
        return errs + ["ref is not ISO"]
    for s in n.get("style", []):
        if s not in STYLES:
            errs.append(f"unknown style {s!r}")
    if set(ex) != {"customer", "items", "dates", "money", "objections", "competitors"}:
        errs.append(f"expected keys {sorted(ex)}")
        return errs
    c = ex["customer"]
    if c is not None:
        if not isinstance(c, dict) or set(c) != {"name", "company"}:
            errs.append("customer must be {name, company} or null")
        else:
            if c["name"] is None and c["company"] is None:
                errs.append("customer with neither name nor company must be null")
            for k in ("name", "company"):
                if c[k] is not None and not is_sub(c[k], text):
                    errs.append(f"customer.{k} {c[k]!r} is not a substring of the text")
    for it in ex["items"]:
        if not isinstance(it, dict) or set(it) - {"product", "quantity", "unit", "text"}:
            errs.append(f"bad item {it}")
            continue
        if it.get("product") is not None and not is_sub(it["product"], text):
            errs.append(f"item product {it['product']!r} is not a substring")
        if not isinstance(it.get("quantity"), (int, float)) or isinstance(it.get("quantity"), bool):
            errs.append(f"item quantity {it.get('quantity')!r} is not a number")
        if it.get("unit") is not None and not isinstance(it["unit"], str):
            errs.append(f"item unit {it['unit']!r}")
    for d in ex["dates"]:
        if not isinstance(d, dict):
            errs.append(f"bad date {d}")
            continue
        try:
            day = date.fromisoformat(str(d.get("date")))
        except ValueError:
            errs.append(f"date {d.get('date')!r} is not YYYY-MM-DD")
            continue
        if d.get("kind") not in KINDS:
            errs.append(f"date kind {d.get('kind')!r}")
        expr = d.get("text")
        if not expr:
            errs.append(f"date {d['date']} has no \"text\" (the expression as written)")
            continue
        if expr not in text:
            errs.append(f"date text {expr!r} is not a substring")
            continue
        past = d.get("status") == "reported"
        want = expected_day(expr, ref, past)
        if want is not None and want != day:
            errs.append(f"date {expr!r} with ref {ref} (周{'一二三四五六日'[ref.weekday()]}) computes to "
                        f"{want.isoformat()}, annotated {day.isoformat()}")
    for m in ex["money"]:
        if not isinstance(m, dict) or m.get("kind") not in MONEY:
            errs.append(f"bad money {m}")
        elif not isinstance(m.get("amount"), (int, float)) or isinstance(m.get("amount"), bool):
            errs.append(f"money amount {m.get('amount')!r} is not a number")
    if not isinstance(ex["objections"], list) or any(o not in OBJECTIONS for o in ex["objections"]):
        errs.append(f"objections {ex['objections']}")
    elif len(set(ex["objections"])) != len(ex["objections"]):
        errs.append("objections listed twice")
    for comp in ex["competitors"]:
        if not is_sub(comp, text):
            errs.append(f"competitor {comp!r} is not a substring")
    if len(set(ex["competitors"])) != len(ex["competitors"]):
        errs.append("competitor listed twice")
    return errs


def main(paths: list[str]) -> int:
    bad = total = 0
    for path in paths:
        seen: set = set()
        for lineno, line in enumerate(open(path, encoding="utf-8"), 1):
            if not line.strip():
                continue
            total += 1
            try:
                note = json.loads(line)
            except json.JSONDecodeError as exc:
                print(f"{path}:{lineno}: not JSON ({exc})")
                bad += 1
                continue
            errs = check_note(note, seen)
            if errs:
                bad += 1
                for e in errs:
                    print(f"{path}:{lineno} {note.get('id')}: {e}")
    print(f"{total} notes, {bad} with problems")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
