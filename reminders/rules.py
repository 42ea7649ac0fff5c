"""What is due, to whom, and when: pure functions of (team state, now, policy, already sent).

No clock, no I/O, no database: the scheduler and `salesbot due` read the state, call due_notices()
and decide what to do with the result. Every send time is computed from the data alone (a due day, a
note's time, a stage's start), never from `now`, so two sweeps (or a sweep and `salesbot due`) agree
on each notification, and its dedupe key says what it is about and which occurrence it is:

- nudge:commitment:<id>:<due day>                 09:00 on the last working day before the due day
- digest:<member>:<day>                           08:30 on the due day, also on a non-working day
- escalation:commitment:<id>:<due day>:<member>   end of D+1 -> the next working morning, to the manager
- idle:deal:<id>:<last activity>:owner|<member>   idle_days after the last note; +3 days the manager
- stall:deal:<id>:<stage>:<entered>:owner|<member> stage's stall_days after entering it
- bigdeal:deal:<id>:<budget|quote>:<amount>:<member>   a big budget or quote, at the note's time
- objection:deal:<id>:<category>:<member>         at the Nth mention of the same category
- competitor:deal:<id>:<name>:<member>            a competitor named at the alert stage or later
- report:<team>:<day>:<member>                    the weekly report morning
- recap:<member>:<day>                            recap_at (18:00) on a working day: the promises made that day

Escalations and alerts (and idle/stall nudges) falling in quiet hours or on a non-working day move
to the next working morning; the due-day digest keeps its day. A nudge expires when its due day
starts (the digest takes over), a digest and a report at the end of their day.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Callable, Collection, Iterable
from zoneinfo import ZoneInfo

from reminders import texts
from reminders.calendar import at_local, in_quiet_hours, working_time
from reminders.policy import Policy

MANAGER_KINDS = ("escalation", "alert")  # batched into one message per manager and sweep
BATCH_MAX = 20  # items per batched message: a catch-up after an outage stays readable (and < 4096 chars)
KIND_ORDER = {"digest": 0, "nudge": 1, "escalation": 2, "alert": 3, "report": 4, "recap": 5}


# --- the state the rules read ---------------------------------------------------------------

@dataclass(frozen=True)
class Person:
    id: int
    name: str
    role: str = "rep"
    manager_id: int | None = None
    active: bool = True


@dataclass(frozen=True)
class Promise:
    """An open commitment."""
    id: int
    owner_id: int
    kind: str
    due_date: date
    text: str = ""
    customer: str | None = None
    created_at: datetime | None = None  # aware; None: long ago


@dataclass(frozen=True)
class DealState:
    """An open deal."""
    id: int
    owner_id: int
    customer: str
    stage: str
    stage_entered_at: datetime
    last_activity_at: datetime


@dataclass(frozen=True)
class Mention:
    """A fact from a recent note: money (value = budget | quote ...), objection (value = category) or
    competitor (value = name)."""
    kind: str
    note_id: int
    deal_id: int | None
    author_id: int
    at: datetime
    value: str
    amount: float | None = None
    customer: str | None = None


@dataclass
class TeamState:
    team_id: int
    name: str
    timezone: str
    members: list[Person] = field(default_factory=list)
    commitments: list[Promise] = field(default_factory=list)
    deals: list[DealState] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    report_text: str | None = None  # given on the report day: the weekly report for the leads
    made_today: list[Promise] = field(default_factory=list)  # open commitments promised today (the recap)


# --- what the rules produce ----------------------------------------------------------------------

@dataclass(frozen=True)
class Notice:
    """One notification before batching."""
    kind: str  # nudge escalation alert digest report
    recipient_id: int
    recipient: str
    # "commitment:12" (the conversation reads a reply to it as an answer about that commitment);
    # "deal#3", "note#7", "team#1", "digest#<day>" name what else it is about, in a form the
    # conversation's reply handling does not take for a note or commitment id
    subject: str
    text: str
    send_at: datetime  # in the team's zone
    dedupe_key: str
    team_id: int

    @property
    def buttons(self) -> tuple:
        return answer_buttons(self.kind, self.subject)

    def to_json(self) -> dict:
        return {"kind": self.kind, "recipient": self.recipient, "due_at": self.send_at.isoformat(),
                "text": self.text, "dedupe_key": self.dedupe_key, "subject": self.subject}


@dataclass(frozen=True)
class Message:
    """What is sent: one notice, or a manager's escalations and alerts of one sweep together."""
    recipient_id: int
    kind: str
    subject: str  # set when a reply (完成 / 推迟到…) can refer to it
    text: str
    buttons: tuple = ()
    keys: tuple[str, ...] = ()


