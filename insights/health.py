"""Deal health 0-100: what a deal's record says about its chances, with the three reasons that cost the
most, in Chinese.

score = 100 - the points each indicator takes. An indicator takes its whole weight (config
[insights] weight_<name>) when its fact is at its worst and a share of it in between (the thresholds
beside the weights); the weights add up to 100. Pure: (a deal's facts as plain values, the team's
context) -> Health. No clock, no I/O.
"""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Callable

from insights.policy import INDICATORS, InsightPolicy
from reminders.texts import OBJECTIONS

CHAIN_ROLES = ("decision_maker", "user", "influencer")
ROLE_NAMES = {"decision_maker": "决策人", "user": "使用者", "influencer": "影响者"}
DAY = 86400.0


@dataclass
class DealFacts:
    """What the record says about one open deal (storage.insight_queries builds these)."""
    deal_id: int
    customer: str
    owner_id: int
    owner: str
    stage: str
    stage_entered_at: datetime
    last_touch_at: datetime              # the last note (or stage move) on the deal
    created_at: datetime
    notes_recent: int = 0                # notes on the deal in the last density_weeks
    kept: int = 0                        # promises due in the last promises_days: done on time
    late: int = 0                        # ... done after their day
    broken: int = 0                      # ... their day is over and still open
    open_objections: tuple[str, ...] = ()   # categories raised since the deal last moved
    late_rivals: tuple[tuple[str, str], ...] = ()  # (rival, stage it was named at), at the late stage or after
    roles: frozenset[str] = frozenset()  # decision-chain roles among the customer's contacts
    quotes: tuple[float, ...] = ()       # the deal's quotes, oldest first
    customer_quotes: tuple[float, ...] = ()  # every quote to the customer, on any deal
    next_step: date | None = None        # the next open promise due today or later
    budget_known: bool = False
    risks: tuple[str, ...] = ()          # verbal-promise phrases said on the deal (免费, 保证 …)
    customer_id: int | None = None
    amount: float | None = None


@dataclass(frozen=True)
class Context:
    """What a deal is measured against: now (aware), the stages' limits and order, the team's median
    touch density (notes a week on its open deals)."""
    now: datetime
    policy: InsightPolicy
    stall_days: dict[str, int] = field(default_factory=dict)
    stage_order: tuple[str, ...] = ()
    median_density: float = 0.0


@dataclass
class Part:
    """What one indicator took: points (0 to its weight) and the reason in Chinese ('' when none)."""
    indicator: str
    points: float
    reason: str


@dataclass
class Health:
    deal: DealFacts
    score: int
    parts: tuple[Part, ...]

    @property
    def reasons(self) -> list[str]:
        """The three indicators that took the most points (ties in INDICATORS order)."""
        taken = [p for p in self.parts if p.points > 0]
        taken.sort(key=lambda p: (-p.points, INDICATORS.index(p.indicator)))
        return [p.reason for p in taken[:3]]

    def to_json(self) -> dict:
        return {"deal": self.deal.deal_id, "customer": self.deal.customer, "score": self.score,
                "reasons": self.reasons}


def _share(value: float, start: float, full: float) -> float:
    """0 at or below start, 1 at or above full, linear between."""
    if value <= start:
        return 0.0
    if full <= start or value >= full:
        return 1.0
    return (value - start) / (full - start)


def _count_share(count: float, full: float) -> float:
    return min(1.0, count / full) if full > 0 else float(count > 0)


def _days(later: datetime, earlier: datetime) -> float:
    return max(0.0, (later - earlier).total_seconds() / DAY)


def weeks_measured(deal: DealFacts, ctx: Context) -> float:
    """The density window: density_weeks, or the deal's age when younger (at least one week)."""
    return max(1.0, min(float(ctx.policy.density_weeks), _days(ctx.now, deal.created_at) / 7))


def density(deal: DealFacts, ctx: Context) -> float:
    return deal.notes_recent / weeks_measured(deal, ctx)


def median_density(deals: list[DealFacts], now: datetime, policy: InsightPolicy) -> float:
    """The team's median of notes a week on its open deals."""
    return median_of([(d.created_at, d.notes_recent) for d in deals], now, policy)


def median_of(deals: list[tuple[datetime, int]], now: datetime, policy: InsightPolicy) -> float:
    """The median of notes a week over (created_at, notes in the window) of open deals."""
    weeks = [max(1.0, min(float(policy.density_weeks), _days(now, created) / 7)) for created, _ in deals]
    return statistics.median([n / w for (_, n), w in zip(deals, weeks)]) if deals else 0.0


# --- the indicators: (deal, context) -> (share of the weight taken, reason) -------------------------

def silence(deal: DealFacts, ctx: Context) -> tuple[float, str]:
    days = int(_days(ctx.now, deal.last_touch_at))
    p = ctx.policy
    share = _share(days, p.silence_from_days, p.silence_full_days)
    return share, f"{days}天没有跟进" if share else ""


def touch_density(deal: DealFacts, ctx: Context) -> tuple[float, str]:
    if ctx.median_density <= 0:
        return 0.0, ""
    mine = density(deal, ctx)
    share = max(0.0, 1 - mine / ctx.median_density)
    return share, f"跟进偏少：每周{mine:.1f}条（团队中位数{ctx.median_density:.1f}条）" if share else ""


