"""The note's path as steps: record -> transcribe -> parse and store -> card.

Each step after `record` is an async function of (conversation, note id): it works only when the
note is in the state the step starts from, and advances the state with a compare-and-set (one
conditional UPDATE in the transaction that stores the step's result), so running a step twice — a
retry, a restart, a second worker — changes nothing the second time. Each returns the name of the
next step, or None when the path ends there or when the step found its work already done (whoever
did it continues the path; `first_step(note)` tells where an interrupted path goes on).

    record                  -> Note "received" (text or audio reference), committed before anything else
    transcribe  received    -> transcribed (voice only; a text note goes straight on)
    parse       received | transcribed -> parsed | ambiguous (facts stored) | failed (the rep is told)
    card        carded_at None -> set after the card went out; then the follow-ups (renewal, stage,
                撞单, the "which day?" question)

The conversation object carries what the steps need (db, parse, transcriber, send, stages, clock);
a worker process builds one too. `Inline` runs the steps in this process, in a background task, the
member's parse and card steps under the member's lock so their messages are handled in order; a
queue mode (scale's procrastinate backend) implements the same `submit(note_id)` and defers each
step as a job (one job lock per member keeps the order).
"""
from __future__ import annotations

import asyncio
import logging
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from bot import intents, render
from bot.messages import Outbound
from nlu.parser import MAX_CHARS
from storage import notes as note_ops
from storage.models import Note

if TYPE_CHECKING:
    from bot.conversation import Conversation, Who
    from bot.messages import Inbound

log = logging.getLogger(__name__)

TOO_LONG = "这条笔记太长了（{length}字，上限{limit}字），请分成几条发送。"


def reply_target(note: Note) -> tuple[str, str | None]:
    """(chat id, message id) a note came from; channel_message_id is "chat:message"."""
    chat, _, message = (note.channel_message_id or "").partition(":")
    message = message.partition("#")[0]    # a part of a split note answers the delivery itself
    return chat, message or None


# --- record ---------------------------------------------------------------------------------------

async def record(conv: "Conversation", who: "Who", inbound: "Inbound") -> int | None:
    """Stores the message as a note (audio to a file first); None when this delivery was stored before."""
    audio_ref = None
    if inbound.voice is not None:
        conv.audio_dir.mkdir(parents=True, exist_ok=True)
        path = conv.audio_dir / f"{uuid.uuid4().hex}.{inbound.voice.format or 'bin'}"
        await asyncio.to_thread(path.write_bytes, inbound.voice.data)
        audio_ref = str(path)
    # a queue runner defers the note's first job in the note's own transaction (bot/queue.py)
    in_record = getattr(conv.runner, "in_record", None)
    stored = await conv.record_db(lambda s: note_ops.record_inbound(
        session=s, author_id=who.member_id, channel=inbound.channel,
        channel_message_id=f"{inbound.chat_id}:{inbound.message_id}", received_at=inbound.received_at,
        text=inbound.text or None, audio_ref=audio_ref, also=in_record))
    if stored.duplicate:
        if audio_ref:
            Path(audio_ref).unlink(missing_ok=True)
        log.info("pipeline: %s delivered again; ignored", inbound.key)
        return None
    return stored.note.id


def first_step(note: Note | None) -> str | None:
    """Where a recorded note's path continues (at start-up, or for a queue's worker)."""
    if note is None:
        return None
    if note.state == "received":
        return "transcribe" if note.audio_ref else "parse"
    if note.state == "transcribed":
        return "parse"
    if note.state in ("parsed", "ambiguous") and note.carded_at is None:
        return "card"
    return None


# --- transcribe -----------------------------------------------------------------------------------

async def transcribe(conv: "Conversation", note_id: int) -> str | None:
    """Speech -> text (received -> transcribed); a text note goes on to parse unchanged."""
    from nlu.audio import AudioError

    note = await conv.db(lambda s: s.get(Note, note_id))
    if note is None or note.state != "received":
        return None
    if not note.audio_ref:
        return "parse"
    who = await conv.who(note.author_id)
    chat, message = reply_target(note)
    fmt = Path(note.audio_ref).suffix.lstrip(".") or None
    catalogue = await conv.db(lambda s: conv.catalogue(s, who))
    industry = who.industry or conv.default_industry or None   # its product names become hotwords
    try:
        heard = await conv.transcriber.transcribe_async(note.audio_ref, fmt, catalogue=catalogue,
                                                        industry=industry)
    except AudioError as exc:
        if await conv.db(lambda s: note_ops.failed(session=s, note_id=note_id, error=str(exc))):
            await conv._deliver(Outbound(note.channel, chat, text=getattr(exc, "user_message", str(exc)),
                                         reply_to=message))
        return None
    if not heard.text.strip():
        if await conv.db(lambda s: note_ops.failed(session=s, note_id=note_id, error="no speech")):
            await conv._deliver(Outbound(note.channel, chat, text=render.NOT_HEARD, reply_to=message))
        return None
    await conv.db(lambda s: note_ops.transcribed(session=s, note_id=note_id, transcript=heard.text))
    return "parse"


