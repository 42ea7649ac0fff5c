"""撞单 (duplicate claims): a rep's note about a customer that another rep of the team owns.

The note is kept as written. A claim is opened once per (customer, rep); the owner's manager (else the
rep's manager, else a team lead) decides who owns the customer. The decision moves the customer and the
loser's open deals and open commitments on it to the winner, each change kept in the history.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from storage import history
from storage.history_models import DuplicateClaim
from storage.models import Commitment, Customer, Deal, Member, Note, as_utc, utcnow
from storage.teams import _chain_above


CANCELLED = "canceled"   # the note that raised the claim was withdrawn (state is at most 8 characters)


class ClaimError(ValueError):
    """The decision cannot be made; the message is for the user (Chinese)."""


@dataclass
class Opened:
    claim: DuplicateClaim
    customer: Customer
    claimant: Member
    owner: Member
    decider: Member | None


def open_claim(*, session: Session, note: Note, now: datetime | None = None) -> Opened | None:
    """For a stored note: a new claim when its customer belongs to another active rep of the team."""
    if note is None or note.state != "parsed" or note.customer_id is None:
        return None
    customer = session.get(Customer, note.customer_id)
    claimant = session.get(Member, note.author_id)
    owner = session.get(Member, customer.owner_id) if customer and customer.owner_id else None
    if owner is None or owner.id == claimant.id or not owner.active or owner.team_id != claimant.team_id:
        return None
    seen = session.exec(select(DuplicateClaim.id).where(DuplicateClaim.customer_id == customer.id,
                                                        DuplicateClaim.claimant_id == claimant.id,
                                                        DuplicateClaim.state != CANCELLED)).first()
    if seen is not None:
        return None
    decider = decider_for(session, owner, claimant)
    claim = DuplicateClaim(team_id=customer.team_id, customer_id=customer.id, note_id=note.id,
                           claimant_id=claimant.id, owner_id=owner.id, decider_id=decider.id if decider else None,
                           created_at=as_utc(now) if now else utcnow())
    session.add(claim)
    session.commit()
    return Opened(claim, customer, claimant, owner, decider)


def decider_for(session: Session, owner: Member, claimant: Member) -> Member | None:
    for candidate in (owner.manager_id, claimant.manager_id):
        boss = session.get(Member, candidate) if candidate else None
        if boss is not None and boss.active:
            return boss
    return session.exec(select(Member).where(Member.team_id == owner.team_id, Member.role.in_(("lead", "admin")),
                                             Member.active == True).order_by(Member.id)).first()  # noqa: E712


def may_decide(session: Session, claim: DuplicateClaim, member: Member) -> bool:
    """The chosen decider, a lead or admin of the team, or a manager above either rep."""
    if member.id == claim.decider_id:
        return True
    if member.role == "admin" or (member.role == "lead" and member.team_id == claim.team_id):
        return True
    if member.role != "manager":
        return False
    return any(member.id in _chain_above(session, session.get(Member, m)) for m in (claim.owner_id, claim.claimant_id))


def decide(*, session: Session, claim_id: int, winner: Member, by: Member,
           now: datetime | None = None) -> tuple[DuplicateClaim, Member]:
    """The decider gives the customer to `winner` (the owner or the claimant); returns (claim, loser)."""
    now = as_utc(now) if now else utcnow()
    claim = session.get(DuplicateClaim, claim_id)
    if claim is None or claim.team_id != by.team_id and by.role != "admin":
        raise ClaimError(f"没有撞单 #{claim_id}")
    if not may_decide(session, claim, by):
        raise ClaimError("只有经理或主管可以决定客户归属")
    if claim.state == CANCELLED:
        raise ClaimError(f"撞单 #{claim_id} 已取消：引起它的笔记已撤回")
    if claim.state != "open":
        raise ClaimError(f"撞单 #{claim_id} 已经决定过了")
    if winner.id not in (claim.owner_id, claim.claimant_id):
        raise ClaimError("归属只能在撞单的两位同事之间选择")
    loser = session.get(Member, claim.claimant_id if winner.id == claim.owner_id else claim.owner_id)
    customer = session.get(Customer, claim.customer_id)
    if customer is not None:
        history.customer_owner_changed(session=session, customer=customer, old=customer.owner_id, new=winner.id,
                                       by_id=by.id, reason="claim")
        customer.owner_id = winner.id
        session.add(customer)
        for deal in session.exec(select(Deal).where(Deal.customer_id == customer.id, Deal.owner_id == loser.id,
                                                    Deal.status == "open")).all():
            history.deal_changed(session=session, deal=deal, field="owner", old=loser.id, new=winner.id,
                                 by_id=by.id, reason="claim", at=now)
            deal.owner_id = winner.id
            session.add(deal)
        for commitment in session.exec(select(Commitment).where(
                Commitment.customer_id == customer.id, Commitment.owner_id == loser.id,
                Commitment.state == "open")).all():
            history.commitment_changed(session=session, commitment=commitment, field="owner", old=loser.id,
                                       new=winner.id, by_id=by.id, reason="claim")
            commitment.owner_id = winner.id
            session.add(commitment)
    claim.state, claim.decided_owner_id, claim.decided_at = "decided", winner.id, now
    claim.decider_id = by.id
    session.add(claim)
    session.commit()
    return claim, loser


def open_claims(*, session: Session, member: Member) -> list[DuplicateClaim]:
    """Open claims this member may decide."""
    rows = session.exec(select(DuplicateClaim).where(DuplicateClaim.state == "open")
                        .order_by(DuplicateClaim.id)).all()
    return [c for c in rows if may_decide(session, c, member)]


def cancel_for_note(*, session: Session, note_id: int) -> int:
    """A withdrawn note's open claims are cancelled (the caller commits); returns how many."""
    rows = session.exec(select(DuplicateClaim).where(DuplicateClaim.note_id == note_id,
                                                     DuplicateClaim.state == "open")).all()
    for claim in rows:
        claim.state = CANCELLED
        session.add(claim)
    return len(rows)
