"""Backups of the SQLite database with SQLite's online backup API: consistent while the bot runs
(a snapshot of one moment; writers wait only for the copy's read transaction), and restores that
check the file first. PostgreSQL is backed up with pg_dump (see the README).
"""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(RuntimeError):
    """The backup or restore cannot be done; the message is for the user (Chinese)."""


def sqlite_path(url: str) -> Path:
    """The database file of a SQLite URL; BackupError for any other database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise BackupError(f"{parsed.get_backend_name()} 数据库请用 pg_dump / pg_restore 备份和恢复（见 README）")
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file::memory:"):
        raise BackupError("内存数据库无法备份")
    return Path(database).expanduser()


def integrity(path: str | Path) -> str:
    """PRAGMA integrity_check of a database file: "ok" when sound."""
    connection = sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True)
    try:
        return "\n".join(row[0] for row in connection.execute("PRAGMA integrity_check"))
    except sqlite3.DatabaseError as exc:
        return str(exc)
    finally:
        connection.close()


def backup(url: str, target: str | Path) -> Path:
    """Copies the live database to `target` in one step (one consistent snapshot)."""
    source_path, target = sqlite_path(url), Path(target).expanduser()
    if not source_path.is_file():
        raise BackupError(f"数据库文件不存在：{source_path}")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(str(source_path), timeout=30)
    copy = sqlite3.connect(str(partial))
    try:
        source.backup(copy)  # pages=-1: everything in one step, so the copy is one moment's state
        copy.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
    finally:
        copy.close()
        source.close()
    if integrity(partial) != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError("备份文件校验失败，请重试")
    os.replace(partial, target)
    return target


def restore(backup_file: str | Path, url: str) -> Path:
    """Replaces the database with a checked backup (stop the bot first). Returns the database path."""
    source_path, target = Path(backup_file).expanduser(), sqlite_path(url)
    if not source_path.is_file():
        raise BackupError(f"备份文件不存在：{source_path}")
    status = integrity(source_path)
    if status != "ok":
        raise BackupError(f"备份文件已损坏：{status.splitlines()[0]}")
    if not _has_schema(source_path):
        raise BackupError("这不是 SalesBot 的备份文件（没有数据库版本信息）")
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    live = sqlite3.connect(str(target), timeout=30)
    try:
        source.backup(live)  # through SQLite, so the live file's WAL and locks stay consistent
    finally:
        live.close()
        source.close()
    return target


def _has_schema(path: Path) -> bool:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'").fetchone() is not None
    finally:
        connection.close()
