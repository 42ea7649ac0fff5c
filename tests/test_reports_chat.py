"""The report commands through the conversation: what a lead or rep types, what comes back (text with its
HTML and markdown forms, then a PNG chart or a file), and decision-chain roles learned and corrected in chat."""
from __future__ import annotations

import io
import zipfile

from openpyxl import load_workbook

from storage.models import Contact
from tests.test_conversation import Bot, bot  # noqa: F401 (the fixture)


async def team(bot):
    bot.member("主管", role="lead")
    bot.member("甲")
    bot.member("乙")
    await bot.say("甲", "华为的张总，报价十万")
    await bot.say("乙", "中兴的王总，报价二十万")


async def test_pipeline_answers_with_text_then_a_chart(bot):
    await team(bot)
    replies = await bot.say("主管", "漏斗")
    assert len(replies) == 2
    text, chart = replies
    assert text.text.startswith("📊 销售漏斗（全队，进行中）") and "合计：2个商机 · 30万元" in text.text
    assert text.meta["html"].startswith("<b>📊 销售漏斗") and text.meta["markdown"].startswith("**📊 销售漏斗")
    assert chart.image.data[:8] == b"\x89PNG\r\n\x1a\n" and chart.image.filename == "pipeline.png"
    rep = await bot.say("甲", "/pipeline")
    assert "合计：1个商机 · 10万元" in rep[0].text


async def test_week_forecast_team_stalled_answer_in_chinese(bot):
    await team(bot)
    week = (await bot.say("主管", "周报"))[0].text
    assert week.startswith("🗓 周报") and "新增商机：2个 · 30万元" in week and "  甲：笔记1" in week
    assert (await bot.say("主管", "周报 上周"))[0].text.count("新增商机：0个") == 1
    assert (await bot.say("主管", "预测"))[0].text.startswith("📈 成交预测（全队")
    assert "乙：笔记1" in (await bot.say("主管", "团队"))[0].text
    assert (await bot.say("主管", "停滞"))[0].text.endswith("没有停滞的商机。👍")


async def test_export_sends_an_xlsx_or_a_csv_zip(bot):
    await team(bot)
    text, file = await bot.say("甲", "导出")
    assert text.text.splitlines()[1] == "商机1条、笔记1条、待办0条"
    book = load_workbook(io.BytesIO(file.file.data), read_only=True)
    assert [ws.title for ws in book.worksheets] == ["商机", "笔记", "待办", "产品", "联系人"]
    [deal] = list(book["商机"].iter_rows(min_row=2, values_only=True))
    assert deal[1] == "华为" and deal[4] == "进行中"            # status in Chinese, not its code
    assert [r[5:7] for r in book["笔记"].iter_rows(min_row=2, values_only=True)] == [("网页", "已记录")]
    assert [r[0] for r in book["联系人"].iter_rows(min_row=2, values_only=True)] == ["华为"]
    _, csv_file = await bot.say("主管", "导出 csv")
    assert zipfile.ZipFile(io.BytesIO(csv_file.file.data)).namelist() == ["商机.csv", "笔记.csv", "待办.csv",
                                                                          "产品.csv", "联系人.csv"]


async def test_roles_learned_from_a_note_and_corrected_in_chat(bot):
    await team(bot)
    await bot.say("甲", "华为的李工是技术负责人，说参数没问题")
    roles = {c.name: c.role for c in bot.rows(Contact)}
    assert roles["李工"] == "influencer" and roles["张总"] == "decision_maker"
    profile = (await bot.say("甲", "客户 华为"))[0].text
    assert "联系人：张总（决策人）、李工（影响者）" in profile and "决策链 2/3，缺使用者" in profile
    assert (await bot.say("甲", "角色 李工 使用者"))[0].text == "已把 李工（华为）设为：使用者"
    assert "决策链 2/3，缺影响者" in (await bot.say("甲", "客户 华为"))[0].text
    assert (await bot.say("乙", "角色 李工 决策人"))[0].text == "没有找到你能查看的联系人“李工”。"


def roles_at(bot, company):
    from storage.models import Customer

    [customer] = bot.rows(Customer, Customer.name == company)
    return {c.name: c.role for c in bot.rows(Contact, Contact.customer_id == customer.id)}


async def test_roles_are_read_from_a_note_whose_customer_is_picked_from_buttons(bot):
    bot.member("甲")
    await bot.say("甲", "华为的张总，A型号订50台")
    await bot.say("甲", "中兴的张总，B型号订20台")
    assert roles_at(bot, "中兴")["张总"] == "decision_maker"        # the first guess from the title 总
    question = (await bot.say("甲", "技术部的张总说下周三来厂看样品"))[-1]
    assert "哪一位" in question.text
    pick = next(b.data for row in question.buttons for b in row if "中兴" in b.text)
    await bot.say("甲", action=pick, reply_to="m3")
    assert roles_at(bot, "中兴")["张总"] == "influencer"            # what this note says about him
    assert roles_at(bot, "华为")["张总"] == "decision_maker"


async def test_roles_are_read_again_when_a_correction_moves_the_note_to_another_customer(bot):
    bot.member("甲")
    await bot.say("甲", "中兴的王工，B型号订20台")
    await bot.say("甲", "技术总监刘总说A型号要50台")
    replies = await bot.say("甲", "客户是中兴的刘总")
    assert "已更新" in replies[-1].text and "中兴" in replies[-1].text
    assert roles_at(bot, "中兴")["刘总"] == "influencer"
