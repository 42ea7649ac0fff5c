"""People come and go: deactivate a member with a handover, revoke invites, change manager or role.

A deactivated member keeps their history (notes, won and lost deals, done commitments stay theirs);
what is still open moves to the member taking over. Their chat accounts stay bound, so the
conversation recognises and refuses them (storage.teams.member_for_account returns None).
The three people concerned are told through the outbox (kind "alert"): the scheduler of the running
bot delivers it within a minute, also when the change was made from the command line.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, select

from storage import history
from storage.lead_models import OPEN_LEAD_STATES, Lead, Touchpoint
from storage.models import ROLES, Commitment, Customer, Deal, Invite, Member, Notification, as_utc, utcnow
from storage.outbox import add_notification
from storage.teams import set_manager


class PeopleError(ValueError):
    """A change that cannot be made; the message is for the user (Chinese)."""


@dataclass
class Handover:
    leaver: Member
    receiver: Member
    deals: list[int] = field(default_factory=list)
    customers: list[int] = field(default_factory=list)
    commitments: list[int] = field(default_factory=list)
    leads: list[int] = field(default_factory=list)
    touchpoints: list[int] = field(default_factory=list)
    reports: list[int] = field(default_factory=list)  # members who had the leaver as manager
    told: list[int] = field(default_factory=list)     # member ids notified

    def summary(self) -> str:
        return (f"{len(self.deals)} 个进行中的商机、{len(self.customers)} 个客户、{len(self.commitments)} 个待办"
                + (f"、{len(self.leads)} 条线索" if self.leads else "")
                + (f"、{len(self.touchpoints)} 个客户触点" if self.touchpoints else ""))


def deactivate(*, session: Session, member: Member, handover_to: Member, by_id: int | None = None,
               now: datetime | None = None) -> Handover:
    """Deactivates `member`; their open deals, customers, open commitments, leads and touchpoints
    move to `handover_to` (an active member of the same team), all in one transaction."""
    now = as_utc(now) if now else utcnow()
    if not member.active:
        raise PeopleError(f"{member.name} 已经停用了")
    if handover_to.id == member.id or handover_to.team_id != member.team_id or not handover_to.active:
        raise PeopleError("交接人必须是同一团队中另一位在职成员")
    done = Handover(member, handover_to)
    try:
        _move(session, done, by_id, now)
        for report in session.exec(select(Member).where(Member.manager_id == member.id)).all():
            report.manager_id = member.manager_id if member.manager_id != report.id else None
            session.add(report)
            done.reports.append(report.id)
        session.execute(update(Invite).where(Invite.member_id == member.id, Invite.expires_at > now)
                        .values(expires_at=now))
        member.active = False
        session.add(member)
        history.record(session=session, entity="member", entity_id=member.id, field="active", old=True, new=False,
                       by_id=by_id, reason="handover", team_id=member.team_id, at=now)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    done.told = _tell(session, done, now)
    return done


def _move(session: Session, done: Handover, by_id: int | None, now: datetime) -> None:
    old, new = done.leaver.id, done.receiver.id
    for deal in session.exec(select(Deal).where(Deal.owner_id == old, Deal.status == "open")).all():
        history.deal_changed(session=session, deal=deal, field="owner", old=old, new=new, by_id=by_id,
                             reason="handover", at=now)
        deal.owner_id = new
        session.add(deal)
        done.deals.append(deal.id)
    for customer in session.exec(select(Customer).where(Customer.owner_id == old)).all():
        history.customer_owner_changed(session=session, customer=customer, old=old, new=new, by_id=by_id,
                                       reason="handover")
        customer.owner_id = new
        session.add(customer)
        done.customers.append(customer.id)
    for commitment in session.exec(select(Commitment).where(Commitment.owner_id == old,
                                                            Commitment.state == "open")).all():
        history.commitment_changed(session=session, commitment=commitment, field="owner", old=old, new=new,
                                   by_id=by_id, reason="handover")
        commitment.owner_id = new
        session.add(commitment)
        done.commitments.append(commitment.id)
    for lead in session.exec(select(Lead).where(Lead.state.in_(OPEN_LEAD_STATES),
                                                (Lead.owner_id == old) | (Lead.offered_to_id == old))).all():
        if lead.owner_id == old:
            lead.owner_id = new
        else:  # only offered to the leaver: offered again by the lead desk
            lead.state, lead.offered_to_id, lead.offered_at = "new", None, None
        session.add(lead)
        done.leads.append(lead.id)
    for touch in session.exec(select(Touchpoint).where(Touchpoint.owner_id == old,
                                                       Touchpoint.handled_at.is_(None))).all():
        touch.owner_id = new
        session.add(touch)
        done.touchpoints.append(touch.id)
    session.flush()


def _tell(session: Session, done: Handover, now: datetime) -> list[int]:
    """The leaver, the receiver and the leaver's manager (else the team's leads) hear of it."""
    what = done.summary()
    leaver, receiver = done.leaver, done.receiver
    texts = {leaver.id: f"👋 你的账号已停用。你负责的 {what} 已交接给 {receiver.name}。谢谢你的付出！",
             receiver.id: f"📦 {leaver.name} 的工作已交接给你：{what}。发送“今天”查看待办。"}
    boss = session.get(Member, leaver.manager_id) if leaver.manager_id else None
    bosses = [boss] if boss is not None and boss.active else list(session.exec(select(Member).where(
        Member.team_id == leaver.team_id, Member.role.in_(("lead", "admin")), Member.active == True)).all())  # noqa: E712
    for b in bosses:
        texts.setdefault(b.id, f"🔁 {leaver.name} 已停用，{what} 已交接给 {receiver.name}。")
    for member_id, text in texts.items():
        add_notification(session=session, kind="alert", recipient_id=member_id, text=text, send_at=now,
                         dedupe_key=f"handover:{leaver.id}:{member_id}", subject=f"member:{leaver.id}")
    return list(texts)


def activate(*, session: Session, member: Member, by_id: int | None = None, now: datetime | None = None) -> Member:
    """Brings a deactivated member back: their chat accounts work again (what was handed over stays
    with who took it over). They are told through the outbox."""
    now = as_utc(now) if now else utcnow()
    if member.active:
        raise PeopleError(f"{member.name} 没有停用，无需启用")
    member.active = True
    session.add(member)
    history.record(session=session, entity="member", entity_id=member.id, field="active", old=False, new=True,
                   by_id=by_id, reason="activate", team_id=member.team_id, at=now)
    add_notification(session=session, kind="alert", recipient_id=member.id, send_at=now,
                     text="👋 你的账号已重新启用，可以继续记录笔记了。发送“今天”查看待办。",
                     dedupe_key=f"activate:{member.id}:{now.isoformat()}", subject=f"member:{member.id}")
    session.commit()
    return member


def find_invite(*, session: Session, code: str) -> Invite | None:
    return session.exec(select(Invite).where(Invite.code == code.strip().upper())).first()


def revoke_invite(*, session: Session, code: str, now: datetime | None = None, team_id: int | None = None) -> Invite:
    """The code can no longer be used (it reads as expired); uses already made stay. With `team_id`,
    only a code of that team: checked before anything is written."""
    invite = find_invite(session=session, code=code)
    if invite is None:
        raise PeopleError(f"没有邀请码 {code.strip().upper()}")
    if team_id is not None and invite.team_id != team_id:
        raise PeopleError(f"邀请码 {invite.code} 属于其他团队，你不能作废它。")
    now = as_utc(now) if now else utcnow()
    if invite.expires_at <= now:
        raise PeopleError(f"邀请码 {invite.code} 已经失效，无需作废。")
    if invite.uses >= invite.max_uses:
        raise PeopleError(f"邀请码 {invite.code} 已经用过了，无需作废。")
    invite.expires_at = min(invite.expires_at, now)
    session.add(invite)
    session.commit()
    return invite


def change_member(*, session: Session, member: Member, manager: Member | None = None, role: str | None = None,
                  by_id: int | None = None, clear_manager: bool = False) -> Member:
    """Sets a member's manager (same team, no loops) and/or role, keeping the old values in history."""
    if role is not None and role not in ROLES:
        raise PeopleError(f"角色必须是 {'、'.join(ROLES)} 之一")
    old_manager, old_role = member.manager_id, member.role
    if manager is not None or clear_manager:
        if manager is not None and not manager.active:
            raise PeopleError(f"{manager.name} 已停用，不能做上级")
        try:
            set_manager(session=session, member=member, manager=manager)
        except ValueError as exc:
            raise PeopleError("上级必须是同一团队的成员，且不能形成循环") from exc
    if role is not None:
        member.role = role
        session.add(member)
    for name, old, new in (("manager", old_manager, member.manager_id), ("role", old_role, member.role)):
        if old != new:
            history.record(session=session, entity="member", entity_id=member.id, field=name, old=old, new=new,
                           by_id=by_id, reason=name, team_id=member.team_id)
    session.commit()
    return member


def rename_member(*, session: Session, member: Member, name: str, by_id: int | None = None) -> Member:
    """改名 / member set NAME --name NEW: a name no teammate has (1-30 characters), the old kept in history."""
    from storage.names import clean_name

    new = " ".join(clean_name(name or "").split())
    if not new or len(new) > 30:
        raise PeopleError("名字要有 1 到 30 个字")
    if new == member.name:
        return member
    taken = session.exec(select(Member.id).where(Member.team_id == member.team_id, Member.name == new,
                                                 Member.id != member.id)).first()
    if taken is not None:
        raise PeopleError(f"团队里已经有叫“{new}”的成员了，换一个名字吧")
    old, member.name = member.name, new
    session.add(member)
    history.record(session=session, entity="member", entity_id=member.id, field="name", old=old, new=new,
                   by_id=by_id, reason="name", team_id=member.team_id)
    session.commit()
    return member


def notices_for(*, session: Session, member_id: int) -> list[Notification]:
    """Handover notices written for a member (tests and the CLI's summary)."""
    return list(session.exec(select(Notification).where(Notification.recipient_id == member_id,
                                                        Notification.dedupe_key.like("handover:%"))).all())
