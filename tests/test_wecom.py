"""The WeCom channel inside `salesbot run` against the suite's fake WeCom on 127.0.0.1.

Each test starts serve() (the real web server on 127.0.0.1, the WeCom channel, the conversation with
the real parser and, for voice, the real speech model). Callbacks are encrypted and signed by
wechatpy, an implementation independent of the product's; replies are read from the fake's
message/send log.
"""
from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from bot.app import build_app, serve
from bot.config import load_config
from storage import catalog, teams
from storage.models import ChannelAccount, Commitment, Note
from tests.fake_botapi import free_port
from tests.fake_wecom import FakeWeCom

ROOT = Path(__file__).resolve().parent.parent
AMR = ROOT / "tests" / "data" / "speech_dev" / "sales_01.amr"   # AMR-NB with DTX: 张总，A型号订50台，3月15日发货。
NOTE = "张总，A型号订50台，3月15日发货"


def wecom_config(tmp_path: Path, fake: FakeWeCom) -> dict:
    config = load_config(None, env={})
    config["database"]["url"] = f"sqlite:///{tmp_path / 'bot.db'}"
    config["wecom"].update(fake.config())
    config["web"].update(host="127.0.0.1", port=free_port())
    config["asr"].update(beam_size=1)
    config["storage"] = {"audio_dir": str(tmp_path / "audio")}
    return config


class Running:
    """A started bot, the fake WeCom it talks to, and helpers to act as members."""

    def __init__(self, app, fake: FakeWeCom, task, stop):
        self.app, self.fake, self.task, self.stop = app, fake, task, stop

    def invite(self, role: str = "rep", team: str = "华南一组") -> str:
        with self.app.sessions() as session:
            try:
                found = teams.find_team(session=session, name=team)
            except teams.NotFound:
                found = teams.add_team(session=session, name=team)
            return teams.create_invite(session=session, team=found, role=role).code

    async def join(self, user: str, role: str = "rep") -> None:
        await self.say(user, f"加入 {self.invite(role)}", "欢迎加入")

    async def say(self, user: str, text: str, contains: str, timeout: float = 90):
        """Sends text as the member; returns the first new message to them that contains `contains`."""
        before = len(self.fake.messages_to(user))
        answer = await self.fake.send_text(user, text)
        assert answer.status_code == 200 and answer.text == ""
        return await self.fake.await_for(lambda sent: next(
            (s for s in [m for m in sent if m.touser == user][before:] if contains in s.text), None), timeout)

    def import_catalogue(self, *, products=(), contacts=(), team: str = "华南一组") -> None:
        """The team's catalogue, as `salesbot catalog import` would store it."""
        with self.app.sessions() as session:
            found = teams.find_team(session=session, name=team)
            catalog.import_products(session=session, team=found, rows=[(i, {"name": n}) for i, n in enumerate(products, 2)])
            catalog.import_customers(session=session, team=found,
                                     rows=[(i, {"contact": n}) for i, n in enumerate(contacts, 2)])

    def rows(self, model, *where):
        with self.app.sessions() as session:
            return list(session.exec(select(model).where(*where)).all())

    async def close(self) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, 30)


async def start(config: dict, fake: FakeWeCom) -> Running:
    app = build_app(config)
    started, stop = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(serve(app, started=started, stop=stop, warm_up=False))
    await asyncio.wait_for(started.wait(), 30)
    fake.callback_url = f"http://127.0.0.1:{config['web']['port']}/wecom/callback"
    return Running(app, fake, task, stop)


@pytest.fixture
def fake():
    server = FakeWeCom().start()
    yield server
    server.stop()


@pytest.fixture
async def bot(tmp_path, fake):
    running = await start(wecom_config(tmp_path, fake), fake)
    yield running
    await running.close()


async def test_the_callback_url_is_verified_and_a_forged_check_refused(bot):
    answer, echo = await bot.fake.verify_url()
    assert answer.status_code == 200 and answer.text == echo
    forged, _ = await bot.fake.verify_url(signature="0" * 40)
    assert forged.status_code == 403 and echo not in forged.text


async def test_a_text_note_is_answered_through_message_send(bot):
    await bot.join("wangwu")
    card = await bot.say("wangwu", NOTE, "已记录")
    assert card.msgtype == "text" and card.body["agentid"] == bot.fake.agent_id
    assert "张总" in card.text and "A型号 50台" in card.text and "3月15日" in card.text
    assert "回复数字：1 ✅ 确认　2 ✏️ 修改　3 ↩️ 撤回" in card.text     # buttons as numbered options
    notes = bot.rows(Note)
    assert [(n.channel, n.state) for n in notes] == [("wecom", "parsed")]
    assert len(bot.rows(Commitment, Commitment.note_id == notes[0].id)) == 1


