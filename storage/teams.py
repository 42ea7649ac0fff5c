"""Teams, members, chat accounts and invite codes. Every write commits its own unit of work."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from storage.models import ROLES, ChannelAccount, Invite, JoinAttempt, Member, Team, as_utc, utcnow

# No 0/O, 1/I/L: codes are read aloud and typed on phones.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
# Guessing codes: after JOIN_ATTEMPTS wrong codes within JOIN_WINDOW from one chat account, every try
# is refused for JOIN_WINDOW.
JOIN_ATTEMPTS = 5
JOIN_WINDOW = timedelta(minutes=10)


class NotFound(LookupError):
    """No team or member by that name."""


class Ambiguous(LookupError):
    """A member name that exists in several teams; `candidates` lists them."""

    def __init__(self, message: str, candidates: list):
        super().__init__(message)
        self.candidates = candidates


class Conflict(ValueError):
    """The name is taken."""


class InviteError(ValueError):
    """An invite code that cannot be used; `reason`: unknown | expired | used_up | too_many (this
    account sent too many wrong codes lately)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown timezone: {name!r}") from exc
    return name


def add_team(*, session: Session, name: str, timezone: str = "Asia/Shanghai", industry: str = "") -> Team:
    name = name.strip()
    if not name:
        raise ValueError("team name is empty")
    if session.exec(select(Team).where(Team.name == name)).first():
        raise Conflict(f"team already exists: {name}")
    team = Team(name=name, timezone=check_timezone(timezone), industry=industry or "")
    session.add(team)
    _commit_or_conflict(session, f"team already exists: {name}")
    return team


def find_team(*, session: Session, name: str) -> Team:
    team = session.exec(select(Team).where(Team.name == name.strip())).first()
    if team is None:
        raise NotFound(f"no team named {name!r}")
    return team


def find_member(*, session: Session, name: str, team: Team | None = None) -> Member:
    """A member by name; within `team` when given. Raises NotFound, or Ambiguous across teams."""
    query = select(Member).where(Member.name == name.strip())
    if team is not None:
        query = query.where(Member.team_id == team.id)
    found = list(session.exec(query).all())
    if not found:
        where = f" in team {team.name!r}" if team is not None else ""
        raise NotFound(f"no member named {name!r}{where}")
    if len(found) > 1:
        teams = [session.get(Team, m.team_id).name for m in found]
        raise Ambiguous(f"member name {name!r} exists in several teams: {', '.join(teams)}", found)
    return found[0]


def add_member(*, session: Session, team: Team, name: str, role: str = "rep",
               manager: Member | None = None) -> Member:
    name = name.strip()
    if not name:
        raise ValueError("member name is empty")
    _check_role(role)
    _check_manager(team, manager)
    if session.exec(select(Member).where(Member.team_id == team.id, Member.name == name)).first():
        raise Conflict(f"member {name!r} already exists in team {team.name!r}")
    member = Member(team_id=team.id, name=name, role=role, manager_id=manager.id if manager else None)
    session.add(member)
    _commit_or_conflict(session, f"member {name!r} already exists in team {team.name!r}")
    return member


def set_manager(*, session: Session, member: Member, manager: Member | None) -> Member:
    _check_manager(session.get(Team, member.team_id), manager)
    if manager is not None and (manager.id == member.id or member.id in _chain_above(session, manager)):
        raise ValueError("a manager chain cannot loop")
    member.manager_id = manager.id if manager else None
    session.add(member)
    session.commit()
    return member


def team_members(*, session: Session, team: Team, active_only: bool = True) -> list[Member]:
    query = select(Member).where(Member.team_id == team.id)
    if active_only:
        query = query.where(Member.active == True)  # noqa: E712 (SQL expression)
    return list(session.exec(query.order_by(Member.id)).all())


def member_for_account(*, session: Session, channel: str, external_id: str) -> Member | None:
    """The member bound to a chat account, or None (a stranger)."""
    account = session.exec(select(ChannelAccount).where(
        ChannelAccount.channel == channel, ChannelAccount.external_id == str(external_id))).first()
    if account is None:
        return None
    member = session.get(Member, account.member_id)
    return member if member is not None and member.active else None


def bind_account(*, session: Session, member: Member, channel: str, external_id: str,
                 display_name: str = "") -> ChannelAccount:
    account = ChannelAccount(member_id=member.id, channel=channel, external_id=str(external_id),
                             display_name=display_name or "")
    session.add(account)
    _commit_or_conflict(session, f"{channel} account {external_id} is already bound")
    return account


