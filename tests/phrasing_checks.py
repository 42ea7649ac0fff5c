"""What "understood" means for a message said right after a card, one check per kind: shared by
tests/test_conversation_corrections.py and bench/phrasings_score.py so the score is what the tests
assert. Each check talks to a fresh `bot` (tests/chat_bot.py) and raises AssertionError when the
message was not understood.

The situation (the same for every phrasings file): Monday 2026-12-07 10:00 in Shanghai, the rep has
just sent CARD and got its card — customer 王总, A型泵 80台, a delivery planned for 下周四 and a
meeting that happened last Friday."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from nlu.dates import find_times
from storage.models import Commitment, Contact, Customer, Deal, Item, Note

MONDAY = datetime(2026, 12, 7, 2, 0, tzinfo=timezone.utc)     # 10:00 in Shanghai
SHANGHAI = ZoneInfo("Asia/Shanghai")
CARD = "王总，A型泵要80台，下周四交货，上周五见过面"          # a planned delivery and a past meeting
KINDS = ("quantity", "date", "customer", "close", "ack", "note", "product")


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


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


async def quantity(bot, phrase, rep):
    replies = await bot.say(rep, phrase["text"])
    assert "已更新 #1" in replies[-1].text, replies[-1].text
    assert [i.quantity for i in bot.rows(Item)] == [phrase["quantity"]]
    assert len(bot.rows(Note)) == 1


async def product(bot, phrase, rep):
    """The card's item is now the product said, its quantity (80) unchanged, and no new note."""
    replies = await bot.say(rep, phrase["text"])
    assert "已更新 #1" in replies[-1].text, replies[-1].text
    assert [(i.product, i.quantity) for i in bot.rows(Item)] == [(phrase["product"], 80)]
    assert len(bot.rows(Note)) == 1


async def date(bot, phrase, rep):
    """The delivery moves to the day said; the past meeting stays past; the to-do keeps its number."""
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


async def customer(bot, phrase, rep):
    """The company said becomes the customer, an organisation (not a contact), and the next note on
    it finds the same customer and deal."""
    replies = await bot.say(rep, phrase["text"])
    assert "已更新 #1" in replies[-1].text, replies[-1].text
    [found] = bot.rows(Customer)
    assert found.name == phrase["company"] and not found.is_person
    assert phrase["company"] not in [c.name for c in bot.rows(Contact)]
    bot.now = MONDAY.replace(hour=5)
    await bot.say(rep, f"{phrase['company']}又来电话问了交货的事")
    assert len(bot.rows(Customer)) == 1 and len(bot.rows(Deal)) == 1


async def close(bot, phrase, rep, month: tuple[int, int] | None = None):
    """The deal gets an expected close (in `month` when the caller knows which), no new note."""
    replies = await bot.say(rep, phrase["text"])
    assert "已更新 #1" in replies[-1].text and "预计成交" in replies[-1].text, replies[-1].text
    [deal] = bot.rows(Deal)
    assert deal.expected_close is not None
    if month:
        assert (deal.expected_close.year, deal.expected_close.month) == month
    assert deal.expected_close_end is None or deal.expected_close_end > deal.expected_close
    assert len(bot.rows(Note)) == 1


async def ack(bot, phrase, rep):
    """Answered once, stored as nothing: no note, /team's count does not move."""
    team_before = (await bot.say(rep, "/team"))[-1].text
    replies = await bot.say(rep, phrase["text"])
    assert len(replies) == 1 and "已记录" not in replies[0].text and "已更新" not in replies[0].text
    assert len(bot.rows(Note)) == 1
    assert (await bot.say(rep, "/team"))[-1].text == team_before


async def note(bot, phrase, rep):
    """A new note (its card; a question may follow it, 你说的“下次”是哪一天？), no change to the card
    before it."""
    replies = await bot.say(rep, phrase["text"])
    texts = [r.text for r in replies]
    assert any(re.search(r"已记录(?:（第\d+位客户）)? #2\b", t) for t in texts), texts[-1]
    assert not any("已更新" in t for t in texts), texts[-1]
    [first] = bot.rows(Note, Note.id == 1)
    assert [i.quantity for i in bot.rows(Item, Item.note_id == 1)] == [80]
    assert first.extraction["customer"] == {"name": "王总", "company": None}
    assert [d["date"] for d in first.extraction["dates"] if d["kind"] == "delivery"] == [day_of("下周四").isoformat()]


CHECKS = {"quantity": quantity, "date": date, "customer": customer, "close": close, "ack": ack, "note": note,
          "product": product}


async def understood(bot, phrase, **extra) -> None:
    """The card, then the phrase; raises AssertionError when the bot did not do what the phrase meant."""
    rep = await carded(bot)
    await CHECKS[phrase["kind"]](bot, phrase, rep, **extra)
