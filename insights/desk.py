"""The insight desk: reads each team's state, lets the pure rules (insights.rules) decide, writes the
outbox, then sends what is due; and stores each month's forecast on its first day.

Write-before-send as in reminders.sweep: each notice goes to the outbox under its unique dedupe key
before anything is sent and is marked sent after the channel took it. Its kinds (atrisk, churn, coach,
brief) are no other desk's, so only this one sends them. It runs every minute under its own lease
("insights-sweep"); the heavy reads happen only when something can be due: the at-risk list on its
day once it is not in the outbox yet, the daily checks once a day per team (and again after a restart,
when the dedupe keys keep them from repeating).
"""
from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections import Counter
from datetime import datetime, timedelta
from typing import Awaitable, Callable

from insights import forecast, rules
from insights.policy import InsightPolicy, policy_from_config
from insights.radar import radars
from insights.read import rep_records, team_health
from reminders.calendar import WorkCalendar
from reminders.policy import policy_from_config as reminder_policy
from reminders.rules import Notice, Person
from storage import insight_queries as iq
from storage import reminder_queries as rq
from storage.models import Team, as_utc, utcnow
from storage.outbox import acquire_lease
from storage.stages import Stage, stages_from_config

log = logging.getLogger(__name__)

LEASE = "insights-sweep"
JOB = "insights:sweep"
Send = Callable[[int, str], Awaitable[object]]  # (member_id, text) -> what was sent


def last_sent(session, prefix: str, now: datetime, days: float) -> dict[str, datetime]:
    """What an insight was last written about: key prefix (the key without its day and recipient)
    -> the latest time, over the last `days`."""
    found: dict[str, datetime] = {}
    for key, at in iq.last_written(session=session, prefix=prefix, since=now - timedelta(days=days)).items():
        about = key.rsplit(":", 2)[0] + ":"
        found[about] = max(at, found.get(about, at))
    return found