# --- the sweep ---------------------------------------------------------------------------------

@dataclass
class _Ctx:
    state: TeamState
    policy: Policy
    now: datetime
    tz: ZoneInfo
    people: dict[int, Person]
    sent: Collection[str]
    out: list[Notice] = field(default_factory=list)
    _workday_before: dict = field(default_factory=dict)
    _due_days: dict = field(default_factory=dict)
    _bosses: dict = field(default_factory=dict)

    def promise_times(self, due: date) -> tuple[datetime, datetime, datetime]:
        """(nudge time, start of the due day, escalation time) of a due day, in UTC; computed once
        per day, so 100,000 commitments cost little more than a dictionary look-up each."""
        found = self._due_days.get(due)
        if found is None:
            p = self.policy
            nudge = self.defer(self.local(self.last_workday_before(due), p.nudge_time))  # a no-op by default
            broken = self.defer(self.local(due + timedelta(days=1), time.min)
                                + timedelta(hours=p.escalate_after_hours))
            found = self._due_days[due] = tuple(t.astimezone(timezone.utc)
                                                for t in (nudge, self.local(due, time.min), broken))
        return found

    def defer(self, moment: datetime) -> datetime:
        p = self.policy
        return working_time(moment.astimezone(self.tz), calendar=p.calendar, quiet_start=p.quiet_start,
                            quiet_end=p.quiet_end, morning=p.working_morning)

    def local(self, day: date, clock: time) -> datetime:
        return at_local(day, clock, self.tz)

    def last_workday_before(self, day: date) -> date:
        found = self._workday_before.get(day)
        if found is None:
            found = self._workday_before[day] = self.policy.calendar.last_workday_before(day)
        return found

    def due(self, key: str, at: datetime, expires: datetime | None = None) -> bool:
        """Whether a notice with this key and time goes out now (not yet sent, not expired)."""
        return at <= self.now and (expires is None or self.now < expires) and key not in self.sent

    def add(self, kind: str, person: Person, subject: str, text: str, at: datetime, key: str) -> None:
        self.out.append(Notice(kind, person.id, person.name, subject, text, at.astimezone(self.tz), key,
                               self.state.team_id))

    def bosses(self, member_id: int) -> list[Person]:
        """Who hears about a member's broken promises: the manager, else the team's leads."""
        found = self._bosses.get(member_id)
        if found is None:
            found = self._bosses[member_id] = self._find_bosses(member_id)
        return found

    def _find_bosses(self, member_id: int) -> list[Person]:
        member = self.people.get(member_id)
        manager = self.people.get(member.manager_id) if member and member.manager_id else None
        if manager is not None and manager.active and manager.id != member_id:
            return [manager]
        return [p for p in self.people.values() if p.role == "lead" and p.active and p.id != member_id]

    def name(self, member_id: int) -> str:
        person = self.people.get(member_id)
        return person.name if person else f"#{member_id}"


