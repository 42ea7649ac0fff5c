"""The capability radar from three reps' stored records: each axis is the rep's percentile among the
team's reps, computed from what they did in the last 90 days; an axis with nothing to measure is 无数据.

  甲: 9 notes; 2 promises kept; 远大 with 张总, 李工, 陈经理 (three roles); a price objection, then the
      deal moved on; quotes 10万 and 10.2万 to 远大; a lead touched 2 hours after it came in
  乙: 3 notes; 1 promise kept, 1 broken; 华强 with 刘先生 (no role); an objection, no progress;
      quotes 10万 and 15万; a lead touched after 30 hours
  丙: 6 notes; no promise due; 中联 with 赵总 and 钱工 (two roles); no objection, one quote, no lead
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from insights.radar import RepRecord, percentile, radars
from insights.read import rep_records
from storage.lead_models import Lead
from tests.insights_world import NOW, POLICY, Team, ago, day_ago, planned


def lead(t: Team, who, hours: float):
    t.s.add(Lead(team_id=t.team.id, name="新客户", created_at=ago(20), received_at=ago(20), state="contacted",
                 owner_id=t.reps[who].id, claimed_at=ago(20), contacted_at=ago(20) + timedelta(hours=hours)))
    t.s.commit()


@pytest.fixture
def three(db_session):
    t = Team(db_session, reps=("甲", "乙", "丙"))
    a = t.note(60, "远大", "张总", who="甲", money=[("quote", 100000)],
               dates=[planned(day_ago(50)), planned(day_ago(40))])
    t.done(a.commitments[0], 50)
    t.done(a.commitments[1], 41)
    t.note(58, "远大", "李工", who="甲")
    t.note(56, "远大", "陈经理", who="甲", objections=["price"])
    t.move(a.deal, "初步接触", 50)
    t.note(45, "远大", who="甲", money=[("quote", 102000)])
    for days in (40, 30, 20, 10, 5):
        t.note(days, "远大", who="甲")
    lead(t, "甲", 2)

    b = t.note(60, "华强", "刘先生", who="乙", money=[("quote", 100000)],
               dates=[planned(day_ago(50)), planned(day_ago(40))], objections=["delivery_time"])
    t.done(b.commitments[0], 51)
    t.note(30, "华强", who="乙", money=[("quote", 150000)])
    t.note(10, "华强", who="乙")
    lead(t, "乙", 30)

    t.note(60, "中联", "赵总", who="丙", money=[("quote", 80000)])
    for days in (50, 40, 30, 20):
        t.note(days, "中联", who="丙")
    t.note(10, "中联", "钱工", who="丙")
    t.note(120, "中联", who="丙")  # before the 90 days: not counted
    return t


def test_each_axis_ranks_the_reps(three):
    found = {r.name: {a.axis: a for a in r.axes} for r in radars(rep_records(three.s, three.team, NOW, POLICY,
                                                                               three.stages))}
    scores = {name: {axis: a.score for axis, a in axes.items()} for name, axes in found.items()}
    assert scores["甲"] == {"activity": 100, "promises": 100, "chain": 100, "follow_through": 100, "price": 100,
                           "first_touch": 100}
    assert scores["乙"] == {"activity": 0, "promises": 0, "chain": 0, "follow_through": 0, "price": 0,
                           "first_touch": 0}
    assert scores["丙"] == {"activity": 50, "promises": None, "chain": 50, "follow_through": None, "price": None,
                           "first_touch": None}
    texts = {axis: a.text for axis, a in found["乙"].items()}
    assert texts == {"activity": "每周0.2条笔记", "promises": "按时兑现50%", "chain": "平均覆盖0.0/3",
                     "follow_through": "异议后推进0%", "price": "报价浮动±20%", "first_touch": "中位30.0小时"}
    assert found["丙"]["promises"].text == "无数据"
    assert found["甲"]["activity"].team_median == 50


def test_only_active_reps_are_ranked(three):
    from storage.teams import add_member

    add_member(session=three.s, team=three.team, name="新人")
    names = [r.name for r in radars(rep_records(three.s, three.team, NOW, POLICY, three.stages))]
    assert names == ["甲", "乙", "丙", "新人"]
    new = radars(rep_records(three.s, three.team, NOW, POLICY, three.stages))[-1]
    assert new.axes[0].score == 0 and new.axes[0].text == "每周0.0条笔记"
    assert all(a.score is None for a in new.axes[1:])


@pytest.mark.parametrize("value,values,expected", [
    (3, [1, 2, 3], 100), (1, [1, 2, 3], 0), (2, [1, 2, 3], 50), (2, [2, 2, 5], 25), (5, [5], 50),
    (2, [1, 2, 2, 3], 50)])
def test_percentile(value, values, expected):
    assert percentile(value, values) == expected


def test_a_lone_rep_sits_in_the_middle():
    [radar] = radars([RepRecord(1, "甲", notes=5, weeks=1, kept=1)])
    assert [a.score for a in radar.axes[:2]] == [50, 50]
