"""Personal data: erase leaves no trace of a person's name or phone in any table, figures stay; export
finds them; voice files older than the retention are deleted while their transcripts stay."""
from __future__ import annotations

import json
import re
import tomllib
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select as sa_select
from sqlmodel import select

from storage import catalog, privacy
from storage.lead_models import Lead, Touchpoint
from storage.models import Item, Note, Notification, metadata
from storage.notes import apply_extraction, mark_transcribed, record_inbound
from storage.stages import stages_from_config
from storage.teams import add_member, add_team

DEFAULTS = Path(__file__).parents[1] / "bot" / "defaults.toml"
STAGES = stages_from_config(tomllib.loads(DEFAULTS.read_text(encoding="utf-8")))
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)
NAME, PHONE = "李建国", "13800138000"


def facts(name, company, quantity):
    return {"customer": {"name": name, "company": company},
            "items": [{"product": "A型号", "quantity": quantity, "unit": "台"}], "dates": [],
            "money": [{"amount": 50000, "kind": "quote"}], "objections": [], "competitors": []}


@pytest.fixture
def world(db_session, tmp_path):
    s = db_session
    team = add_team(session=s, name="华东")
    rep = add_member(session=s, team=team, name="韩梅")
    catalog.import_customers(session=s, team=team, rows=[
        (2, {"company": "华强", "contact": NAME, "title": "总经理", "phone": PHONE, "owner": "韩梅"}),
        (3, {"company": "华强", "contact": "王芳", "title": "采购", "phone": "13900139000"})])
    voice = tmp_path / "a.ogg"
    voice.write_bytes(b"voice")
    spoken, _ = record_inbound(session=s, author_id=rep.id, channel="local", channel_message_id="c:1",
                               received_at=NOW, audio_ref=str(voice))
    mark_transcribed(session=s, note=spoken, transcript=f"华强的{NAME}说A型号要20台，电话138-0013-8000")
    apply_extraction(session=s, note=spoken, extraction=facts(NAME, "华强", 20), stages=STAGES)
    apply_extraction(session=s, note=spoken, extraction=facts(NAME, "华强", 30), stages=STAGES)  # a correction
    typed, _ = record_inbound(session=s, author_id=rep.id, channel="local", channel_message_id="c:2",
                              received_at=NOW, text="华强的王芳说下周报价")
    apply_extraction(session=s, note=typed, extraction=facts("王芳", "华强", 5), stages=STAGES)
    s.add(Notification(kind="card", recipient_id=rep.id, text=f"📝 已记录 {NAME}（华强）", send_at=NOW, sent_at=NOW,
                       dedupe_key="sent:x"))
    s.add(Touchpoint(team_id=team.id, kind="call", company="华强", contact=NAME, phone="138 0013 8000",
                     text=f"{NAME}来电询价", at=NOW))
    s.add(Lead(team_id=team.id, name=NAME, phone=PHONE, company="华强", created_at=NOW))
    s.commit()
    return dict(team=team, rep=rep, voice=voice, spoken=spoken, typed=typed)


def every_text(session) -> list[str]:
    """Every value of every text or JSON column of every table, as text."""
    found = []
    for table in metadata.sorted_tables:
        for row in session.execute(sa_select(table)).all():
            for value in row._mapping.values():
                if isinstance(value, (dict, list)):
                    found.append(json.dumps(value, ensure_ascii=False))
                elif isinstance(value, str):
                    found.append(value)
    return found


def traces(session) -> list[str]:
    return [t for t in every_text(session) if NAME in t or PHONE in re.sub(r"[\s\-]", "", t)]


def test_erase_leaves_no_trace_and_keeps_the_figures(db_session, world):
    s = db_session
    assert len(traces(s)) > 5  # contact, phone, transcript, extraction, history, outbox, touchpoint, lead
    person = privacy.find_person(session=s, contact=NAME, customer="华强", team=world["team"])
    done = privacy.erase(session=s, person=person)
    s.expire_all()
    assert traces(s) == []
    assert done.voice_files == 1 and not world["voice"].exists()
    spoken = s.get(Note, world["spoken"].id)
    assert privacy.ERASED in spoken.transcript and "A型号要20台" in spoken.transcript
    assert spoken.extraction["customer"]["name"] == privacy.ERASED
    # Anonymous figures and the other contact stay.
    assert sorted(s.exec(select(Item.quantity)).all()) == [5, 30]
    assert "王芳" in s.get(Note, world["typed"].id).raw_text
    assert any("13900139000" in t for t in every_text(s))


def test_export_lists_what_is_stored_about_the_person(db_session, world):
    person = privacy.find_person(session=db_session, contact=NAME)
    data = privacy.export(session=db_session, person=person)
    assert data["contacts"] == [{"customer": "华强", "name": NAME, "title": "总经理", "role": "decision_maker",
                                 "phone": PHONE}]
    assert data["voice_files"] == [str(world["voice"])]
    assert {"note", "notification", "touchpoint", "lead", "changelog"} <= set(data["records"])
    json.dumps(data, ensure_ascii=False)  # ready to hand over as a file


def test_an_unknown_person_is_a_clear_error(db_session, world):
    with pytest.raises(privacy.PrivacyError):
        privacy.find_person(session=db_session, contact="查无此人")


def test_voice_files_older_than_the_retention_go_and_transcripts_stay(db_session, world, tmp_path):
    s, rep = db_session, world["rep"]
    made = {}
    for label, age, parse in (("old", 40, True), ("recent", 5, True), ("waiting", 40, False)):
        path = tmp_path / f"{label}.ogg"
        path.write_bytes(b"voice")
        note, _ = record_inbound(session=s, author_id=rep.id, channel="local", channel_message_id=label,
                                 received_at=NOW - timedelta(days=age), audio_ref=str(path))
        mark_transcribed(session=s, note=note, transcript=f"{label}的转写")
        if parse:
            apply_extraction(session=s, note=note, extraction=facts(None, "华强", 1), stages=STAGES)
        made[label] = (note.id, path)
    # world's own voice note is from NOW: inside the retention.
    assert privacy.sweep_voice(session=s, days=30, now=NOW) == 1
    assert not made["old"][1].exists() and made["recent"][1].exists() and made["waiting"][1].exists()
    assert world["voice"].exists()
    assert s.get(Note, made["old"][0]).transcript == "old的转写"
    assert privacy.sweep_voice(session=s, days=30, now=NOW) == 0  # nothing left to do
    assert privacy.sweep_voice(session=s, days=0, now=NOW) == 0   # 0 days: retention off


def test_privacy_commands(tmp_path, capsys):
    from bot.cli import main

    db = f"sqlite:///{tmp_path / 'cli.db'}"
    run = lambda *args: main(["--db", db, *args])  # noqa: E731
    assert run("team", "create", "华东") == 0
    customers = tmp_path / "customers.csv"
    customers.write_text(f"company,contact,phone\n华强,{NAME},{PHONE}\n", encoding="utf-8")
    assert run("catalog", "import", "--team", "华东", "customers", str(customers)) == 0
    capsys.readouterr()
    assert run("privacy", "export", "--contact", NAME, "--team", "华东") == 0
    exported = json.loads(capsys.readouterr().out)
    assert exported["contacts"][0]["phone"] == PHONE
    assert run("privacy", "erase", "--contact", NAME, "--customer", "华强") == 0
    assert run("privacy", "export", "--contact", NAME) == 1   # nobody of that name any more
    assert run("privacy", "erase") == 2
    assert run("privacy", "sweep", "--days", "30") == 0
    assert "已删除 0 个" in capsys.readouterr().err
