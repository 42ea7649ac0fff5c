"""The scheduler against a real database: write-before-send, restarts, two processes, `salesbot due`.

Clocks are fake (a value the test moves); nothing sleeps. "Processes" are schedulers with their own
engine on one SQLite file (and the suite's PostgreSQL when SALESBOT_TEST_PG_URL is set).
"""
from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.config import load_config
from reminders.policy import policy_from_config
from reminders.scheduler import ReminderScheduler
from storage import teams
from storage.db import make_engine, session_factory, upgrade_database
from storage.models import Notification
from storage.notes import apply_extraction, record_inbound
from storage.stages import stages_from_config

TZ = ZoneInfo("Asia/Shanghai")
CONFIG = load_config(env={})
POLICY = policy_from_config(CONFIG)
STAGES = stages_from_config(CONFIG)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


class Clock:
    def __init__(self, start: str):
        self.now = at(start)

    def __call__(self) -> datetime:
        return self.now


class Outbox:
    """A fake channel: records what would reach people; can fail like a dead network."""

    def __init__(self, fail: bool = False):
        self.messages = []
        self.fail = fail

    async def __call__(self, message):
        if self.fail:
            raise ConnectionError("channel down")
        self.messages.append(message)


def note(session, member, when: str, extraction: dict, message_id: str):
    inbound = record_inbound(session=session, author_id=member.id, channel="cli", channel_message_id=message_id,
                             received_at=at(when), text=extraction.get("_text", "笔记"))
    return apply_extraction(session=session, note=inbound.note, extraction=extraction, stages=STAGES)


@pytest.fixture
def team_db(db_sessions):
    """A team of a manager and a rep; the rep promised a delivery for Wednesday Dec 2, 2026."""
    with db_sessions() as s:
        team = teams.add_team(session=s, name="华东一组")
        boss = teams.add_member(session=s, team=team, name="王经理", role="manager")
        rep = teams.add_member(session=s, team=team, name="李雷", role="rep", manager=boss)
        note(s, rep, "2026-11-27T10:00", {"customer": {"name": "张总", "company": "华东机械"},
                                          "dates": [{"date": "2026-12-02", "kind": "delivery", "status": "planned"}]},
             "m1")
    return db_sessions


def scheduler(sessions, clock, send, holder):
    return ReminderScheduler(sessions=sessions, policy=POLICY, send=send, clock=clock, holder=holder)


def rows(sessions):
    with sessions() as s:
        return list(s.exec(select(Notification).where(Notification.kind == "nudge")).all())


def test_sweep_writes_the_outbox_then_sends_and_marks_sent(team_db):
    clock, sent = Clock("2026-12-01T09:00"), Outbox()
    one = scheduler(team_db, clock, sent, "a")
    assert asyncio.run(one.sweep()) == 1
    assert [m.kind for m in sent.messages] == ["nudge"]
    assert sent.messages[0].subject.startswith("commitment:") and sent.messages[0].buttons
    [row] = rows(team_db)
    assert row.sent_at is not None and row.dedupe_key.startswith("nudge:commitment:")
    clock.now += timedelta(minutes=1)
    assert asyncio.run(one.sweep()) == 0
    assert len(sent.messages) == 1


def test_killed_between_outbox_and_send_sends_exactly_once_after_restart(team_db):
    clock = Clock("2026-12-01T09:00")
    # the first process writes the outbox, then dies before its send completes
    dying = scheduler(team_db, clock, Outbox(fail=True), "dying")
    assert asyncio.run(dying.sweep()) == 0
    [row] = rows(team_db)
    assert row.sent_at is None
    # restarted (a new holder): it waits for the dead one's lease, then sends what was left
    sent = Outbox()
    restarted = scheduler(team_db, clock, sent, "restarted")
    assert asyncio.run(restarted.sweep()) == 0  # the dead process's lease is still live
    for minutes in range(1, 10):
        clock.now = at("2026-12-01T09:00") + timedelta(minutes=minutes)
        asyncio.run(restarted.sweep())
    assert [m.keys for m in sent.messages] == [(row.dedupe_key,)]
    assert rows(team_db)[0].sent_at is not None


