"""Expected close through the conversation: said in a note or after a card, kept on the deal as a
range with its grain, and shown by /forecast (SQLite, and PostgreSQL with SALESBOT_TEST_PG_URL)."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from storage.models import Deal
from tests.chat_bot import bot  # noqa: F401

MONDAY = datetime(2026, 12, 7, 2, 0, tzinfo=timezone.utc)     # 10:00 in Shanghai


@pytest.mark.parametrize("said, start, end, grain", [
    ("恒通机械的王总说下个月中旬签合同，预算80万", date(2027, 1, 11), date(2027, 1, 21), "month"),
    ("恒通机械的王总说明年一季度签，预算80万", date(2027, 1, 1), date(2027, 4, 1), "quarter"),
])
async def test_a_close_said_in_a_note_is_kept_as_a_range_and_forecast(bot, said, start, end, grain):
    bot.now = MONDAY
    bot.member("甲")
    replies = await bot.say("甲", said)
    assert "预计成交" in replies[-1].text
    [deal] = bot.rows(Deal)
    assert (deal.expected_close, deal.expected_close_end, deal.expected_close_grain) == (start, end, grain)
    forecast = "\n".join(r.text for r in await bot.say("甲", "/forecast"))
    assert "27年1月" in forecast and "0元" not in forecast.split("27年1月")[1].split("\n")[0]


async def test_the_forecast_lists_deals_without_a_close_and_a_correction_places_them(bot):
    bot.now = MONDAY
    bot.member("甲")
    await bot.say("甲", "恒通机械的王总，A型泵要80台，报价40万")
    forecast = "\n".join(r.text for r in await bot.say("甲", "预测"))
    assert "未定成交日：恒通机械" in forecast
    await bot.say("甲", "预计下个月签约", reply_to="m1")
    [deal] = bot.rows(Deal)
    assert (deal.expected_close.year, deal.expected_close.month) == (2027, 1)
    forecast = "\n".join(r.text for r in await bot.say("甲", "预测"))
    assert "未定成交日" not in forecast and "27年1月：1个" in forecast


async def test_a_payment_or_delivery_date_is_no_close(bot):
    bot.now = MONDAY
    bot.member("甲")
    await bot.say("甲", "恒通机械的王总，下个月中旬付款，下周交货")
    [deal] = bot.rows(Deal)
    assert deal.expected_close is None
