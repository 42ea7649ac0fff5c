"""Issue 19: the holes an attacker's afternoon found, one test (or a few) per row of its table.

Secrets in logs, bodies capped while they stream, writes past the visibility rule, role ranks,
invites, blobs, input hardening, demo mode's Host/Origin/cookie rules, bidi characters in names.
tests/attack_replay.py replays the same attacks against a real `salesbot run` on loopback.
"""
from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlmodel import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from bot import redact
from bot.channels.local import COOKIE, DEMO_COOKIE, LocalChannel
from bot.channels.wecom_crypto import Refused, parse_xml
from bot.messages import Attachment, Outbound
from bot.web import build_web_app
from storage import people, teams
from storage.lead_models import ContractEnd
from storage.models import Customer, Invite, JoinAttempt, Member, Note
from tests.fake_botapi import free_port
from tests.http_raw import chunked_post, multipart_parts
from tests.test_conversation import Bot

SECRETS = {"wecom_secret": "corp-secret-Xy81qPz", "robot_key": "robot-key-7f3e9a2b", "telegram": "987654:AAE-tgSecretTokenPart_123",
           "callback_token": "CallbackToken123", "aes_key": "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"}


# --- secrets never reach a log ------------------------------------------------------------------------

class FailingServer:
    """Answers every request with 404 or 500, or never (a timeout), as `mode` says."""

    def __init__(self):
        self.port = free_port()
        self.mode = "404"
        self.hits = 0
        self._server = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _any(self, request: Request):
        self.hits += 1
        if self.mode == "timeout":
            await asyncio.sleep(3)          # longer than every client waits in this test
        return PlainTextResponse("nope", status_code=int(self.mode))

    def start(self) -> "FailingServer":
        app = Starlette(routes=[Route("/{path:path}", self._any, methods=["GET", "POST"])])
        self._server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                     lifespan="off", timeout_graceful_shutdown=0))
        threading.Thread(target=self._server.run, daemon=True).start()
        deadline = time.monotonic() + 10
        while not self._server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True


@pytest.mark.parametrize("mode", ["404", "500", "timeout"])
async def test_no_secret_reaches_the_log_when_every_outgoing_call_fails(mode, caplog):
    from bot.channels.telegram import TelegramChannel
    from bot.channels.wecom import WeComChannel

    server = FailingServer().start()
    server.mode = mode
    config = {"wecom": {"corp_id": "ww5f2a1b3c4d5e6f70", "agent_id": "1000002", "secret": SECRETS["wecom_secret"],
                        "token": SECRETS["callback_token"], "encoding_aes_key": SECRETS["aes_key"],
                        "api_base": server.base, "robot_key": SECRETS["robot_key"]},
              "telegram": {"token": SECRETS["telegram"], "base_url": f"{server.base}/bot",
                           "base_file_url": f"{server.base}/file/bot"}}
    redact.install(config)
    caplog.set_level(logging.DEBUG)      # httpx's own request lines too
    log = logging.getLogger("tests.security")
    wecom = WeComChannel(config["wecom"], receive=None)
    wecom.api.client = httpx.AsyncClient(timeout=0.5, trust_env=False)
    try:
        await wecom.start()                                       # gettoken: logs the failure itself
        await wecom._safe_text("zhangsan", "你好")                 # message/send: logs the failure itself
        wecom.api._token, wecom.api._expires = "an-access-token-abcdef", time.monotonic() + 600
        for call in (wecom.api.send_message("zhangsan", "text", {"content": "hi"}), wecom.api.get_media("MEDIA1"),
                     wecom.api.upload_media("file", b"x", "a.txt", "text/plain")):
            try:
                await call
            except Exception:
                log.exception("a WeCom call failed")
        robot = wecom.robot()
        robot.client = httpx.AsyncClient(timeout=0.5, trust_env=False)
        failed = asyncio.Event()
        robot.sleep = lambda seconds: failed.set() or asyncio.sleep(3600)
        robot.post("周报")
        await asyncio.wait_for(failed.wait(), 20)                 # the robot logged its failed post
        telegram = TelegramChannel(config["telegram"], receive=None)
        bot = telegram.application.bot
        for call in (bot.get_me(read_timeout=0.5), bot.send_message(1, "hi", read_timeout=0.5),
                     bot.get_updates(timeout=0, read_timeout=0.5)):
            try:
                await call
            except Exception:
                log.exception("a Telegram call failed")
    finally:
        await wecom.stop()
        server.stop()
    text = caplog.text + "".join(str(r.msg) + (r.exc_text or "") for r in caplog.records)
    assert server.hits >= 6 and "could not get an access token" in text and "a Telegram call failed" in text
    for name in ("wecom_secret", "robot_key", "telegram"):
        assert SECRETS[name] not in text, f"the {name} is in the log"
    assert "an-access-token-abcdef" not in text and "AAE-tgSecretTokenPart_123" not in text


