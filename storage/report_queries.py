"""Figures for the leads' reports beyond storage/queries.py: the weekly report, the forecast by expected
close month, decision-chain coverage per team, a customer's facts, and the rows of an export.

Keyword-only functions that take a session; `member_ids` scopes to records owned (deals, commitments)
or written (notes) by those members — from queries.visible_member_ids; None means every team.
Windows are [start, end) in UTC; calendar days (due dates) are the team's local days.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Iterable
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, extract, func, literal, or_
from sqlmodel import Session, select

from storage.models import (counted_note, Commitment, CompetitorMention, Contact, Customer, Deal, Item, Member, Note,
                            ObjectionMention, StageChange, Team, as_utc)
from storage.queries import CHAIN_ROLES, recorded_visible
from storage.stages import Stage

CLOSED = ("won", "lost")


def _owned(column, member_ids: Iterable[int] | None):
    return literal(True) if member_ids is None else column.in_(list(member_ids))


# --- commitments kept and broken ---------------------------------------------------------------

@dataclass
class Outcomes:
    """Commitments due in a window: kept (done by their due day), late (done after it), broken (due
    day over, still open), pending (due day not over yet, open). Cancelled ones do not count."""
    kept: int = 0
    late: int = 0
    broken: int = 0
    pending: int = 0

    @property
    def due(self) -> int:
        return self.kept + self.late + self.broken + self.pending

    def add(self, state: str, due: date, done_at: datetime | None, today: date, tz: ZoneInfo) -> None:
        if state == "cancelled":
            return
        if state == "done":
            done_day = as_utc(done_at).astimezone(tz).date() if done_at else due
            if done_day <= due:
                self.kept += 1
            else:
                self.late += 1
        elif due < today:
            self.broken += 1
        else:
            self.pending += 1


def commitment_outcomes(*, session: Session, member_ids: Iterable[int] | None, first_day: date, last_day: date,
                        today: date, timezone: str = "Asia/Shanghai") -> dict[int, Outcomes]:
    """Per owner: what became of the commitments due from first_day to last_day (both included)."""
    tz = ZoneInfo(timezone)
    rows = session.exec(select(Commitment.owner_id, Commitment.due_date, Commitment.state, Commitment.done_at)
                        .where(Commitment.state.in_(("open", "done")), Commitment.due_date >= first_day,
                               Commitment.due_date <= last_day, _owned(Commitment.owner_id, member_ids))).all()
    found: dict[int, Outcomes] = defaultdict(Outcomes)
    for owner_id, due, state, done_at in rows:
        found[owner_id].add(state, due, done_at, today, tz)
    return dict(found)


def total(outcomes: Iterable[Outcomes]) -> Outcomes:
    sum_ = Outcomes()
    for o in outcomes:
        sum_.kept += o.kept
        sum_.late += o.late
        sum_.broken += o.broken
        sum_.pending += o.pending
    return sum_


# --- the week ------------------------------------------------------------------------------

@dataclass
class Closed:
    count: int = 0
    amount: float = 0.0


@dataclass
class TeamCoverage:
    """决策链穿透率: open deals whose customer's contacts cover all three roles."""
    team_id: int
    team: str
    deals: int
    covered: int

    @property
    def share(self) -> float:
        return self.covered / self.deals if self.deals else 0.0


@dataclass
class RepWeek:
    member_id: int
    name: str
    notes: int
    new_deals: int
    stage_moves: int
    won: int
    lost: int
    kept: int
    broken: int


@dataclass
class WeekFigures:
    start: datetime
    end: datetime
    new_deals: Closed
    stage_moves: int
    won: Closed
    lost: Closed
    commitments: Outcomes
    objections: list[tuple[str, int]]
    competitors: list[tuple[str, int]]
    reps: list[RepWeek]
    coverage: list[TeamCoverage]
    moves: list[tuple[str, str, int]] = field(default_factory=list)  # (from, to, count), most first


