"""Tables of the insights (issue 21): the weighted forecast each month started with.

Same conventions as storage.models. One row per (team, owner, month): a manager's or a lead's
forecast accuracy is the sum over the owners they may see.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import UniqueConstraint
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