class InsightDesk:
    def __init__(self, *, sessions, config: dict, send: Send | None = None,
                 clock: Callable[[], datetime] = utcnow, holder: str | None = None):
        self.sessions = sessions
        self.policy: InsightPolicy = policy_from_config(config)
        self.calendar: WorkCalendar = reminder_policy(config).calendar
        self.stages: list[Stage] = stages_from_config(config)
        self.send = send
        self.clock = clock
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        # team -> (day, _due_now) of its last full check: the heavy reads run again only when these change
        self.checked: dict[int, tuple] = {}
        self.kept: dict[int, datetime | None] = {}  # team -> when its deal health was last kept
        self.counted: dict[int, datetime] = {}  # team -> when its open deals were last counted (is it large?)
        self.forecast_taken: dict[int, object] = {}  # team -> the month whose forecast is stored
        self._lock = asyncio.Lock()
        self._scheduler = None

    # --- deciding ---------------------------------------------------------------------------------

    def candidates(self, session, team: Team, now: datetime, *, daily: bool = True) -> list[Notice]:
        """Every insight notice due for the team at `now` that is not in the outbox yet (`daily`:
        with the daily checks and the weekly list, which read the most)."""
        now = as_utc(now)
        who = rules.Team(team.id, team.name, team.timezone,
                         [Person(*row) for row in rq.members(session=session, team_id=team.id)])
        notices = self._at_risk(session, who, team, now) if daily else []
        if daily and rules.daily_time(who, now, self.policy, self.calendar) is not None:
            notices += self._churn(session, who, now)
            notices += self._coaching(session, who, now)
            notices += self._briefs(session, who, now)
        stored = iq_existing(session, {n.dedupe_key for n in notices})
        return [n for n in notices if n.dedupe_key not in stored]

    def _at_risk(self, session, who: rules.Team, team: Team, now: datetime) -> list[Notice]:
        local = now.astimezone(who.tz)
        p = self.policy
        if local.weekday() != p.at_risk_weekday or local.time() < p.at_risk_time \
                or any(rq.has_key_prefix(session=session, prefix=f"{kind}:{team.id}:{local.date()}:")
                       for kind in ("atrisk", "radar")):
            return []
        notices = rules.at_risk_notices(who, team_health(session, team, now, p, self.stages), now, p)
        if p.weekly_radar:
            notices += rules.radar_notices(who, radars(rep_records(session, team, now, p, self.stages)), now, p)
        return notices

    def _churn(self, session, who: rules.Team, now: datetime) -> list[Notice]:
        p = self.policy
        today = now.astimezone(who.tz).date()
        rows = iq.won_customer_rows(session=session, team_id=who.team_id,
                                    since=now - timedelta(days=p.churn_history_days),
                                    recent_since=now - timedelta(days=p.churn_recent_days), today=today,
                                    categories=rules.COMPLAINT_CATEGORIES)
        customers = [rules.CustomerHistory(cid, name, owner, tuple(rows.notes.get(cid, ())),
                                           tuple(rows.complaints.get(cid, ())), tuple(rows.missed.get(cid, ())))
                     for cid, name, owner in rows.customers]
        sent = last_sent(session, "churn:customer:", now, p.churn_every_days)
        return rules.churn_notices(who, customers, now, p, self.calendar, sent)

    def _coaching(self, session, who: rules.Team, now: datetime) -> list[Notice]:
        p = self.policy
        limits = {s.name: s.stall_days for s in self.stages}
        since = now - timedelta(days=p.coach_days + max(limits.values(), default=0))
        found = rules.stalls(iq.stage_history(session=session, team_id=who.team_id, since=since), limits, now)
        sent = last_sent(session, "coach:", now, p.coach_days)
        out = []
        for rep_id, stage, count in rules.coaching_due(found, now, p, sent):
            if who.person(rep_id) is None:
                continue
            stories = iq.won_deal_stories(session=session, team_id=who.team_id, stage=stage, limit=p.coach_examples)
            out += rules.coaching_notices(who, rep_id, stage, count, stories, now, p, self.calendar)
        return out

    def _briefs(self, session, who: rules.Team, now: datetime) -> list[Notice]:
        p = self.policy
        since = now - timedelta(days=p.trend_days) - timedelta(weeks=p.trend_baseline_weeks)
        said = [rules.Said(*row) for row in iq.objection_rows(session=session, team_id=who.team_id, since=since)]
        sent = last_sent(session, f"brief:{who.team_id}:", now, p.trend_days)
        out = []
        for trend in rules.trends(said, now, p, sent, who.team_id):
            named = iq.rivals_of_notes(session=session, note_ids=[s.note_id for s in trend.said])
            rivals = Counter(name for names in named.values() for name in names).most_common(5)
            out += rules.brief_notices(who, trend, rivals, now, p, self.calendar)
        return out

    def collect(self, now: datetime) -> int:
        """Writes every newly due notice to the outbox; returns how many were written. The daily
        checks run once a day per team (the dedupe keys cover a restart)."""
        now = as_utc(now)
        written = 0
        with self.sessions() as session:
            admins = iq.has_admin(session=session)  # an admin's /health reads every team's kept health
            for team in rq.teams(session=session):
                clock = rules.Team(team.id, team.name, team.timezone)
                day = now.astimezone(clock.tz).date()
                daily = self.checked.get(team.id) != (day, self._due_now(clock, now))
                written += rq.write_outbox(session=session, notices=self.candidates(session, team, now, daily=daily))
                if daily:
                    self.checked[team.id] = (day, self._due_now(clock, now))
                self.keep_health(session, team, now, only_large=not admins)
        return written

    def keep_health(self, session, team: Team, now: datetime, *, force: bool = False, only_large: bool = False) -> bool:
        """Recomputes the team's kept deal health when it is older than health_refresh_minutes (what an
        admin's /health over every team reads, and anyone's /health in a team of more than
        health_live_deals open deals), and in such a large team its reps' radars (what /radar reads
        there). `only_large`: only for a large team (no admin reads the others). Returns whether it did."""
        now = as_utc(now)
        every = timedelta(minutes=self.policy.health_refresh_minutes)
        last = self.kept.get(team.id)
        if last is None:
            last = self.kept[team.id] = iq.health_computed_at(session=session, team_id=team.id)
        if not force and last is not None and timedelta(0) <= now - last < every:
            return False
        if not force and only_large:
            counted = self.counted.get(team.id)
            if counted is not None and timedelta(0) <= now - counted < every:
                return False
            self.counted[team.id] = now
        large = iq.more_open_deals_than(session=session, team_id=team.id, limit=self.policy.health_live_deals)
        if only_large and not large:
            return False
        rows = [{"deal_id": h.deal.deal_id, "owner_id": h.deal.owner_id, "customer": h.deal.customer[:200],
                 "stage": h.deal.stage[:32], "owner": h.deal.owner[:100], "score": h.score, "reasons": h.reasons}
                for h in team_health(session, team, now, self.policy, self.stages)]
        iq.keep_health(session=session, team_id=team.id, rows=rows, at=now)
        if large:
            kept = radars(rep_records(session, team, now, self.policy, self.stages))
            iq.keep_radars(session=session, team_id=team.id, rows=[(r.member_id, r.to_json()) for r in kept], at=now)
        self.kept[team.id] = now
        return True

    def _due_now(self, clock: rules.Team, now: datetime) -> tuple[bool, bool]:
        """(the at-risk list's time has come today, the daily checks' time has come today): the
        checks run again only when one of these changes (or the day does)."""
        local = now.astimezone(clock.tz)
        p = self.policy
        weekly = local.weekday() == p.at_risk_weekday and local.time() >= p.at_risk_time
        return weekly, rules.daily_time(clock, now, p, self.calendar) is not None

    def dry_run(self, now: datetime, team: Team | None = None) -> list[dict]:
        """`salesbot insights due`: unsent insight rows and newly due notices at `now`, in send-time
        order; nothing is written or marked."""
        now = as_utc(now)
        with self.sessions() as session:
            teams = {t.id: t for t in rq.teams(session=session)}
            rows = [r for r in rq.pending(session=session, now=now, kinds=rules.KINDS)
                    if team is None or r.team_id == team.id]
            fresh = [n for t in ([team] if team else teams.values()) for n in self.candidates(session, t, now)]
        items = []
        for r in rows:
            tz = rules.Team(r.team_id, "", teams[r.team_id].timezone).tz
            items.append((r.send_at, {"kind": r.kind, "recipient": r.recipient, "due_at": r.send_at.astimezone(tz).isoformat(),
                                      "text": r.text, "dedupe_key": r.dedupe_key, "subject": r.subject,
                                      "team": teams[r.team_id].name}))
        items += [(as_utc(n.send_at), {**n.to_json(), "team": teams[n.team_id].name}) for n in fresh]
        items.sort(key=lambda item: (item[0], item[1]["dedupe_key"]))
        return [obj for _, obj in items]

    # --- sending ----------------------------------------------------------------------------------

    def pending(self, now: datetime) -> list[tuple[int, int, str]]:
        """(outbox id, recipient, text) of insight notices due and not sent."""
        with self.sessions() as session:
            return [(r.id, r.recipient_id, r.text) for r in rq.pending(session=session, now=now, kinds=rules.KINDS)]

    async def sweep(self, now: datetime | None = None) -> int:
        """Takes the lease, decides, sends what is due; returns the messages sent."""
        async with self._lock:
            now = now or self.clock()
            if not await asyncio.to_thread(self._take, now):
                return 0
            sent = 0
            try:
                await asyncio.to_thread(self.collect, now)
                await asyncio.to_thread(self.snapshot_forecasts, now)
                for ident, recipient, text in await asyncio.to_thread(self.pending, now):
                    if self.send is None:
                        break
                    try:
                        await self.send(recipient, text)
                    except Exception:  # left unsent: the next sweep tries again
                        log.exception("insights: sending to member %s failed", recipient)
                        continue
                    await asyncio.to_thread(self._mark, [ident])
                    sent += 1
            except Exception:
                log.exception("insights: sweep failed")
            return sent

    def snapshot_forecasts(self, now: datetime) -> int:
        """Stores each team's weighted forecast for its month once, at the first sweep of the month's
        first day (a month whose first day the bot missed has none: 无预测): the open deals expected to
        close in it, each weighted by its stage's probability, a range over months counting evenly in
        each. Returns the rows stored."""
        now = as_utc(now)
        stored = 0
        probability = {s.name: s.probability for s in self.stages}
        with self.sessions() as session:
            for team in rq.teams(session=session):
                today = now.astimezone(rules.Team(team.id, team.name, team.timezone).tz).date()
                month = forecast.month_of(today)
                # only on the first day: a forecast taken later would already miss the deals won since
                if today != month or self.forecast_taken.get(team.id) == month:
                    continue
                if not iq.has_forecast(session=session, team_id=team.id, month=month):
                    deals = [forecast.OpenDeal(owner, amount or 0.0, probability.get(stage, 0.0), start, end)
                             for owner, amount, stage, start, end in iq.forecast_deal_rows(session=session,
                                                                                          team_id=team.id)]
                    rows = [{"owner_id": owner, "deals": f.deals, "amount": f.amount, "weighted": f.weighted}
                            for owner, f in sorted(forecast.forecast_for(month, deals).items())]
                    stored += iq.store_forecast(session=session, team_id=team.id, month=month, rows=rows, at=now)
                self.forecast_taken[team.id] = month
        return stored

    def _take(self, now: datetime) -> bool:
        with self.sessions() as session:
            return acquire_lease(session=session, name=LEASE, holder=self.holder, ttl=timedelta(seconds=150), now=now)

    def _mark(self, ids: list[int]) -> None:
        with self.sessions() as session:
            rq.mark_sent(session=session, ids=ids)

    # --- lifecycle ----------------------------------------------------------------------------------

    async def start(self) -> None:
        """A sweep every minute (at second 45, apart from the reminders' and the lead desk's)."""
        from apscheduler.schedulers.asyncio import AsyncIOScheduler
        from apscheduler.triggers.cron import CronTrigger

        self._scheduler = AsyncIOScheduler(timezone="UTC")
        self._scheduler.add_job(self.sweep, CronTrigger(second=45, timezone="UTC"), id=JOB, replace_existing=True,
                                coalesce=True, max_instances=1, misfire_grace_time=30,
                                next_run_time=datetime.now().astimezone())
        self._scheduler.start()

    async def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None


def iq_existing(session, keys: set[str]) -> set[str]:
    return rq.existing_keys(session=session, keys=keys) if keys else set()
