"""APScheduler wiring: a sweep every minute and the weekly report in each team's own timezone.

The scheduler never imports a channel: it is given `send(message)` (reminders.rules.Message) and
awaits it. The database is the source of truth (see reminders.sweep): notices are written to the
outbox before sending and marked sent after, so a restart neither loses nor repeats one.

One sweeper at a time, across processes: each sweep first takes the "reminders-sweep" row of the
Lease table (storage.outbox.acquire_lease: a conditional UPDATE ... WHERE holder = me OR expires_at
<= now, or the first INSERT; both SQLite and PostgreSQL apply it atomically, so exactly one process
gets it). The holder renews it every sweep; the others skip their sweeps until it has expired
(LEASE_SECONDS after the holder's last sweep, e.g. when that process died), then one of them takes
over. Even without the lease the unique dedupe key keeps a notice from being written twice, and the
compare-and-set on sent_at from being marked twice.
"""
from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from datetime import datetime, timedelta
from typing import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from reminders.policy import Policy, policy_from_config
from reminders.rules import Message
from reminders.sweep import Sweeper
from storage import reminder_queries as rq
from storage.models import utcnow
from storage.outbox import acquire_lease

log = logging.getLogger(__name__)

LEASE = "reminders-sweep"
LEASE_SECONDS = 150  # a dead holder is replaced within 2.5 sweeps
SWEEP_JOB = "reminders:sweep"
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ReminderScheduler:
    """Sweeps and cron jobs; `clock` returns an aware datetime (tests pass a fake one)."""

    def __init__(self, *, sessions, policy: Policy, send: Callable[[Message], Awaitable[object]],
                 clock: Callable[[], datetime] = utcnow, holder: str | None = None,
                 lease_seconds: int = LEASE_SECONDS, report_text: Callable | None = None):
        self.sessions = sessions
        self.policy = policy
        self.send = send
        self.clock = clock
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lease = timedelta(seconds=lease_seconds)
        self.sweeper = Sweeper(sessions, policy, report_text)
        self.scheduler: AsyncIOScheduler | None = None
        self._lock = asyncio.Lock()
        self._report_teams: dict[int, str] = {}
        self.sent_messages = 0

    @classmethod
    def for_app(cls, app, make_buttons: Callable | None = None, report_text: Callable | None = None,
                also: Callable[[Message], Awaitable[object]] | None = None) -> "ReminderScheduler":
        """The scheduler of a running App: sends through app.send_to_member, which also remembers a
        nudge's commitment so the rep's answer (完成 / 推迟到… / the buttons) refers to it.
        `make_buttons(*rows of (label, data))` builds the channel buttons; `report_text(session, team,
        now)` writes the Monday report (default: a plain summary from storage); `also(message)` is
        awaited after each delivery (app.py posts escalations, alerts and reports to a group chat)."""

        async def send(message: Message):
            buttons = make_buttons(*message.buttons) if make_buttons and message.buttons else ()
            kind = "nudge" if message.subject else message.kind  # a nudge or digest the rep may answer
            sent = await app.send_to_member(message.recipient_id, message.text, buttons,
                                            subject=message.subject, kind=kind)
            if also is not None:
                try:
                    await also(message)
                except Exception:  # the member has it: a group copy that failed is not sent again
                    log.exception("reminders: the group copy of %s failed", message.keys)
            return sent

        return cls(sessions=app.sessions, policy=policy_from_config(app.config), send=send, report_text=report_text)

    # --- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Starts the minute sweep (the first one at once: whatever a restart left unsent goes now)."""
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        self._report_teams = {}
        self.scheduler.add_job(self.sweep, CronTrigger(second=0, timezone="UTC"), id=SWEEP_JOB,
                               replace_existing=True, coalesce=True, max_instances=1, misfire_grace_time=30,
                               next_run_time=datetime.now().astimezone())
        await self._sync_report_jobs()
        self.scheduler.start()
        log.info("reminders: scheduler started (%s)", self.holder)

    async def stop(self) -> None:
        """Lets a running sweep finish, stops the jobs and frees the lease for another process."""
        async with self._lock:
            if self.scheduler is not None:
                self.scheduler.shutdown(wait=False)
                self.scheduler = None
            await asyncio.to_thread(self._release)

    def jobs(self) -> list[str]:
        return [job.id for job in self.scheduler.get_jobs()] if self.scheduler else []

    async def _sync_report_jobs(self) -> None:
        """One cron job per team at the report time in the team's timezone; ids make it idempotent."""
        if self.scheduler is None:
            return
        teams = await asyncio.to_thread(self._teams)
        p = self.policy
        for team_id, tz in teams.items():
            if self._report_teams.get(team_id) == tz:
                continue
            trigger = CronTrigger(day_of_week=WEEKDAY_NAMES[p.report_weekday], hour=p.report_time.hour,
                                  minute=p.report_time.minute, timezone=tz)
            self.scheduler.add_job(self.sweep, trigger, id=f"reminders:report:{team_id}", replace_existing=True,
                                   coalesce=True, max_instances=1, misfire_grace_time=3600)
            self._report_teams[team_id] = tz

    def _teams(self) -> dict[int, str]:
        with self.sessions() as session:
            return {t.id: t.timezone for t in rq.teams(session=session)}

    # --- the sweep --------------------------------------------------------------------------------

    async def sweep(self, now: datetime | None = None) -> int:
        """Takes the lease, writes what is due to the outbox, sends it, marks it sent. Returns the
        number of messages sent (0 when another process holds the lease)."""
        async with self._lock:
            now = now or self.clock()
            if not await asyncio.to_thread(self._take, now):
                return 0
            sent = 0
            try:
                written = await asyncio.to_thread(self.sweeper.collect, now)
                deliveries = await asyncio.to_thread(self.sweeper.deliveries, now)
                for delivery in deliveries:
                    try:
                        await self.send(delivery.message)
                    except Exception:  # left unsent: the next sweep tries again
                        log.exception("reminders: sending %s failed", delivery.message.keys)
                        continue
                    await asyncio.to_thread(self.sweeper.mark_sent, delivery)
                    sent += 1
                if written or deliveries:
                    log.info("reminders: %d written, %d messages sent", written, sent)
            except Exception:
                log.exception("reminders: sweep failed")
            self.sent_messages += sent
        try:
            await self._sync_report_jobs()  # teams created since the start
        except Exception:
            log.exception("reminders: report jobs not updated")
        return sent

    def _take(self, now: datetime) -> bool:
        with self.sessions() as session:
            return acquire_lease(session=session, name=LEASE, holder=self.holder, ttl=self.lease, now=now)

    def _release(self) -> None:
        try:
            with self.sessions() as session:
                rq.release_lease(session=session, name=LEASE, holder=self.holder, now=self.clock())
        except Exception:
            log.warning("reminders: lease not released", exc_info=True)
