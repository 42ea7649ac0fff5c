"""Read-only figures for reports and reminders. `member_ids` scopes a query to deals/notes owned by
those members (from visible_member_ids); None means every team."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Iterable

from sqlalchemy import and_, func, or_, true
from sqlmodel import Session, select

from storage.models import (counted_note, Commitment, Contact, Customer, Deal, Member, Note, StageChange, as_utc,
                            utcnow)
from storage.notes import name_key
from storage.stages import Stage

CHAIN_ROLES = ("decision_maker", "influencer", "user")


def visible_member_ids(*, session: Session, member: Member) -> set[int]:
    """Whose records `member` may see: a rep their own, a manager everyone below them in the manager
    chain (any depth), a lead the whole team, an admin every team."""
    if member.role == "admin":
        return set(session.exec(select(Member.id)).all())
    team = list(session.exec(select(Member.id, Member.manager_id).where(Member.team_id == member.team_id)))
    if member.role == "lead":
        return {mid for mid, _ in team}
    if member.role != "manager":
        return {member.id}
    reports = defaultdict(list)
    for mid, manager_id in team:
        reports[manager_id].append(mid)
    seen, todo = {member.id}, [member.id]
    while todo:
        for below in reports[todo.pop()]:
            if below not in seen:
                seen.add(below)
                todo.append(below)
    return seen


# --- the one visibility rule for customers (reads and writes) ---------------------------------------
# A member sees a customer wholly when its current owner is among the members they may see
# (visible_member_ids): then everything recorded about it is visible, whoever wrote it (a handover or
# a claimed lead gives the new owner the history). A customer they only have a deal with (an
# organisation another rep owns) is seen partly: what they and the members they see recorded.
# A lead or an admin also sees the team's customers nobody owns.

def owned_customers(member_ids: Iterable[int] | None, *, unowned: bool = False):
    """SQL condition: the customer's owner is one of `member_ids` (None: every customer)."""
    if member_ids is None:
        return true()
    condition = Customer.owner_id.in_(list(member_ids))
    return or_(condition, Customer.owner_id.is_(None)) if unowned else condition


def customers_seen(member_ids: Iterable[int] | None, *, unowned: bool = False):
    """SQL condition: customers seen wholly or partly (owned by a visible member, or with a deal of one)."""
    if member_ids is None:
        return true()
    ids = list(member_ids)
    return or_(owned_customers(ids, unowned=unowned), Customer.id.in_(select(Deal.customer_id).where(Deal.owner_id.in_(ids))))


def recorded_visible(author_column, customer_column, member_ids: Iterable[int] | None):
    """SQL condition: a record (note, item …) the members see: written by one of them, or about a customer
    they see wholly, whoever wrote it."""
    if member_ids is None:
        return true()
    ids = list(member_ids)
    return or_(author_column.in_(ids), customer_column.in_(select(Customer.id).where(owned_customers(ids))))


def sees_unowned(member: Member) -> bool:
    return member.role in ("lead", "admin")


def customer_wholly_visible(*, session: Session, customer_id: int, member_ids: Iterable[int] | None,
                            unowned: bool = False) -> bool:
    """Whether everything about the customer is visible to whoever sees `member_ids`."""
    return session.exec(select(Customer.id).where(Customer.id == customer_id,
                                                  owned_customers(member_ids, unowned=unowned))).first() is not None


def _owned(column, member_ids: Iterable[int] | None):
    return True if member_ids is None else column.in_(list(member_ids))


# --- pipeline, stalled, idle ----------------------------------------------------------------------

@dataclass
class StageFigures:
    stage: str
    count: int
    amount: float  # sum of Deal.amount (deals without one count 0)
    weighted: float  # amount x the stage's win probability
    probability: float


def pipeline(*, session: Session, stages: list[Stage], member_ids: Iterable[int] | None = None) -> list[StageFigures]:
    """Open deals per stage in config order (every stage listed, empty ones with zeros)."""
    rows = session.exec(select(Deal.stage, func.count(), func.coalesce(func.sum(Deal.amount), 0.0))
                        .where(Deal.status == "open", _owned(Deal.owner_id, member_ids))
                        .group_by(Deal.stage)).all()
    found = {stage: (count, float(amount)) for stage, count, amount in rows}
    figures = []
    for stage in stages:
        count, amount = found.pop(stage.name, (0, 0.0))
        figures.append(StageFigures(stage.name, count, amount, amount * stage.probability, stage.probability))
    for name, (count, amount) in sorted(found.items()):  # a stage since removed from config
        figures.append(StageFigures(name, count, amount, 0.0, 0.0))
    return figures


@dataclass
class DealView:
    """A deal as reports and sweeps need it: plain values, cheap for thousands of rows."""
    deal_id: int
    customer_id: int
    customer: str
    owner_id: int
    owner: str
    stage: str
    amount: float | None
    stage_entered_at: datetime
    last_activity_at: datetime
    days: int  # days in stage (stalled) or since the last activity (idle)
    limit: int  # the stage's stall_days, or the idle days that apply