def due_notices(state: TeamState, now: datetime, policy: Policy, sent: Collection[str] = frozenset()) -> list[Notice]:
    """Every notice whose send time is at or before `now` (aware), not in `sent` and not expired,
    in send-time order."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(timezone.utc)  # aware datetimes of one zone compare fastest
    ctx = _Ctx(state, policy, now, ZoneInfo(state.timezone), {p.id: p for p in state.members}, sent)
    for rule in RULES:
        rule(ctx)
    return sorted(ctx.out, key=lambda n: (n.send_at, KIND_ORDER.get(n.kind, 9), n.dedupe_key))


def commitment_nudges(ctx: _Ctx) -> None:
    """09:00 on the last working day before the due day, unless that had passed when it was promised."""
    now = ctx.now
    for c in ctx.state.commitments:
        at, expires, _ = ctx.promise_times(c.due_date)
        if not at <= now < expires or (c.created_at is not None and c.created_at > at):
            continue
        key = f"nudge:commitment:{c.id}:{c.due_date}"
        owner = ctx.people.get(c.owner_id)
        if key not in ctx.sent and owner is not None and owner.active:
            ctx.add("nudge", owner, f"commitment:{c.id}",
                    texts.nudge(c.kind, c.due_date, c.customer, c.text, c.id), at, key)


def due_day_digests(ctx: _Ctx) -> None:
    """08:30 on the due day, one message per owner listing what was promised for today."""
    p = ctx.policy
    today = ctx.now.astimezone(ctx.tz).date()
    clock = p.quiet_end if in_quiet_hours(p.digest_time, p.quiet_start, p.quiet_end) else p.digest_time
    at = ctx.local(today, clock)
    todays = [c for c in ctx.state.commitments
              if c.due_date == today and (c.created_at is None or c.created_at <= at)]
    for owner, key, promises in _per_owner(ctx, todays, "digest", today, at):
        promises.sort(key=lambda c: c.id)
        lines = [texts.promise_line(c.kind, c.due_date, c.customer, c.text, c.id) for c in promises]
        single = promises[0].id if len(promises) == 1 else None
        ctx.add("digest", owner, f"commitment:{single}" if single else f"digest#{today}",
                texts.digest(lines, today), at, key)


def broken_promises(ctx: _Ctx) -> None:
    """Not done by the end of D+1: the owner's manager (or the leads) hears of it."""
    for c in ctx.state.commitments:
        at = ctx.promise_times(c.due_date)[2]
        if at > ctx.now:
            continue
        for boss in ctx.bosses(c.owner_id):
            key = f"escalation:commitment:{c.id}:{c.due_date}:{boss.id}"
            if key not in ctx.sent:
                ctx.add("escalation", boss, f"commitment:{c.id}",
                        texts.escalation(ctx.name(c.owner_id), c.kind, c.due_date, c.customer, c.text, c.id),
                        at, key)


def idle_deals(ctx: _Ctx) -> None:
    """No note for idle_days: the owner; idle_manager_after_days later, the manager."""
    p = ctx.policy
    for d in ctx.state.deals:
        days = p.idle_days_for(d.stage)
        if d.last_activity_at + timedelta(days=days) > ctx.now or _stalled(ctx, d):
            continue    # a stalled deal gets the stall line (🐢) alone, not a 💤 line besides
        base = f"idle:deal:{d.id}:{int(d.last_activity_at.timestamp())}"
        owner = ctx.people.get(d.owner_id)
        if owner is not None and owner.active and f"{base}:owner" not in ctx.sent:
            at = ctx.defer(d.last_activity_at + timedelta(days=days))
            if at <= ctx.now:
                ctx.add("nudge", owner, f"deal#{d.id}", texts.idle_owner(d.customer, d.stage, days), at,
                        f"{base}:owner")
        later = days + p.idle_manager_after_days
        bosses = [b for b in ctx.bosses(d.owner_id) if f"{base}:{b.id}" not in ctx.sent]
        if not bosses or d.last_activity_at + timedelta(days=later) > ctx.now:
            continue
        at = ctx.defer(d.last_activity_at + timedelta(days=later))
        for boss in bosses if at <= ctx.now else ():
            ctx.add("escalation", boss, f"deal#{d.id}",
                    texts.idle_manager(ctx.name(d.owner_id), d.customer, d.stage, later), at, f"{base}:{boss.id}")


def _stalled(ctx: _Ctx, d: DealState) -> bool:
    days = ctx.policy.stall_days.get(d.stage)
    return days is not None and d.stage_entered_at + timedelta(days=days) <= ctx.now


def stalled_deals(ctx: _Ctx) -> None:
    """Longer in a stage than its stall_days: the owner is nudged and the manager alerted."""
    for d in ctx.state.deals:
        days = ctx.policy.stall_days.get(d.stage)
        if days is None or d.stage_entered_at + timedelta(days=days) > ctx.now:
            continue
        base = f"stall:deal:{d.id}:{d.stage}:{int(d.stage_entered_at.timestamp())}"
        owner = ctx.people.get(d.owner_id)
        tell_owner = owner is not None and owner.active and f"{base}:owner" not in ctx.sent
        bosses = [b for b in ctx.bosses(d.owner_id) if f"{base}:{b.id}" not in ctx.sent]
        if not tell_owner and not bosses:
            continue
        at = ctx.defer(d.stage_entered_at + timedelta(days=days))
        if at > ctx.now:
            continue
        if tell_owner:
            ctx.add("nudge", owner, f"deal#{d.id}", texts.stall_owner(d.customer, d.stage, days), at, f"{base}:owner")
        for boss in bosses:
            ctx.add("alert", boss, f"deal#{d.id}",
                    texts.stall_manager(ctx.name(d.owner_id), d.customer, d.stage, days), at, f"{base}:{boss.id}")