def test_redaction_masks_secret_shapes_it_was_never_told():
    line = ("GET https://qyapi.weixin.qq.com/cgi-bin/gettoken?corpid=ww1&corpsecret=s3cr3tvalue "
            "POST /cgi-bin/webhook/send?key=693a-b7 /bot123456:ABCdefGHIjklMNOpqr/getMe access_token=tok.en_1")
    masked = redact.redact(line)
    for secret in ("s3cr3tvalue", "693a-b7", "123456:ABCdefGHIjklMNOpqr", "tok.en_1"):
        assert secret not in masked
    assert "corpid=ww1" in masked and "/cgi-bin/gettoken" in masked


# --- bodies capped while they stream ---------------------------------------------------------------------

def web_config(tmp_path: Path) -> dict:
    from bot.config import load_config

    config = load_config(None, env={})
    config["database"]["url"] = f"sqlite:///{tmp_path / 'web.db'}"
    config["web"].update(host="0.0.0.0", port=free_port())      # beyond loopback: invite codes, no demo
    config["storage"] = {"audio_dir": str(tmp_path / "audio")}
    return config


class NoSpeech:
    """No speech model: these tests never transcribe (a refused upload never reaches speech)."""

    def close(self) -> None:
        pass


async def start_web(config: dict):
    from bot.app import build_app, serve

    app = build_app(config, transcriber=NoSpeech())
    started, stop = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(serve(app, started=started, stop=stop, warm_up=False))
    await asyncio.wait_for(started.wait(), 30)
    return app, stop, task


@pytest.fixture
async def site(tmp_path):
    config = web_config(tmp_path)
    app, stop, task = await start_web(config)
    yield app, config["web"]["port"], tmp_path / "audio"
    stop.set()
    await asyncio.wait_for(task, 30)


async def joined(app, url: str, role: str = "rep", team: str = "华北") -> httpx.AsyncClient:
    with app.sessions() as session:
        try:
            found = teams.find_team(session=session, name=team)
        except teams.NotFound:
            found = teams.add_team(session=session, name=team)
        code = teams.create_invite(session=session, team=found, role=role).code
    client = httpx.AsyncClient(base_url=url, timeout=20)
    answer = (await client.post("/chat/send", data={"text": f"加入 {code}"})).json()
    assert any("欢迎加入" in r["text"] for r in answer["replies"])
    return client


async def test_a_chunked_upload_is_refused_at_the_cap_and_leaves_no_file(site):
    app, port, audio = site
    member = await joined(app, f"http://127.0.0.1:{port}")
    cookie = member.cookies.get(COOKIE)
    head, tail = multipart_parts("BOUNDARY", {"client_id": "big-1"}, "voice", "big.ogg", "audio/ogg")
    sent = await chunked_post("127.0.0.1", port, "/chat/send", total=60_000_000, head=head, tail=tail,
                              headers={"Content-Type": "multipart/form-data; boundary=BOUNDARY",
                                       "Cookie": f"{COOKIE}={cookie}"})
    assert sent.status == 413
    assert sent.sent < 40_000_000                 # refused while streaming, not after 60 MB
    assert not audio.exists() or list(audio.iterdir()) == []
    with app.sessions() as session:
        assert session.exec(select(Note)).all() == []
    await member.aclose()


