"""The procrastinate backend: configuration refusals, sweeps that defer send jobs, sends that claim
their outbox rows (each message once), one rate limit per bot across processes, the queue schema,
/healthz queue figures. Jobs run through procrastinate's in-memory connector where no real worker is
needed, and through real workers on PostgreSQL (SALESBOT_TEST_PG_URL) where one is.
"""
from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import timedelta

import pytest
from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy import text
from sqlmodel import select

from bot import queue
from bot.cli import main
from bot.config import ConfigError, load_config
from bot.processes import build_runtime, check, run_worker
from storage import teams
from storage.models import Notification, utcnow
from storage.outbox import add_notification
from tests.storage_db import PgSchema


class Recorder:
    """A channel that keeps what it was asked to send."""

    def __init__(self, fail: int = 0):
        self.sent: list = []
        self.fail = fail

    async def send(self, outbound):
        if self.fail:
            self.fail -= 1
            raise ConnectionError("the chat API did not answer")
        self.sent.append((outbound.chat_id, outbound.text, time.monotonic()))
        return str(len(self.sent))


def queued_config(tmp_path, url: str | None = None) -> dict:
    config = load_config(None, env={})
    config["database"]["url"] = url or f"sqlite:///{tmp_path / 'q.db'}"
    config["queue"]["backend"] = "procrastinate"
    config["storage"] = {"audio_dir": str(tmp_path / "audio")}
    config["web"]["host"] = "0.0.0.0"   # no demo team
    return config


def runtime_with_rep(config, channel: Recorder, reps: int = 1):
    app = build_runtime(config, serves_asr=False, web=False)
    app.channels["telegram"] = channel
    with app.sessions() as session:
        team = teams.add_team(session=session, name="华东一组")
        members = []
        for i in range(reps):
            member = teams.add_member(session=session, team=team, name=f"李雷{i}", role="rep")
            teams.bind_account(session=session, member=member, channel="telegram", external_id=str(1000 + i))
            members.append(member.id)
    return app, members


def due_nudges(app, member_ids, count: int, prefix: str = "n") -> list[int]:
    ids = []
    with app.sessions() as session:
        for i in range(count):
            row, _ = add_notification(session=session, kind="nudge", recipient_id=member_ids[i % len(member_ids)],
                                      text=f"提醒 {prefix}{i}：明天给张总发货", send_at=utcnow() - timedelta(minutes=1),
                                      dedupe_key=f"test:{prefix}:{i}")
            ids.append(row.id)
    return ids


def unsent(app) -> int:
    with app.sessions() as session:
        return len(session.exec(select(Notification).where(Notification.sent_at.is_(None),
                                                           Notification.kind == "nudge")).all())


async def drain(config, queues, connector, app, rounds: int = 10) -> None:
    """Runs a worker (wait=False) until the in-memory queues hold nothing to do: jobs deferred by a
    job that was still running when the worker found the queue empty get their own round."""
    for _ in range(rounds):
        await run_worker(config, queues, connector=connector, wait=False, app=app)
        if not any(j["status"] == "todo" and j["queue_name"] in queues for j in connector.jobs.values()):
            return


# --- configuration ------------------------------------------------------------------------------------

def test_an_unknown_backend_is_refused():
    with pytest.raises(ConfigError, match="inline"):
        queue.backend({"queue": {"backend": "celery"}})
    assert queue.backend({}) == "inline"


@pytest.mark.parametrize("command", [["worker"], ["web"], ["run"], ["db", "upgrade"]])
def test_procrastinate_on_sqlite_is_refused_with_a_clear_message(tmp_path, capsys, command):
    config = tmp_path / "config.toml"
    config.write_text('[queue]\nbackend = "procrastinate"\n', encoding="utf-8")
    code = main(["--config", str(config), "--db", f"sqlite:///{tmp_path / 'x.db'}", *command])
    assert code == 2
    err = capsys.readouterr().err
    assert "needs PostgreSQL" in err and "postgresql+psycopg://" in err
    assert not (tmp_path / "x.db").exists()   # refused before anything was created


def test_web_and_worker_are_refused_on_the_inline_backend(tmp_path, capsys):
    assert main(["--db", f"sqlite:///{tmp_path / 'x.db'}", "worker"]) == 2
    assert "backend" in capsys.readouterr().err


