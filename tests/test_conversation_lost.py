"""A lost deal (阶段 N 丢单) closes its open to-dos, says so, and the customer's profile lists it no more;
a won deal keeps its delivery to-do. Real storage (SQLite; PostgreSQL with SALESBOT_TEST_PG_URL)."""
from __future__ import annotations

from storage.history_models import ChangeLog
from storage.models import Commitment, Deal
from tests.chat_bot import bot  # noqa: F401


async def test_a_lost_deal_closes_its_open_to_dos(bot):
    rep = bot.member("甲")
    await bot.say(rep, "恒泰电气孙经理 变频器20台 明天送货")
    [todo], [deal] = bot.rows(Commitment), bot.rows(Deal)
    assert "待办" in (await bot.say(rep, "客户 恒泰电气"))[-1].text
    reply = (await bot.say(rep, f"阶段 {deal.id} 丢单"))[-1].text
    assert "已改为：丢单" in reply and "待办已关闭" in reply and f"#{todo.id}" in reply
    assert bot.rows(Commitment)[0].state == "cancelled" and bot.rows(Deal)[0].status == "lost"
    assert bot.rows(ChangeLog, ChangeLog.entity == "commitment", ChangeLog.reason == "deal lost")
    profile = (await bot.say(rep, "客户 恒泰电气"))[-1].text
    assert "待办" not in profile and "丢单" in profile


async def test_a_won_deal_keeps_its_delivery_to_do(bot):
    rep = bot.member("甲")
    await bot.say(rep, "恒泰电气孙经理 变频器20台 明天送货")
    [deal] = bot.rows(Deal)
    reply = (await bot.say(rep, f"阶段 {deal.id} 赢单"))[-1].text
    assert "已改为：赢单" in reply and "待办已关闭" not in reply
    assert bot.rows(Commitment)[0].state == "open"
