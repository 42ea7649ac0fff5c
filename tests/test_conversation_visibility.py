"""One visibility rule: after a handover or a claimed lead the new owner sees the customer's whole
history through the conversation (SQLite, and PostgreSQL with SALESBOT_TEST_PG_URL)."""
from __future__ import annotations

from datetime import datetime, timezone

from storage import leads, teams
from storage.lead_models import Lead
from storage.models import Customer
from tests.chat_bot import bot  # noqa: F401

MONDAY = datetime(2026, 12, 7, 2, 0, tzinfo=timezone.utc)


async def test_after_a_handover_the_new_owner_sees_the_history(bot):
    bot.now = MONDAY
    bot.member("主管", role="manager")
    bot.member("李雷", manager="主管")
    bot.member("韩梅", manager="主管")
    await bot.say("李雷", "恒通机械的王总，A型泵要80台，下周四交货")
    await bot.say("李雷", "恒通机械的王总说预算卡得很紧，要再压价")
    before = (await bot.say("韩梅", "客户 恒通机械"))[-1].text
    assert "没有找到" in before                       # not hers yet
    replies = await bot.say("主管", "停用 李雷 交接给 韩梅")
    assert any("韩梅" in r.text for r in replies)
    profile = (await bot.say("韩梅", "客户 恒通机械"))[-1].text
    assert "恒通机械" in profile and "压价" in profile and "80台" in profile
    assert "李雷" in profile                           # whoever wrote it
    # and she can write about it: the next note joins the same customer
    await bot.say("韩梅", "恒通机械的王总同意下周见面")
    assert len(bot.rows(Customer, Customer.name == "恒通机械")) == 1


async def test_after_claiming_a_lead_the_rep_finds_its_customer(bot):
    bot.now = MONDAY
    bot.member("甲")
    with bot.sessions() as s:
        team = teams.find_team(session=s, name="华东")
        values = leads.clean_lead(s, {"company": "远大重工", "name": "陈总", "phone": "13800000000",
                                      "source": "官网"}, team=team, now=MONDAY)
        [lead] = leads.add_leads(session=s, values=[values], now=MONDAY)
        rep = teams.find_member(session=s, name="甲", team=team)
        leads.offer_leads(session=s, pairs=[(lead.id, rep.id)], at=MONDAY)
        lead_id = lead.id
    replies = await bot.say("甲", action=f"lclaim:{lead_id}")
    assert replies and bot.rows(Lead, Lead.id == lead_id)[0].owner_id is not None
    profile = (await bot.say("甲", "客户 远大重工"))[-1].text
    assert "没有找到" not in profile and "远大重工" in profile and "陈总" in profile


async def test_a_rep_still_does_not_see_another_reps_customer(bot):
    bot.now = MONDAY
    bot.member("甲")
    bot.member("乙")
    await bot.say("乙", "恒通机械的王总，A型泵要80台")
    assert "没有找到" in (await bot.say("甲", "客户 恒通机械"))[-1].text
    assert "没有找到" in (await bot.say("甲", "客户 王总"))[-1].text


async def test_after_a_handover_the_new_owners_export_holds_the_history(bot):
    from storage.queries import visible_member_ids
    from storage.report_queries import export_rows
    from storage.teams import find_member, find_team

    bot.now = MONDAY
    bot.member("主管", role="manager")
    bot.member("李雷", manager="主管")
    bot.member("韩梅", manager="主管")
    await bot.say("李雷", "恒通机械的王总，A型泵要80台，下周四交货")
    await bot.say("主管", "停用 李雷 交接给 韩梅")
    with bot.sessions() as s:
        han = find_member(session=s, name="韩梅", team=find_team(session=s, name="华东"))
        rows = export_rows(session=s, member_ids=visible_member_ids(session=s, member=han))
    assert [text for *_, text in rows["notes"][1]] == ["恒通机械的王总，A型泵要80台，下周四交货"]
    assert [(c, p, q) for _, c, p, q, _ in rows["products"][1]] == [("恒通机械", "A型泵", 80)]
