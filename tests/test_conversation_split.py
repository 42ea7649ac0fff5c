"""A note about several customers becomes one note per customer, each with its own card, items and
to-dos (SQLite, and PostgreSQL with SALESBOT_TEST_PG_URL)."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from storage.models import Commitment, Customer, Deal, Item, Note
from tests.chat_bot import bot  # noqa: F401

PHRASINGS = [json.loads(line) for line in
             (Path(__file__).parent / "data" / "conversation_phrasings.jsonl").read_text("utf-8").splitlines() if line]
MONDAY = datetime(2026, 12, 7, 2, 0, tzinfo=timezone.utc)


def two(p):
    gap = [pytest.mark.xfail(strict=True, reason=p["parser_gap"])] if p.get("parser_gap") else []
    return pytest.param(p, id=p["text"][:12], marks=gap)


@pytest.mark.parametrize("phrase", [two(p) for p in PHRASINGS if p["kind"] == "two"])
async def test_a_note_about_two_customers_becomes_two_notes_with_their_own_cards(bot, phrase):
    bot.now = MONDAY
    rep = bot.member("甲")
    replies = await bot.say(rep, phrase["text"], message_id="visit-1")
    cards = [r for r in replies if "已记录" in r.text]
    notes = sorted(bot.rows(Note), key=lambda n: n.id)
    assert len(cards) == 2 and len(notes) == 2
    assert [n.part for n in notes] == [1, 2] and notes[1].source_id == notes[0].id
    assert notes[0].raw_text == notes[1].raw_text == phrase["text"]          # the text is shared
    for company, card in zip(phrase["companies"], cards):
        assert company in card.text
    customers = {n.customer_id for n in notes}
    assert len(customers) == 2 and len(bot.rows(Deal)) == 2
    # each part's facts belong to its own customer
    for item in bot.rows(Item):
        assert item.customer_id == next(n.customer_id for n in notes if n.id == item.note_id)
    # the same delivery again is recognised once
    again = await bot.say(rep, phrase["text"], message_id="visit-1")
    assert not [r for r in again if "已记录" in r.text] and len(bot.rows(Note)) == 2


async def test_each_part_keeps_its_own_items_and_to_dos(bot):
    bot.now = MONDAY
    rep = bot.member("甲")
    await bot.say(rep, "上午去了恒通机械见了王总，他们要80台A型泵，下周四交货；下午见了华星电子的李经理，B型阀门50个，下周五去演示")
    by_company = {c.name: c.id for c in bot.rows(Customer)}
    assert set(by_company) == {"恒通机械", "华星电子"}
    items = {(i.customer_id, i.quantity) for i in bot.rows(Item)}
    assert items == {(by_company["恒通机械"], 80), (by_company["华星电子"], 50)}
    todos = {(c.customer_id, c.kind) for c in bot.rows(Commitment)}
    assert (by_company["恒通机械"], "delivery") in todos
    assert all(kind != "delivery" for cid, kind in todos if cid == by_company["华星电子"])


async def test_a_note_about_one_customer_stays_whole(bot):
    bot.now = MONDAY
    rep = bot.member("甲")
    replies = await bot.say(rep, "上午去了恒通机械见了王总，下午又跟王总一起看了现场，他们要80台A型泵")
    assert len([r for r in replies if "已记录" in r.text]) == 1
    [note] = bot.rows(Note)
    assert note.part is None and note.source_id is None


async def test_a_correction_after_a_split_changes_the_last_card(bot):
    bot.now = MONDAY
    rep = bot.member("甲")
    await bot.say(rep, "上午去了恒通机械见了王总，他们要80台A型泵；下午见了华星电子的李经理，B型阀门50个")
    replies = await bot.say(rep, "不是50个，是60个")
    assert "已更新 #2" in replies[-1].text
    assert sorted(i.quantity for i in bot.rows(Item)) == [60, 80]
