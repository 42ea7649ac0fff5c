"""The evening recap: at recap_at (18:00) on a working day each rep who promised customers something
that day hears it back with 推迟 / 完成 buttons; a rep who promised nothing hears nothing (SQLite, and
PostgreSQL with SALESBOT_TEST_PG_URL)."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

from reminders.policy import policy_from_config
from reminders.scheduler import ReminderScheduler
from storage.models import Commitment
from tests.chat_bot import bot  # noqa: F401

SH = ZoneInfo("Asia/Shanghai")


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH).astimezone(timezone.utc)


def scheduler(bot, **policy):
    sent = []

    async def send(message):
        sent.append(message)
        return "ok"
    return ReminderScheduler(sessions=bot.sessions, policy=replace(policy_from_config(bot.config), **policy),
                             send=send), sent


async def test_the_evening_recap_lists_todays_promises_with_buttons(bot):
    bot.member("甲")
    bot.member("乙")
    bot.now = local("2026-12-08T10:00")          # a Tuesday
    await bot.say("甲", "恒通机械的王总，A型泵80台，下周四交货")
    bot.now = local("2026-12-08T15:00")
    await bot.say("甲", "华星电子的李经理，周五去演示")
    await bot.say("乙", "远大重工的陈总说价格再考虑一下")     # no promise
    sweep, sent = scheduler(bot)
    assert await sweep.sweep(local("2026-12-08T17:59")) == 0
    assert await sweep.sweep(local("2026-12-08T18:00")) == 1
    [recap] = sent
    ids = sorted(c.id for c in bot.rows(Commitment))
    assert recap.text.startswith("🌙 今天你答应了客户2件事") and "恒通机械" in recap.text and "华星电子" in recap.text
    assert [b for row in recap.buttons for b in row] == [
        b for i in sorted(ids, key=lambda i: bot.rows(Commitment, Commitment.id == i)[0].due_date)
        for b in ((f"推迟 #{i}", f"cpostpone:{i}"), (f"完成 #{i}", f"cdone:{i}"))]
    assert await sweep.sweep(local("2026-12-08T18:30")) == 0     # once a day
    # the buttons work through the conversation, and 推迟 asks the day, answered by a date alone
    first, second = ids
    replies = await bot.say("甲", action=f"cdone:{first}")
    assert "已完成" in replies[-1].text
    replies = await bot.say("甲", action=f"cpostpone:{second}")
    assert "推迟到哪一天" in replies[-1].text
    replies = await bot.say("甲", "12月21日")
    assert "已推迟" in replies[-1].text
    moved = bot.rows(Commitment, Commitment.id == second)[0]
    assert moved.due_date.isoformat() == "2026-12-21" and moved.state == "open"


async def test_no_recap_on_a_weekend_or_when_turned_off(bot):
    bot.member("甲")
    bot.now = local("2026-12-12T10:00")          # a Saturday
    await bot.say("甲", "恒通机械的王总，A型泵80台，下周四交货")
    sweep, sent = scheduler(bot)
    assert await sweep.sweep(local("2026-12-12T18:00")) == 0
    bot.now = local("2026-12-14T10:00")          # Monday
    await bot.say("甲", "华星电子的李经理，周五去演示")
    off, _ = scheduler(bot, recap_time=None)
    assert await off.sweep(local("2026-12-14T18:00")) == 0
    off._release()                                # its lease, so the other scheduler may sweep
    assert await sweep.sweep(local("2026-12-14T18:00")) == 1 and "1件事" in sent[-1].text


def test_recap_at_is_read_from_the_config():
    assert policy_from_config({"reminders": {"recap_at": "19:30"}}).recap_time == time(19, 30)
    assert policy_from_config({"reminders": {"recap_at": "off"}}).recap_time is None
    assert policy_from_config({}).recap_time == time(18, 0)


def test_an_idle_deal_that_is_also_stalled_gives_one_line_not_two():
    from reminders.rules import DealState, Person, TeamState, due_notices

    policy = policy_from_config(bot_config_dict())
    long_ago = local("2026-11-01T10:00")
    rep, boss = Person(1, "甲", manager_id=2), Person(2, "经理", role="manager")
    state = TeamState(1, "华东", "Asia/Shanghai", [rep, boss], [],
                      [DealState(7, 1, "恒通机械", "线索", long_ago, long_ago),      # idle and stalled
                       DealState(8, 1, "华星电子", "方案报价", local("2026-12-07T10:00"), long_ago)])  # idle only
    notices = due_notices(state, local("2026-12-08T10:00"), policy)
    to_rep = [n for n in notices if n.recipient_id == 1]
    assert sorted((n.subject, n.text[0]) for n in to_rep) == [("deal#7", "🐢"), ("deal#8", "💤")]


def bot_config_dict():
    from bot.config import load_config

    return load_config(None, env={})


def test_a_risk_alert_says_each_sentence_once_with_its_phrases():
    from reminders.lead_texts import risk

    sentence = "我跟他说免费送货，保证三年不坏"
    text = risk("甲", "恒通机械", [{"text": sentence, "phrase": "免费"}, {"text": sentence, "phrase": "保证"}])
    assert text.count(sentence) == 1 and "（免费、保证）" in text


async def test_an_escalation_lets_the_manager_push_or_look(bot):
    from reminders.rules import DealState, Person, Promise, TeamState, batch, due_notices  # noqa: F401

    bot.member("经理", role="manager")
    bot.member("甲", manager="经理")
    bot.member("别组经理", role="manager", team="华南")
    bot.now = local("2026-12-08T10:00")
    await bot.say("甲", "恒通机械的王总，A型泵80台，下周四交货")
    [c] = bot.rows(Commitment)
    escalation = Promise(c.id, c.owner_id, c.kind, c.due_date, c.text, "恒通机械")
    state = TeamState(1, "华东", "Asia/Shanghai", [Person(c.owner_id, "甲", manager_id=1), Person(1, "经理", "manager")],
                      [escalation])
    [message] = batch(due_notices(state, local("2026-12-21T09:00"), policy_from_config(bot_config_dict())))
    assert message.kind == "escalation"
    assert message.buttons == ((("催一下", f"cpush:{c.id}"), ("查看", f"cview:{c.id}")),)
    looked = await bot.say("经理", action=f"cview:{c.id}")
    assert "恒通机械" in looked[-1].text and "甲" in looked[-1].text
    pushed = await bot.say("经理", action=f"cpush:{c.id}")
    assert "已提醒 甲" in pushed[-1].text
    told = [o for o in pushed if o.chat_id == "甲"]
    assert told and "经理 在等" in told[0].text and [b.data for row in told[0].buttons for b in row] == [
        f"cdone:{c.id}", f"cpostpone:{c.id}"]
    assert "没有找到" in (await bot.say("别组经理", action=f"cpush:{c.id}"))[-1].text
