"""The rep capability radar: six axes from each rep's own record, each 0-100 as the rep's percentile
among the team's reps (the best 100, the worst 0, ties share the middle). Pure: records in, scores out.

The axes (over the last [insights] radar_days):
  activity        notes a week
  promises        share of promises due that were kept on their day
  chain           decision-chain roles met on the deals worked, on average (of 决策人, 使用者, 影响者)
  follow_through  share of objections followed by stage progress (a forward move or a win) on that deal
  price           price discipline: how little quotes to one customer stray from their median (lower is better)
  first_touch     hours from a lead coming in to the first touch, median (lower is better)
A rep with nothing to measure on an axis (no promise due, no lead …) has no score there: 无数据.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass

from insights.health import spread

AXES = ("activity", "promises", "chain", "follow_through", "price", "first_touch")
AXIS_NAMES = {"activity": "活动量", "promises": "守约", "chain": "决策链穿透", "follow_through": "异议推进",
              "price": "价格纪律", "first_touch": "首次响应"}


@dataclass(frozen=True)
class RepRecord:
    """One rep's record over the window (insights.read.rep_records builds these)."""
    member_id: int
    name: str
    notes: int = 0
    weeks: float = 1.0
    kept: int = 0
    late: int = 0
    broken: int = 0
    chain: tuple[float, ...] = ()             # per deal worked: share of the three roles met
    objections: int = 0
    followed: int = 0                         # objections followed by progress on their deal
    spreads: tuple[float, ...] = ()           # per customer quoted twice or more: the quotes' spread
    first_touch_hours: tuple[float, ...] = ()


@dataclass(frozen=True)
class Axis:
    axis: str
    score: float | None     # 0-100 percentile among the team's reps; None: nothing to measure
    raw: float | None
    text: str               # the raw figure in Chinese: 每周6.2条 …
    team_median: float | None

    @property
    def name(self) -> str:
        return AXIS_NAMES[self.axis]


@dataclass(frozen=True)
class Radar:
    member_id: int
    name: str
    axes: tuple[Axis, ...]
    reps: int  # how many reps it was ranked among

    def to_json(self) -> dict:
        return {"member": self.name, "reps": self.reps,
                "axes": [{"axis": a.axis, "name": a.name, "score": _round(a.score), "raw": a.raw, "text": a.text,
                          "team_median": _round(a.team_median)} for a in self.axes]}

    @classmethod
    def from_json(cls, member_id: int, found: dict) -> "Radar":
        """The radar to_json() wrote (scores rounded to a tenth)."""
        return cls(member_id, found["member"], tuple(Axis(a["axis"], a["score"], a["raw"], a["text"], a["team_median"])
                                                     for a in found["axes"]), found["reps"])


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def raw_values(r: RepRecord) -> dict[str, float | None]:
    """Each axis's raw figure, oriented so that more is better (spreads and hours negated)."""
    due = r.kept + r.late + r.broken
    return {
        "activity": r.notes / r.weeks if r.weeks > 0 else None,
        "promises": r.kept / due if due else None,
        "chain": statistics.mean(r.chain) if r.chain else None,
        "follow_through": r.followed / r.objections if r.objections else None,
        "price": -statistics.mean(r.spreads) if r.spreads else None,
        "first_touch": -statistics.median(r.first_touch_hours) if r.first_touch_hours else None,
    }


def raw_text(axis: str, value: float | None) -> str:
    if value is None:
        return "无数据"
    return {"activity": f"每周{value:.1f}条笔记", "promises": f"按时兑现{value:.0%}",
            "chain": f"平均覆盖{value * 3:.1f}/3", "follow_through": f"异议后推进{value:.0%}",
            "price": f"报价浮动±{-value:.0%}", "first_touch": f"中位{-value:.1f}小时"}[axis]


def percentile(value: float, values: list[float]) -> float:
    """Where `value` stands among `values` (which include it): 100 the best, 0 the worst, ties the
    middle of their places; 50 when there is no one to compare with."""
    others = len(values) - 1
    if others <= 0:
        return 50.0
    below = sum(1 for v in values if v < value)
    equal = sum(1 for v in values if v == value) - 1
    return 100.0 * (below + 0.5 * equal) / others


def radars(records: list[RepRecord]) -> list[Radar]:
    """Every rep's radar, ranked among these records (the team's reps)."""
    raws = {r.member_id: raw_values(r) for r in records}
    scores: dict[int, dict[str, float | None]] = {r.member_id: {} for r in records}
    medians: dict[str, float | None] = {}
    for axis in AXES:
        measured = [raws[r.member_id][axis] for r in records if raws[r.member_id][axis] is not None]
        for r in records:
            value = raws[r.member_id][axis]
            scores[r.member_id][axis] = None if value is None else percentile(value, measured)
        ranked = [s[axis] for s in scores.values() if s[axis] is not None]
        medians[axis] = statistics.median(ranked) if ranked else None
    return [Radar(r.member_id, r.name, tuple(Axis(a, scores[r.member_id][a], raws[r.member_id][a],
                                                   raw_text(a, raws[r.member_id][a]), medians[a]) for a in AXES),
                  len(records)) for r in records]


def customer_spreads(quotes_by_customer: dict[int, list[float]]) -> tuple[float, ...]:
    """The spread of each customer's quotes, for customers quoted at least twice."""
    return tuple(spread(q) for q in quotes_by_customer.values() if len([x for x in q if x and x > 0]) >= 2)
