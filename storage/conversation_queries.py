"""What the conversation needs from the database beyond storage's notes/teams/deals/outbox modules:
delivery claims for messages that are not notes, the record of cards sent, and the plain lists the chat
commands show. Visibility by role is storage.queries.visible_member_ids, the one rule for everything. Keyword-only functions that take a session; storage's models only.

Cards and claims live in the Notification table with `sent_at` already set, so the scheduler's
due query never picks them up:
- kind "card": a card shown to the author; subject "note:<id>", dedupe key "sent:<channel>:<chat>:<msg>".
- kind "inbound": a command or correction received; dedupe key "in:<channel>:<chat>:<msg>".
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, delete, exists, func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from storage import claims, history
from storage.lead_models import ContractEnd
from storage.notes import drop_if_orphan
from storage.dialogue_models import Question
from storage.models import (NOTE_FACT_TABLES, RETRACTED, ChannelAccount, Commitment, CompetitorMention, Contact, Customer, Deal, Item, Member,
                            Note, Notification, Team, as_utc, utcnow)

CONTEXT_KINDS = ("card", "nudge")
CONTEXT_LOOKBACK = 20   # recent cards looked through for the latest live one


# Built once: a statement built per call costs more CPU than running it (every message waits for it).
_ASKED = exists().where(Question.member_id == Member.id, Question.closed_at.is_(None),
                        Question.asked_at >= bindparam("asked_since"))
_SENDER = (select(Member.id, Member.name, Member.role, Team.id, Team.timezone, Team.industry, _ASKED.label("asked"))
           .join(ChannelAccount, ChannelAccount.member_id == Member.id).join(Team, Team.id == Member.team_id)
           .where(ChannelAccount.channel == bindparam("channel"), ChannelAccount.external_id == bindparam("account"),
                  Member.active.is_(True)))
_ACCOUNT_MEMBER = (select(Member.name, Member.role, Team.name)
                   .join(ChannelAccount, ChannelAccount.member_id == Member.id).join(Team, Team.id == Member.team_id)
                   .where(ChannelAccount.channel == bindparam("channel"),
                          ChannelAccount.external_id == bindparam("account"), Member.active.is_(True)))


def sender(*, session: Session, channel: str, external_id: str, asked_since: datetime):
    """The active member behind a chat account with their team's timezone and industry, and whether
    they have a question open since `asked_since` — one query, which every inbound message waits for
    before it is acknowledged. A row (member_id, name, role, team_id, timezone, industry, asked) or None."""
    return session.execute(_SENDER, {"channel": channel, "account": str(external_id),
                                     "asked_since": as_utc(asked_since)}).first()


def account_member(*, session: Session, channel: str, external_id: str):
    """(name, role, team name) of the active member behind a chat account, or None: one query."""
    return session.execute(_ACCOUNT_MEMBER, {"channel": channel, "account": str(external_id)}).first()


def claim_delivery(*, session: Session, member_id: int, key: str, text: str = "",
                   at: datetime | None = None) -> bool:
    """Records a non-note message once; False when this delivery was claimed before."""
    at = as_utc(at) if at else utcnow()
    dedupe = f"in:{key}"[:200]
    if session.exec(select(Notification.id).where(Notification.dedupe_key == dedupe)).first():
        return False
    session.add(Notification(kind="inbound", recipient_id=member_id, subject="", text=text[:500],
                             send_at=at, sent_at=at, dedupe_key=dedupe))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return False
    return True


def record_card(*, session: Session, member_id: int, note_id: int, sent_key: str, text: str,
                kind: str = "card", at: datetime | None = None) -> None:
    """Remembers that a card about a note was shown, and as which channel message."""
    record_sent(session=session, member_id=member_id, subject=f"note:{note_id}", sent_key=sent_key, text=text,
                kind=kind, at=at)


def record_sent(*, session: Session, member_id: int, subject: str, sent_key: str, text: str,
                kind: str = "nudge", at: datetime | None = None) -> None:
    """Remembers a message shown to a member about `subject` ("note:12", "commitment:7"), so a reply
    to it (or a short answer soon after) refers to that subject."""
    at = as_utc(at) if at else utcnow()
    dedupe = f"sent:{sent_key}"[:200]
    if session.exec(select(Notification.id).where(Notification.dedupe_key == dedupe)).first():
        return
    session.add(Notification(kind=kind, recipient_id=member_id, subject=subject[:200], text=text[:2000],
                             send_at=at, sent_at=at, dedupe_key=dedupe))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()


def card_for_message(*, session: Session, sent_key: str) -> Notification | None:
    """The card or nudge that a channel message (the reply-to target) was."""
    return session.exec(select(Notification).where(Notification.dedupe_key == f"sent:{sent_key}"[:200])).first()


def latest_context(*, session: Session, member_id: int, since: datetime) -> Notification | None:
    """The last card or nudge sent to the member since `since` whose note is still live: what a short
    reply refers to. A withdrawn note's card is passed over (a correction after 撤回 means the card
    before it), so is one about a note that is gone."""
    recent = session.exec(select(Notification).where(
        Notification.recipient_id == member_id, Notification.kind.in_(CONTEXT_KINDS),
        Notification.sent_at.is_not(None), Notification.sent_at >= as_utc(since))
        .order_by(Notification.sent_at.desc(), Notification.id.desc()).limit(CONTEXT_LOOKBACK)).all()
    note_ids = {int(n.subject[5:]) for n in recent if n.subject.startswith("note:") and n.subject[5:].isdigit()}
    live = set(session.exec(select(Note.id).where(Note.id.in_(note_ids), or_(
        Note.error.is_(None), Note.error != RETRACTED))).all()) if note_ids else set()
    for found in recent:
        kind, _, ident = found.subject.partition(":")
        if kind != "note" or (ident.isdigit() and int(ident) in live):
            return found
    return None


def card_before(*, session: Session, note: Note, since: datetime) -> Note | None:
    """The note whose card was the last card or nudge its author was shown before `note` arrived
    (since `since`), when it is another note of theirs that was not withdrawn."""
    found = session.exec(select(Notification).where(
        Notification.recipient_id == note.author_id, Notification.kind.in_(CONTEXT_KINDS),
        Notification.sent_at.is_not(None), Notification.sent_at >= as_utc(since),
        Notification.sent_at <= as_utc(note.received_at), Notification.subject != f"note:{note.id}")
        .order_by(Notification.sent_at.desc(), Notification.id.desc())).first()
    kind, _, ident = (found.subject if found else "").partition(":")
    if kind != "note" or not ident.isdigit():
        return None
    before = session.get(Note, int(ident))
    if before is None or before.author_id != note.author_id or before.error == "retracted" or before.state != "parsed":
        return None
    return before


def retract_note(*, session: Session, note: Note) -> Note:
    """撤回: the note's facts and open commitments go, and the note leaves its customer and deal, so it
    is counted and listed nowhere; a deal, customer or contact that only this note had made goes too
    (one with other notes stays). The raw note stays, marked as retracted; its id and its
    commitments' ids are never given again (storage.models: AUTOINCREMENT on SQLite)."""
    if note.error == RETRACTED:
        return note
    history.note_withdrawn(session=session, note=note)  # what it said and which commitments went
    for table in NOTE_FACT_TABLES:
        session.execute(delete(table).where(table.note_id == note.id))
    session.execute(delete(Commitment).where(Commitment.note_id == note.id, Commitment.state == "open"))
    session.execute(delete(ContractEnd).where(ContractEnd.note_id == note.id))
    claims.cancel_for_note(session=session, note_id=note.id)   # a 撞单 it raised has no ground left
    deal_id, customer_id, contact_id = note.deal_id, note.customer_id, note.contact_id
    note.state, note.error = "failed", RETRACTED
    note.deal_id = note.customer_id = note.contact_id = None
    session.add(note)
    drop_if_orphan(session, deal_id, customer_id, note, contact_id=contact_id)
    session.commit()
    return note


