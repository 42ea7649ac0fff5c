"""Tables beyond notes: new leads and their offers, customer touchpoints, contract ends (renewals).

Same conventions as storage.models (aware datetimes read back in UTC, plain-string states). Customer
links are plain indexed ids, not foreign keys: a correction may drop a customer that only a lead or
a touchpoint pointed at, and that must never fail the correction; readers treat a missing customer
as "not matched".
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models import utcnow

# new: waiting for a rep; offered: shown to one rep, not claimed yet; claimed: a rep took it;
# contacted: the rep logged a note on it or pressed 已联系.
LEAD_STATES = ("new", "offered", "claimed", "contacted")
OPEN_LEAD_STATES = ("new", "offered", "claimed")
OFFER_OUTCOMES = ("open", "claimed", "passed")
TOUCHPOINT_KINDS = ("form", "message", "call", "complaint")


class Lead(SQLModel, table=True):
    __table_args__ = (Index("ix_lead_team_state", "team_id", "state"),
                      Index("ix_lead_offered_to_state", "offered_to_id", "state"),
                      Index("ix_lead_owner_state", "owner_id", "state"))
    id: Optional[int] = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id")
    source: str = Field(default="", max_length=64)  # web form, short-video ad, 400 hotline ...
    name: str = Field(default="", max_length=100)
    company: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=32, index=True)
    region: str = Field(default="", max_length=64)
    budget: Optional[float] = None  # yuan
    product: str = Field(default="", max_length=200)
    dwell_seconds: int = 0
    video_completed: bool = False
    visits: int = 0
    created_at: datetime  # when the lead was made at its source (the score decays from here)
    received_at: datetime = Field(default_factory=utcnow)  # when it reached us
    state: str = Field(default="new", max_length=12)
    offered_to_id: Optional[int] = Field(default=None, foreign_key="member.id")
    offered_at: Optional[datetime] = None
    owner_id: Optional[int] = Field(default=None, foreign_key="member.id")
    claimed_at: Optional[datetime] = None
    contacted_at: Optional[datetime] = None
    customer_id: Optional[int] = Field(default=None, index=True)


class LeadOffer(SQLModel, table=True):
    """One offer of a lead to a rep: who passed on it is not asked again."""
    __table_args__ = (UniqueConstraint("lead_id", "member_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    lead_id: int = Field(foreign_key="lead.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    offered_at: datetime
    outcome: str = Field(default="open", max_length=8)
    answered_at: Optional[datetime] = None


class Touchpoint(SQLModel, table=True):
    """A customer reaching out (form, message, call, complaint), pushed to the customer's owner."""
    __table_args__ = (Index("ix_touchpoint_team_handled", "team_id", "handled_at"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id")
    kind: str = Field(max_length=16)
    company: str = Field(default="", max_length=200)
    contact: str = Field(default="", max_length=100)
    phone: str = Field(default="", max_length=32, index=True)
    text: str = ""
    at: datetime
    received_at: datetime = Field(default_factory=utcnow)
    customer_id: Optional[int] = Field(default=None, index=True)
    owner_id: Optional[int] = Field(default=None, foreign_key="member.id", index=True)
    handled_at: Optional[datetime] = None
    handled_by: str = Field(default="", max_length=8)  # button | note


class ContractEnd(SQLModel, table=True):
    """When a customer's contract runs out: from a note (合同明年3月到期) or set in chat."""
    __table_args__ = (Index("ix_contractend_team_end", "team_id", "end_date"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id")
    customer_id: int = Field(unique=True)
    end_date: date
    note_id: Optional[int] = None  # the note it came from (plain id: a note may be retracted)
    set_by_id: Optional[int] = Field(default=None, foreign_key="member.id")
    updated_at: datetime = Field(default_factory=utcnow)
