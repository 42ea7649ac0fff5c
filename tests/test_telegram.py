"""The real python-telegram-bot Application against the suite's fake Bot API server on 127.0.0.1.

Each test starts `salesbot run`'s serve() (web server, Telegram channel in polling mode, the
conversation with the real parser and, for voice, the real speech model) and talks to it the way
Telegram would: updates in, Bot API calls out.
"""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from bot.app import build_app, serve
from bot.config import load_config
from storage import teams
from storage.models import ChannelAccount, Commitment, Item, Member, Note
from tests.fake_botapi import FakeBotAPI, free_port

ROOT = Path(__file__).resolve().parent.parent
CLIP = ROOT / "tests" / "data" / "speech_dev" / "sales_01.ogg"   # 张总，A型号订50台，3月15日发货。
NOTE = "张总，A型号订50台，3月15日发货"


def bot_config(tmp_path: Path, fake: FakeBotAPI, **telegram) -> dict:
    config = load_config(None, env={})
    config["database"]["url"] = f"sqlite:///{tmp_path / 'bot.db'}"
    config["telegram"].update(token=fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url,
                              poll_timeout=1, **telegram)
    config["web"].update(host="127.0.0.1", port=free_port())
    config["asr"].update(beam_size=1)
    config["storage"] = {"audio_dir": str(tmp_path / "audio")}
    return config


class Running:
    """A started bot, the fake API it talks to, and helpers to act as users."""

    def __init__(self, app, fake: FakeBotAPI):
        self.app, self.fake = app, fake

    def invite(self, role: str = "rep", team: str = "华东一组", manager: str | None = None) -> str:
        with self.app.sessions() as session:
            try:
                found = teams.find_team(session=session, name=team)
            except teams.NotFound:
                found = teams.add_team(session=session, name=team)
            boss = teams.find_member(session=session, name=manager, team=found) if manager else None
            return teams.create_invite(session=session, team=found, role=role, manager=boss).code

    async def join(self, user: dict, role: str = "rep") -> None:
        self.fake.send_text(user, f"/start {self.invite(role)}")
        await self.fake.await_for(lambda sent: any("欢迎加入" in s.text for s in sent if s.chat_id == user["id"]))

    async def reply(self, user: dict, text: str, contains: str, timeout: float = 90) -> object:
        """Sends text as the user and returns the first new message to them that contains `contains`."""
        before = len(self.fake.messages_to(user["id"]))
        self.fake.send_text(user, text)
        return await self.fake.await_for(lambda sent: next(
            (s for s in [m for m in sent if m.chat_id == user["id"]][before:] if contains in s.text), None), timeout)

    def rows(self, model, *where):
        with self.app.sessions() as session:
            return list(session.exec(select(model).where(*where)).all())


@pytest.fixture
async def bot(tmp_path):
    fake = FakeBotAPI(missing_methods=("setMyCommands",)).start()
    app = build_app(bot_config(tmp_path, fake))
    started, stop = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(serve(app, started=started, stop=stop, warm_up=False))
    await asyncio.wait_for(started.wait(), 30)
    yield Running(app, fake)
    stop.set()
    await asyncio.wait_for(task, 30)
    fake.stop()


async def test_text_note_gets_a_card_with_what_was_understood(bot):
    rep = bot.fake.user(1001, "小王")
    await bot.join(rep)
    card = await bot.reply(rep, NOTE, "已记录")
    assert "张总" in card.text and "A型号 50台" in card.text
    assert "3月15日" in card.text and "交货" in card.text and "已建待办" in card.text
    assert [b["text"] for b in card.buttons] == ["✅ 确认", "✏️ 修改", "↩️ 撤回"]
    assert card.reply_to is not None           # the card answers the note it is about
    notes = bot.rows(Note)
    assert [n.state for n in notes] == ["parsed"]
    assert len(bot.rows(Commitment, Commitment.note_id == notes[0].id)) == 1
    # setMyCommands is missing on this server: logged and skipped, the bot still works
    assert "setMyCommands" in bot.fake.calls


@pytest.mark.slow
async def test_voice_note_is_downloaded_transcribed_and_answered(bot):
    rep = bot.fake.user(1002, "小李")
    await bot.join(rep)
    before = len(bot.fake.messages_to(rep["id"]))
    bot.fake.send_voice(rep, CLIP.read_bytes(), duration=4)
    card = await bot.fake.await_for(lambda sent: next(
        (s for s in sent[before:] if s.chat_id == rep["id"] and "已记录" in s.text), None), 60)
    texts = [s.text for s in bot.fake.messages_to(rep["id"])[before:]]
    assert texts[0] == "收到，正在识别…"
    assert "getFile" in bot.fake.calls
    assert "🎤 识别：" in card.text and "张总" in card.text and "50台" in card.text
    note = bot.rows(Note)[0]
    assert note.state == "parsed" and note.audio_ref and Path(note.audio_ref).exists()
    assert "张总" in note.transcript


