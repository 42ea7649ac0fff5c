"""The local web chat: in headless Chromium (Debian's package) in demo mode, and over plain HTTP for
the invite-code sessions that protect records when the demo is off."""
from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from bot.app import build_app, serve
from bot.config import load_config
from storage import teams
from storage.models import Note
from tests.fake_botapi import FakeBotAPI, free_port

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CLIP = ROOT / "tests" / "data" / "speech_dev" / "sales_06.wav"   # 赵总确认B型号追加30台，4月2日付款。
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def web_config(tmp_path: Path, **telegram) -> dict:
    config = load_config(None, env={})
    config["database"]["url"] = f"sqlite:///{tmp_path / 'web.db'}"
    config["web"].update(host="127.0.0.1", port=free_port())
    config["asr"].update(beam_size=1)
    config["storage"] = {"audio_dir": str(tmp_path / "audio")}
    config["telegram"].update(telegram)
    return config


async def start(config: dict):
    app = build_app(config)
    started, stop = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(serve(app, started=started, stop=stop, warm_up=False))
    await asyncio.wait_for(started.wait(), 30)
    return app, f"http://127.0.0.1:{config['web']['port']}", stop, task


@pytest.fixture
async def demo(tmp_path):
    app, url, stop, task = await start(web_config(tmp_path))
    yield app, url
    stop.set()
    await asyncio.wait_for(task, 30)


@pytest.fixture
async def browser():
    if not CHROMIUM.exists():
        pytest.skip("skipped: /usr/bin/chromium not installed (apt-get install chromium fonts-noto-cjk)")
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        await chromium.close()


@pytest.mark.slow
async def test_demo_chat_note_voice_upload_and_chinese_rendering(demo, browser, tmp_path):
    app, url = demo
    page = await browser.new_page(viewport={"width": 480, "height": 900})
    await page.goto(url)
    await page.wait_for_selector("#switcher:not([hidden])")
    assert await page.locator("#member option").count() == 3
    await page.fill("#text", "张总，A型号订50台，3月15日发货")
    await page.press("#text", "Enter")
    card = page.locator(".msg.bot", has_text="已记录")
    await card.first.wait_for(timeout=20000)
    text = await card.first.inner_text()
    assert "张总" in text and "A型号 50台" in text and "交货" in text
    assert await card.first.locator("button", has_text="确认").count() == 1

    await page.set_input_files("#upload", str(CLIP))
    voice_card = page.locator(".msg.bot", has_text="🎤 识别")
    await voice_card.first.wait_for(timeout=60000)
    text = await voice_card.first.inner_text()
    assert "赵总" in text and "已记录" in text and "付款" in text

    # Chinese is drawn with a CJK font the page asks for, not with empty boxes
    assert await page.evaluate("document.fonts.check('16px \"Noto Sans CJK SC\"')")
    shot = tmp_path / "web_chat.png"
    await page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    shutil.copy(shot, Path("/tmp") / "salesbot_web_chat.png")   # for a person to look at


@pytest.mark.slow
async def test_member_switcher_shows_what_each_role_may_see(demo, browser):
    app, url = demo
    page = await browser.new_page()
    await page.goto(url)
    await page.wait_for_selector("#switcher:not([hidden])")
    await page.fill("#text", "赵总，B型号追加30台，报价12万")
    await page.press("#text", "Enter")
    await page.locator(".msg.bot", has_text="已记录").first.wait_for(timeout=20000)
    await page.select_option("#member", "demo-manager")
    await page.wait_for_function("document.getElementById('who').textContent.includes('演示经理')")
    await page.fill("#text", "漏斗")
    await page.press("#text", "Enter")
    answer = page.locator(".msg.bot", has_text="销售漏斗")
    await answer.first.wait_for(timeout=20000)
    assert "1个商机" in await answer.first.inner_text()    # the manager sees the rep's deal


async def test_without_demo_the_page_needs_an_invite_code(tmp_path):
    fake = FakeBotAPI().start()
    config = web_config(tmp_path, token=fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url,
                        poll_timeout=1)
    app, url, stop, task = await start(config)
    try:
        with app.sessions() as session:
            team = teams.add_team(session=session, name="华北")
            code = teams.create_invite(session=session, team=team, role="rep").code
        async with httpx.AsyncClient(base_url=url) as alice, httpx.AsyncClient(base_url=url) as mallory:
            me = (await alice.get("/chat/me")).json()
            assert me["demo"] is False and me["member"] is None and me["accounts"] == []
            assert (await alice.post("/chat/switch", json={"account": "demo-lead"})).status_code == 400
            answer = (await alice.post("/chat/send", data={"text": "张总，A型号订50台"})).json()
            assert any("邀请码" in m["text"] for m in answer["replies"])     # answered in the POST's reply...
            shown = (await alice.get("/chat/updates", params={"after": 0, "wait": 0})).json()["messages"]
            assert shown == []                                                  # ...and kept nowhere
            await alice.post("/chat/send", data={"text": f"加入 {code}"})
            assert (await _wait_member(alice))["role"] == "rep"
            await alice.post("/chat/send", data={"text": "张总，A型号订50台，3月15日发货"})
            card = await _wait_text(alice, "已记录")
            assert "A型号 50台" in card
            # another browser is a stranger and sees none of it
            assert (await mallory.get("/chat/me")).json()["member"] is None
            others = (await mallory.get("/chat/updates", params={"after": 0, "wait": 0})).json()["messages"]
            assert others == []
        with app.sessions() as session:
            assert len(session.exec(select(Note)).all()) == 1
        async with httpx.AsyncClient(base_url=url) as client:
            health = (await client.get("/healthz")).json()
        assert health["ok"] is True and health["channels"] == ["local", "telegram"]
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
        fake.stop()


