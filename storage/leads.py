"""New leads: intake (validated field by field), offers, claim / pass / contacted, first-touch times.

A lead is `new` until offered to a rep (`offered`), `claimed` when the rep takes it, and `contacted`
once the rep logs a note on its customer or presses 已联系. Claiming links the lead to a customer
(found by company or name in the team, else created with the rep as owner), so the rep's next note
about that customer is the first touch.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from statistics import median
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, update
from sqlmodel import Session, select

from storage.lead_models import OPEN_LEAD_STATES, Lead, LeadOffer
from storage.models import ChannelAccount, Customer, Member, Note, Team, as_utc, utcnow
from storage.notes import _contact_in, name_key

LEAD_FIELDS = ("team", "source", "name", "company", "phone", "region", "budget", "product", "dwell_seconds",
               "video_completed", "visits", "created_at")
MIN_YEAR, MAX_YEAR = 2000, 2100
TRUE_WORDS = {"true", "1", "yes", "y", "是", "完播", "已看完", "t"}
FALSE_WORDS = {"false", "0", "no", "n", "否", "", "未完播", "f"}


class BadField(ValueError):
    """A value that cannot be used; `field` names it (the API answers 422 with it)."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


# --- validation (shared with touchpoints) -------------------------------------------------------

def text_field(obj: dict, key: str, limit: int) -> str:
    value = obj.get(key)
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(int(value)) if float(value).is_integer() else str(value)
    if not isinstance(value, str):
        raise BadField(key, "应为文本")
    value = value.replace("\x00", "").strip()  # PostgreSQL text refuses NUL
    if len(value) > limit:
        raise BadField(key, f"不能超过 {limit} 个字")
    return value


def number_field(obj: dict, key: str, *, integer: bool = False) -> float | int | None:
    value = obj.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        try:
            value = float(value.replace(",", "").strip())
        except ValueError:
            raise BadField(key, "应为数字") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or value < 0:
        raise BadField(key, "应为不小于 0 的数字")
    if value > 1e12:
        raise BadField(key, "数字太大")
    return int(value) if integer else float(value)


def bool_field(obj: dict, key: str) -> bool:
    value = obj.get(key)
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise BadField(key, "应为 true 或 false")


def normal_phone(value: str) -> str:
    """Digits only, without the +86 of a mainland number, so 138-0000-0001 matches 13800000001."""
    digits = "".join(ch for ch in value if ch.isdigit())
    if len(digits) == 13 and digits.startswith("86") and digits[2] == "1":
        digits = digits[2:]
    return digits if len(digits) >= 5 else value.strip()


def time_field(obj: dict, key: str, tz: str, default: datetime | None = None) -> datetime:
    """An ISO time; without an offset it is read in the team's timezone."""
    value = obj.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if default is None:
            raise BadField(key, "缺少时间")
        return as_utc(default)
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise BadField(key, "应为 ISO 时间，例如 2026-03-15T10:30:00+08:00") from None
    else:
        raise BadField(key, "应为 ISO 时间文本")
    if not MIN_YEAR <= moment.year <= MAX_YEAR:   # also keeps the conversion to UTC from overflowing
        raise BadField(key, f"时间应在 {MIN_YEAR} 年到 {MAX_YEAR} 年之间")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(tz))
    return as_utc(moment)


def find_team_named(session: Session, obj: dict, team: Team | str | None) -> Team:
    """The given team, else the object's `team` field (a team name)."""
    if isinstance(team, Team):
        return team
    name = team or text_field(obj, "team", 100)
    if not name:
        raise BadField("team", "缺少团队名")
    found = session.exec(select(Team).where(Team.name == name)).first()
    if found is None:
        raise BadField("team", f"没有这个团队：{name}")
    return found


