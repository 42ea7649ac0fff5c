"""Corrections with history: a correction keeps the old facts, withdrawal removes the commitments but
keeps what the note said, stage and commitment changes are logged with who and when."""
from __future__ import annotations

import tomllib
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from sqlmodel import select

from storage import conversation_queries as cq
from storage import deals as deal_ops
from storage import history
from storage.history_models import ChangeLog
from storage.models import Commitment, Item, Note
from storage.notes import apply_extraction, record_inbound
from storage.stages import stages_from_config
from storage.teams import add_member, add_team

DEFAULTS = Path(__file__).parents[1] / "bot" / "defaults.toml"
STAGES = stages_from_config(tomllib.loads(DEFAULTS.read_text(encoding="utf-8")))
AT = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)


def facts(quantity=50, day="2026-03-15"):
    return {"customer": {"name": "张总", "company": "华强"},
            "items": [{"product": "A型号", "quantity": quantity, "unit": "台"}],
            "dates": [{"date": day, "kind": "delivery", "status": "planned"}],
            "money": [], "objections": [], "competitors": []}


@pytest.fixture
def li(db_session):
    team = add_team(session=db_session, name="华东")
    return add_member(session=db_session, team=team, name="李雷")


def stored_note(session, member, ext):
    note, _ = record_inbound(session=session, author_id=member.id, channel="local", channel_message_id="c:1",
                             received_at=AT, text="张总，A型号订50台，3月15日发货")
    apply_extraction(session=session, note=note, extraction=ext, stages=STAGES)
    return note


def test_a_first_parse_is_not_a_change(db_session, li):
    stored_note(db_session, li, facts())
    assert db_session.exec(select(ChangeLog)).all() == []


def test_a_correction_keeps_the_old_value_in_history(db_session, li):
    note = stored_note(db_session, li, facts(50))
    apply_extraction(session=db_session, note=note, extraction=facts(60), stages=STAGES)
    assert db_session.exec(select(Item.quantity).where(Item.note_id == note.id)).all() == [60]
    [change] = history.changes(session=db_session, entity="note", entity_id=note.id)
    assert history.old_value(change)["items"][0]["quantity"] == 50
    assert history.new_value(change)["items"][0]["quantity"] == 60
    assert change.changed_by_id == li.id and change.reason == "correction"
    assert change.customer_id == note.customer_id
    line = history.describe(db_session, change)
    assert "A型号50台 → A型号60台" in line.text and line.who == "李雷"


def test_withdrawal_removes_the_commitments_and_history_keeps_them(db_session, li):
    note = stored_note(db_session, li, facts())
    commitment_ids = db_session.exec(select(Commitment.id).where(Commitment.note_id == note.id)).all()
    assert len(commitment_ids) == 1
    cq.retract_note(session=db_session, note=note)
    assert db_session.exec(select(Commitment).where(Commitment.note_id == note.id)).all() == []
    assert db_session.get(Note, note.id) is not None  # the note itself stays
    [change] = history.changes(session=db_session, entity="note", entity_id=note.id)
    assert change.reason == "withdrawal"
    old = history.old_value(change)
    assert [c["id"] for c in old["commitments"]] == commitment_ids
    assert old["extraction"]["items"][0]["product"] == "A型号"


def test_stage_and_commitment_changes_are_logged(db_session, li):
    note = stored_note(db_session, li, facts())
    deal = db_session.get(deal_ops.Deal, note.deal_id)
    deal_ops.change_stage(session=db_session, deal=deal, stage="需求探询", stages=STAGES, by_id=li.id, at=AT)
    commitment = db_session.exec(select(Commitment).where(Commitment.note_id == note.id)).one()
    deal_ops.postpone_commitment(session=db_session, commitment=commitment, day=date(2026, 3, 20))
    deal_ops.complete_commitment(session=db_session, commitment=commitment, at=AT)
    [stage] = history.changes(session=db_session, entity="deal", entity_id=deal.id)
    assert (stage.field, stage.old_value, stage.new_value, stage.changed_by_id) == ("stage", "线索", "需求探询", li.id)
    done, moved = history.changes(session=db_session, entity="commitment", entity_id=commitment.id)
    assert (moved.field, moved.old_value, moved.new_value) == ("due_date", "2026-03-15", "2026-03-20")
    assert (done.field, done.old_value, done.new_value) == ("state", "open", "done")
    texts = [history.describe(db_session, c).text
             for c in history.changes(session=db_session, customer_id=note.customer_id)]
    assert any("线索 → 需求探询" in t for t in texts)


# --- in chat: /customer shows corrections, phones masked for who does not own the customer ---------------

@pytest.fixture
async def bot(tmp_path):
    from tests.test_conversation import Bot

    b = Bot(tmp_path)
    yield b
    await b.conversation.close()
    b.cleanup()


async def test_customer_report_shows_the_correction_and_masks_phones_for_others(bot):
    from storage import catalog, teams

    bot.member("韩梅")
    bot.member("李雷")
    with bot.sessions() as s:
        catalog.import_customers(session=s, team=teams.find_team(session=s, name="华东"), rows=[
            (2, {"company": "华强", "contact": "张总", "phone": "13800138000", "owner": "韩梅"})])
    await bot.say("韩梅", "华强的张总，A型号订50台，3月15日发货")
    await bot.say("韩梅", "数量改成60台")
    await bot.say("李雷", "华强的张总说下周来看样品")
    mine = (await bot.say("韩梅", "客户 华强"))[0].text
    assert "更正记录" in mine and "A型号50台 → A型号60台" in mine
    assert "张总 13800138000" in mine
    theirs = [r.text for r in await bot.say("李雷", "客户 华强") if "华强" in r.text][0]
    assert "138****8000" in theirs and "13800138000" not in theirs