async def test_a_voice_file_over_what_speech_accepts_is_refused_before_it_is_a_file(tmp_path):
    config = web_config(tmp_path)
    config["asr"]["max_bytes"] = 100_000
    app, stop, task = await start_web(config)
    try:
        member = await joined(app, f"http://127.0.0.1:{config['web']['port']}")
        answer = await member.post("/chat/send", files={"voice": ("note.ogg", b"\0" * 100_001, "audio/ogg")})
        assert answer.status_code == 413 and "上限" in answer.json()["error"]
        audio = tmp_path / "audio"
        assert not audio.exists() or list(audio.iterdir()) == []
        await member.aclose()
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


async def test_strangers_posts_are_capped_answered_and_kept_nowhere(site):
    app, port, _ = site
    local = app.channels["local"]
    for n in range(10):
        head, tail = multipart_parts("B", {"text": "你好"}, "file", "big.bin", "application/octet-stream")
        sent = await chunked_post("127.0.0.1", port, "/chat/send", total=20_000_000, head=head, tail=tail,
                                  headers={"Content-Type": "multipart/form-data; boundary=B"})
        assert sent.status == 413 and sent.sent < 5_000_000
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as stranger:
        answer = await stranger.post("/chat/send", data={"text": "x" * 2000})
        assert answer.status_code == 200 and "邀请码" in answer.json()["replies"][0]["text"]
    assert all(not chat.messages for chat in local.chats.values())     # nothing of theirs kept


# --- writes go through the visibility rule --------------------------------------------------------------

@pytest.fixture
async def office(tmp_path):
    """王经理 manages 李雷 (owns 金鹰建材) and 韩梅 (owns 金鹰物流); 赵主管 leads; 钱管理员 is admin."""
    b = Bot(tmp_path)
    b.member("赵主管", role="lead")
    b.member("钱管理员", role="admin")
    b.member("王经理", role="manager", manager="赵主管")
    b.member("李雷", manager="王经理")
    b.member("韩梅", manager="王经理")
    with b.sessions() as s:
        for name, owner in (("金鹰建材", "李雷"), ("金鹰物流", "韩梅")):
            member = teams.find_member(session=s, name=owner)
            s.add(Customer(team_id=member.team_id, name=name, key=name, owner_id=member.id))
        s.commit()
    yield b
    await b.conversation.close()
    b.cleanup()


async def test_a_rep_cannot_write_to_a_customer_they_cannot_see_nor_learn_its_name(office):
    reply = (await office.say("李雷", "合同到期 金鹰物流 2027年3月31日"))[0].text
    assert "没有找到" in reply and office.rows(ContractEnd) == []
    reply = (await office.say("李雷", "合同到期 金 明年3月"))[0].text
    assert "金鹰物流" not in reply                      # only what 李雷 may see is listed (or set)
    assert {c.customer_id for c in office.rows(ContractEnd)} <= {
        c.id for c in office.rows(Customer, Customer.name == "金鹰建材")}
    reply = (await office.say("王经理", "合同到期 金鹰物流 2027年3月31日"))[0].text
    assert "已记下" in reply                             # the manager sees both reps' customers


async def test_a_manager_cannot_handle_a_touchpoint_of_someone_outside_their_reach(office):
    from storage.lead_models import Touchpoint

    office.member("孙经理", role="manager", manager="赵主管")
    with office.sessions() as s:
        han = teams.find_member(session=s, name="韩梅")
        touch = Touchpoint(team_id=han.team_id, kind="call", company="金鹰物流", at=office.now, owner_id=han.id)
        s.add(touch)
        s.commit()
        touch_id = touch.id
    assert "不是你负责的" in (await office.say("孙经理", f"已处理 {touch_id}"))[0].text
    assert office.rows(Touchpoint)[0].handled_at is None
    assert "已处理" in (await office.say("王经理", f"已处理 {touch_id}"))[0].text      # 韩梅's manager may


# --- role ranks -------------------------------------------------------------------------------------------

