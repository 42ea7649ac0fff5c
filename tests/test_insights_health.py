"""Deal health from a team's history: for each of the twelve indicators, two histories that differ in
that one fact, scored as /health scores them; the score moves by the indicator's configured weight and
the reasons are the three indicators that took the most points. A healthy deal against a neglected one.

The healthy story (a rep's deal with 远大机械, days before NOW):
  56 张总 (decision maker): budget 50万, quote 40万, follow-ups planned 30 and 20 days ago (done on time)
     and one 5 days ahead (the next step); moved to 方案 at day 50 (stall 200 days)
  49 李工 (user), 42 陈经理 (influencer), then a note every week: 35, 27, 21, 14, 7, 2
The team's two other deals are idle (no note for 60 days), so the team's median touch density is 0 and
density takes nothing, except in its own test.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from insights import health as h
from insights.read import team_health
from tests.insights_world import NOW, POLICY, Team, ago, day_ago, planned, policy, stages

STAGES = stages(("线索", 200), ("方案", 200), ("报价", 20), ("商务谈判", 200), ("签约", 200))
WEEKLY = (35, 27, 21, 14, 7, 2)


def story(t: Team, *, chain=("李工", "陈经理"), first_contact="张总", weekly=WEEKLY, keep_promises=True,
          next_step=True, budget=True, quotes=None, older_quote=None, move=None, extra=None, others_active=False):
    """The healthy story with the changes a test asks for; returns the deal."""
    if older_quote is not None:  # an earlier, lost deal with this customer
        old = t.note(80, "远大机械", first_contact, money=[("quote", older_quote)]).deal
        t.close(old, "lost", 70)
    money = [("budget", 500000)] if budget else []
    money.append(("quote", (quotes or [400000])[0]))
    dates = [planned(day_ago(30)), planned(day_ago(20))] + ([planned(day_ago(-5))] if next_step else [])
    first = t.note(56, "远大机械", first_contact, money=money, dates=dates)
    deal = first.deal
    t.move(deal, "方案", 50)
    if keep_promises:
        t.done(first.commitments[0], 31)
        t.done(first.commitments[1], 21)
    for days, contact in zip((49, 42), chain):
        t.note(days, "远大机械", contact)
    later_quotes = iter((quotes or [])[1:])
    for days in weekly:
        quote = next(later_quotes, None)
        t.note(days, "远大机械", **({"money": [("quote", quote)]} if quote else {}))
    if move:
        t.move(deal, move[0], move[1], hour=9)
    if extra:
        extra(t, deal)
    for company in ("华强", "中联"):  # the team's other deals
        other = t.note(60, company, "刘总")
        if others_active:
            for days in (27, 20, 13, 6, 1):
                t.note(days, company, "刘总")
        assert other.deal.id != deal.id
    return deal


def score_of(t: Team, deal, pol=POLICY) -> h.Health:
    found = [x for x in team_health(t.s, t.team, NOW, pol, t.stages) if x.deal.deal_id == deal.id]
    assert len(found) == 1
    return found[0]


def top_three(health: h.Health) -> list[str]:
    """The reasons as a reader checks them: the three parts that took the most points."""
    taken = sorted((p for p in health.parts if p.points > 0), key=lambda p: -p.points)
    return [p.reason for p in taken[:3]]


def pair(db_session, pol=POLICY, **change):
    base_team, changed_team = Team(db_session, stages=STAGES), Team(db_session, stages=STAGES)
    common = {k: v for k, v in change.items() if k == "others_active"}
    base = score_of(base_team, story(base_team, **common), pol)
    changed = score_of(changed_team, story(changed_team, **change), pol)
    return base, changed


def test_the_healthy_story_scores_100(db_session):
    t = Team(db_session, stages=STAGES)
    found = score_of(t, story(t))
    assert found.score == 100 and found.reasons == []


# indicator, the change to the healthy story, the reason the changed deal gives
CASES = [
    ("silence", dict(weekly=()), "42天没有跟进"),
    ("promises", dict(keep_promises=False), "2个承诺逾期"),
    ("chain", dict(first_contact="刘先生", chain=("小周", "小吴")), "决策链缺决策人、使用者、影响者"),
    ("late_rival", dict(move=("商务谈判", 10), extra=lambda t, d: t.note(6, "远大机械", competitors=["三一"])),
     "竞品 三一 在商务谈判阶段出现"),
    ("stage_age", dict(move=("报价", 30)), "在报价停留30天（上限20天）"),
    ("objections", dict(move=("报价", 9), extra=lambda t, d: t.note(5, "远大机械", objections=["price", "delivery_time"])),
     "异议未解决：价格、交期"),
    ("next_step", dict(next_step=False), "没有安排下一步"),
    ("quote_spread", dict(older_quote=560000), "同一客户报价浮动±17%（超过±15%）"),
    ("quote_changes", dict(quotes=[400000, 380000, 400000, 390000]), "报价改了3次"),
    ("budget", dict(budget=False), "预算未知"),
    ("risks", dict(extra=lambda t, d: t.note(3, "远大机械", risks=[("免费", "答应免费安装"), ("保证", "保证三天到货")])),
     "口头承诺风险：免费、保证"),
]


@pytest.mark.parametrize("indicator,change,reason", CASES, ids=[c[0] for c in CASES])
def test_one_fact_moves_the_score_by_its_weight(db_session, indicator, change, reason):
    base, changed = pair(db_session, **change)
    weight = POLICY.weight(indicator)
    assert base.score - changed.score == weight
    assert reason in changed.reasons and changed.reasons == top_three(changed)
    assert {p.indicator for p in changed.parts if p.points > 0} - {p.indicator for p in base.parts if p.points > 0} \
        == {indicator}


@pytest.mark.parametrize("indicator,change,reason", CASES, ids=[c[0] for c in CASES])
def test_a_changed_weight_is_the_one_taken(db_session, indicator, change, reason):
    """The same fact with the indicator's weight set to 7 in [insights]: the score moves by 7."""
    base, changed = pair(db_session, policy(**{f"weight_{indicator}": 7}), **change)
    assert base.score - changed.score == 7 and reason in changed.reasons


