"""A simulated fortnight for a team of one manager and three reps, across the 2026 National Day week.

The expected notifications below were worked out by hand from the policy (config defaults) and
written down before the simulation was first run. Calendar: 国庆 Oct 1-7 2026 are holidays;
Saturday Oct 10 is an adjusted working day; Sunday Oct 11 is off.

Notes are stored the way `salesbot note` stores them after parsing (record_inbound + apply_extraction
with the Extraction); kept promises are marked done the way the conversation does on 完成.
The scheduler sweeps every 30 minutes of a fake clock from Mon Sep 28 00:00 to Sun Oct 11 23:30.
"""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.config import load_config
import dataclasses

from reminders.policy import policy_from_config
from reminders.scheduler import ReminderScheduler
from storage import teams
from storage.deals import change_stage, complete_commitment
from storage.models import Commitment, Deal
from storage.notes import apply_extraction, record_inbound
from storage.stages import stages_from_config

TZ = ZoneInfo("Asia/Shanghai")
CONFIG = load_config(None, env={})
STAGES = stages_from_config(CONFIG)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def planned(day: str, kind: str) -> dict:
    return {"date": day, "kind": kind, "status": "planned"}


# (time, rep, what was said, extraction)
NOTES = [
    # before the fortnight: 张伟's deal with 恒通物流, moved to 商务谈判 a few minutes later
    ("2026-09-15T10:00", "张伟", "恒通物流刘总，报价80万",
     {"customer": {"name": "刘总", "company": "恒通物流"}, "money": [{"amount": 800_000, "kind": "quote"}]}),
    ("2026-09-28T10:00", "李雷", "华东机械张总，A型号50台，9月30日发货",
     {"customer": {"name": "张总", "company": "华东机械"}, "items": [{"product": "A型号", "quantity": 50, "unit": "台"}],
      "dates": [planned("2026-09-30", "delivery")]}),
    ("2026-09-29T15:00", "李雷", "华东机械张总说明天付款",
     {"customer": {"name": "张总", "company": "华东机械"}, "dates": [planned("2026-09-30", "payment")]}),
    ("2026-09-30T11:00", "韩梅", "宏达建材陈经理，10月9日上门拜访，预算350万",
     {"customer": {"name": "陈经理", "company": "宏达建材"}, "dates": [planned("2026-10-09", "meeting")],
      "money": [{"amount": 3_500_000, "kind": "budget"}]}),
    ("2026-10-01T20:00", "张伟", "恒通物流刘总说在比较顺丰的方案",
     {"customer": {"name": "刘总", "company": "恒通物流"}, "competitors": ["顺丰"]}),
    ("2026-10-03T22:00", "韩梅", "宏达建材陈经理还是嫌价格高",
     {"customer": {"name": "陈经理", "company": "宏达建材"}, "objections": ["price"]}),
    ("2026-10-05T10:00", "张伟", "恒通物流刘总，10月7日签合同",
     {"customer": {"name": "刘总", "company": "恒通物流"}, "dates": [planned("2026-10-07", "meeting")]}),
    ("2026-10-08T10:00", "韩梅", "宏达建材陈经理说价格还是太高",
     {"customer": {"name": "陈经理", "company": "宏达建材"}, "objections": ["price"]}),
    ("2026-10-09T16:00", "李雷", "华东机械张总，10月12日送样品试用",
     {"customer": {"name": "张总", "company": "华东机械"}, "dates": [planned("2026-10-12", "trial")]}),
    ("2026-10-09T22:30", "李雷", "远大集团赵总，报价500万",
     {"customer": {"name": "赵总", "company": "远大集团"}, "money": [{"amount": 5_000_000, "kind": "quote"}]}),
    ("2026-10-10T14:00", "韩梅", "宏达建材陈经理第三次说价格高",
     {"customer": {"name": "陈经理", "company": "宏达建材"}, "objections": ["price"]}),
]
# promises kept: (time, rep, due day, kind) -> marked done then
KEPT = [("2026-09-30T16:00", "李雷", "2026-09-30", "delivery"),
        ("2026-10-09T17:00", "韩梅", "2026-10-09", "meeting")]

# Worked out by hand (send time, kind, recipient, words the message must contain):
EXPECTED = [
    ("09-28 09:00", "report", "王经理", ["周报"]),                    # Monday report; no lead: the manager
    ("09-29 09:00", "nudge", "李雷", ["华东机械", "9月30日", "交货"]),   # last working day before Sep 30
    ("09-29 10:05", "nudge", "张伟", ["恒通物流", "14 天"]),           # idle 14 days since Sep 15 10:05
    # Sep 29 15:00 "明天付款": its 09:00 nudge had passed -> skipped, the digest carries it
    ("09-30 08:30", "digest", "李雷", ["2 项", "交货", "付款"]),
    ("09-30 11:00", "alert", "王经理", ["宏达建材", "350万元"]),        # budget >= 300万, at once
    # Oct 1 20:00 competitor at 商务谈判 on a holiday -> Oct 8 08:00; it also restarts 恒通物流's idle
    # clock, so the manager's idle escalation (Oct 2 -> Oct 8) never comes
    ("10-05 09:00", "report", "王经理", ["周报"]),                    # Monday (a holiday): still 09:00
    ("10-07 08:30", "digest", "张伟", ["恒通物流", "会面"]),           # due on a holiday: digest anyway
    ("10-08 08:00", "escalation", "王经理", ["李雷", "华东机械", "付款"]),  # Sep 30 + end of Oct 1 -> holiday
    ("10-08 08:00", "alert", "王经理", ["恒通物流", "顺丰", "商务谈判"]),
    ("10-08 09:00", "nudge", "韩梅", ["宏达建材", "10月9日"]),          # first working day before Oct 9
    ("10-09 08:00", "escalation", "王经理", ["张伟", "恒通物流"]),      # Oct 7 + end of Oct 8 -> 08:00
    ("10-09 08:30", "digest", "韩梅", ["宏达建材", "会面"]),
    ("10-10 08:00", "alert", "王经理", ["远大集团", "500万元"]),        # 22:30 quiet -> adjusted Saturday
    ("10-10 09:00", "nudge", "李雷", ["华东机械", "10月12日", "试用"]),  # Saturday Oct 10 is a working day
    ("10-10 14:00", "alert", "王经理", ["宏达建材", "价格", "3 次"]),    # the third price objection
]
# 10-08 08:00: the escalation and the alert reach 王经理 as one message
EXPECTED_MESSAGES = len(EXPECTED) - 1
# The evening recap (issue 18) is tested on its own (tests/test_conversation_recap.py); the fortnight
# was worked out by hand without it.
RECAP_OFF = dataclasses.replace(policy_from_config(CONFIG), recap_time=None)


