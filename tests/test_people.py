"""People come and go: a handover moves exactly what is open, tells the three people concerned, and the
leaver's chat account is refused from then on; invites are revoked; managers and roles change."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlmodel import select

from bot import ops_chat
from storage import history, people, teams
from storage.history_models import ChangeLog
from storage.lead_models import Lead
from storage.models import Commitment, Customer, Deal, Invite, Member, Notification
from storage.reminder_queries import pending
from tests.test_conversation import Bot

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)


@pytest.fixture
def office(db_session):
    """王经理 manages 李雷 (leaving), 韩梅 (taking over) and 张伟 (not involved)."""
    s = db_session
    team = teams.add_team(session=s, name="华东")
    wang = teams.add_member(session=s, team=team, name="王经理", role="manager")
    li = teams.add_member(session=s, team=team, name="李雷", manager=wang)
    han = teams.add_member(session=s, team=team, name="韩梅", manager=wang)
    zhang = teams.add_member(session=s, team=team, name="张伟", manager=wang)
    rows = {}
    for label, owner in (("li_a", li), ("li_b", li), ("zhang", zhang)):
        customer = Customer(team_id=team.id, name=label, key=label, owner_id=owner.id)
        s.add(customer)
        s.flush()
        rows[label] = customer
    deals = {"li_open": Deal(team_id=team.id, customer_id=rows["li_a"].id, owner_id=li.id, stage="线索"),
             "li_won": Deal(team_id=team.id, customer_id=rows["li_b"].id, owner_id=li.id, stage="签约", status="won"),
             "zhang_open": Deal(team_id=team.id, customer_id=rows["zhang"].id, owner_id=zhang.id, stage="线索")}
    s.add_all(deals.values())
    s.flush()
    commitments = {
        "li_open": Commitment(owner_id=li.id, deal_id=deals["li_open"].id, customer_id=rows["li_a"].id,
                              kind="delivery", due_date=date(2026, 3, 15)),
        "li_done": Commitment(owner_id=li.id, deal_id=deals["li_open"].id, customer_id=rows["li_a"].id,
                              kind="followup", due_date=date(2026, 2, 15), state="done"),
        "zhang_open": Commitment(owner_id=zhang.id, customer_id=rows["zhang"].id, kind="meeting",
                                 due_date=date(2026, 3, 9))}
    s.add_all(commitments.values())
    lead = Lead(team_id=team.id, name="赵先生", created_at=NOW, state="claimed", owner_id=li.id)
    s.add(lead)
    s.commit()
    return dict(team=team, wang=wang, li=li, han=han, zhang=zhang, customers=rows, deals=deals,
                commitments=commitments, lead=lead)


def owner(session, model, row):
    return session.get(model, row.id).owner_id


def test_handover_moves_exactly_the_open_rows_and_tells_three_people(db_session, office):
    s, li, han, zhang, wang = db_session, office["li"], office["han"], office["zhang"], office["wang"]
    done = people.deactivate(session=s, member=li, handover_to=han, by_id=wang.id, now=NOW)
    s.expire_all()
    assert owner(s, Deal, office["deals"]["li_open"]) == han.id
    assert owner(s, Deal, office["deals"]["li_won"]) == li.id          # closed deals stay with who won them
    assert owner(s, Deal, office["deals"]["zhang_open"]) == zhang.id
    assert owner(s, Customer, office["customers"]["li_a"]) == han.id
    assert owner(s, Customer, office["customers"]["li_b"]) == han.id
    assert owner(s, Customer, office["customers"]["zhang"]) == zhang.id
    assert owner(s, Commitment, office["commitments"]["li_open"]) == han.id
    assert owner(s, Commitment, office["commitments"]["li_done"]) == li.id  # done stays in li's record
    assert owner(s, Commitment, office["commitments"]["zhang_open"]) == zhang.id
    assert owner(s, Lead, office["lead"]) == han.id
    assert (len(done.deals), len(done.customers), len(done.commitments), len(done.leads)) == (1, 2, 1, 1)
    assert s.get(Member, li.id).active is False
    # The three people hear of it through the outbox, which the running bot's scheduler sends.
    due = pending(session=s, now=NOW)
    assert {n.recipient_id for n in due} == {li.id, han.id, wang.id}
    texts = {n.recipient_id: n.text for n in due}
    assert "韩梅" in texts[li.id] and "李雷" in texts[han.id] and "李雷" in texts[wang.id]
    # Every move is in the history, with who did it.
    moves = s.exec(select(ChangeLog).where(ChangeLog.reason == "handover")).all()
    assert {(c.entity, c.entity_id) for c in moves if c.field == "owner"} == {
        ("deal", office["deals"]["li_open"].id), ("customer", office["customers"]["li_a"].id),
        ("customer", office["customers"]["li_b"].id), ("commitment", office["commitments"]["li_open"].id)}
    assert all(c.changed_by_id == wang.id for c in moves)


def test_handover_refuses_a_receiver_outside_the_team_or_the_leaver_themself(db_session, office):
    other = teams.add_member(session=db_session, team=teams.add_team(session=db_session, name="华南"), name="外人")
    for receiver in (other, office["li"]):
        with pytest.raises(people.PeopleError):
            people.deactivate(session=db_session, member=office["li"], handover_to=receiver, now=NOW)
    assert db_session.get(Member, office["li"].id).active is True
    assert owner(db_session, Deal, office["deals"]["li_open"]) == office["li"].id


def test_the_leavers_reports_go_to_the_leavers_manager(db_session, office):
    people.deactivate(session=db_session, member=office["wang"], handover_to=office["han"], now=NOW)
    assert db_session.get(Member, office["li"].id).manager_id is None  # 王经理 had no manager
    assert db_session.get(Member, office["wang"].id).active is False


def test_revoked_invite_cannot_be_used(db_session, office):
    invite = teams.create_invite(session=db_session, team=office["team"], role="rep", now=NOW)
    people.revoke_invite(session=db_session, code=invite.code.lower(), now=NOW)
    with pytest.raises(teams.InviteError):
        teams.redeem_invite(session=db_session, code=invite.code, channel="local", external_id="x", now=NOW + timedelta(seconds=1))
    with pytest.raises(people.PeopleError):
        people.revoke_invite(session=db_session, code="NOPE2345")


def test_change_manager_and_role_keeps_history(db_session, office):
    s = db_session
    people.change_member(session=s, member=office["li"], manager=office["zhang"], role="manager", by_id=office["wang"].id)
    li = s.get(Member, office["li"].id)
    assert (li.manager_id, li.role) == (office["zhang"].id, "manager")
    fields = {c.field: (c.old_value, c.new_value) for c in history.changes(session=s, entity="member", entity_id=li.id)}
    assert fields == {"manager": (str(office["wang"].id), str(office["zhang"].id)), "role": ("rep", "manager")}
    with pytest.raises(people.PeopleError):  # a loop: 张伟 under 李雷 under 张伟
        people.change_member(session=s, member=office["zhang"], manager=li)
    with pytest.raises(people.PeopleError):
        people.change_member(session=s, member=li, role="boss")


# --- in chat -----------------------------------------------------------------------------------------

@pytest.fixture
async def bot(tmp_path):
    b = Bot(tmp_path)
    yield b
    await b.conversation.close()
    b.cleanup()


async def test_a_deactivated_member_is_refused(bot):
    bot.member("王经理", role="manager")
    bot.member("李雷", manager="王经理")
    bot.member("韩梅", manager="王经理")
    assert "已记录" in (await bot.say("李雷", "张总，A型号订50台，3月15日发货"))[0].text
    replies = await bot.say("王经理", "停用 李雷 交接给 韩梅")
    assert "已停用 李雷" in replies[0].text and "韩梅" in replies[0].text
    notes_before = len(bot.rows(Notification, Notification.kind == "card"))
    replies = await bot.say("李雷", "刘总，B型号订20台")
    assert [r.text for r in replies] == [ops_chat.DEACTIVATED]
    assert len(bot.rows(Notification, Notification.kind == "card")) == notes_before
    [deal] = bot.rows(Deal)
    with bot.sessions() as s:
        han = teams.find_member(session=s, name="韩梅")
    assert deal.owner_id == han.id


async def test_a_rep_cannot_deactivate_and_a_manager_only_their_own_people(bot):
    bot.member("王经理", role="manager")
    bot.member("赵经理", role="manager")
    bot.member("李雷", manager="王经理")
    bot.member("韩梅", manager="王经理")
    assert "只有经理" in (await bot.say("韩梅", "停用 李雷 交接给 韩梅"))[0].text
    assert "不是你的下属" in (await bot.say("赵经理", "停用 李雷 交接给 韩梅"))[0].text
    assert all(m.active for m in bot.rows(Member))


# --- the command line ------------------------------------------------------------------------------

def test_member_commands(tmp_path, capsys):
    import json

    from bot.cli import main

    db = f"sqlite:///{tmp_path / 'cli.db'}"
    run = lambda *args: main(["--db", db, *args])  # noqa: E731
    assert run("team", "create", "华东") == 0
    for name, role, boss in (("王经理", "manager", None), ("李雷", "rep", "王经理"), ("韩梅", "rep", "王经理")):
        assert run("member", "add", name, "--team", "华东", "--role", role, *(["--manager", boss] if boss else [])) == 0
    capsys.readouterr()
    assert run("member", "deactivate", "李雷", "--handover-to", "韩梅") == 0
    result = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert (result["member"], result["handover_to"], result["told"]) == ("李雷", "韩梅", 3)
    assert run("member", "deactivate", "李雷", "--handover-to", "韩梅") == 2   # already inactive
    assert run("member", "deactivate", "韩梅", "--handover-to", "没这人") == 1
    assert run("member", "set", "韩梅", "--role", "manager", "--manager", "none") == 0
    assert run("member", "set", "韩梅") == 2
    capsys.readouterr()
    assert run("member", "show", "韩梅") == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["role"], shown["manager"]) == ("manager", None)
    assert run("invite", "--team", "华东", "--role", "rep") == 0
    code = capsys.readouterr().out.strip().splitlines()[-1]
    assert run("invite", "revoke", code) == 0
    assert run("invite", "revoke", "NOPE2345") == 1
    assert run("invite", "revoke") == 2
    from storage.db import open_database
    engine, sessions = open_database(db)
    with sessions() as s:
        with pytest.raises(teams.InviteError):
            teams.redeem_invite(session=s, code=code, channel="local", external_id="new")
    engine.dispose()


async def test_the_running_schedulers_sweep_delivers_the_three_handover_messages(db_sessions):
    from bot.config import load_config
    from reminders.policy import policy_from_config
    from reminders.scheduler import ReminderScheduler

    with db_sessions() as s:
        team = teams.add_team(session=s, name="华东")
        wang = teams.add_member(session=s, team=team, name="王经理", role="manager")
        li = teams.add_member(session=s, team=team, name="李雷", manager=wang)
        han = teams.add_member(session=s, team=team, name="韩梅", manager=wang)
        people.deactivate(session=s, member=li, handover_to=han, now=NOW)
        ids = {"li": li.id, "han": han.id, "wang": wang.id}
    sent = []

    async def send(message):
        sent.append(message)

    scheduler = ReminderScheduler(sessions=db_sessions, policy=policy_from_config(load_config(None, env={})),
                                  send=send, clock=lambda: NOW)
    await scheduler.sweep(NOW)
    told = {m.recipient_id: m.text for m in sent if "交接" in m.text or "停用" in m.text}
    assert set(told) == set(ids.values())
    assert "韩梅" in told[ids["li"]] and "李雷" in told[ids["han"]] and "李雷" in told[ids["wang"]]
    sent.clear()
    await scheduler.sweep(NOW + timedelta(minutes=1))  # sent once: a second sweep repeats nothing
    assert not [m for m in sent if "交接" in m.text]
