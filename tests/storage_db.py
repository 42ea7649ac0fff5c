"""Database fixtures for every suite: the same tests run on SQLite and on a real PostgreSQL.

PostgreSQL comes from env SALESBOT_TEST_PG_URL (scripts/test.sh sets it when it can start a server);
each test module gets a schema of its own, dropped afterwards, so runs never see each other's rows.
"""
from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, delete, text

from storage.db import make_engine, session_factory, upgrade_database
from storage.models import metadata

PG_SKIP = "PostgreSQL tests skipped: SALESBOT_TEST_PG_URL is not set"


def pg_url() -> str:
    url = os.environ.get("SALESBOT_TEST_PG_URL")
    if not url:
        pytest.skip(PG_SKIP)
    return url


class PgSchema:
    """A fresh schema on the test server; engines made by `engine()` live in it."""

    def __init__(self):
        self.url = pg_url()
        self.name = f"t_{uuid.uuid4().hex[:12]}"
        self._admin = create_engine(self.url)
        with self._admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{self.name}"'))

    def engine(self):
        return make_engine(self.url, connect_args={"options": f"-csearch_path={self.name}"})

    def drop(self):
        with self._admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE'))
        self._admin.dispose()


def empty_engine(kind: str, tmp_path):
    """(engine, cleanup) for an empty database of `kind` (sqlite | pg)."""
    if kind == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
        return engine, engine.dispose
    schema = PgSchema()
    engine = schema.engine()

    def cleanup():
        engine.dispose()
        schema.drop()
    return engine, cleanup


@pytest.fixture(scope="module", params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def db_engine(request, tmp_path_factory):
    """A migrated database per test module, on SQLite and on PostgreSQL."""
    engine, cleanup = empty_engine(request.param, tmp_path_factory.mktemp("db"))
    upgrade_database(engine)
    yield engine
    cleanup()


@pytest.fixture
def db_session(db_engine):
    """A session on a database emptied after each test."""
    make_session = session_factory(db_engine)
    with make_session() as session:
        yield session
    with db_engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(delete(table))


@pytest.fixture
def db_sessions(db_engine):
    """The session factory, for tests that need several sessions (crash and retry)."""
    yield session_factory(db_engine)
    with db_engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(delete(table))
