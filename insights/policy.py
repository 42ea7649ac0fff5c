"""The [insights] section of config.toml as one plain value: the health weights and every threshold."""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import time

# The deal-health indicators in the order their reasons are listed when they take equal points.
INDICATORS = ("silence", "promises", "chain", "late_rival", "stage_age", "density", "objections",
              "next_step", "quote_spread", "quote_changes", "budget", "risks")

# Why these weights (they add up to 100; see README, Insights): silence and broken promises are what
# the seed and Gong both put first (a deal nobody talks to, a customer let down); a single-threaded
# deal (one contact, no decision maker) and a rival late in the deal are the next strongest warnings;
# the time in the stage, touch density, unanswered objections and no next step say the deal is
# drifting; the quote facts, the budget and verbal promises are weaker signals and take the least.
DEFAULT_WEIGHTS = {"silence": 15, "promises": 12, "chain": 12, "late_rival": 10, "stage_age": 10, "density": 8,
                   "objections": 8, "next_step": 8, "quote_spread": 5, "quote_changes": 4, "budget": 4,
                   "risks": 4}
WEEKDAYS = {"MON": 0, "TUE": 1, "WED": 2, "THU": 3, "FRI": 4, "SAT": 5, "SUN": 6}


class InsightsConfigError(ValueError):
    """An [insights] value that cannot be used; the message names the key."""


@dataclass(frozen=True)
class InsightPolicy:
    weights: dict = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    # deal health: where each indicator starts taking points and where it takes its whole weight
    silence_from_days: int = 7
    silence_full_days: int = 30
    density_weeks: int = 4
    promises_days: int = 90
    promises_full: float = 2
    late_counts: float = 0.5
    objections_full: int = 2
    late_stage: str = "商务谈判"
    stage_age_from: float = 0.5
    stage_age_full: float = 1.5
    quote_changes_full: int = 3
    quote_spread: float = 0.15
    risks_full: int = 2
    at_risk: int = 40
    health_shown: int = 20
    health_refresh_minutes: int = 60
    health_live_deals: int = 2000
    # churn warnings
    churn_history_days: int = 180
    churn_gap_factor: float = 2.0
    churn_min_gap_days: int = 21
    churn_min_notes: int = 3
    churn_recent_days: int = 60
    churn_complaints: int = 2
    churn_missed_payments: int = 1
    churn_every_days: int = 7
    # rep capability radar
    radar_days: int = 90
    weekly_radar: bool = True
    # coaching
    coach_stalls: int = 3
    coach_days: int = 90
    coach_examples: int = 3
    # objection trends
    trend_days: int = 14
    trend_baseline_weeks: int = 8
    trend_factor: float = 2.0
    trend_min: int = 5
    # forecast accuracy
    forecast_tolerance: float = 0.10
    forecast_months: int = 6
    # when the scheduler sends: the daily checks, and the weekly at-risk list to managers
    daily_time: time = time(9, 30)
    at_risk_weekday: int = 0
    at_risk_time: time = time(9, 0)

    def weight(self, indicator: str) -> float:
        return float(self.weights.get(indicator, 0))


def _clock(value, key: str) -> time:
    try:
        hours, minutes = str(value).strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise InsightsConfigError(f"[insights] {key} = {value!r}: expected HH:MM, e.g. \"09:30\"") from None


def _weekly(value, key: str) -> tuple[int, time]:
    try:
        day, clock = str(value).split()
        return WEEKDAYS[day.upper()[:3]], _clock(clock, key)
    except (KeyError, ValueError):
        raise InsightsConfigError(f"[insights] {key} = {value!r}: expected e.g. \"MON 09:00\"") from None


def _number(value, key: str, kind):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise InsightsConfigError(f"[insights] {key} = {value!r}: expected a number >= 0")
    return kind(value)


def policy_from_config(config: dict) -> InsightPolicy:
    """The policy of a loaded config dict; missing keys keep the defaults. Weights are the keys
    weight_<indicator>; every other number is the field of the same name."""
    section = dict(config.get("insights") or {})
    base = InsightPolicy()
    weights = dict(base.weights)
    for indicator in INDICATORS:
        key = f"weight_{indicator}"
        if key in section:
            weights[indicator] = _number(section.pop(key), key, float)
    values: dict = {"weights": weights}
    if "at_risk_report" in section:
        values["at_risk_weekday"], values["at_risk_time"] = _weekly(section.pop("at_risk_report"), "at_risk_report")
    if "daily_time" in section:
        values["daily_time"] = _clock(section.pop("daily_time"), "daily_time")
    known = {f.name: f for f in fields(InsightPolicy)}
    for key, value in section.items():
        f = known.get(key)
        if f is None or key in ("weights", "at_risk_weekday", "at_risk_time"):
            raise InsightsConfigError(f"[insights] {key}: not a known key")
        if key == "late_stage":
            values[key] = str(value)
        elif key == "weekly_radar":
            if not isinstance(value, bool):
                raise InsightsConfigError(f"[insights] weekly_radar = {value!r}: expected true or false")
            values[key] = value
        else:
            values[key] = _number(value, key, type(getattr(base, key)))
    if values.get("silence_full_days", base.silence_full_days) <= values.get("silence_from_days", base.silence_from_days):
        raise InsightsConfigError("[insights] silence_full_days must be more than silence_from_days")
    if values.get("stage_age_full", base.stage_age_full) <= values.get("stage_age_from", base.stage_age_from):
        raise InsightsConfigError("[insights] stage_age_full must be more than stage_age_from")
    return InsightPolicy(**values)