def test_telegram_polling_is_refused_in_queue_mode():
    config = load_config(None, env={})
    config["database"]["url"] = "postgresql+psycopg://u:p@127.0.0.1:5432/db"
    config["queue"]["backend"] = "procrastinate"
    config["telegram"].update(token="123:abc", mode="polling")
    with pytest.raises(ConfigError, match="webhook"):
        check(config)
    config["telegram"]["mode"] = "webhook"
    check(config)


def test_a_web_process_never_loads_the_speech_model(tmp_path):
    app = build_runtime(queued_config(tmp_path), serves_asr=False, web=True)
    with pytest.raises(RuntimeError, match="transcribes nothing"):
        app.transcriber.transcribe_async
    app.engine.dispose()


# --- sweeps and sends through the in-memory connector (on PostgreSQL: row locks are part of the claim) ---

@pytest.fixture
def pg_bare(tmp_path):
    """A fresh, empty PostgreSQL schema: (config of the procrastinate backend on it, its URL)."""
    schema = PgSchema()
    url = f"{schema.url}?options=-csearch_path%3D{schema.name}"
    yield queued_config(tmp_path, url), url
    schema.drop()


@pytest.fixture
def pg_queue(pg_bare):
    """pg_bare after `salesbot db upgrade`: our tables and procrastinate's (empty when the tests use
    the in-memory connector; the reconciler still reads them)."""
    from bot.processes import apply_queue_schema
    from storage.db import upgrade_database

    upgrade_database(pg_bare[1])
    apply_queue_schema(pg_bare[1])
    return pg_bare

@pytest.mark.pg
async def test_the_sweep_defers_send_jobs_and_each_message_is_sent_once(pg_queue):
    from procrastinate.testing import InMemoryConnector

    channel, connector = Recorder(), InMemoryConnector()
    config, _ = pg_queue
    app, reps = runtime_with_rep(config, channel, reps=2)
    due_nudges(app, reps, 4)
    papp = queue.make_app(config, connector=connector)
    async with papp.open_async():
        await papp.configure_task("sweep_reminders").defer_async()
        with pytest.raises(AlreadyEnqueued):       # while one waits, another is not queued
            await papp.configure_task("sweep_reminders").defer_async()
    await drain(config, ["sweep", "send"], connector, app)
    assert sorted(text for _, text, _ in channel.sent) == sorted(f"提醒 n{i}：明天给张总发货" for i in range(4))
    assert unsent(app) == 0
    assert not [j for j in connector.jobs.values() if j["status"] in ("todo", "doing", "failed")]
    await app.conversation.close()


@pytest.mark.pg
async def test_two_send_jobs_for_the_same_row_send_it_once(pg_queue):
    from procrastinate.testing import InMemoryConnector

    channel, connector = Recorder(), InMemoryConnector()
    config, _ = pg_queue
    app, reps = runtime_with_rep(config, channel)
    [row] = due_nudges(app, reps, 1)
    papp = queue.make_app(config, connector=connector)
    async with papp.open_async():
        for _ in range(3):
            await papp.configure_task("send_outbox").defer_async(messages=[[row]], desk="reminders")
    await drain(config, ["send"], connector, app)
    assert len(channel.sent) == 1 and unsent(app) == 0
    await app.conversation.close()


@pytest.mark.pg
async def test_a_failed_send_leaves_the_row_unsent_and_a_later_job_sends_it(pg_queue):
    from procrastinate.testing import InMemoryConnector

    channel, connector = Recorder(fail=1), InMemoryConnector()
    config, _ = pg_queue
    app, reps = runtime_with_rep(config, channel)
    [row] = due_nudges(app, reps, 1)
    papp = queue.make_app(config, connector=connector)
    async with papp.open_async():
        await papp.configure_task("send_outbox").defer_async(messages=[[row]], desk="reminders")
    await drain(config, ["send"], connector, app)
    assert channel.sent == [] and unsent(app) == 1          # nothing marked that was not sent
    async with papp.open_async():
        with contextlib.suppress(AlreadyEnqueued):    # the minute's periodic sweep may be waiting already
            await papp.configure_task("sweep_reminders").defer_async()
    await drain(config, ["sweep", "send"], connector, app)
    assert len(channel.sent) == 1 and unsent(app) == 0
    await app.conversation.close()


