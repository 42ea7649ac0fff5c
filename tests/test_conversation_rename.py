"""改名: a web-chat member who joined as 成员 names themselves; `member set NAME --name NEW` does it
from the command line (SQLite, and PostgreSQL with SALESBOT_TEST_PG_URL)."""
from __future__ import annotations

import json

from storage import teams
from storage.models import Member
from tests.chat_bot import bot  # noqa: F401


async def test_a_member_who_joined_by_code_renames_themselves(bot):
    bot.member("李雷")
    with bot.sessions() as s:
        code = teams.create_invite(session=s, team=teams.find_team(session=s, name="华东"), role="rep").code
    await bot.say("web-1", f"加入 {code}")
    [joined] = [m for m in bot.rows(Member) if m.name.startswith("成员")]
    replies = await bot.say("web-1", "改名 韩梅")
    assert "韩梅" in replies[-1].text
    assert bot.rows(Member, Member.id == joined.id)[0].name == "韩梅"
    assert "韩梅" in (await bot.say("web-1", "改名"))[-1].text            # says the name now
    refused = (await bot.say("web-1", "改名 李雷"))[-1].text               # a teammate's name
    assert "已经有" in refused and bot.rows(Member, Member.id == joined.id)[0].name == "韩梅"
    await bot.say("web-1", "恒通机械的王总，A型泵要80台")
    assert "韩梅" in (await bot.say("web-1", "/team"))[-1].text


async def test_a_note_that_begins_with_the_word_is_still_a_note(bot):
    bot.member("李雷")
    replies = await bot.say("李雷", "改名成功的那家客户下周签约")
    assert "已记录" in replies[-1].text and bot.rows(Member)[0].name == "李雷"


def test_member_set_name_on_the_command_line(tmp_path, capsys):
    from bot.cli import main

    db = f"sqlite:///{tmp_path / 'cli.db'}"
    run = lambda *args: main(["--db", db, *args])  # noqa: E731
    assert run("team", "create", "华东") == 0
    assert run("member", "add", "成员", "--team", "华东") == 0
    assert run("member", "add", "李雷", "--team", "华东") == 0
    assert run("member", "set", "成员", "--name", "韩梅") == 0
    assert run("member", "set", "韩梅", "--name", "李雷") == 2          # taken
    capsys.readouterr()
    assert run("member", "show", "韩梅") == 0
    assert json.loads(capsys.readouterr().out)["name"] == "韩梅"


def test_an_unknown_industry_is_refused_naming_the_known_ones(tmp_path, capsys):
    from bot.cli import main

    db = f"sqlite:///{tmp_path / 'cli.db'}"
    assert main(["--db", db, "team", "create", "华东", "--industry", "造火箭"]) == 2
    err = capsys.readouterr().err
    assert "未知的行业：造火箭" in err and "machinery" in err
    assert main(["--db", db, "team", "create", "华东", "--industry", "machinery"]) == 0
