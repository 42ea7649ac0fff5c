"""Forecast accuracy, the rules alone: close ranges spread over their months, a month's weighted
forecast per owner, the error against what was won and whether it is within ±10%."""
from __future__ import annotations

from datetime import date

import pytest

from insights.forecast import Accuracy, OpenDeal, forecast_for, last_months, months_of, share_in


@pytest.mark.parametrize("start,end,months", [
    (date(2026, 7, 15), None, [date(2026, 7, 1)]),                                          # a day
    (date(2026, 7, 11), date(2026, 7, 21), [date(2026, 7, 1)]),                             # 中旬
    (date(2026, 7, 1), date(2026, 8, 1), [date(2026, 7, 1)]),                               # a month
    (date(2027, 1, 1), date(2027, 4, 1), [date(2027, 1, 1), date(2027, 2, 1), date(2027, 3, 1)]),  # a quarter
    (date(2026, 12, 28), date(2027, 1, 4), [date(2026, 12, 1), date(2027, 1, 1)]),          # a week over new year
])
def test_the_months_a_close_range_touches(start, end, months):
    assert months_of(start, end) == months


def test_a_quarter_counts_a_third_in_each_month():
    q1 = (date(2027, 1, 1), date(2027, 4, 1))
    assert [share_in(date(2027, m, 1), *q1) for m in (1, 2, 3, 4)] == [pytest.approx(1 / 3)] * 3 + [0]
    assert share_in(date(2027, 1, 1), None, None) == 0


def test_a_months_forecast_per_owner():
    deals = [OpenDeal(1, 300000, 0.5, date(2027, 1, 1), date(2027, 4, 1)),   # a third in January
             OpenDeal(1, 100000, 0.9, date(2027, 1, 20)),                    # all in January
             OpenDeal(2, 200000, 0.25, date(2027, 1, 1), date(2027, 2, 1)),
             OpenDeal(2, 500000, 0.9, date(2027, 2, 3)),                     # February: not counted
             OpenDeal(3, 800000, 0.9, None)]                                 # no close: not counted
    found = forecast_for(date(2027, 1, 1), deals)
    assert sorted(found) == [1, 2]
    assert found[1].weighted == pytest.approx(300000 * 0.5 / 3 + 100000 * 0.9)
    assert found[1].deals == 2 and found[1].amount == pytest.approx(200000)
    assert found[2].weighted == pytest.approx(50000)


@pytest.mark.parametrize("forecast,actual,error,within", [
    (100000, 110000, 0.10, True), (100000, 90000, -0.10, True), (100000, 110001, 0.10001, False),
    (100000, 0, -1.0, False), (0, 50000, None, None)])
def test_the_error_and_the_ten_percent_band(forecast, actual, error, within):
    a = Accuracy(date(2026, 5, 1), forecast, actual)
    assert (a.error == pytest.approx(error)) if error is not None else a.error is None
    assert a.within(0.10) is within


def test_the_last_six_months_are_the_ones_that_ended():
    assert last_months(date(2026, 3, 10), 6) == [date(2025, 9, 1), date(2025, 10, 1), date(2025, 11, 1),
                                                  date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]
