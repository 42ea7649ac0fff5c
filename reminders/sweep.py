"""One sweep, synchronously: read each team's state, let the rules decide, write the outbox; then what
to send, batched. The scheduler runs these in a worker thread; `salesbot due` calls dry_run().

Write-before-send: every notice is committed to the outbox under its unique dedupe key before any
message goes out, and marked sent only after the channel took it. A process killed in between leaves
unsent rows that the next sweep (of this or another process) sends; a key is never written twice.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Callable
from zoneinfo import ZoneInfo

from reminders.calendar import at_local
from reminders.policy import Policy
from reminders.rules import (KIND_ORDER, DealState, Mention, Message, Notice, Person, Promise, TeamState, batch, due_notices,
                             report_day)
from storage import reminder_queries as rq
from storage.models import Team, as_utc

log = logging.getLogger(__name__)


def team_state(session, team: Team, now: datetime, policy: Policy, *, with_report: bool = True,
               report_text: Callable | None = None) -> TeamState:
    """Everything the rules need about one team at `now`. `report_text(session, team, now)` writes
    the weekly report (default: storage's plain summary); it is called only when one is due."""
    now = as_utc(now)
    local = now.astimezone(ZoneInfo(team.timezone))
    # What can be due now: promises due up to the next working day (their nudge is today or was
    # earlier), back to the escalation look-back; the index on (state, due_date) skips the rest.
    until = policy.calendar.first_workday_from(local.date() + timedelta(days=1))
    since = local.date() - timedelta(days=policy.escalation_lookback_days + 2)
    report = None
    if with_report and report_day(policy, local.date()) and local.time() >= policy.report_time \
            and not rq.has_key_prefix(session=session, prefix=f"report:{team.id}:{local.date()}:"):
        report = (report_text or _plain_summary)(session, team, now)
    return TeamState(
        team.id, team.name, team.timezone,
        [Person(*row) for row in rq.members(session=session, team_id=team.id)],
        [Promise(*row) for row in rq.open_promises(session=session, team_id=team.id, since=since, until=until)],
        [DealState(*row) for row in rq.open_deals(session=session, team_id=team.id)],
        [Mention(*row) for row in rq.recent_mentions(session=session, team_id=team.id,
                                                     since=now - timedelta(days=policy.facts_lookback_days),
                                                     big_deal_yuan=policy.big_deal_yuan)],
        report,
        [Promise(*row) for row in rq.promises_made(session=session, team_id=team.id, since=at_local(
            local.date(), time.min, ZoneInfo(team.timezone)))] if policy.recap_time is not None else [])


def _plain_summary(session, team: Team, now: datetime) -> str:
    return rq.weekly_summary(session=session, team=team, now=now)


@dataclass
class Delivery:
    """A message to send and the outbox rows it carries."""
    message: Message
    ids: tuple[int, ...]


class Sweeper:
    """The database side of the reminders. `known` caches dedupe keys seen in the outbox so a
    steady-state sweep asks the database only about keys it has not seen (the unique key still
    decides when two processes race)."""

    def __init__(self, sessions, policy: Policy, report_text: Callable | None = None):
        self.sessions = sessions
        self.policy = policy
        self.report_text = report_text
        self.known: set[str] = set()

    def candidates(self, session, now: datetime, team: Team | None = None) -> list[Notice]:
        """What the rules say is due at `now` and is not in the outbox yet."""
        found: list[Notice] = []
        for t in [team] if team else rq.teams(session=session):
            state = team_state(session, t, now, self.policy, report_text=self.report_text)
            notices = due_notices(state, as_utc(now), self.policy, self.known)
            fresh = {n.dedupe_key for n in notices}
            stored = rq.existing_keys(session=session, keys=fresh)
            self.known |= stored
            found += [n for n in notices if n.dedupe_key not in stored]
        return found

    def collect(self, now: datetime) -> int:
        """Writes every newly due notice to the outbox (unsent); returns how many were written."""
        with self.sessions() as session:
            notices = self.candidates(session, now)
            written = rq.write_outbox(session=session, notices=notices)
        self.known |= {n.dedupe_key for n in notices}
        return written

    def deliveries(self, now: datetime) -> list[Delivery]:
        """The unsent outbox rows due at `now`, batched: a manager's escalations and alerts together."""
        with self.sessions() as session:
            rows = rq.pending(session=session, now=now)
        by_key = {r.dedupe_key: r.id for r in rows}
        return [Delivery(m, tuple(by_key[k] for k in m.keys)) for m in batch(rows)]

    def mark_sent(self, delivery: Delivery, at: datetime | None = None) -> int:
        with self.sessions() as session:
            return rq.mark_sent(session=session, ids=delivery.ids, at=at)

    def dry_run(self, now: datetime, team: Team | None = None) -> list[dict]:
        """`salesbot due`: unsent outbox rows and newly due notices at `now`, in send-time order,
        one object per notification; nothing is written or marked."""
        with self.sessions() as session:
            teams = {t.id: t for t in rq.teams(session=session)}
            rows = [r for r in rq.pending(session=session, now=now) if team is None or r.team_id == team.id]
            self.known = set()
            fresh = self.candidates(session, now, team)
        items = []
        for r in rows:
            tz = ZoneInfo(teams[r.team_id].timezone)
            items.append((r.send_at, r.dedupe_key, {"kind": r.kind, "recipient": r.recipient,
                                                    "due_at": r.send_at.astimezone(tz).isoformat(), "text": r.text,
                                                    "dedupe_key": r.dedupe_key, "subject": r.subject,
                                                    "team": teams[r.team_id].name}))
        for n in fresh:
            items.append((n.send_at, n.dedupe_key, {**n.to_json(), "team": teams[n.team_id].name}))
        items.sort(key=lambda item: (as_utc(item[0]), KIND_ORDER.get(item[2]["kind"], 9), item[1]))
        return [obj for _, _, obj in items]
