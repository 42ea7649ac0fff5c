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


# --- stored: the close a note expects, the forecast taken on a month's first day, /forecast ------------------

from datetime import datetime, timedelta  # noqa: E402

from sqlmodel import select  # noqa: E402

from insights.desk import InsightDesk  # noqa: E402
from storage.insight_models import ForecastSnapshot  # noqa: E402
from tests.insights_world import CONFIG, CST, Team, ago  # noqa: E402

Q3 = {"start": "2026-07-01", "end": "2026-10-01", "grain": "quarter"}
JULY_1 = datetime(2026, 7, 1, 0, 0, 45, tzinfo=CST)


def close_on(day: str, end: str | None = None, grain: str = "day") -> dict:
    end = end or (date.fromisoformat(day) + timedelta(days=1)).isoformat()
    return {"start": day, "end": end, "grain": grain}


def forecast_desk(db_sessions) -> InsightDesk:
    """Stages at a win probability of 0.2 each: a deal's weighted forecast is a fifth of its amount."""
    config = {**CONFIG, "stages": [{"name": "线索", "probability": 0.2, "stall_days": 14},
                                   {"name": "商务谈判", "probability": 0.2, "stall_days": 30}]}
    return InsightDesk(sessions=db_sessions, config=config)


def test_a_close_said_as_a_range_keeps_its_end(db_session):
    t = Team(db_session)
    quarter = t.note(5, "远大机械", "张总", close=Q3).deal
    assert (quarter.expected_close, quarter.expected_close_end) == (date(2026, 7, 1), date(2026, 10, 1))
    day = t.note(5, "华强", "赵总", close=close_on("2026-07-15")).deal
    assert (day.expected_close, day.expected_close_end) == (date(2026, 7, 15), None)
    over = t.note(5, "中联", "刘总", close=close_on("2026-06-01", "2026-06-05", "week")).deal  # said of the past
    assert over.expected_close is None
    # a later note moves the close; one that says a day drops the range
    t.note(2, "远大机械", "张总", close=close_on("2026-08-20"))
    db_session.refresh(quarter)
    assert (quarter.expected_close, quarter.expected_close_end) == (date(2026, 8, 20), None)


def test_the_forecast_is_stored_on_the_months_first_day_once(db_session, db_sessions):
    t = Team(db_session, reps=("小李", "小张"))
    t.note(10, "远大机械", "张总", money=[("quote", 300000)], close=Q3)                      # a third in July
    t.note(9, "华强", "赵总", money=[("quote", 100000)], close=close_on("2026-07-15"))       # all in July
    t.note(8, "中联", "刘总", who="小张", money=[("quote", 200000)], close=close_on("2026-08-03"))  # August
    t.note(7, "三一重卡", "孙总", money=[("quote", 50000)])                                    # no close
    d = forecast_desk(db_sessions)
    assert d.snapshot_forecasts(JULY_1 - timedelta(minutes=1)) == 0  # June 30 in Shanghai
    assert d.snapshot_forecasts(JULY_1) == 1
    rows = db_session.exec(select(ForecastSnapshot).where(ForecastSnapshot.team_id == t.team.id)).all()
    assert [(r.owner_id, r.month, r.deals, r.amount, r.weighted) for r in rows] == \
        [(t.rep.id, date(2026, 7, 1), 2, pytest.approx(200000), pytest.approx(40000))]
    assert d.snapshot_forecasts(JULY_1 + timedelta(hours=3)) == 0
    assert forecast_desk(db_sessions).snapshot_forecasts(JULY_1 + timedelta(hours=4)) == 0  # after a restart
    assert forecast_desk(db_sessions).snapshot_forecasts(JULY_1 + timedelta(days=12)) == 0  # not on the 13th
    assert d.snapshot_forecasts(JULY_1 + timedelta(days=31)) == 2  # August 1: the quarter's third and 小张's deal
    august = db_session.exec(select(ForecastSnapshot).where(ForecastSnapshot.team_id == t.team.id,
                                                            ForecastSnapshot.month == date(2026, 8, 1))).all()
    assert sorted((r.owner_id, r.weighted) for r in august) == sorted(
        [(t.rep.id, pytest.approx(20000)), (t.reps["小张"].id, pytest.approx(40000))])


