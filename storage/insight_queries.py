"""What the insights read: a team's open deals with everything their health needs, customers' note
histories, reps' records, objections with their sentences, stalls, won deals. Plain rows only (storage
never imports insights); insights/read.py turns them into the rules' values.

Keyword-only functions that take a session. Every query is bounded by a team (its deals through
(team_id), its notes through (author_id, received_at) of its members) and by a time window.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Iterable

from sqlalchemy import and_, func, select as sa_select
from sqlmodel import Session

from storage.lead_models import Lead, Touchpoint
from storage.models import (counted_note, Commitment, CompetitorMention, Contact, Customer, Deal, Member, MoneyFact, Note,
                            ObjectionMention, RiskMention, StageChange, as_utc)

CHUNK = 500


def _chunks(values: list, size: int = CHUNK):
    for i in range(0, len(values), size):
        yield values[i:i + size]


def team_member_ids(*, session: Session, team_id: int) -> list[int]:
    return list(session.execute(sa_select(Member.id).where(Member.team_id == team_id)).scalars())


# --- deal health ----------------------------------------------------------------------------------

@dataclass
class DealRows:
    """A team's open deals and their facts, keyed by deal id (customer_* by customer id)."""
    deals: list[tuple] = field(default_factory=list)  # (id, customer_id, customer, owner_id, owner, stage,
    #                                                    stage_entered_at, last_activity_at, created_at, amount)
    notes_recent: dict[int, int] = field(default_factory=dict)
    promises: dict[int, list[tuple]] = field(default_factory=lambda: defaultdict(list))  # (due, state, done_at)
    objections: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))  # categories, in order
    rivals: dict[int, list[tuple]] = field(default_factory=lambda: defaultdict(list))  # (at, name)
    moves: dict[int, list[tuple]] = field(default_factory=lambda: defaultdict(list))  # (at, to_stage)
    roles: dict[int, set] = field(default_factory=lambda: defaultdict(set))  # customer -> roles
    money: dict[int, list[tuple]] = field(default_factory=lambda: defaultdict(list))  # customer -> (deal, kind, amount), oldest first
    risks: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))


