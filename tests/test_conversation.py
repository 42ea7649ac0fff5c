"""The conversation without any channel: what a member says, what the bot answers and stores."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot import intents, pipeline
from bot.messages import Inbound
from storage import teams
from storage.db import open_database
from storage.models import Commitment, Customer, Deal, Item, Note, Notification
from tests.chat_bot import Bot, bot  # noqa: F401  (the fixture; Bot for the suites that import it from here)


@pytest.mark.parametrize("text", ["今天", "/today", "帮助", "漏斗", "停滞", "周报", "客户 张总", "客户：王经理",
                                  "完成 12", "完成12", "阶段 3 商务谈判", "/customer 张总", "/stage 3 签约"])
def test_whole_message_commands(text):
    assert intents.command(text) is not None


@pytest.mark.parametrize("text", ["今天拜访了张总，聊得不错", "客户那边说价格太高", "今天下午送货到仓库",
                                  "完成了一半，下周继续", "客户说下周三来厂", "漏斗式的过滤器要两百个"])
def test_notes_that_begin_like_a_command_are_not_commands(text):
    assert intents.command(text) is None


async def test_stranger_refused_and_join_with_code(bot):
    replies = await bot.say("someone", "张总，A型号订50台")
    assert "无法为你服务" in replies[0].text and bot.rows(Note) == []
    with bot.sessions() as s:
        code = teams.create_invite(session=s, team=teams.add_team(session=s, name="华西"), role="rep").code
    replies = await bot.say("someone", f"加入 {code.lower()}")
    assert "欢迎加入「华西」" in replies[0].text
    replies = await bot.say("someone", "张总，A型号订50台")
    assert "已记录" in replies[0].text


async def test_visibility_follows_the_role_and_the_manager_chain(bot):
    bot.member("主管", role="lead")
    bot.member("经理", role="manager", manager="主管")
    bot.member("甲", manager="经理")
    bot.member("乙", manager="经理")
    bot.member("丙", manager="主管")          # in the team, not below 经理
    bot.member("外人", team="华南")
    bot.member("管理员", role="admin", team="总部")
    for rep, note in (("甲", "华为的张总，报价十万"), ("乙", "中兴的王总，报价二十万"),
                      ("丙", "小米的李总，报价三十万"), ("外人", "OPPO的赵总，报价四十万")):
        await bot.say(rep, note)

    async def deals_seen(who):
        return (await bot.say(who, "漏斗"))[0].text.split("合计：")[1].split("个商机")[0]

    assert await deals_seen("甲") == "1"
    assert await deals_seen("经理") == "2"
    assert await deals_seen("主管") == "3"
    assert await deals_seen("管理员") == "4"
    assert "没有找到" in (await bot.say("甲", "客户 王总"))[0].text       # 乙's customer
    assert "中兴" in (await bot.say("经理", "客户 王总"))[0].text


async def test_ambiguous_customer_is_asked_with_buttons(bot):
    rep = bot.member("甲")
    await bot.say(rep, "华为的张总，A型号订50台")
    await bot.say(rep, "中兴的张总，B型号订20台")
    replies = await bot.say(rep, "张总说下周三来厂看样品")
    question = replies[-1]
    labels = [b.text for row in question.buttons for b in row]
    assert "哪一位" in question.text and labels == ["张总（华为）", "张总（中兴）", "新客户"]
    note = bot.rows(Note, Note.state == "ambiguous")[0]
    pick = question.buttons[1][0].data
    replies = await bot.say(rep, action=pick, reply_to="m3")
    assert "已记录" in replies[-1].text and "中兴" in replies[-1].text
    zte = bot.rows(Customer, Customer.name == "中兴")[0]
    assert bot.rows(Note, Note.id == note.id)[0].customer_id == zte.id


async def test_vague_date_is_asked_and_the_answer_becomes_a_commitment(bot):
    rep = bot.member("甲")
    replies = await bot.say(rep, "王经理说近期再联系")
    assert "哪一天" in replies[-1].text and bot.rows(Commitment) == []
    replies = await bot.say(rep, "下周三")
    assert "已更新" in replies[-1].text
    [commitment] = bot.rows(Commitment)
    assert commitment.kind == "followup" and commitment.due_date.weekday() == 2
    assert len(bot.rows(Note)) == 1


async def test_corrections_change_only_what_was_corrected(bot):
    rep = bot.member("甲")
    await bot.say(rep, "张总，A型号订50台，3月15日发货，报价十二万")
    replies = await bot.say(rep, "客户是华为的李总")
    card = replies[-1].text
    assert "李总（华为）" in card and "A型号 50台" in card and "12万元" in card
    assert [i.quantity for i in bot.rows(Item)] == [50]
    assert bot.rows(Customer, Customer.name == "张总") == []   # the wrong customer is gone
    replies = await bot.say(rep, "A型号改成80台")
    assert "A型号 80台" in replies[-1].text
    assert len(bot.rows(Note)) == 1


async def test_a_correction_form_long_after_the_card_is_a_new_note_unless_it_replies(bot):
    rep = bot.member("甲")
    await bot.say(rep, "张总，A型号订50台")
    bot.now += timedelta(minutes=11)
    replies = await bot.say(rep, "数量改成60")
    assert "已记录 #2" in replies[-1].text              # too late to refer to the card: a note
    replies = await bot.say(rep, "数量改成70", reply_to="m1")   # a reply to the first card
    assert "已更新 #1" in replies[-1].text and "A型号 70台" in replies[-1].text


async def test_answers_to_a_nudge_complete_or_postpone_its_commitment(bot):
    rep = bot.member("甲")
    await bot.say(rep, "张总，A型号订50台，3月15日发货")
    [commitment] = bot.rows(Commitment)
    bot.now += timedelta(hours=2)
    with bot.sessions() as s:      # what the scheduler writes when it nudges
        s.add(Notification(kind="nudge", recipient_id=commitment.owner_id, subject=f"commitment:{commitment.id}",
                           text="明天发货", send_at=bot.now, sent_at=bot.now, dedupe_key="nudge:1"))
        s.commit()
    replies = await bot.say(rep, "推迟到3月20日")
    assert "已推迟到 3月20日" in replies[-1].text
    assert bot.rows(Commitment)[0].due_date.day == 20
    replies = await bot.say(rep, "完成")
    assert "已完成" in replies[-1].text and bot.rows(Commitment)[0].state == "done"


async def test_done_and_stage_commands(bot):
    rep = bot.member("甲")
    await bot.say(rep, "张总，A型号订50台，3月15日发货")
    [commitment], [deal] = bot.rows(Commitment), bot.rows(Deal)
    assert f"已完成 #{commitment.id}" in (await bot.say(rep, f"完成 {commitment.id}"))[0].text
    assert "需要先记录：报价。" in (await bot.say(rep, f"阶段 {deal.id} 商务谈判"))[0].text
    assert "已改为：需求探询" in (await bot.say(rep, f"/stage {deal.id} 需求探询"))[0].text
    assert bot.rows(Deal)[0].stage == "需求探询"
    assert "没有找到商机" in (await bot.say(rep, "阶段 999 签约"))[0].text


async def test_same_delivery_twice_is_answered_once(bot):
    rep = bot.member("甲")
    first = await bot.say(rep, "张总，A型号订50台", message_id="42")
    again = await bot.say(rep, "张总，A型号订50台", message_id="42")
    assert len(first) == 1 and again == [] and len(bot.rows(Note)) == 1
    assert len(await bot.say(rep, "今天", message_id="43")) == 1
    assert await bot.say(rep, "今天", message_id="43") == []


async def test_resume_finishes_recorded_notes_once(bot):
    rep = bot.member("甲")
    conversation = bot.conversation
    who = await conversation.db(lambda s: __import__("bot.conversation").conversation._who(
        s, teams.member_for_account(session=s, channel="local", external_id=rep)))
    inbound = Inbound(channel="local", user_id=rep, chat_id=rep, message_id="7", received_at=bot.now,
                      text="张总，A型号订50台")
    await pipeline.record(conversation, who, inbound)      # recorded, then the process "died"
    restarted = bot.make()
    assert await restarted.resume() == 1
    await restarted.idle()
    assert sum("已记录" in o.text for o in bot.sent) == 1
    again = bot.make()
    assert await again.resume() == 0
    await restarted.close()
    await again.close()


def test_cli_note_stores_as_the_member(tmp_path, capsys):
    from bot.cli import main

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine, sessions = open_database(url)
    with sessions() as s:
        team = teams.add_team(session=s, name="华东")
        teams.add_member(session=s, team=team, name="王芳")
    engine.dispose()
    code = main(["--db", url, "note", "--user", "王芳", "--at", "2026-03-02T10:00", "--json",
                 "张总，A型号订50台，下周三发货"])
    assert code == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["state"] == "parsed" and "已记录" in out["replies"][0]
    assert out["extraction"]["dates"][0]["date"] == "2026-03-11"   # --at read in the team's timezone
    assert main(["--db", url, "note", "--user", "没这人", "随便"]) == 2


async def test_a_reply_to_a_nudge_hours_later_and_its_buttons(bot):
    from storage.conversation_queries import record_sent

    rep = bot.member("甲")
    await bot.say(rep, "张总，A型号订50台，3月15日发货；王总那边下周一回访")
    first, second = bot.rows(Commitment)
    bot.now += timedelta(hours=5)
    with bot.sessions() as s:   # what App.send_to_member records for the scheduler's nudge
        record_sent(session=s, member_id=first.owner_id, subject=f"commitment:{first.id}",
                    sent_key="local:甲:nudge-1", text="明天发货", at=bot.now - timedelta(hours=1))
    replies = await bot.say(rep, "完成", reply_to="nudge-1")
    assert "已完成" in replies[-1].text
    states = {c.id: c.state for c in bot.rows(Commitment)}
    assert states == {first.id: "done", second.id: "open"}
    replies = await bot.say(rep, action=f"ccancel:{second.id}", reply_to="nudge-2")
    assert "已取消" in replies[-1].text and bot.rows(Commitment, Commitment.id == second.id)[0].state == "cancelled"


async def test_a_dated_note_right_after_the_question_stays_a_note(bot):
    rep = bot.member("甲")
    await bot.say(rep, "王经理说过段时间再联系")
    replies = await bot.say(rep, "明天给李总送货")
    assert "已记录 #2" in replies[-1].text
    replies = await bot.say(rep, "就3月18日吧")
    assert "已更新 #1" in replies[-1].text and "3月18日" in replies[-1].text


class HeardTranscriber:
    """Speech recognition that hears a fixed sentence and remembers what it was asked with."""

    def __init__(self, text: str):
        self.text, self.calls = text, []

    async def transcribe_async(self, source, fmt=None, **options):
        from nlu.asr import Transcript

        self.calls.append(options)
        return Transcript(text=self.text, seconds=0.1, duration=2.0)


async def test_a_voice_note_is_heard_with_the_teams_industry_products(bot):
    from bot.messages import Voice

    with bot.sessions() as s:
        teams.add_team(session=s, name="机械组", industry="machinery")
    rep = bot.member("甲", team="机械组")
    bot.conversation.transcriber = HeardTranscriber("张总，挖掘机订两台，下周三发货")
    await bot.conversation.receive(Inbound(channel="local", user_id=rep, chat_id=rep, message_id="v1",
                                           received_at=bot.now, voice=Voice(b"RIFF-fake", "wav")))
    await bot.conversation.idle()
    [options] = bot.conversation.transcriber.calls
    assert options["industry"] == "machinery"     # the pack's product names become hotwords
    assert "已记录" in bot.sent[-1].text and bot.rows(Note)[0].transcript.startswith("张总")


@pytest.mark.parametrize("subject", ["lead:{id}", "customer:{id}", "touchpoint:{id}", "deal#{id}", "team#1",
                                     "digest#2026-03-14"])
async def test_a_reply_to_a_reminder_that_is_not_about_a_note_or_commitment_changes_nothing(bot, subject):
    from storage.conversation_queries import record_sent

    rep = bot.member("甲")
    await bot.say(rep, "张总，A型号订50台，3月15日发货")
    [note], [commitment] = bot.rows(Note), bot.rows(Commitment)
    with bot.sessions() as s:   # a reminder whose subject's number happens to be the note's id
        record_sent(session=s, member_id=commitment.owner_id, subject=subject.format(id=note.id),
                    sent_key="local:甲:other-1", text="提醒", at=bot.now)
    replies = await bot.say(rep, "完成", reply_to="other-1")
    assert "要处理哪一条" in replies[-1].text and bot.rows(Commitment)[0].state == "open"
    replies = await bot.say(rep, "数量改成60", reply_to="other-1")
    assert "已记录 #2" in replies[-1].text            # not a correction of note #1: a note of its own
    assert [i.quantity for i in bot.rows(Item, Item.note_id == note.id)] == [50]


async def test_a_manager_acts_only_on_what_the_reports_show_them(bot):
    """One visibility rule: 完成/阶段 reach the same people as 漏斗, even when an old manager link
    points across teams (set before the team check existed, or by an import)."""
    bot.member("经理", role="manager")
    bot.member("外人", team="华南")
    await bot.say("外人", "OPPO的赵总，A型号订50台，3月15日发货")
    [commitment], [deal] = bot.rows(Commitment), bot.rows(Deal)
    with bot.sessions() as s:
        manager = teams.find_member(session=s, name="经理")
        other = s.get(teams.Member, commitment.owner_id)
        other.manager_id = manager.id
        s.add(other)
        s.commit()
    assert "还没有进行中的商机" in (await bot.say("经理", "漏斗"))[0].text
    assert "没有找到待办" in (await bot.say("经理", f"完成 {commitment.id}"))[0].text
    assert "没有找到商机" in (await bot.say("经理", f"阶段 {deal.id} 需求探询"))[0].text
    assert bot.rows(Commitment)[0].state == "open" and bot.rows(Deal)[0].stage == deal.stage
