"""The leads' reports on a seeded team, with every expected figure worked out by hand.

The world (times in Asia/Shanghai; "now" is Thursday 2026-03-05 12:00; this week is Mon 03-02 .. Sun 03-08):
  华东一组: 赵总监 (lead), 王经理 (manager of 小李 and 小张), 小李, 小张, 小孙 (reps; 小孙 has no manager)
  华南组:   管理员 (admin), 小陈 (rep)
  Stages 线索 0.1 (stall 14 d), 方案 0.4 (21 d), 谈判 0.6 (30 d).

  N0 小张 01-10 10:00 孙总/联想, budget 3万             -> D6 线索 (stalled: 54 days)
  N10 小孙 02-01 10:00 钱总/国美, budget 2万            -> D7 线索 (stalled: 32 days)
  N1 小李 02-20 10:00 张总/盒马, quote 10万             -> D1 线索; moved to 方案 03-02 11:00; close 04-15
  N7 小张 02-27 10:00 孙总/联想, followup 03-02        -> C5, done 03-03 09:00 (late)
  N2 小李 03-02 10:00 盒马: A型号50台, price, 海康威视, delivery 03-04 -> C1, done 03-04 16:00 (kept)
  N3 小李 03-03 09:00 刘工/物美, budget 5万, price + delivery_time, followup 03-06 -> D2, C2 (pending); D2 lost 03-05
  N4 小张 03-03 11:00 王总/万科, deal 20万, 海康威视 + 大华, meeting 03-04 -> D3, C3 (broken); 线索->谈判 03-04, won 03-05
  N5 小孙 03-04 15:00 李总/苏宁, quote 8万, price, deadline 03-20, close said 03-20 -> D4 (expected close 03-20), C4
  N8 小李 03-04 09:00 "车间主任刘师傅…" 盒马            -> contact 刘师傅 (user)
  N9 小李 03-04 09:30 "技术部的陈工…" 盒马              -> contact 陈工, learned: influencer
  N6 小陈 03-03 10:00 周总/华润, quote 30万, quality, meeting 03-04 -> D5 (华南组), C6 (broken)
"""
from __future__ import annotations

import struct
from datetime import date, datetime, timedelta, timezone
from io import BytesIO

import pytest
from sqlmodel import select

from bot import reports
from bot.messages import Outbound
from storage.deals import change_stage, close_deal, complete_commitment, set_expected_close
from storage.models import Contact, Team
from storage.notes import apply_extraction, record_inbound
from storage.stages import stages_from_config
from storage.teams import add_member, add_team

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 3, 5, 12, 0, tzinfo=CST)
STAGES = stages_from_config([{"name": "线索", "probability": 0.1, "stall_days": 14},
                             {"name": "方案", "probability": 0.4, "stall_days": 21},
                             {"name": "谈判", "probability": 0.6, "stall_days": 30}])


def at(month, day, hour, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=CST)


def ext(name=None, company=None, items=(), dates=(), money=(), objections=(), competitors=(), close=None):
    said = {"customer": {"name": name, "company": company}, "items": list(items), "dates": list(dates),
            "money": list(money), "objections": list(objections), "competitors": list(competitors)}
    if close:   # a close said (月底前签): the parser's expected_close
        said["expected_close"] = {"start": close, "end": (date.fromisoformat(close) + timedelta(days=1)).isoformat(),
                                  "grain": "day"}
    return said


def planned(day, kind):
    return {"date": day, "kind": kind, "status": "planned"}


