"""SQLModel tables: the sales record.

Conventions: every datetime is timezone-aware and read back in UTC (SQLModel's UTCDateTime; a
naive value is refused); calendar days (due dates, expected close) are plain dates in the team's own
timezone. Kinds and states are plain strings (constants below) so adding one needs no
migration of a database enum type.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, Optional

from sqlalchemy import JSON, Column, Index, MetaData, UniqueConstraint, text
from sqlmodel import Field, SQLModel

# Stable constraint names: Alembic can then alter and drop them on every backend.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata

ROLES = ("rep", "manager", "lead", "admin")
CHANNELS = ("telegram", "wecom", "local", "api", "cli")
CONTACT_ROLES = ("decision_maker", "user", "influencer", "unknown")
DEAL_STATUSES = ("open", "won", "lost")
# received -> (transcribed) -> parsed; ambiguous waits for the rep to pick the customer; failed keeps
# the error. received and transcribed are "unfinished": processed again on start-up.
NOTE_STATES = ("received", "transcribed", "parsed", "ambiguous", "failed")
UNFINISHED_STATES = ("received", "transcribed")
# Note.error of a failed note that is no note at all: withdrawn by its author (撤回), or a voice
# message that turned out to correct the card before it. Neither counts as a note anywhere.
RETRACTED = "retracted"
SPOKEN_CORRECTION = "a spoken correction of the card before it"
NOT_NOTES = (RETRACTED, SPOKEN_CORRECTION)
COMMITMENT_STATES = ("open", "done", "cancelled")
MONEY_KINDS = ("budget", "quote", "deal", "competitor_price", "other")


# Notes, deals and commitments are shown to reps by id (笔记 #3, 商机 #2, 完成 5): an id is never given
# again after its row is deleted (SQLite reuses the highest rowid without AUTOINCREMENT; migration 0013).
STABLE_IDS = {"sqlite_autoincrement": True}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(value: datetime) -> datetime:
    """Any datetime in UTC; a naive one is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


