"""The dialogue's state as rows (storage.dialogue_models): open questions, numbered options, the web
chat's history. Keyword-only functions that take a session and commit their own unit of work."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, update
from sqlmodel import Session, select

from storage.dialogue_models import ChatMessage, ChatOption, Question
from storage.models import as_utc, utcnow

KEEP_CHAT_MESSAGES = 300   # per web chat: what a page shows after a reload
_ADD_MESSAGE = insert(ChatMessage).returning(ChatMessage.id)


# --- questions ------------------------------------------------------------------------------------

def ask(*, session: Session, member_id: int, kind: str, note_id: int | None = None, word: str = "",
        choices: list | None = None, at: datetime | None = None) -> Question:
    """Records a question to the member; an older open one is closed (the newest is what a short
    answer refers to)."""
    at = as_utc(at) if at else utcnow()
    session.execute(update(Question).where(Question.member_id == member_id, Question.closed_at.is_(None))
                    .values(closed_at=at))
    question = Question(member_id=member_id, kind=kind, note_id=note_id, word=word[:100], choices=choices,
                        asked_at=at)
    session.add(question)
    session.commit()
    return question


def open_question(*, session: Session, member_id: int, since: datetime) -> Question | None:
    """The member's open question asked since `since`, if any."""
    return session.exec(select(Question).where(
        Question.member_id == member_id, Question.closed_at.is_(None), Question.asked_at >= as_utc(since))
        .order_by(Question.asked_at.desc(), Question.id.desc())).first()


def close_question(*, session: Session, question_id: int, at: datetime | None = None) -> bool:
    """Closes it unless it was closed already (compare-and-set): True for the one answer that counts."""
    closed = session.execute(update(Question).where(Question.id == question_id, Question.closed_at.is_(None))
                             .values(closed_at=as_utc(at) if at else utcnow())).rowcount
    session.commit()
    return closed == 1


def close_open(*, session: Session, member_id: int, kind: str, at: datetime | None = None) -> None:
    """Closes the member's open questions of `kind` (answered by a button instead of a typed reply)."""
    session.execute(update(Question).where(Question.member_id == member_id, Question.kind == kind,
                                           Question.closed_at.is_(None)).values(closed_at=as_utc(at) if at else utcnow()))
    session.commit()


# --- numbered options (channels without buttons) --------------------------------------------------

def remember_options(*, session: Session, channel: str, chat_id: str, message_id: str, choices: list[str],
                     at: datetime | None = None) -> None:
    """The options just shown in a chat replace the ones shown there before."""
    session.execute(delete(ChatOption).where(ChatOption.channel == channel, ChatOption.chat_id == chat_id))
    session.add(ChatOption(channel=channel, chat_id=chat_id, message_id=str(message_id), choices=list(choices),
                           shown_at=as_utc(at) if at else utcnow()))
    session.commit()


def chosen_option(*, session: Session, channel: str, chat_id: str, number: int,
                  since: datetime) -> tuple[str, str] | None:
    """(button data, the message it was shown in) for a reply of just `number`; None when no options
    were shown in that chat since `since` or the number is not one of them."""
    shown = session.exec(select(ChatOption).where(
        ChatOption.channel == channel, ChatOption.chat_id == chat_id, ChatOption.shown_at >= as_utc(since))
        .order_by(ChatOption.shown_at.desc(), ChatOption.id.desc())).first()
    if shown is None or not 1 <= number <= len(shown.choices or []):
        return None
    return shown.choices[number - 1], shown.message_id


# --- the web chat's history -----------------------------------------------------------------------

def add_chat_message(*, session: Session, chat_id: str, message_id: str, sender: str, text: str,
                     body: dict | None = None, at: datetime | None = None) -> int:
    """Appends one message to a web chat's history; returns its sequence number. Only the latest
    KEEP_CHAT_MESSAGES of a chat are kept."""
    # a prebuilt insert, not an ORM object: every message of the web chat waits for this before its answer
    row_id = session.execute(_ADD_MESSAGE, {
        "chat_id": chat_id, "message_id": str(message_id), "sender": sender, "text": text or "",
        "body": body or None, "at": as_utc(at) if at else utcnow()}).scalar_one()
    session.commit()
    if row_id % 50 == 0:   # now and then: drop what a page would no longer show
        oldest = session.exec(select(ChatMessage.id).where(ChatMessage.chat_id == chat_id)
                              .order_by(ChatMessage.id.desc()).offset(KEEP_CHAT_MESSAGES)).first()
        if oldest is not None:
            session.execute(delete(ChatMessage).where(ChatMessage.chat_id == chat_id, ChatMessage.id <= oldest))
            session.commit()
    return row_id


def chat_messages(*, session: Session, chat_id: str, after: int = 0,
                  limit: int = KEEP_CHAT_MESSAGES) -> list[ChatMessage]:
    """A chat's messages after sequence number `after`, oldest first (the latest `limit` of them)."""
    rows = session.exec(select(ChatMessage).where(ChatMessage.chat_id == chat_id, ChatMessage.id > after)
                        .order_by(ChatMessage.id.desc()).limit(limit)).all()
    return list(reversed(rows))