def week_figures(*, session: Session, member_ids: Iterable[int] | None, start: datetime, end: datetime,
                 today: date, timezone: str = "Asia/Shanghai", top: int = 5) -> WeekFigures:
    """What happened in [start, end) for these members: the figures of /week and the Monday report.

    Every figure is grouped per member in SQL and the scope applied in Python: the window is what keeps
    these queries small (an IN list of owners would make SQLite walk every deal of those owners)."""
    start, end = as_utc(start), as_utc(end)
    people = _people(session, member_ids)
    ids = set(people)
    tz = ZoneInfo(timezone)
    per_rep = {mid: RepWeek(mid, person[0], 0, 0, 0, 0, 0, 0, 0) for mid, person in people.items()}

    # Rows, not GROUP BY: grouping by owner makes SQLite walk the owner index over every deal.
    new = Closed()
    for owner_id, amount in session.exec(select(Deal.owner_id, Deal.amount).where(
            _touched_since(start), Deal.created_at >= start, Deal.created_at < end)).all():
        if owner_id in ids:
            new.count += 1
            new.amount += amount or 0.0
            per_rep[owner_id].new_deals += 1

    won, lost, stage_moves, pairs = Closed(), Closed(), 0, Counter()
    for owner_id, from_stage, to_stage, amount in _moves(session, start, end):
        if owner_id not in ids:
            continue
        rep = per_rep[owner_id]
        if to_stage in CLOSED:
            closed = won if to_stage == "won" else lost
            closed.count += 1
            closed.amount += amount or 0.0
            rep.won += to_stage == "won"
            rep.lost += to_stage == "lost"
        elif from_stage is not None:
            stage_moves += 1
            rep.stage_moves += 1
            pairs[(from_stage, to_stage)] += 1

    first_day = start.astimezone(tz).date()
    last_day = end.astimezone(tz).date()
    if end.astimezone(tz).time() == datetime.min.time():  # an end at midnight excludes that day
        last_day = date.fromordinal(last_day.toordinal() - 1)
    outcomes = {owner: o for owner, o in commitment_outcomes(
        session=session, member_ids=None, first_day=first_day, last_day=last_day, today=today,
        timezone=timezone).items() if owner in ids}
    for owner_id, o in outcomes.items():
        per_rep[owner_id].kept, per_rep[owner_id].broken = o.kept, o.broken

    authors = list(ids)
    for author_id, n in session.exec(select(Note.author_id, func.count()).where(
            Note.author_id.in_(authors), Note.received_at >= start, Note.received_at < end, counted_note())
            .group_by(Note.author_id)).all():
        per_rep[author_id].notes = n

    return WeekFigures(
        start=start, end=end, new_deals=new, stage_moves=stage_moves, won=won, lost=lost,
        commitments=total(outcomes.values()),
        objections=_top_mentions(session, ObjectionMention.category, authors, start, end, top),
        competitors=_top_mentions(session, CompetitorMention.name, authors, start, end, top),
        reps=_shown(per_rep.values(), people),
        coverage=chain_coverage(session=session, member_ids=member_ids),
        moves=[(a, b, n) for (a, b), n in sorted(pairs.items(), key=lambda p: (-p[1], p[0]))])


def _people(session, member_ids) -> dict[int, tuple[str, str, bool]]:
    """id -> (name, role, active) of the members in scope (every member for None)."""
    query = select(Member.id, Member.name, Member.role, Member.active)
    if member_ids is not None:
        query = query.where(Member.id.in_(list(member_ids)))
    return {mid: (name, role, active) for mid, name, role, active in session.exec(query).all()}


def _touched_since(start: datetime):
    """Deals that may have been created or moved since `start`, found through the (status,
    last_activity_at) index rather than a pass over every deal. It rests on what storage keeps true:
    an open deal's last_activity_at is at least its created_at and the time of each stage change, and a
    closed deal's closed_at is the time it closed, after all its changes."""
    return or_(and_(Deal.status == "open", Deal.last_activity_at >= start),
               and_(Deal.status.in_(CLOSED), Deal.closed_at >= start))


def _moves(session, start, end):
    """(owner, from, to, deal amount) of each stage change in the window."""
    return session.exec(select(Deal.owner_id, StageChange.from_stage, StageChange.to_stage, Deal.amount)
                        .join(StageChange, StageChange.deal_id == Deal.id)
                        .where(_touched_since(start), StageChange.changed_at >= start,
                               StageChange.changed_at < end)).all()


