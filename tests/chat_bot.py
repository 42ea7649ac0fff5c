"""A conversation on real storage without any channel, for the conversation's tests: `bot` is the
fixture (SQLite, and PostgreSQL with SALESBOT_TEST_PG_URL).

Queue mode (`pytest --queue-backend procrastinate`, or SALESBOT_TEST_QUEUE=procrastinate): the
conversation is a web process's (it records a note and defers its steps to procrastinate, here on
its in-memory connector) and a second Conversation on the same database plays the worker that runs
them, as `salesbot web` and `salesbot worker` would; PostgreSQL only, as the backend requires."""
from __future__ import annotations

import asyncio
import os
import uuid
from types import SimpleNamespace
from datetime import datetime, timezone

import pytest
from sqlmodel import select

from bot.config import load_config
from bot.conversation import Conversation
from bot.messages import Inbound
from nlu.parser import parse
from storage import teams
from storage.db import session_factory, upgrade_database
from storage.stages import stages_from_config
from tests.storage_db import empty_engine


class Bot:
    """A conversation on a fresh database (SQLite file, or a PostgreSQL schema of its own), with a
    clock the test moves and a record of replies."""

    def __init__(self, tmp_path, kind: str = "sqlite", queued: bool | None = None):
        self.config = load_config(None, env={})
        self.queued = queue_mode() if queued is None else queued
        self.engine, self.cleanup = empty_engine(kind, tmp_path)
        upgrade_database(self.engine)
        self.sessions = session_factory(self.engine)
        self.now = datetime.now(timezone.utc)
        self.sent = []
        self.tmp_path = tmp_path
        self.queue = self.worker = None
        if self.queued:
            from procrastinate.testing import InMemoryConnector

            from bot import queue

            self.queue = queue.make_app(self.config, connector=InMemoryConnector())
            self.worker = self._conversation()
            self.worker.runner = queue.Queued(self.worker, self.queue)   # a step defers the next
            self._working = asyncio.Lock()
        self.conversation = self.make()

    def _conversation(self) -> Conversation:
        return Conversation(sessions=self.sessions, stages=stages_from_config(self.config), parse=parse,
                            send=self.send, audio_dir=self.tmp_path / "audio", clock=lambda: self.now)

    def make(self) -> Conversation:
        """A conversation as one process has it (in queue mode a web process's: it defers)."""
        conversation = self._conversation()
        if self.queued:
            conversation.runner = DeferAndWork(conversation, self)
        return conversation

    async def work(self) -> None:
        """The worker runs the note jobs waiting (asr and notes queues) until none is left: each job
        runs in the worker's Conversation, not the web one that deferred it."""
        connector = self.queue.connector
        runtime = SimpleNamespace(conversation=self.worker)
        # the speech model a test gives "the process" is the asr worker's (a web process never transcribes)
        self.worker.transcriber = self.conversation.transcriber or self.worker.transcriber
        async with self._working:
            for _ in range(50):
                async with self.queue.open_async():
                    await self.queue.run_worker_async(
                        queues=["asr", "notes"], wait=False, concurrency=4, additional_context={"runtime": runtime},
                        delete_jobs="successful", install_signal_handlers=False)
                await self.worker.idle()
                if not any(j["status"] == "todo" for j in connector.jobs.values()):
                    return

    async def close(self) -> None:
        await self.conversation.close()
        if self.worker is not None:
            await self.worker.close()

    async def send(self, outbound):
        self.sent.append(outbound)
        return f"m{len(self.sent)}"

    def member(self, name, role="rep", team="华东", manager=None):
        with self.sessions() as s:
            try:
                found = teams.find_team(session=s, name=team)
            except teams.NotFound:
                found = teams.add_team(session=s, name=team)
            boss = teams.find_member(session=s, name=manager, team=found) if manager else None
            member = teams.add_member(session=s, team=found, name=name, role=role, manager=boss)
            teams.bind_account(session=s, member=member, channel="local", external_id=name)
        return name

    async def say(self, user, text="", *, reply_to=None, action=None, message_id=None):
        """Sends as `user` (an account id); returns the replies this caused."""
        before = len(self.sent)
        await self.conversation.receive(Inbound(
            channel="local", user_id=user, chat_id=user, message_id=message_id or uuid.uuid4().hex,
            received_at=self.now, text=text, reply_to=reply_to, action=action))
        await self.conversation.idle()
        return self.sent[before:]

    def rows(self, model, *where):
        with self.sessions() as s:
            return list(s.exec(select(model).where(*where)).all())


def queue_mode() -> bool:
    """Whether the conversation tests run in queue mode (tests/conftest.py's --queue-backend)."""
    return os.environ.get("SALESBOT_TEST_QUEUE", "inline").strip().lower() == "procrastinate"


class DeferAndWork:
    """The web process's runner in queue mode: defers the note's first step (bot/queue.py Queued),
    then lets the bot's worker run what waits; the test's idle() covers both."""

    def __init__(self, conversation: Conversation, bot: Bot):
        from bot import queue

        self.queued = queue.Queued(conversation, bot.queue)
        self.conversation, self.bot = conversation, bot

    def submit(self, note_id: int, member_id: int, *, announce: bool = False, start: str | None = None) -> None:
        self.conversation._spawn(self._run(note_id, member_id, start, announce))

    async def _run(self, note_id, member_id, start, announce) -> None:
        async with self.bot.queue.open_async():
            await self.queued.defer(note_id, member_id, start, announce)
        await self.bot.work()


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
async def bot(request, tmp_path):
    if request.param == "sqlite" and queue_mode():
        pytest.skip("queue mode: the procrastinate backend runs on PostgreSQL only")
    b = Bot(tmp_path, request.param)
    yield b
    await b.close()
    b.cleanup()