@pytest.fixture
def world(db_session):
    s = db_session
    east = add_team(session=s, name="华东一组")
    south = add_team(session=s, name="华南组")
    w = {"lead": add_member(session=s, team=east, name="赵总监", role="lead")}
    w["manager"] = add_member(session=s, team=east, name="王经理", role="manager")
    w["li"] = add_member(session=s, team=east, name="小李", manager=w["manager"])
    w["zhang"] = add_member(session=s, team=east, name="小张", manager=w["manager"])
    w["sun"] = add_member(session=s, team=east, name="小孙")
    w["admin"] = add_member(session=s, team=south, name="管理员", role="admin")
    w["chen"] = add_member(session=s, team=south, name="小陈")
    counter = iter(range(1000))

    def note(who, when, extraction, text=None):
        recorded, _ = record_inbound(session=s, author_id=w[who].id, channel="local",
                                     channel_message_id=f"m{next(counter)}", received_at=when,
                                     text=text or str(extraction))
        return apply_extraction(session=s, note=recorded, extraction=extraction, stages=STAGES)

    w["D6"] = note("zhang", at(1, 10, 10), ext("孙总", "联想", money=[{"amount": 30000, "kind": "budget"}])).deal
    w["D7"] = note("sun", at(2, 1, 10), ext("钱总", "国美", money=[{"amount": 20000, "kind": "budget"}])).deal
    w["D1"] = note("li", at(2, 20, 10), ext("张总", "盒马", money=[{"amount": 100000, "kind": "quote"}])).deal
    c5 = note("zhang", at(2, 27, 10), ext("孙总", "联想", dates=[planned("2026-03-02", "followup")])).commitments[0]
    c1 = note("li", at(3, 2, 10), ext("张总", "盒马", items=[{"product": "A型号", "quantity": 50, "unit": "台"}],
                                       objections=["price"], competitors=["海康威视"],
                                       dates=[planned("2026-03-04", "delivery")])).commitments[0]
    change_stage(session=s, deal=w["D1"], stage="方案", stages=STAGES, by_id=w["li"].id, at=at(3, 2, 11))
    set_expected_close(session=s, deal=w["D1"], day=date(2026, 4, 15))
    w["D2"] = note("li", at(3, 3, 9), ext("刘工", "物美", money=[{"amount": 50000, "kind": "budget"}],
                                          objections=["price", "delivery_time"],
                                          dates=[planned("2026-03-06", "followup")])).deal
    complete_commitment(session=s, commitment=c5, at=at(3, 3, 9))
    w["D3"] = note("zhang", at(3, 3, 11), ext("王总", "万科", money=[{"amount": 200000, "kind": "deal"}],
                                              competitors=["海康威视", "大华"],
                                              dates=[planned("2026-03-04", "meeting")])).deal
    w["D5"] = note("chen", at(3, 3, 10), ext("周总", "华润", money=[{"amount": 300000, "kind": "quote"}],
                                             objections=["quality"], dates=[planned("2026-03-04", "meeting")])).deal
    n8 = note("li", at(3, 4, 9), ext("刘师傅", "盒马"), text="盒马车间主任刘师傅说设备好用").note
    n9 = note("li", at(3, 4, 9, 30), ext("陈工", "盒马"), text="盒马技术部的陈工要参数表").note
    w["learned"] = [reports.learn_contact_roles(session=s, note_id=n.id) for n in (n8, n9)]
    change_stage(session=s, deal=w["D3"], stage="谈判", stages=STAGES, by_id=w["zhang"].id, at=at(3, 4, 10))
    complete_commitment(session=s, commitment=c1, at=at(3, 4, 16))
    w["D4"] = note("sun", at(3, 4, 15), ext("李总", "苏宁", money=[{"amount": 80000, "kind": "quote"}],
                                            objections=["price"], dates=[planned("2026-03-20", "deadline")],
                                            close="2026-03-20")).deal
    close_deal(session=s, deal=w["D3"], status="won", by_id=w["zhang"].id, at=at(3, 5, 9))
    close_deal(session=s, deal=w["D2"], status="lost", by_id=w["li"].id, at=at(3, 5, 10))
    w["session"] = s
    return w


def run(w, fn, who, **kwargs):
    return fn(session=w["session"], member=w[who], **kwargs)


# --- pipeline --------------------------------------------------------------------------------