def test_forecast_shows_each_months_accuracy(db_session, db_sessions):
    """July: forecast 2万 (小李's 10万 deal at 0.2), won 2.2万 (+10%, within). August: forecast 4万
    (小张's 20万), won 4.6万 (+15%, outside; one win at 00:00 on August 1 in Shanghai). September: no
    forecast taken (the bot missed its first day), 3万 won."""
    from bot.reports import forecast_report

    t = Team(db_session, reps=("小李", "小张"))
    t.note(9, "华强", "赵总", money=[("quote", 100000)], close=close_on("2026-07-15"))
    t.note(8, "中联", "刘总", who="小张", money=[("quote", 200000)], close=close_on("2026-08-03"))
    d = forecast_desk(db_sessions)
    d.snapshot_forecasts(JULY_1)
    won = t.note(-30, "远大机械", "张总", money=[("deal", 22000)]).deal
    t.close(won, "won", -40)                                    # July 20
    for amount, days, hour, who in ((40000, -52, 0, "小张"), (6000, -60, 12, "小张")):  # August 1 00:00, August 9
        deal = t.note(days + 1 if hour == 0 else days, f"客户{amount}", "王总", who=who, money=[("deal", amount)]).deal
        t.close(deal, "won", days, hour=hour)
    d.snapshot_forecasts(JULY_1 + timedelta(days=31))
    late = t.note(-84, "南钢", "钱总", money=[("deal", 30000)]).deal
    t.close(late, "won", -92)                                   # September 10
    october = ago(-117)

    def lines(who):
        report = forecast_report(session=db_session, member=who, stages=d.stages, chart=False, now=october,
                                 insights=d.policy)
        return report.lines[report.lines.index(next(x for x in report.lines if x.startswith("🎯"))):]

    assert lines(t.lead) == ["🎯 预测准确率（月初加权预测 vs 当月实际赢单，误差在±10%以内为准）",
                             "2026年7月：预测2万元 · 实际2.2万元 · 误差+10% ✅ 准",
                             "2026年8月：预测4万元 · 实际4.6万元 · 误差+15% ❌ 超出±10%",
                             "2026年9月：无预测 · 实际3万元",
                             "2个有预测的月份中1个在±10%以内"]
    assert lines(t.reps["小张"]) == ["🎯 预测准确率（月初加权预测 vs 当月实际赢单，误差在±10%以内为准）",
                                     "2026年8月：预测4万元 · 实际4.6万元 · 误差+15% ❌ 超出±10%",
                                     "2026年9月：无预测 · 实际0元",
                                     "1个有预测的月份中0个在±10%以内"]
    assert lines(t.lead) == lines(t.manager)


def test_forecast_without_any_record_says_so(db_session, db_sessions):
    from bot.reports import forecast_report

    t = Team(db_session)
    report = forecast_report(session=db_session, member=t.lead, stages=forecast_desk(db_sessions).stages,
                             chart=False, now=ago(0), insights=forecast_desk(db_sessions).policy)
    assert report.lines == ["📈 成交预测", "没有进行中的商机。",
                            "🎯 预测准确率：还没有记录（每月1日记下当月的加权预测，月底和实际赢单比较）。"]


def test_by_month_a_quarter_counts_a_third_in_each_month(db_session, db_sessions):
    from bot.reports import forecast_report

    t = Team(db_session)
    t.note(10, "远大机械", "张总", money=[("quote", 300000)], close=Q3)
    report = forecast_report(session=db_session, member=t.lead, stages=forecast_desk(db_sessions).stages, chart=False)
    assert [(m, n, pytest.approx(a), pytest.approx(w)) for m, n, a, w in report.figures["months"]] == [
        ("2026-07", 1, 100000, 20000), ("2026-08", 1, 100000, 20000), ("2026-09", 1, 100000, 20000)]