def test_outbox_written_and_send_never_called_is_sent_once_by_the_next_process(team_db):
    clock = Clock("2026-12-01T09:00")
    writer = scheduler(team_db, clock, Outbox(), "writer")
    assert writer.sweeper.collect(clock()) == 1  # then the process is killed: no send, no lease release
    sent = Outbox()
    other = scheduler(team_db, clock, sent, "other")
    asyncio.run(other.sweep())
    asyncio.run(other.sweep())
    assert len(sent.messages) == 1


def test_two_schedulers_on_one_database_send_each_notification_once(db_engine, team_db):
    # SQLite: a second engine on the same file, as a second process would have; PostgreSQL: the
    # suite's engine (its schema is set per connection), still separate connections per session
    url = db_engine.url
    sqlite = url.get_backend_name() == "sqlite"
    other_engine = make_engine(url.render_as_string(hide_password=False)) if sqlite else db_engine
    clock = Clock("2026-11-30T08:00")
    a_sent, b_sent = Outbox(), Outbox()
    # the fake clock jumps 30 minutes per sweep, so the lease lives an hour (in `salesbot run`: 150 s
    # against a 60 s sweep) -- the holder renews it before it could expire
    a = ReminderScheduler(sessions=team_db, policy=POLICY, send=a_sent, clock=clock, holder="process-a",
                          lease_seconds=3600)
    b = ReminderScheduler(sessions=session_factory(other_engine), policy=POLICY, send=b_sent, clock=clock,
                          holder="process-b", lease_seconds=3600)

    async def both():
        await a.sweep()  # a starts first and holds the lease; then both sweep at the same moments
        running = [a, b]
        for minutes in range(0, 5 * 24 * 60, 30):  # five days, each sweeping every 30 minutes
            clock.now = at("2026-11-30T08:00") + timedelta(minutes=minutes)
            await asyncio.gather(*(s.sweep() for s in running))
            if minutes == 24 * 60:  # process a stops: b takes over
                await a.stop()
                running = [b]
    asyncio.run(both())
    keys = [k for m in a_sent.messages + b_sent.messages for k in m.keys]
    assert len(keys) == len(set(keys))
    # the report (no lead: the manager) went out on Monday from a; the rest from b after a stopped
    assert [k.split(":")[0] for k in keys] == ["report", "nudge", "digest", "escalation"]
    assert len(a_sent.messages) == 1
    if sqlite:
        other_engine.dispose()


def test_report_cron_jobs_have_ids_per_team_in_the_teams_timezone(team_db):
    async def started_jobs():
        one = scheduler(team_db, Clock("2026-12-01T09:00"), Outbox(), "a")
        await one.start()
        try:
            jobs = {job.id: job for job in one.scheduler.get_jobs()}
            one._report_teams.clear()  # as after a restart: the same ids replace, never duplicate
            await one._sync_report_jobs()
            again = [job.id for job in one.scheduler.get_jobs()]
        finally:
            await one.stop()
        return jobs, again

    jobs, again = asyncio.run(started_jobs())
    assert len(jobs) == 2 and "reminders:sweep" in jobs
    report = next(job for job in jobs.values() if job.id.startswith("reminders:report:"))
    assert str(report.trigger.timezone) == "Asia/Shanghai"
    assert "day_of_week='mon'" in str(report.trigger) and "hour='9'" in str(report.trigger)
    assert sorted(again) == sorted(jobs)


def test_a_weekly_report_reaches_the_lead_once_on_monday(team_db):
    with team_db() as s:
        team = teams.find_team(session=s, name="华东一组")
        teams.add_member(session=s, team=team, name="赵主管", role="lead")
    clock, sent = Clock("2026-11-30T08:59"), Outbox()
    one = scheduler(team_db, clock, sent, "a")
    asyncio.run(one.sweep())
    assert [m.kind for m in sent.messages] == []
    clock.now = at("2026-11-30T09:00")
    asyncio.run(one.sweep())
    clock.now = at("2026-11-30T09:01")
    asyncio.run(one.sweep())
    assert [m.kind for m in sent.messages] == ["report"]
    assert "华东一组 周报" in sent.messages[0].text and "李雷" in sent.messages[0].text  # the plain summary


# --- salesbot due ------------------------------------------------------------------------------