async def test_a_lead_cannot_deactivate_an_admin_and_ranks_decide_who_may(office):
    assert "命令行" in (await office.say("赵主管", "停用 钱管理员 交接给 李雷"))[0].text
    assert "职级" in (await office.say("王经理", "停用 王经理 交接给 李雷"))[0].text
    assert "已停用 韩梅" in (await office.say("赵主管", "停用 韩梅 交接给 李雷"))[0].text
    assert "职级" in (await office.say("李雷", "启用 韩梅"))[0].text or "只有" in (await office.say("李雷", "启用 韩梅"))[0].text
    assert "已启用 韩梅" in (await office.say("王经理", "启用 韩梅"))[0].text
    active = {m.name: m.active for m in office.rows(Member)}
    assert active["钱管理员"] and active["韩梅"]
    assert "已记录" in (await office.say("韩梅", "张总，A型号订50台，3月15日发货"))[0].text   # back in


def test_admins_are_changed_from_the_command_line(tmp_path, capsys):
    from bot.cli import main

    db = f"sqlite:///{tmp_path / 'cli.db'}"
    assert main(["--db", db, "team", "create", "华东"]) == 0
    for name, role in (("钱管理员", "admin"), ("李雷", "rep")):
        assert main(["--db", db, "member", "add", name, "--team", "华东", "--role", role]) == 0
    assert main(["--db", db, "member", "deactivate", "钱管理员", "--handover-to", "李雷"]) == 0
    assert main(["--db", db, "member", "activate", "钱管理员"]) == 0
    assert main(["--db", db, "member", "activate", "钱管理员"]) == 2          # not deactivated: says so
    assert '"active": true' in capsys.readouterr().out


# --- invites ----------------------------------------------------------------------------------------------

async def test_a_lead_cannot_revoke_another_teams_code_and_is_told_why(office):
    with office.sessions() as s:
        other = teams.add_team(session=s, name="华南")
        code = teams.create_invite(session=s, team=other, role="rep").code
        expires = s.exec(select(Invite).where(Invite.code == code)).one().expires_at
    reply = (await office.say("赵主管", f"作废邀请码 {code}"))[0].text
    assert "其他团队" in reply
    assert office.rows(Invite, Invite.code == code)[0].expires_at == expires     # nothing written
    assert "已作废" in (await office.say("钱管理员", f"作废邀请码 {code}"))[0].text


async def test_five_wrong_codes_lock_the_account_for_ten_minutes_across_restarts(office):
    with office.sessions() as s:
        code = teams.create_invite(session=s, team=teams.find_team(session=s, name="华东"), role="rep").code
    for n in range(5):
        assert "邀请码不对" in (await office.say("mallory", f"加入 WRONG{n:03d}"))[0].text
    assert (await office.say("mallory", f"加入 {code}"))[0].text == "尝试次数过多，请10分钟后再试"
    await office.conversation.close()
    office.conversation = office.make()                          # a restart: the count is in the database
    assert (await office.say("mallory", f"加入 {code}"))[0].text == "尝试次数过多，请10分钟后再试"
    assert "欢迎加入" in (await office.say("alice", f"加入 {code}"))[0].text      # others are not locked
    with office.sessions() as s:
        assert len(s.exec(select(JoinAttempt)).all()) == 5
        later = datetime.now(timezone.utc) + timedelta(minutes=10, seconds=5)
        assert teams.join_locked_until(session=s, channel="local", account="mallory", now=later) is None
        assert teams.join_locked_until(session=s, channel="local", account="mallory") is not None


# --- blobs need their session -------------------------------------------------------------------------------

async def test_a_blob_is_fetched_only_by_the_session_it_was_shown_to():
    async def receive(inbound):
        pass

    async def who(channel, account):
        return None

    local = LocalChannel(receive, who)
    transport = httpx.ASGITransport(app=build_web_app(local=local))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as owner, \
            httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as other:
        await owner.get("/chat/me")
        account = local._account(httpx_request(owner))[1]
        await local.send(Outbound("local", account, text="导出", file=Attachment(b"PK-xlsx", "销售记录.xlsx")))
        url = local.chats[account].messages[-1]["file"]["url"]
        assert (await owner.get(url)).content == b"PK-xlsx"
        assert (await other.get(url)).status_code == 404
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as nobody:
            assert (await nobody.get(url)).status_code == 404


def httpx_request(client: httpx.AsyncClient):
    """A Starlette request carrying the client's cookies (to learn which account the server gave it)."""
    from starlette.requests import Request as StarletteRequest

    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    return StarletteRequest({"type": "http", "method": "GET", "path": "/", "headers": [(b"cookie", cookie.encode())]})


