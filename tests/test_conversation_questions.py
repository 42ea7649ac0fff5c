"""A question to the bot (a lead's 那单什么时候能签？, 漏斗里一共多少钱？) is no note: nothing is stored, no
deal and no 撞单 are made, and the reply points to the command that shows the answer; a note that
reports a customer's question stays a note. Real storage (SQLite; PostgreSQL with SALESBOT_TEST_PG_URL)."""
from __future__ import annotations

import pytest

from storage.history_models import DuplicateClaim
from storage.models import Deal, Note
from tests.chat_bot import bot  # noqa: F401


async def test_a_leads_question_about_a_reps_customer_stores_nothing(bot):
    bot.member("主管", role="lead")
    bot.member("经理", role="manager")
    bot.member("甲", manager="经理")
    await bot.say("甲", "德润化工采购总监周总 防爆电机60台 单价3800 下个月签合同")
    notes, deals = len(bot.rows(Note)), len(bot.rows(Deal))
    replies = await bot.say("主管", "德润化工那单什么时候能签？")
    assert len(replies) == 1 and "客户 德润化工" in replies[0].text and "已记录" not in replies[0].text
    assert len(bot.rows(Note)) == notes and len(bot.rows(Deal)) == deals and bot.rows(DuplicateClaim) == []
    team = (await bot.say("主管", "团队"))[-1].text
    assert "笔记1" in team and "笔记2" not in team   # the rep's note counts, nothing else


@pytest.mark.parametrize("question, command", [("现在漏斗里一共多少钱？", "漏斗"), ("小周这周跑了几家客户", "团队"),
                                               ("我这周有哪些待办？", "今天"), ("这个月能成交多少", "预测")])
async def test_a_question_is_answered_with_its_command_and_stored_as_nothing(bot, question, command):
    rep = bot.member("甲")
    await bot.say(rep, "宝钢物资戚总 H型钢三十吨 周五发")       # a card before: still no correction of it
    replies = await bot.say(rep, question)
    assert f"“{command}”" in replies[-1].text and "已更新" not in replies[-1].text
    assert len(bot.rows(Note)) == 1


async def test_a_customers_question_reported_by_the_rep_is_a_note(bot):
    rep = bot.member("甲")
    replies = await bot.say(rep, "金桥机电王总问螺杆泵什么时候能到货？")
    assert "已记录" in replies[-1].text and len(bot.rows(Note)) == 1
