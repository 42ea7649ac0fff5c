"""The eight dialogues of issue 18 end to end: the real python-telegram-bot Application against the
suite's fake Bot API on 127.0.0.1, the real parser and storage; judged, as the held-out dialogues
are, by the bot's replies and the database of the run. Wording differs from the issue's."""
from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.app import build_app, serve
from nlu.dates import find_times
from storage.models import Commitment, Customer, Deal, Item, Note
from tests.fake_botapi import FakeBotAPI
from tests.test_telegram import Running, bot_config

SH = ZoneInfo("Asia/Shanghai")


def day_of(words: str):
    return find_times(words, datetime.now(SH))[0].start.date()


class Bot(Running):
    async def quiet(self, user, text, seconds=2.0) -> list[str]:
        """Sends text and returns what the bot said to the user: its first answer (waited for with a generous
        bound, whatever the machine's load) and whatever else came within `seconds` after it."""
        before = len(self.fake.messages_to(user["id"]))
        self.fake.send_text(user, text)
        await self.fake.await_for(lambda sent: len([m for m in sent if m.chat_id == user["id"]]) > before, 90)
        await asyncio.sleep(seconds)
        return [s.text for s in self.fake.messages_to(user["id"])[before:]]


async def started(tmp_path, fake):
    app = build_app(bot_config(tmp_path, fake))
    go, stop = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(serve(app, started=go, stop=stop, warm_up=False))
    await asyncio.wait_for(go.wait(), 30)

    async def halt():
        stop.set()
        await asyncio.wait_for(task, 30)
    return Bot(app, fake), halt


@pytest.fixture
async def bot(tmp_path):
    fake = FakeBotAPI(missing_methods=("setMyCommands",)).start()
    running, halt = await started(tmp_path, fake)
    yield running
    await halt()
    fake.stop()


async def test_a_quantity_corrected_in_plain_words(bot):
    rep = bot.fake.user(3001, "小王")
    await bot.join(rep)
    await bot.reply(rep, "恒通机械王总，A型泵要80台，下周四交货", "已记录")
    card = await bot.reply(rep, "不对不对，他们要的是100台", "已更新")
    assert "A型泵 100台" in card.text
    assert len(bot.rows(Note)) == 1 and [i.quantity for i in bot.rows(Item)] == [100]


async def test_a_delivery_date_corrected_while_the_meeting_stays(bot):
    rep = bot.fake.user(3002, "小李")
    await bot.join(rep)
    await bot.reply(rep, "王总，A型泵80台，下周四交货，上周五见过面", "已记录")
    [before] = bot.rows(Commitment)
    card = await bot.reply(rep, "交期改成下周五", "已更新")
    [note] = bot.rows(Note)
    kinds = {d["kind"]: d for d in note.extraction["dates"]}
    assert kinds["delivery"]["date"] == day_of("下周五").isoformat()
    assert kinds["meeting"]["status"] == "reported" and kinds["meeting"]["date"] == day_of("上周五").isoformat()
    [after] = bot.rows(Commitment)
    assert (after.id, after.kind, after.due_date) == (before.id, "delivery", day_of("下周五"))
    assert f"#{before.id}" in card.text


async def test_a_customer_named_by_company(bot):
    rep = bot.fake.user(3003, "小赵")
    await bot.join(rep)
    await bot.reply(rep, "王总说A型泵要80台，月底前要", "已记录")
    await bot.reply(rep, "公司是恒通机械", "已更新")
    await bot.reply(rep, "恒通机械那边又来电话催交期", "已记录")
    [customer] = bot.rows(Customer)
    assert customer.name == "恒通机械" and not customer.is_person and len(bot.rows(Deal)) == 1
    profile = await bot.reply(rep, "/customer 恒通机械", "恒通机械")
    assert profile.text.count("商机 #") == 1


async def test_a_note_about_two_customers(bot):
    rep = bot.fake.user(3004, "小孙")
    await bot.join(rep)
    before = len(bot.fake.messages_to(rep["id"]))
    bot.fake.send_text(rep, "上午在恒通机械跟王总谈了A型泵30台；下午又去了华星电子，李经理说下个月试用B型阀门")
    cards = await bot.fake.await_for(lambda sent: (lambda got: got if len(got) == 2 else None)(
        [s for s in [m for m in sent if m.chat_id == rep["id"]][before:] if "已记录" in s.text]), 90)
    assert "恒通机械" in cards[0].text and "华星电子" in cards[1].text
    notes = bot.rows(Note)
    assert len(notes) == 2 and len({n.customer_id for n in notes}) == 2


async def test_an_expected_close_next_month_shows_in_the_forecast(bot):
    rep = bot.fake.user(3005, "小周")
    await bot.join(rep)
    await bot.reply(rep, "恒通机械的王总说下个月中旬签合同，报价60万", "已记录")
    [deal] = bot.rows(Deal)
    month = day_of("下个月")
    assert (deal.expected_close.year, deal.expected_close.month) == (month.year, month.month)
    forecast = await bot.reply(rep, "/forecast", "成交预测")
    assert f"{str(month.year)[2:]}年{month.month}月：1个" in forecast.text


async def test_the_history_is_visible_after_a_handover(bot):
    boss, lilei, hanmei = bot.fake.user(3006, "经理"), bot.fake.user(3007, "李雷"), bot.fake.user(3008, "韩梅")
    await bot.join(boss, role="manager")
    with bot.app.sessions() as s:
        from storage import teams
        team = teams.find_team(session=s, name="华东一组")
        manager = teams.find_member(session=s, name="经理", team=team)
        codes = [teams.create_invite(session=s, team=team, role="rep", manager=manager).code for _ in range(2)]
    for user, code in ((lilei, codes[0]), (hanmei, codes[1])):
        bot.fake.send_text(user, f"/start {code}")
        await bot.fake.await_for(lambda sent, u=user: any("欢迎加入" in s.text for s in sent if s.chat_id == u["id"]))
    await bot.reply(lilei, "恒通机械的王总嫌价格高，要再压5个点", "已记录")
    await bot.reply(boss, "停用 李雷 交接给 韩梅", "已停用")
    # matched on the history itself: the handover's notice to 韩梅 names 恒通机械 too and may come first
    profile = await bot.reply(hanmei, "/customer 恒通机械", "压5个点")
    assert "恒通机械" in profile.text and "没有找到" not in profile.text


async def test_emoji_and_ok_are_stored_as_nothing(bot):
    rep = bot.fake.user(3009, "小吴")
    await bot.join(rep)
    await bot.reply(rep, "恒通机械王总，A型泵要80台", "已记录")
    for text in ("👍👍", "好的", "🙏"):
        said = await bot.quiet(rep, text)
        assert said and not any("已记录" in t for t in said)
    assert len(bot.rows(Note)) == 1


async def test_a_vague_date_question_answered_after_a_restart(tmp_path):
    fake = FakeBotAPI(missing_methods=("setMyCommands",)).start()
    try:
        bot, halt = await started(tmp_path, fake)
        rep = fake.user(3010, "小郑")
        await bot.join(rep)
        await bot.reply(rep, "恒通机械的王经理说过段时间再约", "哪一天")
        await halt()
        bot, halt = await started(tmp_path, fake)          # a new process, the same database
        card = await bot.reply(rep, "下周三吧", "已更新")
        await halt()
    finally:
        fake.stop()
    [commitment] = bot.rows(Commitment)
    assert commitment.due_date == day_of("下周三") and len(bot.rows(Note)) == 1 and "恒通机械" in card.text