# (stage, deals, amount, weighted) per role; worked out from the world above.
PIPELINE = {
    # open: D1 方案 10万 (li), D4 线索 8万 (sun), D6 线索 3万 (zhang), D7 线索 2万 (sun)
    "lead": ([("线索", 3, 130000, 13000), ("方案", 1, 100000, 40000), ("谈判", 0, 0, 0)], 4, 230000, 53000),
    "manager": ([("线索", 1, 30000, 3000), ("方案", 1, 100000, 40000), ("谈判", 0, 0, 0)], 2, 130000, 43000),
    "li": ([("线索", 0, 0, 0), ("方案", 1, 100000, 40000), ("谈判", 0, 0, 0)], 1, 100000, 40000),
    "sun": ([("线索", 2, 100000, 10000), ("方案", 0, 0, 0), ("谈判", 0, 0, 0)], 2, 100000, 10000),
    # + D5 线索 30万 of 华南组
    "admin": ([("线索", 4, 430000, 43000), ("方案", 1, 100000, 40000), ("谈判", 0, 0, 0)], 5, 530000, 83000),
}


@pytest.mark.parametrize("who", list(PIPELINE))
def test_pipeline_per_role(world, who):
    stages, deals, amount, weighted = PIPELINE[who]
    report = run(world, reports.pipeline_report, who, stages=STAGES, chart=False)
    got = report.figures
    assert [(s, n, a, pytest.approx(wt)) for s, n, a, wt in got["stages"]] == stages
    assert (got["deals"], got["amount"], got["weighted"]) == (deals, amount, pytest.approx(weighted))
    assert f"合计：{deals}个商机" in report.text


def test_pipeline_text_for_the_lead(world):
    report = run(world, reports.pipeline_report, "lead", stages=STAGES, chart=False)
    assert report.lines == ["📊 销售漏斗（全队，进行中）",
                            "线索：3个 · 13万元 · 加权1.3万元",
                            "方案：1个 · 10万元 · 加权4万元",
                            "合计：4个商机 · 23万元 · 加权预测5.3万元"]
    assert report.html.startswith("<b>📊 销售漏斗（全队，进行中）</b>\n线索")


def test_pipeline_sends_text_then_a_png_chart(world):
    report = run(world, reports.pipeline_report, "lead", stages=STAGES)
    out = reports.to_outbounds(report, "telegram", "42", reply_to="7")
    assert [type(o) for o in out] == [Outbound, Outbound]
    assert out[0].text == report.text and out[0].meta["html"] == report.html and out[0].reply_to == "7"
    assert out[1].image.mime == "image/png" and out[1].image.data[:8] == b"\x89PNG\r\n\x1a\n"


def test_an_empty_pipeline_says_so_without_a_chart(world):
    east = world["session"].get(Team, world["lead"].team_id)
    new_rep = add_member(session=world["session"], team=east, name="小新")
    report = reports.pipeline_report(session=world["session"], member=new_rep, stages=STAGES)
    assert report.lines == ["📊 销售漏斗", "漏斗里还没有进行中的商机。发一条客户笔记就会自动建立。"]
    assert report.image is None


# --- stalled ---------------------------------------------------------------------------------

STALLED = {
    # D6 联想 线索 since 01-10 02:00 UTC, D7 国美 线索 since 02-01 02:00 UTC; now 03-05 04:00 UTC
    "lead": [("联想", "线索", 54, 14, "小张"), ("国美", "线索", 32, 14, "小孙")],
    "admin": [("联想", "线索", 54, 14, "小张"), ("国美", "线索", 32, 14, "小孙")],
    "manager": [("联想", "线索", 54, 14, "小张")],
    "zhang": [("联想", "线索", 54, 14, "小张")],
    "sun": [("国美", "线索", 32, 14, "小孙")],
    "li": [],
}


@pytest.mark.parametrize("who", list(STALLED))
def test_stalled_per_role_oldest_first(world, who):
    report = run(world, reports.stalled_report, who, stages=STAGES, now=NOW)
    assert [row[1:] for row in report.figures["rows"]] == STALLED[who]
    assert report.figures["count"] == len(STALLED[who])


