"""The WeCom group robot (群机器人) inside the app: with [wecom] robot_key, the Monday report and a
manager's escalations also reach the team's group chat, through the fake WeCom's webhook."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.app import build_app
from bot.config import load_config
from storage import teams
from storage.notes import apply_extraction, record_inbound
from tests.fake_wecom import FakeWeCom

TZ = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


@pytest.fixture
def fake():
    server = FakeWeCom().start()
    yield server
    server.stop()


async def running(tmp_path, fake, *, robot: bool = True):
    config = load_config(None, env={})
    config["database"]["url"] = f"sqlite:///{tmp_path / 'robot.db'}"
    config["wecom"].update(fake.config())
    if not robot:
        config["wecom"]["robot_key"] = ""
    app = build_app(config, transcriber=object(), audio_dir=tmp_path / "audio")
    with app.sessions() as s:
        team = teams.add_team(session=s, name="华东一组")
        people = {}
        for name, role, boss, account in (("赵总监", "lead", None, "zhao"), ("钱总监", "lead", None, "qian"),
                                          ("王经理", "manager", "赵总监", "wang"), ("小李", "rep", "王经理", "li")):
            people[name] = teams.add_member(session=s, team=team, name=name, role=role, manager=people.get(boss))
            teams.bind_account(session=s, member=people[name], channel="wecom", external_id=account)
        note = record_inbound(session=s, author_id=people["小李"].id, channel="wecom", channel_message_id="li:1",
                              received_at=at("2026-11-27T10:00"), text="张总，A型号50台，12月2日发货").note
        apply_extraction(session=s, note=note, stages=app.conversation.stages, extraction={
            "customer": {"name": "张总", "company": "华东机械"},
            "dates": [{"date": "2026-12-02", "kind": "delivery", "status": "planned"}]})
    return app


async def stop(app):
    await app.channels["wecom"].stop()
    await app.conversation.close()
    app.engine.dispose()


async def test_the_weekly_report_and_an_escalation_reach_the_group_robot(tmp_path, fake):
    app = await running(tmp_path, fake)
    try:
        scheduler = app.scheduler_factory(app)
        await scheduler.sweep(at("2026-11-30T09:00"))            # Monday: each lead's weekly report
        assert all(any("周报" in m.text for m in fake.messages_to(lead)) for lead in ("zhao", "qian"))
        await scheduler.sweep(at("2026-12-04T10:00"))            # the 12月2日 delivery was never done
        assert any("小李" in m.text for m in fake.messages_to("wang"))
        await app.channels["wecom"].robot().drained(timeout=60)
        group = fake.robot_texts()
        assert len(group) == 2, group                            # the report once, however many leads
        assert group[0].startswith("🗓 周报") and "华东一组" in group[0]
        assert group[1].startswith("致王经理：") and "小李" in group[1] and "华东机械" in group[1]
        assert not any("周报" in m.text for m in fake.messages_to("li"))   # a rep is not sent the report
    finally:
        await stop(app)


async def test_without_a_robot_key_nothing_goes_to_a_group(tmp_path, fake):
    app = await running(tmp_path, fake, robot=False)
    try:
        scheduler = app.scheduler_factory(app)
        await scheduler.sweep(at("2026-11-30T09:00"))
        assert any("周报" in m.text for m in fake.messages_to("zhao"))
        assert app.channels["wecom"].robot() is None and fake.robot == []
    finally:
        await stop(app)
