"""Tables for running a real team: the change log, the team's product catalogue, contact phones and
duplicate claims (撞单).

Same conventions as storage.models. Customer and note links are plain indexed ids, not foreign keys:
a correction may drop a customer, and a history row must outlive what it describes.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models import utcnow

CHANGE_ENTITIES = ("note", "deal", "commitment", "customer", "member")
CLAIM_STATES = ("open", "decided")


class ChangeLog(SQLModel, table=True):
    """Who changed what and when, with the value before and after (JSON text for structured facts)."""
    __table_args__ = (Index("ix_changelog_entity", "entity", "entity_id"),
                      Index("ix_changelog_customer_at", "customer_id", "changed_at"))
    id: Optional[int] = Field(default=None, primary_key=True)
    team_id: Optional[int] = Field(default=None, index=True)
    entity: str = Field(max_length=16)
    entity_id: int
    customer_id: Optional[int] = None
    field: str = Field(max_length=32)  # extraction, stage, status, owner, due_date, state, active, role ...
    old_value: Optional[str] = None
    new_value: Optional[str] = None
    reason: str = Field(default="", max_length=24)  # correction withdrawal stage handover claim ...
    changed_by_id: Optional[int] = Field(default=None, foreign_key="member.id")
    changed_at: datetime = Field(default_factory=utcnow)


class Product(SQLModel, table=True):
    """One product of a team's imported catalogue: feeds the parser and the speech hotwords."""
    __table_args__ = (UniqueConstraint("team_id", "key"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True)
    name: str = Field(max_length=200)
    key: str = Field(max_length=200)
    model_codes: str = ""  # 、-separated
    synonyms: str = ""     # 、-separated
    unit: str = Field(default="", max_length=16)
    created_at: datetime = Field(default_factory=utcnow)


class ContactDetail(SQLModel, table=True):
    """Personal details of a contact beyond the name said in notes (from the customer catalogue)."""
    id: Optional[int] = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", unique=True)
    phone: str = Field(default="", max_length=32, index=True)
    updated_at: datetime = Field(default_factory=utcnow)


class DuplicateClaim(SQLModel, table=True):
    """撞单: a rep's note about a customer another rep of the team owns; the owner's manager decides."""
    __table_args__ = (Index("ix_duplicateclaim_team_state", "team_id", "state"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id")
    customer_id: int = Field(index=True)
    note_id: Optional[int] = None
    claimant_id: int = Field(foreign_key="member.id")
    owner_id: int = Field(foreign_key="member.id")
    decider_id: Optional[int] = Field(default=None, foreign_key="member.id")
    state: str = Field(default="open", max_length=8)
    decided_owner_id: Optional[int] = Field(default=None, foreign_key="member.id")
    decided_at: Optional[datetime] = None
    created_at: datetime = Field(default_factory=utcnow)
