"""Personal data (PIPL): export or erase one person's data everywhere, and delete voice files after the
retention period.

A person is found by contact name (optionally within one customer and one team): their contact rows,
phones (catalogue, leads, touchpoints) and the notes linked to them. Erasing replaces the name and the
phone with ERASED in every text column of every table (note texts, transcripts, stored Extractions,
history, the outbox, leads, touchpoints ...), deletes the voice files of the notes about them, and
leaves the anonymous figures (items, money, deals, counts) alone. Tables of our own people (members,
teams, chat accounts) are not touched.
"""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, String, Text, cast, or_, select as sa_select, update
from sqlmodel import Session, select

from storage.history_models import ContactDetail
from storage.lead_models import Lead, Touchpoint
from storage.models import UNFINISHED_STATES, Contact, Customer, Note, Team, as_utc, metadata, utcnow
from storage.notes import name_key

log = logging.getLogger(__name__)
ERASED = "已删除"
# Our own people and plumbing, not a customer's personal data.
SKIP_TABLES = {"member", "team", "channelaccount", "invite", "lease", "alembic_version"}
SKIP_COLUMNS = {"dedupe_key", "channel_message_id", "channel", "state", "kind", "code"}


class PrivacyError(LookupError):
    """No such person, or the name is ambiguous; the message is for the user (Chinese)."""


@dataclass
class Person:
    contacts: list[Contact]
    names: list[str]
    phones: list[str]
    note_ids: list[int] = field(default_factory=list)


def find_person(*, session: Session, contact: str, customer: str | None = None, team: Team | None = None) -> Person:
    """The contacts of that name (in that customer / team), with every phone known for them."""
    key = name_key(contact or "")
    if not key:
        raise PrivacyError("请给出联系人姓名")
    query = select(Contact, Customer).join(Customer, Customer.id == Contact.customer_id).where(Contact.key == key)
    if customer:
        query = query.where(Customer.key == name_key(customer))
    if team is not None:
        query = query.where(Customer.team_id == team.id)
    rows = list(session.exec(query).all())
    leads = list(session.exec(select(Lead).where(Lead.name == contact.strip())).all())
    touches = list(session.exec(select(Touchpoint).where(Touchpoint.contact == contact.strip())).all())
    if team is not None:
        leads = [x for x in leads if x.team_id == team.id]
        touches = [x for x in touches if x.team_id == team.id]
    if customer:
        touches = [x for x in touches if name_key(x.company) == name_key(customer) or not x.company]
        leads = [x for x in leads if name_key(x.company) == name_key(customer) or not x.company]
    if not rows and not leads and not touches:
        raise PrivacyError(f"没有找到联系人「{contact}」")
    contacts = [c for c, _ in rows]
    phones = [d.phone for d in session.exec(select(ContactDetail).where(
        ContactDetail.contact_id.in_([c.id for c in contacts]))).all() if d.phone]
    phones += [x.phone for x in [*leads, *touches] if x.phone]
    names = sorted({contact.strip(), *(c.name for c in contacts)} - {"", ERASED}, key=len, reverse=True)
    person = Person(contacts, names, sorted(set(phones)))
    person.note_ids = _note_ids(session, person)
    return person


def _note_ids(session: Session, person: Person) -> list[int]:
    """Notes linked to the person's contact rows or mentioning their name or phone."""
    conditions = [Note.contact_id.in_([c.id for c in person.contacts])] if person.contacts else []
    for term in person.names + [_digits(p)[-4:] for p in person.phones if _digits(p)]:
        conditions += [Note.raw_text.contains(term, autoescape=True), Note.transcript.contains(term, autoescape=True)]
    if not conditions:
        return []
    candidates = session.exec(select(Note).where(or_(*conditions))).all()
    matcher = _matcher(person)
    return [n.id for n in candidates
            if n.contact_id in {c.id for c in person.contacts}
            or matcher.search(n.raw_text or "") or matcher.search(n.transcript or "")]


# --- export --------------------------------------------------------------------------------------

def export(*, session: Session, person: Person) -> dict:
    """Everything stored about the person, as JSON-ready data."""
    matcher = _matcher(person)
    out: dict[str, Any] = {"names": person.names, "phones": person.phones, "contacts": [], "records": {}}
    for c in person.contacts:
        customer = session.get(Customer, c.customer_id)
        out["contacts"].append({"customer": customer.name if customer else None, "name": c.name, "title": c.title,
                                "role": c.role, "phone": _phone(session, c.id)})
    notes = [session.get(Note, i) for i in person.note_ids]
    out["voice_files"] = [n.audio_ref for n in notes if n.audio_ref and n.audio_ref != ERASED]
    for table, rows in _mentions(session, matcher, person):
        out["records"][table.name] = [_jsonable(row) for row in rows]
    return out


def _phone(session: Session, contact_id: int) -> str:
    detail = session.exec(select(ContactDetail).where(ContactDetail.contact_id == contact_id)).first()
    return detail.phone if detail else ""


def _jsonable(row) -> dict:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row._mapping.items()}


# --- erase -----------------------------------------------------------------------------------------

