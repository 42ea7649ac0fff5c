"""Corrections with history: who changed a note's facts, a deal's stage or owner, a commitment, and when,
with the value before and after. Writers add rows to the caller's transaction (no commit of their own),
so a change and its history are stored together or not at all.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from storage.history_models import ChangeLog
from storage.models import Commitment, Customer, Deal, Member, Note, as_utc, utcnow


def _json(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def record(*, session: Session, entity: str, entity_id: int, field: str, old: Any, new: Any,
           by_id: int | None = None, reason: str = "", team_id: int | None = None,
           customer_id: int | None = None, at: datetime | None = None) -> ChangeLog:
    """One change; values that are not text are stored as JSON."""
    row = ChangeLog(team_id=team_id, entity=entity, entity_id=entity_id, customer_id=customer_id, field=field,
                    old_value=_json(old), new_value=_json(new), reason=reason[:24],
                    changed_by_id=by_id, changed_at=as_utc(at) if at else utcnow())
    session.add(row)
    return row


def _team_of(session: Session, member_id: int | None) -> int | None:
    member = session.get(Member, member_id) if member_id else None
    return member.team_id if member else None


# --- notes ---------------------------------------------------------------------------------------

def snapshot(note: Note) -> dict | None:
    """The facts a parsed note had before it is applied again (None for a first parse)."""
    if note.id is None or note.state != "parsed" or note.extraction is None:
        return None
    return {"extraction": copy.deepcopy(note.extraction), "customer_id": note.customer_id}


def note_changed(*, session: Session, note: Note, before: dict | None, by_id: int | None = None) -> None:
    """After a correction: the old and new facts, when they differ."""
    if before is None or before["extraction"] == note.extraction:
        return
    record(session=session, entity="note", entity_id=note.id, field="extraction", old=before["extraction"],
           new=note.extraction, by_id=by_id or note.author_id, reason="correction",
           team_id=_team_of(session, note.author_id), customer_id=note.customer_id or before["customer_id"])


def note_withdrawn(*, session: Session, note: Note, by_id: int | None = None) -> None:
    """Before a withdrawal removes a note's facts: what it said and the open commitments that go."""
    open_ones = session.exec(select(Commitment).where(Commitment.note_id == note.id,
                                                      Commitment.state == "open")).all()
    old = {"extraction": note.extraction, "commitments": [
        {"id": c.id, "kind": c.kind, "due_date": c.due_date.isoformat()} for c in open_ones]}
    record(session=session, entity="note", entity_id=note.id, field="withdrawn", old=old, new=None,
           by_id=by_id or note.author_id, reason="withdrawal", team_id=_team_of(session, note.author_id),
           customer_id=note.customer_id)


# --- deals and commitments -------------------------------------------------------------------------

def deal_changed(*, session: Session, deal: Deal, field: str, old: Any, new: Any, by_id: int | None = None,
                 reason: str = "", at: datetime | None = None) -> None:
    if old == new:
        return
    record(session=session, entity="deal", entity_id=deal.id, field=field, old=old, new=new, by_id=by_id,
           reason=reason or field, team_id=deal.team_id, customer_id=deal.customer_id, at=at)


def commitment_changed(*, session: Session, commitment: Commitment, field: str, old: Any, new: Any,
                       by_id: int | None = None, reason: str = "") -> None:
    if old == new:
        return
    record(session=session, entity="commitment", entity_id=commitment.id, field=field, old=old, new=new,
           by_id=by_id or commitment.owner_id, reason=reason or field,
           team_id=_team_of(session, commitment.owner_id), customer_id=commitment.customer_id)


def customer_owner_changed(*, session: Session, customer: Customer, old: int | None, new: int | None,
                           by_id: int | None = None, reason: str = "") -> None:
    if old == new:
        return
    record(session=session, entity="customer", entity_id=customer.id, field="owner", old=old, new=new,
           by_id=by_id, reason=reason, team_id=customer.team_id, customer_id=customer.id)


# --- reading -----------------------------------------------------------------------------------------

def changes(*, session: Session, entity: str | None = None, entity_id: int | None = None,
            customer_id: int | None = None, limit: int = 50) -> list[ChangeLog]:
    """The newest changes first, of one thing or of one customer."""
    query = select(ChangeLog)
    if entity is not None:
        query = query.where(ChangeLog.entity == entity)
    if entity_id is not None:
        query = query.where(ChangeLog.entity_id == entity_id)
    if customer_id is not None:
        query = query.where(ChangeLog.customer_id == customer_id)
    return list(session.exec(query.order_by(ChangeLog.changed_at.desc(), ChangeLog.id.desc()).limit(limit)).all())


def old_value(change: ChangeLog) -> Any:
    return _load(change.old_value)


def new_value(change: ChangeLog) -> Any:
    return _load(change.new_value)


def _load(value: str | None) -> Any:
    if value is None:
        return None
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return value


@dataclass
class Line:
    at: datetime
    who: str
    text: str


FIELD_NAMES = {"stage": "阶段", "status": "状态", "owner": "负责人", "due_date": "日期", "state": "状态"}
STATE_NAMES = {"open": "进行中", "done": "已完成", "cancelled": "已取消", "won": "赢单", "lost": "丢单"}


def describe(session: Session, change: ChangeLog) -> Line:
    """A change as a short Chinese line for /customer."""
    who = session.get(Member, change.changed_by_id) if change.changed_by_id else None
    name = who.name if who else "系统"
    if change.entity == "note" and change.field == "withdrawn":
        text = f"撤回笔记 #{change.entity_id}"
    elif change.entity == "note":
        text = f"更正笔记 #{change.entity_id}：{_facts_diff(old_value(change), new_value(change))}"
    elif change.field == "owner":
        text = (f"{_label(change)}负责人：{_member_name(session, old_value(change))} → "
                f"{_member_name(session, new_value(change))}")
    else:
        old, new = old_value(change), new_value(change)
        text = (f"{_label(change)}{FIELD_NAMES.get(change.field, change.field)}："
                f"{STATE_NAMES.get(old, old) or '无'} → {STATE_NAMES.get(new, new) or '无'}")
    return Line(change.changed_at, name, text)


def _label(change: ChangeLog) -> str:
    return {"deal": f"商机 #{change.entity_id} ", "commitment": f"待办 #{change.entity_id} ",
            "customer": "客户"}.get(change.entity, "")


def _member_name(session: Session, member_id) -> str:
    member = session.get(Member, member_id) if isinstance(member_id, int) else None
    return member.name if member else "无"


def _facts_diff(old: Any, new: Any) -> str:
    """Which facts changed, old -> new, in a few words."""
    old, new = old or {}, new or {}
    parts = []
    for key, label in (("customer", "客户"), ("items", "产品"), ("dates", "日期"), ("money", "金额")):
        if old.get(key) != new.get(key):
            parts.append(f"{label} {_brief(key, old.get(key))} → {_brief(key, new.get(key))}")
    return "；".join(parts) or "细节"


def _brief(key: str, value: Any) -> str:
    if not value:
        return "无"
    if key == "customer" and isinstance(value, dict):
        return "".join(v for v in (value.get("company"), value.get("name")) if v) or "无"
    if key == "items":
        return "、".join(f"{i.get('product') or ''}{_num(i.get('quantity'))}{i.get('unit') or ''}"
                        for i in value if isinstance(i, dict))
    if key == "dates":
        return "、".join(str(d.get("date")) for d in value if isinstance(d, dict))
    if key == "money":
        return "、".join(f"{_num(m.get('amount'))}元" for m in value if isinstance(m, dict))
    return str(value)


def _num(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)
