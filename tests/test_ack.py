"""Acknowledge fast: recording an inbound message never waits behind processing.

The bot runs as in `salesbot run` (real web server, WeCom channel against the fake WeCom, the web
chat, the real parser). Processing is held: the conversation's database thread, where every
processing step reads and writes, waits on an event. Notes sent meanwhile through the web chat and
WeCom callbacks must still be answered and stored; once the event is set, each is processed.
"""
from __future__ import annotations

import asyncio
import hashlib
import secrets
import threading

import httpx
from sqlmodel import select

from storage import teams
from storage.models import Note
from tests.test_wecom import start, wecom_config

NOTES = ["张总，A型号订50台，下周三发货", "李经理说预算二十万，月底前签合同", "王工那边要试用三台，下个月回款"]


def bind_web_session(app, member_name: str) -> str:
    """A web-chat session cookie bound to the member (as after 加入 CODE in the browser)."""
    cookie = secrets.token_urlsafe(24)
    with app.sessions() as session:
        member = teams.find_member(session=session, name=member_name)
        teams.bind_account(session=session, member=member, channel="local",
                           external_id="web-" + hashlib.sha256(cookie.encode()).hexdigest()[:32])
    return cookie


async def test_acknowledgements_return_while_processing_is_held(tmp_path):
    from tests.fake_wecom import FakeWeCom

    fake = FakeWeCom().start()
    bot = await start(wecom_config(tmp_path, fake), fake)
    held = threading.Event()
    blocker = None
    try:
        await bot.join("rep01")
        with bot.app.sessions() as session:
            name = teams.member_for_account(session=session, channel="wecom", external_id="rep01").name
        cookie = bind_web_session(bot.app, name)
        base = f"http://127.0.0.1:{bot.app.config['web']['port']}"

        blocker = asyncio.create_task(bot.app.conversation.db(lambda s: held.wait(120)))
        await asyncio.sleep(0.2)  # the database thread is now taken

        async def web(client, i):
            answer = await client.post(f"{base}/chat/send", data={"text": NOTES[i % 3], "client_id": f"w{i}"})
            return answer.status_code

        async def wecom(i):
            return (await fake.send_text("rep01", NOTES[i % 3])).status_code

        async with httpx.AsyncClient(trust_env=False, timeout=60, cookies={"salesbot_session": cookie}) as client:
            answers = await asyncio.wait_for(asyncio.gather(*(web(client, i) for i in range(6)),
                                                            *(wecom(i) for i in range(6))), 60)
        assert answers == [200] * 12

        def stored():
            return bot.rows(Note, Note.channel.in_(("local", "wecom")))
        # Every note is on record while nothing could be processed.
        for _ in range(200):
            if len(stored()) == 12:
                break
            await asyncio.sleep(0.1)
        notes = stored()
        assert len(notes) == 12 and {n.state for n in notes} == {"received"}
        assert not blocker.done()

        held.set()
        await blocker
        for _ in range(600):
            if {n.state for n in stored()} == {"parsed"}:
                break
            await asyncio.sleep(0.1)
        assert [n.state for n in stored()] == ["parsed"] * 12
        for _ in range(300):             # a card goes out after its note is parsed: wait for the sixth
            cards = [m for m in fake.messages_to("rep01") if "已记录" in m.text]
            if len(cards) >= 6:
                break
            await asyncio.sleep(0.1)
        assert len(cards) == 6
    finally:
        held.set()
        if blocker is not None:
            await asyncio.gather(blocker, return_exceptions=True)
        await bot.close()
        fake.stop()


async def test_a_burst_of_intakes_costs_one_sweep_not_one_per_request(db_sessions):
    """Twenty intake requests in a row ask for sweeps; the desk runs one shortly after."""
    from bot.config import load_config
    from reminders.lead_sweep import LeadDesk

    desk = LeadDesk(sessions=db_sessions, config=load_config(None, env={}))
    desk.soon_seconds = 0.3
    sweeps = []

    async def counted(now=None):
        sweeps.append(now)
        return 0
    desk.sweep = counted
    for _ in range(20):
        await desk.soon()
    for _ in range(100):
        if sweeps:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)
    assert len(sweeps) == 1
    await desk.soon()              # a request after that sweep started asks for the next one
    for _ in range(100):
        if len(sweeps) == 2:
            break
        await asyncio.sleep(0.05)
    assert len(sweeps) == 2
    await desk.stop()
