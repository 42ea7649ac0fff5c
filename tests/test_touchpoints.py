"""Touchpoints: matched to their customer by phone, company or contact, pushed to the owner, handled by
已处理 or a note on the customer; not handled in 24 h -> the manager; response times. Fake clocks."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.config import load_config
from reminders.lead_sweep import LeadDesk
from storage import leads as lead_ops
from storage import teams
from storage import touchpoints as touch_ops
from storage.models import Member
from storage.notes import apply_extraction, record_inbound
from storage.stages import stages_from_config

TZ = ZoneInfo("Asia/Shanghai")
CONFIG = load_config(None, env={})


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


class Sent(list):
    async def __call__(self, member_id, text, buttons):
        self.append((member_id, text, buttons))

    def to(self, member_id):
        return [m for m in self if m[0] == member_id]


@pytest.fixture
def team(db_sessions):
    """华东: 周经理 manages 甲 and 乙; 甲 has a note on 远大机械 (王总), 乙 claimed a lead with a phone."""
    with db_sessions() as s:
        t = teams.add_team(session=s, name="华东")
        boss = teams.add_member(session=s, team=t, name="周经理", role="manager")
        a = teams.add_member(session=s, team=t, name="甲", role="rep", manager=boss)
        b = teams.add_member(session=s, team=t, name="乙", role="rep", manager=boss)
        note = record_inbound(session=s, author_id=a.id, channel="cli", channel_message_id="n1",
                              received_at=at("2026-03-02T10:00"), text="远大机械王总要报价").note
        apply_extraction(session=s, note=note, extraction={"customer": {"name": "王总", "company": "远大机械"}},
                         stages=stages_from_config(CONFIG))
        values = lead_ops.clean_lead(s, {"team": "华东", "name": "李女士", "phone": "13900000002"},
                                     now=at("2026-03-02T10:00"))
        lead = lead_ops.add_leads(session=s, values=[values], now=at("2026-03-02T10:00"))[0]
        lead_ops.offer_leads(session=s, pairs=[(lead.id, b.id)], at=at("2026-03-02T10:00"))
        lead_ops.claim(session=s, lead_id=lead.id, member=s.get(Member, b.id), at=at("2026-03-02T10:05"))
        return {"team": t.id, "boss": boss.id, "a": a.id, "b": b.id}


def add(sessions, now, **fields):
    with sessions() as s:
        values = touch_ops.clean_touchpoint(s, {"team": "华东", "kind": "message", **fields}, now=now)
        return touch_ops.add_touchpoint(session=s, values=values, now=now)


@pytest.mark.parametrize("fields,owner", [
    ({"phone": "13900000002"}, "b"),                       # the phone of 乙's claimed lead
    ({"company": "远大机械"}, "a"),                          # the company
    ({"contact": "王总"}, "a"),                              # the contact of one customer
    ({"company": "不认识的公司", "phone": "13700000000"}, None),
])
def test_matched_by_phone_company_or_contact(db_sessions, team, fields, owner):
    touch = add(db_sessions, at("2026-03-10T10:00"), **fields)
    assert touch.owner_id == (team[owner] if owner else None)
    assert (touch.customer_id is not None) == (owner is not None)


def test_bad_touchpoints_name_the_field(db_sessions, team):
    with db_sessions() as s:
        for obj, field in [({"team": "华东", "kind": "fax", "company": "x"}, "kind"),
                           ({"team": "华东", "kind": "call"}, "company"),
                           ({"team": "华东", "kind": "call", "phone": "1", "at": "tomorrow"}, "at"),
                           ("not an object", "touchpoint")]:
            with pytest.raises(lead_ops.BadField) as err:
                touch_ops.clean_touchpoint(s, obj)
            assert err.value.field == field


async def test_pushed_to_the_owner_and_escalated_after_24h_unless_handled(db_sessions, team):
    sent = Sent()
    desk = LeadDesk(sessions=db_sessions, config=CONFIG, send=sent)
    now = at("2026-03-10T10:00")                                        # a Tuesday
    ignored = add(db_sessions, now, kind="complaint", company="远大机械", text="设备漏油")
    answered = add(db_sessions, now, kind="call", phone="13900000002", text="想要报价")
    unowned = add(db_sessions, now, company="新客户有限公司", text="留言咨询")
    await desk.sweep(now)
    assert [m[1].splitlines()[0] for m in sent.to(team["a"])] == [f"📣 客户「远大机械」投诉 #{ignored.id}：设备漏油"]
    assert sent.to(team["a"])[0][2] == ((("已处理", f"tdone:{ignored.id}"),),)
    assert len(sent.to(team["b"])) == 1
    assert any("没有负责人" in m[1] for m in sent.to(team["boss"]))   # nobody owns it: the manager
    with db_sessions() as s:
        touch_ops.mark_handled(session=s, touchpoint_id=answered.id, member=s.get(Member, team["b"]),
                               at=now + timedelta(hours=2))
        touch_ops.mark_handled(session=s, touchpoint_id=unowned.id, member=s.get(Member, team["boss"]),
                               at=now + timedelta(hours=1))
    await desk.sweep(now + timedelta(hours=23, minutes=59))
    assert not any("还没有处理" in m[1] for m in sent)
    await desk.sweep(now + timedelta(hours=24))
    late = [m for m in sent.to(team["boss"]) if "还没有处理" in m[1]]
    assert len(late) == 1 and "设备漏油" in late[0][1] and "甲" in late[0][1]
    await desk.sweep(now + timedelta(hours=30))
    assert len([m for m in sent if "还没有处理" in m[1]]) == 1       # once


def test_a_note_on_the_customer_handles_it_and_response_times_are_reported(db_sessions, team):
    now = at("2026-03-10T10:00")
    touch = add(db_sessions, now, company="远大机械", text="问交期")
    with db_sessions() as s:
        before = record_inbound(session=s, author_id=team["a"], channel="cli", channel_message_id="n2",
                                received_at=now + timedelta(hours=3), text="远大机械王总回电话了").note
        note = apply_extraction(session=s, note=before, extraction={"customer": {"name": "王总", "company": "远大机械"}},
                                stages=stages_from_config(CONFIG)).note
        assert touch_ops.handled_by_note(session=s, note=note) == [touch.id]
        times = touch_ops.response_times(session=s, team_id=team["team"], since=now, until=now + timedelta(days=7))
    assert [(r.member_id, r.handled, r.median_hours, r.open) for r in times] == [(team["a"], 1, 3.0, 0)]


async def test_a_touchpoint_at_night_is_pushed_in_the_morning_and_its_24h_start_then(db_sessions, team):
    sent = Sent()
    desk = LeadDesk(sessions=db_sessions, config=CONFIG, send=sent)
    add(db_sessions, at("2026-03-14T22:00"), company="远大机械", text="周六晚上的留言")   # Saturday
    about = lambda: [m for m in sent if "周六晚上的留言" in m[1]]                          # noqa: E731
    await desk.sweep(at("2026-03-14T22:01"))
    await desk.sweep(at("2026-03-15T12:00"))                                # Sunday
    assert about() == []
    await desk.sweep(at("2026-03-16T09:00"))                                # Monday 09:00
    assert [m[0] for m in about()] == [team["a"]]
    await desk.sweep(at("2026-03-17T08:59"))
    assert len(about()) == 1
    await desk.sweep(at("2026-03-17T09:00"))
    assert [m[0] for m in about()] == [team["a"], team["boss"]] and "还没有处理" in about()[1][1]


def test_phone_formats_and_catalogue_phones_match(db_sessions, team):
    from storage.catalog import set_phone
    from storage.models import Contact

    assert add(db_sessions, at("2026-03-10T10:00"), phone="+86 139-0000-0002").owner_id == team["b"]
    with db_sessions() as s:
        contact = s.exec(select(Contact).where(Contact.name == "王总")).one()
        set_phone(session=s, contact=contact, phone="13600000003")
        s.commit()
    assert add(db_sessions, at("2026-03-10T10:00"), phone="136 0000 0003").owner_id == team["a"]
