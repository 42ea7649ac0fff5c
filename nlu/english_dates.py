"""Dates a bilingual note writes in English: today / tomorrow / yesterday, (next | this) Friday, Mar 15,
15 March, July 3rd (NOTES_SCHEMA: next Friday = 下周五, this Friday = 这周五, a bare weekday = the next
one after the note's day, a month and day = that day of the note's year, or of the next year when it
has passed and the clause reports nothing done).

Our own rules find the spans and resolve the relative ones; dateparser (the package the product was
specified with) reads the month and day of a written date. It is imported lazily, only for a note with
Latin letters that names a month, so it costs nothing on the other notes.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from nlu.time_atoms import DayMention

_WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_DAY_WORD = r"(?:mon(?:day)?|tue(?:s|sday)?|wed(?:nesday)?|thu(?:r|rs|rsday)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?)"
_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t|tember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_EDGE_L = r"(?<![A-Za-z])"
_EDGE_R = r"(?![A-Za-z])"
_RELATIVE = re.compile(rf"{_EDGE_L}(today|tonight|tomorrow|yesterday){_EDGE_R}", re.IGNORECASE)
_WEEKDAY = re.compile(rf"{_EDGE_L}(?:(next|this|coming)\s*)?({_DAY_WORD}){_EDGE_R}\.?", re.IGNORECASE)
_MONTH_DAY = re.compile(
    rf"{_EDGE_L}(?:{_MONTH}\.?\s*\d{{1,2}}(?:st|nd|rd|th)?(?![\d:])|\d{{1,2}}(?:st|nd|rd|th)?\s*(?:of\s+)?{_MONTH}{_EDGE_R})",
    re.IGNORECASE)
_PAST = re.compile(r"了|已经|已|过|上次|done|sent|shipped", re.IGNORECASE)
_LATIN = re.compile(r"[A-Za-z]")


def english_days(text: str, ref: datetime, clause_end=None) -> list[DayMention]:
    """Every English day expression of text as a DayMention (text order)."""
    if not _LATIN.search(text):
        return []
    today = ref.date()
    out: list[DayMention] = []
    for m in _RELATIVE.finditer(text):
        word = m.group(1).lower()
        shift = {"today": 0, "tonight": 0, "tomorrow": 1, "yesterday": -1}[word]
        out.append(DayMention(m.group(), m.start(), m.end(), today + timedelta(days=shift)))
    for m in _WEEKDAY.finditer(text):
        if _short_word_alone(m):
            continue  # "sun", "sat", "wed" alone are rarely weekdays in a note's English
        out.append(DayMention(m.group().rstrip("."), m.start(), m.start() + len(m.group().rstrip(".")),
                              _weekday(today, m.group(1), _WEEKDAYS[m.group(2)[:3].lower()])))
    for m in _MONTH_DAY.finditer(text):
        day = _month_day(m.group(), today, text, m.end(), clause_end)
        if day is not None:
            out.append(DayMention(m.group(), m.start(), m.end(), day))
    return sorted(out, key=lambda d: d.start_index)


def _short_word_alone(m: re.Match) -> bool:
    return m.group(1) is None and len(m.group(2)) == 3 and m.group(2).lower() in ("sun", "sat", "wed", "mon")


def _weekday(today: date, which: str | None, index: int) -> date:
    monday = today - timedelta(days=today.weekday())
    if which and which.lower() == "next":
        return monday + timedelta(days=7 + index)
    if which and which.lower() in ("this", "coming"):
        day = monday + timedelta(days=index)
        return day if which.lower() == "this" or day > today else day + timedelta(days=7)
    ahead = (index - today.weekday()) % 7 or 7  # a bare weekday: the next one after today
    return today + timedelta(days=ahead)


def _month_day(span: str, today: date, text: str, end: int, clause_end) -> date | None:
    try:
        import dateparser  # lazily: only notes that write a month in English get here
    except ImportError:  # an install without it still reads every other date
        return None

    base = datetime(today.year, today.month, today.day)
    parsed = dateparser.parse(span, languages=["en"],
                              settings={"RELATIVE_BASE": base, "REQUIRE_PARTS": ["day", "month"]})
    if parsed is None:
        return None
    try:
        day = date(today.year, parsed.month, parsed.day)
    except ValueError:
        return None
    stop = clause_end(end) if clause_end else min(len(text), end + 12)
    if day < today and not _PAST.search(text, end, stop):
        day = day.replace(year=today.year + 1) if not (parsed.month == 2 and parsed.day == 29) else day
    return day
