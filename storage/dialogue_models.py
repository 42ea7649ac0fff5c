"""Tables of the dialogue (issue 18): nothing conversational lives in memory, so a restart or a second
process continues it.

- Question: what the bot asked a member and waits for (which day a vague date meant, which of two
  dates a correction means); closed when answered or replaced by a newer one.
- ChatOption: the numbered options shown in place of buttons (WeCom), per chat; a reply of just the
  number within a while does what the button would.
- ChatMessage: the local web chat's history, both sides, with cards and their buttons.

Same conventions as storage.models. Note links are plain indexed ids, not foreign keys: a question
must not keep a note from being erased.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from storage.models import utcnow

QUESTION_KINDS = ("date", "which_date", "postpone", "which_item")


class Question(SQLModel, table=True):
    __table_args__ = (Index("ix_question_member_open", "member_id", "closed_at", "asked_at"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id")
    kind: str = Field(max_length=16)
    note_id: Optional[int] = None
    word: str = Field(default="", max_length=100)  # the vague word asked about (近期), or the value said
    choices: Optional[list[Any]] = Field(default=None, sa_column=Column(JSON))
    asked_at: datetime = Field(default_factory=utcnow)
    closed_at: Optional[datetime] = None


class ChatOption(SQLModel, table=True):
    __table_args__ = (Index("ix_chatoption_chat", "channel", "chat_id", "shown_at"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    chat_id: str = Field(max_length=128)
    message_id: str = Field(max_length=128)  # the message the options were shown in
    choices: list[str] = Field(default_factory=list, sa_column=Column(JSON))  # button data, in number order
    shown_at: datetime = Field(default_factory=utcnow)


class ChatMessage(SQLModel, table=True):
    __table_args__ = (Index("ix_chatmessage_chat", "chat_id", "id"),)
    id: Optional[int] = Field(default=None, primary_key=True)  # the page's sequence number
    chat_id: str = Field(max_length=128)
    message_id: str = Field(max_length=128)
    sender: str = Field(max_length=8)  # me | bot
    text: str = ""
    body: Optional[dict[str, Any]] = Field(default=None, sa_column=Column(JSON))  # buttons, reply_to, edit, image, file
    at: datetime = Field(default_factory=utcnow)