def clean_lead(session: Session, obj, *, team: Team | str | None = None, now: datetime | None = None) -> dict:
    """The columns of a Lead from one intake object; raises BadField naming the first bad field."""
    if not isinstance(obj, dict):
        raise BadField("lead", "每条线索应为一个 JSON 对象")
    found = find_team_named(session, obj, team)
    values = dict(team_id=found.id,
                  source=text_field(obj, "source", 64), name=text_field(obj, "name", 100),
                  company=text_field(obj, "company", 200), phone=normal_phone(text_field(obj, "phone", 32)),
                  region=text_field(obj, "region", 64), budget=number_field(obj, "budget"),
                  product=text_field(obj, "product", 200),
                  dwell_seconds=number_field(obj, "dwell_seconds", integer=True) or 0,
                  video_completed=bool_field(obj, "video_completed"),
                  visits=number_field(obj, "visits", integer=True) or 0,
                  created_at=time_field(obj, "created_at", found.timezone, default=now or utcnow()))
    if not (values["name"] or values["company"] or values["phone"]):
        raise BadField("name", "姓名、公司、电话至少要有一项")
    return values


def add_leads(*, session: Session, values: list[dict], now: datetime | None = None) -> list[Lead]:
    """Stores cleaned leads (clean_lead) as new; one commit."""
    now = as_utc(now) if now else utcnow()
    leads = [Lead(**v, received_at=now) for v in values]
    session.add_all(leads)
    session.commit()
    return leads


# --- the sweep's view ----------------------------------------------------------------------------

OPEN_LEAD_COLUMNS = ("id", "created_at", "received_at", "state", "region", "budget", "product", "dwell_seconds",
                     "video_completed", "visits", "offered_to_id", "offered_at", "owner_id", "label", "passed_by")


def open_leads(*, session: Session, team_id: int) -> list[tuple]:
    """Leads of the team not contacted yet, as plain tuples in OPEN_LEAD_COLUMNS order (label: company
    and name; passed_by: the reps who passed on it). Plain tuples: a sweep reads 10,000s of them."""
    passed: dict[int, set[int]] = {}
    for lead_id, member_id in session.execute(
            select(LeadOffer.lead_id, LeadOffer.member_id).join(Lead, Lead.id == LeadOffer.lead_id)
            .where(Lead.team_id == team_id, Lead.state == "new", LeadOffer.outcome == "passed")):
        passed.setdefault(lead_id, set()).add(member_id)
    rows = session.execute(select(
        Lead.id, Lead.created_at, Lead.received_at, Lead.state, Lead.region, Lead.budget, Lead.product,
        Lead.dwell_seconds, Lead.video_completed, Lead.visits, Lead.offered_to_id, Lead.offered_at,
        Lead.owner_id, Lead.company, Lead.name).where(Lead.team_id == team_id, Lead.state.in_(OPEN_LEAD_STATES)))
    empty = frozenset()
    return [(*r[:13], f"{r[13]} {r[14]}".strip(), frozenset(passed[r[0]]) if r[0] in passed else empty)
            for r in rows]


def reachable_reps(*, session: Session, team_id: int) -> list[tuple[int, str, int, int | None]]:
    """(id, name, open leads, manager id) of the team's active reps who have a chat account."""
    reps = session.execute(select(Member.id, Member.name, Member.manager_id).where(
        Member.team_id == team_id, Member.role == "rep", Member.active.is_(True),
        Member.id.in_(select(ChannelAccount.member_id)))).all()
    counts = dict(session.execute(select(func.coalesce(Lead.owner_id, Lead.offered_to_id), func.count())
                                  .where(Lead.team_id == team_id, Lead.state.in_(("offered", "claimed")))
                                  .group_by(func.coalesce(Lead.owner_id, Lead.offered_to_id))).all())
    return [(i, n, counts.get(i, 0), m) for i, n, m in reps]