async def test_numbered_replies_act_like_the_buttons(bot):
    await bot.join("zhaoliu")
    card = await bot.say("zhaoliu", NOTE, "已记录")
    confirmed = await bot.say("zhaoliu", "1", "已确认")
    assert confirmed.text == "✅ 已确认"                # WeCom cannot edit: only what changed is sent
    assert card.text not in confirmed.text
    retracted = await bot.say("zhaoliu", "3", "已撤回")
    assert "已撤回" in retracted.text
    assert bot.rows(Commitment) == [] and bot.rows(Note)[0].error == "retracted"
    later = await bot.say("zhaoliu", "7", "已记录")       # not an option: an ordinary message
    assert len(bot.rows(Note)) == 2 and "#" in later.text


async def test_a_plain_correction_without_buttons_changes_only_the_quantity(bot):
    await bot.join("maer")
    await bot.say("maer", NOTE, "已记录")
    card = await bot.say("maer", "数量改成60", "已更新")
    assert "A型号 60台" in card.text and "3月15日" in card.text and "张总" in card.text
    assert len(bot.rows(Note)) == 1


async def test_commands_are_plain_words_and_notes_that_start_like_them_stay_notes(bot):
    await bot.join("sunqi", role="lead")
    await bot.say("sunqi", NOTE, "已记录")
    answer = await bot.say("sunqi", "漏斗", "销售漏斗")
    assert "线索：1个" in answer.text
    answer = await bot.say("sunqi", "客户 张总", "张总")
    assert "商机" in answer.text and "已记录" not in answer.text
    await bot.say("sunqi", "帮助", "语音")
    card = await bot.say("sunqi", "今天拜访了刘总，客户那边说价格太高", "已记录")
    assert "刘总" in card.text and "价格" in card.text
    assert len(bot.rows(Note)) == 2


async def test_a_report_is_shown_as_markdown_with_bold_heads(bot):
    await bot.join("zhouba", role="lead")
    await bot.say("zhouba", NOTE, "已记录")
    week = await bot.say("zhouba", "周报", "周报")
    assert week.msgtype == "markdown" and week.text.startswith("**🗓 周报")
    assert "**各人：**" in week.text and "新增商机：1个" in week.text


async def test_a_stranger_is_refused_and_nothing_is_stored(bot):
    answer = await bot.say("passerby", NOTE, "邀请码")
    assert "无法为你服务" in answer.text
    answer = await bot.say("passerby", "加入 WRONG1234", "邀请码")
    assert "不对" in answer.text
    assert bot.rows(Note) == [] and bot.rows(ChannelAccount) == []


async def test_the_same_msgid_three_times_is_answered_once_even_after_a_restart(tmp_path, fake):
    config = wecom_config(tmp_path, fake)
    bot = await start(config, fake)
    await bot.join("liuba")
    before = len(fake.messages_to("liuba"))
    fields = fake.text_fields("liuba", NOTE)
    answers = [await fake.post_message(fields) for _ in range(3)]   # WeCom's retries: new nonce, same MsgId
    assert [a.status_code for a in answers] == [200, 200, 200]
    await fake.await_for(lambda sent: any("已记录" in s.text for s in sent[before:]))
    await bot.app.conversation.idle()
    await bot.close()
    bot = await start(config, fake)                # a fresh process: only the database remembers
    try:
        again = await fake.post_message(fields)
        assert again.status_code == 200
        await bot.say("liuba", "今天", "待办")      # something later is answered, so the retry was seen
        await bot.app.conversation.idle()
        texts = [s.text for s in fake.messages_to("liuba")[before:]]
        assert sum("已记录" in t for t in texts) == 1
        assert len(bot.rows(Note)) == 1
    finally:
        await bot.close()


