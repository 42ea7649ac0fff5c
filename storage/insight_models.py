"""Tables of the insights (issue 21): the weighted forecast each month started with, and the deal health
the desk keeps for the largest views.

Same conventions as storage.models. One row per (team, owner, month): a manager's or a lead's
forecast accuracy is the sum over the owners they may see.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models import utcnow


class ForecastSnapshot(SQLModel, table=True):
    """An owner's weighted forecast for a month, stored on the month's first day (the first sweep of it)."""
    __table_args__ = (UniqueConstraint("team_id", "month", "owner_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id")
    owner_id: int = Field(foreign_key="member.id")
    month: date  # the month's first day
    deals: int = 0
    amount: float = 0.0
    weighted: float = 0.0
    taken_at: datetime = Field(default_factory=utcnow)


class DealHealth(SQLModel, table=True):
    """A deal's health as the insight desk last computed it (every [insights] health_refresh_minutes):
    what /health reads for an admin over every team, where computing 100,000 deals at once is too slow.
    deal_id is a plain id: a correction may drop a deal."""
    __table_args__ = (Index("ix_dealhealth_team_score", "team_id", "score"),)
    deal_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    team_id: int = Field(foreign_key="team.id")
    owner_id: int
    customer: str = Field(default="", max_length=200)
    stage: str = Field(default="", max_length=32)
    owner: str = Field(default="", max_length=100)
    score: int
    reasons: list = Field(default_factory=list, sa_column=Column(JSON))
    computed_at: datetime = Field(default_factory=utcnow)


class RepRadar(SQLModel, table=True):
    """A rep's capability radar as the insight desk last computed it, for a team of more than
    [insights] health_live_deals open deals, where ranking every rep at once is too slow for a chat
    answer. `radar`: insights.radar.Radar.to_json()."""
    member_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    team_id: int = Field(foreign_key="team.id", index=True)
    radar: dict = Field(default_factory=dict, sa_column=Column(JSON))
    computed_at: datetime = Field(default_factory=utcnow)
