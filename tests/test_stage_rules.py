"""Stage rules: a stage's `requires` (config [[stages]]) are asked for, at /stage and when a note says the
deal reached a stage (签了合同); the deal moves only once the facts are there."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.config import load_config
from bot import commands
from bot.conversation import Who
from bot.intents import Command
from bot.lead_chat import _after_note, implied_stage
from storage import deals as deal_ops
from storage import teams
from storage.models import Deal, Member
from storage.notes import apply_extraction, record_inbound
from storage.stages import stages_from_config

TZ = ZoneInfo("Asia/Shanghai")
CONFIG = load_config(None, env={})
STAGES = stages_from_config(CONFIG)
START = datetime(2026, 3, 2, 10, tzinfo=TZ)
CUSTOMER = {"customer": {"name": "王经理", "company": "远大机械"}}


@pytest.fixture
def rep(db_sessions):
    with db_sessions() as s:
        team = teams.add_team(session=s, name="华东")
        return teams.add_member(session=s, team=team, name="甲", role="rep").id


class Notes:
    def __init__(self, sessions, rep_id):
        self.sessions, self.rep_id, self.count = sessions, rep_id, 0

    def add(self, text: str, **facts) -> tuple[int, int]:
        """(note id, deal id) of a note with these facts about 远大机械."""
        self.count += 1
        with self.sessions() as s:
            note = record_inbound(session=s, author_id=self.rep_id, channel="cli", channel_message_id=f"n{self.count}",
                                  received_at=START + timedelta(days=self.count), text=text).note
            applied = apply_extraction(session=s, note=note, extraction={**CUSTOMER, **facts}, stages=STAGES)
            return applied.note.id, applied.note.deal_id

    def move(self, deal_id: int, stage: str):
        with self.sessions() as s:
            return deal_ops.change_stage(session=s, deal=s.get(Deal, deal_id), stage=stage, stages=STAGES)

    def stage(self, deal_id: int) -> str:
        with self.sessions() as s:
            return s.get(Deal, deal_id).stage


def test_default_requires_come_from_config():
    assert {s.name: s.requires for s in STAGES if s.requires} == {
        "预算确认": ("budget",), "方案演示": ("meeting_date",), "商务谈判": ("quote", "decision_maker"),
        "签约": ("deal_amount",)}


def test_each_stage_needs_its_facts(db_sessions, rep):
    notes = Notes(db_sessions, rep)
    _, deal = notes.add("远大机械王经理想了解一下")
    for stage, missing in [("预算确认", ["budget"]), ("方案演示", ["meeting_date"]),
                           ("商务谈判", ["quote", "decision_maker"]), ("签约", ["deal_amount"])]:
        with pytest.raises(deal_ops.MissingFacts) as err:
            notes.move(deal, stage)
        assert err.value.missing == missing
    assert notes.stage(deal) == "线索"
    notes.add("预算50万", money=[{"amount": 500000, "kind": "budget"}])
    assert notes.move(deal, "预算确认").stage == "预算确认"
    notes.add("下周三演示", dates=[{"date": "2026-03-18", "kind": "meeting", "status": "planned"}])
    assert notes.move(deal, "方案演示").stage == "方案演示"
    notes.add("报价60万", money=[{"amount": 600000, "kind": "quote"}])
    with pytest.raises(deal_ops.MissingFacts) as err:
        notes.move(deal, "商务谈判")
    assert err.value.missing == ["decision_maker"]               # 王经理 is not the decision maker
    notes.add("张总拍板", customer={"name": "张总", "company": "远大机械"})  # 总: a decision maker
    assert notes.move(deal, "商务谈判").stage == "商务谈判"


def test_stage_command_asks_for_what_is_missing(db_sessions, rep):
    notes = Notes(db_sessions, rep)
    _, deal = notes.add("远大机械王经理想了解一下")
    with db_sessions() as s:
        member = s.get(Member, rep)
        who = Who(member.id, member.name, member.role, member.team_id, "Asia/Shanghai", "")
        reply = commands.run(s, who=who, cmd=Command("stage", f"{deal} 签约"), stages=STAGES,
                             now=datetime.now(timezone.utc))
    assert reply == "进入“签约”之前需要先记录：成交金额。"
    assert notes.stage(deal) == "线索"


def test_implied_stage_words_and_negation():
    assert implied_stage("王总说合同签了，下周打款", STAGES) == "签约"
    assert implied_stage("今天给他们演示了方案", STAGES) == "方案演示"
    assert implied_stage("王总还没签约", STAGES) is None
    assert implied_stage("张总要报价", STAGES) is None


def test_a_note_implying_a_stage_asks_then_moves_once_the_facts_are_there(db_sessions, rep):
    notes = Notes(db_sessions, rep)
    note, deal = notes.add("远大机械王经理说合同签了")
    with db_sessions() as s:
        lines = _after_note(s, note, STAGES, START)
    assert lines[0] == f"🧭 听起来商机 #{deal} 要进入“签约”，但还缺：成交金额。"
    assert notes.stage(deal) == "线索"                          # not moved silently
    note, _ = notes.add("远大机械已签约，成交价80万", money=[{"amount": 800000, "kind": "deal"}])
    with db_sessions() as s:
        lines = _after_note(s, note, STAGES, START)
    assert lines == [f"🧭 商机 #{deal} 已进入“签约”。"] and notes.stage(deal) == "签约"
