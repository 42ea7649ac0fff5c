"""A team's history for the insights tests, written the way `salesbot note` writes it: each note is
recorded (record_inbound) and its Extraction applied (apply_extraction); stage moves, wins and done
promises go through storage.deals as the chat commands do. Times are days before NOW, in Shanghai."""
from __future__ import annotations

import itertools
import tomllib
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from insights.policy import InsightPolicy, policy_from_config
from storage.deals import change_stage, close_deal, complete_commitment
from storage.models import Deal
from storage.notes import apply_extraction, record_inbound
from storage.stages import Stage, stages_from_config
from storage.teams import add_member, add_team

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 6, 10, 10, 0, tzinfo=CST)  # a Wednesday
DEFAULTS = Path(__file__).parents[1] / "bot" / "defaults.toml"
CONFIG = tomllib.loads(DEFAULTS.read_text(encoding="utf-8"))
DEFAULT_STAGES = stages_from_config(CONFIG)
POLICY = policy_from_config(CONFIG)

_teams = itertools.count(1)
_messages = itertools.count(1)


def ago(days: float, hour: int = 10) -> datetime:
    """`days` days before NOW's day, at `hour` o'clock (Shanghai)."""
    day = (NOW - timedelta(days=days)).date()
    return datetime(day.year, day.month, day.day, hour, tzinfo=CST)


def day_ago(days: int) -> date:
    return (NOW - timedelta(days=days)).date()


def planned(day: date, kind: str = "followup") -> dict:
    return {"date": day.isoformat(), "kind": kind, "status": "planned"}


class Team:
    """A team with a lead, a manager and reps; notes and moves in its members' names."""

    def __init__(self, session, *, stages: list[Stage] | None = None, reps=("小李",), name: str | None = None):
        self.s = session
        self.stages = stages or DEFAULT_STAGES
        self.team = add_team(session=session, name=name or f"华东{next(_teams)}组")
        self.lead = add_member(session=session, team=self.team, name="赵总监", role="lead")
        self.manager = add_member(session=session, team=self.team, name="王经理", role="manager")
        self.reps = {n: add_member(session=session, team=self.team, name=n, manager=self.manager) for n in reps}
        self.rep = self.reps[reps[0]]

    def member(self, who) -> object:
        return self.reps[who] if isinstance(who, str) else (who or self.rep)

    def note(self, days: float, company: str | None, contact: str | None = None, *, who=None, hour: int = 10,
             money=(), dates=(), objections=(), competitors=(), risks=(), evidence=None, text: str | None = None,
             close: dict | None = None):
        """A note `days` days ago; returns storage.notes.Applied (its deal, commitments …)."""
        extraction = {"customer": {"name": contact, "company": company}, "items": [], "dates": list(dates),
                      "money": [{"amount": a, "kind": k} for k, a in money], "objections": list(objections),
                      "competitors": list(competitors)}
        if evidence is not None:
            extraction["objection_evidence"] = [{"category": c, "text": t} for c, t in evidence]
        if close is not None:
            extraction["expected_close"] = close
        if risks:
            extraction["risks"] = [{"text": t, "phrase": p} for p, t in risks]
        said = text or f"{company or ''}{contact or ''}：跟进记录"
        recorded, _ = record_inbound(session=self.s, author_id=self.member(who).id, channel="local",
                                     channel_message_id=f"t{next(_messages)}", received_at=ago(days, hour),
                                     text=said)
        return apply_extraction(session=self.s, note=recorded, extraction=extraction, stages=self.stages)

    def move(self, deal: Deal, stage: str, days: float, hour: int = 11) -> None:
        change_stage(session=self.s, deal=deal, stage=stage, stages=self.stages, by_id=deal.owner_id,
                     at=ago(days, hour), force=True)

    def close(self, deal: Deal, status: str, days: float, hour: int = 12) -> None:
        close_deal(session=self.s, deal=deal, status=status, by_id=deal.owner_id, at=ago(days, hour))

    def done(self, commitment, days: float, hour: int = 9) -> None:
        complete_commitment(session=self.s, commitment=commitment, at=ago(days, hour))


def stages(*spec: tuple[str, int]) -> list[Stage]:
    return stages_from_config([{"name": n, "probability": 0.1 * (i + 1), "stall_days": d}
                               for i, (n, d) in enumerate(spec)])


def policy(**changes) -> InsightPolicy:
    """The default policy with some [insights] keys changed, read the way config.toml is read."""
    return policy_from_config({"insights": changes})