async def test_plain_correction_changes_only_the_quantity(bot):
    rep = bot.fake.user(1003, "小赵")
    await bot.join(rep)
    await bot.reply(rep, NOTE, "已记录")
    card = await bot.reply(rep, "数量改成60", "已更新")
    assert "A型号 60台" in card.text and "3月15日" in card.text and "张总" in card.text
    assert len(bot.rows(Note)) == 1            # a correction, not a new note
    assert [i.quantity for i in bot.rows(Item)] == [60]
    card = await bot.reply(rep, "日期不对，是3月18日", "已更新")
    assert "3月18日" in card.text and "3月15日" not in card.text and "A型号 60台" in card.text
    assert [c.due_date.day for c in bot.rows(Commitment)] == [18]


async def test_a_report_is_sent_as_html_with_bold_heads(bot):
    lead = bot.fake.user(1010, "老周")
    await bot.join(lead, role="lead")
    await bot.reply(lead, NOTE, "已记录")
    week = await bot.reply(lead, "周报", "周报")
    assert week.params.get("parse_mode") == "HTML"
    assert week.text.startswith("<b>🗓 周报") and "<b>各人：</b>" in week.text


async def test_commands_answer_and_notes_that_start_like_commands_stay_notes(bot):
    rep = bot.fake.user(1004, "小孙")
    await bot.join(rep)
    await bot.reply(rep, NOTE, "已记录")
    answer = await bot.reply(rep, "/pipeline", "销售漏斗")
    assert "线索：1个" in answer.text
    answer = await bot.reply(rep, "客户 张总", "张总")
    assert "商机" in answer.text and "已记录" not in answer.text
    card = await bot.reply(rep, "今天拜访了刘总，客户那边说价格太高", "已记录")
    assert "刘总" in card.text and "价格" in card.text
    card = await bot.reply(rep, "客户那边说下周三来厂看样品", "已记录")
    assert len(bot.rows(Note)) == 3


async def test_a_stranger_is_refused_politely_and_nothing_is_stored(bot):
    stranger = bot.fake.user(6666, "路人")
    answer = await bot.reply(stranger, NOTE, "邀请码")
    assert "无法为你服务" in answer.text
    answer = await bot.reply(stranger, "/start WRONGCODE", "邀请码")
    assert "不对" in answer.text
    assert bot.rows(Note) == [] and bot.rows(ChannelAccount) == []


async def test_the_same_message_delivered_twice_is_answered_once(bot):
    rep = bot.fake.user(1005, "小周")
    await bot.join(rep)
    before = len(bot.fake.messages_to(rep["id"]))
    message = bot.fake.send_text(rep, NOTE)
    await bot.fake.await_for(lambda sent: any("已记录" in s.text for s in sent[before:]))
    bot.fake.deliver({"message": message})                  # a new update, the same message
    command = bot.fake.send_text(rep, "/today")
    bot.fake.deliver({"message": command})
    await bot.fake.await_for(lambda sent: sum("待办" in s.text and "已记录" not in s.text
                                              for s in sent[before:]) >= 1)
    await asyncio.sleep(1.0)                                # room for a wrong second answer
    texts = [s.text for s in bot.fake.messages_to(rep["id"])[before:]]
    assert sum("已记录" in t for t in texts) == 1
    assert sum(t.startswith(("今天没有", "⚠️", "📅")) for t in texts) == 1
    assert len(bot.rows(Note)) == 1


async def test_buttons_confirm_and_retract(bot):
    rep = bot.fake.user(1006, "小吴")
    await bot.join(rep)
    card = await bot.reply(rep, NOTE, "已记录")
    bot.fake.press(rep, card, f"undo:{bot.rows(Note)[0].id}")
    edit = await bot.fake.await_for(lambda sent: next((s for s in sent if s.method == "editMessageText"), None))
    assert edit.message_id == card.message_id and "已撤回" in edit.text
    assert bot.rows(Commitment) == [] and bot.rows(Note)[0].error == "retracted"