class Team(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=100)
    timezone: str = Field(default="Asia/Shanghai", max_length=64)
    industry: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class Member(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("team_id", "name"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True)
    name: str = Field(max_length=100)
    role: str = Field(default="rep", max_length=16)
    manager_id: Optional[int] = Field(default=None, foreign_key="member.id", index=True)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class ChannelAccount(SQLModel, table=True):
    """A chat account bound to a member: one per (channel, external id)."""
    __table_args__ = (UniqueConstraint("channel", "external_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    channel: str = Field(max_length=16)
    external_id: str = Field(max_length=128)
    display_name: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class Invite(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=32)
    team_id: int = Field(foreign_key="team.id", index=True)
    role: str = Field(default="rep", max_length=16)
    manager_id: Optional[int] = Field(default=None, foreign_key="member.id")
    member_id: Optional[int] = Field(default=None, foreign_key="member.id")
    expires_at: datetime
    max_uses: int = 1
    uses: int = 0
    created_at: datetime = Field(default_factory=utcnow)


class Customer(SQLModel, table=True):
    """The organisation; or the person (named after the contact) while no organisation is known."""
    # An organisation is one customer per team (two workers creating it at once make one); customers
    # named after a person stay one per rep who met them.
    __table_args__ = (Index("ix_customer_team_key", "team_id", "key"),
                      Index("uq_customer_team_key_org", "team_id", "key", unique=True,
                            sqlite_where=text("is_person = 0"), postgresql_where=text("is_person = false")))
    id: Optional[int] = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id")
    name: str = Field(max_length=200)
    key: str = Field(max_length=200)  # normalised name used for matching
    is_person: bool = False
    owner_id: Optional[int] = Field(default=None, foreign_key="member.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)


class Contact(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("customer_id", "key"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    name: str = Field(max_length=100)  # as said: 张总, 王经理, 李建国
    key: str = Field(max_length=100, index=True)
    title: str = Field(default="", max_length=32)  # 总, 经理, 工 ...
    role: str = Field(default="unknown", max_length=16)  # decision-chain role
    created_at: datetime = Field(default_factory=utcnow)


class Deal(SQLModel, table=True):
    __table_args__ = (
        Index("ix_deal_status_stage", "status", "stage", "stage_entered_at"),
        Index("ix_deal_status_activity", "status", "last_activity_at"),
        Index("ix_deal_owner_customer", "owner_id", "customer_id", "status"),
        STABLE_IDS,
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    owner_id: int = Field(foreign_key="member.id")
    stage: str = Field(max_length=32)
    status: str = Field(default="open", max_length=8)
    amount: Optional[float] = None
    amount_kind: Optional[str] = Field(default=None, max_length=16)  # deal | quote | budget
    expected_close: Optional[date] = None
    expected_close_end: Optional[date] = None  # a close said as a range (a month, a quarter): its end, exclusive
    expected_close_grain: Optional[str] = Field(default=None, max_length=8)  # as said: day week month quarter year
    stage_entered_at: datetime = Field(default_factory=utcnow)
    last_activity_at: datetime = Field(default_factory=utcnow)
    closed_at: Optional[datetime] = None
    created_at: datetime = Field(default_factory=utcnow)


class NoteBase(SQLModel):
    channel: str = Field(max_length=16)
    # Unique per channel: the channel composes it (Telegram: "chat_id:message_id").
    channel_message_id: Optional[str] = Field(default=None, max_length=128)
    received_at: datetime = Field(default_factory=utcnow)
    raw_text: Optional[str] = None
    audio_ref: Optional[str] = Field(default=None, max_length=500)


class Note(NoteBase, table=True):
    __table_args__ = (
        UniqueConstraint("channel", "channel_message_id"),
        Index("ix_note_state", "state"),
        Index("ix_note_author_received", "author_id", "received_at"),
        STABLE_IDS,
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    author_id: int = Field(foreign_key="member.id")
    customer_id: Optional[int] = Field(default=None, foreign_key="customer.id", index=True)
    contact_id: Optional[int] = Field(default=None, foreign_key="contact.id")
    deal_id: Optional[int] = Field(default=None, foreign_key="deal.id", index=True)
    transcript: Optional[str] = None
    extraction: Optional[dict[str, Any]] = Field(default=None, sa_column=Column(JSON))
    state: str = Field(default="received", max_length=16)
    error: Optional[str] = None
    parsed_at: Optional[datetime] = None
    # When the note's card went out (bot/pipeline.py's last step); None: still to send.
    carded_at: Optional[datetime] = None
    # A note about several customers is split (bot/pipeline.py): part 1 is this note, the delivery
    # the channel sent; parts 2… are notes of their own pointing to it (source_id), same text and audio.
    part: Optional[int] = None
    source_id: Optional[int] = Field(default=None, foreign_key="note.id", index=True)


class NoteFact(SQLModel):
    """What every fact row carries: the note it came from and the deal/customer it is about."""
    note_id: int = Field(foreign_key="note.id", index=True)
    deal_id: Optional[int] = Field(default=None, foreign_key="deal.id", index=True)
    customer_id: Optional[int] = Field(default=None, foreign_key="customer.id")


class Item(NoteFact, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    product: Optional[str] = Field(default=None, max_length=200)
    quantity: float
    unit: Optional[str] = Field(default=None, max_length=16)


class MoneyFact(NoteFact, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    amount: float
    kind: str = Field(max_length=24)


class ObjectionMention(NoteFact, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    category: str = Field(max_length=24)
    evidence: str = ""  # the clause it came from (the parser's objection_evidence); "" before it existed


class RiskMention(NoteFact, table=True):
    """A verbal promise beyond standard terms (the parser's `risks`): 免费, 保证 … and its sentence."""
    id: Optional[int] = Field(default=None, primary_key=True)
    phrase: str = Field(max_length=32)
    text: str = ""


class CompetitorMention(NoteFact, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)


# Every table of facts a note produced: a correction or a withdrawal removes the note's rows in each.
NOTE_FACT_TABLES = (Item, MoneyFact, ObjectionMention, CompetitorMention, RiskMention)


class Commitment(SQLModel, table=True):
    """A planned action with a day: what the reminders nudge about."""
    __table_args__ = (Index("ix_commitment_state_due", "state", "due_date"),
                      Index("ix_commitment_owner_state", "owner_id", "state", "due_date"), STABLE_IDS)
    id: Optional[int] = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="member.id")
    deal_id: Optional[int] = Field(default=None, foreign_key="deal.id", index=True)
    customer_id: Optional[int] = Field(default=None, foreign_key="customer.id")
    note_id: Optional[int] = Field(default=None, foreign_key="note.id", index=True)
    kind: str = Field(max_length=16)  # delivery followup meeting payment trial deadline other
    due_date: date
    text: str = ""  # what was promised, for the nudge
    state: str = Field(default="open", max_length=12)
    done_at: Optional[datetime] = None
    created_at: datetime = Field(default_factory=utcnow)


class StageChange(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    deal_id: int = Field(foreign_key="deal.id", index=True)
    from_stage: Optional[str] = Field(default=None, max_length=32)
    to_stage: str = Field(max_length=32)  # a stage, or the status won / lost
    changed_by_id: Optional[int] = Field(default=None, foreign_key="member.id")
    changed_at: datetime = Field(default_factory=utcnow)


class Notification(SQLModel, table=True):
    """The outbox: written with its dedupe key before sending, marked sent after."""
    __table_args__ = (Index("ix_notification_pending", "sent_at", "send_at"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # nudge escalation alert digest report ...
    recipient_id: int = Field(foreign_key="member.id", index=True)
    subject: str = Field(default="", max_length=200)  # what it is about, e.g. "commitment:12"
    text: str = ""
    send_at: datetime
    sent_at: Optional[datetime] = None
    dedupe_key: str = Field(unique=True, max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class Lease(SQLModel, table=True):
    """A named lock held until expires_at: one scheduler sweeps at a time across processes."""
    name: str = Field(primary_key=True, max_length=64)
    holder: str = Field(max_length=128)
    expires_at: datetime


class RateBucket(SQLModel, table=True):
    """A send rate shared by every process (one per bot): the next send may go at next_at."""
    __tablename__ = "rate_bucket"
    name: str = Field(primary_key=True, max_length=64)
    next_at: datetime


class JoinAttempt(SQLModel, table=True):
    """A wrong invite code sent by a chat account (or web session): counted in the database, so a
    restart or a second process does not reset the limit on guessing codes."""
    __table_args__ = (Index("ix_joinattempt_account_at", "channel", "account", "at"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    account: str = Field(max_length=128)
    at: datetime = Field(default_factory=utcnow)


# The leads issue's tables (leads, offers, touchpoints, contract ends) live in their own module;
# importing it here registers them on the same metadata for Alembic and the tests.
from storage import lead_models  # noqa: E402,F401
# Issue 10's tables (change log, product catalogue, contact phones, duplicate claims).
from storage import history_models  # noqa: E402,F401
# Issue 18: the dialogue (questions, numbered options, the web chat's history).
from storage import dialogue_models  # noqa: E402,F401
# Issue 21's tables (forecast snapshots).
from storage import insight_models  # noqa: E402,F401

# Names are stored without control and bidi characters (storage.names), whoever writes them.
from storage.names import clean_columns  # noqa: E402

clean_columns(SQLModel, {"team": ("name",), "member": ("name",), "channelaccount": ("display_name",),
                         "customer": ("name",), "contact": ("name",), "competitormention": ("name",),
                         "lead": ("name", "company"), "touchpoint": ("company", "contact"), "product": ("name",)})


def counted_note():
    """SQL condition: the note counts as one the rep made: stored (a refused, withdrawn or spoken
    correction note ends "failed")."""
    from sqlalchemy import and_, or_

    return and_(Note.state != "failed", or_(Note.error.is_(None), Note.error.notin_(NOT_NOTES)))