async def test_forged_callbacks_are_refused_logged_and_ignored(bot, caplog):
    await bot.join("chenjiu")
    before = len(bot.fake.sent)
    caplog.set_level(logging.WARNING, logger="bot.channels.wecom")
    bad_signature = await bot.fake.send_text("chenjiu", NOTE, signature="f" * 40)
    wrong_corp = await bot.fake.send_text("chenjiu", NOTE, corp_id="wwattacker00000000")
    replayed = await bot.fake.send_text("chenjiu", NOTE, timestamp=1_600_000_000)
    assert [r.status_code for r in (bad_signature, wrong_corp, replayed)] == [403, 403, 403]
    async with httpx.AsyncClient(trust_env=False) as client:
        garbage = await client.post(bot.fake.callback_url, content=b"hello", params={"msg_signature": "x"})
        huge = await client.post(bot.fake.callback_url, content=b"<xml>" + b"A" * 2_000_000 + b"</xml>")
        bare = await client.get(bot.fake.callback_url)
    assert (garbage.status_code, huge.status_code, bare.status_code) == (400, 413, 400)
    logged = " | ".join(r.getMessage() for r in caplog.records)
    assert "bad msg_signature" in logged and "not our CorpID" in logged and "off our clock" in logged
    await bot.say("chenjiu", "今天", "待办")        # the channel still works
    assert bot.rows(Note) == [] and len(bot.fake.sent) == before + 1


async def test_the_access_token_is_renewed_when_it_expires_mid_run(bot):
    await bot.join("zhoushi")
    await bot.say("zhoushi", NOTE, "已记录")
    assert bot.fake.tokens_issued == 1               # cached: one token for every send so far
    bot.fake.expire_tokens()
    answer = await bot.say("zhoushi", "漏斗", "销售漏斗")
    assert "线索：1个" in answer.text
    assert ("message/send", 42001) in bot.fake.refusals
    assert bot.fake.tokens_issued == 2


async def test_a_token_is_renewed_before_its_lifetime_ends(tmp_path):
    fake = FakeWeCom(expires_in=5).start()      # renewed a tenth of its life early: after 4.5 s
    bot = await start(wecom_config(tmp_path, fake), fake)
    try:
        await bot.join("wushiyi")
        await asyncio.sleep(5.2)
        await bot.say("wushiyi", "帮助", "语音")
        assert fake.tokens_issued >= 2 and fake.refusals == []   # renewed in time, never refused
    finally:
        await bot.close()
        fake.stop()


@pytest.mark.slow
async def test_a_voice_note_in_amr_with_dtx_is_fetched_transcribed_and_answered(bot):
    """The flow, not one clip's exact words: the card arrives with the transcript, and the names the
    team's catalogue holds (张总, A型号) are on it whichever numeric path the model takes."""
    await bot.join("xiaoli")
    bot.import_catalogue(products=["A型号"], contacts=["张总"])
    before = len(bot.fake.messages_to("xiaoli"))
    answer = await bot.fake.send_voice("xiaoli", AMR.read_bytes())
    assert answer.status_code == 200 and answer.text == ""
    card = await bot.fake.await_for(lambda sent: next(
        (s for s in sent if s.touser == "xiaoli" and "已记录" in s.text), None), 180)
    texts = [s.text for s in bot.fake.messages_to("xiaoli")[before:]]
    assert texts[0] == "收到，正在识别…"
    assert "media/get" in bot.fake.calls
    assert "🎤 识别" in card.text and "张总" in card.text and "A型号" in card.text and "50台" in card.text
    note = bot.rows(Note)[0]
    assert note.state == "parsed" and note.audio_ref.endswith(".amr") and Path(note.audio_ref).exists()
    assert (note.extraction["customer"] or {}).get("name") == "张总"


async def test_other_kinds_of_message_get_a_clear_answer(bot):
    await bot.join("qianer")
    fake = bot.fake
    base = {"ToUserName": fake.corp_id, "FromUserName": "qianer", "AgentID": fake.agent_id}
    before = len(fake.messages_to("qianer"))
    lost = dict(base, CreateTime=int(time.time()), MsgType="voice", MediaId="EXPIRED-MEDIA",
                Format="amr", MsgId=fake.next_msg_id())
    assert (await fake.post_message(lost)).status_code == 200          # WeCom keeps media 3 days only
    await fake.await_for(lambda sent: any("重新发送" in s.text for s in sent[before:]))
    photo = dict(base, CreateTime=int(time.time()), MsgType="image", PicUrl="http://x/p.jpg",
                 MediaId=fake.add_media(b"\xff\xd8\xff" + b"0" * 50, "image/jpeg", "p.jpg"), MsgId=fake.next_msg_id())
    assert (await fake.post_message(photo)).status_code == 200
    await fake.await_for(lambda sent: any("只能处理文字和语音" in s.text for s in sent[before:]))
    joined = dict(base, CreateTime=int(time.time()), MsgType="event", Event="subscribe", EventKey="")
    assert (await fake.post_message(joined)).status_code == 200
    await fake.await_for(lambda sent: any("加入 邀请码" in s.text for s in sent[before:]))
    assert bot.rows(Note) == []