def test_stalled_text(world):
    # health (insights, default weights): D6 loses 10 stage age, 8 chain (张总 only), 8 no next step,
    # 4.8 density (0.25 notes a week against the team's median 0.625), 3 one late promise -> 66;
    # D7 loses 15 silence (32 days), 10 stage age, 8 density, 8 chain, 8 no next step -> 51
    report = run(world, reports.stalled_report, "lead", stages=STAGES, now=NOW)
    assert report.lines == ["⏸ 停滞的商机（全队，共2个，最久的在前）",
                            f"#{world['D6'].id} 联想 · 线索 已54天（上限14天）· 小张 · 健康度66分",
                            f"#{world['D7'].id} 国美 · 线索 已32天（上限14天）· 小孙 · 健康度51分"]
    assert run(world, reports.stalled_report, "li", stages=STAGES, now=NOW).lines[-1] == "没有停滞的商机。👍"


# --- customer --------------------------------------------------------------------------------

def test_contact_roles_learned_from_what_notes_say(world):
    assert world["learned"] == [[], [("陈工", "influencer")]]  # 刘师傅 was already a user by his title
    roles = {c.name: c.role for c in world["session"].exec(select(Contact)).all()}
    assert (roles["张总"], roles["刘师傅"], roles["陈工"]) == ("decision_maker", "user", "influencer")


def test_customer_timeline_for_the_rep(world):
    report = run(world, reports.customer_report, "li", name="张总", now=NOW)
    d1 = world["D1"].id
    assert report.lines[:7] == [
        "👤 盒马",
        "联系人：张总（决策人）、刘师傅（使用者）、陈工（影响者）",
        f"商机 #{d1} · 方案 · 10万元 · 预计4月15日成交 · 小李 · 决策链 3/3",
        "产品：A型号 50台",
        "承诺：按时兑现1 · 延迟完成0 · 未兑现0 · 待到期0",
        "异议：价格×1",
        "竞品：海康威视×1",
    ]
    assert report.lines[7] == "最近笔记（4条）："
    assert [line.split("：")[0] for line in report.lines[8:]] == ["  2月20日 小李", "  3月2日 小李", "  3月4日 小李",
                                                                "  3月4日 小李"]


def test_customer_with_a_missing_chain_role_and_a_broken_promise(world):
    report = run(world, reports.customer_report, "zhang", name="万科", now=NOW)
    d3 = world["D3"].id
    assert report.lines[2] == f"商机 #{d3} · 赢单（谈判） · 20万元 · 小张 · 决策链 1/3，缺影响者、使用者"
    assert "承诺：按时兑现0 · 延迟完成0 · 未兑现1 · 待到期0" in report.lines
    assert "竞品：大华×1、海康威视×1" in report.lines


@pytest.mark.parametrize("who, visible", [("li", True), ("manager", True), ("lead", True), ("admin", True),
                                          ("zhang", False), ("sun", False), ("chen", False)])
def test_customer_visibility_per_role(world, who, visible):
    report = run(world, reports.customer_report, who, name="盒马", now=NOW)
    assert (report.lines[0] == "👤 盒马") is visible
    if not visible:
        assert report.lines[-1] == "没有找到你能查看的客户“盒马”。"


def test_role_corrected_in_chat(world):
    s = world["session"]
    assert reports.set_role(session=s, member=world["sun"], arg="李总 影响者") == "已把 李总（苏宁）设为：影响者"
    assert s.exec(select(Contact.role).where(Contact.name == "李总")).one() == "influencer"
    assert reports.set_role(session=s, member=world["li"], arg="李总 决策人") == "没有找到你能查看的联系人“李总”。"
    assert reports.set_role(session=s, member=world["sun"], arg="李总 老大").startswith("请这样说")


# --- week -----------------------------------------------------------------------------------

