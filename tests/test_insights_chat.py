"""The insights in chat and on the command line: /health 健康度, /radar 能力, the health lines of /customer
and /stalled, `salesbot health`, `salesbot radar`, `salesbot insights due`; who may see what; bad input
gets a clear answer."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot import intents
from bot.conversation import Conversation
from insights.policy import policy_from_config
from storage.stages import stages_from_config
from tests.test_conversation import Bot, bot  # noqa: F401 (the fixture)


async def team(bot):
    bot.member("主管", role="lead")
    bot.member("经理", role="manager")
    bot.member("甲", manager="经理")
    bot.member("乙", manager="经理")
    await bot.say("甲", "华为的张总，报价十万，下周三再去一次")
    bot.now -= timedelta(days=40)
    await bot.say("乙", "中兴的王总说价格太贵，比三一贵")
    bot.now += timedelta(days=40)


@pytest.mark.parametrize("text,name,arg", [("健康度", "health", ""), ("/health", "health", ""),
                                           ("能力", "radar", ""), ("能力 李雷", "radar", "李雷"),
                                           ("/radar 李雷", "radar", "李雷"), ("能力：韩梅", "radar", "韩梅")])
def test_the_commands_are_understood(text, name, arg):
    assert intents.command(text) == intents.Command(name, arg)


@pytest.mark.parametrize("text", ["能力不错，张总很满意", "健康度还可以", "能力很强的客户，下周签约"])
def test_notes_that_start_like_a_command_stay_notes(text):
    assert intents.command(text) is None


async def test_health_lists_the_lowest_first_with_reasons(bot):
    await team(bot)
    text = (await bot.say("主管", "健康度"))[0].text
    lines = text.splitlines()
    assert lines[0] == "🩺 商机健康度（全队，共2个，0个低于40分，最低的在前）"
    assert lines[1].endswith("中兴 · 线索 · 乙") and "40天没有跟进" in lines[2]
    assert lines[3].endswith("华为 · 线索 · 甲")
    score = int(lines[1].split()[1].rstrip("分"))
    assert score < int(lines[3].split()[1].rstrip("分"))
    mine = (await bot.say("甲", "/health"))[0].text
    assert "华为" in mine and "中兴" not in mine and mine.startswith("🩺 商机健康度（我的，共1个")


async def test_health_with_no_deals_says_so(bot):
    bot.member("甲")
    assert (await bot.say("甲", "健康度"))[0].text == "🩺 商机健康度\n没有进行中的商机。"


async def test_customer_and_stalled_show_the_health(bot):
    await team(bot)
    profile = (await bot.say("乙", "客户 中兴"))[0].text
    assert "  健康度 " in profile and "40天没有跟进" in profile
    stalled = (await bot.say("主管", "停滞"))[0].text
    assert stalled.splitlines()[1].startswith("#") and "中兴 · 线索 已40天（上限14天）· 乙 · 健康度" in stalled


async def test_radar_for_a_manager_a_rep_and_a_stranger(bot):
    await team(bot)
    text, chart = await bot.say("经理", "能力 甲")
    assert text.text.splitlines()[0] == "📡 甲 的能力雷达（近90天，在2名销售中排位，0-100）"
    assert [line.split("：")[0] for line in text.text.splitlines()[1:]] == [
        "活动量", "守约", "决策链穿透", "异议推进", "价格纪律", "首次响应"]
    assert chart.image.data[:8] == b"\x89PNG\r\n\x1a\n" and chart.image.filename == "radar.png"
    own = await bot.say("乙", "能力")
    assert own[0].text.startswith("📡 乙 的能力雷达")
    assert (await bot.say("乙", "能力 甲"))[0].text == "📡 能力雷达\n只能查看自己的能力雷达：直接发送“能力”。"
    assert (await bot.say("主管", "/radar 无名氏"))[0].text == "📡 能力雷达\n没有找到你能查看的成员“无名氏”。"
    assert (await bot.say("主管", "能力 经理"))[0].text == "📡 能力雷达\n经理 不是在职的销售，没有能力雷达。"


async def test_forecast_in_chat_shows_the_accuracy(bot):
    await team(bot)
    lines = (await bot.say("主管", "预测"))[0].text.splitlines()
    assert lines[-1] == "🎯 预测准确率：还没有记录（每月1日记下当月的加权预测，月底和实际赢单比较）。"


async def test_the_conversation_uses_the_configured_insights(bot):
    await team(bot)
    await bot.conversation.close()
    config = dict(bot.config, insights={**bot.config["insights"], "health_shown": 1, "at_risk": 90})
    bot.conversation = Conversation(sessions=bot.sessions, stages=stages_from_config(config), parse=bot.conversation.parse,
                                    send=bot.send, audio_dir=bot.tmp_path / "audio", clock=lambda: bot.now,
                                    insights=policy_from_config(config))
    lines = (await bot.say("主管", "健康度"))[0].text.splitlines()
    assert lines[0] == "🩺 商机健康度（全队，共2个，2个低于90分，最低的在前）"
    assert lines[-1] == "……还有1个分数更高的商机未列出。"


# --- the command line --------------------------------------------------------------------------------

def run_cli(capsys, *argv):
    from bot.cli import main

    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def cli_team(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db = f"sqlite:///{tmp_path / 'insights.db'}"
    for argv in (("team", "create", "华东"), ("member", "add", "王经理", "--team", "华东", "--role", "manager"),
                 ("member", "add", "李雷", "--team", "华东", "--manager", "王经理"),
                 ("member", "add", "韩梅", "--team", "华东", "--manager", "王经理"),
                 ("note", "--user", "李雷", "--at", "2026-05-01T10:00", "远大机械的张总说价格太贵，预算五十万，下周三再谈"),
                 ("note", "--user", "韩梅", "--at", "2026-06-08T10:00", "华强的赵总，报价二十万，6月20日签合同")):
        code, _, err = run_cli(capsys, "--db", db, *argv)
        assert code == 0, err
    return db


def test_salesbot_health_lists_every_open_deal_lowest_first(cli_team, capsys):
    code, out, err = run_cli(capsys, "--db", cli_team, "health", "--team", "华东", "--now", "2026-06-10T10:00",
                             "--json")
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["customer"] for r in rows] == ["远大机械", "华强"]
    assert all(set(r) == {"deal", "customer", "score", "reasons"} for r in rows)
    assert rows[0]["score"] < rows[1]["score"] and "40天没有跟进" in rows[0]["reasons"]
    assert len(rows[0]["reasons"]) == 3
    text = run_cli(capsys, "--db", cli_team, "health", "--team", "华东", "--now", "2026-06-10T10:00")[1]
    assert text.splitlines()[0].split()[0] == str(rows[0]["score"])


def test_salesbot_radar_writes_the_png_and_the_axes(cli_team, capsys, tmp_path):
    png = tmp_path / "radar.png"
    code, out, err = run_cli(capsys, "--db", cli_team, "radar", "--team", "华东", "--member", "李雷", "--out", str(png),
                             "--now", "2026-06-10T10:00", "--json")
    assert code == 0, err
    radar = json.loads(out)
    assert radar["member"] == "李雷" and radar["reps"] == 2
    assert [a["name"] for a in radar["axes"]] == ["活动量", "守约", "决策链穿透", "异议推进", "价格纪律", "首次响应"]
    assert all(a["score"] is None or 0 <= a["score"] <= 100 for a in radar["axes"])
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bad_input_on_the_command_line(cli_team, capsys):
    assert run_cli(capsys, "--db", cli_team, "health", "--team", "无此团队")[0] == 2
    code, _, err = run_cli(capsys, "--db", cli_team, "health", "--team", "华东", "--now", "明天")
    assert code == 2 and "ISO" in err
    code, _, err = run_cli(capsys, "--db", cli_team, "radar", "--member", "王经理", "--team", "华东")
    assert code == 2 and "不是在职的销售" in err
    code, _, err = run_cli(capsys, "--db", cli_team, "radar", "--member", "无名氏")
    assert code != 0 and "无名氏" in err
    code, _, err = run_cli(capsys, "--db", cli_team, "insights", "due", "--now", "later")
    assert code == 2 and "ISO" in err


def test_salesbot_insights_due_is_a_dry_run(cli_team, capsys):
    # Monday 2026-06-15 09:00: the at-risk list (with [insights] at_risk raised so the idle deal is on it)
    import pathlib

    pathlib.Path("config.toml").write_text("[insights]\nat_risk = 60\n", encoding="utf-8")
    code, out, err = run_cli(capsys, "--db", cli_team, "insights", "due", "--now", "2026-06-15T09:00", "--json")
    assert code == 0, err
    found = [json.loads(line) for line in out.splitlines()]
    assert [(x["kind"], x["recipient"], x["due_at"]) for x in found] == [
        ("atrisk", "王经理", "2026-06-15T09:00:00+08:00"), ("radar", "李雷", "2026-06-15T09:00:00+08:00"),
        ("radar", "韩梅", "2026-06-15T09:00:00+08:00")]
    assert "远大机械" in found[0]["text"] and found[1]["text"].startswith("📡 你的本周能力雷达")
    assert run_cli(capsys, "--db", cli_team, "insights", "due", "--now", "2026-06-15T09:00", "--json")[1] == out
    code, out, err = run_cli(capsys, "--db", cli_team, "insights", "due", "--now", "2026-06-14T09:00")
    assert code == 0 and out == "" and "没有待发送的洞察" in err
