"""Lead scoring (hand-computed), and dispatch against a real database: working hours, fewest open
leads, claim / pass, the 15-minute repeat of hot leads, the 24 h escalation. Clocks are fake."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.config import load_config
from reminders.lead_sweep import LeadDesk
from reminders.leads import LeadView, behaviour_score, basic_score, dispatch, score, settings_from_config
from storage import leads as lead_ops
from storage import teams
from storage.lead_models import Lead
from storage.leads import BadField, clean_lead
from storage.models import Notification

TZ = ZoneInfo("Asia/Shanghai")
CONFIG = load_config(None, env={})
SETTINGS = settings_from_config({"leads": {**CONFIG["leads"], "products": ["挖掘机"]}})


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def view(**kw) -> LeadView:
    base = dict(id=1, created_at=at("2026-03-10T09:00"), received_at=at("2026-03-10T09:00"))
    return LeadView(**{**base, **kw})


HOT = dict(region="上海市浦东新区", budget=300_000, product="小型挖掘机", dwell_seconds=200, video_completed=True, visits=3)


# --- scoring ---------------------------------------------------------------------------------------

def test_sub_scores_from_the_config_tables():
    lead = view(**HOT)
    assert basic_score(lead, SETTINGS) == 40 + 30 + 20      # 上海, >= 200k yuan, a product we sell
    assert behaviour_score(lead, SETTINGS) == 30 + 30 + 20  # >= 180 s, video watched, >= 3 visits


def test_score_hand_computed_and_decaying_over_hours():
    lead = view(**HOT)
    # 0.3 x 90 + 0.5 x 80 + 0.2 x max(0, 100 - 2 x hours)
    assert score(lead, at("2026-03-10T14:00"), SETTINGS) == 85.0   # 5 h: 27 + 40 + 18
    assert score(lead, at("2026-03-11T15:00"), SETTINGS) == 75.0   # 30 h: 27 + 40 + 8
    assert score(lead, at("2026-03-12T21:00"), SETTINGS) == 67.0   # 60 h: freshness is 0, never negative
    assert score(lead, at("2026-03-20T09:00"), SETTINGS) == 67.0


def test_a_thin_lead_scores_low_and_unknown_regions_get_the_default_points():
    lead = view(region="新疆", budget=5_000, product="", dwell_seconds=10, visits=0)
    assert basic_score(lead, SETTINGS) == 15   # "*" region, budget under the first band, no product
    assert behaviour_score(lead, SETTINGS) == 0
    assert score(lead, at("2026-03-10T09:00"), SETTINGS) == 0.3 * 15 + 20.0


def test_weights_come_from_config():
    flat = settings_from_config({"leads": {**CONFIG["leads"], "basic_weight": 0, "behaviour_weight": 1,
                                           "fresh_weight": 0}})
    assert score(view(**HOT), at("2026-03-10T09:00"), flat) == 80.0


def test_bad_config_names_the_key():
    with pytest.raises(ValueError, match="hot_score"):
        settings_from_config({"leads": {"hot_score": "high"}})


def test_dispatch_hottest_first_to_the_rep_with_fewest_open_leads():
    from reminders.leads import Rep

    leads = [(view(id=1), 50.0), (view(id=2), 90.0), (view(id=3), 70.0, )]
    reps = [Rep(10, "甲", open_leads=2), Rep(11, "乙", open_leads=0), Rep(12, "丙", open_leads=1)]
    assert dispatch(leads, reps) == [(2, 11), (3, 11), (1, 12)]
    passed = [(view(id=4, passed_by=frozenset({11})), 80.0)]
    assert dispatch(passed, reps) == [(4, 12)]


# --- intake validation -----------------------------------------------------------------------------

def test_clean_lead_names_the_bad_field(db_session):
    teams.add_team(session=db_session, name="华东")
    good = clean_lead(db_session, {"team": "华东", "name": "王先生", "phone": "13800000000", "budget": "50000",
                                   "video_completed": "true", "created_at": "2026-03-10T09:00"})
    assert good["budget"] == 50_000 and good["video_completed"] is True
    assert good["created_at"] == at("2026-03-10T09:00")  # no offset: the team's timezone
    for bad, field in [({"team": "华东", "name": "x", "budget": "很多"}, "budget"),
                       ({"team": "华东", "name": "x", "created_at": "昨天"}, "created_at"),
                       ({"team": "华东", "name": "x", "visits": -1}, "visits"),
                       ({"team": "华东", "name": "x", "video_completed": "maybe"}, "video_completed"),
                       ({"team": "西北", "name": "x"}, "team"),
                       ({"team": "华东"}, "name")]:
        with pytest.raises(BadField) as err:
            clean_lead(db_session, bad)
        assert err.value.field == field


# --- dispatch with the database ----------------------------------------------------------------------

class Sent:
    def __init__(self):
        self.messages = []

    async def __call__(self, member_id, text, buttons):
        self.messages.append((member_id, text, buttons))
        return ["ok"]

    def to(self, member_id):
        return [m for m in self.messages if m[0] == member_id]


@pytest.fixture
def team(db_sessions):
    with db_sessions() as s:
        t = teams.add_team(session=s, name="华东")
        boss = teams.add_member(session=s, team=t, name="周经理", role="manager")
        reps = [teams.add_member(session=s, team=t, name=n, role="rep", manager=boss) for n in ("甲", "乙")]
        for i, m in enumerate([boss, *reps]):
            teams.bind_account(session=s, member=m, channel="local", external_id=f"u{i}")
        return {"boss": boss.id, "a": reps[0].id, "b": reps[1].id}


def add(sessions, now, **fields):
    with sessions() as s:
        values = clean_lead(s, {"team": "华东", "name": "客户", **fields}, now=now)
        return lead_ops.add_leads(session=s, values=[values], now=now)[0].id


def lead(sessions, lead_id) -> Lead:
    with sessions() as s:
        return s.get(Lead, lead_id)


def member(sessions, member_id):
    from storage.models import Member

    with sessions() as s:
        return s.get(Member, member_id)


async def test_no_offer_outside_working_hours_then_at_nine(db_sessions, team):
    sent = Sent()
    desk = LeadDesk(sessions=db_sessions, config=CONFIG, send=sent)
    lead_id = add(db_sessions, at("2026-03-13T20:00"), **HOT)      # a Friday evening
    await desk.sweep(at("2026-03-13T20:01"))
    await desk.sweep(at("2026-03-14T10:00"))                        # Saturday: not a working day
    assert sent.messages == [] and lead(db_sessions, lead_id).state == "new"
    await desk.sweep(at("2026-03-16T09:00"))                        # Monday 09:00
    assert lead(db_sessions, lead_id).state == "offered"
    (who, text, buttons), = sent.messages       # the manager is not told yet: its 24 h start now
    assert who == team["a"] and "新线索" in text and [b[1] for b in buttons[0]] == [f"lclaim:{lead_id}", f"lpass:{lead_id}"]


async def test_fewest_open_leads_then_pass_goes_to_the_other_rep(db_sessions, team):
    sent = Sent()
    desk = LeadDesk(sessions=db_sessions, config=CONFIG, send=sent)
    now = at("2026-03-10T10:00")
    first = add(db_sessions, now, company="甲公司")
    await desk.sweep(now)
    assert lead(db_sessions, first).offered_to_id == team["a"]       # a tie: the first rep
    second = add(db_sessions, now, company="乙公司")
    await desk.sweep(now + timedelta(minutes=1))
    assert lead(db_sessions, second).offered_to_id == team["b"]      # 甲 has one open lead, 乙 none
    with db_sessions() as s:
        lead_ops.pass_on(session=s, lead_id=second, member=member(db_sessions, team["b"]), at=now)
    await desk.sweep(now + timedelta(minutes=2))
    assert lead(db_sessions, second).offered_to_id == team["a"]      # 乙 passed: never offered again
    with db_sessions() as s:
        claimed = lead_ops.claim(session=s, lead_id=second, member=member(db_sessions, team["a"]), at=now)
        assert claimed.state == "claimed" and claimed.customer_id is not None
        with pytest.raises(lead_ops.LeadAnswer):
            lead_ops.claim(session=s, lead_id=second, member=member(db_sessions, team["b"]), at=now)


async def test_hot_lead_offered_again_every_15_minutes_until_claimed(db_sessions, team):
    sent = Sent()
    desk = LeadDesk(sessions=db_sessions, config=CONFIG, send=sent)
    now = at("2026-03-10T10:00")
    hot = add(db_sessions, now, **HOT)                       # scores 85 (the pack has no 挖掘机: 83)
    cool = add(db_sessions, now, region="新疆")               # scores about 25
    for minute in (0, 5, 14, 15, 16, 29, 30, 31, 45):
        await desk.sweep(now + timedelta(minutes=minute))
    offers = [m for m in sent.messages if f"#{hot}" in m[1]]
    assert len(offers) == 4                                   # at 0, 15, 30, 45 minutes
    assert sum("再次提醒" in m[1] for m in offers) == 3
    assert len([m for m in sent.messages if f"#{cool}" in m[1]]) == 1   # below 72: once
    owner = lead(db_sessions, hot).offered_to_id
    with db_sessions() as s:
        lead_ops.claim(session=s, lead_id=hot, member=member(db_sessions, owner), at=now + timedelta(minutes=46))
    await desk.sweep(now + timedelta(minutes=60))
    assert len([m for m in sent.messages if f"#{hot}" in m[1]]) == 4


async def test_not_contacted_within_24h_goes_to_the_manager(db_sessions, team):
    sent = Sent()
    desk = LeadDesk(sessions=db_sessions, config=CONFIG, send=sent)
    now = at("2026-03-10T10:00")
    slow = add(db_sessions, now, company="慢公司")
    quick = add(db_sessions, now, company="快公司")
    await desk.sweep(now)
    with db_sessions() as s:
        for lead_id in (slow, quick):
            owner = member(db_sessions, lead(db_sessions, lead_id).offered_to_id)
            lead_ops.claim(session=s, lead_id=lead_id, member=owner, at=now + timedelta(hours=1))
        lead_ops.mark_contacted(session=s, lead_id=quick, member=owner, at=now + timedelta(hours=2))
    await desk.sweep(now + timedelta(hours=23, minutes=59))
    assert sent.to(team["boss"]) == []
    await desk.sweep(now + timedelta(hours=24))
    await desk.sweep(now + timedelta(hours=25))
    late = sent.to(team["boss"])
    assert len(late) == 1 and "慢公司" in late[0][1] and "24 小时" in late[0][1]
    with db_sessions() as s:
        keys = s.exec(select(Notification.dedupe_key).where(Notification.kind == "lead_late")).all()
    assert keys == [f"lead:late:{slow}:{team['boss']}"]


async def test_a_note_on_the_claimed_customer_is_the_first_touch(db_sessions, team):
    from storage.notes import apply_extraction, record_inbound
    from storage.stages import stages_from_config

    desk = LeadDesk(sessions=db_sessions, config=CONFIG, send=Sent())
    now = at("2026-03-10T10:00")
    lead_id = add(db_sessions, now, company="远大机械", name="王总")
    await desk.sweep(now)
    rep = member(db_sessions, lead(db_sessions, lead_id).offered_to_id)
    with db_sessions() as s:
        lead_ops.claim(session=s, lead_id=lead_id, member=rep, at=now + timedelta(minutes=5))
        note = record_inbound(session=s, author_id=rep.id, channel="cli", channel_message_id="n1",
                              received_at=now + timedelta(hours=3), text="远大机械王总电话聊了").note
        applied = apply_extraction(session=s, note=note, extraction={"customer": {"name": "王总", "company": "远大机械"}},
                                   stages=stages_from_config(CONFIG))
        assert lead_ops.contacted_by_note(session=s, note=applied.note) == [lead_id]
        touch, = lead_ops.first_touch(session=s, member_ids=[rep.id], since=now, until=now + timedelta(days=1))
    assert (touch.contacted, touch.median_hours) == (1, 3.0)


def test_a_managers_late_leads_of_one_sweep_come_in_one_message():
    from types import SimpleNamespace as Row

    from reminders.lead_sweep import batch

    rows = [Row(id=i, kind="lead_late", recipient_id=1, subject=f"lead:{i}", text=f"⚠️ 线索 #{i} 超时")
            for i in range(1, 26)]
    rows.append(Row(id=99, kind="lead", recipient_id=2, subject="lead:99", text="🆕 新线索 #99"))
    out = batch(rows)
    assert [(r, ids) for r, _, _, ids in out] == [(2, [99]), (1, list(range(1, 26)))]
    offer, late = out[0], out[1]
    assert offer[2] == ((("认领", "lclaim:99"), ("放弃", "lpass:99")),)
    assert late[1].count("超时") == 20 and "共 25 条" in late[1]


async def test_the_24_hours_of_a_lead_that_came_at_night_start_at_nine(db_sessions, team):
    sent = Sent()
    desk = LeadDesk(sessions=db_sessions, config=CONFIG, send=sent)
    lead_id = add(db_sessions, at("2026-03-13T20:00"), company="夜里公司")   # Friday evening
    await desk.sweep(at("2026-03-16T09:00"))
    await desk.sweep(at("2026-03-17T08:59"))
    assert sent.to(team["boss"]) == []
    await desk.sweep(at("2026-03-17T09:00"))                                # Monday 09:00 + 24 h
    assert len(sent.to(team["boss"])) == 1 and f"#{lead_id}" in sent.to(team["boss"])[0][1]


async def test_typed_answers_find_the_one_open_item_or_ask_which(db_sessions, team):
    from bot.lead_chat import _contacted, is_answer

    assert is_answer("已联系") and is_answer("已联系 12") and is_answer("已处理#3。")
    assert not is_answer("已联系张总，下周见面")            # a note, not an answer
    now = at("2026-03-10T10:00")
    rep = member(db_sessions, team["a"])
    ids = [add(db_sessions, now, company=name) for name in ("一号公司", "二号公司", "三号公司")]
    with db_sessions() as s:
        lead_ops.offer_leads(session=s, pairs=[(i, rep.id) for i in ids], at=now)
        assert _contacted(s, rep.id, None, now) == "你没有待联系的线索。"
        lead_ops.claim(session=s, lead_id=ids[0], member=rep, at=now)
        assert _contacted(s, rep.id, None, now).startswith(f"✅ 线索 #{ids[0]}")      # the only one
        for lead_id in ids[1:]:
            lead_ops.claim(session=s, lead_id=lead_id, member=rep, at=now)
        question = _contacted(s, rep.id, None, now)
        assert question.startswith("是哪一条线索？") and "二号公司" in question and "三号公司" in question
        assert _contacted(s, rep.id, ids[2], now).startswith(f"✅ 线索 #{ids[2]}")
        assert "请先认领" in _contacted(s, team["b"], ids[1], now)
