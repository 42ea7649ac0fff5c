"""Note ingest in two phases, so nothing a rep says is lost.

1. record_inbound(): the raw note (text or audio reference, channel message id, time) is committed
   before any parsing. The same (channel, channel_message_id) is stored once.
2. apply_extraction(): one transaction links the note to customer / contact / deal and writes its
   items, commitments, mentions and money facts. A crash in between leaves the note received (or
   transcribed) with none of its rows; unfinished_notes() lists it for processing again.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, literal, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from storage import history
from storage.names import clean_name
from storage.deals import open_deal, refresh_amount
from storage.models import (NOTE_FACT_TABLES, UNFINISHED_STATES, Commitment, CompetitorMention, Contact, Customer, Deal,
                            Item, Member, MoneyFact, Note, ObjectionMention, RiskMention, StageChange, Team,
                            as_utc, utcnow)
from storage.stages import Stage

# Longest first: 总经理 before 经理, 护士长 before 长.
TITLES = sorted(["总", "老总", "总经理", "董事长", "董", "老板", "厂长", "院长", "局长", "校长", "书记",
                 "处长", "处", "经理", "主任", "主管", "总监", "科长", "部长", "总工", "采购", "工",
                 "师傅", "护士长", "老师", "医生", "姐", "哥", "秘书", "助理", "会计"], key=len, reverse=True)
DECISION_MAKER_TITLES = {"总", "老总", "总经理", "董事长", "董", "老板", "厂长", "院长", "局长", "校长",
                         "书记", "处长", "处"}
INFLUENCER_TITLES = {"经理", "主任", "主管", "总监", "科长", "部长", "总工", "采购"}
USER_TITLES = {"工", "师傅", "护士长", "老师", "医生"}
COMMITMENT_KINDS = {"delivery", "followup", "meeting", "payment", "trial", "deadline", "other"}


def name_key(text: str) -> str:
    """Matching form of a name: no control or bidi characters, NFKC, lower case, no whitespace."""
    return "".join(unicodedata.normalize("NFKC", clean_name(text)).lower().split())


def split_title(name: str) -> str:
    """The title part of a contact name as said (张总 -> 总, 范处长 -> 处长); '' for a plain name."""
    for title in TITLES:
        if name.endswith(title) and len(name) > len(title):
            return title
    return ""


def guess_role(title: str) -> str:
    """A first guess at the decision-chain role from the title; the chat can correct it."""
    if title in DECISION_MAKER_TITLES:
        return "decision_maker"
    if title in INFLUENCER_TITLES:
        return "influencer"
    if title in USER_TITLES:
        return "user"
    return "unknown"


# --- phase 1: record ---------------------------------------------------------------------------

class Inbound(NamedTuple):
    note: Note
    duplicate: bool  # True: this delivery was seen before; `note` is the stored one


def record_inbound(*, session: Session, author_id: int, channel: str, channel_message_id: str | None,
                   received_at: datetime | None = None, text: str | None = None,
                   audio_ref: str | None = None, also=None) -> Inbound:
    """Stores the raw note durably (committed) before any parsing; a repeated delivery is not stored
    (the unique delivery key refuses it: no read before the insert). `also(session, note)` runs in the
    same transaction once the note has its id (the queue defers the note's first job there)."""
    key = None if channel_message_id is None else str(channel_message_id)
    note = Note(author_id=author_id, channel=channel, channel_message_id=key,
                received_at=as_utc(received_at) if received_at else utcnow(), raw_text=text,
                audio_ref=audio_ref, state="received")
    session.add(note)
    try:
        session.flush()
    except IntegrityError:  # delivered before (or the same delivery raced in from another process)
        session.rollback()
        existing = _find_delivery(session, channel, key)
        if existing is None:
            raise
        return Inbound(existing, True)
    if also is not None:
        also(session, note)
    session.commit()
    return Inbound(note, False)


def _find_delivery(session: Session, channel: str, message_id: str | None) -> Note | None:
    if message_id is None:
        return None
    return session.exec(select(Note).where(Note.channel == channel,
                                           Note.channel_message_id == message_id)).first()


def mark_transcribed(*, session: Session, note: Note, transcript: str) -> Note:
    note.transcript = transcript
    note.state = "transcribed"
    note.error = None
    session.add(note)
    session.commit()
    return note


def mark_failed(*, session: Session, note: Note, error: str) -> Note:
    """Keeps the note (and its raw text or audio) with the reason; it is not retried automatically."""
    note.state = "failed"
    note.error = (error or "")[:2000]
    session.add(note)
    session.commit()
    return note


# --- the note's path as steps (bot/pipeline.py): each advances the state with a compare-and-set ----

def advance(*, session: Session, note_id: int, frm: tuple[str, ...], to: str, commit: bool = True,
            **values) -> bool:
    """Moves the note from one of `frm` to `to` (and sets `values`) unless another run already moved
    it: one conditional UPDATE, which SQLite and PostgreSQL apply atomically. True when this call did."""
    moved = session.execute(update(Note).where(Note.id == note_id, Note.state.in_(frm))
                            .values(state=to, **values).execution_options(synchronize_session=False)).rowcount
    if commit:
        session.commit()
    _refresh(session, note_id)
    return moved == 1


def transcribed(*, session: Session, note_id: int, transcript: str) -> bool:
    """received -> transcribed with the transcript; False when the note was past that already."""
    return advance(session=session, note_id=note_id, frm=("received",), to="transcribed",
                   transcript=transcript, error=None)


def failed(*, session: Session, note_id: int, error: str, frm: tuple[str, ...] = UNFINISHED_STATES) -> bool:
    """An unfinished note -> failed with the reason (kept with its text or audio, not retried)."""
    return advance(session=session, note_id=note_id, frm=frm, to="failed", error=(error or "")[:2000])


def store_parsed(*, session: Session, note_id: int, extraction: dict[str, Any], stages: list[Stage],
                 frm: tuple[str, ...] = UNFINISHED_STATES) -> Applied | None:
    """The parse step's write: moves the note out of `frm` and stores its extraction in the same
    transaction; None (nothing written) when another run already stored it."""
    try:
        claimed = session.execute(update(Note).where(Note.id == note_id, Note.state.in_(frm))
                                  .values(error=None).execution_options(synchronize_session=False)).rowcount
        if claimed != 1:
            session.rollback()
            return None
        note = _refresh(session, note_id)
        before = history.snapshot(note)
        parts = note_parts(extraction)
        result = _apply(session, note, parts[0] if parts else extraction, stages, None, False)
        if parts:
            note.part = 1
            session.add(note)
            for number, part in enumerate(parts[1:], 2):
                _apply(session, _part_note(session, note, number), part, stages, None, False)
        history.note_changed(session=session, note=note, before=before)
        session.commit()
        return result
    except BaseException:
        session.rollback()
        raise


def note_parts(extraction: dict[str, Any]) -> list[dict]:
    """The parser's `parts` when the note is about two or more customers (each an extraction of its
    own, with the clause text it came from); [] for a note about one."""
    parts = [p for p in _dicts(extraction.get("parts")) if p]
    return parts if len(parts) > 1 else []


def _part_note(session: Session, note: Note, number: int) -> Note:
    """Part `number` of a split note: a note of its own with the same text, audio and time; its
    channel message id is the delivery's with the part number, so the delivery stays unique."""
    part = Note(author_id=note.author_id, channel=note.channel,
                channel_message_id=f"{note.channel_message_id or note.id}#{number}"[:128],
                received_at=note.received_at, raw_text=note.raw_text, audio_ref=note.audio_ref,
                transcript=note.transcript, state="received", part=number, source_id=note.id)
    session.add(part)
    session.flush()
    return part


def parts_of(*, session: Session, note_id: int) -> list[Note]:
    """The other parts of a split note (2, 3, …), in order."""
    return list(session.exec(select(Note).where(Note.source_id == note_id).order_by(Note.part, Note.id)).all())


def carded(*, session: Session, note_id: int, at: datetime | None = None, commit: bool = True) -> bool:
    """Marks the note's card sent (compare-and-set on carded_at); False when it was already."""
    moved = session.execute(update(Note).where(Note.id == note_id, Note.carded_at.is_(None))
                            .values(carded_at=as_utc(at) if at else utcnow())
                            .execution_options(synchronize_session=False)).rowcount
    if commit:
        session.commit()
    _refresh(session, note_id)
    return moved == 1


def uncarded_notes(*, session: Session, since: datetime) -> list[Note]:
    """Notes stored (parsed or ambiguous) since `since` whose card never went out, oldest first."""
    return list(session.exec(select(Note).where(
        Note.state.in_(("parsed", "ambiguous")), Note.carded_at.is_(None), Note.received_at >= as_utc(since))
        .order_by(Note.received_at, Note.id)).all())


def _refresh(session: Session, note_id: int) -> Note | None:
    note = session.get(Note, note_id)
    if note is not None:
        session.refresh(note)
    return note


def unfinished_notes(*, session: Session, limit: int | None = None) -> list[Note]:
    """Notes recorded but not yet parsed (received or transcribed), oldest first."""
    query = select(Note).where(Note.state.in_(UNFINISHED_STATES)).order_by(Note.received_at, Note.id)
    if limit:
        query = query.limit(limit)
    return list(session.exec(query).all())


def note_text(note: Note) -> str:
    """What was said: the transcript of a voice note, else the typed text."""
    return note.transcript or note.raw_text or ""


# --- phase 2: apply ----------------------------------------------------------------------------

@dataclass
class Candidate:
    """One customer the note could be about (for the "which 张总?" question)."""
    customer_id: int
    customer_name: str
    contact_id: int | None
    contact_name: str | None


@dataclass
class Applied:
    note: Note
    customer: Customer | None = None
    contact: Contact | None = None
    deal: Deal | None = None
    new_customer: bool = False
    new_deal: bool = False
    commitments: list[Commitment] = field(default_factory=list)
    # Non-empty: the customer is ambiguous; the note waits in state "ambiguous" with nothing linked.
    # Call apply_extraction again with customer_id= one of them (or new_customer=True).
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def ambiguous(self) -> bool:
        return bool(self.candidates)


def apply_extraction(*, session: Session, note: Note, extraction: dict[str, Any], stages: list[Stage],
                     customer_id: int | None = None, new_customer: bool = False) -> Applied:
    """Links the note and writes its facts in one transaction (commit at the end, rollback on error).

    Applying again to a parsed note (a correction) replaces what the note produced before.
    """
    if not isinstance(extraction, dict):
        raise ValueError("extraction must be a JSON object")
    if not stages:
        raise ValueError("no stages configured")
    try:
        before = history.snapshot(note)
        result = _apply(session, note, extraction, stages, customer_id, new_customer)
        history.note_changed(session=session, note=note, before=before)  # a correction keeps the old facts
        session.commit()
        return result
    except BaseException:
        session.rollback()
        raise


def _apply(session, note, extraction, stages, customer_id, new_customer) -> Applied:
    author = session.get(Member, note.author_id)
    team = session.get(Team, author.team_id)
    old_deal_id, old_customer_id, old_contact_id = note.deal_id, note.customer_id, note.contact_id
    _clear_facts(session, note)

    said = extraction.get("customer") if isinstance(extraction.get("customer"), dict) else {}
    company = _text(said.get("company"))
    contact_name = _text(said.get("name"))
    if customer_id is not None:
        customer = session.get(Customer, customer_id)
        if customer is None or customer.team_id != team.id:
            raise ValueError(f"customer {customer_id} is not in team {team.name!r}")
        contact = _contact_in(session, customer, contact_name, at=note.received_at)
        created = False
    elif new_customer:
        customer = _new_customer(session, team, author, company, contact_name, at=note.received_at)
        contact = _contact_in(session, customer, contact_name, at=note.received_at)
        created = True
    else:
        match = _match_customer(session, team, author, company, contact_name, note.received_at)
        if match.candidates:
            note.extraction = extraction
            note.state = "ambiguous"
            note.customer_id = note.contact_id = note.deal_id = None
            session.execute(delete(Commitment).where(Commitment.note_id == note.id, Commitment.state == "open"))
            session.add(note)
            _drop_if_orphan(session, old_deal_id, old_customer_id, note, contact_id=old_contact_id)
            return Applied(note, candidates=match.candidates)
        customer, contact, created = match.customer, match.contact, match.created

    when = note.received_at
    deal, new_deal = (None, False)
    if customer is not None:
        deal, new_deal = _deal_for(session, team, author, customer, stages, when,
                                   keep=_own_deal(session, old_deal_id, note))

    ids = dict(note_id=note.id, deal_id=deal.id if deal else None,
               customer_id=customer.id if customer else None)
    _add_facts(session, extraction, ids)
    local_day = when.astimezone(ZoneInfo(team.timezone)).date()
    commitments = _add_commitments(session, extraction, ids, author, when, local_day, note_text(note))

    note.customer_id = ids["customer_id"]
    note.contact_id = contact.id if contact else None
    note.deal_id = ids["deal_id"]
    note.extraction = extraction
    note.state = "parsed"
    note.error = None
    note.parsed_at = utcnow()
    session.add(note)
    session.flush()
    if deal is not None:
        deal.last_activity_at = max(deal.last_activity_at, when)
        close = _expected_close(extraction, local_day)
        if close:
            deal.expected_close, deal.expected_close_end, deal.expected_close_grain = close
        refresh_amount(session=session, deal=deal, commit=False)
        session.add(deal)
    _drop_if_orphan(session, old_deal_id, old_customer_id, note, contact_id=old_contact_id)
    return Applied(note, customer, contact, deal, created, new_deal, commitments)


@dataclass
class _Match:
    customer: Customer | None = None
    contact: Contact | None = None
    created: bool = False
    candidates: list[Candidate] = field(default_factory=list)


def find_candidates(*, session: Session, author: Member, company: str | None,
                    contact_name: str | None) -> list[Candidate]:
    """The customers a note by `author` about (company, contact) could mean; reads only.

    Company said: the team's customers of that name. No company: the author's customers (owned, or
    with a deal of theirs) that have a contact of that name. Two or more make the note ambiguous.
    """
    company, contact_name = _text(company), _text(contact_name)
    if company:
        found = session.exec(select(Customer).where(
            Customer.team_id == author.team_id, Customer.key == name_key(company),
            Customer.is_person == False).order_by(Customer.id)).all()  # noqa: E712
        return [_candidate(session, c, contact_name) for c in found or _named_longer_or_shorter(session, author, company)]
    if not contact_name:
        return []
    mine = or_(Customer.owner_id == author.id,
               Customer.id.in_(select(Deal.customer_id).where(Deal.owner_id == author.id)))
    rows = session.exec(select(Customer, Contact).join(Contact, Contact.customer_id == Customer.id).where(
        Customer.team_id == author.team_id, Contact.key == name_key(contact_name), mine)
        .order_by(Customer.id)).all()
    return [Candidate(c.id, c.name, k.id, k.name) for c, k in rows]


def _named_longer_or_shorter(session: Session, author: Member, company: str) -> list[Customer]:
    """The one organisation whose name begins with the name said, or that the name said begins with
    (宏远机电 and 宏远机电设备有限公司, 恒通机械有限公司 and 恒通机械): a company said short or in full is
    the same customer; none when several could be meant or the shorter name is under four characters."""
    key = name_key(company)
    if len(key) < 4:
        return []
    found = session.exec(select(Customer).where(
        Customer.team_id == author.team_id, Customer.is_person == False,  # noqa: E712
        func.length(Customer.key) >= 4,
        or_(Customer.key.startswith(key, autoescape=True), literal(key).startswith(Customer.key)))
        .order_by(Customer.id).limit(2)).all()
    return list(found) if len(found) == 1 else []


def candidates_for_note(*, session: Session, note: Note) -> list[Candidate]:
    """For an ambiguous note: the customers to offer the rep (from its stored extraction)."""
    said = (note.extraction or {}).get("customer")
    said = said if isinstance(said, dict) else {}
    return find_candidates(session=session, author=session.get(Member, note.author_id),
                           company=said.get("company"), contact_name=said.get("name"))


def _match_customer(session, team, author, company, contact_name, at=None) -> _Match:
    found = find_candidates(session=session, author=author, company=company, contact_name=contact_name)
    if len(found) > 1:
        return _Match(candidates=found)
    if found:
        customer = session.get(Customer, found[0].customer_id)
        return _Match(customer, _contact_in(session, customer, contact_name, at=at))
    if not company and not contact_name:
        return _Match()
    customer = _new_customer(session, team, author, company, contact_name, at=at)
    return _Match(customer, _contact_in(session, customer, contact_name, at=at), created=True)


def _candidate(session, customer: Customer, contact_name: str | None) -> Candidate:
    contact = None
    if contact_name:
        contact = session.exec(select(Contact).where(Contact.customer_id == customer.id,
                                                     Contact.key == name_key(contact_name))).first()
    return Candidate(customer.id, customer.name, contact.id if contact else None,
                     contact.name if contact else contact_name)


def _new_customer(session, team, author, company, contact_name, at=None) -> Customer:
    """A customer named after the organisation, or after the contact while none is known; made at
    `at`, the note's time (as its deal is), so a withdrawal or correction can tell what the note made."""
    name = company or contact_name or "未知客户"
    customer = Customer(team_id=team.id, name=name, key=name_key(name), is_person=not company,
                        owner_id=author.id, created_at=as_utc(at) if at else utcnow())
    if not company:
        session.add(customer)
        session.flush()
        return customer
    try:
        with session.begin_nested():  # another worker may create the same organisation right now
            session.add(customer)
    except IntegrityError:
        found = session.exec(select(Customer).where(Customer.team_id == team.id, Customer.key == customer.key,
                                                    Customer.is_person == False)).first()  # noqa: E712
        if found is None:
            raise
        return found
    return customer


def _contact_in(session, customer: Customer, name: str | None, at=None) -> Contact | None:
    """The customer's contact of that name, created on first mention."""
    if not name:
        return None
    key = name_key(name)
    contact = session.exec(select(Contact).where(Contact.customer_id == customer.id,
                                                 Contact.key == key)).first()
    if contact is None:
        title = split_title(name)
        contact = Contact(customer_id=customer.id, name=name, key=key, title=title, role=guess_role(title),
                          created_at=as_utc(at) if at else utcnow())
        session.add(contact)
        session.flush()
    return contact


def _deal_for(session, team, author, customer, stages, when, keep: Deal | None = None) -> tuple[Deal, bool]:
    """The rep's open deal with this customer (the most recently active), else `keep` (the deal this
    note alone made, when a correction names another customer: it moves there and keeps its id, which
    the rep was shown), else a new one."""
    deal = open_deal(session=session, owner_id=author.id, customer_id=customer.id)
    if deal is not None:
        return deal, False
    if keep is not None:
        if keep.customer_id != customer.id:     # the note's own correction is in the change log
            keep.customer_id = customer.id
            session.add(keep)
            session.flush()
        return keep, keep.created_at >= when
    first = stages[0].name
    deal = Deal(team_id=team.id, customer_id=customer.id, owner_id=author.id, stage=first,
                stage_entered_at=when, last_activity_at=when, created_at=when)
    session.add(deal)
    session.flush()
    session.add(StageChange(deal_id=deal.id, from_stage=None, to_stage=first, changed_by_id=author.id,
                            changed_at=when))
    return deal, True


def _own_deal(session, deal_id: int | None, note: Note) -> Deal | None:
    """The note's open deal when nothing but this note has it (no other note, no stage moved, no
    commitment of another note): the deal a correction of the customer may carry along."""
    deal = session.get(Deal, deal_id) if deal_id is not None else None
    if deal is None or deal.status != "open" or deal.owner_id != note.author_id:
        return None
    count = lambda model, *where: session.exec(select(func.count()).select_from(model).where(*where)).one()
    if (count(Note, Note.deal_id == deal.id, Note.id != note.id) or count(StageChange, StageChange.deal_id == deal.id) > 1
            or count(Commitment, Commitment.deal_id == deal.id, Commitment.note_id != note.id)):
        return None
    return deal


def _add_facts(session, extraction, ids) -> None:
    for item in _dicts(extraction.get("items")):
        quantity = _number(item.get("quantity"))
        if quantity is not None:
            session.add(Item(**ids, product=_text(item.get("product")), quantity=quantity,
                             unit=_text(item.get("unit"))))
    for money in _dicts(extraction.get("money")):
        amount = _number(money.get("amount"))
        if amount is not None:
            session.add(MoneyFact(**ids, amount=amount, kind=_text(money.get("kind")) or "other"))
    evidence = objection_evidence(extraction)
    for category in dict.fromkeys(c for c in extraction.get("objections") or [] if isinstance(c, str) and c):
        session.add(ObjectionMention(**ids, category=category[:24], evidence=evidence.get(category, "")))
    for name in dict.fromkeys(c for c in extraction.get("competitors") or [] if isinstance(c, str) and c):
        session.add(CompetitorMention(**ids, name=name[:100]))
    for risk in _dicts(extraction.get("risks")):
        phrase = _text(risk.get("phrase"))
        if phrase:
            session.add(RiskMention(**ids, phrase=phrase[:32], text=_text(risk.get("text")) or ""))


def objection_evidence(extraction: dict) -> dict[str, str]:
    """category -> the clauses it was said in (the parser's objection_evidence), joined by ；."""
    found: dict[str, list[str]] = {}
    for entry in _dicts(extraction.get("objection_evidence")):
        category, text = _text(entry.get("category")), _text(entry.get("text"))
        if category and text and text not in found.setdefault(category, []):
            found[category].append(text)
    return {category: "；".join(texts)[:1000] for category, texts in found.items()}


def is_planned(entry: dict, local_day: date) -> bool:
    """The parser's status decides; without one, only a day after the note's day is a plan."""
    status = entry.get("status")
    if status in ("planned", "reported"):
        return status == "planned"
    day = _day(entry.get("date"))
    return day is not None and day > local_day


def _add_commitments(session, extraction, ids, author, when, local_day, text) -> list[Commitment]:
    """Each planned date becomes a commitment owned by the rep; reported events only count as activity.
    created_at is the note's time: the promise was made then, even if the note is processed later.

    Applied again (a correction), the note's open commitments keep their ids, which the rep was
    shown (完成 3 must still mean the same to-do): one of the same day and kind stays as it is, one
    of the same kind takes the new day, and only what no date needs any more is removed."""
    made = []
    # A correction keeps the note's done or cancelled commitments: never make them again.
    seen = set(session.exec(select(Commitment.due_date, Commitment.kind).where(
        Commitment.note_id == ids["note_id"], Commitment.state != "open")).all())
    pool = list(session.exec(select(Commitment).where(
        Commitment.note_id == ids["note_id"], Commitment.state == "open").order_by(Commitment.id)).all())
    wanted = []
    for entry in _dicts(extraction.get("dates")):
        day = _day(entry.get("date"))
        kind = entry.get("kind") if entry.get("kind") in COMMITMENT_KINDS else "other"
        if day is None or (day, kind) in seen or not is_planned(entry, local_day):
            continue
        seen.add((day, kind))
        wanted.append((day, kind))
    unmatched = []
    for day, kind in wanted:
        same = next((c for c in pool if c.due_date == day and c.kind == kind), None)
        if same is None:
            unmatched.append((day, kind))
            continue
        pool.remove(same)
        made.append(same)
    for day, kind in unmatched:
        moved = next((c for c in pool if c.kind == kind), None)
        if moved is not None:
            pool.remove(moved)
            moved.due_date = day
            made.append(moved)
            continue
        commitment = Commitment(owner_id=author.id, deal_id=ids["deal_id"], customer_id=ids["customer_id"],
                                note_id=ids["note_id"], kind=kind, due_date=day, text=text[:500],
                                created_at=when)
        session.add(commitment)
        made.append(commitment)
    for commitment in made:
        commitment.deal_id, commitment.customer_id = ids["deal_id"], ids["customer_id"]
        session.add(commitment)
    for gone in pool:
        session.delete(gone)
    session.flush()
    return made


CLOSE_GRAINS = ("day", "week", "month", "quarter", "year")


def _expected_close(extraction, local_day) -> tuple[date, date | None, str] | None:
    """(first day, end or None, grain) of the close the note expects: the parser's expected_close (a
    range, end exclusive; the end kept when it spans more than a day) when it is not over. Only a
    clause that signs, orders or closes says one (nlu/close.py): a deadline (报价周五前发) is a to-do of
    the rep's, not the deal's close."""
    said = extraction.get("expected_close")
    if isinstance(said, dict):
        start, end = _day(said.get("start")), _day(said.get("end"))
        grain = said.get("grain") if said.get("grain") in CLOSE_GRAINS else "day"
        if start is not None and (end or start) > local_day:
            return start, end if end is not None and (end - start).days > 1 else None, grain
    return None


def _clear_facts(session, note: Note) -> None:
    """Before applying again: remove what this note produced (done commitments stay)."""
    if note.id is None:
        return
    for table in NOTE_FACT_TABLES:
        session.execute(delete(table).where(table.note_id == note.id))
    # The note's open commitments stay until _add_commitments has matched them (their ids are shown).


def drop_if_orphan(session, deal_id, customer_id, note: Note, *, contact_id: int | None = None) -> None:
    """After a correction moved a note elsewhere, or a withdrawal took it away: drop the deal, customer
    and contact it alone had made. A deal stays when another note, a stage move or a commitment has
    it; a customer when anything else refers to it or it existed before the note; a contact when
    another note is about it or it existed before the note."""
    session.flush()
    note_id = note.id
    if deal_id is not None and deal_id != note.deal_id:
        deal = session.get(Deal, deal_id)
        others = session.exec(select(func.count()).select_from(Note).where(
            Note.deal_id == deal_id, Note.id != note_id)).one()
        moves = session.exec(select(func.count()).select_from(StageChange).where(
            StageChange.deal_id == deal_id)).one()
        kept = session.exec(select(func.count()).select_from(Commitment).where(
            Commitment.deal_id == deal_id)).one()
        if deal is not None and not others and moves <= 1 and not kept:
            session.execute(delete(StageChange).where(StageChange.deal_id == deal_id))
            session.delete(deal)
        elif deal is not None:
            refresh_amount(session=session, deal=deal, commit=False)
    if contact_id is not None and contact_id != note.contact_id:
        _drop_contact_if_orphan(session, contact_id, note)
    if customer_id is not None and customer_id != note.customer_id:
        session.flush()
        customer = session.get(Customer, customer_id)
        if customer is not None and not _customer_used(session, customer, note):
            session.execute(delete(Contact).where(Contact.customer_id == customer_id))
            session.delete(customer)


_drop_if_orphan = drop_if_orphan


def _customer_used(session, customer: Customer, note: Note) -> bool:
    from storage.lead_models import ContractEnd, Lead, Touchpoint

    if as_utc(customer.created_at) < as_utc(note.received_at):
        return True      # there before this note: imported, or made by an earlier one
    count = lambda model, *where: session.exec(select(func.count()).select_from(model).where(*where)).one()
    return bool(count(Note, Note.customer_id == customer.id, Note.id != note.id)
                or count(Deal, Deal.customer_id == customer.id)
                or count(Commitment, Commitment.customer_id == customer.id)
                or count(Lead, Lead.customer_id == customer.id)
                or count(Touchpoint, Touchpoint.customer_id == customer.id)
                or count(ContractEnd, ContractEnd.customer_id == customer.id))


def _drop_contact_if_orphan(session, contact_id: int, note: Note) -> None:
    from storage.history_models import ContactDetail

    contact = session.get(Contact, contact_id)
    if contact is None or as_utc(contact.created_at) < as_utc(note.received_at):
        return
    others = session.exec(select(func.count()).select_from(Note).where(
        Note.contact_id == contact_id, Note.id != note.id)).one()
    details = session.exec(select(func.count()).select_from(ContactDetail).where(
        ContactDetail.contact_id == contact_id)).one()
    if not others and not details:
        session.delete(contact)
        session.flush()


def _dicts(value) -> list[dict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _text(value) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _day(value) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None

