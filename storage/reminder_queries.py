"""What the reminders read and write: a team's state as plain rows (reminders.state turns them into
the rules' values; storage never imports reminders), the outbox rows of scheduled notifications, and
the weekly summary. Keyword-only functions that take a session.

Scheduled notifications live in the Notification table (storage.models) with their dedupe key; the
conversation's own rows there (cards, inbound claims) have keys starting "sent:" / "in:" and are
written already sent, so the pending query below never sees them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Iterable
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, insert, select as sa_select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from storage.models import (Commitment, CompetitorMention, Customer, Deal, Member, MoneyFact, Note, Notification,
                            ObjectionMention, Team, as_utc, utcnow)

CHUNK = 500  # keys per IN (...) query


def teams(*, session: Session) -> list[Team]:
    return list(session.exec(select(Team).order_by(Team.id)).all())


def members(*, session: Session, team_id: int) -> list[tuple]:
    """(id, name, role, manager_id, active) of the team's members."""
    return [tuple(row) for row in session.execute(
        sa_select(Member.id, Member.name, Member.role, Member.manager_id, Member.active)
        .where(Member.team_id == team_id).order_by(Member.id))]


def open_promises(*, session: Session, team_id: int, until: date, since: date | None = None) -> list[tuple]:
    """(id, owner_id, kind, due_date, text, customer, created_at) of the team's open commitments due
    from `since` (None: any day) to `until`."""
    query = (sa_select(Commitment.id, Commitment.owner_id, Commitment.kind, Commitment.due_date, Commitment.text,
                       Customer.name, Commitment.created_at)
             .join(Member, Member.id == Commitment.owner_id)
             .outerjoin(Customer, Customer.id == Commitment.customer_id)
             .where(Commitment.state == "open", Commitment.due_date <= until, Member.team_id == team_id))
    if since is not None:
        query = query.where(Commitment.due_date >= since)
    return [(i, o, k, d, t or "", c, as_utc(at) if at else None) for i, o, k, d, t, c, at in session.execute(query)]


def promises_made(*, session: Session, team_id: int, since: datetime) -> list[tuple]:
    """open_promises' rows of the team's open commitments promised (created) since `since`, any due day:
    what the evening recap lists."""
    query = (sa_select(Commitment.id, Commitment.owner_id, Commitment.kind, Commitment.due_date, Commitment.text,
                       Customer.name, Commitment.created_at)
             .join(Member, Member.id == Commitment.owner_id)
             .outerjoin(Customer, Customer.id == Commitment.customer_id)
             .where(Commitment.state == "open", Commitment.created_at >= as_utc(since), Member.team_id == team_id))
    return [(i, o, k, d, t or "", c, as_utc(at) if at else None) for i, o, k, d, t, c, at in session.execute(query)]


def open_deals(*, session: Session, team_id: int) -> list[tuple]:
    """(id, owner_id, customer, stage, stage_entered_at, last_activity_at) of the team's open deals."""
    query = (sa_select(Deal.id, Deal.owner_id, Customer.name, Deal.stage, Deal.stage_entered_at, Deal.last_activity_at)
             .join(Customer, Customer.id == Deal.customer_id)
             .where(Deal.team_id == team_id, Deal.status == "open"))
    return [(i, o, c, s, as_utc(e), as_utc(a)) for i, o, c, s, e, a in session.execute(query)]


