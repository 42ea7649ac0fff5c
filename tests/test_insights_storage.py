"""What the insights keep from a note: each objection's evidence (the clause it was said in) and each
verbal-promise risk; a correction replaces them, a withdrawal removes them, privacy erase covers them,
and a database from before them gets the risks of its stored notes."""
from __future__ import annotations

import json
import tomllib
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select

from storage import privacy
from storage.conversation_queries import retract_note
from storage.db import upgrade_database
from storage.models import ObjectionMention, RiskMention
from storage.notes import apply_extraction, record_inbound
from storage.stages import stages_from_config
from storage.teams import add_member, add_team
from tests.storage_db import empty_engine

DEFAULTS = Path(__file__).parents[1] / "bot" / "defaults.toml"
STAGES = stages_from_config(tomllib.loads(DEFAULTS.read_text(encoding="utf-8")))
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)
NAME = "李建国"


def said(price_clause: str, risk_clause: str | None = None) -> dict:
    extraction = {"customer": {"name": NAME, "company": "华强"}, "items": [], "dates": [], "money": [],
                  "objections": ["price", "quality"], "competitors": [],
                  "objection_evidence": [{"category": "price", "text": price_clause},
                                         {"category": "quality", "text": "上批货有划痕"}]}
    if risk_clause:
        extraction["risks"] = [{"text": risk_clause, "phrase": "免费"}]
    return extraction


def store(session, rep, extraction, message="m1"):
    note, _ = record_inbound(session=session, author_id=rep.id, channel="local", channel_message_id=message,
                             received_at=NOW, text="华强李建国嫌贵")
    apply_extraction(session=session, note=note, extraction=extraction, stages=STAGES)
    return note


def rep_of(session):
    team = add_team(session=session, name="华东")
    return add_member(session=session, team=team, name="韩梅")


def test_each_objection_keeps_the_clause_it_was_said_in(db_session):
    note = store(db_session, rep_of(db_session), said(f"{NAME}说价格比三一贵了一成", "我答应他免费安装"))
    rows = {m.category: m.evidence for m in db_session.exec(select(ObjectionMention)).all()}
    assert rows == {"price": f"{NAME}说价格比三一贵了一成", "quality": "上批货有划痕"}
    risks = [(r.phrase, r.text, r.deal_id) for r in db_session.exec(select(RiskMention)).all()]
    assert risks == [("免费", "我答应他免费安装", note.deal_id)]


def test_a_correction_replaces_and_a_withdrawal_removes_them(db_session):
    note = store(db_session, rep_of(db_session), said("太贵了", "免费送一年"))
    apply_extraction(session=db_session, note=note, extraction=said("价格还要再降"), stages=STAGES)
    assert {m.evidence for m in db_session.exec(select(ObjectionMention)).all()} == {"价格还要再降", "上批货有划痕"}
    assert db_session.exec(select(RiskMention)).all() == []
    apply_extraction(session=db_session, note=note, extraction=said("太贵了", "免费送一年"), stages=STAGES)
    retract_note(session=db_session, note=note)
    assert db_session.exec(select(ObjectionMention)).all() == []
    assert db_session.exec(select(RiskMention)).all() == []


def test_a_note_without_evidence_still_stores_its_objections(db_session):
    extraction = said("x")
    del extraction["objection_evidence"]
    store(db_session, rep_of(db_session), extraction)
    assert sorted((m.category, m.evidence) for m in db_session.exec(select(ObjectionMention)).all()) == [
        ("price", ""), ("quality", "")]


def test_privacy_erase_covers_evidence_and_risk_sentences(db_session):
    store(db_session, rep_of(db_session), said(f"{NAME}说价格贵", f"答应{NAME}免费安装"))
    person = privacy.find_person(session=db_session, contact=NAME)
    privacy.erase(session=db_session, person=person)
    db_session.expire_all()
    evidence = [m.evidence for m in db_session.exec(select(ObjectionMention)).all()]
    risks = [r.text for r in db_session.exec(select(RiskMention)).all()]
    assert f"{privacy.ERASED}说价格贵" in evidence and not any(NAME in e for e in evidence)
    assert risks == [f"答应{privacy.ERASED}免费安装"]


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def test_the_upgrade_fills_in_the_risks_of_notes_stored_before(tmp_path, kind):
    """A database at the revision before: its parsed notes' risks become rows, its objections keep ""."""
    engine, cleanup = empty_engine(kind, tmp_path)
    try:
        upgrade_database(engine, "0003_operations")
        extraction = json.dumps(said("贵", "保证三天到货"))
        at = "2026-03-02 02:00:00"
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO team (id, name, timezone, industry, created_at) "
                              "VALUES (1, '华东', 'Asia/Shanghai', '', :at)"), {"at": at})
            conn.execute(text("INSERT INTO member (id, team_id, name, role, active, created_at) "
                              "VALUES (1, 1, '韩梅', 'rep', TRUE, :at)"), {"at": at})
            conn.execute(text("INSERT INTO customer (id, team_id, name, key, is_person, owner_id, created_at) "
                              "VALUES (1, 1, '华强', '华强', FALSE, 1, :at)"), {"at": at})
            conn.execute(text("INSERT INTO deal (id, team_id, customer_id, owner_id, stage, status, stage_entered_at, "
                              "last_activity_at, created_at) VALUES (1, 1, 1, 1, '线索', 'open', :at, :at, :at)"),
                         {"at": at})
            conn.execute(text("INSERT INTO note (id, channel, received_at, raw_text, author_id, customer_id, deal_id, "
                              "extraction, state) VALUES (1, 'local', :at, '贵', 1, 1, 1, :x, 'parsed')"),
                         {"at": at, "x": extraction})
            conn.execute(text("INSERT INTO objectionmention (note_id, deal_id, customer_id, category) "
                              "VALUES (1, 1, 1, 'price')"))
        upgrade_database(engine)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT note_id, deal_id, phrase, text FROM riskmention")).all()
            evidence = conn.execute(text("SELECT evidence FROM objectionmention")).scalars().all()
        assert [tuple(r) for r in rows] == [(1, 1, "免费", "保证三天到货")]
        assert evidence == [""]  # the clause was not kept before: nothing is made up
    finally:
        cleanup()
