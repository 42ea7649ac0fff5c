"""The reminder policy: [reminders] and [[stages]] of config.toml as one plain value."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time

from reminders.calendar import WorkCalendar

WEEKDAYS = {"MON": 0, "TUE": 1, "WED": 2, "THU": 3, "FRI": 4, "SAT": 5, "SUN": 6}


class PolicyError(ValueError):
    """A [reminders] or [[stages]] value that cannot be used; the message names the key."""


@dataclass(frozen=True)
class Policy:
    nudge_time: time = time(9, 0)
    digest_time: time = time(8, 30)
    escalate_after_hours: int = 24
    idle_days: int = 14
    idle_manager_after_days: int = 3
    big_deal_yuan: float = 3_000_000
    repeated_objection_count: int = 3
    competitor_alert_from_stage: str = "商务谈判"
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)
    working_morning: time = time(8, 0)
    report_weekday: int = 0
    report_time: time = time(9, 0)
    # The evening recap of the promises a rep made that day (working days); None: off.
    recap_time: time | None = time(18, 0)
    facts_lookback_days: int = 7
    # A broken promise older than this is no longer escalated (only matters after a long outage);
    # it bounds what every sweep reads when reps leave old promises open.
    escalation_lookback_days: int = 14
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    stage_order: tuple[str, ...] = ()
    stall_days: dict[str, int] = field(default_factory=dict)
    stage_idle_days: dict[str, int] = field(default_factory=dict)

    def idle_days_for(self, stage: str) -> int:
        return self.stage_idle_days.get(stage, self.idle_days)

    def stage_index(self, stage: str) -> int | None:
        return self.stage_order.index(stage) if stage in self.stage_order else None


def _clock(section: dict, key: str, default: time) -> time:
    value = section.get(key)
    if value is None:
        return default
    try:
        hours, minutes = str(value).strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise PolicyError(f"[reminders] {key} = {value!r}: expected HH:MM, e.g. \"09:00\"") from None


def _number(section: dict, key: str, default, kind=int):
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise PolicyError(f"[reminders] {key} = {value!r}: expected a number >= 0")
    return kind(value)


def _days(section: dict, key: str) -> frozenset[date]:
    days = set()
    for value in section.get(key) or []:
        try:
            days.add(value if isinstance(value, date) else date.fromisoformat(str(value)))
        except ValueError:
            raise PolicyError(f"[reminders] {key}: {value!r} is not a YYYY-MM-DD day") from None
    return frozenset(days)


def _weekly(value: str) -> tuple[int, time]:
    try:
        day, clock = str(value).split()
        hours, minutes = clock.split(":")
        return WEEKDAYS[day.upper()[:3]], time(int(hours), int(minutes))
    except (KeyError, ValueError):
        raise PolicyError(f"[reminders] weekly_report = {value!r}: expected e.g. \"MON 09:00\"") from None


def policy_from_config(config: dict) -> Policy:
    """The policy of a loaded config dict (bot.config.load_config); missing keys keep the defaults."""
    section = config.get("reminders") or {}
    base = Policy()
    weekday, report_time = _weekly(section.get("weekly_report", "MON 09:00"))
    stages = config.get("stages") or []
    order = tuple(str(s.get("name")) for s in stages if isinstance(s, dict) and s.get("name"))
    stall = {str(s["name"]): int(s.get("stall_days", 30)) for s in stages if isinstance(s, dict) and s.get("name")}
    idle = {str(s["name"]): int(s["idle_days"]) for s in stages
            if isinstance(s, dict) and s.get("name") and s.get("idle_days") is not None}
    return Policy(
        nudge_time=_clock(section, "nudge_time", base.nudge_time),
        digest_time=_clock(section, "digest_time", base.digest_time),
        escalate_after_hours=_number(section, "escalate_after_hours", base.escalate_after_hours),
        idle_days=_number(section, "idle_days", base.idle_days),
        idle_manager_after_days=_number(section, "idle_manager_after_days", base.idle_manager_after_days),
        big_deal_yuan=_number(section, "big_deal_yuan", base.big_deal_yuan, float),
        repeated_objection_count=max(1, _number(section, "repeated_objection_count", base.repeated_objection_count)),
        competitor_alert_from_stage=str(section.get("competitor_alert_from_stage", base.competitor_alert_from_stage)),
        quiet_start=_clock(section, "quiet_start", base.quiet_start),
        quiet_end=_clock(section, "quiet_end", base.quiet_end),
        working_morning=_clock(section, "working_morning", base.working_morning),
        report_weekday=weekday,
        report_time=report_time,
        recap_time=None if str(section.get("recap_at", "")).strip().lower() in ("off", "none", "false")
        else _clock(section, "recap_at", base.recap_time),
        facts_lookback_days=_number(section, "facts_lookback_days", base.facts_lookback_days),
        escalation_lookback_days=_number(section, "escalation_lookback_days", base.escalation_lookback_days),
        calendar=WorkCalendar(_days(section, "extra_holidays"), _days(section, "extra_workdays")),
        stage_order=order,
        stall_days=stall,
        stage_idle_days=idle,
    )