def open_deal_rows(*, session: Session, team_id: int, notes_since: datetime, promises_since: date,
                   late_stages: Iterable[str], deal_ids: Iterable[int] | None = None) -> DealRows:
    """Everything deal health reads about the team's open deals (or only `deal_ids` of them):
    notes since `notes_since`, promises due since `promises_since`, objections and rivals said on
    them, stage moves of the deals at a late stage, the customers' contacts and quotes/budgets, and
    verbal-promise risks."""
    rows = DealRows()
    run = session.connection().execute  # Core: these are plain rows, thousands of them
    is_open = and_(Deal.team_id == team_id, Deal.status == "open")
    if deal_ids is not None:
        is_open = and_(is_open, Deal.id.in_(list(deal_ids)))
    query = (sa_select(Deal.id, Deal.customer_id, Customer.name, Deal.owner_id, Member.name, Deal.stage,
                       Deal.stage_entered_at, Deal.last_activity_at, Deal.created_at, Deal.amount)
             .join(Customer, Customer.id == Deal.customer_id).join(Member, Member.id == Deal.owner_id)
             .where(is_open).order_by(Deal.id))
    rows.deals = [(i, c, cn, o, on, s, as_utc(e), as_utc(a), as_utc(cr), amount)
                  for i, c, cn, o, on, s, e, a, cr, amount in run(query)]
    if not rows.deals:
        return rows
    open_ids = {d[0] for d in rows.deals}
    # the whole team through its members' indexes; a few deals through their own
    few = deal_ids is not None and len(open_ids) <= CHUNK
    authors = team_member_ids(session=session, team_id=team_id)
    note_scope = Note.deal_id.in_(list(open_ids)) if few else Note.author_id.in_(authors)
    promise_scope = Commitment.deal_id.in_(list(open_ids)) if few else Commitment.owner_id.in_(authors)

    # touch density: notes of the team's members in the window, per deal
    for deal_id, n in run(sa_select(Note.deal_id, func.count()).where(
            note_scope, Note.received_at >= as_utc(notes_since), Note.deal_id.is_not(None),
            Note.state == "parsed").group_by(Note.deal_id)):
        if deal_id in open_ids:
            rows.notes_recent[deal_id] = n

    # promises due in the window, and the open ones still ahead (the next step)
    for deal_id, due, state, done_at in run(sa_select(
            Commitment.deal_id, Commitment.due_date, Commitment.state, Commitment.done_at).where(
            promise_scope, Commitment.state.in_(("open", "done")),
            Commitment.due_date >= promises_since, Commitment.deal_id.is_not(None))):
        if deal_id in open_ids:
            rows.promises[deal_id].append((due, state, as_utc(done_at) if done_at else None))

    # objections said since the deal entered its stage: not followed by progress (yet)
    for deal_id, category in run(
            sa_select(ObjectionMention.deal_id, ObjectionMention.category)
            .join(Note, Note.id == ObjectionMention.note_id).join(Deal, Deal.id == ObjectionMention.deal_id)
            .where(is_open, Note.received_at >= Deal.stage_entered_at)
            .order_by(Note.received_at, ObjectionMention.id)):
        rows.objections[deal_id].append(category)

    # rivals named on deals now at a late stage, with those deals' stage moves
    late = list(late_stages)
    at_late = and_(is_open, Deal.stage.in_(late))
    for deal_id, at, name in run(
            sa_select(CompetitorMention.deal_id, Note.received_at, CompetitorMention.name)
            .join(Note, Note.id == CompetitorMention.note_id).join(Deal, Deal.id == CompetitorMention.deal_id)
            .where(at_late)):
        rows.rivals[deal_id].append((as_utc(at), name))
    for chunk in _chunks(sorted(rows.rivals)):
        for deal_id, at, to_stage in run(sa_select(StageChange.deal_id, StageChange.changed_at,
                                                               StageChange.to_stage)
                                                     .where(StageChange.deal_id.in_(chunk))):
            rows.moves[deal_id].append((as_utc(at), to_stage))

    # the customers' decision-chain roles
    for customer_id, role in run(
            sa_select(Contact.customer_id, Contact.role).join(Deal, Deal.customer_id == Contact.customer_id)
            .where(is_open).distinct()):
        rows.roles[customer_id].add(role)

    # quotes and budgets to the customers, on any deal of the team
    customers = {d[1] for d in rows.deals}
    # in the order said: notes are numbered as they arrive (no join with note: this is the largest read)
    for deal_id, customer_id, kind, amount in run(
            sa_select(MoneyFact.deal_id, Deal.customer_id, MoneyFact.kind, MoneyFact.amount)
            .join(Deal, Deal.id == MoneyFact.deal_id)
            .where(Deal.team_id == team_id, MoneyFact.kind.in_(("quote", "budget")),
                   *([Deal.customer_id.in_(list(customers))] if few else []))
            .order_by(MoneyFact.note_id, MoneyFact.id)):
        if customer_id in customers:
            rows.money[customer_id].append((deal_id, kind, amount))

    for deal_id, phrase in run(sa_select(RiskMention.deal_id, RiskMention.phrase)
                                           .join(Deal, Deal.id == RiskMention.deal_id).where(is_open)
                                           .order_by(RiskMention.id)):
        rows.risks[deal_id].append(phrase)
    return rows


def density_rows(*, session: Session, team_id: int, notes_since: datetime) -> list[tuple[datetime, int]]:
    """(created_at, notes since `notes_since`) of each of the team's open deals: the team's median
    touch density without reading everything else."""
    authors = team_member_ids(session=session, team_id=team_id)
    counts = dict(session.execute(sa_select(Note.deal_id, func.count()).where(
        Note.author_id.in_(authors), Note.received_at >= as_utc(notes_since), Note.deal_id.is_not(None),
        Note.state == "parsed").group_by(Note.deal_id)).all())
    return [(as_utc(created), counts.get(deal_id, 0)) for deal_id, created in session.execute(
        sa_select(Deal.id, Deal.created_at).where(Deal.team_id == team_id, Deal.status == "open"))]


