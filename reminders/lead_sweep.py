"""The lead desk: one sweep reads each team's open leads, touchpoints and contract ends, lets the pure
rules (reminders.leads) decide, offers leads, writes the outbox, then sends what is due.

Write-before-send as in reminders.sweep: each notice goes to the outbox (Notification) under its
unique dedupe key before anything is sent, and is marked sent after the channel took it. Its kinds
(lead, lead_late, touchpoint, touch_late, renewal, risk) are not the reminder scheduler's, so only
this desk sends them. It runs every minute under its own lease ("leads-sweep"); after an intake the
API calls soon(), which runs one sweep SOON_SECONDS later however many requests arrive meanwhile, so
a new lead reaches a rep within seconds and a burst of intakes costs one sweep, not one per request.
"""
from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Awaitable, Callable
from zoneinfo import ZoneInfo

from sqlalchemy import select as sa_select
from sqlmodel import Session

from reminders.leads import (LeadView, Person, ProductFit, RenewalView, Rep, TouchView, buttons_for, dispatch, lead_notices,
                             offer_notice, renewal_notices, risk_notices, score, settings_from_config,
                             touchpoint_notices, within_working_hours)
from reminders.policy import policy_from_config
from storage import leads as lead_ops
from storage import renewals as renewal_ops
from storage import reminder_queries as rq
from storage import touchpoints as touch_ops
from storage.models import Customer, Member, Note, Notification, Team, as_utc, utcnow
from storage.outbox import acquire_lease

log = logging.getLogger(__name__)

DESK_KINDS = ("lead", "lead_late", "touchpoint", "touch_late", "renewal", "risk")
LEASE = "leads-sweep"
JOB = "leads:sweep"
SOON_SECONDS = 1.0
# send(member_id, text, button rows of (label, data)) -> what was sent (empty: nobody reachable)
Send = Callable[[int, str, tuple], Awaitable[object]]


def known_products(team: Team) -> tuple[str, ...]:
    """What the team sells, for product fit: its industry pack's product names and synonyms."""
    try:
        from nlu.lexicon import find_pack

        pack = find_pack(team.industry or None)
        return tuple(pack.products) if pack is not None else ()
    except Exception:  # fit only adds points; never stop a sweep
        return ()


