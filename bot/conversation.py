"""The conversation: Inbound -> replies, the same for every channel.

`receive()` returns as soon as the message is recorded durably (a Note for notes, a delivery claim
for commands and answers), so a channel may acknowledge it then; everything slow (transcription,
parsing, storing, replying) runs afterwards: a note goes down its path of steps (bot/pipeline.py,
through `self.runner`), commands and corrections in a background task, one member's messages in
order. A delivery seen before is ignored. `resume()` at start-up finishes what a previous run left
undone: every note continues from the step it stopped at.

Database work runs in one worker thread (SQLite allows one writer; it also keeps the event loop
free), transcription in the transcriber's bounded pool, parsing in the default thread pool. Recording
an inbound message has its own threads (`record_db`): a short write that a channel acknowledges
after, so a burst of processing never delays an acknowledgement.
"""
from __future__ import annotations

import asyncio
import copy
import dataclasses
import logging
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Awaitable, Callable
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot import about_card, commands, corrections, intents, pipeline, render, reports
from bot.messages import Inbound, Outbound, button_rows
from bot.pipeline import reply_target
from bot import lead_chat, ops_chat, questions
from nlu.catalogue import without_mishearings
from storage import catalog, dialogue
from storage import conversation_queries as cq
from storage import deals as deal_ops
from storage import notes as note_ops
from storage import teams as team_ops
from storage.dialogue_models import Question
from storage.models import SPOKEN_CORRECTION, Commitment, Customer, Deal, Member, Note, Team, as_utc, utcnow

log = logging.getLogger(__name__)

Send = Callable[[Outbound], Awaitable[str | None]]
CONTEXT = timedelta(minutes=10)       # a reply this soon after a card or nudge may correct it
MEANT_AS_FIX = "这是对上一张卡片的更正"   # the button under a note that may have been a correction
QUESTION_FOR = timedelta(hours=12)    # a bare date this soon after "哪一天？" answers it (until a newer question)
OPTIONS_FOR = timedelta(minutes=10)   # a bare number this soon after numbered options picks one
RESEND_CARDS_WITHIN = timedelta(days=2)
SORRY = render.SORRY
ACK_REPLY = "👌 收到。要记录拜访，直接发文字或语音给我。"
FOR_COMMITMENTS = ("done", "postpone", "cancel", "confirm", "retract")
FILE_ALONE = "暂时只能处理文字和语音，看不懂图片和文件的内容。请把要记的事打字或说一句发给我（发图片时也可以附一句说明）。"
# Names per kind (customers, contacts, products, competitors) given to speech recognition: the
# pinyin correction costs about 0.25 ms per name per note, so the catalogue is kept small.
CATALOGUE_PER_KIND = 80
# Recording threads. SQLite takes one writer at a time. On PostgreSQL a recording mostly waits for
# its commit to reach the disk, and concurrent commits share one flush: with 2 threads a burst of
# messages queued behind each other's commits while the process stayed mostly idle.
INGEST_THREADS = {"sqlite": 2}
INGEST_THREADS_DEFAULT = 8
# Notes parsed and stored at once. Parsing is Python under one interpreter lock: more at once only
# takes turns with the event loop that acknowledges new messages, and finishes no sooner.
PROCESS_AT_ONCE = 2


@dataclass(frozen=True)
class Who:
    """The member behind a message, with what the conversation needs about their team."""

    member_id: int
    name: str
    role: str
    team_id: int
    timezone: str
    industry: str

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone or "Asia/Shanghai")


@dataclass(frozen=True)
class WhichItem:
    """A quantity correction that named no item of several: the items' products and the value said."""
    products: list
    value: str


def _item_label(item: dict) -> str:
    quantity = item.get("quantity")
    amount = render.number_text(quantity) if isinstance(quantity, (int, float)) else ""
    return f"{item.get('product') or '（未说产品）'} {amount}{item.get('unit') or ''}".strip()


def named_choice(text: str, choices: list) -> int | None:
    """The one choice a short reply names (录像机 for 录像机, 就录像机吧 too); None when none or several."""
    said = intents.clean(text).strip(intents.PUNCT)
    if not said or len(said) > 20:
        return None
    found = [n for n, c in enumerate(choices) if c and (c in said or (len(said) >= 2 and said in c))]
    return found[0] if len(found) == 1 else None


def _who(session, member: Member | None) -> Who | None:
    if member is None:
        return None
    team = session.get(Team, member.team_id)
    return Who(member.id, member.name, member.role, team.id, team.timezone, team.industry or "")


REFERENTS = ("note", "commitment")    # what a correction or answer can change


def referent(subject: str) -> tuple[str, int] | None:
    """("note", 12) for "note:12", ("commitment", 7) for "commitment:7"; None for any other subject
    (a reminder about deal#7, a digest, the team's report, a lead…): no correction target."""
    kind, _, ident = (subject or "").partition(":")
    return (kind, int(ident)) if kind in REFERENTS and ident.isdigit() else None


ANSWER_FILLERS = set("是就吧呢啊呀的那天之前前左右号哦嗯好") | set(intents.PUNCT)


def date_only(text: str, ref: datetime) -> bool:
    """True when the message is a date expression and filler only (下周三 / 就3月18日吧), so
    "明天送货" stays a note even right after the bot asked which day."""
    cleaned = intents.clean(text)
    try:
        from nlu.dates import find_times
    except ImportError:
        return len(cleaned) <= 8
    for found in find_times(cleaned, ref):
        cleaned = cleaned.replace(found.to_json()["text"], "", 1)
    return all(ch in ANSWER_FILLERS for ch in cleaned)


def ingest_threads(sessions) -> int:
    """Recording threads for the database behind `sessions` (a sessionmaker bound to an engine)."""
    engine = getattr(sessions, "kw", {}).get("bind")
    dialect = getattr(getattr(engine, "dialect", None), "name", "")
    return INGEST_THREADS.get(dialect, INGEST_THREADS_DEFAULT)


