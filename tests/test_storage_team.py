"""Teams, members, invites, chat accounts, visibility and the outbox, on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from storage.models import Member, Notification
from storage.outbox import acquire_lease, add_notification, due_notifications, mark_sent, release_lease
from storage.queries import visible_member_ids
from storage.teams import (Ambiguous, Conflict, InviteError, NotFound, add_member, add_team, create_invite,
                           find_member, member_for_account, redeem_invite, set_manager)

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)


def test_member_names_are_unique_within_a_team_only(db_session):
    east = add_team(session=db_session, name="华东")
    south = add_team(session=db_session, name="华南")
    add_member(session=db_session, team=east, name="小李")
    with pytest.raises(Conflict):
        add_member(session=db_session, team=east, name="小李")
    add_member(session=db_session, team=south, name="小李")
    with pytest.raises(Ambiguous) as many:
        find_member(session=db_session, name="小李")
    assert len(many.value.candidates) == 2
    assert find_member(session=db_session, name="小李", team=south).team_id == south.id
    with pytest.raises(NotFound):
        find_member(session=db_session, name="小王")


def test_team_checks_its_timezone_and_name(db_session):
    with pytest.raises(ValueError):
        add_team(session=db_session, name="华北", timezone="Mars/Olympus")
    add_team(session=db_session, name="华北", timezone="Asia/Urumqi", industry="建材")
    with pytest.raises(Conflict):
        add_team(session=db_session, name="华北")


def test_manager_must_be_in_the_team_and_chains_cannot_loop(db_session):
    east = add_team(session=db_session, name="华东")
    south = add_team(session=db_session, name="华南")
    boss = add_member(session=db_session, team=south, name="赵总", role="manager")
    with pytest.raises(ValueError):
        add_member(session=db_session, team=east, name="小李", manager=boss)
    a = add_member(session=db_session, team=east, name="甲", role="manager")
    b = add_member(session=db_session, team=east, name="乙", role="manager", manager=a)
    with pytest.raises(ValueError):
        set_manager(session=db_session, member=a, manager=b)


def test_invite_joins_a_new_member_with_the_codes_role_and_manager(db_session):
    team = add_team(session=db_session, name="华东")
    manager = add_member(session=db_session, team=team, name="王经理", role="manager")
    invite = create_invite(session=db_session, team=team, role="rep", manager=manager, now=NOW)
    assert len(invite.code) == 8
    joined = redeem_invite(session=db_session, code=invite.code.lower(), channel="telegram",
                           external_id="1001", display_name="李雷", now=NOW + timedelta(hours=1))
    assert joined.new_member and joined.member.name == "李雷" and joined.member.role == "rep"
    assert joined.member.manager_id == manager.id and joined.team.id == team.id
    assert member_for_account(session=db_session, channel="telegram", external_id="1001").id == joined.member.id
    assert member_for_account(session=db_session, channel="wecom", external_id="1001") is None
    with pytest.raises(InviteError) as used:
        redeem_invite(session=db_session, code=invite.code, channel="telegram", external_id="1002", now=NOW)
    assert used.value.reason == "used_up"
    again = redeem_invite(session=db_session, code="whatever", channel="telegram", external_id="1001", now=NOW)
    assert again.already_bound and again.member.id == joined.member.id


def test_invite_bound_to_a_member_and_expiry(db_session):
    team = add_team(session=db_session, name="华东")
    rep = add_member(session=db_session, team=team, name="小李")
    add_member(session=db_session, team=team, name="韩梅梅")
    bound = create_invite(session=db_session, team=team, member=rep, now=NOW)
    joined = redeem_invite(session=db_session, code=bound.code, channel="wecom", external_id="lilei", now=NOW)
    assert not joined.new_member and joined.member.id == rep.id
    open_code = create_invite(session=db_session, team=team, role="lead", expires_in=timedelta(days=1),
                              max_uses=3, now=NOW)
    second = redeem_invite(session=db_session, code=open_code.code, channel="local", external_id="x",
                           display_name="韩梅梅", now=NOW)
    assert second.member.name == "韩梅梅2" and second.member.role == "lead"  # names stay unique
    with pytest.raises(InviteError) as late:
        redeem_invite(session=db_session, code=open_code.code, channel="local", external_id="y",
                      now=NOW + timedelta(days=2))
    assert late.value.reason == "expired"
    with pytest.raises(InviteError) as unknown:
        redeem_invite(session=db_session, code="NOPE2345", channel="local", external_id="z", now=NOW)
    assert unknown.value.reason == "unknown"


def test_visibility_follows_role_and_manager_chain(db_session):
    east = add_team(session=db_session, name="华东")
    south = add_team(session=db_session, name="华南")
    lead = add_member(session=db_session, team=east, name="陈总监", role="lead")
    director = add_member(session=db_session, team=east, name="王经理", role="manager")
    sub = add_member(session=db_session, team=east, name="刘主管", role="manager", manager=director)
    rep1 = add_member(session=db_session, team=east, name="小李", manager=sub)
    rep2 = add_member(session=db_session, team=east, name="小张", manager=director)
    other_manager = add_member(session=db_session, team=east, name="赵经理", role="manager")
    rep3 = add_member(session=db_session, team=east, name="小赵", manager=other_manager)
    far = add_member(session=db_session, team=south, name="小陈")
    admin = add_member(session=db_session, team=south, name="管理员", role="admin")

    def sees(member):
        return visible_member_ids(session=db_session, member=member)

    assert sees(rep1) == {rep1.id}
    assert sees(sub) == {sub.id, rep1.id}
    assert sees(director) == {director.id, sub.id, rep1.id, rep2.id}
    assert sees(other_manager) == {other_manager.id, rep3.id}
    assert sees(lead) == {lead.id, director.id, sub.id, rep1.id, rep2.id, other_manager.id, rep3.id}
    assert sees(admin) == set(db_session.exec(select(Member.id)).all())
    assert far.id not in sees(lead)


def test_outbox_dedupes_orders_and_marks_sent_once(db_session):
    team = add_team(session=db_session, name="华东")
    rep = add_member(session=db_session, team=team, name="小李")
    later, created = add_notification(session=db_session, kind="nudge", recipient_id=rep.id, text="明天发货",
                                      send_at=NOW + timedelta(hours=2), dedupe_key="nudge:c1:2026-03-02")
    assert created
    again, created = add_notification(session=db_session, kind="nudge", recipient_id=rep.id, text="明天发货",
                                       send_at=NOW, dedupe_key="nudge:c1:2026-03-02")
    assert not created and again.id == later.id
    first, _ = add_notification(session=db_session, kind="digest", recipient_id=rep.id, text="今天",
                                send_at=NOW, dedupe_key="digest:小李:2026-03-02")
    assert [n.id for n in due_notifications(session=db_session, now=NOW + timedelta(hours=3))] == [first.id, later.id]
    assert [n.id for n in due_notifications(session=db_session, now=NOW)] == [first.id]
    assert mark_sent(session=db_session, notification=first, at=NOW)
    assert not mark_sent(session=db_session, notification=first, at=NOW)  # someone else sent it
    assert due_notifications(session=db_session, now=NOW) == []
    assert db_session.get(Notification, first.id).sent_at == NOW


def test_lease_lets_one_holder_sweep_at_a_time(db_session):
    ttl = timedelta(seconds=90)
    assert acquire_lease(session=db_session, name="sweep", holder="a", ttl=ttl, now=NOW)
    assert not acquire_lease(session=db_session, name="sweep", holder="b", ttl=ttl, now=NOW + timedelta(seconds=30))
    assert acquire_lease(session=db_session, name="sweep", holder="a", ttl=ttl, now=NOW + timedelta(seconds=60))
    assert acquire_lease(session=db_session, name="sweep", holder="b", ttl=ttl, now=NOW + timedelta(seconds=200))
    release_lease(session=db_session, name="sweep", holder="b")
    assert acquire_lease(session=db_session, name="sweep", holder="a", ttl=ttl)