@pytest.mark.pg
async def test_the_minutes_sweep_goes_before_a_backlog_of_sends(pg_queue):
    """A worker serving sweep and send behind sends still waiting starts the minute's sweep first: a
    sweep that waited behind them would be late and the next minute's would be skipped."""
    from procrastinate.testing import InMemoryConnector

    channel, connector = Recorder(), InMemoryConnector()
    config, _ = pg_queue
    app, reps = runtime_with_rep(config, channel)
    backlog = due_nudges(app, reps, 3, prefix="b")
    papp = queue.make_app(config, connector=connector)
    async with papp.open_async():
        sends = [await papp.configure_task("send_outbox").defer_async(messages=[[row]], desk="reminders")
                 for row in backlog]
        sweep = await papp.configure_task("sweep_reminders").defer_async()
    await run_worker(config, ["sweep", "send"], connector=connector, wait=False, concurrency=1, app=app)

    def started(job_id):
        return next(e["at"] for e in connector.events[job_id] if e["type"] == "started")
    assert all(started(sweep) < started(job) for job in sends)
    assert len(channel.sent) == 3 and unsent(app) == 0
    await app.conversation.close()


@pytest.mark.pg
async def test_a_burst_of_intakes_defers_one_lead_sweep(pg_queue):
    import httpx
    from procrastinate.testing import InMemoryConnector

    from bot.intake import LeadService

    connector = InMemoryConnector()
    config, _ = pg_queue
    config["api"]["token"] = "t0ken"
    app, _ = runtime_with_rep(config, Recorder())
    app.queue = queue.make_app(config, connector=connector)
    service = LeadService(app, queued=True)
    from starlette.applications import Starlette

    web = Starlette(routes=service.routes())
    async with app.queue.open_async():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=web), base_url="http://bot") as client:
            for i in range(20):
                answer = await client.post("/api/leads", headers={"Authorization": "Bearer t0ken"},
                                           json={"team": "华东一组", "company": f"客户{i}", "source": "官网表单"})
                assert answer.status_code == 201
        for _ in range(100):
            if service.intake._tasks:
                await asyncio.sleep(0.02)
    sweeps = [j for j in connector.jobs.values() if j["task_name"] == "sweep_leads" and j["status"] == "todo"]
    assert len(sweeps) == 1
    await app.conversation.close()


# --- real workers on PostgreSQL ------------------------------------------------------------------------

@pytest.mark.pg
def test_db_upgrade_creates_the_queue_schema_once(pg_bare, tmp_path, capsys):
    config, url = pg_bare
    path = tmp_path / "config.toml"
    path.write_text('[queue]\nbackend = "procrastinate"\n', encoding="utf-8")
    assert main(["--config", str(path), "--db", url, "db", "upgrade"]) == 0
    assert "任务队列（procrastinate）的表已创建" in capsys.readouterr().out
    assert main(["--config", str(path), "--db", url, "db", "upgrade"]) == 0
    assert "已存在" in capsys.readouterr().out
    from storage.db import make_engine

    engine = make_engine(url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar() is not None
    engine.dispose()


@pytest.mark.pg
async def test_real_workers_send_every_due_message_once_and_healthz_shows_the_queues(pg_queue):
    config, url = pg_queue
    channel = Recorder()
    app, reps = runtime_with_rep(config, channel, reps=3)
    other = build_runtime(config, serves_asr=False, web=False)   # a second worker process's runtime
    other.channels["telegram"] = channel
    due_nudges(app, reps, 30)
    papp = queue.make_app(config)
    async with papp.open_async():
        await papp.configure_task("sweep_reminders").defer_async()
        app.queue = papp
        health = await app.health()
        assert health["queues"]["sweep"]["todo"] >= 1
    workers = [asyncio.create_task(run_worker(config, ["sweep", "send"], app=rt, install_signals=False))
               for rt in (app, other)]
    try:
        for _ in range(600):
            if len(channel.sent) >= 30 and unsent(app) == 0:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)
    finally:
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
    texts = [t for _, t, _ in channel.sent]
    assert len(texts) == 30 == len(set(texts)) and unsent(app) == 0
    with app.sessions() as session:
        left = session.execute(text("SELECT count(*) FROM procrastinate_jobs WHERE queue_name = 'send' "
                                    "AND status IN ('todo', 'doing', 'failed')")).scalar()
    assert left == 0
    await app.conversation.close()
    await other.conversation.close()


@pytest.mark.pg
async def test_one_rate_limit_per_bot_across_processes(pg_queue):
    from storage.db import open_database

    config, url = pg_queue
    engine, sessions = open_database(url)
    limits = [queue.RateLimit(sessions, per_second=20) for _ in range(3)]   # three processes
    stamps: list[float] = []

    async def sender(limit, n):
        for _ in range(n):
            await limit.wait("telegram")
            stamps.append(time.monotonic())
    await asyncio.gather(*(sender(limit, 15) for limit in limits))
    engine.dispose()
    stamps.sort()
    busiest = max(sum(1 for s in stamps if start <= s < start + 1.0) for start in stamps)
    assert len(stamps) == 45 and busiest <= 21