def _shown(rows: Iterable[RepWeek], people: dict[int, tuple[str, str, bool]]) -> list[RepWeek]:
    """Active reps always; others (a manager who sells too, a rep who left) when they did something.
    Busiest first."""
    shown = [r for r in rows if people[r.member_id][1:] == ("rep", True)
             or r.notes or r.new_deals or r.stage_moves or r.won or r.lost or r.kept or r.broken]
    return sorted(shown, key=lambda r: (-r.notes, -r.won, r.name))


def _top_mentions(session, column, author_ids, start, end, top) -> list[tuple[str, int]]:
    """The most mentioned values in notes received in the window, most first (ties by name)."""
    table = column.class_
    n = func.count().label("n")
    rows = session.exec(select(column, n).join(Note, Note.id == table.note_id)
                        .where(Note.author_id.in_(author_ids), Note.received_at >= start, Note.received_at < end)
                        .group_by(column).order_by(n.desc(), column).limit(top)).all()
    return [(value, count) for value, count in rows]


# --- decision chain per team -----------------------------------------------------------------

def chain_coverage(*, session: Session, member_ids: Iterable[int] | None = None) -> list[TeamCoverage]:
    """Per team: open deals, and how many of them have contacts in all three chain roles."""
    covered = (select(Contact.customer_id).where(Contact.role.in_(CHAIN_ROLES)).group_by(Contact.customer_id)
               .having(func.count(func.distinct(Contact.role)) >= len(CHAIN_ROLES)))
    rows = session.exec(select(Deal.team_id, func.count(), func.sum(case((Deal.customer_id.in_(covered), 1), else_=0)))
                        .where(Deal.status == "open", _owned(Deal.owner_id, member_ids))
                        .group_by(Deal.team_id)).all()
    teams = {team_id: TeamCoverage(team_id, "", deals, int(n or 0)) for team_id, deals, n in rows}
    names = dict(session.exec(select(Team.id, Team.name).where(Team.id.in_(list(teams)))).all()) if teams else {}
    for row in teams.values():
        row.team = names.get(row.team_id, "")
    return sorted(teams.values(), key=lambda r: r.team)


# --- forecast ----------------------------------------------------------------------------------

@dataclass
class ForecastMonth:
    month: str | None  # "2026-04"; None: no expected close day known
    count: int
    amount: float
    weighted: float


def forecast(*, session: Session, stages: list[Stage], member_ids: Iterable[int] | None = None) -> list[ForecastMonth]:
    """Open deals by expected close month: amount and amount x stage probability; months in order,
    deals without an expected close day last. A close said as a range over several months (a quarter)
    counts in each of them with an even share of its amount."""
    year, month = extract("year", Deal.expected_close), extract("month", Deal.expected_close)
    open_deals = and_(Deal.status == "open", _owned(Deal.owner_id, member_ids))
    rows = session.exec(select(year, month, Deal.stage, func.count(), func.coalesce(func.sum(Deal.amount), 0.0))
                        .where(open_deals, Deal.expected_close_end.is_(None))
                        .group_by(year, month, Deal.stage)).all()
    rows = [(int(y) if y is not None else None, int(m) if m is not None else None, stage, count, float(amount))
            for y, m, stage, count, amount in rows]
    for start, end, stage, amount in session.exec(select(Deal.expected_close, Deal.expected_close_end, Deal.stage,
                                                         Deal.amount).where(open_deals,
                                                                            Deal.expected_close_end.is_not(None))):
        spanned = _months(start, end)
        rows += [(y, m, stage, 1, float(amount or 0.0) / len(spanned)) for y, m in spanned]
    probability = {s.name: s.probability for s in stages}
    months: dict[str | None, ForecastMonth] = {}
    for y, m, stage, count, amount in rows:
        key = f"{y:04d}-{m:02d}" if y is not None else None
        row = months.setdefault(key, ForecastMonth(key, 0, 0.0, 0.0))
        row.count += count
        row.amount += amount
        row.weighted += amount * probability.get(stage, 0.0)
    return sorted(months.values(), key=lambda r: (r.month is None, r.month or ""))