async def test_webhook_mode_checks_the_secret_token(tmp_path):
    fake = FakeBotAPI().start()
    config = bot_config(tmp_path, fake, mode="webhook", webhook_url="https://bot.example.com/telegram/webhook",
                        webhook_secret="s3cret")
    app = build_app(config)
    started, stop = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(serve(app, started=started, stop=stop, warm_up=False))
    await asyncio.wait_for(started.wait(), 30)
    try:
        assert fake.webhook_url == "https://bot.example.com/telegram/webhook"
        url = f"http://127.0.0.1:{config['web']['port']}/telegram/webhook"
        update = {"update_id": 1, "message": {"message_id": 5, "date": int(time.time()), "text": "你好",
                                               "chat": {"id": 4242, "type": "private"},
                                               "from": {"id": 4242, "is_bot": False, "first_name": "甲"}}}
        async with httpx.AsyncClient() as client:
            refused = await client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"})
            accepted = await client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"})
        assert refused.status_code == 403 and accepted.status_code == 200
        answer = await fake.await_for(lambda sent: [s for s in sent if s.chat_id == 4242])
        assert len(answer) == 1 and "邀请码" in answer[0].text
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
        fake.stop()


# --- killed mid-note ---------------------------------------------------------------------------

def _write_config(path: Path, config: dict) -> None:
    lines = [f'[database]\nurl = "{config["database"]["url"]}"',
             "[telegram]\n" + "\n".join(f'{k} = "{v}"' for k, v in config["telegram"].items() if isinstance(v, str))
             + f'\npoll_timeout = {config["telegram"]["poll_timeout"]}',
             f'[web]\nhost = "127.0.0.1"\nport = {config["web"]["port"]}',
             "[asr]\nbeam_size = 1",
             f'[storage]\naudio_dir = "{config["storage"]["audio_dir"]}"']
    path.write_text("\n\n".join(lines) + "\n", encoding="utf-8")


def _start_bot(config_path: Path, log_path: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, "-m", "bot", "--config", str(config_path), "run"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=log_path.open("ab"))


@pytest.mark.slow
def test_bot_killed_mid_note_answers_it_once_after_restart(tmp_path):
    with FakeBotAPI() as fake:
        config = bot_config(tmp_path, fake)
        config_path = tmp_path / "config.toml"
        _write_config(config_path, config)
        app = build_app(config, with_channels=False)  # only to create the team and invite
        with app.sessions() as session:
            team = teams.add_team(session=session, name="华南")
            code = teams.create_invite(session=session, team=team, role="rep").code
        rep = fake.user(2001, "小陈")
        bot = _start_bot(config_path, tmp_path / "bot.log")
        try:
            fake.send_text(rep, f"/start {code}")
            fake.wait_for(lambda sent: any("欢迎加入" in s.text for s in sent), 60)
            voice = fake.send_voice(rep, CLIP.read_bytes(), duration=4)
            fake.wait_for(lambda sent: any(s.text == "收到，正在识别…" for s in sent), 60)
            bot.send_signal(signal.SIGKILL)                 # killed while transcribing
            bot.wait(10)
            with app.sessions() as session:
                states = [n.state for n in session.exec(select(Note)).all()]
            assert states in (["received"], ["transcribed"])   # recorded, not finished
            fake.deliver({"message": voice})                # Telegram may deliver it again, too
            bot = _start_bot(config_path, tmp_path / "bot.log")
            fake.wait_for(lambda sent: any("已记录" in s.text for s in sent), 90)
            time.sleep(2.0)                                 # room for a wrong second answer
        finally:
            bot.send_signal(signal.SIGTERM)
            bot.wait(30)
        cards = [s for s in fake.messages_to(rep["id"]) if "已记录" in s.text]
        assert len(cards) == 1 and "张总" in cards[0].text
        with app.sessions() as session:
            notes = session.exec(select(Note)).all()
            assert [n.state for n in notes] == ["parsed"]
            assert len(session.exec(select(Member)).all()) == 1


async def test_broken_audio_gets_a_clear_answer_and_a_failure_gets_an_apology(bot):
    rep = bot.fake.user(1007, "小郑")
    await bot.join(rep)
    before = len(bot.fake.messages_to(rep["id"]))
    bot.fake.send_voice(rep, b"OggS" + bytes(range(256)) * 20)
    answer = await bot.fake.await_for(lambda sent: next(
        (s for s in sent[before:] if s.chat_id == rep["id"] and "语音" in s.text and s.text != "收到，正在识别…"), None))
    assert "重新" in answer.text                      # 无法读取这段语音…请重新录制后再发
    assert [n.state for n in bot.rows(Note)] == ["failed"]

    channel = bot.app.channels["telegram"]
    real = channel.receive

    async def broken(inbound):
        raise RuntimeError("database unreachable")

    channel.receive = broken
    try:
        apology = await bot.reply(rep, NOTE, "抱歉")
        assert "稍后再试" in apology.text
    finally:
        channel.receive = real
    card = await bot.reply(rep, "李工，C型号订8台", "已记录")  # polling goes on after the error
    assert "C型号 8台" in card.text