# --- input hardening ------------------------------------------------------------------------------------------

async def test_non_ascii_secret_header_and_signature_are_refused_with_403(tmp_path):
    from bot.channels.telegram import TelegramChannel
    from bot.channels.wecom import WeComChannel
    from tests.fake_wecom import FakeWeCom

    telegram = TelegramChannel({"token": SECRETS["telegram"], "mode": "webhook", "webhook_secret": "s3cret"}, receive=None)
    fake = FakeWeCom()
    wecom = WeComChannel(fake.config(), receive=None)
    app = build_web_app(telegram=telegram, extra_routes=wecom.routes())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as client:
        answer = await client.post("/telegram/webhook", content=b"{}",
                                   headers={"X-Telegram-Bot-Api-Secret-Token": "é".encode("utf-8")})
        assert answer.status_code == 403
        sealed = fake.encrypted("<xml><MsgType>text</MsgType></xml>")
        answer = await client.post("/wecom/callback", params={"msg_signature": "éééé", "timestamp": sealed["timestamp"],
                                                               "nonce": sealed["nonce"]},
                                   content=f"<xml><Encrypt><![CDATA[{sealed['Encrypt']}]]></Encrypt></xml>".encode())
        assert answer.status_code == 403
    await wecom.stop()


@pytest.fixture
def intake(db_sessions):
    from starlette.applications import Starlette as App

    from bot.intake import Intake

    with db_sessions() as s:
        teams.add_team(session=s, name="华东")
    app = App(routes=Intake(sessions=db_sessions, token="intake-token-123").routes())
    return httpx.Client(transport=httpx.WSGITransport(app=None), base_url="http://x") if False else app


@pytest.mark.parametrize("body, status, field", [
    (b"[" * 100_000 + b"]" * 100_000, 400, None),
    (b"[" * 33 + b"]" * 33, 400, None),
    (b"not json", 400, None),
    ('{"team": "华东", "name": "张三", "visits": %s}' % ("9" * 5000), 422, "visits"),
    ('{"team": "华东", "name": "张三", "budget": 1e400}', 422, "budget"),
    ('{"team": "华东", "name": "\\ud800"}', 422, "name"),
    ('{"team": "华东", "name": "张三", "created_at": "0001-01-01"}', 422, "created_at"),
    ('{"team": "华东", "name": "张三", "created_at": "9999-12-31T23:59:59-12:00"}', 422, "created_at"),
])
async def test_malformed_intake_bodies_get_4xx_naming_the_field_and_store_nothing(intake, db_sessions, body, status, field):
    from storage.lead_models import Lead

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=intake), base_url="http://x") as client:
        answer = await client.post("/api/leads", content=body if isinstance(body, bytes) else body.encode(),
                                   headers={"Authorization": "Bearer intake-token-123"})
    assert answer.status_code == status
    if field:
        assert [e["field"] for e in answer.json()["errors"]] == [field]
    with db_sessions() as s:
        assert s.exec(select(Lead)).all() == []


async def test_long_poll_wait_is_clamped_and_nan_returns_at_once():
    async def receive(inbound):
        pass

    async def who(channel, account):
        return None

    local = LocalChannel(receive, who)
    app = build_web_app(local=local)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1",
                                 timeout=20) as client:
        for wait in ("nan", "NaN", "-inf", "-5"):
            answer = await client.get("/chat/updates", params={"after": 0, "wait": wait})
            assert answer.status_code == 200 and answer.json() == {"messages": []}
        await local.send(Outbound("local", local._account(httpx_request(client))[1], text="你好"))
        answer = await client.get("/chat/updates", params={"after": 0})           # the page's own poll
        assert [m["text"] for m in answer.json()["messages"]] == ["你好"]


UTF_BODIES = ["utf-16", "utf-16-le", "utf-32", "utf-8-sig"]
BOMB = '<?xml version="1.0" encoding="{enc}"?><!DOCTYPE x [<!ENTITY a "aaaa">]><xml><Content>&a;</Content></xml>'


