"""End to end: leads posted to POST /api/leads reach a rep's Telegram chat through the suite's fake
Bot API and are claimed by a button; a wrong token is refused; touchpoints reach the customer's owner.

The bot is `salesbot run`'s serve() (web server, Telegram channel polling the fake server, the
conversation, the lead desk). Only the lead desk's clock is fixed (a Tuesday 10:00 in Shanghai), so
the working-hours rule is deterministic whatever time the suite runs.
"""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.app import build_app, serve
from storage.lead_models import Lead, Touchpoint
from storage.models import Member
from tests.fake_botapi import FakeBotAPI
from tests.test_telegram import Running, bot_config

TOKEN = "s3cret-intake-token"
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
LEADS = [
    {"team": "华东一组", "source": "抖音广告", "name": "王先生", "company": "远大机械", "phone": "13800000001",
     "region": "上海", "budget": 300000, "product": "挖掘机", "dwell_seconds": 200, "video_completed": True,
     "visits": 3, "created_at": "2026-03-10T09:30:00+08:00"},
    {"team": "华东一组", "source": "400热线", "name": "李女士", "phone": "13900000002", "region": "新疆",
     "created_at": "2026-03-10T09:50:00+08:00"},
]


@pytest.fixture
async def bot(tmp_path):
    fake = FakeBotAPI(missing_methods=("setMyCommands",)).start()
    config = bot_config(tmp_path, fake)
    config["api"]["token"] = TOKEN
    app = build_app(config)
    app.leads.desk.clock = lambda: NOW
    app.conversation.clock = lambda: NOW
    started, stop = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(serve(app, started=started, stop=stop, warm_up=False))
    await asyncio.wait_for(started.wait(), 30)
    running = Running(app, fake)
    running.url = f"http://127.0.0.1:{config['web']['port']}"
    yield running
    stop.set()
    await asyncio.wait_for(task, 30)
    fake.stop()


async def post(bot, path: str, body, token: str | None = TOKEN) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    async with httpx.AsyncClient() as client:
        return await client.post(bot.url + path, json=body, headers=headers, timeout=60)


async def test_leads_with_a_wrong_token_are_refused_and_the_right_one_reaches_a_rep_who_claims(bot):
    rep = bot.fake.user(2001, "小王")
    await bot.join(rep)

    for token in ("wrong", None, TOKEN + "x"):
        refused = await post(bot, "/api/leads", LEADS, token)
        assert refused.status_code == 401
    bad = await post(bot, "/api/leads", [LEADS[0], {**LEADS[1], "budget": "很多"}])
    assert bad.status_code == 422
    assert bad.json()["errors"] == [{"index": 1, "field": "budget", "error": "应为数字"}]
    assert bot.rows(Lead) == []                              # nothing stored from refused requests

    stored = await post(bot, "/api/leads", LEADS)
    assert stored.status_code == 201 and stored.json()["count"] == 2
    hot_id = stored.json()["ids"][0]
    offer = await bot.fake.await_for(lambda sent: next(
        (s for s in sent if s.chat_id == rep["id"] and f"#{hot_id}" in s.text and "新线索" in s.text), None))
    assert "远大机械" in offer.text and [b["callback_data"] for b in offer.buttons] == [f"lclaim:{hot_id}",
                                                                                     f"lpass:{hot_id}"]
    bot.fake.press(rep, offer, f"lclaim:{hot_id}")
    claimed = await bot.fake.await_for(lambda sent: next(
        (s for s in sent if s.chat_id == rep["id"] and "你已认领线索" in s.text), None))
    assert claimed.method == "editMessageText" and "13800000001" in claimed.text
    lead, = bot.rows(Lead, Lead.id == hot_id)
    member, = bot.rows(Member, Member.name == "小王")
    assert (lead.state, lead.owner_id) == ("claimed", member.id)

    # 已联系 under the claimed offer: the first touch
    bot.fake.press(rep, claimed, f"lcontact:{hot_id}")
    await bot.fake.await_for(lambda sent: any("已标记为已联系" in s.text for s in sent if s.chat_id == rep["id"]))
    assert bot.rows(Lead, Lead.id == hot_id)[0].state == "contacted"


async def test_a_touchpoint_reaches_the_customer_owner_and_is_handled_by_a_button(bot):
    rep = bot.fake.user(2002, "小李")
    await bot.join(rep)
    await bot.reply(rep, "远大机械王总说下周二来看设备", "已记录")      # 小李 now owns 远大机械

    bad = await post(bot, "/api/touchpoints", {"team": "华东一组", "kind": "fax", "company": "远大机械"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "kind"
    done = await post(bot, "/api/touchpoints", {"team": "华东一组", "kind": "complaint", "company": "远大机械",
                                                "text": "设备漏油，没人回电话", "at": "2026-03-10T09:55:00+08:00"})
    assert done.status_code == 201
    touch_id = done.json()["touchpoints"][0]["id"]
    push = await bot.fake.await_for(lambda sent: next(
        (s for s in sent if s.chat_id == rep["id"] and "设备漏油" in s.text), None))
    assert "投诉" in push.text and [b["callback_data"] for b in push.buttons] == [f"tdone:{touch_id}"]
    bot.fake.press(rep, push, f"tdone:{touch_id}")
    await bot.fake.await_for(lambda sent: any("已处理" in s.text and f"#{touch_id}" in s.text
                                              for s in sent if s.chat_id == rep["id"] and s is not push))
    assert bot.rows(Touchpoint)[0].handled_by == "button"


async def test_a_promise_beyond_standard_terms_warns_the_rep_and_the_manager_gets_the_sentence(bot):
    boss, rep = bot.fake.user(2003, "周经理"), bot.fake.user(2004, "小张")
    bot.fake.send_text(boss, f"/start {bot.invite('manager')}")
    await bot.fake.await_for(lambda sent: any("欢迎加入" in s.text for s in sent if s.chat_id == boss["id"]))
    bot.fake.send_text(rep, f"/start {bot.invite('rep', manager='周经理')}")
    await bot.fake.await_for(lambda sent: any("欢迎加入" in s.text for s in sent if s.chat_id == rep["id"]))

    card = await bot.reply(rep, "远大机械王总订了20台，我答应免费送三个月运维", "已记录")
    assert "口头承诺风险" in card.text
    await bot.app.conversation.idle()                             # the note's after-card work is done
    await bot.app.leads.desk.sweep(datetime.now(timezone.utc))   # the note's own (real) time has come
    told = await bot.fake.await_for(lambda sent: next(
        (s for s in sent if s.chat_id == boss["id"] and "口头承诺" in s.text), None))
    assert "小张" in told.text and "我答应免费送三个月运维" in told.text and "远大机械" in told.text
