"""The WeCom channel's outgoing side against the fake WeCom: message kinds, size limits, the group robot."""
from __future__ import annotations

import asyncio

import pytest

from bot.channels.wecom import WeComChannel
from bot.config import ConfigError
from bot.messages import Attachment, Outbound, button_rows
from tests.fake_wecom import FakeWeCom

WINDOW = 2.0     # the robot's "minute", shortened for the test on both sides


@pytest.fixture
async def wecom():
    fake = FakeWeCom(robot_window=WINDOW).start()
    received = []

    async def receive(inbound):
        received.append(inbound)

    channel = WeComChannel(dict(fake.config(), robot_window=WINDOW), receive)
    await channel.start()
    yield channel, fake
    await channel.stop()
    fake.stop()


async def test_markdown_textcard_and_image_are_sent_as_such(wecom):
    channel, fake = wecom
    await channel.send(Outbound("wecom", "lisi", text="**本周周报**\n新增商机 3 个", meta={"markdown": True}))
    await channel.send(Outbound("wecom", "lisi", text="张总的商机\n阶段：商务谈判，金额 30万",
                                meta={"url": "https://crm.example.com/deal/7"}))
    png = b"\x89PNG\r\n\x1a\n" + b"chart" * 100
    await channel.send(Outbound("wecom", "lisi", text="销售漏斗", image=Attachment(png, "funnel.png", "image/png")))
    title = "华东一组 本周停滞商机提醒：" + "上海某某机械设备有限公司、" * 6
    await channel.send(Outbound("wecom", "lisi", text=f"{title}\n" + "停滞超过21天。" * 100,
                                meta={"url": "https://crm.example.com/stalled"}))
    assert fake.refusals == [] and fake.messages_to("lisi")[-1].msgtype == "textcard"   # cut to fit, not refused
    kinds = [(s.msgtype, s.text) for s in fake.messages_to("lisi")]
    assert kinds[0] == ("markdown", "**本周周报**\n新增商机 3 个")
    assert kinds[1] == ("textcard", "张总的商机\n阶段：商务谈判，金额 30万")
    assert fake.messages_to("lisi")[1].body["textcard"]["url"] == "https://crm.example.com/deal/7"
    assert kinds[2][0] == "image" and kinds[3] == ("text", "销售漏斗")
    media_id = fake.messages_to("lisi")[2].body["image"]["media_id"]
    assert fake.uploads[media_id] == ("image", "funnel.png", png)


async def test_a_long_report_is_split_into_messages_wecom_accepts(wecom):
    channel, fake = wecom
    lines = [f"{n}. 客户{n}号 商务谈判 预计金额{n * 3}万元，下次跟进：下周三" for n in range(1, 121)]
    await channel.send(Outbound("wecom", "lisi", text="\n".join(lines)))
    sent = fake.messages_to("lisi")
    assert len(sent) > 1 and fake.refusals == []
    assert all(len(s.text.encode()) <= 2048 for s in sent)
    assert "\n".join(s.text for s in sent).splitlines() == lines    # nothing lost, in order


async def test_the_group_robot_keeps_to_20_a_minute_and_drops_nothing(wecom):
    channel, fake = wecom
    alerts = [f"⚠️ 逾期提醒 #{n}：张总 A型号50台 应于3月15日发货，尚未完成（负责人：小王）" for n in range(45)]
    for text in alerts:
        await channel.send(Outbound("wecom", "#robot", text=text))
        await asyncio.sleep(0.005)
    await channel.robot().drained(timeout=4 * WINDOW)
    assert fake.refusals == []                       # never over the limit, so never refused
    delivered = "\n".join(fake.robot_texts())
    positions = [delivered.find(text) for text in alerts]
    assert -1 not in positions and positions == sorted(positions)   # all of them, in order
    times = fake.robot_times
    assert all(sum(1 for t in times if start <= t < start + WINDOW) <= 20 for start in times)
    assert len(times) < len(alerts)                  # what piled up went out batched


async def test_the_group_robot_waits_when_someone_else_used_the_minute(wecom):
    channel, fake = wecom
    fake.robot_busy()
    for n in range(3):
        await channel.send(Outbound("wecom", "#robot", text=f"周报第{n}部分", buttons=button_rows([("确认", "ok:1")])))
    await channel.robot().drained(timeout=4 * WINDOW)
    assert ("webhook/send", 45009) in fake.refusals
    assert "\n".join(fake.robot_texts()).count("周报第") == 3


async def test_a_reports_markdown_form_is_what_wecom_shows_to_a_member_and_the_robot(wecom):
    from bot.reports import Report, to_outbounds

    channel, fake = wecom
    report = Report(["🗓 周报 11月23日—11月29日（华东一组）", "新增商机：2个", "各人：", "  甲：笔记1"])
    [to_member] = to_outbounds(report, "wecom", "lisi")
    assert to_member.text.startswith("🗓 周报") and "**" not in to_member.text   # plain for other channels
    await channel.send(to_member)
    [shown] = fake.messages_to("lisi")
    assert shown.msgtype == "markdown"
    assert shown.text == "**🗓 周报 11月23日—11月29日（华东一组）**\n新增商机：2个\n**各人：**\n  甲：笔记1"
    [to_group] = to_outbounds(report, "wecom", "#robot")
    await channel.send(to_group)
    await channel.robot().drained(timeout=4 * WINDOW)
    assert fake.robot[0]["msgtype"] == "markdown" and fake.robot_texts() == [shown.text]


async def test_a_long_robot_message_is_split_not_refused(wecom):
    channel, fake = wecom
    report = "\n".join(f"第{n}行：华东一组 本周新增线索 {n} 条" for n in range(200))
    await channel.send(Outbound("wecom", "#robot", text=report))
    await channel.robot().drained(timeout=4 * WINDOW)
    assert fake.refusals == [] and len(fake.robot) > 1
    assert "\n".join(fake.robot_texts()).splitlines() == report.splitlines()


def test_missing_or_wrong_settings_are_a_clear_config_error():
    async def receive(inbound):
        pass

    with pytest.raises(ConfigError, match="secret, token"):
        WeComChannel({"corp_id": "ww1", "agent_id": "1000002", "encoding_aes_key": "x" * 43}, receive)
    with pytest.raises(ConfigError, match="EncodingAESKey"):
        WeComChannel({"corp_id": "ww1", "agent_id": "1", "secret": "s", "token": "t", "encoding_aes_key": "short"},
                     receive)


async def test_a_reply_survives_wecom_being_briefly_unreachable():
    fake = FakeWeCom()                       # its port is chosen but nothing listens yet

    async def receive(inbound):
        pass

    channel = WeComChannel(fake.config(), receive)
    try:
        later = asyncio.get_running_loop().call_later(0.3, fake.start)
        message_id = await channel.send(Outbound("wecom", "lisi", text="今天没有到期的待办。"))
        assert message_id and [s.text for s in fake.messages_to("lisi")] == ["今天没有到期的待办。"]
    finally:
        later.cancel()
        await channel.stop()
        fake.stop()