# --- what the commands show ---------------------------------------------------------------------

@dataclass
class CommitmentRow:
    id: int
    due_date: date
    kind: str
    state: str
    owner: str
    customer: str | None
    text: str


def commitment_rows(*, session: Session, owner_ids: set[int], until: date | None = None,
                    states: tuple[str, ...] = ("open",), limit: int = 30) -> list[CommitmentRow]:
    query = (select(Commitment, Member.name, Customer.name)
             .join(Member, Member.id == Commitment.owner_id)
             .join(Customer, Customer.id == Commitment.customer_id, isouter=True)
             .where(Commitment.owner_id.in_(owner_ids), Commitment.state.in_(states)))
    if until is not None:
        query = query.where(Commitment.due_date <= until)
    rows = session.exec(query.order_by(Commitment.due_date, Commitment.id).limit(limit)).all()
    return [CommitmentRow(c.id, c.due_date, c.kind, c.state, owner, customer, c.text) for c, owner, customer in rows]


def find_customers(*, session: Session, team_ids: set[int], name: str, limit: int = 5) -> list[Customer]:
    """Customers whose name, or a contact's name, contains `name`."""
    pattern = f"%{name.strip()}%"
    by_contact = select(Contact.customer_id).where(Contact.name.like(pattern))
    return list(session.exec(select(Customer).where(
        Customer.team_id.in_(team_ids), (Customer.name.like(pattern)) | (Customer.id.in_(by_contact)))
        .order_by(Customer.id).limit(limit)).all())


