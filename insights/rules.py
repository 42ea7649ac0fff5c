"""What the insights send, to whom and when: pure functions of (plain rows, now, policy) -> Notices
(reminders.rules.Notice, so the outbox, batching and sending are the reminders' own).

Dedupe keys (one notice per recipient):
- atrisk:<team>:<day>:<member>                    the at-risk list, at_risk_report (Monday 09:00)
- radar:<team>:<day>:<member>                     each rep's capability radar, at the same time
- churn:customer:<id>:<day>:<member>               a churn warning; again only churn_every_days later
- coach:<rep>:<stage>:<day>:<member>               coaching, to the rep and once to the manager
- brief:<team>:<category>:<day>:<member>           an objection trend, to the leads
The daily ones (churn, coaching, briefs) are checked on working days from daily_time on; their send
time is that day's daily_time. "Once a week" and "once" are read from the outbox: `last_sent` maps a
key's prefix (churn:customer:<id>:, coach:<rep>:<stage>:, brief:<team>:<category>:) to when one was
last written.
"""
from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from insights import texts
from insights.health import Health
from insights.policy import InsightPolicy
from reminders.calendar import WorkCalendar, at_local
from reminders.rules import Notice, Person

KINDS = ("atrisk", "churn", "coach", "brief", "radar")
COMPLAINT_CATEGORIES = ("quality", "service")
DAY = 86400.0


@dataclass
class Team:
    """Who is in a team, and how to read its clock."""
    team_id: int
    name: str
    timezone: str
    members: list[Person] = field(default_factory=list)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone or "Asia/Shanghai")

    def person(self, member_id: int | None) -> Person | None:
        return next((p for p in self.members if p.id == member_id), None)

    def bosses(self, member_id: int) -> list[Person]:
        """The member's manager, else the team's leads (as the reminders escalate)."""
        member = self.person(member_id)
        manager = self.person(member.manager_id) if member and member.manager_id else None
        if manager is not None and manager.active and manager.id != member_id:
            return [manager]
        return [p for p in self.members if p.role == "lead" and p.active and p.id != member_id]

    def readers(self) -> list[Person]:
        """Who gets team briefs: the leads, else the managers."""
        active = [p for p in self.members if p.active]
        return [p for p in active if p.role == "lead"] or [p for p in active if p.role == "manager"]


def _notice(team: Team, kind: str, person: Person, subject: str, text: str, at: datetime, key: str) -> Notice:
    return Notice(kind, person.id, person.name, subject, text, at.astimezone(team.tz), key, team.team_id)


def daily_time(team: Team, now: datetime, policy: InsightPolicy, calendar: WorkCalendar) -> datetime | None:
    """Today's send time of the daily checks, when it has come (a working day, daily_time passed)."""
    local = now.astimezone(team.tz)
    at = at_local(local.date(), policy.daily_time, team.tz)
    return at if calendar.is_workday(local.date()) and now >= at else None


def recently(last_sent: dict[str, datetime], prefix: str, now: datetime, days: float) -> bool:
    at = last_sent.get(prefix)
    return at is not None and now - at < timedelta(days=days)


# --- the Monday at-risk list ---------------------------------------------------------------------

def at_risk_notices(team: Team, health: list[Health], now: datetime, policy: InsightPolicy) -> list[Notice]:
    """On the at-risk day from its time: each manager (no manager: the leads) gets the at-risk deals
    of the people they answer for, lowest first."""
    local = now.astimezone(team.tz)
    if local.weekday() != policy.at_risk_weekday:
        return []
    at = at_local(local.date(), policy.at_risk_time, team.tz)
    if now < at:
        return []
    by_boss: dict[int, list[Health]] = defaultdict(list)
    for h in health:
        if h.score < policy.at_risk:
            for boss in team.bosses(h.deal.owner_id):
                by_boss[boss.id].append(h)
    out = []
    for boss_id, deals in by_boss.items():
        boss = team.person(boss_id)
        deals.sort(key=lambda h: (h.score, h.deal.deal_id))
        out.append(_notice(team, "atrisk", boss, f"team#{team.team_id}",
                           texts.at_risk(deals, policy.at_risk, local.date()), at,
                           f"atrisk:{team.team_id}:{local.date()}:{boss.id}"))
    return out


# --- the weekly radar --------------------------------------------------------------------------------

