"""The tester's F5 through the conversation (SQLite, and PostgreSQL with SALESBOT_TEST_PG_URL): a
quote or follow-up deadline is no expected close — only a clause that signs, orders or closes says
one — so /forecast shows no close for it; and 下个月月中 is the next month's 15th."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from storage.models import Commitment, Deal
from tests.chat_bot import bot  # noqa: F401

MONDAY = datetime(2026, 12, 7, 2, 0, tzinfo=timezone.utc)     # 10:00 in Shanghai


@pytest.mark.parametrize("said", ["东方电气的周总 让我周五前发报价", "东方电气的周总 让我下周一给报价",
                                  "华电的钱处长，要我们月底前把技术方案交过去"])
async def test_a_deadline_for_a_quote_is_no_close(bot, said):
    bot.now = MONDAY
    bot.member("甲")
    await bot.say("甲", said)
    [deal] = bot.rows(Deal)
    assert deal.expected_close is None and len(bot.rows(Commitment)) == 1     # a to-do, not a close
    forecast = "\n".join(r.text for r in await bot.say("甲", "预测"))
    assert "未定成交日" in forecast and "26年12月" not in forecast


async def test_the_day_a_vague_follow_up_meant_is_no_close(bot):
    bot.now = MONDAY
    bot.member("甲")
    replies = await bot.say("甲", "东方电气的周总 报价的事回头再跟他确认")
    assert "哪一天" in replies[-1].text
    await bot.say("甲", "这周五")
    [todo] = bot.rows(Commitment)
    assert todo.due_date == date(2026, 12, 11)
    assert bot.rows(Deal)[0].expected_close is None


async def test_a_close_in_the_middle_of_next_month(bot):
    bot.now = MONDAY
    bot.member("甲")
    replies = await bot.say("甲", "鑫源机械的贺总 估计下个月月中能签下来")
    [deal] = bot.rows(Deal)
    assert deal.expected_close == date(2027, 1, 15) and "预计成交" in replies[-1].text
    forecast = "\n".join(r.text for r in await bot.say("甲", "预测"))
    assert "27年1月：1个" in forecast and "26年12月" not in forecast