@dataclass
class Erased:
    rows: dict[str, int] = field(default_factory=dict)
    voice_files: int = 0


def erase(*, session: Session, person: Person) -> Erased:
    """Replaces the person's name and phones with ERASED everywhere and deletes their voice files."""
    done = Erased()
    matcher = _matcher(person)
    for note in [session.get(Note, i) for i in person.note_ids]:
        if note.audio_ref and note.audio_ref != ERASED:
            done.voice_files += _unlink(note.audio_ref)
            note.audio_ref = ERASED
            session.add(note)
    for c in person.contacts:
        customer = session.get(Customer, c.customer_id)
        if customer is not None and customer.is_person and customer.key == c.key:  # named after the person
            customer.name, customer.key = ERASED, f"deleted:{customer.id}"
            session.add(customer)
        c.name, c.key, c.title = ERASED, f"deleted:{c.id}", ""
        session.add(c)
    for detail in session.exec(select(ContactDetail).where(
            ContactDetail.contact_id.in_([c.id for c in person.contacts]))).all():
        session.delete(detail)
    session.flush()
    for table, rows in _mentions(session, matcher, person):
        columns = _text_columns(table)
        pk = list(table.primary_key.columns)
        for row in rows:
            values = {}
            for column in columns:
                old = row._mapping[column.name]
                new = _scrub(old, matcher)
                if new != old:
                    values[column.name] = new
            if values:
                session.execute(update(table).where(*[col == row._mapping[col.name] for col in pk]).values(**values))
                done.rows[table.name] = done.rows.get(table.name, 0) + 1
    session.commit()
    return done


def _unlink(path: str) -> int:
    try:
        Path(path).unlink()
        return 1
    except FileNotFoundError:
        return 0
    except OSError:
        log.warning("privacy: could not delete %s", path, exc_info=True)
        return 0


# --- finding and replacing in every table -----------------------------------------------------------

def _digits(text: str) -> str:
    return re.sub(r"\D", "", text or "")


def _matcher(person: Person) -> re.Pattern:
    """The person's names, and their phones with any spaces or hyphens between the digits."""
    parts = [re.escape(n) for n in person.names if n]
    parts += [r"[\s\-]?".join(_digits(p)) for p in person.phones if len(_digits(p)) >= 5]
    return re.compile("|".join(parts) if parts else r"(?!x)x")


def _text_columns(table) -> list:
    return [c for c in table.columns if isinstance(getattr(c.type, "impl", c.type), (String, Text, JSON))
            and c.name not in SKIP_COLUMNS and not c.primary_key]  # AutoString is a TypeDecorator over String


def _like_terms(person: Person) -> list[str]:
    """What a LIKE pre-filter looks for: names (also as JSON escapes) and each phone's last four digits."""
    terms = []
    for name in person.names:
        terms += [name, json.dumps(name)[1:-1]]
    terms += [_digits(p)[-4:] for p in person.phones if len(_digits(p)) >= 4]
    return sorted(set(t for t in terms if t))


def _mentions(session: Session, matcher: re.Pattern, person: Person):
    """(table, rows) whose text columns mention the person, table by table (a LIKE pre-filter, then
    the exact pattern in Python, also inside JSON)."""
    terms = _like_terms(person)
    for table in metadata.sorted_tables:
        if table.name in SKIP_TABLES:
            continue
        columns = _text_columns(table)
        if not columns or not terms:
            continue
        conditions = [cast(c, String).like(f"%{_escape(t)}%", escape="!") for c in columns for t in terms]
        rows = [r for r in session.execute(sa_select(table).where(or_(*conditions))).all()
                if any(_mentioned(r._mapping[c.name], matcher) for c in columns)]
        if rows:
            yield table, rows


def _escape(term: str) -> str:
    return term.replace("!", "!!").replace("%", "!%").replace("_", "!_")


def _mentioned(value: Any, matcher: re.Pattern) -> bool:
    return _scrub(value, matcher) != value


def _scrub(value: Any, matcher: re.Pattern) -> Any:
    if isinstance(value, str):
        return matcher.sub(ERASED, value)
    if isinstance(value, list):
        return [_scrub(v, matcher) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, matcher) for k, v in value.items()}
    return value


# --- voice retention ---------------------------------------------------------------------------------

def sweep_voice(*, session: Session, days: int, now: datetime | None = None, limit: int = 500) -> int:
    """Deletes the voice files of processed notes older than `days`; the transcripts stay. Returns how
    many notes lost their file in this call (at most `limit`; run again for more)."""
    if days is None or days <= 0:
        return 0
    cutoff = (as_utc(now) if now else utcnow()) - timedelta(days=days)
    notes = session.exec(select(Note).where(Note.audio_ref.is_not(None), Note.audio_ref != ERASED,
                                            Note.received_at < cutoff, Note.state.not_in(UNFINISHED_STATES))
                         .order_by(Note.received_at).limit(limit)).all()
    for note in notes:
        _unlink(note.audio_ref)
        note.audio_ref = ERASED
        session.add(note)
    session.commit()
    return len(notes)
