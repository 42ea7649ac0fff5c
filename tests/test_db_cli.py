"""The storage commands of the CLI, run through bot.cli.main on a temporary SQLite file."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import inspect

from bot.cli import main
from storage.db import make_engine, session_factory
from storage.models import Member
from storage.teams import member_for_account, redeem_invite


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.delenv("SALESBOT_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)  # no ./config.toml of the developer's
    return f"sqlite:///{tmp_path / 'cli.db'}"


def run(db, *argv):
    return main(["--db", db, *argv])


def test_db_upgrade_creates_the_schema(db, capsys):
    assert run(db, "db", "upgrade") == 0
    assert "数据库已是最新版本" in capsys.readouterr().out
    tables = set(inspect(make_engine(db)).get_table_names())
    assert {"team", "member", "note", "deal", "commitment", "notification", "alembic_version"} <= tables
    assert run(db, "db", "upgrade") == 0  # again: nothing to do, still fine


def test_team_create_and_its_errors(db, capsys):
    assert run(db, "team", "create", "华东一组", "--industry", "建材", "--timezone", "Asia/Urumqi") == 0
    assert "华东一组" in capsys.readouterr().out
    assert run(db, "team", "create", "华东一组") == 1  # exists
    assert "已存在" in capsys.readouterr().err
    assert run(db, "team", "create", "华北", "--timezone", "Beijing") == 2  # not a timezone
    assert "时区" in capsys.readouterr().err
    assert run(db, "team") == 2  # no action


def test_member_add_and_show(db, capsys):
    run(db, "team", "create", "华东一组")
    assert run(db, "member", "add", "王经理", "--team", "华东一组", "--role", "manager") == 0
    assert run(db, "member", "add", "小李", "--team", "华东一组", "--role", "rep", "--manager", "王经理") == 0
    capsys.readouterr()
    assert run(db, "member", "add", "小李", "--team", "华东一组", "--role", "rep") == 1  # taken
    assert run(db, "member", "add", "小张", "--team", "没有这个组", "--role", "rep") == 1
    assert run(db, "member", "add", "小张", "--team", "华东一组", "--manager", "不存在") == 1
    assert run(db, "member", "add", "小张", "--role", "rep") == 2  # --team is required
    assert run(db, "member", "add", "小张", "--team", "华东一组", "--role", "boss") == 2
    capsys.readouterr()
    assert run(db, "member", "show", "小李") == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown == {"name": "小李", "team": "华东一组", "role": "rep", "manager": "王经理", "active": True,
                     "accounts": []}


def test_an_ambiguous_member_name_needs_team(db, capsys):
    run(db, "team", "create", "华东")
    run(db, "team", "create", "华南")
    run(db, "member", "add", "小李", "--team", "华东")
    run(db, "member", "add", "小李", "--team", "华南", "--role", "manager")
    capsys.readouterr()
    assert run(db, "member", "show", "小李") == 2
    assert "--team" in capsys.readouterr().err
    assert run(db, "member", "show", "小李", "--team", "华南") == 0
    assert json.loads(capsys.readouterr().out)["role"] == "manager"


def test_invite_prints_the_code_last_and_the_code_works(db, capsys):
    run(db, "team", "create", "华东一组")
    run(db, "member", "add", "王经理", "--team", "华东一组", "--role", "manager")
    capsys.readouterr()
    assert run(db, "invite", "--team", "华东一组", "--role", "rep", "--manager", "王经理") == 0
    code = capsys.readouterr().out.strip().splitlines()[-1]
    assert len(code) == 8 and code.isalnum()
    with session_factory(make_engine(db))() as session:
        joined = redeem_invite(session=session, code=code, channel="telegram", external_id="555",
                               display_name="李雷")
        assert joined.member.role == "rep" and session.get(Member, joined.member.manager_id).name == "王经理"


def test_invite_bound_to_an_existing_member(db, capsys):
    run(db, "team", "create", "华东一组")
    run(db, "member", "add", "小李", "--team", "华东一组")
    capsys.readouterr()
    assert run(db, "invite", "--team", "华东一组", "--role", "rep", "--member", "小李") == 0
    code = capsys.readouterr().out.strip().splitlines()[-1]
    with session_factory(make_engine(db))() as session:
        redeem_invite(session=session, code=code, channel="wecom", external_id="lilei")
        assert member_for_account(session=session, channel="wecom", external_id="lilei").name == "小李"
    assert run(db, "invite", "--team", "华东一组", "--role", "rep", "--member", "没这人") == 1
    assert run(db, "invite", "--team", "华东一组") == 2  # --role is required
    assert run(db, "invite", "--team", "华东一组", "--role", "rep", "--days", "0") == 2


def test_database_url_from_the_environment(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SALESBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    assert main(["team", "create", "华东"]) == 0
    assert (tmp_path / "env.db").is_file()
