"""The note's path as steps (bot/pipeline.py): each step is idempotent, a restart continues where
the path stopped, and two processes running the same step store the note once — on SQLite and
PostgreSQL."""
from __future__ import annotations

import asyncio

from bot import pipeline
from bot.messages import Inbound, Voice
from storage.models import Commitment, Item, Note
from tests.chat_bot import bot  # noqa: F401  (the fixture)


class HeardTranscriber:
    """Speech recognition that hears a fixed sentence and counts its calls."""

    def __init__(self, text: str):
        self.text, self.calls = text, 0

    async def transcribe_async(self, source, fmt=None, **options):
        from nlu.asr import Transcript

        self.calls += 1
        return Transcript(text=self.text, seconds=0.1, duration=2.0)


def inbound(rep: str, message_id: str, at, **content) -> Inbound:
    return Inbound(channel="local", user_id=rep, chat_id=rep, message_id=message_id, received_at=at, **content)


async def recorded(bot, rep: str, message_id: str, **content) -> int:
    conv = bot.conversation
    who = await conv.who(await member_id(bot, rep))
    return await pipeline.record(conv, who, inbound(rep, message_id, bot.now, **content))


async def member_id(bot, rep: str) -> int:
    from storage import teams

    with bot.sessions() as s:
        return teams.member_for_account(session=s, channel="local", external_id=rep).id


def cards(bot) -> list[str]:
    return [o.text for o in bot.sent if "已记录" in (o.text or "")]


async def test_every_step_run_twice_changes_nothing_the_second_time(bot):
    rep = bot.member("甲")
    bot.conversation.transcriber = heard = HeardTranscriber("张总，A型号订50台，下周三发货")
    note_id = await recorded(bot, rep, "v1", voice=Voice(b"RIFF-fake", "wav"))
    conv = bot.conversation
    assert await pipeline.transcribe(conv, note_id) == "parse"
    assert await pipeline.transcribe(conv, note_id) is None and heard.calls == 1
    assert await pipeline.parse_and_store(conv, note_id) == "card"
    assert await pipeline.parse_and_store(conv, note_id) is None
    assert await pipeline.card(conv, note_id) is None
    assert await pipeline.card(conv, note_id) is None
    [note] = bot.rows(Note)
    assert note.state == "parsed" and note.carded_at is not None
    assert [i.quantity for i in bot.rows(Item)] == [50] and len(bot.rows(Commitment)) == 1
    assert len(cards(bot)) == 1


async def test_a_restart_continues_from_the_step_the_path_stopped_at(bot):
    rep = bot.member("甲")
    bot.conversation.transcriber = heard = HeardTranscriber("王总，B型号订20台，下周一送货")
    voice = await recorded(bot, rep, "v1", voice=Voice(b"RIFF-fake", "wav"))
    await pipeline.transcribe(bot.conversation, voice)              # transcribed, then the process died
    text = await recorded(bot, rep, "t1", text="李总，C型号订5台，周五发货")
    await pipeline.parse_and_store(bot.conversation, text)          # stored, card never sent
    assert [pipeline.first_step(n) for n in sorted(bot.rows(Note), key=lambda n: n.id)] == ["parse", "card"]

    restarted = bot.make()
    restarted.transcriber = heard
    assert await restarted.resume() == 2
    await restarted.idle()
    assert heard.calls == 1                                          # not heard again
    assert len(cards(bot)) == 2 and all(n.state == "parsed" and n.carded_at for n in bot.rows(Note))
    again = bot.make()
    assert await again.resume() == 0
    await restarted.close()
    await again.close()


async def test_two_processes_running_the_parse_step_store_the_note_once(bot):
    rep = bot.member("甲")
    note_id = await recorded(bot, rep, "t1", text="张总，A型号订50台，3月15日发货，报价十二万")
    other = bot.make()                      # a second process on the same database
    results = await asyncio.gather(pipeline.parse_and_store(bot.conversation, note_id),
                                   pipeline.parse_and_store(other, note_id))
    assert sorted(results, key=str) == [None, "card"]
    late = {"customer": {"name": "张总"}, "items": [{"product": "A型号", "quantity": 60}], "dates": []}
    assert await other.store(note_id, late, frm=("received",)) is False     # the compare-and-set refuses
    assert [i.quantity for i in bot.rows(Item)] == [50] and len(bot.rows(Commitment)) == 1
    await other.close()


async def test_a_note_the_parser_refuses_says_the_limit_and_keeps_the_text(bot):
    rep = bot.member("甲")
    long_text = "张总说A型号还要再考虑一下，" * 200
    replies = await bot.say(rep, long_text)
    assert "太长" in replies[-1].text and "2000" in replies[-1].text and str(len(long_text)) in replies[-1].text
    [note] = bot.rows(Note)
    assert note.state == "failed" and note.raw_text == long_text
    assert await pipeline.parse_and_store(bot.conversation, note.id) is None
    assert len(bot.sent) == 1
