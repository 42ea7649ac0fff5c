"""The tester's F4 through the conversation (SQLite, and PostgreSQL with SALESBOT_TEST_PG_URL): a
quantity correction that names none of several items asks which, with one button per item, and a
reply naming one item (typed, or the button) answers it; it never becomes a note."""
from __future__ import annotations

from datetime import timedelta

from storage.models import Item, Note
from tests.chat_bot import bot  # noqa: F401


async def asked(bot, rep):
    await bot.say(rep, "平安物业的柯经理 摄像头二十个 录像机两台")
    question = (await bot.say(rep, "数量改成30"))[-1]
    assert "要改哪一个" in question.text
    return question


async def test_which_item_is_asked_with_one_button_per_item(bot):
    rep = bot.member("甲")
    question = await asked(bot, rep)
    labels = [b.text for row in question.buttons for b in row]
    assert labels == ["摄像头 20个", "录像机 2台"]
    replies = await bot.say(rep, action=question.buttons[1][0].data, reply_to=f"m{len(bot.sent)}")
    assert "已更新 #1" in replies[-1].text and "录像机 30台" in replies[-1].text
    assert sorted(i.quantity for i in bot.rows(Item)) == [20, 30]


async def test_naming_the_item_answers_the_question(bot):
    rep = bot.member("甲")
    await asked(bot, rep)
    replies = await bot.say(rep, "录像机")
    assert "已更新 #1" in replies[-1].text and "摄像头 20个；录像机 30台" in replies[-1].text
    assert len(bot.rows(Note)) == 1
    replies = await bot.say(rep, "录像机")            # answered: the same name again is no answer
    assert "已更新" not in replies[-1].text


async def test_a_name_long_after_the_question_is_no_answer(bot):
    rep = bot.member("甲")
    await asked(bot, rep)
    bot.now += timedelta(minutes=11)
    await bot.say(rep, "录像机")
    assert sorted(i.quantity for i in bot.rows(Item) if i.note_id == 1) == [2, 20]
