"""/week shows the first-touch time of leads per rep and for the team, and the touchpoint response time."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.reports import week_report
from storage import leads as lead_ops
from storage import teams
from storage import touchpoints as touch_ops
from storage.models import Member

TZ = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 3, 9, 9, 0, tzinfo=TZ)


def test_week_report_has_first_touch_per_rep_and_team_and_response_time(db_session):
    s = db_session
    team = teams.add_team(session=s, name="华东")
    boss = teams.add_member(session=s, team=team, name="周经理", role="manager")
    a = teams.add_member(session=s, team=team, name="甲", role="rep", manager=boss)
    b = teams.add_member(session=s, team=team, name="乙", role="rep", manager=boss)
    # 甲 contacts two leads after 1 h and 3 h, 乙 one after 30 min and has one still waiting
    plan = [(a, 1, True), (a, 3, True), (b, 0.5, True), (b, None, False)]
    for i, (rep, hours, contacted) in enumerate(plan):
        came = MONDAY + timedelta(hours=i)
        values = lead_ops.clean_lead(s, {"team": "华东", "company": f"公司{i}"}, now=came)
        lead = lead_ops.add_leads(session=s, values=[values], now=came)[0]
        lead_ops.offer_leads(session=s, pairs=[(lead.id, rep.id)], at=came)
        member = s.get(Member, rep.id)
        lead_ops.claim(session=s, lead_id=lead.id, member=member, at=came)
        if contacted:
            lead_ops.mark_contacted(session=s, lead_id=lead.id, member=member, at=came + timedelta(hours=hours))
    values = touch_ops.clean_touchpoint(s, {"team": "华东", "kind": "call", "company": "公司0"}, now=MONDAY)
    touch = touch_ops.add_touchpoint(session=s, values=values, now=MONDAY)
    touch_ops.mark_handled(session=s, touchpoint_id=touch.id, member=s.get(Member, a.id),
                           at=MONDAY + timedelta(hours=2))

    text = "\n".join(week_report(session=s, member=s.get(Member, boss.id), now=MONDAY + timedelta(days=2)).lines)
    assert "线索首次联系：3条 · 中位1.0小时；待联系1条" in text
    assert "  甲：2条 · 中位2.0小时" in text
    assert "  乙：1条 · 中位30分钟 · 待联系1" in text
    assert "客户触点响应：处理1条 · 中位2.0小时" in text
    mine = "\n".join(week_report(session=s, member=s.get(Member, a.id), now=MONDAY + timedelta(days=2)).lines)
    assert "乙：" not in mine.split("各人")[0]       # a rep sees only their own figures