@pytest.mark.parametrize("encoding", UTF_BODIES + ["utf-7"])
def test_doctype_is_found_after_decoding_from_any_encoding(encoding):
    declared = {"utf-16-le": "UTF-16", "utf-8-sig": "UTF-8"}.get(encoding, encoding.upper())
    raw = BOMB.format(enc=declared).encode(encoding)
    with pytest.raises(Refused) as refused:
        parse_xml(raw)
    assert refused.value.status == 400


async def test_an_unsigned_callback_is_refused_before_its_xml_is_parsed():
    from bot.channels.wecom import WeComChannel
    from tests.fake_wecom import FakeWeCom

    fake = FakeWeCom()
    wecom = WeComChannel(fake.config(), receive=None)
    app = build_web_app(extra_routes=wecom.routes())
    body = BOMB.format(enc="UTF-16").replace("<xml>", "<xml><Encrypt>QUJD</Encrypt>").encode("utf-16")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as client:
        answer = await client.post("/wecom/callback", params={"msg_signature": "0" * 40, "nonce": "n",
                                                               "timestamp": str(int(time.time()))}, content=body)
    assert answer.status_code == 403           # the signature, not the XML, decides first
    await wecom.stop()


# --- demo mode: Host, Origin, JSON, cookies ----------------------------------------------------------------

@pytest.fixture
def demo_app():
    async def receive(inbound):
        pass

    async def who(channel, account):
        return None

    local = LocalChannel(receive, who, demo_accounts={"demo-rep": "销售", "demo-lead": "主管"})
    return local, build_web_app(local=local)


async def test_demo_mode_checks_host_origin_content_type_and_issues_its_own_cookies(demo_app):
    local, app = demo_app
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8321") as client:
        assert (await client.get("/chat/me", headers={"Host": "attacker.example:8321"})).status_code == 403
        assert (await client.get("/chat/me", headers={"Host": "localhost:8321"})).status_code == 200
        simple = await client.post("/chat/switch", content=json.dumps({"account": "demo-lead"}),
                                   headers={"Content-Type": "text/plain"})
        assert simple.status_code == 415
        foreign = await client.post("/chat/switch", json={"account": "demo-lead"},
                                    headers={"Origin": "http://attacker.example"})
        assert foreign.status_code == 403
        assert (await client.post("/chat/send", data={"text": "漏斗"},
                                  headers={"Sec-Fetch-Site": "cross-site"})).status_code == 403
        mine = await client.post("/chat/switch", json={"account": "demo-lead"},
                                 headers={"Origin": "http://127.0.0.1:8321"})
        assert mine.status_code == 200 and (await client.get("/chat/me")).json()["account"] == "demo-lead"
    chosen = {COOKIE: "chosen-by-the-client-0123456789", DEMO_COOKIE: "demo-lead"}
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8321", cookies=chosen) as forged:
        assert (await forged.get("/chat/me")).json()["account"] == "demo-rep"     # not adopted
        forged.cookies.set(DEMO_COOKIE, "demo-lead." + "0" * 32)
        assert (await forged.get("/chat/me")).json()["account"] == "demo-rep"     # a forged signature neither


# --- bidi and control characters in names ------------------------------------------------------------------

async def test_a_bidi_character_in_a_company_name_does_not_make_a_second_customer(office):
    assert "已记录" in (await office.say("李雷", "金鹰建材的刘总说A型号订50台"))[0].text
    await office.say("李雷", "金鹰\u202e建材的刘总说B型号再订20台")
    names = [c.name for c in office.rows(Customer) if "建材" in c.name]
    assert names == ["金鹰建材"]
    assert all("\u202e" not in c.name for c in office.rows(Customer))


async def test_control_characters_are_stripped_from_a_joining_members_display_name(office):
    from bot.messages import Inbound

    with office.sessions() as s:
        code = teams.create_invite(session=s, team=teams.find_team(session=s, name="华东"), role="rep").code
    await office.conversation.receive(Inbound(channel="telegram", user_id="42", chat_id="42", message_id="1",
                                              received_at=office.now, text=f"/start {code}",
                                              user_name="\u202e\u200bEve\x07 Ng"))
    [eve] = office.rows(Member, Member.name.like("%Eve%"))
    assert eve.name == "Eve Ng"
