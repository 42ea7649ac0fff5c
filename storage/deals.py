"""Deals and commitments after the note: stage moves, amounts, closing, done / postponed promises."""
from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, select

from storage import history
from storage.models import (Commitment, Contact, Deal, MoneyFact, Note, StageChange, as_utc, utcnow)
from storage.stages import Stage, stage_named

# Deal.amount: the latest figure of the first kind present.
AMOUNT_PRECEDENCE = ("deal", "quote", "budget")


class MissingFacts(ValueError):
    """The stage requires facts the deal does not have yet; `missing` names them."""

    def __init__(self, stage: str, missing: list[str]):
        super().__init__(f"stage {stage!r} requires: {', '.join(missing)}")
        self.stage = stage
        self.missing = missing


def open_deal(*, session: Session, owner_id: int, customer_id: int) -> Deal | None:
    """The owner's open deal with the customer; the most recently active when there are several."""
    return session.exec(select(Deal).where(
        Deal.owner_id == owner_id, Deal.customer_id == customer_id, Deal.status == "open")
        .order_by(Deal.last_activity_at.desc(), Deal.id.desc())).first()


def refresh_amount(*, session: Session, deal: Deal, commit: bool = True) -> Deal:
    """Deal.amount = the latest deal figure, else the latest quote, else the latest budget.

    "Latest" is by note time; a note with several figures of that kind counts its largest.
    """
    session.flush()
    rows = session.exec(select(MoneyFact.kind, MoneyFact.amount, Note.received_at, Note.id)
                        .join(Note, Note.id == MoneyFact.note_id)
                        .where(MoneyFact.deal_id == deal.id, MoneyFact.kind.in_(AMOUNT_PRECEDENCE))).all()
    deal.amount, deal.amount_kind = None, None
    for kind in AMOUNT_PRECEDENCE:
        of_kind = [r for r in rows if r[0] == kind]
        if of_kind:
            latest = max((r[2], r[3]) for r in of_kind)
            deal.amount = max(r[1] for r in of_kind if (r[2], r[3]) == latest)
            deal.amount_kind = kind
            break
    session.add(deal)
    if commit:
        session.commit()
    return deal


def missing_requirements(*, session: Session, deal: Deal, stage: Stage) -> list[str]:
    """Which of the stage's `requires` the deal lacks: budget, quote, deal_amount, meeting_date,
    decision_maker. A requirement this code does not know is not enforced."""
    kinds = set(session.exec(select(MoneyFact.kind).where(MoneyFact.deal_id == deal.id)).all())
    checks = {
        "budget": lambda: "budget" in kinds,
        "quote": lambda: "quote" in kinds,
        "deal_amount": lambda: "deal" in kinds,
        "meeting_date": lambda: session.exec(select(Commitment.id).where(
            Commitment.deal_id == deal.id, Commitment.kind == "meeting")).first() is not None
            or _reported_meeting(session, deal),
        "decision_maker": lambda: session.exec(select(Contact.id).where(
            Contact.customer_id == deal.customer_id, Contact.role == "decision_maker")).first() is not None,
    }
    return [r for r in stage.requires if r in checks and not checks[r]()]


def _reported_meeting(session: Session, deal: Deal) -> bool:
    """A meeting the rep reported (今天拜访了) counts as much as a planned one."""
    for extraction in session.exec(select(Note.extraction).where(Note.deal_id == deal.id)).all():
        dates = (extraction or {}).get("dates") or []
        if any(isinstance(d, dict) and d.get("kind") == "meeting" for d in dates):
            return True
    return False