def undated_deals(*, session: Session, member_ids: Iterable[int] | None = None, limit: int = 10) -> list[tuple[int, str]]:
    """(deal id, customer name) of open deals with no expected close: what /forecast cannot place."""
    return [(i, name) for i, name in session.exec(
        select(Deal.id, Customer.name).join(Customer, Customer.id == Deal.customer_id)
        .where(Deal.status == "open", Deal.expected_close.is_(None), _owned(Deal.owner_id, member_ids))
        .order_by(Deal.id).limit(limit)).all()]


def _months(start: date, end: date) -> list[tuple[int, int]]:
    """(year, month) of each month the days [start, end) touch (insights.forecast.months_of)."""
    last = date.fromordinal(max(start.toordinal(), end.toordinal() - 1))
    return [(i // 12, i % 12 + 1) for i in range(start.year * 12 + start.month - 1, last.year * 12 + last.month)]


def stalled_count(*, session: Session, stages: list[Stage], now: datetime,
                  member_ids: Iterable[int] | None = None) -> int:
    """How many open deals are over their stage's stall_days (storage.queries.stalled_deals lists them)."""
    from datetime import timedelta

    now = as_utc(now)
    late = or_(*[and_(Deal.stage == s.name, Deal.stage_entered_at < now - timedelta(days=s.stall_days))
                 for s in stages])
    return session.exec(select(func.count()).select_from(Deal).where(
        Deal.status == "open", late, _owned(Deal.owner_id, member_ids))).one()


# --- a customer --------------------------------------------------------------------------------

@dataclass
class DealFacts:
    deal_id: int
    owner: str
    stage: str
    status: str
    amount: float | None
    expected_close: date | None
    roles: dict[str, list[str]]  # chain role -> contact names
    missing: list[str]


@dataclass
class CustomerFacts:
    customer_id: int
    name: str
    contacts: list[tuple[str, str]]  # (name, role)
    deals: list[DealFacts]
    items: list[tuple[str, float, str]]  # (product, total quantity, unit), most first
    objections: list[tuple[str, int]]
    competitors: list[tuple[str, int]]
    commitments: list[Commitment]
    outcomes: Outcomes
    notes: list[tuple[datetime, str, str]]  # (received UTC, author, text), newest last


def customer_facts(*, session: Session, customer_id: int, member_ids: Iterable[int] | None, today: date,
                   timezone: str = "Asia/Shanghai", notes_limit: int = 10, unowned: bool = False) -> CustomerFacts | None:
    """What the member may see of a customer (storage.queries' visibility rule): everything, whoever
    recorded it, when its owner is among the members they see; else only what those members
    recorded. The contacts (shared by the team) with their decision-chain roles. None when nothing
    of it is visible."""
    from storage.queries import customer_wholly_visible

    customer = session.get(Customer, customer_id)
    if customer is None:
        return None
    wholly = customer_wholly_visible(session=session, customer_id=customer_id, member_ids=member_ids, unowned=unowned)
    ids = None if member_ids is None or wholly else list(member_ids)
    deals = session.exec(select(Deal, Member.name).join(Member, Member.id == Deal.owner_id)
                         .where(Deal.customer_id == customer_id, _owned(Deal.owner_id, ids))
                         .order_by(Deal.id)).all()
    note_ids = select(Note.id).where(Note.customer_id == customer_id, _owned(Note.author_id, ids))
    notes = session.exec(select(Note.received_at, Member.name, Note.transcript, Note.raw_text)
                         .join(Member, Member.id == Note.author_id)
                         .where(Note.customer_id == customer_id, _owned(Note.author_id, ids))
                         .order_by(Note.received_at.desc(), Note.id.desc()).limit(notes_limit)).all()
    commitments = list(session.exec(select(Commitment).where(
        Commitment.customer_id == customer_id, _owned(Commitment.owner_id, ids))
        .order_by(Commitment.due_date, Commitment.id)).all())
    if not deals and not notes and not commitments and not wholly:
        return None
    contacts = [(c.name, c.role) for c in session.exec(select(Contact).where(
        Contact.customer_id == customer_id).order_by(Contact.id)).all()]
    roles: dict[str, list[str]] = {}
    for name, role in contacts:
        if role in CHAIN_ROLES:
            roles.setdefault(role, []).append(name)
    missing = [r for r in CHAIN_ROLES if r not in roles]
    items = Counter()
    for product, quantity, unit in session.exec(select(Item.product, Item.quantity, Item.unit)
                                                .where(Item.note_id.in_(note_ids))).all():
        key = (product or "（未说产品）", unit or "")
        items[key] += quantity
    return CustomerFacts(
        customer_id=customer.id, name=customer.name, contacts=contacts,
        deals=[DealFacts(d.id, owner, d.stage, d.status, d.amount, d.expected_close, roles, missing)
               for d, owner in deals],
        items=[(p, q, u) for (p, u), q in items.most_common()],
        objections=_counts(session, ObjectionMention.category, note_ids),
        competitors=_counts(session, CompetitorMention.name, note_ids),
        commitments=commitments, outcomes=_outcomes_of(commitments, today, ZoneInfo(timezone)),
        notes=[(as_utc(at), author, transcript or raw or "") for at, author, transcript, raw in reversed(notes)])


def _counts(session, column, note_ids) -> list[tuple[str, int]]:
    table = column.class_
    n = func.count().label("n")
    return [(v, c) for v, c in session.exec(select(column, n).where(table.note_id.in_(note_ids))
                                            .group_by(column).order_by(n.desc(), column)).all()]


def _outcomes_of(commitments: list[Commitment], today: date, tz: ZoneInfo) -> Outcomes:
    out = Outcomes()
    for c in commitments:
        out.add(c.state, c.due_date, c.done_at, today, tz)
    return out


def note_contacts(*, session: Session, note_id: int) -> tuple[str, list[Contact]]:
    """A note's text and the contacts of its customer (for reading roles from what the note says)."""
    note = session.get(Note, note_id)
    if note is None or note.customer_id is None:
        return "", []
    contacts = list(session.exec(select(Contact).where(Contact.customer_id == note.customer_id)
                                 .order_by(Contact.id)).all())
    return note.transcript or note.raw_text or "", contacts


def contacts_named(*, session: Session, name_key: str, member_ids: Iterable[int] | None,
                   team_ids: Iterable[int]) -> list[tuple[Contact, str]]:
    """Contacts with that matching key at customers the member can see: (contact, customer name)."""
    from storage.queries import customers_seen

    visible = customers_seen(member_ids)
    return list(session.exec(select(Contact, Customer.name).join(Customer, Customer.id == Contact.customer_id)
                             .where(Contact.key == name_key, Customer.team_id.in_(list(team_ids)), visible)
                             .order_by(Customer.name, Contact.id)).all())


# --- export ------------------------------------------------------------------------------------

PRODUCT_COLUMNS = ("笔记编号", "客户", "产品", "数量", "单位")
CONTACT_COLUMNS = ("客户", "联系人", "职务", "决策链角色")
# Codes as a person reads them in the export (the database keeps the codes).
LABELS = {
    "status": {"open": "进行中", "won": "赢单", "lost": "丢单"},
    "amount_kind": {"deal": "成交价", "quote": "报价", "budget": "预算"},
    "channel": {"telegram": "Telegram", "wecom": "企业微信", "local": "网页", "api": "接口", "cli": "命令行"},
    "note_state": {"received": "待处理", "transcribed": "已识别", "parsed": "已记录", "ambiguous": "待选客户",
                   "failed": "未记录"},
    "kind": {"delivery": "交货", "followup": "跟进", "meeting": "会面", "payment": "付款", "trial": "试用",
             "deadline": "截止", "other": "其他"},
    "commitment_state": {"open": "待办", "done": "已完成", "cancelled": "已取消"},
    "role": {"decision_maker": "决策人", "influencer": "影响者", "user": "使用者", "unknown": "未知"},
}
DEAL_COLUMNS = ("商机编号", "客户", "负责人", "阶段", "状态", "金额", "金额类型", "预计成交", "进入阶段时间",
                "最近活动", "创建时间", "关闭时间")
NOTE_COLUMNS = ("笔记编号", "时间", "作者", "客户", "商机编号", "渠道", "状态", "内容")
COMMITMENT_COLUMNS = ("待办编号", "负责人", "客户", "商机编号", "类型", "到期日", "状态", "完成时间", "内容")


def export_rows(*, session: Session, member_ids: Iterable[int] | None,
                notes_limit: int = 20000) -> dict[str, tuple[tuple[str, ...], list[tuple]]]:
    """The rows an export holds: deals, the newest notes (at most notes_limit), commitments."""
    ids = None if member_ids is None else list(member_ids)
    deals = session.exec(select(Deal.id, Customer.name, Member.name, Deal.stage, Deal.status, Deal.amount,
                                Deal.amount_kind, Deal.expected_close, Deal.stage_entered_at,
                                Deal.last_activity_at, Deal.created_at, Deal.closed_at)
                         .join(Customer, Customer.id == Deal.customer_id).join(Member, Member.id == Deal.owner_id)
                         .where(_owned(Deal.owner_id, ids)).order_by(Deal.id)).all()
    notes = session.exec(select(Note.id, Note.received_at, Member.name, Customer.name, Note.deal_id, Note.channel,
                                Note.state, func.coalesce(Note.transcript, Note.raw_text, ""))
                         .join(Member, Member.id == Note.author_id)
                         .join(Customer, Customer.id == Note.customer_id, isouter=True)
                         .where(recorded_visible(Note.author_id, Note.customer_id, ids), counted_note())
                         .order_by(Note.received_at.desc(), Note.id.desc()).limit(notes_limit)).all()
    commitments = session.exec(select(Commitment.id, Member.name, Customer.name, Commitment.deal_id,
                                      Commitment.kind, Commitment.due_date, Commitment.state, Commitment.done_at,
                                      Commitment.text)
                               .join(Member, Member.id == Commitment.owner_id)
                               .join(Customer, Customer.id == Commitment.customer_id, isouter=True)
                               .where(_owned(Commitment.owner_id, ids))
                               .order_by(Commitment.due_date, Commitment.id)).all()
    products = session.exec(select(Item.note_id, Customer.name, Item.product, Item.quantity, Item.unit)
                            .join(Note, Note.id == Item.note_id)
                            .join(Customer, Customer.id == Item.customer_id, isouter=True)
                            .where(recorded_visible(Note.author_id, Note.customer_id, ids))
                            .order_by(Item.note_id, Item.id)).all()
    seen = select(Deal.customer_id).where(_owned(Deal.owner_id, ids))
    contacts = session.exec(select(Customer.name, Contact.name, Contact.title, Contact.role)
                            .join(Customer, Customer.id == Contact.customer_id)
                            .where(or_(_owned(Customer.owner_id, ids), Customer.id.in_(seen)))
                            .order_by(Customer.name, Contact.id)).all()
    deal_rows = [(i, c, o, st, LABELS["status"].get(status, status), a, LABELS["amount_kind"].get(k, k), *rest)
                 for i, c, o, st, status, a, k, *rest in deals]
    note_rows = [(i, at, a, c, d, LABELS["channel"].get(ch, ch), LABELS["note_state"].get(state, state), text)
                 for i, at, a, c, d, ch, state, text in reversed(notes)]
    commitment_rows = [(i, o, c, d, LABELS["kind"].get(k, k), due, LABELS["commitment_state"].get(state, state), *rest)
                       for i, o, c, d, k, due, state, *rest in commitments]
    return {"deals": (DEAL_COLUMNS, deal_rows),
            "notes": (NOTE_COLUMNS, note_rows),
            "commitments": (COMMITMENT_COLUMNS, commitment_rows),
            "products": (PRODUCT_COLUMNS, [tuple(r) for r in products]),
            "contacts": (CONTACT_COLUMNS, [(c, n, t, LABELS["role"].get(r, r)) for c, n, t, r in contacts])}
