"""撞单: a rep's note about another rep's customer is kept, the owner and the manager are told, and the
manager's decision (button or words) gives the customer and the loser's open work to the winner."""
from __future__ import annotations

import pytest
from sqlmodel import select

from storage import teams
from storage.history_models import ChangeLog, DuplicateClaim
from storage.models import Customer, Deal, Member, Note
from tests.test_conversation import Bot


@pytest.fixture
async def bot(tmp_path):
    b = Bot(tmp_path)
    b.member("王经理", role="manager")
    b.member("韩梅", manager="王经理")
    b.member("李雷", manager="王经理")
    yield b
    await b.conversation.close()
    b.cleanup()


def to(bot, replies, account):
    return [r for r in replies if r.chat_id == account]


def member_id(bot, name):
    with bot.sessions() as s:
        return teams.find_member(session=s, name=name).id


async def clash(bot):
    """韩梅 owns 华强; then 李雷 writes about 华强."""
    await bot.say("韩梅", "华强的张总，A型号订50台，3月15日发货")
    return await bot.say("李雷", "华强的刘工说下周三来厂里看样品")


async def test_a_duplicate_claim_reaches_the_manager_and_the_note_is_kept(bot):
    replies = await clash(bot)
    [customer] = bot.rows(Customer)
    assert customer.owner_id == member_id(bot, "韩梅")
    notes = bot.rows(Note, Note.author_id == member_id(bot, "李雷"))
    assert len(notes) == 1 and notes[0].customer_id == customer.id and notes[0].state == "parsed"
    [claim] = bot.rows(DuplicateClaim)
    assert (claim.owner_id, claim.claimant_id, claim.decider_id) == (
        member_id(bot, "韩梅"), member_id(bot, "李雷"), member_id(bot, "王经理"))
    assert any("撞单" in r.text and "韩梅" in r.text for r in to(bot, replies, "李雷"))
    assert any("撞单" in r.text and "李雷" in r.text for r in to(bot, replies, "韩梅"))
    [ask] = to(bot, replies, "王经理")
    labels = [b.text for row in ask.buttons for b in row]
    assert "华强" in ask.text and labels == ["归韩梅", "归李雷"]
    again = await bot.say("李雷", "华强的刘工又催了一次报价")  # one claim per customer and rep
    assert to(bot, again, "王经理") == [] and len(bot.rows(DuplicateClaim)) == 1


async def test_the_managers_button_decides_and_moves_the_losers_open_deal(bot):
    replies = await clash(bot)
    [ask] = to(bot, replies, "王经理")
    give_to_li = [b for row in ask.buttons for b in row if b.text == "归李雷"][0]
    replies = await bot.say("王经理", action=give_to_li.data, reply_to="m1")
    assert "归 李雷" in to(bot, replies, "王经理")[0].text
    assert any("归你负责" in r.text for r in to(bot, replies, "李雷"))
    assert any("已转交" in r.text for r in to(bot, replies, "韩梅"))
    li = member_id(bot, "李雷")
    [customer] = bot.rows(Customer)
    assert customer.owner_id == li
    assert {d.owner_id for d in bot.rows(Deal, Deal.status == "open")} == {li}
    [claim] = bot.rows(DuplicateClaim)
    assert (claim.state, claim.decided_owner_id) == ("decided", li)
    owner_changes = bot.rows(ChangeLog, ChangeLog.reason == "claim")
    assert {c.entity for c in owner_changes} >= {"customer", "deal"}


async def test_words_decide_too_and_only_a_manager_may(bot):
    await clash(bot)
    [claim] = bot.rows(DuplicateClaim)
    refused = await bot.say("李雷", f"撞单 {claim.id} 归 李雷")
    assert "只有经理或主管" in refused[0].text
    listing = await bot.say("王经理", "撞单")
    assert f"#{claim.id}" in listing[0].text
    done = await bot.say("王经理", f"撞单 {claim.id} 归 韩梅")
    assert "归 韩梅" in to(bot, done, "王经理")[0].text
    [customer] = bot.rows(Customer)
    assert customer.owner_id == member_id(bot, "韩梅")
    assert {d.owner_id for d in bot.rows(Deal, Deal.status == "open")} == {member_id(bot, "韩梅")}
    assert "已经决定过了" in (await bot.say("王经理", f"撞单 {claim.id} 归 李雷"))[0].text


async def test_the_owners_own_notes_and_other_teams_make_no_claim(bot):
    await bot.say("韩梅", "华强的张总，A型号订50台")
    await bot.say("韩梅", "华强的张总说下周付款")
    bot.member("外人", team="华南")
    await bot.say("外人", "华强的张总说下周付款")
    assert bot.rows(DuplicateClaim) == []


async def test_withdrawing_the_note_cancels_the_claim_it_raised(bot):
    replies = await clash(bot)
    [ask] = to(bot, replies, "王经理")
    assert "已撤回笔记" in (await bot.say("李雷", "撤回"))[-1].text
    [claim] = bot.rows(DuplicateClaim)
    assert claim.state != "open"
    assert "没有待你决定的撞单" in (await bot.say("王经理", "撞单"))[-1].text
    give_to_li = [b for row in ask.buttons for b in row if b.text == "归李雷"][0]
    late = await bot.say("王经理", action=give_to_li.data, reply_to="m1")   # the old button, pressed later
    assert "已取消" in to(bot, late, "王经理")[0].text
    [customer] = bot.rows(Customer)
    assert customer.owner_id == member_id(bot, "韩梅")
    assert {d.owner_id for d in bot.rows(Deal, Deal.status == "open")} == {member_id(bot, "韩梅")}
    again = await bot.say("李雷", "华强的刘工说下周三来厂里看样品")   # a real note later raises a new one
    assert any("撞单" in r.text for r in to(bot, again, "王经理"))
    assert len(bot.rows(DuplicateClaim, DuplicateClaim.state == "open")) == 1