def offer_leads(*, session: Session, pairs: list[tuple[int, int]], at: datetime, commit: bool = True) -> int:
    """Offers each lead to its rep (only leads still new); returns how many were offered. One UPDATE
    per rep; the offer itself lives on the lead (LeadOffer rows record passes and claims)."""
    if not pairs:
        return 0
    at = as_utc(at)
    by_rep: dict[int, list[int]] = {}
    for lead_id, rep_id in pairs:
        by_rep.setdefault(rep_id, []).append(lead_id)
    table = Lead.__table__
    offered = 0
    for rep_id, lead_ids in by_rep.items():
        for i in range(0, len(lead_ids), 500):
            offered += session.execute(update(table).where(table.c.id.in_(lead_ids[i:i + 500]), table.c.state == "new")
                                       .values(state="offered", offered_to_id=rep_id, offered_at=at)).rowcount
    if commit:
        session.commit()
    session.expire_all()  # bulk UPDATE: loaded Lead objects are stale now
    return offered


def write_notices(*, session: Session, notices, commit: bool = True) -> int:
    """Writes notices (kind, recipient_id, subject, text, send_at, dedupe_key) to the outbox, unsent,
    with one Core INSERT; the caller has left out keys that exist. A key written meanwhile by another
    process fails the whole write (rolled back, IntegrityError raised): the next sweep redoes it."""
    from storage.models import Notification

    now = utcnow()
    rows = [dict(kind=n.kind, recipient_id=n.recipient_id, subject=n.subject[:200], text=n.text,
                 send_at=n.send_at, sent_at=None, dedupe_key=n.dedupe_key, created_at=now)
            for n in notices]
    if rows:
        try:
            session.execute(insert(Notification.__table__), rows)
        except Exception:
            session.rollback()
            raise
    if commit:
        session.commit()
    return len(rows)


# --- answers from chat -----------------------------------------------------------------------------

class LeadAnswer(ValueError):
    """Why a claim / pass / 已联系 cannot be done; the message is for the rep (Chinese)."""


def _lead_for(session: Session, lead_id: int, member: Member) -> Lead:
    lead = session.get(Lead, lead_id)
    if lead is None or lead.team_id != member.team_id:
        raise LeadAnswer(f"没有找到线索 #{lead_id}。")
    return lead


def claim(*, session: Session, lead_id: int, member: Member, at: datetime | None = None) -> Lead:
    """The offered rep takes the lead; it is linked to a customer the rep owns (found or created)."""
    at = as_utc(at) if at else utcnow()
    lead = _lead_for(session, lead_id, member)
    if lead.owner_id == member.id:
        raise LeadAnswer(f"线索 #{lead_id} 你已经认领过了。")
    if lead.owner_id is not None:
        raise LeadAnswer(f"线索 #{lead_id} 已被别人认领。")
    if lead.offered_to_id != member.id:
        raise LeadAnswer(f"线索 #{lead_id} 现在没有分配给你。")
    lead.state, lead.owner_id, lead.claimed_at = "claimed", member.id, at
    lead.customer_id = _customer_for(session, lead, member).id
    offer = session.exec(select(LeadOffer).where(LeadOffer.lead_id == lead.id, LeadOffer.member_id == member.id)).first()
    if offer is not None:
        offer.outcome, offer.answered_at = "claimed", at
        session.add(offer)
    session.add(lead)
    session.commit()
    return lead


def _customer_for(session: Session, lead: Lead, member: Member) -> Customer:
    name = lead.company or lead.name or lead.phone
    customer = session.exec(select(Customer).where(Customer.team_id == lead.team_id,
                                                   Customer.key == name_key(name))).first()
    if customer is None:
        customer = Customer(team_id=lead.team_id, name=name, key=name_key(name), is_person=not lead.company,
                            owner_id=member.id)
        session.add(customer)
        session.flush()
    elif customer.owner_id is None:
        customer.owner_id = member.id
        session.add(customer)
    if lead.company and lead.name:
        _contact_in(session, customer, lead.name)
    return customer