# --- churn: customers with won deals --------------------------------------------------------------

@dataclass
class CustomerRows:
    customers: list[tuple] = field(default_factory=list)  # (id, name, owner_id) with a won deal
    notes: dict[int, list[datetime]] = field(default_factory=lambda: defaultdict(list))
    complaints: dict[int, list[tuple]] = field(default_factory=lambda: defaultdict(list))  # (at, what, text)
    missed: dict[int, list[tuple]] = field(default_factory=lambda: defaultdict(list))  # (due, text)


def won_customer_rows(*, session: Session, team_id: int, since: datetime, recent_since: datetime,
                      today: date, categories: Iterable[str]) -> CustomerRows:
    """Customers of the team with a won deal: the times of their notes since `since`, their
    quality/service objections and complaint touchpoints since `recent_since`, and payment promises
    whose day is over and that are still open."""
    rows = CustomerRows()
    won = sa_select(Deal.customer_id).where(Deal.team_id == team_id, Deal.status == "won").distinct()
    rows.customers = [tuple(r) for r in session.execute(
        sa_select(Customer.id, Customer.name, Customer.owner_id).where(Customer.id.in_(won)).order_by(Customer.id))]
    ids = [c[0] for c in rows.customers]
    for chunk in _chunks(ids):
        for customer_id, at in session.execute(sa_select(Note.customer_id, Note.received_at).where(
                Note.customer_id.in_(chunk), Note.received_at >= as_utc(since), Note.state == "parsed")):
            rows.notes[customer_id].append(as_utc(at))
        for customer_id, at, category, evidence in session.execute(
                sa_select(Note.customer_id, Note.received_at, ObjectionMention.category, ObjectionMention.evidence)
                .join(Note, Note.id == ObjectionMention.note_id)
                .where(Note.customer_id.in_(chunk), Note.received_at >= as_utc(recent_since),
                       ObjectionMention.category.in_(list(categories)))):
            rows.complaints[customer_id].append((as_utc(at), category, evidence or ""))
        for customer_id, at, text in session.execute(sa_select(Touchpoint.customer_id, Touchpoint.at, Touchpoint.text)
                                                     .where(Touchpoint.customer_id.in_(chunk),
                                                            Touchpoint.kind == "complaint",
                                                            Touchpoint.at >= as_utc(recent_since))):
            rows.complaints[customer_id].append((as_utc(at), "complaint", text or ""))
        for customer_id, due, text in session.execute(sa_select(Commitment.customer_id, Commitment.due_date,
                                                                Commitment.text)
                                                      .where(Commitment.customer_id.in_(chunk),
                                                             Commitment.kind == "payment",
                                                             Commitment.state == "open",
                                                             Commitment.due_date < today)):
            rows.missed[customer_id].append((due, text or ""))
    for values in rows.notes.values():
        values.sort()
    return rows


# --- the outbox: when an insight about something was last written ---------------------------------

def last_written(*, session: Session, prefix: str, since: datetime) -> dict[str, datetime]:
    """dedupe key -> send time of outbox rows whose key starts with `prefix`, due since `since` (the
    send time, not the time of writing: it follows from the data, so a dry run at any `now` agrees)."""
    from storage.models import Notification

    return {key: as_utc(at) for key, at in session.execute(
        sa_select(Notification.dedupe_key, Notification.send_at).where(
            Notification.dedupe_key.startswith(prefix, autoescape=True), Notification.send_at >= as_utc(since)))}


# --- objection trends -----------------------------------------------------------------------------