# --- the note's path as jobs ---------------------------------------------------------------------------

class FakeSpeech:
    """The asr worker's transcriber in these tests: what a voice file says."""

    def __init__(self, text: str):
        self.text, self.calls = text, 0

    async def transcribe_async(self, path, fmt=None, *, catalogue=(), industry=None):
        from types import SimpleNamespace

        self.calls += 1
        return SimpleNamespace(text=self.text)


def telegram_note(message_id: int, text: str = "", voice=None, seconds_ago: float = 0):
    from datetime import datetime, timezone

    from bot.messages import Inbound

    return Inbound(channel="telegram", user_id="1000", chat_id="1000", message_id=str(message_id),
                   received_at=datetime.now(timezone.utc) - timedelta(seconds=seconds_ago), text=text, voice=voice)


async def web_and_worker(config, connector):
    """A web process's runtime (records, defers) and a worker's (runs the steps), one recorder each."""
    web_channel, worker_channel = Recorder(), Recorder()
    web, reps = runtime_with_rep(config, web_channel)
    web.queue = queue.make_app(config, connector=connector)
    web.conversation.runner = queue.Queued(web.conversation, web.queue)
    worker = build_runtime(config, serves_asr=False, web=False)
    worker.channels["telegram"] = worker_channel
    return web, worker, worker_channel


def note_rows(app):
    from storage.models import Note

    with app.sessions() as session:
        return list(session.exec(select(Note).order_by(Note.id)).all())


@pytest.mark.pg
async def test_a_web_process_records_and_defers_and_a_worker_stores_and_answers_once(pg_queue):
    from procrastinate.testing import InMemoryConnector

    config, _ = pg_queue
    connector = InMemoryConnector()
    web, worker, channel = await web_and_worker(config, connector)
    async with web.queue.open_async():
        await web.conversation.receive(telegram_note(1, "张总，A型号订50台，下周三发货"))
        await web.conversation.receive(telegram_note(1, "张总，A型号订50台，下周三发货"))   # delivered again
        await web.conversation.idle(30)
    [note] = note_rows(web)
    assert note.state == "received"                       # the web process parsed nothing
    [job] = [j for j in connector.jobs.values() if j["task_name"] == "note_step"]
    assert (job["queue_name"], job["lock"], job["args"]["step"]) == ("notes", f"member:{note.author_id}", "parse")
    await drain(config, ["notes"], connector, worker)
    [note] = note_rows(web)
    assert note.state == "parsed" and note.carded_at is not None
    cards = [t for _, t, _ in channel.sent if "A型号" in t]
    assert len(cards) == 1
    async with web.queue.open_async():                    # the same steps again: nothing changes
        for step in ("parse", "card"):
            await web.queue.configure_task("note_step").defer_async(
                note_id=note.id, member_id=note.author_id, step=step)
    await drain(config, ["notes"], connector, worker)
    assert len([t for _, t, _ in channel.sent if "A型号" in t]) == 1
    await web.conversation.close()
    await worker.conversation.close()


@pytest.mark.pg
async def test_a_voice_note_is_transcribed_on_the_asr_queue_only(pg_queue):
    from procrastinate.testing import InMemoryConnector

    from bot.messages import Voice

    config, _ = pg_queue
    connector = InMemoryConnector()
    web, worker, channel = await web_and_worker(config, connector)
    speech = FakeSpeech("李总说B型号要二十台，月底前签合同")
    asr = build_runtime(config, serves_asr=False, web=False)
    asr.transcriber = asr.conversation.transcriber = speech
    asr.channels["telegram"] = channel
    async with web.queue.open_async():
        await web.conversation.receive(telegram_note(2, voice=Voice(data=b"OggS" + bytes(400), format="ogg")))
        await web.conversation.idle(30)
    [job] = [j for j in connector.jobs.values() if j["task_name"] == "note_step"]
    assert (job["queue_name"], job["args"]["step"], job["lock"]) == ("asr", "transcribe", None)
    await drain(config, ["notes"], connector, worker)      # a notes worker cannot take it
    assert note_rows(web)[0].state == "received" and speech.calls == 0
    await drain(config, ["asr"], connector, asr)
    assert speech.calls == 1 and note_rows(web)[0].state == "transcribed"
    await drain(config, ["notes"], connector, worker)
    [note] = note_rows(web)
    assert note.state == "parsed" and note.transcript.startswith("李总")
    assert any("B型号" in t for _, t, _ in channel.sent)
    await web.conversation.close()
    await worker.conversation.close()
    await asr.conversation.close()