def promises(deal: DealFacts, ctx: Context) -> tuple[float, str]:
    p = ctx.policy
    if not deal.broken and not deal.late:
        return 0.0, ""
    said = [f"{deal.broken}个承诺逾期"] if deal.broken else []
    said += [f"{deal.late}个承诺延迟完成"] if deal.late else []
    return _count_share(deal.broken + p.late_counts * deal.late, p.promises_full), "、".join(said)


def open_objections(deal: DealFacts, ctx: Context) -> tuple[float, str]:
    if not deal.open_objections:
        return 0.0, ""
    names = "、".join(OBJECTIONS.get(c, c) for c in deal.open_objections)
    return _count_share(len(deal.open_objections), ctx.policy.objections_full), f"异议未解决：{names}"


def late_rival(deal: DealFacts, ctx: Context) -> tuple[float, str]:
    if not deal.late_rivals:
        return 0.0, ""
    stage = deal.late_rivals[-1][1]
    rivals = "、".join(dict.fromkeys(name for name, _ in deal.late_rivals))
    return 1.0, f"竞品 {rivals} 在{stage}阶段出现"


def chain(deal: DealFacts, ctx: Context) -> tuple[float, str]:
    missing = [r for r in CHAIN_ROLES if r not in deal.roles]
    return len(missing) / len(CHAIN_ROLES), "决策链缺" + "、".join(ROLE_NAMES[r] for r in missing) if missing else ""


def stage_age(deal: DealFacts, ctx: Context) -> tuple[float, str]:
    limit = ctx.stall_days.get(deal.stage)
    if not limit:
        return 0.0, ""
    days = int(_days(ctx.now, deal.stage_entered_at))
    p = ctx.policy
    share = _share(days / limit, p.stage_age_from, p.stage_age_full)
    return share, f"在{deal.stage}停留{days}天（上限{limit}天）" if share else ""


def quote_changes(deal: DealFacts, ctx: Context) -> tuple[float, str]:
    changes = sum(1 for a, b in zip(deal.quotes, deal.quotes[1:]) if a != b)
    return _count_share(changes, ctx.policy.quote_changes_full), f"报价改了{changes}次" if changes else ""


def spread(quotes: tuple[float, ...] | list[float]) -> float:
    """How far quotes stray from their median, as a share of it (0.23 = ±23%); 0 with fewer than two."""
    quotes = [q for q in quotes if q and q > 0]
    if len(quotes) < 2:
        return 0.0
    middle = statistics.median(quotes)
    return max(abs(q - middle) for q in quotes) / middle


def quote_spread(deal: DealFacts, ctx: Context) -> tuple[float, str]:
    found = spread(deal.customer_quotes)
    limit = ctx.policy.quote_spread
    return (1.0, f"同一客户报价浮动±{found:.0%}（超过±{limit:.0%}）") if found > limit else (0.0, "")


def next_step(deal: DealFacts, ctx: Context) -> tuple[float, str]:
    return float(deal.next_step is None), "没有安排下一步"


def budget(deal: DealFacts, ctx: Context) -> tuple[float, str]:
    return float(not deal.budget_known), "预算未知"


def risks(deal: DealFacts, ctx: Context) -> tuple[float, str]:
    if not deal.risks:
        return 0.0, ""
    phrases = "、".join(dict.fromkeys(deal.risks))
    return _count_share(len(deal.risks), ctx.policy.risks_full), f"口头承诺风险：{phrases}"


NOTHING = {indicator: Part(indicator, 0.0, "") for indicator in INDICATORS}  # what an indicator that took nothing says

RULES: dict[str, Callable[[DealFacts, Context], tuple[float, str]]] = {
    "silence": silence, "density": touch_density, "promises": promises, "objections": open_objections,
    "late_rival": late_rival, "chain": chain, "stage_age": stage_age, "quote_changes": quote_changes,
    "quote_spread": quote_spread, "next_step": next_step, "budget": budget, "risks": risks,
}


def score(deal: DealFacts, ctx: Context) -> Health:
    """The deal's health and what each indicator took (a reason is written only when it took points)."""
    parts = []
    weights = ctx.policy.weights
    for indicator in INDICATORS:
        share, reason = RULES[indicator](deal, ctx)
        points = round(weights.get(indicator, 0) * min(1.0, max(0.0, share)), 1) if share else 0.0
        parts.append(Part(indicator, points, reason) if points > 0 else NOTHING[indicator])
    total = 100 - sum(p.points for p in parts)
    # half up (not to even): a whole-weight change then always moves the score by exactly that weight
    return Health(deal, int(math.floor(min(100.0, max(0.0, total)) + 0.5)), tuple(parts))


def score_all(deals: list[DealFacts], now: datetime, policy: InsightPolicy, *, stall_days: dict[str, int],
              stage_order: tuple[str, ...], median: float | None = None) -> list[Health]:
    """Every deal's health, lowest first (ties: the older deal first). `median` is the team's touch
    density (computed from `deals` when not given: pass it when `deals` is only part of a team)."""
    if median is None:
        median = median_density(deals, now, policy)
    ctx = Context(now, policy, stall_days, stage_order, median)
    return sorted((score(d, ctx) for d in deals), key=lambda h: (h.score, h.deal.deal_id))