def recent_mentions(*, session: Session, team_id: int, since: datetime, big_deal_yuan: float) -> list[tuple]:
    """(kind, note_id, deal_id, author_id, at, value, amount, customer) of the facts the alerts look at: big budgets/quotes and competitors of notes since `since`, and every
    objection of the (deal, category) pairs raised again since then (a count needs them all)."""
    in_team = and_(Member.team_id == team_id, Note.state == "parsed")
    mentions: list[tuple] = []
    money = (sa_select(MoneyFact.note_id, MoneyFact.deal_id, Note.author_id, Note.received_at, MoneyFact.kind,
                       MoneyFact.amount, Customer.name)
             .join(Note, Note.id == MoneyFact.note_id).join(Member, Member.id == Note.author_id)
             .outerjoin(Customer, Customer.id == MoneyFact.customer_id)
             .where(in_team, Note.received_at >= since, MoneyFact.kind.in_(("budget", "quote")),
                    MoneyFact.amount >= big_deal_yuan))
    for note_id, deal_id, author, at, kind, amount, customer in session.execute(money):
        mentions.append(("money", note_id, deal_id, author, as_utc(at), kind, amount, customer))
    rivals = (sa_select(CompetitorMention.note_id, CompetitorMention.deal_id, Note.author_id, Note.received_at,
                        CompetitorMention.name, Customer.name)
              .join(Note, Note.id == CompetitorMention.note_id).join(Member, Member.id == Note.author_id)
              .outerjoin(Customer, Customer.id == CompetitorMention.customer_id)
              .where(in_team, Note.received_at >= since, CompetitorMention.deal_id.is_not(None)))
    for note_id, deal_id, author, at, name, customer in session.execute(rivals):
        mentions.append(("competitor", note_id, deal_id, author, as_utc(at), name, None, customer))
    recent = (sa_select(ObjectionMention.deal_id, ObjectionMention.category)
              .join(Note, Note.id == ObjectionMention.note_id).join(Member, Member.id == Note.author_id)
              .where(in_team, Note.received_at >= since, ObjectionMention.deal_id.is_not(None)).distinct())
    pairs = set(session.execute(recent).all())
    if pairs:
        deal_ids = sorted({d for d, _ in pairs})
        for chunk in _chunks(deal_ids):
            every = (sa_select(ObjectionMention.note_id, ObjectionMention.deal_id, Note.author_id, Note.received_at,
                               ObjectionMention.category, Customer.name)
                     .join(Note, Note.id == ObjectionMention.note_id)
                     .outerjoin(Customer, Customer.id == ObjectionMention.customer_id)
                     .where(Note.state == "parsed", ObjectionMention.deal_id.in_(chunk)))
            for note_id, deal_id, author, at, category, customer in session.execute(every):
                if (deal_id, category) in pairs:
                    mentions.append(("objection", note_id, deal_id, author, as_utc(at), category, None,
                                            customer))
    return mentions


# --- the outbox ---------------------------------------------------------------------------------

def existing_keys(*, session: Session, keys: Iterable[str]) -> set[str]:
    """Which of these dedupe keys are in the outbox already (sent or not)."""
    found: set[str] = set()
    for chunk in _chunks(sorted(set(keys))):
        found.update(session.execute(sa_select(Notification.dedupe_key)
                                     .where(Notification.dedupe_key.in_(chunk))).scalars())
    return found


def release_lease(*, session: Session, name: str, holder: str, now: datetime) -> None:
    """Ends `holder`'s lease as of `now` (the scheduler's clock), so another process may sweep."""
    from storage.models import Lease

    session.execute(update(Lease).where(Lease.name == name, Lease.holder == holder)
                    .values(expires_at=as_utc(now) - timedelta(seconds=1)))
    session.commit()


def has_key_prefix(*, session: Session, prefix: str) -> bool:
    """Whether any outbox key starts with `prefix` (e.g. this Monday's report of a team)."""
    return session.execute(sa_select(Notification.id).where(
        Notification.dedupe_key.startswith(prefix, autoescape=True)).limit(1)).first() is not None


def write_outbox(*, session: Session, notices) -> int:
    """Writes notices (reminders.rules.Notice) unsent, each under its unique dedupe key; a key that is
    there already (another process wrote it) is skipped. Committed before anything is sent."""
    rows = [dict(kind=n.kind, recipient_id=n.recipient_id, subject=n.subject[:200], text=n.text,
                 send_at=as_utc(n.send_at), sent_at=None, dedupe_key=n.dedupe_key, created_at=utcnow())
            for n in notices]
    if not rows:
        return 0
    try:
        session.execute(insert(Notification), rows)
        session.commit()
        return len(rows)
    except IntegrityError:  # someone wrote one of them first: one by one, skipping theirs
        session.rollback()
    written = 0
    for row in rows:
        try:
            session.execute(insert(Notification), [row])
            session.commit()
            written += 1
        except IntegrityError:
            session.rollback()
    return written


