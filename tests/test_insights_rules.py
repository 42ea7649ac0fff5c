"""The insight notices from a stored team history, through the desk as `salesbot insights due` and the
running bot see them: each churn warning, coaching message, objection brief and the at-risk list fires
on its threshold and not below it, to the right people, once; the desk sends and marks what it wrote.

NOW is Wednesday 2026-06-10 10:00 in Shanghai (the daily checks go out from 09:30 on working days)."""
from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from sqlmodel import select

from insights.desk import InsightDesk
from storage.lead_models import Touchpoint
from storage.models import Notification
from tests.insights_world import CONFIG, NOW, Team, ago, day_ago, planned, stages


def desk(db_sessions, stages=None, **insights) -> InsightDesk:
    config = copy.deepcopy(CONFIG)
    config["insights"].update(insights)
    if stages is not None:
        config["stages"] = [{"name": n, "probability": 0.2, "stall_days": d} for n, d in stages]
    return InsightDesk(sessions=db_sessions, config=config)


def due(d: InsightDesk, now=NOW, kind=None) -> list[dict]:
    return [x for x in d.dry_run(now) if kind is None or x["kind"] == kind]


def delivered(db_sessions) -> None:
    """What the desk wrote has gone out (as after a sweep)."""
    from sqlalchemy import update

    with db_sessions() as s:
        s.execute(update(Notification).values(sent_at=NOW))
        s.commit()


def won_customer(t: Team, company="远大机械", days=120):
    """A customer won `days` ago."""
    first = t.note(days, company, "张总", money=[("deal", 300000)])
    t.close(first.deal, "won", days - 1)
    return first


# --- churn -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("every,last,fires", [(10, 21, False), (10, 22, True), (15, 30, False), (15, 31, True)])
def test_churn_when_the_gap_outgrows_twice_the_customers_cadence_and_21_days(db_session, db_sessions, every, last,
                                                                             fires):
    """Notes every `every` days up to `last` days ago: warned only when the gap is more than twice the
    median gap and more than 21 days."""
    t = Team(db_session)
    won_customer(t, days=last + 6 * every)
    for k in range(6):
        t.note(last + (5 - k) * every, "远大机械")
    found = due(desk(db_sessions), kind="churn")
    if not fires:
        assert found == []
        return
    assert sorted(x["recipient"] for x in found) == ["小李", "王经理"]
    assert found[0]["text"].splitlines() == [
        "⚠️ 客户流失预警：远大机械（负责人 小李）",
        f"· 已{last}天没有记录，过去180天里笔记间隔的中位数是{every}天",
        "建议尽快回访，了解客户的真实情况。"]
    assert found[0]["due_at"] == "2026-06-10T09:30:00+08:00"


def test_churn_needs_a_cadence_to_compare_with(db_session, db_sessions):
    t = Team(db_session)
    won_customer(t, days=100)
    t.note(60, "远大机械")  # two notes: one gap is no history yet (churn_min_notes = 3)
    assert due(desk(db_sessions), kind="churn") == []


@pytest.mark.parametrize("complaints,fires", [(1, False), (2, True)])
def test_churn_on_repeated_quality_or_service_complaints(db_session, db_sessions, complaints, fires):
    t = Team(db_session)
    first = won_customer(t, days=30)
    t.note(10, "远大机械", objections=["quality"], evidence=[("quality", "上批货外壳有划痕")])
    if complaints > 1:
        t.s.add(Touchpoint(team_id=t.team.id, kind="complaint", company="远大机械", text="售后电话一直没人接",
                           at=ago(3), customer_id=first.deal.customer_id, owner_id=t.rep.id))
        t.s.commit()
    t.note(1, "远大机械", objections=["price"])  # another category: not a complaint
    found = due(desk(db_sessions), kind="churn")
    assert bool(found) is fires
    if fires:
        assert found[0]["text"].splitlines()[1] == \
            "· 近60天质量/服务问题和投诉2次：质量问题“上批货外壳有划痕”；客户投诉“售后电话一直没人接”"


@pytest.mark.parametrize("due_days_ago,fires", [(0, False), (1, True)])
def test_churn_on_a_missed_payment(db_session, db_sessions, due_days_ago, fires):
    t = Team(db_session)
    won_customer(t, days=30)
    t.note(20, "远大机械", dates=[planned(day_ago(due_days_ago), "payment")], text="远大机械说月初付尾款")
    t.note(0.5, "远大机械", hour=8)
    found = due(desk(db_sessions), kind="churn")
    assert bool(found) is fires
    if fires:
        assert "· 付款逾期1笔：6月9日" in found[0]["text"]


