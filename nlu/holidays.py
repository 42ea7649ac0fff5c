"""Chinese holidays: festival days, official holiday periods and working days.

Festival days (元旦 01-01, 春节 正月初一, 中秋 八月十五 ...) come from the solar or lunar calendar
(`lunardate`) and are what Duckling resolves a bare holiday to. Official periods and adjusted working
days come from `chinese_calendar` (it knows 2004-2026 and raises beyond). For any other year the
fallback of NOTES_SCHEMA.md applies: 元旦 01-01; 春节 除夕 to 正月初六; 清明 the solar-term day;
劳动节 05-01..05; 端午 五月初五; 中秋 八月十五; 国庆 10-01..07; working days are Monday-Friday outside
those periods. No function here raises for a date it cannot place: it returns None instead.
"""
from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

# canonical name -> rule: ("solar", month, day) | ("lunar", month, day) | ("eve",) the day before
# 正月初一 | ("term", name) a solar term | ("nth", month, weekday, n) the n-th weekday of a month
FESTIVALS: dict[str, tuple] = {
    "元旦": ("solar", 1, 1),
    "春节": ("lunar", 1, 1),
    "除夕": ("eve",),
    "元宵": ("lunar", 1, 15),
    "清明": ("term", "清明"),
    "劳动节": ("solar", 5, 1),
    "端午": ("lunar", 5, 5),
    "七夕": ("lunar", 7, 7),
    "中秋": ("lunar", 8, 15),
    "重阳": ("lunar", 9, 9),
    "腊八": ("lunar", 12, 8),
    "国庆": ("solar", 10, 1),
    "情人节": ("solar", 2, 14),
    "妇女节": ("solar", 3, 8),
    "植树节": ("solar", 3, 12),
    "消费者权益日": ("solar", 3, 15),
    "青年节": ("solar", 5, 4),
    "儿童节": ("solar", 6, 1),
    "建党节": ("solar", 7, 1),
    "建军节": ("solar", 8, 1),
    "教师节": ("solar", 9, 10),
    "双十一": ("solar", 11, 11),
    "双十二": ("solar", 12, 12),
    "平安夜": ("solar", 12, 24),
    "圣诞节": ("solar", 12, 25),
    "母亲节": ("nth", 5, 6, 2),
    "父亲节": ("nth", 6, 6, 3),
}

# the official holidays, with chinese_calendar's label for each
OFFICIAL = {
    "元旦": "New Year's Day",
    "春节": "Spring Festival",
    "清明": "Tomb-sweeping Day",
    "劳动节": "Labour Day",
    "端午": "Dragon Boat Festival",
    "中秋": "Mid-autumn Festival",
    "国庆": "National Day",
}

_WINDOW = timedelta(days=10)  # an official period lies within this distance of its festival day


def _lunar(year: int, month: int, day: int) -> date | None:
    from lunardate import LunarDate

    try:
        return LunarDate(year, month, day).to_solar_date()
    except (ValueError, IndexError, OverflowError):  # outside the lunar table (1900-2099)
        return None


def lunar_day(year: int, month: int, day: int) -> date | None:
    """The solar date of a lunar date, or None outside the lunar table or for a day it lacks."""
    return _lunar(year, month, day)


def _solar_term(year: int, name: str) -> date | None:
    from chinese_calendar import get_solar_terms

    try:
        terms = get_solar_terms(date(year, 1, 1), date(year, 12, 31))
    except (NotImplementedError, ValueError, OverflowError):
        return None
    return next((d for d, n in terms if n == name), None)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


@lru_cache(maxsize=1024)
def festival_day(name: str, year: int) -> date | None:
    """The festival day of `name` in `year` (lunar festivals: that lunar year), or None."""
    rule = FESTIVALS.get(name)
    if rule is None or not 1 <= year <= 9999:
        return None
    try:
        kind = rule[0]
        if kind == "solar":
            return date(year, rule[1], rule[2])
        if kind == "lunar":
            return _lunar(year, rule[1], rule[2])
        if kind == "eve":
            new_year = _lunar(year, 1, 1)
            return new_year - timedelta(days=1) if new_year else None
        if kind == "term":
            return _solar_term(year, rule[1])
        if kind == "nth":
            return _nth_weekday(year, rule[1], rule[2], rule[3])
    except (ValueError, OverflowError):
        return None
    return None