class ChatHistory:
    """The web chat's history as rows (bot/channels/local.py's History): survives a restart, and
    every process of a deployment sees the same."""

    def __init__(self, conversation: "Conversation"):
        self.add, self.since = conversation.chat_add, conversation.chat_since


class Conversation:
    """One per process. `send` delivers an Outbound through the right channel and returns its id."""

    def __init__(self, *, sessions, stages, parse, send: Send, transcriber=None,
                 audio_dir: str | Path, default_industry: str = "", clock=None, runner=None,
                 insights=None):
        self.sessions = sessions
        self.stages = stages
        self.insights = insights  # insights.policy.InsightPolicy ([insights]); None: the defaults
        self.parse = parse
        self.send = send
        self.transcriber = transcriber
        self.audio_dir = Path(audio_dir)
        self.default_industry = default_industry or ""
        self.clock = clock or utcnow
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="db")
        self._ingest = ThreadPoolExecutor(max_workers=ingest_threads(sessions), thread_name_prefix="ingest")
        self.slots = asyncio.Semaphore(PROCESS_AT_ONCE)   # notes parsed and stored at once (pipeline.Inline)
        self._locks: dict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._tasks: set[asyncio.Task] = set()
        self.handled = 0
        # Where a recorded note goes down its path: in this process by default (pipeline.Inline); a
        # queue mode gives an object with the same submit(note_id, member_id, announce=, start=).
        self.runner = runner or pipeline.Inline(self)

    # --- plumbing -----------------------------------------------------------------------------

    async def db(self, fn, *args, **kwargs):
        """Runs fn(session, …) in the database thread."""
        def work():
            with self.sessions() as session:
                return fn(session, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._db, work)

    async def record_db(self, fn, *args, **kwargs):
        """Runs fn(session, …) in the ingest threads: the short reads and writes a channel waits
        for before acknowledging, never queued behind processing in the database thread."""
        def work():
            with self.sessions() as session:
                return fn(session, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._ingest, work)

    async def who(self, member_id: int) -> Who | None:
        """The member behind a note or message, with their team's timezone and industry."""
        return await self.db(lambda s: _who(s, s.get(Member, member_id)))

    def lock(self, member_id: int) -> asyncio.Lock:
        """The member's lock: their notes, corrections and answers are handled one at a time, in order."""
        return self._locks[member_id]

    def _spawn(self, coro) -> asyncio.Task:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        self.handled += 1
        if not task.cancelled() and task.exception() is not None:
            log.error("conversation: a message failed", exc_info=task.exception())

    async def idle(self, timeout: float = 60.0) -> None:
        """Waits until every background task is done (tests, the CLI, shutdown)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while self._tasks and asyncio.get_running_loop().time() < deadline:
            await asyncio.wait(set(self._tasks), timeout=max(0.01, deadline - asyncio.get_running_loop().time()))

    @property
    def busy(self) -> int:
        return len(self._tasks)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._db.shutdown(wait=True)
        self._ingest.shutdown(wait=True)

    async def _deliver(self, outbound: Outbound) -> str | None:
        """Sends, logging rather than raising: one failed reply never stops the others."""
        try:
            return await self.send(outbound)
        except Exception:
            log.exception("conversation: could not send to %s:%s", outbound.channel, outbound.chat_id)
            return None

    async def _reply(self, inbound: Inbound, text: str, **extra) -> str | None:
        return await self._deliver(Outbound(inbound.channel, inbound.chat_id, text=text,
                                            reply_to=None if inbound.action else inbound.message_id, **extra))

    # --- entry points ---------------------------------------------------------------------------

    async def member_info(self, channel: str, account: str) -> dict | None:
        """For the web page: who an account is, or None for a stranger."""
        def look(session):   # one query: the web chat asks before every post
            row = cq.account_member(session=session, channel=channel, external_id=account)
            if row is None:
                return None
            name, role, team = row
            return {"name": name, "role": role, "role_label": render.ROLES.get(role, role), "team": team}
        return await self.record_db(look)

    async def receive(self, inbound: Inbound) -> None:
        """Records the message durably (or sees it is a repeat), then handles it in the background."""
        inbound = await self._option_picked(inbound)
        who, asked = await self.record_db(self._sender, inbound)
        code = intents.join_code(inbound.text) if not inbound.action and not inbound.voice else None
        if code is not None:
            await self._join(inbound, who, code)
        elif who is None:
            await self._reply(inbound, await self.db(ops_chat.refusal, inbound.channel, inbound.user_id))
        else:
            await self.accept(who, inbound, asked=asked)

    def _sender(self, session, inbound: Inbound) -> tuple[Who | None, bool]:
        """(the member behind the message, whether a question of theirs is open): one query."""
        row = cq.sender(session=session, channel=inbound.channel, external_id=inbound.user_id,
                        asked_since=self.clock() - QUESTION_FOR)
        if row is None:
            return None, False
        member_id, name, role, team_id, tz, industry, asked = row
        return Who(member_id, name, role, team_id, tz, industry or ""), bool(asked)

    async def _option_picked(self, inbound: Inbound) -> Inbound:
        """A reply of just a number, in a chat shown numbered options lately, presses that button."""
        number = intents.option_number(inbound.text) if not (inbound.action or inbound.voice or inbound.file) else None
        if number is None:
            return inbound
        picked = await self.record_db(lambda s: dialogue.chosen_option(
            session=s, channel=inbound.channel, chat_id=inbound.chat_id, number=number,
            since=self.clock() - OPTIONS_FOR))
        if picked is None:
            return inbound
        return dataclasses.replace(inbound, text="", action=picked[0], reply_to=picked[1])

    async def options_shown(self, outbound: Outbound, message_id: str) -> None:
        """A channel without buttons showed them as numbered options: remembered for the reply."""
        choices = [b.data for row in outbound.buttons for b in row]
        await self.record_db(lambda s: dialogue.remember_options(
            session=s, channel=outbound.channel, chat_id=outbound.chat_id, message_id=message_id,
            choices=choices, at=self.clock()))

    # --- the web chat's history (bot/channels/local.py keeps none of it in memory) ------------------

    async def chat_add(self, chat_id: str, message: dict) -> int:
        """Stores one web-chat message ({"id", "from", "text", "buttons", …}); returns its sequence number."""
        body = {k: message[k] for k in ("buttons", "reply_to", "edit", "image", "file") if message.get(k)}
        return await self.record_db(lambda s: dialogue.add_chat_message(
            session=s, chat_id=chat_id, message_id=message.get("id") or "", sender=message.get("from") or "bot",
            text=message.get("text") or "", body=body, at=self.clock()))

    async def chat_since(self, chat_id: str, after: int) -> list[dict]:
        """A web chat's messages after sequence number `after`, as the page shows them."""
        rows = await self.record_db(lambda s: dialogue.chat_messages(session=s, chat_id=chat_id, after=after))
        return [{"seq": r.id, "id": r.message_id, "from": r.sender, "text": r.text, "at": r.at.timestamp(),
                 **(r.body or {})} for r in rows]

    async def accept(self, who: Who, inbound: Inbound, *, asked: bool = True) -> int | None:
        """A known member's message: record, then handle in the background. Returns a new note's id.
        `asked=False`: the member has no open question, so no date needs reading to know the message
        is no answer (the acknowledgement waits for everything done here)."""
        text = (inbound.text or "").strip()
        if inbound.file is not None and text and not inbound.action:
            inbound = dataclasses.replace(inbound, file=None)   # a picture with a caption: the caption counts
        if inbound.voice is not None:
            note_id = await pipeline.record(self, who, inbound)
            if note_id:
                self.runner.submit(note_id, who.member_id, announce=True)
            return note_id
        if inbound.action or inbound.file is not None or not text:
            if await self._claim(who, inbound):
                self._spawn(self._locked(who, self._other(who, inbound)))
            return None
        if lead_chat.is_answer(text):  # 已联系 / 已处理 (leads and touchpoints)
            if await self._claim(who, inbound):
                self._spawn(self._locked(who, lead_chat.answer_text(self, who, inbound)))
            return None
        if ops_chat.is_command(text):  # 停用…交接给…, 撞单, 作废邀请码 (bot/ops_chat.py)
            if await self._claim(who, inbound):
                self._spawn(self._locked(who, ops_chat.command(self, who, inbound)))
            return None
        if intents.no_words(text) or intents.acknowledgement(text):   # 👍👍, 好的, 收到: nothing to store
            if await self._claim(who, inbound):
                self._spawn(self._locked(who, self._acknowledged(who, inbound)))
            return None
        cmd = intents.command(text)
        pending = None if cmd or not asked else await self._open_question(who, text)
        # the item named after "要改哪一个？" answers it, whatever else it could be; a correction
        # said while a day is asked for is a correction
        if not cmd and not pending and questions.is_question(text):   # 那单什么时候能签？ asks the bot, no note
            if await self._claim(who, inbound):
                self._spawn(self._locked(who, self._question(who, inbound, text)))
            return None
        fix = None if cmd or (pending and pending.kind == "which_item") else await self._fix_of(who, inbound, text)
        answer = None if fix else pending
        if cmd or fix or answer:
            if await self._claim(who, inbound):
                self._spawn(self._locked(who, self._short(who, inbound, cmd, fix, answer)))
            return None
        note_id = await pipeline.record(self, who, inbound)
        if note_id:
            self.runner.submit(note_id, who.member_id)
        return note_id

    async def _question(self, who: Who, inbound: Inbound, text: str) -> None:
        names = await self.db(lambda s: list(s.exec(select(Customer.name).where(Customer.team_id == who.team_id))))
        await self._reply(inbound, questions.answer(text, names))

    async def resume(self) -> int:
        """Start-up: every note continues from the step it stopped at (cards a crash left unsent
        within RESEND_CARDS_WITHIN included)."""
        since = self.clock() - RESEND_CARDS_WITHIN
        unfinished = await self.db(lambda s: [(n.id, n.author_id) for n in note_ops.unfinished_notes(session=s)])
        uncarded = await self.db(lambda s: [(n.id, n.author_id) for n in note_ops.uncarded_notes(session=s, since=since)])
        for note_id, author_id in unfinished + uncarded:
            self.runner.submit(note_id, author_id)
        if unfinished or uncarded:
            log.info("conversation: resuming %d unfinished notes, %d unsent cards", len(unfinished), len(uncarded))
        return len(unfinished) + len(uncarded)

    async def _locked(self, who: Who, coro):
        async with self._locks[who.member_id]:
            try:
                return await coro
            except Exception:
                log.exception("conversation: handling a message of member %s failed", who.member_id)

    # --- recording (notes: pipeline.record) ---------------------------------------------------------

    async def _claim(self, who: Who, inbound: Inbound) -> bool:
        claimed = await self.record_db(lambda s: cq.claim_delivery(session=s, member_id=who.member_id, key=inbound.key,
                                                            text=inbound.text or inbound.action or "",
                                                            at=inbound.received_at))
        if not claimed:
            log.info("conversation: %s delivered again; ignored", inbound.key)
        return claimed

    async def _join(self, inbound: Inbound, who: Who | None, code: str) -> None:
        """/start CODE or 加入 CODE: binds this chat account to the code's member."""
        if who is not None:
            await self._reply(inbound, f"你已经是团队成员了（{who.name}）。发送“帮助”查看用法。")
            return
        if not code:
            await self._reply(inbound, "请发送：/start 邀请码（或：加入 邀请码）。邀请码由管理员提供。")
            return

        def redeem(session):
            try:
                done = team_ops.redeem_invite(session=session, code=code, channel=inbound.channel,
                                              external_id=inbound.user_id, display_name=inbound.user_name)
                return done.member.name, done.team.name, done.member.role, None
            except team_ops.InviteError as exc:
                return None, None, None, exc.reason
            except team_ops.Conflict:
                return None, None, None, "conflict"

        name, team, role, error = await self.db(redeem)
        if error == "too_many":   # guessing codes: refused for 10 minutes, counted in the database
            await self._reply(inbound, "尝试次数过多，请10分钟后再试")
            return
        if error:
            reasons = {"unknown": "邀请码不对", "expired": "邀请码已过期", "used_up": "邀请码已被使用"}
            await self._reply(inbound, f"{reasons.get(error, '无法加入')}，请向管理员索取新的邀请码。")
            return
        await self._reply(inbound, f"欢迎加入「{team}」，{name}（{render.ROLES.get(role, role)}）！\n\n{render.HELP}")

    # --- notes ------------------------------------------------------------------------------------

    async def store(self, note_id: int, extraction: dict, *, frm: tuple[str, ...]) -> bool:
        """The parse step's write (pipeline): the note leaves `frm` and gets its facts in one
        transaction; False when another run stored it first."""
        def work(session):
            applied = note_ops.store_parsed(session=session, note_id=note_id, extraction=extraction,
                                            stages=self.stages, frm=frm)
            if applied is not None:
                reports.learn_contact_roles(session=session, note_id=note_id)
            return applied is not None
        return await self.db(work)

    async def _apply(self, note_id: int, extraction: dict, **options) -> None:
        """Stores a note's extraction (corrected, or with the customer picked) and reads the
        contacts' decision-chain roles from the note again: every path that applies one comes here."""
        def work(session):
            note_ops.apply_extraction(session=session, note=session.get(Note, note_id), extraction=extraction,
                                      stages=self.stages, **options)
            reports.learn_contact_roles(session=session, note_id=note_id)
        await self.db(work)

    def catalogue(self, session, who: Who) -> list[str]:
        """The team's own names (imported catalogue, customers, contacts, products, competitors); the
        industry pack's product names are added by the transcriber from `industry=`."""
        imported = catalog.speech_terms(session=session, team_id=who.team_id)
        learned = cq.team_catalogue(session=session, team_id=who.team_id, limit=CATALOGUE_PER_KIND)
        return imported + without_mishearings(learned, imported)

    async def ask_date(self, who: Who, note_id: int, word: str, channel: str, chat: str) -> None:
        """Asks which day a vague word (近期, 过段时间…) meant; the answer comes back to _answer_date."""
        await self.db(lambda s: dialogue.ask(session=s, member_id=who.member_id, kind="date", note_id=note_id,
                                             word=word, at=self.clock()))
        await self._deliver(Outbound(channel, chat,
                                     text=f"你说的“{word}”是哪一天？直接回复日期即可，例如：3月18日 或 下周三。"))

    async def show_card(self, who: Who, note_id: int, *, title: str = "已记录", edit: str | None = None,
                        mark_carded: bool = False) -> bool:
        """Sends the card of a stored note (or the customer question) and remembers it was sent;
        `mark_carded`: the pipeline's card step, which also sets the note's carded_at. False when
        nothing went out."""
        view = await self.db(self._card_view, note_id, who.tz)
        chat, message = reply_target(view["note"])
        note = view["note"]
        if note.state == "ambiguous":
            text, buttons = self._ambiguous_card(view)
        elif note.state == "failed":
            return False
        else:
            transcript = note.transcript if note.audio_ref and not note.source_id else None
            if note.part and title == "已记录":
                title = f"已记录（第{note.part}位客户）"
            text = render.card(note_id=note_id, extraction=note.extraction or {}, commitments=view["commitments"],
                               transcript=transcript, customer_label=view["customer"], deal=view["deal"], title=title)
            buttons = button_rows([("✅ 确认", f"ok:{note_id}"), ("✏️ 修改", f"fix:{note_id}"),
                                   ("↩️ 撤回", f"undo:{note_id}")])
            if view["card_before"]:      # unsure it is a note: one tap makes it a correction of that card
                buttons += button_rows([(MEANT_AS_FIX, f"asfix:{note_id}:{view['card_before']}")])
        sent = await self._deliver(Outbound(note.channel, chat, text=text, buttons=buttons,
                                            reply_to=None if edit else message, edit=edit))
        if sent is None:
            return False

        def remember(session):
            cq.record_card(session=session, member_id=who.member_id, note_id=note_id,
                           sent_key=f"{note.channel}:{chat}:{sent}", text=text, at=self.clock())
            if mark_carded:
                note_ops.carded(session=session, note_id=note_id, at=self.clock())
        await self.db(remember)
        return True

    def _card_view(self, session, note_id: int, tz: ZoneInfo | None = None) -> dict:
        note = session.get(Note, note_id)
        commitments = session.exec(select(Commitment).where(
            Commitment.note_id == note_id, Commitment.state == "open").order_by(Commitment.due_date)).all()
        customer = session.get(Customer, note.customer_id) if note.customer_id else None
        deal = session.get(Deal, note.deal_id) if note.deal_id else None
        label = None
        if customer is not None:
            said = (note.extraction or {}).get("customer") or {}
            contact = said.get("name") if isinstance(said, dict) else None
            label = f"{contact}（{customer.name}）" if contact and contact != customer.name else customer.name
        view = {"note": note, "customer": label,
                "commitments": [{"id": c.id, "due_date": c.due_date, "kind": c.kind} for c in commitments],
                "deal": {"id": deal.id, "stage": deal.stage, "new": deal.created_at >= note.received_at} if deal else None,
                "candidates": [], "card_before": self._fix_of_card_before(session, note, tz) if tz else None}
        if note.state == "ambiguous":
            view["candidates"] = self._candidates(session, note)
        return view

    @staticmethod
    def _fix_of_card_before(session, note: Note, tz: ZoneInfo) -> int | None:
        """The card shown to the author just before this note (within CONTEXT) when the note, taken for
        a new one, reads as a possible correction of it (bot/about_card.maybe_about_card): its id, for
        the one-tap button; None otherwise, and for the note's own later cards."""
        if note.carded_at is not None or note.part or note.state != "parsed" or note.error:
            return None
        before = cq.card_before(session=session, note=note, since=note.received_at - CONTEXT)
        if before is None:
            return None
        text = (note.extraction or {}).get("text") or note_ops.note_text(note)
        fix = about_card.maybe_about_card(text, before.extraction, note.received_at.astimezone(tz))
        return before.id if fix is not None else None

    @staticmethod
    def _candidates(session, note: Note) -> list[tuple[int, str, str | None]]:
        """The customers an ambiguous note could be about (storage reads them; nothing is written)."""
        return [(c.customer_id, c.customer_name, c.contact_name)
                for c in note_ops.candidates_for_note(session=session, note=note)]

    @staticmethod
    def _ambiguous_card(view: dict) -> tuple[str, tuple]:
        note = view["note"]
        said = (note.extraction or {}).get("customer") or {}
        name = said.get("name") or said.get("company") or "这位客户"
        text = f"📝 已收到 #{note.id}\n你有不止一位“{name}”，这条笔记说的是哪一位？"
        rows = [[(f"{contact or name}（{customer}）", f"pick:{note.id}:{cid}")] for cid, customer, contact in view["candidates"]]
        rows.append([("新客户", f"pick:{note.id}:new")])
        return text, button_rows(*rows)

    # --- commands, corrections, answers, buttons --------------------------------------------------

    async def _open_question(self, who: Who, text: str) -> Question | None:
        """The member's open question when this message answers it: "which day?" with a date and
        nothing else; "which item?" (asked within CONTEXT) by naming one of them."""
        question = await self.record_db(lambda s: dialogue.open_question(
            session=s, member_id=who.member_id, since=self.clock() - QUESTION_FOR))
        if question is None:
            return None
        if question.kind == "which_item":
            recent = as_utc(question.asked_at) >= self.clock() - CONTEXT
            return question if recent and named_choice(text, question.choices or []) is not None else None
        ref = datetime.now(who.tz)
        if not date_only(text, ref) or self._day(text, ref) is None:
            return None
        return question

    def _day(self, text: str, ref: datetime) -> date | None:
        """The one calendar day a short expression names (3月18日, 下周三), read by the parser's own
        date rules so a corrected date means what it would have meant in the note; None if vague."""
        for found in self.parse(text, ref, None).get("dates") or []:
            try:
                return date.fromisoformat(found["date"])
            except (KeyError, TypeError, ValueError):
                continue
        return None

    async def _short(self, who: Who, inbound: Inbound, cmd, fix, answer) -> None:
        """A command, a correction (when it refers to something), or the answer to a question."""
        if cmd is not None:
            text = await self.db(self._command, who, cmd)
            if isinstance(text, reports.Report):    # a report: text, then its chart (drawn off the db thread) or file
                await asyncio.to_thread(text.render_chart)
                for outbound in reports.to_outbounds(text, inbound.channel, inbound.chat_id, inbound.message_id):
                    await self._deliver(outbound)
                return
            await self._reply(inbound, text)
            return
        if answer is not None:
            await self._answer_date(who, inbound, answer)
            return
        context = await self.db(self._context, who, inbound)
        if context is None and fix.kind in ("confirm", "done", "cancel", "retract"):
            await self._reply(inbound, "要处理哪一条？请直接回复那张卡片或提醒，或者发送：完成 编号")
            return
        if context is not None and context[0] == "commitment" and fix.kind == "date":
            fix = intents.Correction("postpone", fix.value)    # 改到周五 after a nudge: that to-do moves
        if context is not None and context[0] == "commitment" and fix.kind not in FOR_COMMITMENTS:
            context = None     # 数量改成… after a nudge: nothing on a to-do to change
        if context is None or (fix.kind == "quantity" and fix.target and not await self._has_item(context, fix.target)):
            note_id = await pipeline.record(self, who, inbound)     # not about a card after all: a new note
            if note_id:
                self.runner.submit(note_id, who.member_id)   # runs once this handler lets go of the lock
            return
        await self._correct(who, inbound, fix, context)

    async def _fix_of(self, who: Who, inbound: Inbound, text: str):
        """The correction this message makes to the card or nudge it refers to, or None (a note).
        Read in the ingest threads: a note never waits behind processing to be recorded."""
        form = intents.correction(text)
        if form is not None and form.kind in FOR_COMMITMENTS:
            return form          # 完成 / 取消 / 对…: an answer, even with nothing to refer to (asked which)
        if len(text) > about_card.LONGEST:
            return None

        def look(session):
            context = self._context(session, who, inbound)
            if context is None:
                return None
            if context[0] == "commitment":
                return form      # 改到周五 after a nudge moves that to-do
            note = session.get(Note, context[1])
            if note is None or (note.channel, note.channel_message_id) == (inbound.channel, f"{inbound.chat_id}:{inbound.message_id}"):
                return None      # the card's own message delivered again: the note path knows it
            if note.error == cq.RETRACTED:
                return None      # a withdrawn card takes no corrections: the message is a note of its own
            said_at = self.clock().astimezone(who.tz)
            fix = about_card.about_card(text, note.extraction, said_at)
            if fix is None and about_card.unfound(text, note.extraction, said_at):
                return intents.Correction("unfound")     # 数量不对 with no new value: asked, not stored
            return fix
        return await self.record_db(look)

    async def _has_item(self, context: tuple[str, int], target: str) -> bool:
        if context[0] != "note":
            return False
        extraction = await self.db(lambda s: (s.get(Note, context[1]).extraction or {}))
        return any(target in (i.get("product") or "") or (i.get("product") or "-") in target
                   for i in extraction.get("items") or [])

    def _context(self, session, who: Who, inbound: Inbound) -> tuple[str, int] | None:
        """What a short reply refers to: the card or nudge replied to, else the last one within 10 min."""
        found = None
        if inbound.reply_to:
            found = cq.card_for_message(session=session,
                                        sent_key=f"{inbound.channel}:{inbound.chat_id}:{inbound.reply_to}")
        if found is None:
            found = cq.latest_context(session=session, member_id=who.member_id, since=self.clock() - CONTEXT)
        if found is None or found.recipient_id != who.member_id:
            return None
        return referent(found.subject)

    async def _correct(self, who: Who, inbound: Inbound, fix, context: tuple[str, int]) -> None:
        kind, ident = context
        if kind == "commitment" or fix.kind in ("done", "postpone", "cancel"):
            text = await self.db(self._commitment_answer, who, fix, kind, ident)
            await self._reply(inbound, text)
            return
        note_id = ident
        if fix.kind == "retract":
            await self.db(lambda s: cq.retract_note(session=s, note=s.get(Note, note_id)))
            await self._reply(inbound, f"↩️ 已撤回笔记 #{note_id}，相关待办已删除。")
            return
        if fix.kind == "confirm":
            await self._reply(inbound, f"✅ 笔记 #{note_id} 已确认。")
            return
        if fix.kind == "unfound":
            await self._reply(inbound, f"没找到要改的内容，笔记 #{note_id} 没有改动。请说出新的值，例如：数量改成100、"
                                       "交货改到下周四、客户是恒通机械、产品是B型泵")
            return
        note = await self.db(lambda s: s.get(Note, note_id))
        catalogue = await self.db(lambda s: cq.organisation_names(session=s, team_id=who.team_id))
        extraction, problem, done = note.extraction or {}, None, 0
        for one in (fix, *fix.also):          # 数量改成100，交货改到下周五: each slot in turn
            patched, problem = self._patched(who, note, one, catalogue, extraction)
            if problem:
                break
            extraction, done = patched, done + 1
        if done:
            await self._apply(note_id, extraction)
        if isinstance(problem, tuple):        # a date without its kind, or several items: which one?
            await self._reply(inbound, problem[0], buttons=problem[1])
            if len(problem) > 2:              # the answer may be typed too (录像机): remembered as a question
                await self.db(lambda s: dialogue.ask(session=s, member_id=who.member_id, kind="which_item",
                                                     note_id=note_id, word=problem[2].value,
                                                     choices=problem[2].products, at=self.clock()))
            return
        if problem:
            await self._reply(inbound, problem)
            return
        await self.show_card(who, note_id, title="已更新")

    async def _escalated(self, who: Who, verb: str, commitment_id: int) -> str:
        """催一下: the owner hears the manager is waiting on the promise; 查看: the promise and what was
        said. Only for a commitment whose owner the manager may see."""
        from storage.queries import visible_member_ids

        def look(session):
            c = session.get(Commitment, commitment_id)
            me = session.get(Member, who.member_id)
            if c is None or c.owner_id not in visible_member_ids(session=session, member=me):
                return None, None, None
            owner = session.get(Member, c.owner_id)
            customer = session.get(Customer, c.customer_id) if c.customer_id else None
            return c, owner, customer
        c, owner, customer = await self.db(look)
        if c is None:
            return "没有找到这条待办。"
        about = f"（{customer.name}）" if customer else ""
        line = f"#{c.id} {render.day_text(c.due_date)} {render.DATE_KINDS.get(c.kind, '待办')}{about}"
        if c.state != "open":
            return f"{line} 已经{'完成' if c.state == 'done' else '取消'}了。"
        if verb == "cview":
            return f"{line}\n负责人：{owner.name}\n原话：{c.text[:200]}"
        told = await ops_chat.tell(self, owner.id, f"⏰ {who.name} 在等这项承诺的进展：\n{line}\n办完了回复“完成 {c.id}”。",
                                   buttons=button_rows([("完成", f"cdone:{c.id}"), ("推迟", f"cpostpone:{c.id}")]))
        return f"已提醒 {owner.name}：{line}" if told else f"{owner.name} 没有绑定聊天账号，没能提醒到。"

    async def spoken_correction(self, who: Who, note: Note) -> bool:
        """A voice note whose transcript is a correction of the card just before it (不是80台是100台,
        said): that card changes and the voice note becomes no note (kept, marked as a correction).
        True when it was one."""
        text = note_ops.note_text(note)
        if intents.acknowledgement(text) or len(text) > about_card.LONGEST:
            return False
        found = await self.db(lambda s: cq.latest_context(session=s, member_id=who.member_id,
                                                           since=note.received_at - CONTEXT))
        context = referent(found.subject) if found is not None else None
        if context is None or (context[0] == "note" and context[1] == note.id):
            return False
        if context[0] == "note":
            found = await self.db(lambda s: (lambda n: n and (n.error, n.extraction or {}))(s.get(Note, context[1])))
            if not found or found[0] == cq.RETRACTED:
                return False     # a withdrawn card takes no corrections
            fix = about_card.about_card(text, found[1], note.received_at.astimezone(who.tz))
        else:
            fix = intents.correction(text)
        if fix is None or fix.kind in ("confirm",):
            return False
        if not await self.db(lambda s: note_ops.failed(session=s, note_id=note.id, error=SPOKEN_CORRECTION,
                                                       frm=("transcribed",))):
            return True     # another run handled it
        chat, message = reply_target(note)
        inbound = Inbound(channel=note.channel, user_id="", chat_id=chat, message_id=message or "",
                          received_at=note.received_at, text=text)
        await self._reply(inbound, f"🎤 识别：{text}")
        await self._correct(who, inbound, fix, context)
        return True

    async def _acknowledged(self, who: Who, inbound: Inbound) -> None:
        """好的 / 收到 / 👍: answered kindly; after a card it confirms the card; nothing is stored."""
        context = await self.db(self._context, who, inbound)
        if intents.acknowledgement(inbound.text) and context is not None and context[0] == "note":
            await self._reply(inbound, f"✅ 笔记 #{context[1]} 已确认。")
            return
        await self._reply(inbound, ACK_REPLY)

    def _patched(self, who: Who, note: Note, fix, catalogue: set[str] = frozenset(),
                 before: dict | None = None) -> tuple[dict, object]:
        """The note's extraction (or `before`) with only the corrected part changed; or a question back
        (text, or (text, buttons) when the rep should pick)."""
        extraction = copy.deepcopy(before if before is not None else note.extraction or {})
        ref = note.received_at.astimezone(who.tz)
        if fix.kind == "quantity":
            items = corrections.unnamed_items(extraction, fix)
            if items:       # several items and none named: one button per item (or its name typed)
                names = "、".join(i.get("product") or "（未说产品）" for i in items)
                buttons = button_rows(*[[(_item_label(i), f"qty:{note.id}:{n}:{fix.value[:20]}")]
                                        for n, i in enumerate(items)])
                return extraction, (f"这条笔记有几个产品（{names}），要改哪一个？点下面的产品，或直接回复产品名。",
                                    buttons, WhichItem([i.get("product") or "" for i in items], fix.value))
            return extraction, corrections.quantity(extraction, fix)
        if fix.kind == "customer":
            extraction["customer"] = corrections.customer(extraction.get("customer"), fix.value, catalogue,
                                                          company_said=fix.target == "company")
            return extraction, None
        if fix.kind == "replace":
            return extraction, corrections.replace(extraction, fix, catalogue)
        if fix.kind == "product":
            return extraction, corrections.product(extraction, fix)
        if fix.kind == "close":
            said = fix.value if fix.target == "sentence" else f"{fix.value}签合同"   # the whole message, or its time
            close = self.parse(said, ref, None).get("expected_close")
            if not close:
                return extraction, "没看懂预计什么时候签，请这样说：预计下月中旬签"
            extraction["expected_close"] = close
            return extraction, None
        if fix.kind == "date":
            day = self._day(fix.value, ref)
            if day is None:
                return extraction, "请说具体哪一天，例如：日期不对，是3月18日"
            old = self._day(fix.old, ref) if fix.old else None
            picked = corrections.redate(extraction, kind=fix.target, day=day, today=ref.date(), old=old)
            if isinstance(picked, list):
                buttons = button_rows(*[[(f"{render.day_text(d.get('date'))} {render.DATE_KINDS.get(d.get('kind'), '其他')}",
                                          f"redate:{note.id}:{i}:{day.isoformat()}")] for i, d in picked])
                return extraction, (f"这条笔记有几个计划日期，要把哪一个改成 {render.day_text(day)}？", buttons)
        return extraction, None

    async def _set_quantity(self, who: Who, note_id: int, index: int | None, value: str) -> None:
        """The item picked (by button or by name) gets the quantity the correction said."""
        note = await self.db(lambda s: s.get(Note, note_id))
        if note is None or note.error == cq.RETRACTED or index is None:
            return
        extraction = copy.deepcopy(note.extraction or {})
        items = [i for i in extraction.get("items") or [] if isinstance(i, dict)]
        if not 0 <= index < len(items) or corrections.set_quantity(items[index], value):
            return
        await self._apply(note_id, extraction)
        await self.show_card(who, note_id, title="已更新")

    def _commitment_answer(self, session, who: Who, fix, kind: str, ident: int) -> str:
        """完成 / 推迟到… / 取消 for a nudge's commitment or a card's commitments."""
        if kind == "commitment":
            targets = [session.get(Commitment, ident)]
        else:
            targets = list(session.exec(select(Commitment).where(
                Commitment.note_id == ident, Commitment.state == "open")).all())
        targets = [t for t in targets if t is not None and t.owner_id == who.member_id]
        if not targets:
            return "这条记录没有待办可以处理。"
        if fix.kind == "done":
            for c in targets:
                deal_ops.complete_commitment(session=session, commitment=c, at=self.clock())
            return "✅ 已完成：" + "、".join(f"#{c.id}" for c in targets)
        if fix.kind == "cancel":
            for c in targets:
                deal_ops.cancel_commitment(session=session, commitment=c)
            return "已取消：" + "、".join(f"#{c.id}" for c in targets)
        day = self._day(fix.value, datetime.now(who.tz))
        if day is None:
            return "请说具体哪一天，例如：推迟到3月18日"
        for c in targets:
            deal_ops.postpone_commitment(session=session, commitment=c, day=day)
        return f"已推迟到 {render.day_text(day)}：" + "、".join(f"#{c.id}" for c in targets)

    async def _answer_date(self, who: Who, inbound: Inbound, question: Question) -> None:
        """The day a vague date meant: the note gets that date, its kind read from the note. (Or the
        item a quantity correction meant, named.)"""
        if not await self.db(lambda s: dialogue.close_question(session=s, question_id=question.id, at=self.clock())):
            return   # answered already (the same answer delivered twice, or by another process)
        if question.kind == "which_item":
            await self._set_quantity(who, question.note_id, named_choice(inbound.text, question.choices or []),
                                     question.word)
            return
        if question.kind == "postpone" and question.word.isdigit():     # 推迟 pressed, then the day
            fix = intents.Correction("postpone", intents.clean(inbound.text))
            await self._reply(inbound, await self.db(self._commitment_answer, who, fix, "commitment",
                                                     int(question.word)))
            return
        note = await self.db(lambda s: s.get(Note, question.note_id))
        ref = note.received_at.astimezone(who.tz)
        day = self._day(inbound.text, datetime.now(who.tz))
        said = note_ops.note_text(note).replace(question.word, intents.clean(inbound.text).strip(intents.PUNCT), 1)
        reread = await asyncio.to_thread(self.parse, said, ref, who.industry or None)
        kind = next((d.get("kind") for d in reread.get("dates") or [] if d.get("date") == day.isoformat()), "followup")
        extraction = copy.deepcopy(note.extraction or {})
        extraction.setdefault("dates", []).append({"date": day.isoformat(), "kind": kind, "status": "planned"})
        await self._apply(note.id, extraction)
        await self.show_card(who, note.id, title="已更新")

    async def _other(self, who: Who, inbound: Inbound) -> None:
        """Button presses, files, empty messages."""
        if inbound.file is not None:
            await self._reply(inbound, FILE_ALONE)
            return
        if not inbound.action:
            await self._reply(inbound, "发一条语音或文字笔记给我，或者发送“帮助”查看用法。")
            return
        verb, _, rest = inbound.action.partition(":")
        if await lead_chat.on_action(self, who, inbound):  # lead and touchpoint buttons
            return
        if await ops_chat.on_action(self, who, inbound):  # 撞单 decision buttons
            return
        if verb in ("cpush", "cview") and rest.isdigit():   # under an escalation: the manager acts
            await self._reply(inbound, await self._escalated(who, verb, int(rest)))
            return
        if verb == "cpostpone" and rest.isdigit():    # 推迟 under a nudge or the evening recap: to which day?
            commitment = await self.db(lambda s: s.get(Commitment, int(rest)))
            if commitment is None or commitment.owner_id != who.member_id or commitment.state != "open":
                await self._reply(inbound, "这条待办已经处理过了。")
                return
            await self.db(lambda s: dialogue.ask(session=s, member_id=who.member_id, kind="postpone",
                                                 word=rest, at=self.clock()))
            await self._reply(inbound, f"#{rest} 推迟到哪一天？直接回复日期即可，例如：下周一 或 12月20日。")
            return
        if verb in ("cdone", "ccancel") and rest.isdigit():   # buttons under a nudge
            fix = intents.Correction("done" if verb == "cdone" else "cancel")
            await self._reply(inbound, await self.db(self._commitment_answer, who, fix, "commitment", int(rest)))
            return
        note_id_text, _, choice = rest.partition(":")
        if not note_id_text.isdigit():
            return
        note_id = int(note_id_text)
        note = await self.db(lambda s: s.get(Note, note_id))
        if note is None or note.author_id != who.member_id:
            await self._reply(inbound, "这条记录不是你的，不能修改。")
            return
        card_text = await self.db(lambda s: getattr(cq.card_for_message(
            session=s, sent_key=f"{inbound.channel}:{inbound.chat_id}:{inbound.reply_to}"), "text", None))
        if verb == "ok":
            await self._deliver(Outbound(inbound.channel, inbound.chat_id, text=f"{card_text or f'笔记 #{note_id}'}\n\n✅ 已确认",
                                         edit=inbound.reply_to))
        elif verb == "fix":
            if note.error == cq.RETRACTED:
                await self._reply(inbound, f"笔记 #{note_id} 已撤回，不能再修改。")
                return
            sent = await self._reply(inbound, render.FIX_HELP)
            if sent is not None:     # the next correction means this card, whichever card came after it
                await self.db(lambda s: cq.record_card(
                    session=s, member_id=who.member_id, note_id=note_id, text=render.FIX_HELP, at=self.clock(),
                    sent_key=f"{inbound.channel}:{inbound.chat_id}:{sent}"))
        elif verb == "undo":
            await self.db(lambda s: cq.retract_note(session=s, note=s.get(Note, note_id)))
            await self._deliver(Outbound(inbound.channel, inbound.chat_id, text=f"↩️ 笔记 #{note_id} 已撤回。",
                                         edit=inbound.reply_to))
        elif verb == "qty":             # which item a quantity correction meant
            index, _, value = choice.partition(":")
            await self.db(lambda s: dialogue.close_open(session=s, member_id=who.member_id, kind="which_item",
                                                        at=self.clock()))
            await self._set_quantity(who, note_id, int(index) if index.isdigit() else None, value)
        elif verb == "redate":          # which planned date a date correction meant
            index, _, day = choice.partition(":")
            extraction = copy.deepcopy(note.extraction or {})
            today = note.received_at.astimezone(who.tz).date()
            if corrections.set_date(extraction, int(index), date.fromisoformat(day), today):
                await self._apply(note_id, extraction)
                await self.show_card(who, note_id, title="已更新")
        elif verb == "asfix" and choice.isdigit():     # the note was meant as a correction of that card
            await self._as_correction(who, inbound, note, int(choice))
        elif verb == "pick" and note.state == "ambiguous":
            options = {"customer_id": int(choice)} if choice.isdigit() else {"new_customer": True}
            await self._apply(note_id, note.extraction or {}, **options)
            await self.show_card(who, note_id, edit=inbound.reply_to)

    async def _as_correction(self, who: Who, inbound: Inbound, note: Note, card_id: int) -> None:
        """这是对上一张卡片的更正 pressed under a note's card: the note is withdrawn and what it says
        changes the card before it, as if it had been taken for a correction."""
        card = await self.db(lambda s: s.get(Note, card_id))
        if note.error == "retracted":
            await self._reply(inbound, f"笔记 #{note.id} 已经撤回了。")
            return
        if card is None or card.author_id != who.member_id or card.error == "retracted":
            await self._reply(inbound, f"笔记 #{card_id} 已经撤回或不存在，没有可更正的卡片。")
            return
        text = (note.extraction or {}).get("text") or note_ops.note_text(note)
        fix = about_card.maybe_about_card(text, card.extraction, note.received_at.astimezone(who.tz))
        if fix is None:
            await self._reply(inbound, f"没看出要改 #{card_id} 的哪一项，请直接说，例如：数量改成100台、交货改到下周五。")
            return
        await self.db(lambda s: cq.retract_note(session=s, note=s.get(Note, note.id)))
        await self._deliver(Outbound(inbound.channel, inbound.chat_id, edit=inbound.reply_to,
                                     text=f"↩️ 笔记 #{note.id} 没有另存，已作为对 #{card_id} 的更正。"))
        await self._correct(who, inbound, fix, ("note", card_id))

    # --- commands (bot/commands.py) ------------------------------------------------------------------

    def _command(self, session, who: Who, cmd: intents.Command):
        """A command's answer, text or a reports.Report, in the database thread."""
        return commands.run(session, who=who, cmd=cmd, stages=self.stages, now=self.clock(),
                            insights=self.insights)
