"""Customer touchpoints (form, message, call, complaint): matched to a customer, handled by its owner.

Matching, first hit wins: the phone (a lead or an earlier touchpoint with that number and a
customer, else a contact's phone from the customer catalogue), then the company (the team's customer
of that name), then the contact (a contact of that name in one of the team's customers; several
customers with that contact -> not matched). Phones are compared as digits (138-0000-0001 =
+86 13800000001). The owner
is the customer's owner, else the owner of its most recently active open deal. A touchpoint is
handled when the owner presses 已处理 or logs a note on that customer after it came in.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from statistics import median

from sqlmodel import Session, select

from storage.lead_models import TOUCHPOINT_KINDS, Lead, Touchpoint
from storage.leads import BadField, find_team_named, normal_phone, text_field, time_field
from storage.models import Contact, Customer, Deal, Member, Note, as_utc, utcnow
from storage.notes import name_key
from storage.queries import visible_member_ids

TOUCHPOINT_FIELDS = ("team", "kind", "company", "contact", "phone", "text", "at")


def clean_touchpoint(session: Session, obj, *, now: datetime | None = None) -> dict:
    """The columns of a Touchpoint from one intake object; raises BadField naming the bad field."""
    if not isinstance(obj, dict):
        raise BadField("touchpoint", "每条触点应为一个 JSON 对象")
    team = find_team_named(session, obj, None)
    kind = text_field(obj, "kind", 16)
    if kind not in TOUCHPOINT_KINDS:
        raise BadField("kind", f"应为 {' | '.join(TOUCHPOINT_KINDS)}")
    values = dict(team_id=team.id, kind=kind, company=text_field(obj, "company", 200),
                  contact=text_field(obj, "contact", 100), phone=normal_phone(text_field(obj, "phone", 32)),
                  text=text_field(obj, "text", 4000), at=time_field(obj, "at", team.timezone, default=now or utcnow()))
    if not (values["company"] or values["contact"] or values["phone"]):
        raise BadField("company", "公司、联系人、电话至少要有一项")
    return values


def match_customer(session: Session, team_id: int, *, phone: str = "", company: str = "",
                   contact: str = "") -> Customer | None:
    if phone:
        for model in (Lead, Touchpoint):
            found = session.exec(select(model.customer_id).where(
                model.team_id == team_id, model.phone == phone, model.customer_id.is_not(None))
                .order_by(model.id.desc())).first()
            customer = session.get(Customer, found) if found else None
            if customer is not None:
                return customer
        customer = _by_contact_phone(session, team_id, phone)
        if customer is not None:
            return customer
    if company:
        customer = session.exec(select(Customer).where(Customer.team_id == team_id,
                                                       Customer.key == name_key(company))).first()
        if customer is not None:
            return customer
    if contact:
        found = session.exec(select(Customer).join(Contact, Contact.customer_id == Customer.id).where(
            Customer.team_id == team_id, Contact.key == name_key(contact))).all()
        if len({c.id for c in found}) == 1:
            return found[0]
        person = session.exec(select(Customer).where(Customer.team_id == team_id, Customer.is_person.is_(True),
                                                     Customer.key == name_key(contact))).first()
        if person is not None:
            return person
    return None


def _by_contact_phone(session: Session, team_id: int, phone: str) -> Customer | None:
    """A contact's phone (the customer catalogue, contact details) in one of the team's customers."""
    try:
        from storage.history_models import ContactDetail
    except ImportError:
        return None
    found = session.exec(select(Customer).join(Contact, Contact.customer_id == Customer.id)
                         .join(ContactDetail, ContactDetail.contact_id == Contact.id)
                         .where(Customer.team_id == team_id, ContactDetail.phone == phone)).all()
    return found[0] if len({c.id for c in found}) == 1 else None


def owner_of(session: Session, customer: Customer) -> int | None:
    if customer.owner_id is not None:
        return customer.owner_id
    return session.exec(select(Deal.owner_id).where(Deal.customer_id == customer.id, Deal.status == "open")
                        .order_by(Deal.last_activity_at.desc())).first()


def add_touchpoint(*, session: Session, values: dict, now: datetime | None = None) -> Touchpoint:
    """Stores a cleaned touchpoint matched to its customer and owner (either may stay None)."""
    touch = Touchpoint(**values, received_at=as_utc(now) if now else utcnow())
    customer = match_customer(session, values["team_id"], phone=values.get("phone", ""),
                              company=values.get("company", ""), contact=values.get("contact", ""))
    if customer is not None:
        touch.customer_id, touch.owner_id = customer.id, owner_of(session, customer)
    session.add(touch)
    session.commit()
    return touch


class TouchAnswer(ValueError):
    """Why 已处理 cannot be done; the message is for the member (Chinese)."""


def mark_handled(*, session: Session, touchpoint_id: int, member: Member, at: datetime | None = None) -> Touchpoint:
    """已处理 by its owner, or by anyone of the team when nobody owns it (the managers were told)."""
    touch = session.get(Touchpoint, touchpoint_id)
    if touch is None or touch.team_id != member.team_id:
        raise TouchAnswer(f"没有找到客户触点 #{touchpoint_id}。")
    if touch.owner_id not in (None, member.id) and touch.owner_id not in visible_member_ids(session=session, member=member):
        raise TouchAnswer(f"客户触点 #{touchpoint_id} 不是你负责的。")   # the rule of reads: only what one may see
    if touch.handled_at is None:
        touch.handled_at, touch.handled_by = as_utc(at) if at else utcnow(), "button"
        if touch.owner_id is None:
            touch.owner_id = member.id
        session.add(touch)
        session.commit()
    return touch


def handled_by_note(*, session: Session, note: Note) -> list[int]:
    """A note on the customer after a touchpoint came in handles it; returns the touchpoint ids."""
    if note.customer_id is None:
        return []
    at = as_utc(note.received_at)
    touches = [t for t in session.exec(select(Touchpoint).where(Touchpoint.customer_id == note.customer_id,
                                                                 Touchpoint.handled_at.is_(None))).all()
               if as_utc(t.received_at) <= at or as_utc(t.at) <= at]
    for t in touches:
        t.handled_at, t.handled_by = at, "note"
        session.add(t)
    if touches:
        session.commit()
    return [t.id for t in touches]


@dataclass(frozen=True)
class OpenTouch:
    id: int
    kind: str
    at: datetime
    received_at: datetime
    owner_id: int | None
    customer: str
    text: str
    handled_at: datetime | None = None


def open_touchpoints(*, session: Session, team_id: int) -> list[OpenTouch]:
    rows = session.execute(select(Touchpoint, Customer.name).outerjoin(Customer, Customer.id == Touchpoint.customer_id)
                           .where(Touchpoint.team_id == team_id, Touchpoint.handled_at.is_(None))).all()
    return [OpenTouch(t.id, t.kind, as_utc(t.at), as_utc(t.received_at), t.owner_id,
                      name or t.company or t.contact or t.phone, t.text) for t, name in rows]


@dataclass(frozen=True)
class ResponseTime:
    member_id: int | None
    handled: int
    median_hours: float | None
    open: int


def response_times(*, session: Session, team_id: int, since: datetime, until: datetime) -> list[ResponseTime]:
    """Per owner: touchpoints handled in [since, until), the median hours from arrival to handling,
    and how many are still open."""
    since, until = as_utc(since), as_utc(until)
    hours: dict[int | None, list[float]] = {}
    still: dict[int | None, int] = {}
    for t in session.exec(select(Touchpoint).where(Touchpoint.team_id == team_id)).all():
        if t.handled_at is None:
            still[t.owner_id] = still.get(t.owner_id, 0) + 1
        elif since <= as_utc(t.handled_at) < until:
            start = as_utc(t.received_at)  # the owner could not answer before it reached us
            hours.setdefault(t.owner_id, []).append(max(0.0, (as_utc(t.handled_at) - start).total_seconds() / 3600))
    ids = sorted(set(hours) | set(still), key=lambda i: (i is None, i or 0))
    return [ResponseTime(i, len(hours.get(i, [])), round(median(hours[i]), 1) if hours.get(i) else None,
                         still.get(i, 0)) for i in ids]


def response_hours(*, session: Session, owner_ids, since: datetime, until: datetime) -> tuple[list[float], int]:
    """For these owners (None: everyone): the hours from arrival to handling of the touchpoints
    handled in [since, until), and how many of theirs are still open."""
    since, until = as_utc(since), as_utc(until)
    query = select(Touchpoint.received_at, Touchpoint.handled_at)
    if owner_ids is not None:
        query = query.where(Touchpoint.owner_id.in_(list(owner_ids)))
    hours, still = [], 0
    for received, handled in session.exec(query).all():
        if handled is None:
            still += 1
        elif since <= as_utc(handled) < until:
            hours.append(max(0.0, (as_utc(handled) - as_utc(received)).total_seconds() / 3600))
    return hours, still