def pass_on(*, session: Session, lead_id: int, member: Member, at: datetime | None = None) -> Lead:
    """The offered rep passes: the lead waits for the next rep (never this one again)."""
    at = as_utc(at) if at else utcnow()
    lead = _lead_for(session, lead_id, member)
    if lead.offered_to_id != member.id or lead.state != "offered":
        raise LeadAnswer(f"线索 #{lead_id} 现在没有分配给你。")
    lead.state, lead.offered_to_id, lead.offered_at = "new", None, None
    offer = session.exec(select(LeadOffer).where(LeadOffer.lead_id == lead.id, LeadOffer.member_id == member.id)).first()
    if offer is None:
        offer = LeadOffer(lead_id=lead.id, member_id=member.id, offered_at=at)
    offer.outcome, offer.answered_at = "passed", at
    session.add_all([lead, offer])
    session.commit()
    return lead


def mark_contacted(*, session: Session, lead_id: int, member: Member, at: datetime | None = None) -> Lead:
    """已联系: the claimer reached the customer."""
    at = as_utc(at) if at else utcnow()
    lead = _lead_for(session, lead_id, member)
    if lead.owner_id != member.id:
        raise LeadAnswer(f"请先认领线索 #{lead_id}。")
    if lead.state != "contacted":
        lead.state, lead.contacted_at = "contacted", at
        session.add(lead)
        session.commit()
    return lead


def contacted_by_note(*, session: Session, note: Note) -> list[int]:
    """A note by a lead's claimer about the lead's customer is the first touch; returns the lead ids."""
    if note.customer_id is None:
        return []
    leads = session.exec(select(Lead).where(Lead.owner_id == note.author_id, Lead.customer_id == note.customer_id,
                                            Lead.state == "claimed")).all()
    for lead in leads:
        lead.state, lead.contacted_at = "contacted", max(as_utc(note.received_at), as_utc(lead.claimed_at))
        session.add(lead)
    if leads:
        session.commit()
    return [lead.id for lead in leads]


# --- figures -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FirstTouch:
    member_id: int
    name: str
    contacted: int
    median_hours: float | None
    waiting: int  # claimed or offered, not contacted yet


def first_touch(*, session: Session, member_ids, since: datetime, until: datetime) -> list[FirstTouch]:
    """Per member: leads first contacted in [since, until) and the median hours from the lead coming
    in to that contact; plus how many of theirs still wait."""
    ids = list(member_ids)
    names = dict(session.execute(select(Member.id, Member.name).where(Member.id.in_(ids))).all())
    hours = first_touch_hours(session=session, member_ids=ids, since=since, until=until)
    waiting = dict(session.execute(select(func.coalesce(Lead.owner_id, Lead.offered_to_id), func.count())
                                   .where(func.coalesce(Lead.owner_id, Lead.offered_to_id).in_(ids),
                                          Lead.state.in_(("offered", "claimed")))
                                   .group_by(func.coalesce(Lead.owner_id, Lead.offered_to_id))).all())
    out = []
    for member_id in ids:
        got = hours.get(member_id, [])
        if got or waiting.get(member_id):
            out.append(FirstTouch(member_id, names.get(member_id, f"#{member_id}"), len(got),
                                  round(median(got), 1) if got else None, waiting.get(member_id, 0)))
    return out


def first_touch_hours(*, session: Session, member_ids, since: datetime, until: datetime) -> dict[int, list[float]]:
    """Per claimer: hours from each lead coming in (the later of created_at and received_at) to its
    first contact, for leads first contacted in [since, until)."""
    since, until = as_utc(since), as_utc(until)
    hours: dict[int, list[float]] = {}
    for owner, received, created, contacted in session.execute(
            select(Lead.owner_id, Lead.received_at, Lead.created_at, Lead.contacted_at)
            .where(Lead.owner_id.in_(list(member_ids)), Lead.contacted_at >= since, Lead.contacted_at < until)):
        start = max(as_utc(received), as_utc(created))
        hours.setdefault(owner, []).append(max(0.0, (as_utc(contacted) - start).total_seconds() / 3600))
    return hours
