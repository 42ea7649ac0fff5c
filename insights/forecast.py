"""Forecast accuracy: each month's weighted forecast, taken on its first day, against the amount
actually won in it. Pure: open deals and figures in, months and errors out.

A deal's expected close is a range of days [start, end) (a day, a week, a month, a quarter …); a range
over several months counts evenly in each of them (a quarter: a third in each month), a range within
one month wholly in it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date


def month_of(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def months_of(start: date, end: date | None) -> list[date]:
    """The months the range [start, end) touches (end exclusive; None: start's month alone)."""
    first = month_of(start)
    if end is None or end <= start:
        return [first]
    last = month_of(date.fromordinal(end.toordinal() - 1))
    months, month = [], first
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def share_in(month: date, start: date | None, end: date | None) -> float:
    """How much of a deal expected to close in [start, end) falls in `month` (0 without a close)."""
    if start is None:
        return 0.0
    months = months_of(start, end)
    return 1 / len(months) if month_of(month) in months else 0.0


@dataclass(frozen=True)
class OpenDeal:
    owner_id: int
    amount: float
    probability: float
    start: date | None
    end: date | None = None


@dataclass
class Forecast:
    deals: int = 0
    amount: float = 0.0
    weighted: float = 0.0


def forecast_for(month: date, deals: list[OpenDeal]) -> dict[int, Forecast]:
    """Per owner: the open deals expected to close in `month` (their share of it), their amount and
    the amount weighted by the stage's win probability."""
    found: dict[int, Forecast] = {}
    for d in deals:
        share = share_in(month, d.start, d.end)
        if share <= 0:
            continue
        f = found.setdefault(d.owner_id, Forecast())
        f.deals += 1
        f.amount += (d.amount or 0.0) * share
        f.weighted += (d.amount or 0.0) * d.probability * share
    return found


@dataclass(frozen=True)
class Accuracy:
    month: date
    forecast: float
    actual: float

    @property
    def error(self) -> float | None:
        """(actual - forecast) / forecast; None when nothing was forecast (无预测)."""
        return (self.actual - self.forecast) / self.forecast if self.forecast > 0 else None

    def within(self, tolerance: float) -> bool | None:
        error = self.error
        return None if error is None else abs(error) <= tolerance + 1e-9


def last_months(today: date, count: int) -> list[date]:
    """The `count` months that ended before today's month, oldest first."""
    this = month_of(today)
    return [add_months(this, -n) for n in range(count, 0, -1)]


def accuracy(months: list[date], forecasts: dict[date, float], wins: list[tuple[date, float]]) -> list[Accuracy]:
    """Each month's stored forecast (0 when none) against the amount won on its days (`wins`: the
    local day each deal was won and its amount)."""
    won: dict[date, float] = {}
    for day, amount in wins:
        won[month_of(day)] = won.get(month_of(day), 0.0) + amount
    return [Accuracy(m, forecasts.get(m, 0.0), won.get(m, 0.0)) for m in months]
