"""The reminder rules with a fake clock: `now` is an argument, nothing sleeps.

Calendar facts used below (chinese_calendar, 2026): 中秋 Sep 25-27 and 国庆 Oct 1-7 are holidays;
Sunday Sep 20 and Saturday Oct 10 are adjusted working days.
"""
from __future__ import annotations

import tomllib
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from reminders.calendar import WorkCalendar
from reminders.policy import Policy, PolicyError, policy_from_config
from reminders.rules import (DealState, Mention, Person, Promise, TeamState, batch, due_notices)

TZ = ZoneInfo("Asia/Shanghai")
ROOT = Path(__file__).resolve().parents[1]
POLICY = policy_from_config(tomllib.loads((ROOT / "bot" / "defaults.toml").read_text(encoding="utf-8")))

MANAGER = Person(1, "王经理", "manager")
LI = Person(2, "李雷", "rep", manager_id=1)
HAN = Person(3, "韩梅", "rep")  # no manager
LEAD = Person(4, "赵主管", "lead")
PEOPLE = [MANAGER, LI, HAN, LEAD]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def promise(ident=1, owner=2, due="2026-11-25", created="2026-11-20T10:00", kind="delivery", customer="华东机械"):
    return Promise(ident, owner, kind, date.fromisoformat(due), "张总，A型号50台，按时发货", customer, at(created))


def team(commitments=(), deals=(), mentions=(), report=None, people=PEOPLE):
    return TeamState(1, "华东一组", "Asia/Shanghai", list(people), list(commitments), list(deals), list(mentions),
                     report)


def run(state, now, policy=POLICY, sent=frozenset()):
    return due_notices(state, at(now) if isinstance(now, str) else now, policy, sent)


def when(notices):
    return [(n.kind, n.recipient, n.send_at.strftime("%m-%d %H:%M")) for n in notices]


# --- nudges ----------------------------------------------------------------------------------

def test_nudge_at_nine_on_the_working_day_before():
    state = team([promise(due="2026-11-25")])  # a Wednesday
    assert run(state, "2026-11-24T08:59") == []
    found = run(state, "2026-11-24T09:00")
    assert when(found) == [("nudge", "李雷", "11-24 09:00")]
    nudge = found[0]
    assert nudge.dedupe_key == "nudge:commitment:1:2026-11-25"
    assert nudge.subject == "commitment:1"
    assert "11月25日" in nudge.text and "华东机械" in nudge.text and "完成" in nudge.text
    assert nudge.buttons == ((("完成", "cdone:1"), ("推迟", "cpostpone:1"), ("取消", "ccancel:1")),)
    assert nudge.send_at.utcoffset() == timedelta(hours=8)


def test_monday_due_day_is_nudged_on_friday():
    found = run(team([promise(due="2026-11-30")]), "2026-11-27T09:00")
    assert when(found) == [("nudge", "李雷", "11-27 09:00")]


def test_national_day_week_nudges_before_the_holiday():
    # Due Thursday Oct 8, the first working day after 国庆: the nudge comes on Wednesday Sep 30.
    state = team([promise(due="2026-10-08", created="2026-09-20T10:00")])
    assert when(run(state, "2026-09-30T09:00")) == [("nudge", "李雷", "09-30 09:00")]
    # nothing more until the due day's digest
    sent = {"nudge:commitment:1:2026-10-08"}
    assert run(state, "2026-10-07T23:59", sent=sent) == []
    assert when(run(state, "2026-10-08T08:30", sent=sent)) == [("digest", "李雷", "10-08 08:30")]


def test_adjusted_working_saturday_gets_the_nudge():
    # Due Monday Oct 12; Saturday Oct 10 is an adjusted working day, so that is the day before.
    state = team([promise(due="2026-10-12", created="2026-10-09T10:00")])
    assert when(run(state, "2026-10-10T09:00")) == [("nudge", "李雷", "10-10 09:00")]