def test_week_for_the_lead(world):
    report = run(world, reports.week_report, "lead", now=NOW)
    f = report.figures["week"]
    assert (f.new_deals.count, f.new_deals.amount) == (3, 330000)      # D2 5万, D3 20万, D4 8万
    assert f.stage_moves == 2                                          # D1 线索->方案, D3 线索->谈判
    assert (f.won.count, f.won.amount, f.lost.count, f.lost.amount) == (1, 200000, 1, 50000)
    c = f.commitments                                                  # C1 kept, C5 late, C3 broken, C2 pending
    assert (c.due, c.kept, c.late, c.broken, c.pending) == (4, 1, 1, 1, 1)
    assert f.objections == [("price", 3), ("delivery_time", 1)]
    assert f.competitors == [("海康威视", 2), ("大华", 1)]
    assert [(t.team, t.deals, t.covered) for t in f.coverage] == [("华东一组", 4, 1)]  # only 盒马 has all 3
    assert report.lines == [
        "🗓 周报 3月2日—3月8日（全队）",
        "新增商机：3个 · 33万元",
        "阶段推进：2次（线索→方案 1，线索→谈判 1）",
        "赢单：1个 · 20万元；丢单：1个 · 5万元",
        "承诺：到期4个，按时兑现1，延迟完成1，未兑现1，待到期1（兑现率33%）",
        "主要异议：价格 3、交期 1",
        "主要竞品：海康威视 2、大华 1",
        "决策链穿透率：华东一组 25%（1/4）",
        "各人：",
        "  小李：笔记4 · 新商机1 · 推进1 · 赢单0 · 丢单1 · 兑现1 · 未兑现0",
        "  小张：笔记1 · 新商机1 · 推进1 · 赢单1 · 丢单0 · 兑现0 · 未兑现1",
        "  小孙：笔记1 · 新商机1 · 推进0 · 赢单0 · 丢单0 · 兑现0 · 未兑现0",
    ]


def test_week_for_a_manager_and_a_rep(world):
    f = run(world, reports.week_report, "manager", now=NOW).figures["week"]
    assert (f.new_deals.count, f.new_deals.amount, f.stage_moves, f.won.count, f.lost.count) == (2, 250000, 2, 1, 1)
    assert f.objections == [("price", 2), ("delivery_time", 1)]
    assert [(t.deals, t.covered) for t in f.coverage] == [(2, 1)]      # D1 covered, D6 not
    assert [r.name for r in f.reps] == ["小李", "小张"]
    sun = run(world, reports.week_report, "sun", now=NOW)
    f = sun.figures["week"]
    assert (f.new_deals.count, f.commitments.due, f.objections, f.competitors) == (1, 0, [("price", 1)], [])
    assert "承诺：到期0个，按时兑现0，延迟完成0，未兑现0，待到期0（兑现率—）" in sun.lines
    assert "主要竞品：无" in sun.lines and "决策链穿透率：华东一组 0%（0/2）" in sun.lines


def test_week_for_the_admin_covers_every_team(world):
    f = run(world, reports.week_report, "admin", now=NOW).figures["week"]
    assert (f.new_deals.count, f.new_deals.amount) == (4, 630000)     # + D5 30万
    assert (f.commitments.due, f.commitments.broken) == (5, 2)         # + C6 broken
    assert f.objections == [("price", 3), ("delivery_time", 1), ("quality", 1)]
    assert [(t.team, t.deals, t.covered) for t in f.coverage] == [("华东一组", 4, 1), ("华南组", 1, 0)]


def test_last_weeks_report_for_the_monday_job(world):
    east = world["session"].get(Team, world["lead"].team_id)
    report = reports.team_week_report(session=world["session"], team=east, now=at(3, 9, 9))  # Monday 09:00
    f = report.figures["week"]
    assert report.lines[0] == "🗓 周报 3月2日—3月8日（华东一组）"
    assert (f.new_deals.count, f.won.count) == (3, 1)
    # Now it is the 9th: C2 (due 03-06) is broken, no longer pending.
    assert (f.commitments.kept, f.commitments.late, f.commitments.broken, f.commitments.pending) == (1, 1, 2, 0)
    before = reports.team_week_report(session=world["session"], team=east, now=NOW)  # the week of 02-23
    g = before.figures["week"]
    assert (g.new_deals.count, g.stage_moves, [r.name for r in g.reps]) == (0, 0, ["小张", "小孙", "小李"])
    assert [(r.name, r.notes) for r in g.reps][0] == ("小张", 1)     # N7 on 02-27


# --- forecast and team ------------------------------------------------------------------------