def objection_rows(*, session: Session, team_id: int, since: datetime) -> list[tuple]:
    """(at, category, customer, evidence, note_id) of objections in notes of the team's members since `since`."""
    authors = team_member_ids(session=session, team_id=team_id)
    return [(as_utc(at), category, customer or "", evidence or "", note_id) for at, category, customer, evidence, note_id
            in session.execute(sa_select(Note.received_at, ObjectionMention.category, Customer.name,
                                         ObjectionMention.evidence, Note.id)
                               .join(Note, Note.id == ObjectionMention.note_id)
                               .outerjoin(Customer, Customer.id == Note.customer_id)
                               .where(Note.author_id.in_(authors), Note.received_at >= as_utc(since),
                                      Note.state == "parsed")
                               .order_by(Note.received_at, ObjectionMention.id))]


def rivals_of_notes(*, session: Session, note_ids: Iterable[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    for chunk in _chunks(sorted(set(note_ids))):
        for note_id, name in session.execute(sa_select(CompetitorMention.note_id, CompetitorMention.name)
                                             .where(CompetitorMention.note_id.in_(chunk))):
            found[note_id].append(name)
    return found


# --- stalls and won deals (coaching) ---------------------------------------------------------------

def stage_history(*, session: Session, team_id: int, since: datetime) -> list[tuple]:
    """(deal_id, owner_id, status, changed_at, from_stage, to_stage) of every stage move of the team's
    deals that were open at some point since `since` (created before now, closed after since or open)."""
    touched = sa_select(Deal.id).where(Deal.team_id == team_id,
                                       (Deal.status == "open") | (Deal.closed_at >= as_utc(since)))
    return [(d, o, st, as_utc(at), f, t) for d, o, st, at, f, t in session.execute(
        sa_select(StageChange.deal_id, Deal.owner_id, Deal.status, StageChange.changed_at, StageChange.from_stage,
                  StageChange.to_stage).join(Deal, Deal.id == StageChange.deal_id)
        .where(StageChange.deal_id.in_(touched)).order_by(StageChange.deal_id, StageChange.changed_at,
                                                            StageChange.id))]


def won_deal_stories(*, session: Session, team_id: int, stage: str, limit: int) -> list[dict]:
    """The team's most recently won deals that moved on from `stage`: each with its customer, owner,
    and the objections met (category, evidence, note time) and the notes on the deal after each."""
    passed = sa_select(StageChange.deal_id).where(StageChange.from_stage == stage)
    deals = session.execute(sa_select(Deal.id, Customer.name, Member.name, Deal.amount, Deal.closed_at)
                            .join(Customer, Customer.id == Deal.customer_id).join(Member, Member.id == Deal.owner_id)
                            .where(Deal.team_id == team_id, Deal.status == "won", Deal.id.in_(passed))
                            .order_by(Deal.closed_at.desc(), Deal.id.desc()).limit(limit)).all()
    stories = []
    for deal_id, customer, owner, amount, closed_at in deals:
        notes = session.execute(sa_select(Note.id, Note.received_at, Note.transcript, Note.raw_text)
                                .where(Note.deal_id == deal_id, Note.state == "parsed")
                                .order_by(Note.received_at, Note.id)).all()
        objections = session.execute(sa_select(ObjectionMention.note_id, ObjectionMention.category,
                                                ObjectionMention.evidence)
                                     .where(ObjectionMention.deal_id == deal_id)
                                     .order_by(ObjectionMention.id)).all()
        stories.append({"deal_id": deal_id, "customer": customer, "owner": owner, "amount": amount,
                        "notes": [(i, as_utc(at), t or r or "") for i, at, t, r in notes],
                        "objections": [tuple(o) for o in objections]})
    return stories


# --- the rep capability radar --------------------------------------------------------------------

@dataclass
class RepRows:
    reps: list[tuple] = field(default_factory=list)  # (id, name) of the team's active reps
    notes: dict[int, int] = field(default_factory=dict)
    promises: dict[int, list[tuple]] = field(default_factory=lambda: defaultdict(list))  # (due, state, done_at)
    chain: dict[int, list[tuple]] = field(default_factory=lambda: defaultdict(list))  # (deal, roles set)
    objections: dict[int, list[tuple]] = field(default_factory=lambda: defaultdict(list))  # (deal, at)
    progress: dict[int, list[datetime]] = field(default_factory=lambda: defaultdict(list))  # deal -> forward move times
    quotes: dict[int, dict[int, list[float]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    first_touch: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))  # hours


def rep_rows(*, session: Session, team_id: int, since: datetime, until: datetime, today: date,
             stage_order: Iterable[str]) -> RepRows:
    """Each active rep's record in [since, until): notes, promises due, decision chain of the deals they
    worked, objections and the progress after them, quotes per customer, hours to the first touch of
    claimed leads."""
    rows = RepRows()
    run = session.connection().execute
    rows.reps = [tuple(r) for r in run(sa_select(Member.id, Member.name).where(
        Member.team_id == team_id, Member.role == "rep", Member.active == True)  # noqa: E712
        .order_by(Member.id))]
    ids = [r[0] for r in rows.reps]
    if not ids:
        return rows
    since, until = as_utc(since), as_utc(until)
    # every note a rep sent counts as activity (the (author, received_at) index answers it alone)
    for author_id, n in run(sa_select(Note.author_id, func.count()).where(
            Note.author_id.in_(ids), Note.received_at >= since, Note.received_at < until,
            counted_note()).group_by(Note.author_id)):
        rows.notes[author_id] = n
    for owner_id, due, state, done_at in run(sa_select(
            Commitment.owner_id, Commitment.due_date, Commitment.state, Commitment.done_at).where(
            Commitment.owner_id.in_(ids), Commitment.state.in_(("open", "done")),
            Commitment.due_date >= since.date(), Commitment.due_date < today)):
        rows.promises[owner_id].append((due, state, as_utc(done_at) if done_at else None))
    # the deals each rep worked in the window: touched in it (a note or a move) and open, or closed in it
    worked = and_(Deal.owner_id.in_(ids), Deal.created_at < until,
                  and_(Deal.status == "open", Deal.last_activity_at >= since) | (Deal.closed_at >= since))
    roles: dict[int, set] = defaultdict(set)
    for customer_id, role in run(sa_select(Contact.customer_id, Contact.role)
                                 .join(Deal, Deal.customer_id == Contact.customer_id).where(worked).distinct()):
        roles[customer_id].add(role)
    for deal_id, owner_id, customer_id in run(sa_select(Deal.id, Deal.owner_id, Deal.customer_id).where(worked)):
        rows.chain[owner_id].append((deal_id, frozenset(roles.get(customer_id, ()))))
    # the window on note times is applied here, not in SQL: there SQLite would walk the notes by time
    # instead of the few deals' facts
    for deal_id, owner_id, at in run(sa_select(ObjectionMention.deal_id, Deal.owner_id, Note.received_at)
                                     .select_from(Deal).join(ObjectionMention, ObjectionMention.deal_id == Deal.id)
                                     .join(Note, Note.id == ObjectionMention.note_id).where(worked)):
        if since <= as_utc(at) < until:
            rows.objections[owner_id].append((deal_id, as_utc(at)))
    order = {name: i for i, name in enumerate(stage_order)}
    for deal_id, at, from_stage, to_stage in run(sa_select(
            StageChange.deal_id, StageChange.changed_at, StageChange.from_stage, StageChange.to_stage)
            .join(Deal, Deal.id == StageChange.deal_id).where(worked, StageChange.changed_at >= since)):
        forward = to_stage == "won" or (from_stage in order and to_stage in order and order[to_stage] > order[from_stage])
        if forward:
            rows.progress[deal_id].append(as_utc(at))
    for owner_id, customer_id, amount, at in run(sa_select(Deal.owner_id, Deal.customer_id, MoneyFact.amount,
                                                           Note.received_at)
                                                 .select_from(Deal).join(MoneyFact, MoneyFact.deal_id == Deal.id)
                                                 .join(Note, Note.id == MoneyFact.note_id)
                                                 .where(worked, MoneyFact.kind == "quote")):
        if since <= as_utc(at) < until:
            rows.quotes[owner_id][customer_id].append(amount)
    for owner_id, received, contacted in run(sa_select(Lead.owner_id, Lead.received_at, Lead.contacted_at)
                                             .where(Lead.owner_id.in_(ids), Lead.received_at >= since,
                                                    Lead.received_at < until, Lead.contacted_at.is_not(None))):
        rows.first_touch[owner_id].append(max(0.0, (as_utc(contacted) - as_utc(received)).total_seconds() / 3600))
    return rows


# --- the deal health the desk keeps ------------------------------------------------------------------

def more_open_deals_than(*, session: Session, team_id: int, limit: int) -> bool:
    """Whether the team has more than `limit` open deals (reads at most limit + 1 of them: counting a
    70,000-deal team took a third of a second)."""
    return session.execute(sa_select(Deal.id).where(Deal.team_id == team_id, Deal.status == "open")
                           .limit(1).offset(limit)).first() is not None


def has_admin(*, session: Session) -> bool:
    """Whether any active member is an admin (who alone reads the kept deal health)."""
    return session.execute(sa_select(Member.id).where(Member.role == "admin", Member.active == True)  # noqa: E712
                           .limit(1)).first() is not None


def health_computed_at(*, session: Session, team_id: int) -> datetime | None:
    """When the team's kept deal health was last computed (None: never)."""
    from storage.insight_models import DealHealth

    # every row of a team is written at once with the same time: one row through the team's index says it
    at = session.execute(sa_select(DealHealth.computed_at).where(DealHealth.team_id == team_id).limit(1)).scalar()
    return as_utc(at) if at else None


def keep_health(*, session: Session, team_id: int, rows: list[dict], at: datetime) -> int:
    """Replaces the team's kept deal health with `rows` (deal_id, owner_id, customer, stage, owner,
    score, reasons) in one transaction."""
    from sqlalchemy import delete, insert

    from storage.insight_models import DealHealth

    session.execute(delete(DealHealth).where(DealHealth.team_id == team_id))
    if rows:
        values = [{**r, "team_id": team_id, "computed_at": as_utc(at)} for r in rows]
        for i in range(0, len(values), 5000):
            session.execute(insert(DealHealth), values[i:i + 5000])
    session.commit()
    return len(rows)


def kept_health(*, session: Session, team_id: int, limit: int, below: int,
                owner_ids: Iterable[int] | None = None) -> tuple[list[tuple], int, int]:
    """The team's kept deal health (of `owner_ids`' deals; None: all): (the `limit` lowest as
    (deal_id, customer, stage, owner, score, reasons), how many deals, how many below `below`)."""
    from storage.insight_models import DealHealth

    in_team = DealHealth.team_id == team_id
    if owner_ids is not None:
        in_team = and_(in_team, DealHealth.owner_id.in_(list(owner_ids)))
    lowest = [tuple(r) for r in session.execute(
        sa_select(DealHealth.deal_id, DealHealth.customer, DealHealth.stage, DealHealth.owner, DealHealth.score,
                  DealHealth.reasons).where(in_team).order_by(DealHealth.score, DealHealth.deal_id).limit(limit))]
    count = session.execute(sa_select(func.count()).where(in_team)).scalar() or 0
    low = session.execute(sa_select(func.count()).where(in_team, DealHealth.score < below)).scalar() or 0
    return lowest, count, low

def kept_scores(*, session: Session, deal_ids: Iterable[int]) -> dict[int, tuple[int, list[str]]]:
    """deal id -> (score, reasons) the desk keeps for those deals (the ones it keeps)."""
    from storage.insight_models import DealHealth

    found = {}
    for chunk in _chunks(sorted(set(deal_ids))):
        for deal_id, score, reasons in session.execute(sa_select(DealHealth.deal_id, DealHealth.score,
                                                                 DealHealth.reasons)
                                                       .where(DealHealth.deal_id.in_(chunk))):
            found[deal_id] = (score, list(reasons or []))
    return found


def teams_of_deals(*, session: Session, deal_ids: Iterable[int]) -> list[int]:
    """The teams those deals belong to."""
    teams: set[int] = set()
    for chunk in _chunks(sorted(set(deal_ids))):
        teams.update(session.execute(sa_select(Deal.team_id).where(Deal.id.in_(chunk)).distinct()).scalars())
    return sorted(teams)


# --- forecast accuracy --------------------------------------------------------------------------------

def forecast_deal_rows(*, session: Session, team_id: int) -> list[tuple]:
    """The team's open deals with an expected close: (owner_id, amount, stage, expected_close,
    expected_close_end)."""
    run = session.connection().execute
    return [tuple(r) for r in run(sa_select(Deal.owner_id, Deal.amount, Deal.stage, Deal.expected_close,
                                            Deal.expected_close_end)
                                  .where(Deal.team_id == team_id, Deal.status == "open",
                                         Deal.expected_close.is_not(None)))]


def has_forecast(*, session: Session, team_id: int, month: date) -> bool:
    """Whether a forecast of the team for `month` is stored."""
    from storage.insight_models import ForecastSnapshot

    return session.execute(sa_select(ForecastSnapshot.id).where(ForecastSnapshot.team_id == team_id,
                                                                ForecastSnapshot.month == month).limit(1)).first() \
        is not None


def store_forecast(*, session: Session, team_id: int, month: date, rows: list[dict], at: datetime) -> int:
    """Stores the team's forecast for `month`: a row per owner (owner_id, deals, amount, weighted).
    When another sweep stored it first (the unique key), nothing is written."""
    from sqlalchemy.exc import IntegrityError

    from storage.insight_models import ForecastSnapshot

    try:
        for r in rows:
            session.add(ForecastSnapshot(team_id=team_id, month=month, taken_at=as_utc(at), **r))
        session.commit()
    except IntegrityError:
        session.rollback()
        return 0
    return len(rows)


def forecasts(*, session: Session, months: list[date], owner_ids: Iterable[int] | None) -> dict[date, float]:
    """month -> the weighted forecast stored for it, summed over `owner_ids` (None: everyone's)."""
    from storage.insight_models import ForecastSnapshot

    query = (sa_select(ForecastSnapshot.month, func.sum(ForecastSnapshot.weighted))
             .where(ForecastSnapshot.month.in_(months)).group_by(ForecastSnapshot.month))
    if owner_ids is not None:
        query = query.where(ForecastSnapshot.owner_id.in_(list(owner_ids)))
    return {month: float(weighted or 0.0) for month, weighted in session.connection().execute(query)}


def won_amounts(*, session: Session, since: datetime, until: datetime,
                owner_ids: Iterable[int] | None) -> list[tuple[datetime, float]]:
    """(closed_at, amount) of the deals won in [since, until) by `owner_ids` (None: everyone)."""
    query = sa_select(Deal.closed_at, Deal.amount).where(Deal.status == "won", Deal.closed_at >= as_utc(since),
                                                         Deal.closed_at < as_utc(until))
    if owner_ids is not None:
        query = query.where(Deal.owner_id.in_(list(owner_ids)))
    return [(as_utc(at), float(amount or 0.0)) for at, amount in session.connection().execute(query)]


# --- the rep radars the desk keeps for large teams -------------------------------------------------------

def keep_radars(*, session: Session, team_id: int, rows: list[tuple[int, dict]], at: datetime) -> int:
    """Replaces the team's kept radars with `rows` of (member_id, radar as JSON) in one transaction."""
    from sqlalchemy import delete, insert

    from storage.insight_models import RepRadar

    session.execute(delete(RepRadar).where(RepRadar.team_id == team_id))
    if rows:
        session.execute(insert(RepRadar), [{"member_id": m, "team_id": team_id, "radar": r, "computed_at": as_utc(at)}
                                           for m, r in rows])
    session.commit()
    return len(rows)


def kept_radar(*, session: Session, member_id: int) -> tuple[dict, datetime] | None:
    """(the member's kept radar as JSON, when it was computed), or None."""
    from storage.insight_models import RepRadar

    row = session.execute(sa_select(RepRadar.radar, RepRadar.computed_at)
                          .where(RepRadar.member_id == member_id)).first()
    return (dict(row[0] or {}), as_utc(row[1])) if row else None