def test_nudge_whose_time_passed_when_promised_is_skipped_but_the_digest_carries_it():
    # A note on Tuesday 15:00 saying 明天发货: Tuesday 09:00 had passed.
    state = team([promise(due="2026-11-25", created="2026-11-24T15:00")])
    assert run(state, "2026-11-24T23:00") == []
    digest = run(state, "2026-11-25T08:30")
    assert when(digest) == [("digest", "李雷", "11-25 08:30")]
    assert "#1" in digest[0].text and digest[0].subject == "commitment:1"


def test_nudge_expires_when_the_due_day_starts():
    state = team([promise(due="2026-11-25")])
    assert [n.kind for n in run(state, "2026-11-25T08:00")] == []  # nudge expired, digest not yet


# --- digests -------------------------------------------------------------------------------

def test_saturday_due_day_digest_is_sent_on_the_saturday():
    state = team([promise(due="2026-11-28")])  # an ordinary Saturday
    sent = {"nudge:commitment:1:2026-11-28"}
    assert when(run(state, "2026-11-27T09:00")) == [("nudge", "李雷", "11-27 09:00")]
    assert when(run(state, "2026-11-28T08:30", sent=sent)) == [("digest", "李雷", "11-28 08:30")]
    # escalation: end of Sunday the 29th is Monday 00:00, quiet -> Monday 08:00
    sent |= {"digest:2:2026-11-28"}
    assert run(state, "2026-11-30T07:59", sent=sent) == []
    assert when(run(state, "2026-11-30T08:00", sent=sent)) == [("escalation", "王经理", "11-30 08:00")]


def test_digest_lists_one_owners_commitments_of_the_day_and_not_later_promises():
    state = team([promise(1, due="2026-11-25"), promise(2, due="2026-11-25", kind="payment"),
                  promise(3, due="2026-11-25", created="2026-11-25T10:00"),  # said that morning, after 08:30
                  promise(4, owner=3, due="2026-11-26")])
    sent = {"nudge:commitment:1:2026-11-25", "nudge:commitment:2:2026-11-25"}
    found = run(state, "2026-11-25T11:00", sent=sent)
    assert when(found) == [("digest", "李雷", "11-25 08:30"), ("nudge", "韩梅", "11-25 09:00")]
    assert "#1" in found[0].text and "#2" in found[0].text and "#3" not in found[0].text
    assert "完成 12" in found[0].text  # several: answer by number
    sent |= {"digest:2:2026-11-25", "nudge:commitment:4:2026-11-26"}
    assert run(state, "2026-11-26T00:00", sent=sent) == []


def test_digest_expires_at_the_end_of_its_day():
    state = team([promise(due="2026-11-25", created="2026-11-24T15:00")])
    assert run(state, "2026-11-26T00:30") == []


# --- escalations ------------------------------------------------------------------------------

def test_broken_promise_escalates_to_the_manager_after_the_end_of_the_next_day():
    state = team([promise(due="2026-11-24")])  # Tuesday; end of Wednesday = Thursday 00:00 -> 08:00
    sent = {"nudge:commitment:1:2026-11-24", "digest:2:2026-11-24"}
    assert run(state, "2026-11-26T07:59", sent=sent) == []
    found = run(state, "2026-11-26T08:00", sent=sent)
    assert when(found) == [("escalation", "王经理", "11-26 08:00")]
    assert found[0].dedupe_key == "escalation:commitment:1:2026-11-24:1"
    assert "李雷" in found[0].text and "逾期" in found[0].text


def test_escalation_in_the_national_day_week_waits_for_the_first_working_morning():
    state = team([promise(due="2026-09-30", created="2026-09-20T10:00")])
    sent = {"nudge:commitment:1:2026-09-30", "digest:2:2026-09-30"}
    assert run(state, "2026-10-07T20:00", sent=sent) == []
    assert when(run(state, "2026-10-08T08:00", sent=sent)) == [("escalation", "王经理", "10-08 08:00")]


def test_member_without_a_manager_escalates_to_the_leads():
    state = team([promise(owner=3, due="2026-11-24")])
    found = run(state, "2026-11-26T09:00", sent={"nudge:commitment:1:2026-11-24", "digest:3:2026-11-24"})
    assert when(found) == [("escalation", "赵主管", "11-26 08:00")]
    assert "韩梅" in found[0].text