def test_churn_at_most_once_a_week_per_customer(db_session, db_sessions):
    t = Team(db_session)
    won_customer(t, days=30)
    t.note(20, "远大机械", dates=[planned(day_ago(2), "payment")])
    d = desk(db_sessions)
    assert d.collect(NOW) == 2  # the owner and the manager
    delivered(db_sessions)
    assert due(d, NOW + timedelta(days=1), "churn") == []
    assert due(d, NOW + timedelta(days=6, hours=23), "churn") == []
    again = due(d, NOW + timedelta(days=7), "churn")
    assert sorted(x["recipient"] for x in again) == ["小李", "王经理"]


def test_no_warning_for_a_customer_never_won(db_session, db_sessions):
    t = Team(db_session)
    t.note(20, "远大机械", dates=[planned(day_ago(2), "payment")])
    assert due(desk(db_sessions), kind="churn") == []


def test_daily_checks_wait_for_a_working_day_and_their_time(db_session, db_sessions):
    t = Team(db_session)
    won_customer(t, days=30)
    t.note(20, "远大机械", dates=[planned(day_ago(2), "payment")])
    d = desk(db_sessions)
    assert due(d, NOW.replace(hour=9, minute=29)) == []
    assert due(d, NOW.replace(hour=9, minute=30)) != []
    saturday = NOW + timedelta(days=3)
    assert due(d, saturday) == []


# --- coaching ----------------------------------------------------------------------------------------

STALL_STAGES = [("线索", 5), ("方案", 90), ("商务谈判", 30)]


def stalled_deals(t: Team, n: int, who="小李"):
    """`n` deals of `who` that each sat in 线索 more than its 5 days, within the last 90 days."""
    for k in range(n):
        deal = t.note(60 - 10 * k, f"客户{who}{k}", "刘总", who=who).deal
        t.move(deal, "方案", 60 - 10 * k - 8)


def won_story(t: Team):
    """小张 won 华强 after answering a price objection."""
    first = t.note(80, "华强", "赵总", who="小张", objections=["price"],
                   evidence=[("price", "赵总说我们比三一贵了一成")], text="赵总说我们比三一贵了一成")
    t.note(78, "华强", who="小张", text="给华强做了三年分期的方案，赵总同意了")
    t.move(first.deal, "方案", 77)
    t.close(first.deal, "won", 70)


@pytest.mark.parametrize("stalls,fires", [(2, False), (3, True)])
def test_coaching_after_three_stalls_at_one_stage(db_session, db_sessions, stalls, fires):
    t = Team(db_session, reps=("小李", "小张"), stages=stages(*STALL_STAGES))
    won_story(t)
    stalled_deals(t, stalls)
    found = due(desk(db_sessions, stages=STALL_STAGES), kind="coach")
    if not fires:
        assert found == []
        return
    rep, manager = sorted(found, key=lambda x: x["recipient"] != "小李")
    assert rep["recipient"] == "小李" and manager["recipient"] == "王经理"
    assert rep["text"].splitlines() == [
        "💡 你的商机近90天在“线索”阶段停滞了3次。看看团队里走过这一阶段并赢单的案例：",
        "✅ 华强（小张）",
        "  异议·价格：“赵总说我们比三一贵了一成”",
        "  后来：“给华强做了三年分期的方案，赵总同意了”"]
    assert manager["text"].startswith("💡 小李 的商机近90天在“线索”阶段停滞了3次。已把团队1个")


@pytest.mark.parametrize("first_days,fires", [(96, False), (94, True)])
def test_coaching_counts_the_stalls_of_the_last_90_days(db_session, db_sessions, first_days, fires):
    """Two stalls lately and one more: it stalled (5 days in 线索) 91 days ago or 89 days ago."""
    t = Team(db_session, reps=("小李", "小张"), stages=stages(*STALL_STAGES))
    won_story(t)
    stalled_deals(t, 2)
    old = t.note(first_days, "老客户", "刘总").deal
    t.move(old, "方案", first_days - 8)
    assert bool(due(desk(db_sessions, stages=STALL_STAGES), kind="coach")) is fires


def test_coaching_needs_three_stalls_at_one_stage(db_session, db_sessions):
    t = Team(db_session, reps=("小李", "小张"), stages=stages(*STALL_STAGES))
    won_story(t)
    stalled_deals(t, 2)  # two in 线索
    late = t.note(80, "拖延客户", "刘总").deal
    t.move(late, "方案", 79)
    t.move(late, "商务谈判", 70)  # and one in 商务谈判 (30 days), stalled 40 days ago
    t.move(late, "方案", 35)
    assert due(desk(db_sessions, stages=STALL_STAGES), kind="coach") == []


