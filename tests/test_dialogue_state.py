"""Nothing conversational lives in memory: the open "哪一天？" question, WeCom's numbered options and
the web chat's history are rows, so a restart (or a second process) continues the dialogue."""
from __future__ import annotations

import asyncio

import pytest

from storage.dialogue_models import ChatMessage, Question
from storage.models import Commitment, Note
from tests.chat_bot import bot  # noqa: F401  (the fixture)
from tests.test_wecom import NOTE, fake, start, wecom_config  # noqa: F401  (fake is a fixture)


DATABASES = ["sqlite", pytest.param("pg", marks=pytest.mark.pg)]


def database_url(kind: str, request, tmp_path) -> str | None:
    """None for the config's SQLite file; a PostgreSQL schema of its own (dropped after the test)."""
    if kind == "sqlite":
        return None
    from urllib.parse import quote

    from tests.storage_db import PgSchema
    schema = PgSchema()
    request.addfinalizer(schema.drop)
    return f"{schema.url}{'&' if '?' in schema.url else '?'}options={quote(f'-csearch_path={schema.name}')}"


async def restart(bot) -> None:
    await bot.conversation.close()
    bot.conversation = bot.make()
    await bot.conversation.resume()


async def test_the_which_day_question_is_answered_after_a_restart(bot):
    rep = bot.member("甲")
    replies = await bot.say(rep, "刘经理说过段时间再来谈价格")
    assert "哪一天" in replies[-1].text and bot.rows(Commitment) == []
    await restart(bot)
    replies = await bot.say(rep, "下周二吧")
    assert "已更新" in replies[-1].text
    [commitment] = bot.rows(Commitment)
    assert commitment.due_date.weekday() == 1 and len(bot.rows(Note)) == 1
    assert [q.closed_at is not None for q in bot.rows(Question)] == [True]


async def test_a_second_process_sees_the_question_the_first_one_asked(bot):
    rep = bot.member("甲")
    await bot.say(rep, "客户说改天再约")
    first = bot.conversation
    bot.conversation = bot.make()          # another process on the same database
    replies = await bot.say(rep, "3月20日")
    assert "已更新" in replies[-1].text and "3月20日" in replies[-1].text
    await first.close()


async def test_a_newer_question_replaces_the_older_one(bot):
    rep = bot.member("甲")
    await bot.say(rep, "王总说近期要来看样品")
    await bot.say(rep, "李总说过几天回复报价")
    replies = await bot.say(rep, "下周四")
    assert "已更新 #2" in replies[-1].text
    [commitment] = bot.rows(Commitment)
    assert commitment.note_id == bot.rows(Note, Note.raw_text.like("李总%"))[0].id


@pytest.mark.parametrize("kind", DATABASES)
async def test_numbered_options_still_work_after_a_restart(tmp_path, fake, kind, request):
    config = wecom_config(tmp_path, fake)
    config["database"]["url"] = database_url(kind, request, tmp_path) or config["database"]["url"]
    running = await start(config, fake)
    await running.join("laoliu")
    card = await running.say("laoliu", NOTE, "已记录")
    assert "回复数字：1 ✅ 确认　2 ✏️ 修改　3 ↩️ 撤回" in card.text
    await running.close()

    running = await start(config, fake)     # the same database, a new process
    try:
        answer = await running.say("laoliu", "2", "直接回复要改的内容")
        assert "数量改成60" in answer.text
        retracted = await running.say("laoliu", "3", "已撤回")
        assert "已撤回" in retracted.text
        assert running.rows(Commitment) == [] and running.rows(Note)[0].error == "retracted"
    finally:
        await running.close()


CHROMIUM_SKIP = "skipped: /usr/bin/chromium not installed (apt-get install chromium fonts-noto-cjk)"


@pytest.mark.slow
@pytest.mark.parametrize("kind", DATABASES)
async def test_the_web_chat_shows_its_history_after_a_server_restart(tmp_path, kind, request):
    from pathlib import Path

    from tests.test_web import ARGS, CHROMIUM, start as start_web, web_config

    if not CHROMIUM.exists():
        pytest.skip(CHROMIUM_SKIP)
    from playwright.async_api import async_playwright

    config = web_config(tmp_path)
    config["database"]["url"] = database_url(kind, request, tmp_path) or config["database"]["url"]
    app, url, stop, task = await start_web(config)
    async with async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = await chromium.new_page()
            await page.goto(url)
            await page.wait_for_selector("#switcher:not([hidden])")
            await page.fill("#text", "孙总，C型号订12台，下周五送货")
            await page.press("#text", "Enter")
            await page.locator(".msg.bot", has_text="已记录").first.wait_for(timeout=20000)

            stop.set()                                  # the server stops and starts again
            await asyncio.wait_for(task, 30)
            app, url, stop, task = await start_web(config)
            await page.reload()
            card = page.locator(".msg.bot", has_text="已记录")
            await card.first.wait_for(timeout=20000)
            assert "C型号 12台" in await card.first.inner_text()
            assert await page.locator(".msg.me", has_text="孙总，C型号订12台").count() == 1
            await card.first.locator("button", has_text="确认").click()   # the old card's buttons still work
            await page.locator(".msg.bot", has_text="✅ 已确认").first.wait_for(timeout=20000)
            shot = tmp_path / "history.png"
            await page.screenshot(path=str(shot), full_page=True)
            Path("/tmp/salesbot_web_history.png").write_bytes(shot.read_bytes())
        finally:
            await chromium.close()
            stop.set()
            await asyncio.wait_for(task, 30)
    with app.sessions() as session:
        from sqlmodel import select

        rows = session.exec(select(ChatMessage).where(ChatMessage.chat_id == "demo-rep").order_by(ChatMessage.id)).all()
    assert [m.sender for m in rows] == ["me", "bot", "bot"]          # the note, its card, the card confirmed
    assert rows[1].body["buttons"] and rows[2].body["edit"] and rows[2].message_id == rows[1].message_id
