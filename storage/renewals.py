"""Contract ends and the customer's record of the year, for renewal reminders."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, select

from storage.lead_models import ContractEnd
from storage.models import Commitment, Customer, Item, Note, ObjectionMention, as_utc, utcnow
from storage.touchpoints import owner_of

OBJECTION_NAMES = {"price": "价格", "delivery_time": "交期", "quality": "质量", "budget": "预算",
                   "decision_delay": "决策拖延", "competitor": "倾向竞品", "payment_terms": "账期付款",
                   "service": "服务", "spec": "规格参数"}


def set_contract_end(*, session: Session, customer: Customer, end: date, note_id: int | None = None,
                     set_by_id: int | None = None) -> ContractEnd:
    """The customer's contract end (one per customer; a newer statement replaces the older one)."""
    row = session.exec(select(ContractEnd).where(ContractEnd.customer_id == customer.id)).first()
    if row is None:
        row = ContractEnd(team_id=customer.team_id, customer_id=customer.id, end_date=end)
    row.end_date, row.note_id, row.set_by_id, row.updated_at = end, note_id, set_by_id, utcnow()
    session.add(row)
    session.commit()
    return row


def contract_end_from_note(*, session: Session, note: Note) -> ContractEnd | None:
    """The note's `contract_end` (an ISO day from the parser), stored for its customer."""
    value = (note.extraction or {}).get("contract_end")
    if not value or note.customer_id is None:
        return None
    try:
        end = date.fromisoformat(str(value))
    except ValueError:
        return None
    customer = session.get(Customer, note.customer_id)
    if customer is None:
        return None
    return set_contract_end(session=session, customer=customer, end=end, note_id=note.id, set_by_id=note.author_id)


@dataclass(frozen=True)
class Upcoming:
    customer_id: int
    customer: str
    owner_id: int | None
    end_date: date


def upcoming(*, session: Session, team_id: int, today: date, within_days: int) -> list[Upcoming]:
    """Contracts of the team ending from today to `within_days` ahead."""
    rows = session.exec(select(ContractEnd, Customer).join(Customer, Customer.id == ContractEnd.customer_id).where(
        ContractEnd.team_id == team_id, ContractEnd.end_date >= today,
        ContractEnd.end_date <= today + timedelta(days=within_days))).all()
    return [Upcoming(c.id, c.name, owner_of(session, c), row.end_date) for row, c in rows]


def year_record(*, session: Session, customer_id: int, today: date) -> str:
    """The customer's last 12 months in one short text: orders, objections, broken promises."""
    since = datetime.combine(today - timedelta(days=365), datetime.min.time())
    notes = select(Note.id).where(Note.customer_id == customer_id, Note.received_at >= as_utc(since))
    items = session.exec(select(Item).where(Item.note_id.in_(notes))).all()
    objections = Counter(session.exec(select(ObjectionMention.category).where(ObjectionMention.note_id.in_(notes))).all())
    broken = [c for c in session.exec(select(Commitment).where(
        Commitment.customer_id == customer_id, Commitment.due_date >= today - timedelta(days=365),
        Commitment.due_date < today)).all()
        if c.state == "open" or (c.state == "done" and c.done_at and as_utc(c.done_at).date() > c.due_date)]
    order_text = "；".join(f"{i.product or '产品'} {i.quantity:g}{i.unit or ''}" for i in items[:6]) or "无"
    if len(items) > 6:
        order_text += f" 等 {len(items)} 项"
    objection_text = "、".join(f"{OBJECTION_NAMES.get(k, k)}×{v}" for k, v in objections.most_common()) or "无"
    return f"近一年：订单 {order_text}\n异议：{objection_text}\n未按时兑现的承诺：{len(broken)} 项"