_VIEW_COLUMNS = (Deal.id, Deal.customer_id, Customer.name, Deal.owner_id, Member.name, Deal.stage, Deal.amount,
                 Deal.stage_entered_at, Deal.last_activity_at)


def _deal_views(session, where, order, days_from, limit_of, now, limit):
    query = (select(*_VIEW_COLUMNS).join(Customer, Customer.id == Deal.customer_id)
             .join(Member, Member.id == Deal.owner_id).where(*where).order_by(*order))
    if limit:
        query = query.limit(limit)
    views = []
    for row in session.exec(query).all():
        view = DealView(*row, days=0, limit=0)
        view.days = (now - getattr(view, days_from)).days
        view.limit = limit_of(view.stage)
        views.append(view)
    return views


def stalled_deals(*, session: Session, stages: list[Stage], now: datetime,
                  member_ids: Iterable[int] | None = None, limit: int | None = None) -> list[DealView]:
    """Open deals in their stage longer than that stage's stall_days, longest first."""
    now = as_utc(now)
    limits = {s.name: s.stall_days for s in stages}
    late = or_(*[and_(Deal.stage == s.name, Deal.stage_entered_at < now - timedelta(days=s.stall_days))
                 for s in stages])
    return _deal_views(session, (Deal.status == "open", late, _owned(Deal.owner_id, member_ids)),
                       (Deal.stage_entered_at, Deal.id), "stage_entered_at", limits.get, now, limit)


def idle_deals(*, session: Session, now: datetime, idle_days: int, stages: list[Stage] | None = None,
               member_ids: Iterable[int] | None = None, limit: int | None = None) -> list[DealView]:
    """Open deals with no activity for idle_days (a stage's own idle_days overrides), idlest first."""
    now = as_utc(now)
    special = {s.name: s.idle_days for s in stages or [] if s.idle_days is not None}
    idle = and_(Deal.stage.not_in(list(special)), Deal.last_activity_at < now - timedelta(days=idle_days))
    late = or_(idle, *[and_(Deal.stage == name, Deal.last_activity_at < now - timedelta(days=days))
                       for name, days in special.items()])
    return _deal_views(session, (Deal.status == "open", late, _owned(Deal.owner_id, member_ids)),
                       (Deal.last_activity_at, Deal.id), "last_activity_at",
                       lambda stage: special.get(stage, idle_days), now, limit)


def open_deals(*, session: Session, member_ids: Iterable[int] | None = None, now: datetime | None = None,
               limit: int | None = None) -> list[DealView]:
    """Open deals, oldest first; `days` counts days in the current stage."""
    now = as_utc(now) if now else utcnow()
    return _deal_views(session, (Deal.status == "open", _owned(Deal.owner_id, member_ids)), (Deal.id,),
                       "stage_entered_at", lambda stage: 0, now, limit)


# --- customers --------------------------------------------------------------------------------

def find_customers(*, session: Session, team_id: int, text: str,
                   member_ids: Iterable[int] | None = None, unowned: bool = False) -> list[Customer]:
    """/customer 张总: customers whose name, or a contact's name, contains the text."""
    key = name_key(text)
    if not key:
        return []
    by_contact = select(Contact.customer_id).where(Contact.key.contains(key, autoescape=True))
    query = select(Customer).where(Customer.team_id == team_id,
                                   or_(Customer.key.contains(key, autoescape=True), Customer.id.in_(by_contact)))
    if member_ids is not None:
        query = query.where(customers_seen(member_ids, unowned=unowned))
    return list(session.exec(query.order_by(Customer.name, Customer.id)).all())


@dataclass
class TimelineEntry:
    at: datetime  # UTC
    kind: str  # note | commitment | stage
    text: str
    ref_id: int  # the note, commitment or stage change
    author: str = ""
    detail: dict = field(default_factory=dict)


def customer_timeline(*, session: Session, customer_id: int, limit: int = 50) -> list[TimelineEntry]:
    """What happened with a customer, oldest first: notes, commitments (by due day), stage moves."""
    entries = []
    notes = session.exec(select(Note, Member.name).join(Member, Member.id == Note.author_id)
                         .where(Note.customer_id == customer_id)).all()
    for note, author in notes:
        entries.append(TimelineEntry(note.received_at, "note", note.transcript or note.raw_text or "", note.id,
                                     author, {"state": note.state, "deal_id": note.deal_id}))
    commitments = session.exec(select(Commitment, Member.name).join(Member, Member.id == Commitment.owner_id)
                               .where(Commitment.customer_id == customer_id)).all()
    for c, owner in commitments:
        at = datetime.combine(c.due_date, time.min, tzinfo=timezone.utc)  # sorts by its day
        entries.append(TimelineEntry(at, "commitment", c.text, c.id, owner,
                                     {"kind": c.kind, "due_date": c.due_date.isoformat(), "state": c.state}))
    moves = session.exec(select(StageChange).join(Deal, Deal.id == StageChange.deal_id)
                         .where(Deal.customer_id == customer_id)).all()
    for move in moves:
        entries.append(TimelineEntry(move.changed_at, "stage", move.to_stage, move.id, "",
                                     {"from": move.from_stage, "deal_id": move.deal_id}))
    entries.sort(key=lambda e: (e.at, e.kind, e.ref_id))
    return entries[-limit:]


