"""The scheduler inside the App: nudges reach the rep's chat with buttons, and the rep's answers
(完成 / 推迟到… / the buttons) change the commitment; the old day is then never escalated."""
from __future__ import annotations

import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.app import build_app
from bot.config import load_config
from bot.messages import Inbound
from storage import teams
from storage.models import Commitment
from storage.notes import apply_extraction, record_inbound

TZ = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


class FakeChannel:
    def __init__(self):
        self.sent = []

    async def send(self, outbound):
        self.sent.append(outbound)
        return f"f{len(self.sent)}"


@pytest.fixture
async def app(tmp_path):
    config = load_config(None, env={})
    config["database"]["url"] = f"sqlite:///{tmp_path / 'app.db'}"
    built = build_app(config, transcriber=object(), audio_dir=tmp_path / "audio")
    built.channels["fake"] = FakeChannel()
    with built.sessions() as s:
        rep = teams.find_member(session=s, name="演示销售")
        teams.bind_account(session=s, member=rep, channel="fake", external_id="chat-rep")
        note = record_inbound(session=s, author_id=rep.id, channel="cli", channel_message_id="n1",
                              received_at=at("2026-11-27T10:00"), text="张总，A型号50台，12月2日发货").note
        apply_extraction(session=s, note=note, stages=built.conversation.stages, extraction={
            "customer": {"name": "张总", "company": "华东机械"},
            "dates": [{"date": "2026-12-02", "kind": "delivery", "status": "planned"}]})
    yield built
    await built.conversation.close()
    built.engine.dispose()


def commitment(app) -> Commitment:
    with app.sessions() as s:
        return s.exec(select(Commitment)).one()


async def answer(app, **fields):
    await app.conversation.receive(Inbound(channel="fake", user_id="chat-rep", chat_id="chat-rep",
                                           message_id=uuid.uuid4().hex, received_at=datetime.now(TZ), **fields))
    await app.conversation.idle()
    return app.channels["fake"].sent[-1].text


async def test_the_run_command_gets_the_scheduler_through_the_apps_hook(app):
    assert app.scheduler_factory is not None
    scheduler = app.scheduler_factory(app)
    assert scheduler.policy.nudge_time.hour == 9


async def test_a_nudge_reaches_the_rep_with_buttons_and_postponing_moves_the_reminders(app):
    scheduler = app.scheduler_factory(app)
    assert await scheduler.sweep(at("2026-12-01T09:00")) == 1
    [nudge] = app.channels["fake"].sent
    assert "12月2日" in nudge.text and "华东机械" in nudge.text
    c = commitment(app)
    assert [(b.text, b.data) for row in nudge.buttons for b in row] == [("完成", f"cdone:{c.id}"),
                                                                       ("推迟", f"cpostpone:{c.id}"),
                                                                       ("取消", f"ccancel:{c.id}")]
    reply = await answer(app, text="推迟到2026年12月10日", reply_to="f1")
    assert "已推迟" in reply and commitment(app).due_date == date(2026, 12, 10)
    # the old day is neither digested nor escalated; the new day gets its own nudge
    for moment in ("2026-12-02T08:30", "2026-12-04T08:00", "2026-12-09T08:59"):
        assert await scheduler.sweep(at(moment)) == 0
    assert await scheduler.sweep(at("2026-12-09T09:00")) == 1
    assert "12月10日" in app.channels["fake"].sent[-1].text


async def test_the_done_button_under_a_nudge_stops_the_escalation(app):
    scheduler = app.scheduler_factory(app)
    await scheduler.sweep(at("2026-12-01T09:00"))
    c = commitment(app)
    reply = await answer(app, action=f"cdone:{c.id}", reply_to="f1")
    assert "已完成" in reply and commitment(app).state == "done"
    sent_before = len(app.channels["fake"].sent)
    for moment in ("2026-12-02T08:30", "2026-12-04T08:00"):
        assert await scheduler.sweep(at(moment)) == 0
    assert len(app.channels["fake"].sent) == sent_before


async def test_the_monday_report_in_the_app_is_the_reports_week_report(app):
    scheduler = app.scheduler_factory(app)
    await scheduler.sweep(at("2026-11-30T09:00"))  # Monday; the demo team's lead gets it
    with app.sessions() as s:
        from storage.models import Notification
        [report] = s.exec(select(Notification).where(Notification.kind == "report")).all()
        lead = teams.find_member(session=s, name="演示主管")
    assert report.recipient_id == lead.id and report.sent_at is not None
    assert "周报" in report.text and "11月23日" in report.text  # the week that just ended
