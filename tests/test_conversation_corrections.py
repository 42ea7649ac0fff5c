"""Corrections as people say them after a card, acknowledgements, and emoji: through the
conversation on real storage (SQLite, and PostgreSQL with SALESBOT_TEST_PG_URL).

The phrasings in tests/data/conversation_phrasings.jsonl are not the issue's wording; each is said
right after a card and must change that card, never become a note."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from nlu.dates import find_times
from storage.models import Commitment, Contact, Customer, Deal, Item, Note
from tests.chat_bot import bot  # noqa: F401

PHRASINGS = [json.loads(line) for line in
             (Path(__file__).parent / "data" / "conversation_phrasings.jsonl").read_text("utf-8").splitlines() if line]
MONDAY = datetime(2026, 12, 7, 2, 0, tzinfo=timezone.utc)     # 10:00 in Shanghai
SHANGHAI = ZoneInfo("Asia/Shanghai")
CARD = "王总，A型泵要80台，下周四交货，上周五见过面"          # a planned delivery and a past meeting


def of(kind):
    return [pytest.param(p, id=p["text"]) for p in PHRASINGS if p["kind"] == kind]


def day_of(words: str):
    """The day a date expression names, read by the date resolver alone."""
    found = find_times(words, MONDAY.astimezone(SHANGHAI))
    return found[0].start.date()


async def carded(bot):
    bot.now = MONDAY
    rep = bot.member("甲")
    replies = await bot.say(rep, CARD)
    assert "已记录 #1" in replies[-1].text
    return rep


def dates_of(bot, kind):
    [note] = bot.rows(Note, Note.id == 1)
    return [d for d in note.extraction["dates"] if d["kind"] == kind]


@pytest.mark.parametrize("phrase", of("quantity"))
async def test_a_quantity_said_in_other_words_corrects_the_card(bot, phrase):
    rep = await carded(bot)
    replies = await bot.say(rep, phrase["text"])
    assert "已更新 #1" in replies[-1].text
    assert [i.quantity for i in bot.rows(Item)] == [phrase["quantity"]]
    assert len(bot.rows(Note)) == 1


@pytest.mark.parametrize("phrase", of("date"))
async def test_a_delivery_date_correction_moves_the_delivery_and_the_meeting_stays(bot, phrase):
    rep = await carded(bot)
    [before] = bot.rows(Commitment)
    replies = await bot.say(rep, phrase["text"])
    assert "已更新 #1" in replies[-1].text, replies[-1].text
    want = day_of(phrase["value"])
    [delivery] = dates_of(bot, "delivery")
    assert delivery["date"] == want.isoformat()
    [meeting] = dates_of(bot, "meeting")
    assert meeting["status"] == "reported" and meeting["date"] == "2026-12-04"   # past events stay past
    [after] = bot.rows(Commitment)
    assert (after.id, after.kind, after.due_date) == (before.id, "delivery", want)   # the same to-do, moved
    assert len(bot.rows(Note)) == 1


@pytest.mark.parametrize("phrase", of("customer"))
async def test_a_customer_named_by_company_is_an_organisation(bot, phrase):
    rep = await carded(bot)
    replies = await bot.say(rep, phrase["text"])
    assert "已更新 #1" in replies[-1].text
    [customer] = bot.rows(Customer)
    assert customer.name == phrase["company"] and not customer.is_person
    assert phrase["company"] not in [c.name for c in bot.rows(Contact)]
    # the next note about that company finds the same customer and deal
    bot.now = MONDAY.replace(hour=5)
    await bot.say(rep, f"{phrase['company']}又来电话问了交货的事")
    assert len(bot.rows(Customer)) == 1 and len(bot.rows(Deal)) == 1


@pytest.mark.parametrize("phrase", of("close"))
async def test_an_expected_close_said_after_the_card_sets_the_deals_range(bot, phrase):
    rep = await carded(bot)
    replies = await bot.say(rep, phrase["text"])
    assert "已更新 #1" in replies[-1].text and "预计成交" in replies[-1].text
    [deal] = bot.rows(Deal)
    assert (deal.expected_close.year, deal.expected_close.month) == (2027, 1)
    assert deal.expected_close_end is None or deal.expected_close_end > deal.expected_close
    assert deal.expected_close_grain in ("day", "month")


@pytest.mark.parametrize("phrase", of("ack"))
async def test_acknowledgements_and_emoji_are_answered_and_stored_as_nothing(bot, phrase):
    rep = await carded(bot)
    team_before = (await bot.say(rep, "/team"))[-1].text
    replies = await bot.say(rep, phrase["text"])
    assert len(replies) == 1 and "已记录" not in replies[0].text and "已更新" not in replies[0].text
    assert len(bot.rows(Note)) == 1
    assert (await bot.say(rep, "/team"))[-1].text == team_before


async def test_a_request_with_no_name_does_not_rename_the_customer(bot):
    rep = await carded(bot)
    await bot.say(rep, "客户记一下")
    assert "记一下" not in [c.name for c in bot.rows(Customer)] + [c.name for c in bot.rows(Contact)]
    [note] = bot.rows(Note, Note.id == 1)
    assert note.extraction["customer"]["name"] == "王总"


async def test_emoji_with_no_card_before_is_no_note_either(bot):
    rep = bot.member("甲")
    replies = await bot.say(rep, "👍👍")
    assert len(replies) == 1 and bot.rows(Note) == []


@pytest.mark.parametrize("phrase", of("note"))
async def test_a_new_note_right_after_a_card_stays_a_note(bot, phrase):
    rep = await carded(bot)
    replies = await bot.say(rep, phrase["text"])
    assert "已记录 #2" in replies[-1].text
    assert [i.quantity for i in bot.rows(Item, Item.note_id == 1)] == [80]


async def test_a_date_without_its_kind_asks_which_planned_date_with_buttons(bot):
    bot.now = MONDAY
    rep = bot.member("甲")
    await bot.say(rep, "王总，A型泵要80台，下周四交货，周五下午去他们厂开会")
    ids = sorted((c.kind, c.id) for c in bot.rows(Commitment))
    replies = await bot.say(rep, "日期不对，是12月23日")
    question = replies[-1]
    labels = [b.text for row in question.buttons for b in row]
    assert "哪一个" in question.text and len(labels) == 2 and any("交货" in x for x in labels)
    pick = next(b.data for row in question.buttons for b in row if "交货" in b.text)
    replies = await bot.say(rep, action=pick, reply_to="m2")
    assert "已更新 #1" in replies[-1].text
    after = {c.kind: (c.id, c.due_date.isoformat()) for c in bot.rows(Commitment)}
    assert after["delivery"] == (dict(ids)["delivery"], "2026-12-23")
    assert after["meeting"] == (dict(ids)["meeting"], "2026-12-11")   # untouched, same number


async def test_a_date_without_its_kind_changes_the_only_planned_date(bot):
    rep = await carded(bot)
    [todo] = bot.rows(Commitment)
    replies = await bot.say(rep, "日期不对，是12月25日")
    assert "已更新 #1" in replies[-1].text
    [delivery] = dates_of(bot, "delivery")
    [meeting] = dates_of(bot, "meeting")
    assert delivery["date"] == "2026-12-25" and meeting == {"date": "2026-12-04", "kind": "meeting", "status": "reported"}
    replies = await bot.say(rep, f"完成 {todo.id}")             # the number shown still means the delivery
    [done] = bot.rows(Commitment)
    assert done.id == todo.id and done.state == "done"


async def test_corrections_in_a_row_all_change_the_first_card(bot):
    rep = await carded(bot)
    await bot.say(rep, "不是80台，是100台")
    await bot.say(rep, "交货改到下周五")
    await bot.say(rep, "客户是恒通机械")
    assert len(bot.rows(Note)) == 1
    [note] = bot.rows(Note)
    assert note.extraction["items"][0]["quantity"] == 100
    assert note.extraction["customer"] == {"name": "王总", "company": "恒通机械"}
    assert [c.due_date.isoformat() for c in bot.rows(Commitment)] == [day_of("下周五").isoformat()]
    assert [c.name for c in bot.rows(Customer)] == ["恒通机械"]


async def test_a_voice_message_that_is_a_correction_corrects_the_card(bot):
    from bot.messages import Inbound, Voice
    from tests.test_conversation import HeardTranscriber

    rep = await carded(bot)
    bot.conversation.transcriber = HeardTranscriber("不对，应该是一百二十台")
    await bot.conversation.receive(Inbound(channel="local", user_id=rep, chat_id=rep, message_id="v1",
                                           received_at=bot.now, voice=Voice(b"RIFF-fake", "wav")))
    await bot.conversation.idle()
    assert "已更新 #1" in bot.sent[-1].text and "A型泵 120台" in bot.sent[-1].text
    assert [i.quantity for i in bot.rows(Item)] == [120]
    notes = bot.rows(Note)
    assert [n.state for n in sorted(notes, key=lambda n: n.id)] == ["parsed", "failed"]   # the voice is no note


async def test_a_spoken_quantity_with_no_card_before_is_a_note(bot):
    from bot.messages import Inbound, Voice
    from tests.test_conversation import HeardTranscriber

    bot.now = MONDAY
    rep = bot.member("甲")
    bot.conversation.transcriber = HeardTranscriber("应该是一百二十台")
    await bot.conversation.receive(Inbound(channel="local", user_id=rep, chat_id=rep, message_id="v1",
                                           received_at=bot.now, voice=Voice(b"RIFF-fake", "wav")))
    await bot.conversation.idle()
    assert "已记录 #1" in bot.sent[-1].text


async def test_a_picture_alone_is_answered_and_a_picture_with_words_is_a_note(bot):
    from bot.conversation import FILE_ALONE
    from bot.messages import Attachment, Inbound

    bot.now = MONDAY
    rep = bot.member("甲")
    picture = Attachment(b"\x89PNG\r\n\x1a\n", "现场.png", "image/png")
    await bot.conversation.receive(Inbound(channel="local", user_id=rep, chat_id=rep, message_id="p1",
                                           received_at=bot.now, file=picture))
    await bot.conversation.idle()
    assert bot.sent[-1].text == FILE_ALONE and "说明" in FILE_ALONE and bot.rows(Note) == []
    await bot.conversation.receive(Inbound(channel="local", user_id=rep, chat_id=rep, message_id="p2",
                                           received_at=bot.now, file=picture, text="恒通机械王总要80台A型泵"))
    await bot.conversation.idle()
    assert "已记录 #1" in bot.sent[-1].text and len(bot.rows(Note)) == 1


async def test_a_note_too_long_is_answered_with_its_length_and_the_limit(bot):
    from nlu.parser import MAX_CHARS

    bot.now = MONDAY
    rep = bot.member("甲")
    text = "恒通机械王总要80台A型泵。" * (MAX_CHARS // 10)
    replies = await bot.say(rep, text)
    assert f"{len(text)}字" in replies[-1].text and f"上限{MAX_CHARS}字" in replies[-1].text
    [note] = bot.rows(Note)
    assert note.state == "failed" and note.raw_text == text          # kept, not lost


def test_no_typed_note_reads_as_a_correction_or_an_acknowledgement():
    """Every annotated note (dev, holdout, working) is a note: said right after a card it must not be taken
    for a correction of that card (郎酒的团购政策好，任总说公司年会用酒更倾向郎酒 once renamed the customer)."""
    from bot import intents

    data = Path(__file__).parent / "data"
    texts = [json.loads(line)["text"] for name in ("notes_dev.jsonl", "notes_holdout.jsonl",
                                                   "notes_real/notes_working.jsonl")
             for line in (data / name).read_text("utf-8").splitlines() if line.strip()]
    taken = [t for t in texts if intents.correction(t) or intents.acknowledgement(t)]
    assert taken == []