# --- commitments and activity ---------------------------------------------------------------------

@dataclass
class CommitmentView:
    """An open commitment as reminders and /today need it: plain values, cheap for 100,000 rows."""
    id: int
    owner_id: int
    owner: str
    kind: str
    due_date: date
    text: str
    state: str
    created_at: datetime
    deal_id: int | None
    customer_id: int | None
    customer: str | None
    note_id: int | None


def open_commitments(*, session: Session, member_ids: Iterable[int] | None, until: date | None = None,
                     since: date | None = None) -> list[CommitmentView]:
    """Open commitments owned by these members (a manager passes visible_member_ids; None: everyone),
    by due day."""
    query = (select(Commitment.id, Commitment.owner_id, Member.name, Commitment.kind, Commitment.due_date,
                    Commitment.text, Commitment.state, Commitment.created_at, Commitment.deal_id,
                    Commitment.customer_id, Customer.name, Commitment.note_id)
             .join(Member, Member.id == Commitment.owner_id)
             .join(Customer, Customer.id == Commitment.customer_id, isouter=True)
             .where(Commitment.state == "open", _owned(Commitment.owner_id, member_ids)))
    if until is not None:
        query = query.where(Commitment.due_date <= until)
    if since is not None:
        query = query.where(Commitment.due_date >= since)
    return [CommitmentView(*row) for row in session.exec(query.order_by(Commitment.due_date, Commitment.id)).all()]


@dataclass
class Activity:
    member_id: int
    name: str
    notes: int = 0
    new_deals: int = 0
    stage_moves: int = 0
    won: int = 0
    lost: int = 0
    commitments_made: int = 0
    commitments_done: int = 0


def team_activity(*, session: Session, member_ids: Iterable[int], start: datetime, end: datetime) -> list[Activity]:
    """Per member, what happened in [start, end): notes, deals opened, stage moves, wins, promises."""
    ids = list(member_ids)
    start, end = as_utc(start), as_utc(end)
    members = session.exec(select(Member).where(Member.id.in_(ids)).order_by(Member.id)).all()
    rows = {m.id: Activity(m.id, m.name) for m in members}

    def count_by(column, *where):
        return session.exec(select(column, func.count()).where(column.in_(ids), *where).group_by(column)).all()

    for mid, n in count_by(Note.author_id, Note.received_at >= start, Note.received_at < end, counted_note()):
        rows[mid].notes = n
    for mid, n in count_by(Deal.owner_id, Deal.created_at >= start, Deal.created_at < end):
        rows[mid].new_deals = n
    for mid, n in count_by(Commitment.owner_id, Commitment.created_at >= start, Commitment.created_at < end):
        rows[mid].commitments_made = n
    for mid, n in count_by(Commitment.owner_id, Commitment.state == "done",
                           Commitment.done_at >= start, Commitment.done_at < end):
        rows[mid].commitments_done = n
    moves = session.exec(select(Deal.owner_id, StageChange.from_stage, StageChange.to_stage)
                         .join(Deal, Deal.id == StageChange.deal_id)
                         .where(Deal.owner_id.in_(ids), StageChange.changed_at >= start,
                                StageChange.changed_at < end)).all()
    for mid, from_stage, to_stage in moves:
        if to_stage == "won":
            rows[mid].won += 1
        elif to_stage == "lost":
            rows[mid].lost += 1
        elif from_stage is not None:
            rows[mid].stage_moves += 1
    return list(rows.values())


# --- decision chain ----------------------------------------------------------------------------

@dataclass
class ChainCoverage:
    deal_id: int
    customer: str
    stage: str
    roles: dict[str, list[str]]  # role -> contact names
    missing: list[str]  # of decision_maker, influencer, user


def decision_chain(*, session: Session, member_ids: Iterable[int] | None = None,
                   deal_ids: Iterable[int] | None = None) -> list[ChainCoverage]:
    """For each open deal: which decision-chain roles its customer's known contacts cover."""
    query = (select(Deal.id, Deal.stage, Customer.name, Contact.name, Contact.role)
             .join(Customer, Customer.id == Deal.customer_id)
             .join(Contact, Contact.customer_id == Customer.id, isouter=True)
             .where(Deal.status == "open", _owned(Deal.owner_id, member_ids)))
    if deal_ids is not None:
        query = query.where(Deal.id.in_(list(deal_ids)))
    coverage: dict[int, ChainCoverage] = {}
    for deal_id, stage, customer, contact, role in session.exec(query.order_by(Deal.id, Contact.id)).all():
        row = coverage.setdefault(deal_id, ChainCoverage(deal_id, customer, stage, {}, []))
        if contact is not None:
            row.roles.setdefault(role, []).append(contact)
    for row in coverage.values():
        row.missing = [r for r in CHAIN_ROLES if r not in row.roles]
    return list(coverage.values())