def test_the_manager_is_told_once(db_session, db_sessions):
    t = Team(db_session, reps=("小李", "小张"), stages=stages(*STALL_STAGES))
    d = desk(db_sessions, stages=STALL_STAGES)
    won_story(t)
    stalled_deals(t, 3)
    assert d.collect(NOW) == 2
    delivered(db_sessions)
    stalled_deals(t, 1)  # a fourth stall within the 90 days
    assert due(d, NOW + timedelta(days=1), "coach") == []
    assert due(d, NOW + timedelta(days=30), "coach") == []


# --- objection trends ------------------------------------------------------------------------------------

def objections(t: Team, n: int, days_from: float, days_to: float, category="price"):
    step = (days_from - days_to) / max(n, 1)
    for k in range(n):
        t.note(days_from - k * step, f"客户{category}{days_from}-{k}", "刘总", objections=[category],
               evidence=[(category, f"刘总说太贵了（{k}）")], competitors=["三一"] if k % 2 == 0 else [])


@pytest.mark.parametrize("recent,before,fires", [(4, 0, False), (5, 0, True), (6, 12, False), (7, 12, True)])
def test_a_brief_when_a_category_doubles_its_baseline_and_reaches_five(db_session, db_sessions, recent, before,
                                                                       fires):
    """`before` price objections in the 8 weeks before the last 14 days (baseline: before / 4 per 14 days)."""
    t = Team(db_session)
    objections(t, before, 65, 16)
    objections(t, recent, 13, 0.5)
    found = due(desk(db_sessions), kind="brief")
    if not fires:
        assert found == []
        return
    assert [x["recipient"] for x in found] == ["赵总监"]
    lines = found[0]["text"].splitlines()
    assert lines[0] == f"📋 异议简报：{t.team.name} 近14天“价格”异议{recent}次（之前8周平均每14天{before / 4:.1f}次）"
    assert lines[1].startswith(f"涉及客户{recent}个：客户price13-0、")
    assert "  “刘总说太贵了（0）”" in lines and lines[-1] == f"同时提到的竞品：三一×{(recent + 1) // 2}"


def test_a_brief_goes_once_per_surge(db_session, db_sessions):
    t = Team(db_session)
    objections(t, 5, 13, 0.5)
    d = desk(db_sessions)
    assert d.collect(NOW) == 1
    delivered(db_sessions)
    assert due(d, NOW + timedelta(days=1), "brief") == []


# --- the Monday at-risk list ----------------------------------------------------------------------------

def test_the_at_risk_list_goes_to_managers_on_monday_below_the_threshold(db_session, db_sessions):
    t = Team(db_session)
    idle = t.note(50, "远大机械", "张总").deal  # a low score
    t.note(1, "华强", "赵总", money=[("budget", 100000)], dates=[planned(day_ago(-3))])
    monday = NOW + timedelta(days=5, hours=-1)  # 2026-06-15 09:00
    from insights.read import team_health

    scores = {h.deal.customer: h.score for h in team_health(t.s, t.team, monday, desk(db_sessions).policy,
                                                               t.stages)}
    low = scores["远大机械"]
    assert low < scores["华强"]
    assert due(desk(db_sessions, at_risk=low), monday, "atrisk") == []
    [found] = due(desk(db_sessions, at_risk=low + 1), monday, "atrisk")
    assert found["recipient"] == "王经理" and found["due_at"] == "2026-06-15T09:00:00+08:00"
    assert found["text"].splitlines()[:2] == [f"🩺 6月15日 风险商机（健康度低于{low + 1}分，共1个，最低的在前）",
                                              f"· {low}分 #{idle.id} 远大机械 · 线索 · 小李"]
    assert due(desk(db_sessions, at_risk=100), monday - timedelta(minutes=1), "atrisk") == []
    assert due(desk(db_sessions, at_risk=100), monday + timedelta(days=1), "atrisk") == []


# --- sending -----------------------------------------------------------------------------------------

async def test_the_desk_sends_what_it_wrote_once(db_session, db_sessions):
    t = Team(db_session)
    won_customer(t, days=30)
    t.note(20, "远大机械", dates=[planned(day_ago(2), "payment")])
    sent = []

    async def send(member_id, text):
        sent.append((member_id, text.splitlines()[0]))

    d = desk(db_sessions)
    d.send = send
    assert await d.sweep(NOW) == 2
    assert await d.sweep(NOW + timedelta(minutes=1)) == 0
    assert sorted(m for m, _ in sent) == sorted([t.rep.id, t.manager.id])
    rows = db_session.exec(select(Notification).where(Notification.kind == "churn")).all()
    assert len(rows) == 2 and all(r.sent_at is not None for r in rows)
    assert due(d, NOW + timedelta(minutes=2)) == []


