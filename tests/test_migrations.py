"""Migrations: from empty to head, down to base, up again; the models and the migrations agree."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from storage.db import alembic_config, current_revision, downgrade_database, upgrade_database
from storage.models import metadata
from tests.storage_db import empty_engine

KINDS = ["sqlite", pytest.param("pg", marks=pytest.mark.pg)]


@pytest.fixture(params=KINDS)
def empty(request, tmp_path):
    engine, cleanup = empty_engine(request.param, tmp_path)
    yield engine
    cleanup()


def head() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def tables(engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def differences(engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, metadata)


def test_upgrade_downgrade_upgrade(empty):
    assert tables(empty) == set()
    assert upgrade_database(empty) == head()
    assert tables(empty) == set(metadata.tables)
    assert downgrade_database(empty, "base") is None
    assert tables(empty) == set()
    assert upgrade_database(empty) == head()
    assert tables(empty) == set(metadata.tables)


def test_models_and_migrations_agree(empty):
    upgrade_database(empty)
    assert differences(empty) == []


def test_upgrade_is_idempotent(empty):
    upgrade_database(empty)
    assert upgrade_database(empty) == head()
    assert current_revision(empty) == head()


def test_every_revision_imports_what_autogenerate_writes():
    """AutoString/UTCDateTime are sqlmodel types: a revision using them must import sqlmodel."""
    for script in ScriptDirectory.from_config(alembic_config()).walk_revisions():
        source = open(script.path, encoding="utf-8").read()
        if "sqlmodel." in source:
            assert "import sqlmodel" in source, script.path


def test_upgrade_by_url_creates_the_sqlite_file(tmp_path):
    path = tmp_path / "nested" / "salesbot.db"
    assert upgrade_database(f"sqlite:///{path}") == head()
    assert path.is_file()


def test_processes_starting_together_migrate_once(empty):
    """The web process and the scheduler may start at the same moment against one database."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=3) as pool:
        revisions = list(pool.map(lambda _: upgrade_database(empty), range(3)))
    assert revisions == [head()] * 3
    assert differences(empty) == []


def test_a_failing_migration_leaves_nothing_behind(tmp_path, monkeypatch):
    """Migrations run in one transaction, on SQLite too: a failure rolls the whole step back."""
    import alembic.op

    from storage.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'fail.db'}")

    real_create_table = alembic.op.create_table
    created = []

    def create_then_fail(name, *columns, **kw):
        created.append(name)
        if len(created) == 3:
            raise RuntimeError("simulated failure in the middle of a migration")
        return real_create_table(name, *columns, **kw)

    monkeypatch.setattr(alembic.op, "create_table", create_then_fail)
    with pytest.raises(RuntimeError):
        upgrade_database(engine)
    monkeypatch.undo()
    assert tables(engine) == set() and current_revision(engine) is None
    assert upgrade_database(engine) == head()
    engine.dispose()