def test_done_or_postponed_commitment_is_not_escalated_for_the_old_day():
    # postponed to Friday: the same commitment id with a new due day is a new nudge, not an escalation
    state = team([promise(due="2026-11-27", created="2026-11-20T10:00")])
    found = run(state, "2026-11-26T09:00", sent={"nudge:commitment:1:2026-11-24"})
    assert when(found) == [("nudge", "李雷", "11-26 09:00")]
    assert found[0].dedupe_key == "nudge:commitment:1:2026-11-27"


# --- deals -----------------------------------------------------------------------------------

def deal(ident=7, stage="需求探询", entered="2026-11-02T10:00", active="2026-11-02T10:00", owner=2):
    return DealState(ident, owner, "华东机械", stage, at(entered), at(active))


def test_idle_deal_nudges_the_owner_then_the_manager_three_days_later():
    state = team(deals=[deal()])
    assert run(state, "2026-11-16T09:59") == []
    first = run(state, "2026-11-16T10:00")
    assert when(first) == [("nudge", "李雷", "11-16 10:00")]
    assert "14 天" in first[0].text
    sent = {n.dedupe_key for n in first}
    assert run(state, "2026-11-19T09:59", sent=sent) == []
    second = run(state, "2026-11-19T10:00", sent=sent)
    assert when(second) == [("escalation", "王经理", "11-19 10:00")]
    assert "17 天" in second[0].text


def test_new_activity_restarts_the_idle_clock():
    sent = {n.dedupe_key for n in run(team(deals=[deal()]), "2026-11-16T10:00")}
    assert run(team(deals=[deal(active="2026-11-16T11:00")]), "2026-11-19T10:00", sent=sent) == []


def test_idle_deal_reached_on_a_sunday_waits_for_monday_morning():
    state = team(deals=[deal(active="2026-11-08T10:00", entered="2026-11-08T10:00")])  # +14 = Sunday 22nd
    assert when(run(state, "2026-11-23T08:00")) == [("nudge", "李雷", "11-23 08:00")]


def test_stalled_deal_nudges_the_owner_and_alerts_the_manager_with_stage_and_days():
    state = team(deals=[deal(stage="商务谈判", entered="2026-10-20T15:00", active="2026-11-18T15:00")])
    found = run(state, "2026-11-19T15:00")  # 30 days in 商务谈判
    assert when(found) == [("nudge", "李雷", "11-19 15:00"), ("alert", "王经理", "11-19 15:00")]
    assert all("商务谈判" in n.text and "30 天" in n.text for n in found)


# --- alerts ----------------------------------------------------------------------------------

def mention(kind, value, note, day, amount=None, deal_id=7, author=2):
    return Mention(kind, note, deal_id, author, at(day), value, amount, "华东机械")


def test_big_budget_alerts_the_manager_at_once_and_quiet_hours_defer_it():
    state = team(mentions=[mention("money", "budget", 1, "2026-11-24T15:10", 3_000_000),
                           mention("money", "quote", 2, "2026-11-24T22:30", 5_200_000, deal_id=8),
                           mention("money", "budget", 3, "2026-11-24T16:00", 2_999_999, deal_id=9),
                           mention("money", "deal", 4, "2026-11-24T16:00", 9_000_000, deal_id=10)])
    assert when(run(state, "2026-11-24T15:10")) == [("alert", "王经理", "11-24 15:10")]
    assert "300万元" in run(state, "2026-11-24T15:10")[0].text
    late = run(state, "2026-11-25T08:00")
    assert when(late) == [("alert", "王经理", "11-24 15:10"), ("alert", "王经理", "11-25 08:00")]
    assert "520万元" in late[1].text


def test_alert_on_a_weekend_waits_for_the_next_working_morning():
    state = team(mentions=[mention("money", "quote", 1, "2026-11-28T10:00", 4_000_000)])
    assert run(state, "2026-11-29T20:00") == []
    assert when(run(state, "2026-11-30T08:00")) == [("alert", "王经理", "11-30 08:00")]