def test_density_below_the_team_median_takes_its_weight(db_session):
    """No note in four weeks while the team's other deals get one a week; the deal was moved two days
    ago, so it is not silent."""
    base, changed = pair(db_session, others_active=True, move=("报价", 2))
    assert base.score == 100
    base, changed = pair(db_session, others_active=True, move=("报价", 2), weekly=())
    assert base.score - changed.score == POLICY.weight("density")
    assert changed.reasons == ["跟进偏少：每周0.0条（团队中位数1.2条）"]
    base, changed = pair(db_session, policy(weight_density=7), others_active=True, move=("报价", 2), weekly=())
    assert base.score - changed.score == 7


def test_a_configured_weight_is_the_one_used(db_session):
    t = Team(db_session, stages=STAGES)
    deal = story(t, weekly=())
    assert score_of(t, deal, policy(weight_silence=25)).score == 75
    assert score_of(t, deal, policy(weight_silence=25, silence_full_days=84)).score == 100 - round(25 * 35 / 77)


def test_half_the_fact_takes_half_the_weight(db_session):
    base, changed = pair(db_session, chain=("李工", "小吴"))
    assert base.score - changed.score == POLICY.weight("chain") / 3
    assert changed.reasons == ["决策链缺影响者"]


def test_reasons_are_the_three_largest(db_session):
    t = Team(db_session, stages=STAGES)
    deal = story(t, weekly=(), keep_promises=False, budget=False, next_step=False)
    found = score_of(t, deal)
    assert found.reasons == ["42天没有跟进", "2个承诺逾期", "没有安排下一步"]  # 15, 12, 8 (budget took 4)
    assert found.score == 100 - 15 - 12 - 8 - 4


def test_a_healthy_deal_scores_30_above_a_neglected_one(db_session):
    """Healthy: weekly notes, promises kept, three roles met. Neglected: 40 days silent, two promises
    broken, the rival 三一 named at 商务谈判 (the configured stages, 商务谈判 30 days)."""
    t = Team(db_session)
    healthy = t.note(56, "远大机械", "张总", money=[("budget", 500000), ("quote", 400000)],
                     dates=[planned(day_ago(30)), planned(day_ago(20)), planned(day_ago(-5))])
    t.done(healthy.commitments[0], 31)
    t.done(healthy.commitments[1], 20)
    t.move(healthy.deal, "商务谈判", 20)
    for days, contact in ((49, "李工"), (42, "陈经理"), (35, None), (28, None), (21, None), (14, None), (7, None)):
        t.note(days, "远大机械", contact)
    neglected = t.note(70, "三一重卡经销", "孙总", money=[("budget", 300000), ("quote", 280000)],
                       dates=[planned(day_ago(35)), planned(day_ago(30))])
    for days, contact in ((65, "郑工"), (60, "吴经理")):
        t.note(days, "三一重卡经销", contact)
    t.move(neglected.deal, "商务谈判", 45)
    t.note(40, "三一重卡经销", competitors=["三一"], text="孙总说三一也在报价")
    scores = {x.deal.deal_id: x for x in team_health(t.s, t.team, NOW, POLICY, t.stages)}
    good, bad = scores[healthy.deal.id], scores[neglected.deal.id]
    assert good.score - bad.score >= 30
    assert bad.reasons == ["40天没有跟进", "2个承诺逾期", "竞品 三一 在商务谈判阶段出现"]
    assert good.score >= 80 and bad.score < POLICY.at_risk