def change_stage(*, session: Session, deal: Deal, stage: str, stages: list[Stage], by_id: int | None = None,
                 at: datetime | None = None, force: bool = False) -> Deal:
    """Moves an open deal to `stage` (a configured name). Raises MissingFacts unless `force`."""
    target = stage_named(stages, stage)
    if target is None:
        raise ValueError(f"unknown stage {stage!r}; stages: {', '.join(s.name for s in stages)}")
    if deal.status != "open":
        raise ValueError(f"deal {deal.id} is {deal.status}, not open")
    if target.name == deal.stage:
        return deal
    missing = missing_requirements(session=session, deal=deal, stage=target)
    if missing and not force:
        raise MissingFacts(target.name, missing)
    at = as_utc(at) if at else utcnow()
    session.add(StageChange(deal_id=deal.id, from_stage=deal.stage, to_stage=target.name,
                            changed_by_id=by_id, changed_at=at))
    history.deal_changed(session=session, deal=deal, field="stage", old=deal.stage, new=target.name, by_id=by_id, at=at)
    deal.stage, deal.stage_entered_at = target.name, at
    deal.last_activity_at = max(deal.last_activity_at, at)
    session.add(deal)
    session.commit()
    return deal


def close_deal(*, session: Session, deal: Deal, status: str, by_id: int | None = None,
               at: datetime | None = None) -> Deal:
    """Won or lost: statuses, not stages. The stage the deal reached is kept."""
    if status not in ("won", "lost"):
        raise ValueError("status must be won or lost")
    at = as_utc(at) if at else utcnow()
    session.add(StageChange(deal_id=deal.id, from_stage=deal.stage, to_stage=status, changed_by_id=by_id,
                            changed_at=at))
    history.deal_changed(session=session, deal=deal, field="status", old=deal.status, new=status, by_id=by_id, at=at)
    deal.status, deal.closed_at = status, at
    session.add(deal)
    session.commit()
    return deal


def lose_deal(*, session: Session, deal: Deal, by_id: int | None = None, at: datetime | None = None) -> list[int]:
    """丢单 said by a member: the deal is lost and its open to-dos are cancelled (nothing is delivered on
    a lost deal, so no reminder may follow); returns the cancelled to-dos' ids."""
    closed = list(session.exec(select(Commitment).where(Commitment.deal_id == deal.id, Commitment.state == "open")
                               .order_by(Commitment.id)).all())
    for commitment in closed:
        history.commitment_changed(session=session, commitment=commitment, field="state", old=commitment.state,
                                   new="cancelled", by_id=by_id, reason="deal lost")
        commitment.state = "cancelled"
        session.add(commitment)
    ids = [c.id for c in closed]
    close_deal(session=session, deal=deal, status="lost", by_id=by_id, at=at)
    return ids


def set_expected_close(*, session: Session, deal: Deal, day: date | None, end: date | None = None,
                       grain: str | None = None) -> Deal:
    """The expected close: a day, or the range [day, end) (end exclusive) with its grain."""
    deal.expected_close, deal.expected_close_end = day, end
    deal.expected_close_grain = (grain or ("day" if end is None else None)) if day else None
    session.add(deal)
    session.commit()
    return deal


def set_contact_role(*, session: Session, contact: Contact, role: str) -> Contact:
    from storage.models import CONTACT_ROLES

    if role not in CONTACT_ROLES:
        raise ValueError(f"role must be one of {', '.join(CONTACT_ROLES)}")
    contact.role = role
    session.add(contact)
    session.commit()
    return contact


def complete_commitment(*, session: Session, commitment: Commitment, at: datetime | None = None) -> Commitment:
    history.commitment_changed(session=session, commitment=commitment, field="state", old=commitment.state, new="done")
    commitment.state = "done"
    commitment.done_at = as_utc(at) if at else utcnow()
    session.add(commitment)
    session.commit()
    return commitment


def postpone_commitment(*, session: Session, commitment: Commitment, day: date) -> Commitment:
    """推迟到…: the promise moves to a new day and is open again."""
    history.commitment_changed(session=session, commitment=commitment, field="due_date", old=commitment.due_date.isoformat(), new=day.isoformat())
    commitment.due_date = day
    commitment.state = "open"
    commitment.done_at = None
    session.add(commitment)
    session.commit()
    return commitment


def cancel_commitment(*, session: Session, commitment: Commitment) -> Commitment:
    history.commitment_changed(session=session, commitment=commitment, field="state", old=commitment.state, new="cancelled")
    commitment.state = "cancelled"
    session.add(commitment)
    session.commit()
    return commitment