def _alert(ctx: _Ctx, author_id: int, key: str, at: datetime, subject: str, text: str) -> None:
    at = ctx.defer(at)
    for boss in ctx.bosses(author_id):
        if ctx.due(f"{key}:{boss.id}", at):
            ctx.add("alert", boss, subject, text, at, f"{key}:{boss.id}")


def big_deals(ctx: _Ctx) -> None:
    """A budget or quote at or above big_deal_yuan: the manager sees it at once."""
    for m in ctx.state.mentions:
        if m.kind != "money" or m.value not in ("budget", "quote") or (m.amount or 0) < ctx.policy.big_deal_yuan:
            continue
        about = f"deal:{m.deal_id}" if m.deal_id is not None else f"note:{m.note_id}"
        _alert(ctx, m.author_id, f"bigdeal:{about}:{m.value}:{int(m.amount)}", m.at, about.replace(":", "#"),
               texts.big_deal(ctx.name(m.author_id), m.customer, m.value, m.amount))


def repeated_objections(ctx: _Ctx) -> None:
    """The same objection category the Nth time on one deal (mentions of all time, not just recent)."""
    count = ctx.policy.repeated_objection_count
    grouped: dict[tuple[int, str], list[Mention]] = defaultdict(list)
    for m in ctx.state.mentions:
        if m.kind == "objection" and m.deal_id is not None:
            grouped[(m.deal_id, m.value)].append(m)
    for (deal_id, category), found in grouped.items():
        if len(found) < count:
            continue
        nth = sorted(found, key=lambda m: (m.at, m.note_id))[count - 1]
        _alert(ctx, nth.author_id, f"objection:deal:{deal_id}:{category}", nth.at, f"deal#{deal_id}",
               texts.repeated_objection(ctx.name(nth.author_id), nth.customer, category, count))


def late_competitors(ctx: _Ctx) -> None:
    """A competitor named on a deal that is at the alert stage or later (said since it got there)."""
    threshold = ctx.policy.stage_index(ctx.policy.competitor_alert_from_stage)
    if threshold is None:
        return
    deals = {d.id: d for d in ctx.state.deals}
    for m in ctx.state.mentions:
        deal = deals.get(m.deal_id) if m.kind == "competitor" else None
        index = ctx.policy.stage_index(deal.stage) if deal else None
        if index is None or index < threshold or m.at < deal.stage_entered_at:
            continue
        _alert(ctx, m.author_id, f"competitor:deal:{deal.id}:{m.value}", m.at, f"deal#{deal.id}",
               texts.late_competitor(ctx.name(m.author_id), m.customer or deal.customer, deal.stage, m.value))


def weekly_reports(ctx: _Ctx) -> None:
    """On the report day at the report time, the leads (no lead: the managers) get the report."""
    if ctx.state.report_text is None:
        return
    today = ctx.now.astimezone(ctx.tz).date()
    if not report_day(ctx.policy, today):
        return
    at = ctx.local(today, ctx.policy.report_time)
    people = [p for p in ctx.people.values() if p.active]
    readers = [p for p in people if p.role == "lead"] or [p for p in people if p.role == "manager"]
    for reader in readers:
        key = f"report:{ctx.state.team_id}:{today}:{reader.id}"
        if ctx.due(key, at, ctx.local(today + timedelta(days=1), time.min)):
            ctx.add("report", reader, f"team#{ctx.state.team_id}", ctx.state.report_text, at, key)


def report_day(policy: Policy, day: date) -> bool:
    return day.weekday() == policy.report_weekday