def test_same_objection_three_times_on_a_deal_alerts_once_at_the_third():
    mentions = [mention("objection", "price", 1, "2026-11-10T10:00"),
                mention("objection", "price", 2, "2026-11-17T10:00"),
                mention("objection", "quality", 3, "2026-11-18T10:00"),
                mention("objection", "price", 4, "2026-11-24T10:00"),
                mention("objection", "price", 5, "2026-11-24T11:00", deal_id=8)]
    assert run(team(mentions=mentions[:3]), "2026-11-24T12:00") == []
    found = run(team(mentions=mentions), "2026-11-24T12:00")
    assert when(found) == [("alert", "王经理", "11-24 10:00")]
    assert "价格" in found[0].text and "3 次" in found[0].text


def test_competitor_alerts_only_at_the_negotiation_stage_or_later():
    early = team(deals=[deal(stage="需求探询", entered="2026-11-20T10:00", active="2026-11-24T10:00")],
                 mentions=[mention("competitor", "三一重工", 1, "2026-11-24T10:00")])
    assert run(early, "2026-11-24T12:00") == []
    late = team(deals=[deal(stage="合同审批", entered="2026-11-20T10:00", active="2026-11-24T10:00")],
                mentions=[mention("competitor", "三一重工", 1, "2026-11-24T10:00"),
                          mention("competitor", "徐工", 2, "2026-11-19T10:00")])  # said before that stage
    found = run(late, "2026-11-24T12:00")
    assert when(found) == [("alert", "王经理", "11-24 10:00")]
    assert "三一重工" in found[0].text and "合同审批" in found[0].text


# --- batching, keys, reports -------------------------------------------------------------------

def test_a_managers_escalations_and_alerts_of_one_sweep_are_one_message():
    state = team([promise(1, due="2026-11-23"), promise(2, due="2026-11-23", kind="payment"),
                  promise(3, owner=3, due="2026-11-23")],
                 mentions=[mention("money", "budget", 9, "2026-11-25T07:00", 8_000_000)])
    sent = {"nudge:commitment:1:2026-11-23", "nudge:commitment:2:2026-11-23", "nudge:commitment:3:2026-11-23",
            "digest:2:2026-11-23", "digest:3:2026-11-23"}
    found = run(state, "2026-11-25T08:00", sent=sent)
    assert sorted(when(found)) == sorted([("escalation", "王经理", "11-25 08:00"), ("escalation", "王经理", "11-25 08:00"),
                                          ("escalation", "赵主管", "11-25 08:00"), ("alert", "王经理", "11-25 08:00")])
    messages = batch(found)
    assert len(messages) == 2
    to_manager = next(m for m in messages if m.recipient_id == 1)
    assert len(to_manager.keys) == 3 and to_manager.text.startswith("📋 需要您关注的 3 件事")
    assert "#1" in to_manager.text and "#2" in to_manager.text and "800万元" in to_manager.text
    to_lead = next(m for m in messages if m.recipient_id == 4)
    assert to_lead.keys == (found[[n.recipient_id for n in found].index(4)].dedupe_key,)


def test_nudges_are_never_batched_and_keep_their_commitment_for_answers():
    state = team([promise(1, due="2026-11-25"), promise(2, due="2026-11-25", kind="payment")])
    messages = batch(run(state, "2026-11-24T09:00"))
    assert [m.subject for m in messages] == ["commitment:1", "commitment:2"]
    assert all(m.buttons for m in messages)


def test_dedupe_keys_are_stable_and_sent_keys_are_not_repeated():
    state = team([promise(due="2026-11-24")], deals=[deal()],
                 mentions=[mention("money", "budget", 1, "2026-11-20T10:00", 3_500_000)])
    first = run(state, "2026-11-26T10:00")
    again = run(state, "2026-11-26T10:00")
    assert [n.dedupe_key for n in first] == [n.dedupe_key for n in again]
    assert len({n.dedupe_key for n in first}) == len(first)
    assert run(state, "2026-11-26T10:00", sent={n.dedupe_key for n in first}) == []
    assert run(state, "2026-11-30T10:00", sent={n.dedupe_key for n in first}) == []


