"""A conversation on real storage without any channel, for the conversation's tests: `bot` is the
fixture (SQLite, and PostgreSQL with SALESBOT_TEST_PG_URL)."""
from __future__ import annotations

import uuid
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

    def __init__(self, tmp_path, kind: str = "sqlite"):
        self.config = load_config(None, env={})
        self.engine, self.cleanup = empty_engine(kind, tmp_path)
        upgrade_database(self.engine)
        self.sessions = session_factory(self.engine)
        self.now = datetime.now(timezone.utc)
        self.sent = []
        self.tmp_path = tmp_path
        self.conversation = self.make()

    def make(self) -> Conversation:
        return Conversation(sessions=self.sessions, stages=stages_from_config(self.config), parse=parse,
                            send=self.send, audio_dir=self.tmp_path / "audio", clock=lambda: self.now)

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


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
async def bot(request, tmp_path):
    b = Bot(tmp_path, request.param)
    yield b
    await b.conversation.close()
    b.cleanup()