def run_cli(capsys, *argv):
    from bot.cli import main

    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_due_command_lists_in_send_time_order_and_marks_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db = f"sqlite:///{tmp_path / 'due.db'}"
    assert run_cli(capsys, "--db", db, "team", "create", "华东一组")[0] == 0
    assert run_cli(capsys, "--db", db, "member", "add", "王经理", "--team", "华东一组", "--role", "manager")[0] == 0
    assert run_cli(capsys, "--db", db, "member", "add", "李雷", "--team", "华东一组", "--manager", "王经理")[0] == 0
    engine = make_engine(db)
    sessions = session_factory(engine)
    with sessions() as s:
        rep = teams.find_member(session=s, name="李雷")
        note(s, rep, "2026-11-27T10:00", {"customer": {"name": "张总", "company": "华东机械"},
                                          "dates": [{"date": "2026-11-30", "kind": "delivery", "status": "planned"},
                                                    {"date": "2026-12-01", "kind": "payment", "status": "planned"}],
                                          "money": [{"amount": 5_000_000, "kind": "budget"}]}, "m1")
    # Friday 10:00 note: the delivery's Friday 09:00 nudge had passed (skipped); the budget alerts at once
    code, out, err = run_cli(capsys, "--db", db, "due", "--now", "2026-11-30T09:00", "--json")
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert [(o["kind"], o["recipient"], o["due_at"]) for o in lines] == [
        ("alert", "王经理", "2026-11-27T10:00:00+08:00"),
        ("digest", "李雷", "2026-11-30T08:30:00+08:00"),   # Monday's delivery
        ("nudge", "李雷", "2026-11-30T09:00:00+08:00"),    # Tuesday's payment
        ("report", "王经理", "2026-11-30T09:00:00+08:00"),  # Monday: the weekly report (no lead: the manager)
    ]
    assert all({"kind", "recipient", "due_at", "text", "dedupe_key"} <= set(o) for o in lines)
    assert "500万元" in lines[0]["text"]
    # a dry run: the same answer again, and nothing in the outbox
    assert run_cli(capsys, "--db", db, "due", "--now", "2026-11-30T09:00", "--json")[1] == out
    with sessions() as s:
        assert s.exec(select(Notification).where(Notification.kind != "inbound")).all() == []
    assert run_cli(capsys, "--db", db, "due", "--now", "2026-11-30T01:00:00+00:00", "--json")[1] == out
    # Wednesday 08:00: Monday's delivery is escalated (end of Tuesday -> the working morning); the
    # nudge and digests of past days have expired and are not listed
    later = [json.loads(line) for line in run_cli(capsys, "--db", db, "due", "--now", "2026-12-02T08:00",
                                                   "--json")[1].splitlines()]
    assert [(o["kind"], o["due_at"]) for o in later] == [("alert", "2026-11-27T10:00:00+08:00"),
                                                          ("escalation", "2026-12-02T08:00:00+08:00")]
    text = run_cli(capsys, "--db", db, "due", "--now", "2026-12-02T08:00")[1]
    assert len(text.splitlines()) == 2 and "escalation" in text
    engine.dispose()


def test_due_command_refuses_a_bad_time_and_an_unknown_team(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db = f"sqlite:///{tmp_path / 'due.db'}"
    code, out, err = run_cli(capsys, "--db", db, "due", "--now", "tomorrow")
    assert code == 2 and "ISO" in err
    code, out, err = run_cli(capsys, "--db", db, "due", "--now", "2026-12-02T08:00", "--team", "无此团队")
    assert code == 1 and "无此团队" in err


def test_due_lists_an_outbox_row_left_unsent_once(team_db):
    from reminders.sweep import Sweeper

    now = at("2026-12-01T09:30")
    before = Sweeper(team_db, POLICY).dry_run(now)
    Sweeper(team_db, POLICY).collect(now)  # written, then the process died before sending
    after = Sweeper(team_db, POLICY).dry_run(now)
    assert [o["dedupe_key"] for o in before] == [o["dedupe_key"] for o in after]
    assert [o["kind"] for o in after] == ["nudge"] and after[0]["due_at"] == "2026-12-01T09:00:00+08:00"
