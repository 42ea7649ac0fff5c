"""Working days and working hours for reminders, in a team's own local time.

Official holidays and adjusted working days come from nlu.holidays (chinese_calendar for the years it
knows, Monday-Friday plus the built-in holiday fallback beyond); `extra_holidays` / `extra_workdays`
from config.toml win over both, for years the package does not know yet or a company's own days off.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from nlu import holidays

MAX_SEARCH_DAYS = 60  # longer than any run of Chinese non-working days


@dataclass(frozen=True)
class WorkCalendar:
    extra_holidays: frozenset[date] = field(default_factory=frozenset)
    extra_workdays: frozenset[date] = field(default_factory=frozenset)

    def is_workday(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        if day in self.extra_holidays:
            return False
        return holidays.is_workday(day)

    def last_workday_before(self, day: date) -> date:
        """The last working day strictly before `day` (e.g. the Friday before a Monday)."""
        candidate = day - timedelta(days=1)
        for _ in range(MAX_SEARCH_DAYS):
            if self.is_workday(candidate):
                return candidate
            candidate -= timedelta(days=1)
        return day - timedelta(days=1)

    def first_workday_from(self, day: date) -> date:
        """`day` itself when it is a working day, else the next one."""
        candidate = day
        for _ in range(MAX_SEARCH_DAYS):
            if self.is_workday(candidate):
                return candidate
            candidate += timedelta(days=1)
        return day


def in_quiet_hours(moment: time, start: time, end: time) -> bool:
    """Quiet hours may wrap midnight (21:00-08:00) or not (13:00-14:00)."""
    if start == end:
        return False
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end


def working_time(local: datetime, *, calendar: WorkCalendar, quiet_start: time, quiet_end: time,
                 morning: time) -> datetime:
    """`local` when it is a working day outside quiet hours, else the next working morning.

    `local` is an aware datetime in the team's zone; the result is in the same zone. The early part
    of a working day's quiet hours (before 08:00) goes to that same morning."""
    day, clock, tz = local.date(), local.time(), local.tzinfo
    wake = quiet_end if in_quiet_hours(morning, quiet_start, quiet_end) else morning
    if calendar.is_workday(day):
        if not in_quiet_hours(clock, quiet_start, quiet_end):
            return local
        if quiet_start < quiet_end:  # a midday quiet spell: later the same day
            return at_local(day, quiet_end, tz)
        if clock < quiet_end:  # the small hours of a working day: that morning
            return at_local(day, wake, tz)
    return at_local(calendar.first_workday_from(day + timedelta(days=1)), wake, tz)


def at_local(day: date, clock: time, tz) -> datetime:
    """The wall-clock time `clock` on `day` in zone `tz` (zoneinfo picks the offset)."""
    return datetime.combine(day, clock, tzinfo=tz)