def radar_notices(team: Team, found: list, now: datetime, policy: InsightPolicy) -> list[Notice]:
    """On the at-risk day from its time: each active rep who wrote notes in the window gets their
    capability radar as text (a rep with none would be ranked on nothing). `found`: insights.radar.Radar."""
    local = now.astimezone(team.tz)
    if not policy.weekly_radar or local.weekday() != policy.at_risk_weekday:
        return []
    at = at_local(local.date(), policy.at_risk_time, team.tz)
    if now < at:
        return []
    out = []
    for radar in found:
        rep = team.person(radar.member_id)
        if rep is not None and rep.active and _wrote_notes(radar):
            out.append(_notice(team, "radar", rep, f"team#{team.team_id}", texts.radar(radar, policy.radar_days), at,
                               f"radar:{team.team_id}:{local.date()}:{rep.id}"))
    return out


def _wrote_notes(radar) -> bool:
    activity = next((a for a in radar.axes if a.axis == "activity"), None)
    return bool(activity and activity.raw)


# --- churn warnings --------------------------------------------------------------------------------

@dataclass(frozen=True)
class CustomerHistory:
    """A customer with a won deal: note times (the history window), complaints in the recent window
    as (at, quality|service|complaint, the sentence), payment promises past their day as (due, text)."""
    customer_id: int
    name: str
    owner_id: int | None
    notes: tuple[datetime, ...] = ()
    complaints: tuple[tuple, ...] = ()
    missed: tuple[tuple, ...] = ()


def churn_evidence(c: CustomerHistory, now: datetime, policy: InsightPolicy) -> list[str]:
    """Why this customer may be slipping away (empty: no warning)."""
    found = []
    notes = sorted(c.notes)
    if len(notes) >= policy.churn_min_notes:
        gaps = [(b - a).total_seconds() / DAY for a, b in zip(notes, notes[1:])]
        median = statistics.median(gaps)
        gap = (now - notes[-1]).total_seconds() / DAY
        if gap > policy.churn_gap_factor * median and gap > policy.churn_min_gap_days:
            found.append(texts.cadence(int(gap), round(median, 1), policy.churn_history_days))
    if len(c.complaints) >= policy.churn_complaints and policy.churn_complaints > 0:
        found.append(texts.complaints(sorted(c.complaints), policy.churn_recent_days))
    if len(c.missed) >= policy.churn_missed_payments and policy.churn_missed_payments > 0:
        found.append(texts.missed_payments(sorted(c.missed)))
    return found


def churn_notices(team: Team, customers: list[CustomerHistory], now: datetime, policy: InsightPolicy,
                  calendar: WorkCalendar, last_sent: dict[str, datetime]) -> list[Notice]:
    """A warning with its evidence to the owner and their manager, at most every churn_every_days."""
    at = daily_time(team, now, policy, calendar)
    if at is None:
        return []
    day = at.date()
    out = []
    for c in customers:
        prefix = f"churn:customer:{c.customer_id}:"
        owner = team.person(c.owner_id)
        if owner is None or recently(last_sent, prefix, now, policy.churn_every_days):
            continue
        evidence = churn_evidence(c, now, policy)
        if not evidence:
            continue
        text = texts.churn(c.name, owner.name, evidence)
        for person in [owner] * owner.active + team.bosses(owner.id):
            out.append(_notice(team, "churn", person, f"customer#{c.customer_id}", text, at,
                               f"{prefix}{day}:{person.id}"))
    return out


# --- coaching: three stalls at one stage -------------------------------------------------------------

@dataclass(frozen=True)
class Stall:
    deal_id: int
    owner_id: int
    stage: str
    at: datetime  # when the deal went over the stage's stall_days


def stalls(history: list[tuple], stall_days: dict[str, int], now: datetime) -> list[Stall]:
    """Every time a deal stayed in a stage past its stall_days. `history`: (deal_id, owner_id, status,
    changed_at, from_stage, to_stage) rows, each deal's in time order."""
    by_deal: dict[int, list[tuple]] = defaultdict(list)
    for row in history:
        by_deal[row[0]].append(row)
    found = []
    for deal_id, moves in by_deal.items():
        for i, (_, owner_id, _, entered, _, stage) in enumerate(moves):
            limit = stall_days.get(stage)
            if limit is None:  # won, lost, or a stage since removed
                continue
            left = moves[i + 1][3] if i + 1 < len(moves) else now
            over = entered + timedelta(days=limit)
            if over < left and over <= now:
                found.append(Stall(deal_id, owner_id, stage, over))
    return found