# --- the deal health the desk keeps for an admin -----------------------------------------------------------

def test_an_admins_health_reads_what_the_desk_keeps(db_session, db_sessions):
    from bot.insight_reports import health_report
    from storage.teams import add_member

    east, west = Team(db_session), Team(db_session)
    idle = east.note(40, "远大机械", "张总").deal
    west.note(35, "华强", "赵总")
    admin = add_member(session=db_session, team=east.team, name="管理员", role="admin")
    d = desk(db_sessions)

    def admin_view(now):
        return health_report(session=db_session, member=admin, stages=d.stages, policy=d.policy, now=now)

    live = admin_view(NOW)  # nothing kept yet: computed now, team by team
    admin.active = False
    db_session.add(admin)
    db_session.commit()
    d.collect(NOW)
    from storage import insight_queries as iq

    assert [iq.health_computed_at(session=db_session, team_id=x.team.id) for x in (east, west)] == [None, None]
    # no admin and small teams: nothing is kept (nobody reads it)
    admin.active = True
    db_session.add(admin)
    db_session.commit()
    assert [x["customer"] for x in live.figures["deals"]] == ["远大机械", "华强"]
    assert d.collect(NOW) == 0 and d.kept[east.team.id] == NOW
    kept = admin_view(NOW + timedelta(minutes=5))
    assert kept.figures["deals"] == live.figures["deals"] and kept.figures["count"] == 2
    assert "每60分钟更新，最早的是5分钟前算的" in kept.lines[0]
    east.note(0.1, "远大机械", dates=[planned(day_ago(-3))])  # the idle deal is touched
    assert admin_view(NOW + timedelta(minutes=10)).figures["deals"] == live.figures["deals"]
    from bot.reports import stalled_report

    lead_stalled = stalled_report(session=db_session, member=east.lead, stages=d.stages, now=NOW, insights=d.policy)
    admin_stalled = stalled_report(session=db_session, member=admin, stages=d.stages, now=NOW, insights=d.policy)
    kept_score = next(x for x in live.figures["deals"] if x["deal"] == idle.id)["score"]
    assert admin_stalled.figures["health"][idle.id] == kept_score  # what the desk keeps
    assert lead_stalled.figures["health"][idle.id] > kept_score    # computed now, with the new note
    d.collect(NOW + timedelta(minutes=59))
    assert admin_view(NOW + timedelta(minutes=59)).figures["deals"] == live.figures["deals"]
    d.collect(NOW + timedelta(minutes=60))
    fresh = admin_view(NOW + timedelta(minutes=61)).figures["deals"]
    assert [x["customer"] for x in fresh] == ["华强", "远大机械"]
    assert next(x for x in fresh if x["deal"] == idle.id)["score"] > \
        next(x for x in live.figures["deals"] if x["deal"] == idle.id)["score"]


