"""Engines, sessions and migrations. Factories only: nothing connects at import time."""
from __future__ import annotations

import logging
import os
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

STORAGE_DIR = Path(__file__).parent
ALEMBIC_INI = STORAGE_DIR / "alembic.ini"
MIGRATIONS_DIR = STORAGE_DIR / "migrations"
MIGRATION_LOCK = 0x5A1E5B07  # PostgreSQL advisory lock key held while migrating


def default_url() -> str:
    """SQLite under the user's data directory: <data dir>/salesbot/salesbot.db."""
    from platformdirs import user_data_dir

    path = Path(user_data_dir("salesbot", appauthor=False)) / "salesbot.db"
    return f"sqlite:///{path}"


def database_url(config: dict | None = None, env: dict | None = None) -> str:
    """[database] url from config (the CLI's --db lands there), else env, else the default path."""
    env = os.environ if env is None else env
    url = ((config or {}).get("database") or {}).get("url") or env.get("SALESBOT_DATABASE_URL")
    return url or default_url()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL lets readers work while a note is written; SQLite leaves foreign keys off unless asked."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str, **kwargs) -> Engine:
    """An engine for any SQLAlchemy URL; SQLite files get their directory, WAL and foreign keys."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        memory = database in ("", ":memory:") or database.startswith("file::memory:")
        kwargs.setdefault("connect_args", {}).setdefault("check_same_thread", False)
        kwargs["connect_args"].setdefault("timeout", 30)
        if memory:
            kwargs.setdefault("poolclass", StaticPool)  # one shared connection: one database
        else:
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def session_factory(engine: Engine) -> sessionmaker:
    """Sessions whose objects stay readable after commit (handlers return what they stored)."""
    return sessionmaker(engine, class_=Session, expire_on_commit=False)


def alembic_config(url: str | None = None):
    from alembic.config import Config

    cfg = Config(str(ALEMBIC_INI))
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade_database(target: str | Engine, revision: str = "head") -> str | None:
    """Migrates the database (a URL or an engine) to `revision`; returns the revision it is at."""
    return _run_alembic("upgrade", target, revision)


def downgrade_database(target: str | Engine, revision: str = "base") -> str | None:
    return _run_alembic("downgrade", target, revision)


def _run_alembic(action: str, target: str | Engine, revision: str) -> str | None:
    quiet_alembic()  # before the import: alembic logs its plugins as it loads
    from alembic import command

    engine = make_engine(target) if isinstance(target, str) else target
    try:
        with engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                # SQLite alters a table by copying it and dropping the old one, which enforced foreign
                # keys refuse; the switch only works outside a transaction. Checked again before commit.
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                connection.commit()
            try:
                with connection.begin():
                    # Processes starting together migrate one at a time, each in one transaction.
                    if not sqlite:
                        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
                    else:  # pysqlite would run the DDL outside a transaction
                        connection.exec_driver_sql("BEGIN IMMEDIATE")
                    cfg = alembic_config()
                    cfg.attributes["connection"] = connection
                    getattr(command, action)(cfg, revision)
                    if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first():
                        raise RuntimeError(f"migration {action} to {revision} left rows without their parent")
            finally:
                if sqlite:
                    connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                    connection.commit()
        return current_revision(engine)
    finally:
        if isinstance(target, str):
            engine.dispose()


def quiet_alembic() -> None:
    """Alembic's INFO lines (plugins, "Context impl") are noise at every start-up; keep warnings."""
    for name in ("alembic", "alembic.runtime.migration", "alembic.runtime.plugins"):
        if logging.getLogger(name).level == logging.NOTSET:
            logging.getLogger(name).setLevel(logging.WARNING)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def open_database(url: str, *, migrate: bool = True) -> tuple[Engine, sessionmaker]:
    """What the app does at start-up: an engine, migrations applied, a session factory."""
    engine = make_engine(url)
    if migrate:
        upgrade_database(engine)
    return engine, session_factory(engine)