@pytest.mark.pg
async def test_a_note_and_its_first_job_are_committed_together(pg_queue, monkeypatch):
    """On procrastinate's PostgreSQL connector the web process inserts a note's first job in the
    note's own transaction: when receive() returns (the channel answers then) both are on record and
    nothing waits in the web process, so a web process killed right after its answer loses nothing;
    a defer that fails takes the note with it (the channel answers an error and the sender retries)."""
    from bot.messages import Voice
    from storage.models import Note

    config, _ = pg_queue
    web, worker, channel = await web_and_worker(config, None)   # the real connector
    conv = web.conversation
    async with web.queue.open_async():
        await conv.receive(telegram_note(11, "张总，A型号订50台，下周三发货"))
        await conv.receive(telegram_note(12, voice=Voice(data=b"OggS" + bytes(400), format="ogg")))
        await conv.receive(telegram_note(11, "张总，A型号订50台，下周三发货"))   # delivered again
        assert conv.busy == 0          # no deferral left to a background task
        await conv.close()             # the web process dies right after answering

        def jobs():
            with web.sessions() as session:
                return session.execute(text(
                    "SELECT (args->>'note_id')::int, args->>'step', queue_name, lock, status FROM procrastinate_jobs "
                    "WHERE task_name = 'note_step' ORDER BY id")).all()
        typed, spoken = note_rows(web)
        assert [tuple(j) for j in jobs()] == [(typed.id, "parse", "notes", f"member:{typed.author_id}", "todo"),
                                             (spoken.id, "transcribe", "asr", None, "todo")]

        def refuse(*args, **kwargs):
            raise RuntimeError("the queue's table is not there")
        monkeypatch.setattr(queue, "defer_in_transaction", refuse)
        other = build_runtime(config, serves_asr=False, web=False)
        other.conversation.runner = queue.Queued(other.conversation, web.queue)
        with pytest.raises(RuntimeError):
            await other.conversation.receive(telegram_note(13, "李总那边B型号二十台，月底前签"))
        assert len(note_rows(web)) == 2 and len(jobs()) == 2
        monkeypatch.undo()
    for _ in range(5):    # a worker on the real connector: parse, then the card step it defers
        await run_worker(config, ["notes"], app=worker, wait=False, install_signals=False)
        if any("A型号" in t for _, t, _ in channel.sent):
            break
    typed = next(n for n in note_rows(web) if n.id == typed.id)
    assert typed.state == "parsed" and len([t for _, t, _ in channel.sent if "A型号" in t]) == 1
    await other.conversation.close()
    await worker.conversation.close()


@pytest.mark.pg
async def test_a_note_recorded_without_a_job_is_found_by_the_reconciler(pg_queue):
    from procrastinate.testing import InMemoryConnector

    from storage import notes as note_ops

    config, _ = pg_queue
    connector = InMemoryConnector()
    web, worker, channel = await web_and_worker(config, connector)
    with web.sessions() as session:   # a web process died right after recording this note
        member = teams.member_for_account(session=session, channel="telegram", external_id="1000")
        note_ops.record_inbound(session=session, author_id=member.id, channel="telegram",
                                channel_message_id="1000:3", received_at=utcnow() - timedelta(minutes=2),
                                text="王经理那边要三台C型号，下周五送货")
    async with web.queue.open_async():
        await web.queue.configure_task("reconcile_notes").defer_async()
    await drain(config, ["sweep", "notes"], connector, worker)
    [note] = note_rows(web)
    assert note.state == "parsed" and note.carded_at is not None
    assert len([t for _, t, _ in channel.sent if "C型号" in t]) == 1
    await web.conversation.close()
    await worker.conversation.close()