def test_in_a_team_over_health_live_deals_everyones_health_reads_what_the_desk_keeps(db_session, db_sessions):
    """No admin; the team has 3 open deals and health_live_deals is 2: the desk keeps its health and a
    lead's, a manager's and a rep's /health read it (each their own deals); at 3 it is computed at once."""
    from bot.insight_reports import health_report
    from storage import insight_queries as iq
    from storage.teams import add_member

    t = Team(db_session, reps=("小李", "小张"))
    other_manager = add_member(session=db_session, team=t.team, name="钱经理", role="manager")
    zhou = add_member(session=db_session, team=t.team, name="小周", manager=other_manager)
    idle = t.note(40, "远大机械", "张总").deal
    t.note(20, "华强", "赵总", who="小张")
    t.note(10, "中联", "刘总", who=zhou)
    small = desk(db_sessions, health_live_deals=3)
    small.collect(NOW)
    assert iq.health_computed_at(session=db_session, team_id=t.team.id) is None
    d = desk(db_sessions, health_live_deals=2)
    live = health_report(session=db_session, member=t.lead, stages=d.stages, policy=small.policy, now=NOW)
    assert "分钟前算的" not in live.lines[0]
    d.collect(NOW)
    assert iq.health_computed_at(session=db_session, team_id=t.team.id) == NOW

    def view(member, now):
        return health_report(session=db_session, member=member, stages=d.stages, policy=d.policy, now=now)

    kept = view(t.lead, NOW + timedelta(minutes=5))
    assert kept.figures["deals"] == live.figures["deals"] and kept.figures["count"] == 3
    assert kept.lines[0] == "🩺 商机健康度（全队，共3个，{}个低于40分，最低的在前；每60分钟更新，最早的是5分钟前算的）".format(
        live.figures["at_risk"])
    assert [x["customer"] for x in view(t.manager, NOW).figures["deals"]] == \
        [x["customer"] for x in live.figures["deals"] if x["customer"] != "中联"]
    assert [x["customer"] for x in view(t.rep, NOW).figures["deals"]] == ["远大机械"]
    t.note(0.1, "远大机械", dates=[planned(day_ago(-3))])  # touched: the kept score waits for the refresh
    assert view(t.lead, NOW + timedelta(minutes=10)).figures["deals"] == live.figures["deals"]
    from bot.reports import stalled_report

    kept_score = next(x["score"] for x in live.figures["deals"] if x["deal"] == idle.id)
    stalled = stalled_report(session=db_session, member=t.lead, stages=d.stages, now=NOW, insights=d.policy)
    assert stalled.figures["health"][idle.id] == kept_score  # /stalled reads the kept score too
    stalled = stalled_report(session=db_session, member=t.lead, stages=d.stages, now=NOW, insights=small.policy)
    assert stalled.figures["health"][idle.id] > kept_score  # computed now, with the new note
    d.collect(NOW + timedelta(minutes=60))
    fresh = {x["deal"]: x["score"] for x in view(t.lead, NOW + timedelta(minutes=61)).figures["deals"]}
    assert fresh[idle.id] > next(x["score"] for x in live.figures["deals"] if x["deal"] == idle.id)


def test_in_a_team_over_health_live_deals_radar_reads_what_the_desk_keeps(db_session, db_sessions):
    from bot.insight_reports import radar_report

    t = Team(db_session, reps=("小李", "小张"))
    t.note(20, "远大机械", "张总")
    t.note(10, "华强", "赵总", who="小张")
    t.note(5, "中联", "刘总", who="小张")
    d = desk(db_sessions, health_live_deals=2)

    def radar(policy, now, name="小李"):
        return radar_report(session=db_session, member=t.lead, name=name, stages=d.stages, policy=policy, now=now)

    live = radar(d.policy, NOW)  # nothing kept yet: computed now
    d.collect(NOW)
    kept = radar(d.policy, NOW + timedelta(minutes=5))
    assert kept.figures == live.figures and kept.lines[:-1] == live.lines
    assert kept.lines[-1] == "（每60分钟更新，这是5分钟前算的）"
    assert kept.draw is not None
    for days in (4, 3, 2, 1):
        t.note(days, "远大机械", "张总")  # 小李 gets busier: the kept radar waits for the refresh
    assert radar(d.policy, NOW + timedelta(minutes=10)).figures == live.figures
    now_live = radar(desk(db_sessions, health_live_deals=3).policy, NOW + timedelta(minutes=10))
    assert now_live.figures != live.figures and "分钟前算的" not in now_live.lines[-1]
    d.collect(NOW + timedelta(minutes=60))
    assert radar(d.policy, NOW + timedelta(minutes=61)).figures == now_live.figures


def test_each_rep_gets_their_radar_on_monday(db_session, db_sessions):
    t = Team(db_session, reps=("小李", "小张"))
    t.note(20, "远大机械", "张总")
    t.note(10, "华强", "赵总", who="小张")
    t.note(5, "华强", who="小张")
    monday = NOW + timedelta(days=5, hours=-1)
    found = due(desk(db_sessions), monday, "radar")
    assert sorted(x["recipient"] for x in found) == ["小张", "小李"]
    zhang = next(x for x in found if x["recipient"] == "小张")["text"].splitlines()
    assert zhang[0] == "📡 你的本周能力雷达（近90天，在2名销售中排位，0-100）"
    assert zhang[1] == "活动量：100分 · 每周0.2条笔记" and zhang[-1] == "发送“能力”看雷达图。"
    assert due(desk(db_sessions), monday - timedelta(minutes=1), "radar") == []
    assert due(desk(db_sessions), monday + timedelta(days=1), "radar") == []
    assert due(desk(db_sessions, weekly_radar=False), monday, "radar") == []


def test_a_rep_who_wrote_nothing_in_the_window_gets_no_radar(db_session, db_sessions):
    t = Team(db_session, reps=("小李", "小张"))
    t.note(10, "华强", "赵总", who="小张")
    monday = NOW + timedelta(days=5, hours=-1)
    assert [x["recipient"] for x in due(desk(db_sessions), monday, "radar")] == ["小张"]