def test_a_rival_before_the_late_stage_costs_nothing(db_session):
    t = Team(db_session, stages=STAGES)
    deal = story(t, extra=lambda t, d: (t.note(6, "远大机械", competitors=["三一"]), t.move(d, "商务谈判", 3)))
    assert score_of(t, deal).score == 100


def test_objections_followed_by_progress_cost_nothing(db_session):
    t = Team(db_session, stages=STAGES)
    deal = story(t, extra=lambda t, d: (t.note(6, "远大机械", objections=["price"]), t.move(d, "报价", 3)))
    assert score_of(t, deal).score == 100


# --- the rules alone ------------------------------------------------------------------------------

def facts(**change) -> h.DealFacts:
    base = dict(deal_id=1, customer="远大", owner_id=1, owner="小李", stage="方案", stage_entered_at=NOW - timedelta(days=3),
                last_touch_at=NOW - timedelta(days=1), created_at=NOW - timedelta(days=60), notes_recent=4, kept=2,
                roles=frozenset({"decision_maker", "user", "influencer"}), quotes=(1.0,), customer_quotes=(1.0,),
                next_step=NOW.date(), budget_known=True)
    base.update(change)
    return h.DealFacts(**base)


def test_a_late_promise_counts_half_a_broken_one():
    ctx = h.Context(NOW, POLICY, {"方案": 21}, ("方案",), 1.0)
    assert h.score(facts(late=1), ctx).score == 100 - 3
    assert h.score(facts(late=2, broken=1), ctx).score == 100 - 12
    assert h.score(facts(late=1), ctx).reasons == ["1个承诺延迟完成"]


def test_silence_grows_between_its_thresholds():
    ctx = h.Context(NOW, POLICY, {"方案": 21}, ("方案",), 1.0)
    assert [h.score(facts(last_touch_at=NOW - timedelta(days=d)), ctx).score for d in (7, 18.5, 30, 90)] == \
        [100, 100 - 7, 85, 85]


def test_quote_spread_fires_above_its_threshold_only():
    ctx = h.Context(NOW, POLICY, {"方案": 21}, ("方案",), 1.0)
    assert h.score(facts(customer_quotes=(100.0, 115.0, 130.0)), ctx).score == 100  # ±13%
    assert h.score(facts(customer_quotes=(100.0, 100.0, 116.0)), ctx).score == 100 - 5  # ±16%


# --- [insights] in config.toml -----------------------------------------------------------------------

def test_the_shipped_weights_add_up_to_100():
    assert sum(POLICY.weights.values()) == 100 and len(POLICY.weights) == 12


@pytest.mark.parametrize("section,message", [
    ({"weight_silense": 10}, "[insights] weight_silense: not a known key"),
    ({"weight_silence": -1}, "[insights] weight_silence = -1: expected a number >= 0"),
    ({"at_risk": "low"}, "[insights] at_risk = 'low': expected a number >= 0"),
    ({"daily_time": "9点半"}, "[insights] daily_time = '9点半': expected HH:MM"),
    ({"at_risk_report": "Monday"}, "[insights] at_risk_report = 'Monday': expected e.g. \"MON 09:00\""),
    ({"silence_from_days": 40}, "[insights] silence_full_days must be more than silence_from_days"),
])
def test_a_bad_insights_value_is_refused_naming_the_key(section, message):
    from insights.policy import InsightsConfigError

    with pytest.raises(InsightsConfigError) as found:
        policy(**section)
    assert str(found.value).startswith(message)


def test_the_command_line_refuses_a_bad_insights_section(tmp_path, capsys, monkeypatch):
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.toml").write_text("[insights]\nweight_silence = -5\n", encoding="utf-8")
    code = main(["--db", f"sqlite:///{tmp_path / 'x.db'}", "health", "--team", "华东"])
    assert code == 2 and "[insights] weight_silence = -5" in capsys.readouterr().err