def test_forecast_by_expected_close_month(world):
    report = run(world, reports.forecast_report, "lead", stages=STAGES)
    # D4 03-20 (线索 8万), D1 04-15 (方案 10万), undated D6 3万 + D7 2万 (线索)
    assert [(m, n, a, pytest.approx(wt)) for m, n, a, wt in report.figures["months"]] == [
        ("2026-03", 1, 80000, 8000), ("2026-04", 1, 100000, 40000), (None, 2, 50000, 5000)]
    assert report.lines == ["📈 成交预测（全队，按预计成交月）",
                            "26年3月：1个 · 金额8万元 · 加权8000元",
                            "26年4月：1个 · 金额10万元 · 加权4万元",
                            "未定：2个 · 金额5万元 · 加权5000元",
                            "合计加权（有预计成交日的）：4.8万元",
                            f"未定成交日：联想（#{world['D6'].id}）、国美（#{world['D7'].id}）。回复卡片说“预计下月签”即可补上。"]
    assert report.image is not None and report.image.data[:4] == b"\x89PNG"
    li = run(world, reports.forecast_report, "li", stages=STAGES, chart=False)
    assert li.figures["months"] == [("2026-04", 1, 100000, 40000)]


@pytest.mark.parametrize("who, rows", [
    ("lead", [("小李", 4, 1, 1, 0, 1, 1, 0), ("小张", 1, 1, 1, 1, 0, 0, 1), ("小孙", 1, 1, 0, 0, 0, 0, 0)]),
    ("manager", [("小李", 4, 1, 1, 0, 1, 1, 0), ("小张", 1, 1, 1, 1, 0, 0, 1)]),
    ("sun", [("小孙", 1, 1, 0, 0, 0, 0, 0)]),
    ("admin", [("小李", 4, 1, 1, 0, 1, 1, 0), ("小张", 1, 1, 1, 1, 0, 0, 1), ("小孙", 1, 1, 0, 0, 0, 0, 0),
               ("小陈", 1, 1, 0, 0, 0, 0, 1)]),
])
def test_team_activity_this_week_per_role(world, who, rows):
    report = run(world, reports.team_report, who, now=NOW)
    assert [(r.name, r.notes, r.new_deals, r.stage_moves, r.won, r.lost, r.kept, r.broken)
            for r in report.figures["reps"]] == rows
    assert len(report.lines) == 1 + len(rows)


# --- decision-chain role rules ----------------------------------------------------------------

@pytest.mark.parametrize("text, name, role", [
    ("今天见了车间主任王工，他说设备好用", "王工", "user"),
    ("张总是老板，拍板的", "张总", "decision_maker"),
    ("李工（技术负责人）说参数没问题", "李工", "influencer"),
    ("财务李姐说付款要走流程", "李姐", "influencer"),
    ("王经理是采购总监", "王经理", "decision_maker"),       # 采购总监 is longer than any influencer word
    ("操作工小刘反映噪音大", "小刘", "user"),
    ("张总说技术参数要再确认", "张总", None),              # he talks about technology; he is not technical
    ("王工说老板下周回来", "王工", None),                  # the boss is someone else
    ("车间很忙，刘工不在", "刘工", None),                  # another clause
])
def test_role_rules_from_the_common_pack(text, name, role):
    assert reports.role_from_text(text, name) == role


def test_more_stalled_deals_than_shown_are_counted(db_session):
    team = add_team(session=db_session, name="大组")
    rep = add_member(session=db_session, team=team, name="小王")
    lead = add_member(session=db_session, team=team, name="组长", role="lead")
    for i in range(23):
        recorded, _ = record_inbound(session=db_session, author_id=rep.id, channel="local",
                                     channel_message_id=f"s{i}", received_at=at(1, 1, 10) + timedelta(hours=i))
        apply_extraction(session=db_session, note=recorded, extraction=ext(f"客户{i}总", f"公司{i}"), stages=STAGES)
    report = reports.stalled_report(session=db_session, member=lead, stages=STAGES, now=NOW)
    assert report.lines[0] == "⏸ 停滞的商机（全队，共23个，最久的在前）"
    assert len(report.figures["rows"]) == 20 and report.lines[-1] == "……还有3个未列出。"
    assert report.figures["rows"][0][1] == "公司0"
