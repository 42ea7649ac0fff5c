"""Backups while the bot writes: the restored database passes the integrity check and holds every note
acknowledged before the backup began; bad files are refused with a clear message."""
from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, timezone

import pytest
from sqlmodel import select

from bot.cli import main
from storage import backup as backup_ops
from storage.db import open_database
from storage.models import Note
from storage.notes import record_inbound
from storage.teams import add_member, add_team

NOTES = 200


def database(tmp_path, name="live.db"):
    url = f"sqlite:///{tmp_path / name}"
    engine, sessions = open_database(url)
    return url, engine, sessions


def test_a_backup_taken_under_load_restores_every_acknowledged_note(tmp_path):
    url, engine, sessions = database(tmp_path)
    with sessions() as s:
        rep = add_member(session=s, team=add_team(session=s, name="华东"), name="李雷")
        rep_id = rep.id
    acknowledged: list[int] = []
    started = threading.Event()

    def writer():
        with sessions() as s:
            for i in range(NOTES):
                stored = record_inbound(session=s, author_id=rep_id, channel="local", channel_message_id=f"c:{i}",
                                        received_at=datetime.now(timezone.utc), text=f"第{i}条笔记")
                acknowledged.append(stored.note.id)  # committed: the channel may acknowledge now
                if i == 60:
                    started.set()

    thread = threading.Thread(target=writer)
    thread.start()
    assert started.wait(60)
    before = list(acknowledged)
    copy = backup_ops.backup(url, tmp_path / "backups" / "salesbot.db")
    thread.join(60)
    assert len(acknowledged) == NOTES and len(before) < NOTES  # the writer really ran during the backup
    engine.dispose()

    restored_url = f"sqlite:///{tmp_path / 'restored.db'}"
    backup_ops.restore(copy, restored_url)
    assert backup_ops.integrity(tmp_path / "restored.db") == "ok"
    r_engine, r_sessions = open_database(restored_url)
    with r_sessions() as s:
        texts = dict(s.exec(select(Note.id, Note.raw_text)).all())
    r_engine.dispose()
    assert set(before) <= set(texts)
    assert all(texts[i] == f"第{i - before[0]}条笔记" for i in before)


def test_restore_refuses_damaged_or_foreign_files(tmp_path):
    url, engine, _ = database(tmp_path)
    engine.dispose()
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    with pytest.raises(backup_ops.BackupError):
        backup_ops.restore(junk, url)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("create table t(x)").connection.commit()
    with pytest.raises(backup_ops.BackupError, match="不是 SalesBot"):
        backup_ops.restore(other, url)
    with pytest.raises(backup_ops.BackupError, match="pg_dump"):
        backup_ops.backup("postgresql+psycopg://u:p@localhost/db", tmp_path / "x.db")


def test_backup_and_restore_commands(tmp_path, capsys):
    url, engine, sessions = database(tmp_path)
    with sessions() as s:
        add_team(session=s, name="华东")
    engine.dispose()
    assert main(["--db", url, "backup", str(tmp_path / "b.db")]) == 0
    target = f"sqlite:///{tmp_path / 'new.db'}"
    assert main(["--db", target, "restore", str(tmp_path / "b.db")]) == 0
    with sqlite3.connect(tmp_path / "new.db") as connection:
        assert connection.execute("select name from team").fetchall() == [("华东",)]
    assert main(["--db", url, "restore", str(tmp_path / "missing.db")]) == 1
    assert "备份文件不存在" in capsys.readouterr().err