def coaching_due(found: list[Stall], now: datetime, policy: InsightPolicy,
                 last_sent: dict[str, datetime]) -> list[tuple[int, str, int]]:
    """(rep, stage, stalls) where a rep's deals stalled at one stage coach_stalls times in coach_days
    and no coaching about it went out in that time."""
    since = now - timedelta(days=policy.coach_days)
    counted = Counter((s.owner_id, s.stage) for s in found if since <= s.at <= now)
    return sorted((rep, stage, n) for (rep, stage), n in counted.items()
                  if n >= policy.coach_stalls and not recently(last_sent, f"coach:{rep}:{stage}:", now,
                                                                 policy.coach_days))


def story_pairs(story: dict) -> list[tuple[str, str, str]]:
    """(category, what was said, the next note on the deal after it) for a won deal's objections."""
    notes = story["notes"]  # (id, at, text) in time order
    at_of = {i: (at, n) for n, (i, at, _) in enumerate(notes)}
    pairs = []
    for note_id, category, evidence in story["objections"]:
        if note_id not in at_of:
            continue
        _, index = at_of[note_id]
        said = evidence or notes[index][2]
        answer = notes[index + 1][2] if index + 1 < len(notes) else ""
        pairs.append((category, said, answer))
    return pairs[:3]


def coaching_notices(team: Team, rep_id: int, stage: str, count: int, stories: list[dict], now: datetime,
                     policy: InsightPolicy, calendar: WorkCalendar) -> list[Notice]:
    at = daily_time(team, now, policy, calendar)
    rep = team.person(rep_id)
    if at is None or rep is None or not rep.active:
        return []
    shown = [{**s, "pairs": story_pairs(s)} for s in stories[:policy.coach_examples]]
    key = f"coach:{rep_id}:{stage}:{at.date()}"
    out = [_notice(team, "coach", rep, f"team#{team.team_id}",
                   texts.coaching(stage, count, policy.coach_days, shown), at, f"{key}:{rep.id}")]
    for boss in team.bosses(rep_id):
        out.append(_notice(team, "coach", boss, f"team#{team.team_id}",
                           texts.coaching_manager(rep.name, stage, count, policy.coach_days, len(shown)), at,
                           f"{key}:{boss.id}"))
    return out


# --- objection trends ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Said:
    """One objection in a note: when, its category, the customer, the sentence, the note."""
    at: datetime
    category: str
    customer: str
    evidence: str
    note_id: int


@dataclass(frozen=True)
class Trend:
    category: str
    count: int
    baseline: float  # the average count per trend_days over the baseline weeks
    said: tuple[Said, ...]


def trends(said: list[Said], now: datetime, policy: InsightPolicy, last_sent: dict[str, datetime],
           team_id: int) -> list[Trend]:
    """Categories said more than trend_factor times their baseline and at least trend_min times in the
    last trend_days, with no brief about them in that time."""
    window = timedelta(days=policy.trend_days)
    start, base_start = now - window, now - window - timedelta(weeks=policy.trend_baseline_weeks)
    recent: dict[str, list[Said]] = defaultdict(list)
    before: Counter = Counter()
    for s in said:
        if start <= s.at <= now:
            recent[s.category].append(s)
        elif base_start <= s.at < start:
            before[s.category] += 1
    periods = policy.trend_baseline_weeks * 7 / policy.trend_days if policy.trend_days else 1
    found = []
    for category, items in sorted(recent.items()):
        baseline = before[category] / periods if periods else 0.0
        if len(items) >= policy.trend_min and len(items) > policy.trend_factor * baseline \
                and not recently(last_sent, f"brief:{team_id}:{category}:", now, policy.trend_days):
            found.append(Trend(category, len(items), baseline, tuple(items)))
    return found


def brief_notices(team: Team, trend: Trend, rivals: list[tuple[str, int]], now: datetime, policy: InsightPolicy,
                  calendar: WorkCalendar) -> list[Notice]:
    at = daily_time(team, now, policy, calendar)
    if at is None:
        return []
    customers = list(dict.fromkeys(s.customer for s in trend.said if s.customer))
    sentences = list(dict.fromkeys(s.evidence for s in trend.said if s.evidence))
    text = texts.brief(team.name, trend.category, trend.count, trend.baseline, policy.trend_days,
                       policy.trend_baseline_weeks, customers, sentences, rivals)
    key = f"brief:{team.team_id}:{trend.category}:{at.date()}"
    return [_notice(team, "brief", reader, f"team#{team.team_id}", text, at, f"{key}:{reader.id}")
            for reader in team.readers()]


def today_of(team: Team, now: datetime) -> date:
    return now.astimezone(team.tz).date()