def evening_recaps(ctx: _Ctx) -> None:
    """recap_at (18:00) on a working day: each rep who promised customers something today hears it
    back, each promise with its day and 推迟 / 完成 buttons; nobody who promised nothing."""
    p = ctx.policy
    today = ctx.now.astimezone(ctx.tz).date()
    if p.recap_time is None or not p.calendar.is_workday(today):
        return
    start, at = ctx.local(today, time.min), ctx.local(today, p.recap_time)
    made = [c for c in ctx.state.made_today if c.created_at is not None and start <= c.created_at <= at]
    for owner, key, promises in _per_owner(ctx, made, "recap", today, at):
        promises.sort(key=lambda c: (c.due_date, c.id))
        promises = promises[:RECAP_MAX]
        lines = [texts.promise_line(c.kind, c.due_date, c.customer, c.text, c.id) for c in promises]
        ctx.add("recap", owner, f"recap#{today}:" + ",".join(str(c.id) for c in promises),
                texts.recap(lines), at, key)


def _per_owner(ctx: _Ctx, promises: list[Promise], kind: str, today: date, at: datetime):
    """The promises grouped by owner, for each active owner whose `kind` message of today is due:
    (owner, key, their promises). The digest and the recap are both one message per owner a day."""
    by_owner: dict[int, list[Promise]] = defaultdict(list)
    for c in promises:
        by_owner[c.owner_id].append(c)
    for owner_id, theirs in by_owner.items():
        key = f"{kind}:{owner_id}:{today}"
        owner = ctx.people.get(owner_id)
        if owner is not None and owner.active and ctx.due(key, at, ctx.local(today + timedelta(days=1), time.min)):
            yield owner, key, theirs


RECAP_MAX = 10     # promises listed (and buttons) in one recap


RULES: tuple[Callable[[_Ctx], None], ...] = (
    commitment_nudges, due_day_digests, broken_promises, idle_deals, stalled_deals, big_deals,
    repeated_objections, late_competitors, weekly_reports, evening_recaps)


# --- batching ----------------------------------------------------------------------------------

def answer_buttons(kind: str, subject: str) -> tuple:
    """Button rows (label, data) under a nudge or digest about one commitment; the conversation
    handles cdone:<id> / ccancel:<id>, and a reply 完成 / 推迟到… to the message itself."""
    if kind in ("nudge", "digest") and subject.startswith("commitment:"):
        ident = subject.partition(":")[2]
        return ((("完成", f"cdone:{ident}"), ("推迟", f"cpostpone:{ident}"), ("取消", f"ccancel:{ident}")),)
    if kind == "escalation" and subject.startswith("commitment:"):   # to the manager: act on it
        ident = subject.partition(":")[2]
        return ((("催一下", f"cpush:{ident}"), ("查看", f"cview:{ident}")),)
    if kind == "recap" and subject.startswith("recap#"):   # recap#<day>:<id>,<id>…: a row per promise
        ids = [i for i in subject.partition(":")[2].split(",") if i.isdigit()]
        return tuple(((f"推迟 #{i}", f"cpostpone:{i}"), (f"完成 #{i}", f"cdone:{i}")) for i in ids)
    return ()


def batch(notices: Iterable) -> list[Message]:
    """One message per notice, except a recipient's escalations and alerts: one message together.
    Takes anything with kind, recipient_id, subject, text, dedupe_key (Notice, an outbox row)."""
    messages: list[Message] = []
    grouped: dict[int, list[Notice]] = {}
    for n in notices:
        if n.kind in MANAGER_KINDS:
            grouped.setdefault(n.recipient_id, []).append(n)
            continue
        reply_to = n.subject if n.kind in ("nudge", "digest") and n.subject.startswith("commitment:") else ""
        messages.append(Message(n.recipient_id, n.kind, reply_to, n.text, answer_buttons(n.kind, n.subject),
                                (n.dedupe_key,)))
    for recipient_id, everything in grouped.items():
        for start in range(0, len(everything), BATCH_MAX):
            messages.append(_batched(recipient_id, everything[start:start + BATCH_MAX]))
    return messages


def _batched(recipient_id: int, group: list) -> Message:
    if len(group) == 1:
        n = group[0]
        return Message(recipient_id, n.kind, "", n.text, answer_buttons(n.kind, n.subject), (n.dedupe_key,))
    kind = "escalation" if any(n.kind == "escalation" for n in group) else "alert"
    buttons = tuple(((f"催一下 #{i}", f"cpush:{i}"), (f"查看 #{i}", f"cview:{i}")) for i in
                    [n.subject.partition(":")[2] for n in group if n.kind == "escalation"
                     and n.subject.startswith("commitment:")])
    return Message(recipient_id, kind, "", texts.batch([n.text for n in group]), buttons,
                   tuple(n.dedupe_key for n in group))