class Recorder:
    def __init__(self, clock):
        self.clock = clock
        self.messages = []

    async def __call__(self, message):
        self.messages.append((self.clock(), message))


def test_a_fortnight_of_notes_gives_the_hand_worked_notifications_once_each_in_order(db_sessions):
    sessions = db_sessions
    with sessions() as s:
        team = teams.add_team(session=s, name="华东一组")
        boss = teams.add_member(session=s, team=team, name="王经理", role="manager")
        reps = {name: teams.add_member(session=s, team=team, name=name, manager=boss).id
                for name in ("李雷", "韩梅", "张伟")}
    now = {"t": at("2026-09-28T00:00")}
    sent = Recorder(lambda: now["t"])
    scheduler = ReminderScheduler(sessions=sessions, policy=RECAP_OFF, send=sent,
                                  clock=lambda: now["t"], holder="fortnight")

    def store(when, rep, text, extraction, number):
        with sessions() as s:
            note = record_inbound(session=s, author_id=reps[rep], channel="cli", channel_message_id=f"n{number}",
                                  received_at=at(when), text=text).note
            applied = apply_extraction(session=s, note=note, extraction=extraction, stages=STAGES)
            if number == 0:  # the pre-history deal moves to 商务谈判
                deal = s.get(Deal, applied.deal.id)
                change_stage(session=s, deal=deal, stage="商务谈判", stages=STAGES, force=True,
                             at=at(when) + timedelta(minutes=5))

    def keep(rep, day, kind, when):
        with sessions() as s:
            c = s.exec(select(Commitment).where(Commitment.owner_id == reps[rep], Commitment.kind == kind)).all()
            [promise] = [x for x in c if x.due_date.isoformat() == day]
            complete_commitment(session=s, commitment=promise, at=at(when))

    events = [(at(when), 0, lambda w=when, r=rep, t=text, e=ext, n=i: store(w, r, t, e, n))
              for i, (when, rep, text, ext) in enumerate(NOTES)]
    events += [(at(when), 1, lambda r=rep, d=day, k=kind, w=when: keep(r, d, k, w)) for when, rep, day, kind in KEPT]
    events.sort(key=lambda e: (e[0], e[1]))
    for when, _, action in [e for e in events if e[0] < now["t"]]:
        action()
    pending = [e for e in events if e[0] >= now["t"]]

    async def fortnight():
        while now["t"] < at("2026-10-12T00:00"):
            while pending and pending[0][0] <= now["t"]:
                pending.pop(0)[2]()
            await scheduler.sweep()
            now["t"] += timedelta(minutes=30)
    asyncio.run(fortnight())

    # one message per expected notification, except the batched pair
    assert len(sent.messages) == EXPECTED_MESSAGES, [m.text[:30] for _, m in sent.messages]
    flat = []
    for sent_at, message in sent.messages:
        for key in message.keys:
            flat.append((sent_at, message, key))
    keys = [key for _, _, key in flat]
    assert len(keys) == len(set(keys)), "a notification went out twice"
    assert len(flat) == len(EXPECTED)
    from sqlmodel import select as sql_select

    from storage.models import Member, Notification
    with sessions() as s:
        rows = {n.dedupe_key: n for n in s.exec(sql_select(Notification).where(Notification.dedupe_key.in_(keys)))}
        names = {m.id: m.name for m in s.exec(sql_select(Member))}
    got = []
    for sent_at, message, key in flat:
        row = rows[key]
        send_at = row.send_at.astimezone(TZ)
        assert row.sent_at is not None
        assert timedelta(0) <= sent_at - send_at < timedelta(minutes=30)  # the next sweep sends it
        got.append((send_at.strftime("%m-%d %H:%M"), row.kind, names[row.recipient_id], row.text))
    assert [g[:3] for g in got] == [e[:3] for e in EXPECTED]
    for (when, kind, who, text), (_, _, _, words) in zip(got, EXPECTED):
        assert all(w in text for w in words), (when, kind, who, text, words)
    batched = [m for _, m in sent.messages if len(m.keys) > 1]
    assert len(batched) == 1 and batched[0].recipient_id == boss.id
    assert "需要您关注的 2 件事" in batched[0].text