@dataclass(frozen=True)
class Pending:
    """An outbox row not sent yet."""
    id: int
    kind: str
    recipient_id: int
    recipient: str
    team_id: int
    subject: str
    text: str
    send_at: datetime  # UTC
    dedupe_key: str


SCHEDULED_KINDS = ("nudge", "digest", "escalation", "alert", "report", "recap")


def pending(*, session: Session, now: datetime, limit: int | None = None,
            kinds: Iterable[str] = SCHEDULED_KINDS) -> list[Pending]:
    """Scheduled notifications of these kinds due at `now` and not sent, in send-time order."""
    query = (sa_select(Notification.id, Notification.kind, Notification.recipient_id, Member.name, Member.team_id,
                       Notification.subject, Notification.text, Notification.send_at, Notification.dedupe_key)
             .join(Member, Member.id == Notification.recipient_id)
             .where(Notification.sent_at.is_(None), Notification.send_at <= as_utc(now),
                    Notification.kind.in_(list(kinds)))
             .order_by(Notification.send_at, Notification.id))
    if limit:
        query = query.limit(limit)
    return [Pending(i, k, r, n, t, s, x, as_utc(at), d) for i, k, r, n, t, s, x, at, d in session.execute(query)]


def mark_sent(*, session: Session, ids: Iterable[int], at: datetime | None = None) -> int:
    """Marks rows sent unless they already were (compare-and-set); returns how many this call marked."""
    marked = 0
    for chunk in _chunks(sorted(set(ids))):
        marked += session.execute(update(Notification).where(Notification.id.in_(chunk),
                                                             Notification.sent_at.is_(None))
                                  .values(sent_at=as_utc(at) if at else utcnow())).rowcount
    session.commit()
    return marked


def sent_at(*, session: Session, keys: Iterable[str]) -> dict[str, datetime | None]:
    """Each key's sent time (None: written, not sent yet); keys not in the outbox are left out."""
    found: dict[str, datetime | None] = {}
    for chunk in _chunks(sorted(set(keys))):
        for key, at in session.execute(sa_select(Notification.dedupe_key, Notification.sent_at)
                                       .where(Notification.dedupe_key.in_(chunk))):
            found[key] = as_utc(at) if at else None
    return found


# --- the weekly summary (until the reports issue brings the real report) --------------------------

def weekly_summary(*, session: Session, team: Team, now: datetime) -> str:
    """A plain text summary of the last 7 days and the open pipeline, for the Monday report."""
    from storage.queries import team_activity

    start = as_utc(now) - timedelta(days=7)
    ids = [row[0] for row in members(session=session, team_id=team.id)]
    lines = [f"📊 {team.name} 周报（近 7 天）"]
    for a in team_activity(session=session, member_ids=ids, start=start, end=as_utc(now)):
        if a.notes or a.commitments_made or a.commitments_done or a.won or a.lost:
            lines.append(f"· {a.name}：笔记 {a.notes} 条，新承诺 {a.commitments_made} 项，完成 {a.commitments_done} 项，"
                         f"赢单 {a.won}，丢单 {a.lost}")
    if len(lines) == 1:
        lines.append("· 本周没有新的记录。")
    stages = session.execute(sa_select(Deal.stage, func.count(), func.coalesce(func.sum(Deal.amount), 0.0))
                             .where(Deal.team_id == team.id, Deal.status == "open").group_by(Deal.stage)).all()
    if stages:
        lines.append("进行中的商机：" + "；".join(f"{stage} {count} 个" + (f"（{amount / 10_000:,.0f}万元）" if amount else "")
                                          for stage, count, amount in sorted(stages, key=lambda r: -r[1])))
    overdue = session.execute(sa_select(func.count()).select_from(Commitment).join(Member, Member.id == Commitment.owner_id)
                              .where(Member.team_id == team.id, Commitment.state == "open",
                                     Commitment.due_date < as_utc(now).astimezone(ZoneInfo(team.timezone)).date())).scalar()
    lines.append(f"逾期未完成的承诺：{overdue} 项")
    return "\n".join(lines)


def _chunks(values: list, size: int = CHUNK):
    for i in range(0, len(values), size):
        yield values[i:i + size]
