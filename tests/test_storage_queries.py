"""Report queries on SQLite and PostgreSQL: pipeline, stalled and idle deals, timelines, commitments,
activity, decision chain."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from storage.deals import change_stage, close_deal, complete_commitment, postpone_commitment
from storage.notes import apply_extraction, record_inbound
from storage.queries import (customer_timeline, decision_chain, find_customers, idle_deals, open_commitments,
                             pipeline, stalled_deals, team_activity, visible_member_ids)
from storage.stages import stages_from_config
from storage.teams import add_member, add_team
from tests.test_storage_ingest import STAGES, extraction

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)


@pytest.fixture
def world(db_session):
    team = add_team(session=db_session, name="华东一组")
    manager = add_member(session=db_session, team=team, name="王经理", role="manager")
    li = add_member(session=db_session, team=team, name="小李", manager=manager)
    zhang = add_member(session=db_session, team=team, name="小张", manager=manager)
    loner = add_member(session=db_session, team=team, name="小孤")
    return dict(team=team, manager=manager, li=li, zhang=zhang, loner=loner, n=iter(range(10**6)))


def note(session, world, who, ext, at):
    recorded, _ = record_inbound(session=session, author_id=world[who].id, channel="local",
                                 channel_message_id=f"q{next(world['n'])}", received_at=at, text=str(ext))
    return apply_extraction(session=session, note=recorded, extraction=ext, stages=STAGES)


def test_pipeline_counts_amounts_and_weights_by_configured_stage(db_session, world):
    a = note(db_session, world, "li", extraction("张总", "盒马", money=[{"amount": 100000, "kind": "quote"}]), T0).deal
    note(db_session, world, "li", extraction("王总", "物美", money=[{"amount": 50000, "kind": "budget"}]), T0)
    c = note(db_session, world, "zhang", extraction("刘工", "万科"), T0).deal
    change_stage(session=db_session, deal=a, stage="方案演示", stages=STAGES, force=True, at=T0)
    close_deal(session=db_session, deal=c, status="lost", at=T0)
    rows = {r.stage: r for r in pipeline(session=db_session, stages=STAGES)}
    assert list(rows) == [s.name for s in STAGES]
    assert (rows["线索"].count, rows["线索"].amount) == (1, 50000)
    assert rows["线索"].weighted == pytest.approx(50000 * 0.05)
    assert (rows["方案演示"].count, rows["方案演示"].amount) == (1, 100000)
    assert rows["方案演示"].weighted == pytest.approx(40000)
    assert sum(r.count for r in rows.values()) == 2  # the lost deal is not in the pipeline
    mine = {r.stage: r.count for r in pipeline(session=db_session, stages=STAGES, member_ids=[world["zhang"].id])}
    assert sum(mine.values()) == 0


def test_stalled_means_longer_in_the_stage_than_its_stall_days(db_session, world):
    stages = stages_from_config([{"name": "线索", "probability": 0.1, "stall_days": 14},
                                 {"name": "谈判", "probability": 0.5, "stall_days": 30}])
    old = note(db_session, world, "li", extraction("张总", "盒马"), T0 - timedelta(days=20)).deal  # 线索 20 d
    note(db_session, world, "li", extraction("王总", "物美"), T0 - timedelta(days=10))  # 线索 10 d: fine
    moved = note(db_session, world, "zhang", extraction("刘工", "万科"), T0 - timedelta(days=40)).deal
    change_stage(session=db_session, deal=moved, stage="谈判", stages=stages, at=T0 - timedelta(days=20))
    stalled = stalled_deals(session=db_session, stages=stages, now=T0)
    assert [(s.deal_id, s.days, s.limit, s.customer, s.owner) for s in stalled] == [(old.id, 20, 14, "盒马", "小李")]
    later = stalled_deals(session=db_session, stages=stages, now=T0 + timedelta(days=11))
    assert [(s.customer, s.days) for s in later] == [("盒马", 31), ("万科", 31), ("物美", 21)]


def test_idle_deals_use_the_last_activity_and_per_stage_override(db_session, world):
    stages = stages_from_config([{"name": "线索", "probability": 0.1, "stall_days": 99, "idle_days": 5},
                                 {"name": "谈判", "probability": 0.5, "stall_days": 99}])
    quiet = note(db_session, world, "li", extraction("张总", "盒马"), T0 - timedelta(days=20)).deal
    note(db_session, world, "li", extraction("张总", "盒马"), T0 - timedelta(days=3))  # activity again
    lead_stage = note(db_session, world, "zhang", extraction("刘工", "万科"), T0 - timedelta(days=6)).deal
    talk = note(db_session, world, "li", extraction("王总", "物美"), T0 - timedelta(days=15)).deal
    change_stage(session=db_session, deal=talk, stage="谈判", stages=stages, at=T0 - timedelta(days=15))
    idle = idle_deals(session=db_session, now=T0, idle_days=14, stages=stages)
    assert [(d.deal_id, d.days, d.limit) for d in idle] == [(talk.id, 15, 14), (lead_stage.id, 6, 5)]
    assert quiet.id not in {d.deal_id for d in idle}


def test_open_commitments_of_a_member_and_of_a_managers_people(db_session, world):
    dates = [{"date": "2026-03-05", "kind": "delivery", "status": "planned"},
             {"date": "2026-03-03", "kind": "followup", "status": "planned"}]
    li_note = note(db_session, world, "li", extraction("张总", "盒马", dates=dates), T0)
    note(db_session, world, "zhang", extraction("刘工", "万科", dates=dates[:1]), T0)
    note(db_session, world, "loner", extraction("孙总", "华润", dates=dates[:1]), T0)
    mine = open_commitments(session=db_session, member_ids=[world["li"].id])
    assert [(c.due_date, c.kind, c.customer) for c in mine] == [
        (date(2026, 3, 3), "followup", "盒马"), (date(2026, 3, 5), "delivery", "盒马")]
    team_view = open_commitments(session=db_session,
                                 member_ids=visible_member_ids(session=db_session, member=world["manager"]))
    assert sorted(c.owner for c in team_view) == ["小张", "小李", "小李"]
    followup = next(c for c in li_note.commitments if c.kind == "followup")
    complete_commitment(session=db_session, commitment=followup, at=T0)
    assert len(open_commitments(session=db_session, member_ids=[world["li"].id])) == 1
    postpone_commitment(session=db_session, commitment=followup, day=date(2026, 3, 9))
    due_soon = open_commitments(session=db_session, member_ids=[world["li"].id], until=date(2026, 3, 6))
    assert [c.kind for c in due_soon] == ["delivery"]


def test_customer_timeline_and_lookup(db_session, world):
    first = note(db_session, world, "li", extraction("张总", "盒马"), T0 - timedelta(days=2))
    note(db_session, world, "li", extraction("张总", "盒马", dates=[
        {"date": "2026-03-06", "kind": "delivery", "status": "planned"}]), T0)
    change_stage(session=db_session, deal=first.deal, stage="初步接触", stages=STAGES, at=T0 - timedelta(days=1))
    timeline = customer_timeline(session=db_session, customer_id=first.customer.id)
    assert [e.kind for e in timeline] == ["note", "stage", "stage", "note", "commitment"]
    assert timeline[2].text == "初步接触" and timeline[4].detail["due_date"] == "2026-03-06"
    assert [c.name for c in find_customers(session=db_session, team_id=world["team"].id, text="张总")] == ["盒马"]
    assert [c.name for c in find_customers(session=db_session, team_id=world["team"].id, text="盒")] == ["盒马"]
    assert find_customers(session=db_session, team_id=world["team"].id, text="张总",
                          member_ids=[world["zhang"].id]) == []
    assert find_customers(session=db_session, team_id=world["team"].id, text="%") == []


def test_team_activity_per_member_for_a_period(db_session, world):
    week = (T0, T0 + timedelta(days=7))
    dates = [{"date": "2026-03-05", "kind": "delivery", "status": "planned"}]
    done = note(db_session, world, "li", extraction("张总", "盒马", dates=dates), T0 + timedelta(days=1))
    note(db_session, world, "li", extraction("张总", "盒马"), T0 + timedelta(days=2))
    note(db_session, world, "zhang", extraction("刘工", "万科"), T0 - timedelta(days=3))  # before the week
    complete_commitment(session=db_session, commitment=done.commitments[0], at=T0 + timedelta(days=3))
    close_deal(session=db_session, deal=done.deal, status="won", at=T0 + timedelta(days=4))
    rows = {a.name: a for a in team_activity(session=db_session, start=week[0], end=week[1],
                                            member_ids=[world["li"].id, world["zhang"].id])}
    li, zhang = rows["小李"], rows["小张"]
    assert (li.notes, li.new_deals, li.commitments_made, li.commitments_done, li.won) == (2, 1, 1, 1, 1)
    assert (zhang.notes, zhang.new_deals, zhang.won) == (0, 0, 0)


def test_decision_chain_coverage_per_deal(db_session, world):
    deal = note(db_session, world, "li", extraction("张总", "盒马"), T0).deal
    note(db_session, world, "li", extraction("李工", "盒马"), T0)
    other = note(db_session, world, "li", extraction(None, "物美"), T0).deal
    rows = {r.deal_id: r for r in decision_chain(session=db_session, member_ids=[world["li"].id])}
    assert rows[deal.id].roles == {"decision_maker": ["张总"], "user": ["李工"]}
    assert rows[deal.id].missing == ["influencer"]
    assert rows[other.id].roles == {} and rows[other.id].missing == ["decision_maker", "influencer", "user"]