def test_weekly_report_goes_to_the_leads_on_monday_at_nine():
    state = team(report="本周团队周报")
    assert run(state, "2026-11-30T08:59") == []
    assert when(run(state, "2026-11-30T09:00")) == [("report", "赵主管", "11-30 09:00")]
    assert run(state, "2026-12-01T09:00") == []
    no_lead = team(report="本周团队周报", people=[MANAGER, LI])
    assert when(run(no_lead, "2026-11-30T09:30")) == [("report", "王经理", "11-30 09:00")]


def test_inactive_people_get_nothing():
    gone = Person(2, "李雷", "rep", manager_id=1, active=False)
    state = team([promise(due="2026-11-25")], people=[MANAGER, gone, LEAD])
    assert run(state, "2026-11-24T09:00") == []


# --- calendar and policy -----------------------------------------------------------------------

def test_years_the_calendar_package_does_not_know_fall_back_and_honour_extra_days():
    state = team([promise(due="2027-10-08", created="2027-09-01T10:00")])
    # 2027: fallback 国庆 Oct 1-7; Thursday Sep 30 is the last working day before Friday Oct 8
    assert when(run(state, "2027-09-30T09:00")) == [("nudge", "李雷", "09-30 09:00")]
    policy = Policy(**{**POLICY.__dict__, "calendar": WorkCalendar(frozenset({date(2027, 9, 30)}),
                                                                   frozenset({date(2027, 9, 26)}))})
    assert when(run(state, "2027-09-29T09:00", policy=policy)) == [("nudge", "李雷", "09-29 09:00")]
    assert policy.calendar.is_workday(date(2027, 9, 26))  # a Sunday made a working day


def test_policy_defaults_come_from_config_and_bad_values_say_which_key():
    assert POLICY.nudge_time.hour == 9 and POLICY.digest_time.minute == 30
    assert POLICY.big_deal_yuan == 3_000_000 and POLICY.stall_days["商务谈判"] == 30
    assert POLICY.report_weekday == 0 and POLICY.competitor_alert_from_stage == "商务谈判"
    with pytest.raises(PolicyError, match="quiet_start"):
        policy_from_config({"reminders": {"quiet_start": "9pm"}})
    with pytest.raises(PolicyError, match="extra_holidays"):
        policy_from_config({"reminders": {"extra_holidays": ["2027-13-01"]}})
    with pytest.raises(PolicyError, match="weekly_report"):
        policy_from_config({"reminders": {"weekly_report": "someday"}})


def test_config_toml_is_still_identical_to_the_built_in_defaults():
    assert (ROOT / "config.toml").read_bytes() == (ROOT / "bot" / "defaults.toml").read_bytes()


def test_a_catch_up_batch_is_split_into_readable_messages():
    state = team([promise(i, due="2026-11-23") for i in range(1, 46)])
    sent = {f"nudge:commitment:{i}:2026-11-23" for i in range(1, 46)} | {"digest:2:2026-11-23"}
    messages = batch(run(state, "2026-11-25T08:00", sent=sent))
    assert [len(m.keys) for m in messages] == [20, 20, 5]
    assert all(len(m.text) < 4096 for m in messages)
    assert len({k for m in messages for k in m.keys}) == 45


def test_times_are_the_teams_own_wall_clock():
    state = TeamState(2, "海外组", "Europe/Berlin", [MANAGER, LI], [promise(due="2026-11-25")])
    berlin = ZoneInfo("Europe/Berlin")
    assert due_notices(state, datetime(2026, 11, 24, 8, 59, tzinfo=berlin), POLICY) == []
    [nudge] = due_notices(state, datetime(2026, 11, 24, 9, 0, tzinfo=berlin), POLICY)
    assert nudge.send_at.isoformat() == "2026-11-24T09:00:00+01:00"
