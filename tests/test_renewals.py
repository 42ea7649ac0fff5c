"""Renewals: the contract end from a note (month grain -> the last day of that month), reminders to the
owner 90 days and the manager 60 days before, with the customer's record of the year; across a year end."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.config import load_config
from bot.lead_chat import _after_note
from nlu.contract_end import contract_end
from nlu.parser import parse
from reminders.lead_sweep import LeadDesk
from reminders.leads import renewal_times, settings_from_config
from storage import teams
from storage.lead_models import ContractEnd
from storage.notes import apply_extraction, record_inbound
from storage.stages import stages_from_config

TZ = ZoneInfo("Asia/Shanghai")
CONFIG = load_config(None, env={})
STAGES = stages_from_config(CONFIG)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


@pytest.mark.parametrize("text,ref,end", [
    ("合同明年3月到期", "2026-11-23T10:00", date(2027, 3, 31)),
    ("他们的维保合同下个月到期", "2026-12-20T10:00", date(2027, 1, 31)),      # across the year end
    ("合同12月底到期", "2026-11-23T10:00", date(2026, 12, 31)),
    ("服务协议明年2月到期", "2027-05-01T10:00", date(2028, 2, 29)),           # a leap February
    ("年费合同明年一季度结束", "2026-11-23T10:00", date(2027, 3, 31)),
    ("合同2027年1月15日到期", "2026-11-23T10:00", date(2027, 1, 15)),
])
def test_contract_end_from_a_note(text, ref, end):
    assert contract_end(text, at(ref)) == end
    assert parse(text, at(ref))["contract_end"] == end.isoformat()


@pytest.mark.parametrize("text", ["明年3月再联系", "合同已经签了，3月发货", "下个月到期的货款要催"])
def test_no_contract_end_without_a_contract_and_an_end_word(text):
    assert contract_end(text, at("2026-11-23T10:00")) is None


def test_reminder_days_across_the_year_end():
    settings = settings_from_config(CONFIG)
    owner, manager = renewal_times(date(2027, 1, 31), settings, TZ)
    assert owner == at("2026-11-02T09:00") and manager == at("2026-12-02T09:00")
    owner, manager = renewal_times(date(2027, 3, 31), settings, TZ)
    assert owner == at("2026-12-31T09:00") and manager == at("2027-01-30T09:00")


class Sent(list):
    async def __call__(self, member_id, text, buttons):
        self.append((member_id, text))


async def test_owner_then_manager_with_the_record_of_the_year(db_sessions):
    with db_sessions() as s:
        t = teams.add_team(session=s, name="华东")
        boss = teams.add_member(session=s, team=t, name="周经理", role="manager")
        rep = teams.add_member(session=s, team=t, name="甲", role="rep", manager=boss)
        ids = {"boss": boss.id, "rep": rep.id}
        said = [("2026-06-10T10:00", "远大机械王总订了A型号20台，嫌价格贵"),
                ("2026-10-10T10:00", "远大机械王总说维保合同明年2月15日到期")]
        for i, (when, text) in enumerate(said):
            note = record_inbound(session=s, author_id=rep.id, channel="cli", channel_message_id=f"n{i}",
                                  received_at=at(when), text=text).note
            apply_extraction(session=s, note=note, extraction=parse(text, at(when)), stages=STAGES)
        lines = _after_note(s, note.id, STAGES, at("2026-10-10T10:00"))
    assert lines == ["📅 已记下：「远大机械」的合同 2027年2月15日 到期，到期前 90 天提醒你续约。"]
    with db_sessions() as s:
        assert [r.end_date for r in s.exec(select(ContractEnd)).all()] == [date(2027, 2, 15)]

    sent = Sent()
    desk = LeadDesk(sessions=db_sessions, config=CONFIG, send=sent)
    await desk.sweep(at("2026-11-17T08:59"))               # 90 days before is Tuesday 17 November
    assert sent == []
    await desk.sweep(at("2026-11-17T09:00"))
    (who, text), = sent
    assert who == ids["rep"] and "2月15日" in text and "远大机械" in text
    assert "A型号 20台" in text and "价格×1" in text      # the customer's year
    await desk.sweep(at("2026-12-17T08:59"))
    assert len(sent) == 1
    await desk.sweep(at("2026-12-17T09:00"))               # 60 days before: the manager
    assert [m[0] for m in sent] == [ids["rep"], ids["boss"]] and "甲 的客户" in sent[1][1]
    await desk.sweep(at("2026-12-18T09:00"))
    assert len(sent) == 2                                  # each once


def test_contract_end_set_in_chat(db_sessions):
    from bot.conversation import Who
    from bot.lead_chat import _set_contract_end, is_answer

    with db_sessions() as s:
        t = teams.add_team(session=s, name="华东")
        rep = teams.add_member(session=s, team=t, name="甲", role="rep")
        note = record_inbound(session=s, author_id=rep.id, channel="cli", channel_message_id="n1",
                              received_at=at("2026-10-10T10:00"), text="远大机械王总要报价").note
        apply_extraction(session=s, note=note, extraction={"customer": {"name": "王总", "company": "远大机械"}},
                         stages=STAGES)
        who = Who(rep.id, rep.name, rep.role, t.id, "Asia/Shanghai", "")
        assert is_answer("合同到期 远大机械 明年1月") and not is_answer("远大机械合同明年1月到期")
        ref = at("2026-12-20T10:00")
        assert _set_contract_end(s, who, "远大", "明年1月", ref).startswith("📅 已记下：「远大机械」的合同 2027年1月31日")
        assert _set_contract_end(s, who, "远大机械", "2027年3月15日", ref).endswith("到期前 90 天提醒负责人续约。")
        assert s.exec(select(ContractEnd)).one().end_date == date(2027, 3, 15)     # replaced, one per customer
        assert _set_contract_end(s, who, "不存在", "明年1月", ref) == "没有找到客户“不存在”。"
        assert _set_contract_end(s, who, "远大机械", "尽快", ref).startswith("没看懂日期")
