"""Engines and URLs: SQLite in WAL mode with foreign keys, the default path, the URL precedence."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from storage.db import database_url, default_url, make_engine, open_database
from storage.models import Member


def test_sqlite_file_runs_in_wal_mode_with_foreign_keys(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'sub' / 'x.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_foreign_keys_are_enforced(db_session):
    db_session.add(Member(team_id=999, name="幽灵"))
    with pytest.raises(IntegrityError):
        db_session.commit()
    db_session.rollback()


def test_in_memory_database_is_one_database_across_sessions():
    engine, make_session = open_database("sqlite://")
    with make_session() as first:
        first.execute(text("INSERT INTO team (name, timezone, industry, created_at) "
                           "VALUES ('华东', 'Asia/Shanghai', '', '2026-01-01 00:00:00')"))
        first.commit()
    with make_session() as second:
        assert second.execute(text("SELECT name FROM team")).scalar() == "华东"
    engine.dispose()


def test_default_database_is_under_the_user_data_directory(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_url() == f"sqlite:///{tmp_path}/salesbot/salesbot.db"


def test_url_precedence_config_then_env_then_default(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    env = {"SALESBOT_DATABASE_URL": "postgresql+psycopg://u:p@h/db"}
    assert database_url({"database": {"url": "sqlite:///a.db"}}, env) == "sqlite:///a.db"
    assert database_url({"database": {"url": ""}}, env) == "postgresql+psycopg://u:p@h/db"
    assert database_url({}, {}) == default_url()
