"""撤回 and corrections of the customer through the conversation on real storage (SQLite, and PostgreSQL
with SALESBOT_TEST_PG_URL): a withdrawn note is gone from counts, lists and the pipeline, later
corrections mean the card before it, no id a rep was shown is given again or changes, and a contact
renamed by a correction replaces the wrong one."""
from __future__ import annotations

from storage.models import Commitment, Contact, Customer, Deal, Item, Note
from tests.chat_bot import bot  # noqa: F401


async def test_a_correction_after_a_withdrawal_changes_the_live_card_before_it(bot):
    rep = bot.member("甲")
    await bot.say(rep, "宝钢物资戚总 H型钢三十吨 周五发")
    await bot.say(rep, "华润的孙经理说下周二来厂里看看")       # another card, then withdrawn
    assert "已撤回笔记 #2" in (await bot.say(rep, "撤回"))[-1].text
    replies = await bot.say(rep, "数量改成40")
    assert "已更新 #1" in replies[-1].text and "H型钢 40吨" in replies[-1].text
    assert [i.quantity for i in bot.rows(Item)] == [40]
    assert len(bot.rows(Note)) == 2          # no third note made of the correction


async def test_the_edit_button_makes_its_card_the_one_corrected(bot):
    rep = bot.member("甲")
    first = (await bot.say(rep, "宝钢物资戚总 H型钢三十吨 周五发"))[-1]
    await bot.say(rep, "华润的孙经理 螺纹钢二十吨")
    await bot.say(rep, action="fix:1", reply_to="m1")        # ✏️ 修改 under the first card
    replies = await bot.say(rep, "数量改成40")
    assert first.buttons and "已更新 #1" in replies[-1].text and "H型钢 40吨" in replies[-1].text
    assert sorted(i.quantity for i in bot.rows(Item)) == [20, 40]


async def test_a_withdrawn_note_is_counted_and_listed_nowhere(bot):
    rep = bot.member("甲")
    await bot.say(rep, "宝钢物资戚总 H型钢三十吨 周五发")
    [todo] = bot.rows(Commitment)
    [deal] = bot.rows(Deal)
    await bot.say(rep, "撤回")
    assert "笔记0 · 新商机0" in (await bot.say(rep, "团队"))[-1].text
    assert "没有进行中的商机" in (await bot.say(rep, "漏斗"))[-1].text
    assert "没有找到" in (await bot.say(rep, "客户 宝钢"))[-1].text
    assert bot.rows(Deal) == [] and bot.rows(Customer) == [] and bot.rows(Contact) == []
    card = (await bot.say(rep, "金桥的王总 螺杆泵两台 下周一送货"))[-1].text
    [new_todo] = bot.rows(Commitment)
    [new_deal] = bot.rows(Deal)
    assert new_todo.id > todo.id and new_deal.id > deal.id      # ids a rep saw are never given again
    assert f"#{new_todo.id} " in card and f"商机：#{new_deal.id} " in card
    await bot.say(rep, f"完成 {todo.id}")                      # the withdrawn to-do's number
    assert bot.rows(Commitment, Commitment.id == new_todo.id)[0].state == "open"


async def test_withdrawing_one_of_two_notes_keeps_the_customer_and_the_deal(bot):
    rep = bot.member("甲")
    await bot.say(rep, "宝钢物资戚总 H型钢三十吨 周五发")
    await bot.say(rep, "宝钢物资的刘经理 槽钢五吨 报价两万")
    await bot.say(rep, "撤回")
    [deal] = bot.rows(Deal)
    assert deal.amount is None                                  # the withdrawn quote is gone
    profile = (await bot.say(rep, "客户 宝钢"))[-1].text
    assert "H型钢" in profile and "槽钢" not in profile and "最近笔记（1条）" in profile
    assert "刘经理" not in profile                              # named only by the withdrawn note
    assert "戚总" in profile
    assert "笔记1 · 新商机1" in (await bot.say(rep, "团队"))[-1].text


async def test_a_company_set_by_a_correction_keeps_the_deal_number(bot):
    rep = bot.member("甲")
    await bot.say(rep, "宝钢物资戚总 H型钢三十吨 周五发")
    await bot.say(rep, "刘工说下周来看样 螺杆泵两台")
    [_, deal] = bot.rows(Deal)
    replies = await bot.say(rep, "忘了说 刘工是金桥机电的")
    assert "已更新 #2" in replies[-1].text and f"商机：#{deal.id} " in replies[-1].text
    moved = bot.rows(Deal, Deal.id == deal.id)[0]
    assert bot.rows(Customer, Customer.id == moved.customer_id)[0].name == "金桥机电"
    assert len(bot.rows(Deal)) == 2 and bot.rows(Customer, Customer.name == "刘工") == []


async def test_a_company_with_an_open_deal_takes_the_corrected_note_into_it(bot):
    rep = bot.member("甲")
    await bot.say(rep, "金桥机电的王总 螺杆泵两台")
    await bot.say(rep, "刘工说下周来看样 齿轮泵五台")
    await bot.say(rep, "忘了说 刘工是金桥机电的")
    [deal] = bot.rows(Deal)
    assert deal.id == 1 and {n.deal_id for n in bot.rows(Note)} == {1}


async def test_a_contact_renamed_by_a_correction_replaces_the_wrong_one(bot):
    rep = bot.member("甲")
    await bot.say(rep, "恒达物流的严总 叉车三台")
    replies = await bot.say(rep, "不好意思打错了 不是严总 是阎总")
    assert "阎总（恒达物流）" in replies[-1].text
    profile = (await bot.say(rep, "客户 恒达物流"))[-1].text
    assert "联系人：阎总（决策人）\n" in profile
    assert [c.name for c in bot.rows(Contact)] == ["阎总"]


async def test_a_renamed_contact_another_note_names_stays(bot):
    rep = bot.member("甲")
    await bot.say(rep, "恒达物流的严总 叉车三台")
    await bot.say(rep, "恒达物流的严总 托盘五十个")
    await bot.say(rep, "不好意思打错了 不是严总 是阎总")
    assert sorted(c.name for c in bot.rows(Contact)) == ["严总", "阎总"]


async def test_a_note_refused_as_too_long_is_not_counted(bot):
    rep = bot.member("甲")
    await bot.say(rep, "宝钢物资戚总 H型钢三十吨 周五发")
    refused = await bot.say(rep, "金桥的王总说螺杆泵的事情还要再商量一下。" * 150)
    assert "太长" in refused[-1].text
    assert "笔记1 · 新商机1" in (await bot.say(rep, "团队"))[-1].text