def customer_timeline(*, session: Session, customer_id: int, author_ids: set[int], limit: int = 5):
    """(deals, contacts, latest notes, open commitments) of one customer, within what the viewer sees."""
    deals = list(session.exec(select(Deal).where(Deal.customer_id == customer_id,
                                                 Deal.owner_id.in_(author_ids)).order_by(Deal.id)).all())
    contacts = list(session.exec(select(Contact).where(Contact.customer_id == customer_id)).all())
    notes = list(session.exec(select(Note).where(
        Note.customer_id == customer_id, Note.author_id.in_(author_ids), Note.state == "parsed")
        .order_by(Note.received_at.desc()).limit(limit)).all())
    commitments = list(session.exec(select(Commitment).where(
        Commitment.customer_id == customer_id, Commitment.owner_id.in_(author_ids),
        Commitment.state == "open").order_by(Commitment.due_date)).all())
    return deals, contacts, notes, commitments


def open_deals(*, session: Session, owner_ids: set[int]) -> list[tuple[Deal, str, str]]:
    """Open deals with their customer and owner names."""
    return list(session.exec(select(Deal, Customer.name, Member.name)
                             .join(Customer, Customer.id == Deal.customer_id)
                             .join(Member, Member.id == Deal.owner_id)
                             .where(Deal.owner_id.in_(owner_ids), Deal.status == "open")
                             .order_by(Deal.id)).all())


def week_activity(*, session: Session, member_ids: set[int], since: datetime) -> list[tuple[str, int, int, int]]:
    """Per member since `since`: (name, notes, commitments created, commitments done)."""
    rows = []
    for member in session.exec(select(Member).where(Member.id.in_(member_ids)).order_by(Member.id)).all():
        notes = session.exec(select(func.count()).select_from(Note).where(
            Note.author_id == member.id, Note.state == "parsed", Note.received_at >= as_utc(since))).one()
        made = session.exec(select(func.count()).select_from(Commitment).where(
            Commitment.owner_id == member.id, Commitment.created_at >= as_utc(since))).one()
        done = session.exec(select(func.count()).select_from(Commitment).where(
            Commitment.owner_id == member.id, Commitment.state == "done",
            Commitment.done_at >= as_utc(since))).one()
        rows.append((member.name, notes, made, done))
    return rows


def team_catalogue(*, session: Session, team_id: int, limit: int = 300) -> list[str]:
    """Names the team has used (customers, contacts, products, competitors), the newest `limit` of
    each kind: speech hotwords and the catalogue transcripts are corrected against."""
    names: list[str] = []
    names += session.exec(select(Customer.name).where(Customer.team_id == team_id)
                          .order_by(Customer.id.desc()).limit(limit)).all()
    names += session.exec(select(Contact.name).join(Customer, Customer.id == Contact.customer_id)
                          .where(Customer.team_id == team_id).order_by(Contact.id.desc()).limit(limit)).all()
    names += session.exec(select(Item.product).join(Customer, Customer.id == Item.customer_id)
                          .where(Customer.team_id == team_id, Item.product.is_not(None)).distinct().limit(limit)).all()
    names += session.exec(select(CompetitorMention.name).join(Customer, Customer.id == CompetitorMention.customer_id)
                          .where(Customer.team_id == team_id).distinct().limit(limit)).all()
    return list(dict.fromkeys(n for n in names if n))[:limit]


def stale_since(days: int, now: datetime | None = None) -> datetime:
    return (as_utc(now) if now else utcnow()) - timedelta(days=days)


def team_of(*, session: Session, member: Member) -> Team:
    return session.get(Team, member.team_id)


def organisation_names(*, session: Session, team_id: int, limit: int = 5000) -> set[str]:
    """The team's customers that are organisations (imported or met): 客户是X names one of these."""
    return set(session.exec(select(Customer.name).where(Customer.team_id == team_id, Customer.is_person == False)  # noqa: E712
                            .order_by(Customer.id.desc()).limit(limit)).all())