@pytest.mark.pg
async def test_a_killed_sweeper_does_not_block_the_next_minutes_sweep(pg_queue):
    """The sweeper was kill -9ed mid-sweep and the next minute's sweep already waits: the stalled job
    cannot go back to todo (same queueing lock); it is aborted, so the waiting sweep gets the job lock
    and sends what is due."""
    config, _ = pg_queue
    channel = Recorder()
    app, reps = runtime_with_rep(config, channel, reps=2)
    due_nudges(app, reps, 4)
    papp = queue.make_app(config)
    async with papp.open_async():
        first = await papp.configure_task("sweep_reminders").defer_async()
        dead = await papp.job_manager.register_worker()
        job = await papp.job_manager.fetch_job(["sweep"], worker_id=dead)      # the killed sweeper's job
        assert job.id == first
        second = await papp.configure_task("sweep_reminders").defer_async()   # the next minute's
        with app.sessions() as session:   # its heartbeat stopped a minute ago
            session.execute(text("UPDATE procrastinate_workers SET last_heartbeat = now() - interval '1 minute' "
                                 "WHERE id = :id"), {"id": dead})
            session.commit()
        await papp.configure_task("retry_stalled").defer_async()
    worker = asyncio.create_task(run_worker(config, ["sweep", "send"], app=app, install_signals=False))
    try:
        for _ in range(300):
            if len(channel.sent) >= 4 and unsent(app) == 0:
                break
            await asyncio.sleep(0.1)
    finally:
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)
    with app.sessions() as session:
        status = dict(session.execute(text("SELECT id, status::text FROM procrastinate_jobs WHERE id IN (:a, :b)"),
                                      {"a": first, "b": second}).all())
        failed = session.execute(text("SELECT count(*) FROM procrastinate_jobs WHERE status = 'failed'")).scalar()
    assert status[first] == "aborted" and status.get(second, "done") in ("succeeded", "done") and failed == 0
    assert len(channel.sent) == 4 and unsent(app) == 0
    await app.conversation.close()


def test_set_webhook_sets_it_once_and_web_processes_do_not(tmp_path, capsys):
    from tests.fake_botapi import FakeBotAPI

    with FakeBotAPI() as fake:
        path = tmp_path / "config.toml"
        path.write_text(f'[telegram]\ntoken = "{fake.token}"\nbase_url = "{fake.base_url}"\nmode = "webhook"\n'
                        'webhook_url = "https://bot.example.com/telegram/webhook"\n', encoding="utf-8")
        assert main(["--config", str(path), "--db", f"sqlite:///{tmp_path / 'x.db'}", "telegram", "set-webhook"]) == 0
        assert fake.webhook_url == "https://bot.example.com/telegram/webhook"
        assert "webhook" in capsys.readouterr().out
        fake.webhook_url = ""
        calls = len(fake.calls)
        config = queued_config(tmp_path)
        config["telegram"].update(token=fake.token, base_url=fake.base_url, mode="webhook",
                                  webhook_url="https://bot.example.com/telegram/webhook")
        app = build_runtime(config, serves_asr=False, web=True)

        async def start_and_stop():
            await app.channels["telegram"].start()
            await app.channels["telegram"].stop()
        asyncio.run(start_and_stop())
        assert fake.webhook_url == "" and "getMe" in fake.calls[calls:] and "setWebhook" not in fake.calls[calls:]
        app.engine.dispose()


@pytest.mark.pg
async def test_salesbot_run_on_the_queue_backend_is_a_cluster_of_one(pg_queue):
    """`salesbot run` with [queue] backend = "procrastinate": the web chat records, a real worker in
    the same process stores the note and the card comes back to the page."""
    import httpx

    from bot.processes import run_all
    from tests.fake_botapi import free_port

    config, _ = pg_queue
    config["web"].update(host="127.0.0.1", port=free_port())
    started, stop = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(run_all(config, started=started, stop=stop, warm_up=False))
    try:
        await asyncio.wait_for(started.wait(), 60)
        base = f"http://127.0.0.1:{config['web']['port']}"
        async with httpx.AsyncClient(trust_env=False, timeout=30) as client:
            await client.get(f"{base}/chat/me")
            answer = await client.post(f"{base}/chat/send", data={"text": "张总，A型号订50台，下周三发货"})
            assert answer.status_code == 200
            card, after = None, 0
            for _ in range(120):
                updates = (await client.get(f"{base}/chat/updates", params={"after": after, "wait": 1})).json()
                after = max([after] + [m["seq"] for m in updates["messages"]])
                card = next((m for m in updates["messages"] if m["from"] == "bot" and "A型号" in m["text"]), None)
                if card:
                    break
            assert card is not None and "50" in card["text"]
            health = (await client.get(f"{base}/healthz")).json()
            assert "queues" in health and health["scheduler"] == "off"
    finally:
        stop.set()
        await asyncio.wait_for(task, 60)