# --- parse and store ------------------------------------------------------------------------------

async def parse_and_store(conv: "Conversation", note_id: int) -> str | None:
    """Text -> Extraction -> the note's facts (received | transcribed -> parsed | ambiguous)."""
    from bot import ops_chat

    note = await conv.db(lambda s: s.get(Note, note_id))
    if note is None or first_step(note) != "parse":
        return None
    who = await conv.who(note.author_id)
    text = note_ops.note_text(note)
    if note.audio_ref and await conv.spoken_correction(who, note):
        return None     # the transcript corrected the card before it: no note
    ref = note.received_at.astimezone(who.tz)
    extraction = await ops_chat.parse_note(conv, who, text, ref, who.industry or conv.default_industry or None)
    if "error" in extraction:
        if await conv.db(lambda s: note_ops.failed(session=s, note_id=note_id, error=extraction["error"])):
            chat, message = reply_target(note)
            await conv._deliver(Outbound(note.channel, chat, reply_to=message,
                                         text=TOO_LONG.format(length=len(text), limit=MAX_CHARS)))
        return None
    stored = await conv.store(note_id, extraction, frm=(note.state,))
    return "card" if stored else None


# --- card -----------------------------------------------------------------------------------------

async def card(conv: "Conversation", note_id: int) -> str | None:
    """The card of a stored note (or the "which customer?" question), then what follows from the note."""
    note = await conv.db(lambda s: s.get(Note, note_id))
    if note is None or note.state not in ("parsed", "ambiguous") or note.carded_at is not None:
        return None
    who = await conv.who(note.author_id)
    if not await conv.show_card(who, note_id, mark_carded=True):
        return None
    await _follow_ups(conv, who, note)
    if note.part == 1:    # a note about several customers: each part's card, in order
        for part in await conv.db(lambda s: note_ops.parts_of(session=s, note_id=note_id)):
            if part.carded_at is None and await conv.show_card(who, part.id, mark_carded=True):
                await _follow_ups(conv, who, part)
    return None


async def _follow_ups(conv: "Conversation", who: "Who", note: Note) -> None:
    """What follows a card: first touch, touchpoints, renewals, risks, stage, 撞单, "which day?"."""
    from bot import lead_chat, ops_chat

    note_id = note.id
    await lead_chat.after_note(conv, who, note_id)  # first touch, touchpoints, renewals, risks, stage
    await ops_chat.after_note(conv, who, note_id)  # 撞单: another rep's customer
    word = intents.vague_word((note.extraction or {}).get("text") or note_ops.note_text(note))
    if word and note.state == "parsed" and not (note.extraction or {}).get("dates"):
        chat, _ = reply_target(note)
        await conv.ask_date(who, note_id, word, note.channel, chat)


STEPS = {"transcribe": transcribe, "parse": parse_and_store, "card": card}


async def run(conv: "Conversation", note_id: int, start: str | None = "transcribe") -> None:
    """Runs the steps from `start` until the path ends (inline mode)."""
    step = start
    while step is not None:
        step = await STEPS[step](conv, note_id)


async def fail(conv: "Conversation", note_id: int, exc: BaseException) -> None:
    """A step raised: the note keeps its text or audio and the error; the rep hears we kept it."""
    log.error("pipeline: note %s failed", note_id, exc_info=exc)
    moved = await conv.db(lambda s: note_ops.failed(session=s, note_id=note_id, error=repr(exc)))
    if moved:
        note = await conv.db(lambda s: s.get(Note, note_id))
        chat, message = reply_target(note)
        await conv._deliver(Outbound(note.channel, chat, text=render.SORRY, reply_to=message))


class Inline:
    """Runs a note's steps in this process: transcription outside the member's lock (their typed
    messages need not wait for the speech model), parsing and the card inside it."""

    def __init__(self, conv: "Conversation"):
        self.conv = conv

    def submit(self, note_id: int, member_id: int, *, announce: bool = False, start: str | None = None) -> None:
        """Starts the note's path in the background."""
        self.conv._spawn(self.process(note_id, member_id, announce=announce, start=start))

    async def process(self, note_id: int, member_id: int, *, announce: bool = False,
                      start: str | None = None) -> None:
        """The whole path of one note."""
        conv = self.conv
        try:
            note = await conv.db(lambda s: s.get(Note, note_id))
            step = start or first_step(note)
            if announce and note is not None and note.audio_ref:
                chat, message = reply_target(note)
                await conv._deliver(Outbound(note.channel, chat, text=render.RECEIVED_VOICE, reply_to=message))
            if step == "transcribe":
                step = await transcribe(conv, note_id)
            if step is None:
                return
            async with conv.lock(member_id), conv.slots:
                await run(conv, note_id, step)
        except Exception as exc:
            await fail(conv, note_id, exc)