def next_festival(name: str, on_or_after: date) -> date | None:
    """The first festival day of `name` on or after the given day (Duckling's reading)."""
    days = [festival_day(name, y) for y in (on_or_after.year - 1, on_or_after.year, on_or_after.year + 1)]
    later = [d for d in days if d is not None and d >= on_or_after]
    return min(later) if later else None


# --- official periods ---------------------------------------------------------------------

@lru_cache(maxsize=1)
def _calendar() -> tuple[dict, dict, int, int]:
    """chinese_calendar's holidays and working days, and the years it knows."""
    from chinese_calendar.constants import holidays, workdays

    years = [d.year for d in holidays]
    return holidays, workdays, min(years), max(years)


def known_year(year: int) -> bool:
    """True when chinese_calendar has the official calendar of `year`."""
    _, _, first, last = _calendar()
    return first <= year <= last


def _fallback_period(name: str, year: int) -> tuple[date, date] | None:
    if name == "元旦":
        return date(year, 1, 1), date(year, 1, 1)
    if name == "春节":
        eve, sixth = festival_day("除夕", year), _lunar(year, 1, 6)
        return (eve, sixth) if eve and sixth else None
    if name == "劳动节":
        return date(year, 5, 1), date(year, 5, 5)
    if name == "国庆":
        return date(year, 10, 1), date(year, 10, 7)
    day = festival_day(name, year)  # 清明, 端午, 中秋: the day itself
    return (day, day) if day else None


@lru_cache(maxsize=512)
def official_period(name: str, year: int) -> tuple[date, date] | None:
    """First and last day of the official holiday of `name` around its festival day in `year`.

    A holiday that is not official (情人节, 双十一 ...) is its festival day alone."""
    if not 1 <= year <= 9998:
        return None
    if name not in OFFICIAL:
        day = festival_day(name, year)
        return (day, day) if day else None
    festival = festival_day(name, year)
    if festival is None:
        return None
    if known_year(festival.year):
        holidays, _, _, _ = _calendar()
        label = OFFICIAL[name]
        days = [festival + timedelta(days=k) for k in range(-_WINDOW.days, _WINDOW.days + 1)]
        labelled = [d for d in days if holidays.get(d) == label]
        if labelled:
            return labelled[0], labelled[-1]
    return _fallback_period(name, year)


def _fallback_holiday(day: date) -> bool:
    for name in OFFICIAL:
        period = _fallback_period(name, day.year)
        if period and period[0] <= day <= period[1]:
            return True
    return False


@lru_cache(maxsize=4096)
def is_holiday(day: date) -> bool:
    """True on an official holiday day (not on an ordinary weekend)."""
    if known_year(day.year):
        return day in _calendar()[0]
    return _fallback_holiday(day)


@lru_cache(maxsize=4096)
def is_workday(day: date) -> bool:
    """True on a working day, with the adjusted weekend working days of known years."""
    if known_year(day.year):
        holidays, workdays, _, _ = _calendar()
        if day in workdays:
            return True
        return day.weekday() < 5 and day not in holidays
    return day.weekday() < 5 and not _fallback_holiday(day)


def _periods_around(name: str, day: date) -> list[tuple[date, date]]:
    found = (official_period(name, y) for y in (day.year - 1, day.year, day.year + 1))
    return sorted(p for p in found if p)


def first_day(name: str, on_or_after: date) -> date | None:
    """The first official holiday day of the next `name` holiday starting on or after the day."""
    starts = [p[0] for p in _periods_around(name, on_or_after) if p[0] >= on_or_after]
    return starts[0] if starts else None


def day_before(name: str, ref: date) -> date | None:
    """国庆前, 五一前 …: the last day before the next period starts (after a merged holiday too)."""
    for start, _ in _periods_around(name, ref):
        if start > ref:
            day = start - timedelta(days=1)
            for _ in range(15):  # walk back over an adjoining holiday (中秋 before 国庆)
                if not is_holiday(day):
                    break
                day -= timedelta(days=1)
            return day
    return None


def workday_after(name: str, ref: date) -> date | None:
    """国庆后, 春节后 …: the first working day after the period that ends on or after `ref`."""
    for _, end in _periods_around(name, ref):
        if end >= ref:
            day = end + timedelta(days=1)
            for _ in range(30):
                if is_workday(day):
                    return day
                day += timedelta(days=1)
            return None
    return None