def new_invite_code(length: int = 8) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def create_invite(*, session: Session, team: Team, role: str = "rep", manager: Member | None = None,
                  member: Member | None = None, expires_in: timedelta = timedelta(days=7),
                  max_uses: int = 1, now: datetime | None = None) -> Invite:
    """A code that joins its holder to `team` with `role`; bound to `member` when given."""
    _check_role(role)
    _check_manager(team, manager)
    if member is not None and member.team_id != team.id:
        raise ValueError(f"member {member.name!r} is not in team {team.name!r}")
    if max_uses < 1:
        raise ValueError("max_uses must be at least 1")
    now = as_utc(now) if now else utcnow()
    for _ in range(5):  # a clash of 8 random characters is rare; retry rather than fail
        invite = Invite(code=new_invite_code(), team_id=team.id, role=role,
                        manager_id=manager.id if manager else None,
                        member_id=member.id if member else None,
                        expires_at=now + expires_in, max_uses=max_uses)
        session.add(invite)
        try:
            session.commit()
            return invite
        except IntegrityError:
            session.rollback()
    raise RuntimeError("could not create a unique invite code")


@dataclass
class Redeemed:
    member: Member
    team: Team
    new_member: bool  # False when the code was bound to an existing member
    already_bound: bool = False  # the account was bound before; the code was not used


def redeem_invite(*, session: Session, code: str, channel: str, external_id: str,
                  display_name: str = "", now: datetime | None = None) -> Redeemed:
    """/start CODE: binds a chat account to the code's member, or to a new member of its team."""
    existing = member_for_account(session=session, channel=channel, external_id=external_id)
    if existing is not None:
        return Redeemed(existing, session.get(Team, existing.team_id), False, already_bound=True)
    now = as_utc(now) if now else utcnow()
    if join_locked_until(session=session, channel=channel, account=str(external_id), now=now) is not None:
        raise InviteError("too_many")
    invite = session.exec(select(Invite).where(Invite.code == code.strip().upper())).first()
    wrong = "unknown" if invite is None else "expired" if invite.expires_at <= now \
        else "used_up" if invite.uses >= invite.max_uses else None
    if wrong:
        session.add(JoinAttempt(channel=channel, account=str(external_id)[:128], at=now))
        session.commit()
        raise InviteError(wrong)
    team = session.get(Team, invite.team_id)
    if invite.member_id is not None:
        member, new_member = session.get(Member, invite.member_id), False
    else:
        member = Member(team_id=team.id, name=_free_name(session, team, display_name),
                        role=invite.role, manager_id=invite.manager_id)
        session.add(member)
        session.flush()
        new_member = True
    session.add(ChannelAccount(member_id=member.id, channel=channel, external_id=str(external_id),
                               display_name=display_name or ""))
    invite.uses += 1
    session.add(invite)
    _commit_or_conflict(session, f"{channel} account {external_id} is already bound")
    return Redeemed(member, team, new_member)


def join_locked_until(*, session: Session, channel: str, account: str, now: datetime | None = None) -> datetime | None:
    """Until when this chat account may not try invite codes: JOIN_WINDOW after the moment it had
    sent JOIN_ATTEMPTS wrong codes within JOIN_WINDOW; None when it may try now."""
    now = as_utc(now) if now else utcnow()
    times = sorted(as_utc(t) for t in session.exec(select(JoinAttempt.at).where(
        JoinAttempt.channel == channel, JoinAttempt.account == account[:128],
        JoinAttempt.at > now - 2 * JOIN_WINDOW)).all())
    until = None
    for first, last in zip(times, times[JOIN_ATTEMPTS - 1:]):
        if last - first <= JOIN_WINDOW:
            until = last + JOIN_WINDOW
    return until if until is not None and until > now else None


def _free_name(session: Session, team: Team, wanted: str) -> str:
    """The display name, or the name with 2, 3, ... when a teammate already has it."""
    base = (wanted or "").strip()[:90] or "成员"
    taken = set(session.exec(select(Member.name).where(Member.team_id == team.id)).all())
    name, n = base, 2
    while name in taken:
        name, n = f"{base}{n}", n + 1
    return name


def _chain_above(session: Session, member: Member) -> set[int]:
    seen: set[int] = set()
    current = member
    while current is not None and current.manager_id and current.manager_id not in seen:
        seen.add(current.manager_id)
        current = session.get(Member, current.manager_id)
    return seen


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")


def _check_manager(team: Team, manager: Member | None) -> None:
    if manager is not None and manager.team_id != team.id:
        raise ValueError(f"manager {manager.name!r} is not in team {team.name!r}")


def _commit_or_conflict(session: Session, message: str) -> None:
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict(message) from exc