class LeadDesk:
    def __init__(self, *, sessions, config: dict, send: Send | None = None,
                 clock: Callable[[], datetime] = utcnow, holder: str | None = None):
        self.sessions = sessions
        self.settings = settings_from_config(config)
        policy = policy_from_config(config)
        self.calendar = policy.calendar
        self.quiet = (policy.quiet_start, policy.quiet_end, policy.working_morning)
        self.send = send
        self.clock = clock
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.known: set[str] = set()
        self._products: dict[int, tuple[str, ...]] = {}
        self._lock = asyncio.Lock()
        self._scheduler = None
        self._soon: asyncio.Task | None = None
        self.soon_seconds = SOON_SECONDS

    # --- the decision side (synchronous, one transaction per team) --------------------------------

    def collect(self, now: datetime) -> int:
        """Offers waiting leads and writes every newly due notice; returns the notices written."""
        now = as_utc(now)
        written = 0
        with self.sessions() as session:
            for team in rq.teams(session=session):
                written += self._team(session, team, now)
        return written

    def _team(self, session: Session, team: Team, now: datetime) -> int:
        tz = ZoneInfo(team.timezone)
        s = self.settings
        people = {row[0]: Person(*row) for row in rq.members(session=session, team_id=team.id)}
        if team.id not in self._products:
            self._products[team.id] = ProductFit(known_products(team), s)
        scored = [(lead, score(lead, now, s, self._products[team.id]))
                  for lead in (LeadView(*row) for row in lead_ops.open_leads(session=session, team_id=team.id))]
        offers, notices = [], []
        if within_working_hours(now.astimezone(tz), self.calendar, s):
            reps = [Rep(*row) for row in lead_ops.reachable_reps(session=session, team_id=team.id)]
            pairs = dispatch([pair for pair in scored if pair[0].state == "new"], reps)
            lead_ops.offer_leads(session=session, pairs=pairs, at=now, commit=False)
            by_id = {lead.id: (lead, value) for lead, value in scored}
            # new by construction: the lead was new until this transaction, and a rep who passed on it
            # is never offered it again, so its first-offer key cannot exist yet
            offers = [offer_notice(by_id[lead_id][0], by_id[lead_id][1], rep_id, now) for lead_id, rep_id in pairs]
        notices += lead_notices(scored, people, now, tz, self.calendar, s, self.quiet, self.known)
        touches = [TouchView(**t.__dict__) for t in touch_ops.open_touchpoints(session=session, team_id=team.id)]
        notices += touchpoint_notices(touches, people, now, tz, self.calendar, s, self.quiet, self.known)
        notices += renewal_notices(self._renewals(session, team, now), people, now, tz, self.calendar, s,
                                   self.quiet, self.known)
        return self._write(session, notices, offers)

    def _renewals(self, session: Session, team: Team, now: datetime) -> list[RenewalView]:
        """Contracts ending within the owner's lead time; the year's record only for those due now."""
        tz = ZoneInfo(team.timezone)
        today = now.astimezone(tz).date()
        views = [RenewalView(u.customer_id, u.customer, u.owner_id, u.end_date)
                 for u in renewal_ops.upcoming(session=session, team_id=team.id, today=today,
                                               within_days=self.settings.renewal_owner_days + 1)]
        people = {row[0]: Person(*row) for row in rq.members(session=session, team_id=team.id)}
        due = {n.subject for n in renewal_notices(views, people, now, tz, self.calendar, self.settings, self.quiet,
                                                  self.known)}
        return [replace(v, record=renewal_ops.year_record(session=session, customer_id=v.customer_id, today=today))
                for v in views if f"customer:{v.customer_id}" in due]

    def _write(self, session: Session, notices, offers=()) -> int:
        """Offers and new notices to the outbox in the transaction that made the offers."""
        fresh = {n.dedupe_key for n in notices}
        stored = rq.existing_keys(session=session, keys=fresh) if fresh else set()
        self.known |= stored
        new = [*offers, *(n for n in notices if n.dedupe_key not in stored)]
        written = lead_ops.write_notices(session=session, notices=new)
        self.known |= {n.dedupe_key for n in new}
        return written

    # --- the sending side -------------------------------------------------------------------------

    def pending(self, now: datetime) -> list[Notification]:
        with self.sessions() as session:
            return list(session.execute(sa_select(Notification).where(
                Notification.sent_at.is_(None), Notification.send_at <= as_utc(now),
                Notification.kind.in_(DESK_KINDS)).order_by(Notification.send_at, Notification.id)).scalars())

    async def sweep(self, now: datetime | None = None) -> int:
        """Takes the lease, decides, sends what is due; returns the messages sent."""
        async with self._lock:
            now = now or self.clock()
            if not await asyncio.to_thread(self._take, now):
                return 0
            sent = 0
            try:
                await asyncio.to_thread(self.collect, now)
                for recipient, text, buttons, ids in batch(await asyncio.to_thread(self.pending, now)):
                    if self.send is None:
                        break
                    try:
                        await self.send(recipient, text, buttons)
                    except Exception:  # left unsent: the next sweep tries again
                        log.exception("leads: sending to member %s failed", recipient)
                        continue
                    await asyncio.to_thread(self._mark, ids)
                    sent += 1
            except Exception:
                log.exception("leads: sweep failed")
            return sent

    async def soon(self) -> None:
        """Asks for one sweep shortly (after an intake); a sweep already asked for covers this one."""
        if self._soon is None:
            self._soon = asyncio.create_task(self._sweep_soon(), name="leads-sweep-soon")

    async def _sweep_soon(self) -> None:
        await asyncio.sleep(self.soon_seconds)
        self._soon = None  # a request from now on asks for the next sweep: this one may miss it
        try:
            await self.sweep()
        except Exception:
            log.exception("leads: sweep after intake failed")

    def _take(self, now: datetime) -> bool:
        with self.sessions() as session:
            return acquire_lease(session=session, name=LEASE, holder=self.holder, ttl=timedelta(seconds=150), now=now)

    def _mark(self, ids: list[int]) -> None:
        with self.sessions() as session:
            rq.mark_sent(session=session, ids=ids)

    # --- lifecycle ----------------------------------------------------------------------------------

    async def start(self) -> None:
        """A sweep every minute, the first at once (whatever a restart left unsent goes now)."""
        from apscheduler.schedulers.asyncio import AsyncIOScheduler
        from apscheduler.triggers.cron import CronTrigger

        self._scheduler = AsyncIOScheduler(timezone="UTC")
        self._scheduler.add_job(self.sweep, CronTrigger(second=30, timezone="UTC"), id=JOB, replace_existing=True,
                                coalesce=True, max_instances=1, misfire_grace_time=30,
                                next_run_time=datetime.now().astimezone())
        self._scheduler.start()

    async def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        if self._soon is not None:
            self._soon.cancel()
            await asyncio.gather(self._soon, return_exceptions=True)
            self._soon = None


def note_risks(session: Session, note: Note) -> int:
    """Writes the manager's notice about a note's verbal promises beyond standard terms (the desk
    sends it on its next sweep); returns how many were written (0 when the note has none)."""
    risks = (note.extraction or {}).get("risks") or []
    if not risks:
        return 0
    author = session.get(Member, note.author_id)
    people = {row[0]: Person(*row) for row in rq.members(session=session, team_id=author.team_id)}
    customer = session.get(Customer, note.customer_id) if note.customer_id else None
    notices = risk_notices(note.id, note.author_id, customer.name if customer else None, risks, people,
                           as_utc(note.received_at))
    stored = rq.existing_keys(session=session, keys={n.dedupe_key for n in notices})
    return rq.write_outbox(session=session, notices=[n for n in notices if n.dedupe_key not in stored])


MANAGER_KINDS = ("lead_late", "touch_late", "risk")
BATCH_LINES = 20


def batch(rows: list[Notification]) -> list[tuple[int, str, tuple, list[int]]]:
    """(recipient, text, buttons, outbox ids) to send: offers, pushes and renewals one by one; a
    manager's late leads, late touchpoints and risks of one sweep in one message."""
    out, grouped = [], {}
    for row in rows:
        if row.kind in MANAGER_KINDS:
            grouped.setdefault(row.recipient_id, []).append(row)
        else:
            out.append((row.recipient_id, row.text, buttons_for(row.kind, row.subject), [row.id]))
    for recipient, group in grouped.items():
        texts = [r.text for r in group[:BATCH_LINES]]
        if len(group) > BATCH_LINES:
            texts.append(f"……共 {len(group)} 条，其余请在“/week”和客户记录里查看。")
        out.append((recipient, "\n\n".join(texts), (), [r.id for r in group]))
    return out