async def _wait_member(client, timeout: float = 10.0):
    for _ in range(int(timeout / 0.1)):
        member = (await client.get("/chat/me")).json()["member"]
        if member:
            return member
        await asyncio.sleep(0.1)
    raise TimeoutError("never joined")


async def _wait_text(client, needle: str) -> str:
    after = 0
    for _ in range(20):
        body = (await client.get("/chat/updates", params={"after": after, "wait": 2})).json()
        for message in body["messages"]:
            after = max(after, message["seq"])
            if needle in message["text"]:
                return message["text"]
    raise TimeoutError(needle)


def test_salesbot_run_without_channels_serves_the_demo_chat_on_8321(tmp_path):
    import os
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", 8321)) == 0:
            pytest.skip("skipped: something else listens on 127.0.0.1:8321")
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "data"), XDG_CACHE_HOME=os.environ.get(
        "XDG_CACHE_HOME", str(Path.home() / ".cache")), SALESBOT_CONFIG="")
    env.pop("SALESBOT_DATABASE_URL", None)
    bot = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get("http://127.0.0.1:8321/healthz", timeout=2).json()
                break
            except httpx.HTTPError:
                if bot.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(bot.stderr.read().decode(errors="replace")[-2000:])
                time.sleep(0.3)
        assert health["ok"] and health["channels"] == ["local"]
        assert "销售语音助手" in httpx.get("http://127.0.0.1:8321/").text
        me = httpx.get("http://127.0.0.1:8321/chat/me").json()
        assert me["demo"] is True and me["member"]["name"] == "演示销售"
        assert (tmp_path / "data" / "salesbot" / "salesbot.db").exists()
    finally:
        bot.terminate()
        assert bot.wait(30) == 0


@pytest.mark.slow
async def test_hold_to_talk_records_webm_opus_in_the_browser(demo, tmp_path):
    """Chromium's fake microphone plays a speech_dev clip; holding the button records it."""
    if not CHROMIUM.exists():
        pytest.skip("skipped: /usr/bin/chromium not installed (apt-get install chromium fonts-noto-cjk)")
    from playwright.async_api import async_playwright

    app, url = demo
    clip = ROOT / "tests" / "data" / "speech_dev" / "sales_01.wav"   # 张总，A型号订50台，3月15日发货。
    args = ARGS + ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                   f"--use-file-for-fake-audio-capture={clip}%noloop"]
    async with async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=str(CHROMIUM), args=args)
        try:
            page = await chromium.new_page()
            await page.goto(url)
            await page.wait_for_selector("#switcher:not([hidden])")
            box = await page.locator("#talk").bounding_box()
            await page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            await page.mouse.down()
            await page.wait_for_selector("#talk.recording")
            await page.wait_for_timeout(5000)
            await page.mouse.up()
            card = page.locator(".msg.bot", has_text="已记录")
            await card.first.wait_for(timeout=60000)
            assert "张总" in await card.first.inner_text()
        finally:
            await chromium.close()
    with app.sessions() as session:
        [note] = session.exec(select(Note)).all()
    assert note.audio_ref.endswith(".webm") and Path(note.audio_ref).read_bytes()[:4] == b"\x1a\x45\xdf\xa3"


@pytest.mark.parametrize("host, telegram_token, demo_expected", [
    ("127.0.0.1", "", True), ("localhost", "", True),
    ("0.0.0.0", "", False),            # reachable from other machines: invite codes only
    ("127.0.0.1", "123:abc", False),   # another channel is configured: no demo team
])
def test_demo_team_only_on_loopback_without_other_channels(tmp_path, host, telegram_token, demo_expected):
    config = web_config(tmp_path, token=telegram_token)
    config["web"]["host"] = host
    app = build_app(config, transcriber=object())
    assert app.channels["local"].demo is demo_expected
    with app.sessions() as session:
        demo_members = session.exec(select(teams.Member).where(teams.Member.name == "演示销售")).all()
    assert bool(demo_members) is demo_expected
    app.engine.dispose()


async def test_a_connection_left_idle_a_while_still_answers_its_next_request():
    """A client or proxy keeps connections open between requests and reuses them. The server keeps an
    idle connection well past the few seconds one may sit unused in a burst (uvicorn's own default,
    5 s, closed connections that were being reused: the request on them failed with a reset)."""
    from starlette.applications import Starlette

    from bot.web import build_web_app, make_server

    app: Starlette = build_web_app()
    port = free_port()
    server = make_server(app, "127.0.0.1", port)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            await asyncio.sleep(0.02)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        request = f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
        answers = []
        for pause in (0, 7):
            await asyncio.sleep(pause)
            writer.write(request)
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
            await reader.readexactly(length)
            answers.append(head.split(b" ")[1])
        assert answers == [b"200", b"200"]
        writer.close()
    finally:
        server.should_exit = True
        await task
