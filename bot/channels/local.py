"""The embedded default channel: a chat page served by our own web server.

The browser posts what the person sends (text, a recorded WebM/Opus voice note, an uploaded file,
a button press) to /chat/send and long-polls /chat/updates for what the bot shows. Each browser
keeps a session cookie. In demo mode the session picks one of the demo team's accounts with a
member switcher; otherwise the session itself is the chat account, a stranger until the person
joins with an invite code (加入 CODE), so nobody reaches records they may not see.
Like every channel, this one never touches the database or the parser: the chat's history (both
sides, cards with their buttons) goes to `history` — the conversation's rows, so a page shows it
after a server restart and any process can add to it — or, without one, stays in memory.

What a browser sends is read with a cap while it streams (a member's voice note up to the speech
limit, a stranger's few KB), so a chunked upload without Content-Length is held to the same cap and
a refused upload never becomes a file. A stranger's message is answered in the reply to its POST and
kept nowhere. In demo mode the demo account a browser speaks as is named by a cookie this process
signed: a cookie the server did not issue is replaced, never adopted. Images and files the bot shows
are fetched only by the session they were shown to.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import math
import re
import secrets
import time
import uuid
from collections import OrderedDict
from datetime import datetime, timezone
from typing import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.messages import Attachment, Inbound, Outbound, Voice, audio_format
from bot.web import TooLarge, read_body, replayed

CHANNEL = "local"
COOKIE = "salesbot_session"
DEMO_COOKIE = "salesbot_demo"   # demo mode: which demo account this browser speaks as
FORM_ROOM = 64_000      # the form around an upload: fields, boundaries, headers
MAX_UPLOAD = 20_000_000 + FORM_ROOM   # a member's post: the largest voice file speech accepts, plus the form
STRANGER_MAX = 8_000    # a stranger can only say 加入 CODE
SWITCH_MAX = 4_000
KEEP_MESSAGES = 300     # per chat, in memory (without a history store)
KEEP_CHATS = 2_000      # chats whose long polls and in-memory history are kept, least recently used dropped
POLL_SECONDS = 25
MAX_WAIT = 30.0
RECHECK_SECONDS = 1.0   # a long poll also looks at the history store this often (another process may add)
KEEP_BLOBS = 200        # images and files the page can still fetch
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")

Receive = Callable[[Inbound], Awaitable[None]]
WhoIs = Callable[[str, str], Awaitable[dict | None]]   # (channel, account) -> {"name", "role", "team"}


class History:
    """Where a chat's messages are kept: add(chat, message) -> its sequence number, since(chat, after)."""

    async def add(self, chat_id: str, message: dict) -> int: ...

    async def since(self, chat_id: str, after: int) -> list[dict]: ...


class ChatLog:
    """What one chat shows: messages with increasing sequence numbers, and waiters for new ones."""

    def __init__(self):
        self.messages: list[dict] = []
        self.changed = asyncio.Event()

    def add(self, message: dict) -> None:
        self.messages.append(message)
        del self.messages[:-KEEP_MESSAGES]
        self.wake()

    def wake(self) -> None:
        """Answers the long polls waiting on this chat."""
        self.changed.set()
        self.changed = asyncio.Event()


class LocalChannel:
    """The web chat. `demo_accounts` (account id -> label) turns on the member switcher."""

    name = CHANNEL

    def __init__(self, receive: Receive, who: WhoIs, *, demo_accounts: dict[str, str] | None = None,
                 history: History | None = None, max_upload: int = MAX_UPLOAD):
        self.receive = receive
        self.who = who
        self.history = history
        self.demo_accounts = dict(demo_accounts or {})
        self.max_upload = int(max_upload)
        self._key = secrets.token_bytes(32)       # signs the demo account cookie (this process only)
        self.chats: OrderedDict[str, ChatLog] = OrderedDict()
        self.blobs: OrderedDict[str, tuple[str, Attachment]] = OrderedDict()   # id -> (chat, attachment)
        self._answering: dict[str, list[dict]] = {}   # stranger chat -> replies for its POST's answer
        self._seq = itertools.count(1)
        self._closing = False

    @property
    def demo(self) -> bool:
        return bool(self.demo_accounts)

    def routes(self) -> list[Route]:
        return [
            Route("/chat/me", self.me, methods=["GET"]),
            Route("/chat/switch", self.switch, methods=["POST"]),
            Route("/chat/send", self.send_from_browser, methods=["POST"]),
            Route("/chat/updates", self.updates, methods=["GET"]),
            Route("/chat/blob/{blob_id}", self.blob, methods=["GET"]),
        ]

    async def start(self) -> None:
        """Nothing to connect: the web server serves this channel's routes."""

    async def stop(self) -> None:
        """Answers every waiting long poll so the web server can stop at once."""
        self._closing = True
        for chat in self.chats.values():
            chat.changed.set()

    # --- sessions ---------------------------------------------------------------------------

    def _account(self, request: Request) -> tuple[str, str]:
        """(session token, chat account). Outside demo mode the account is derived from the token,
        so a joined browser stays joined across server restarts; in demo mode the session picks a
        demo account (the first one until the switcher changes it), named by a cookie this process
        signed for this session: a demo cookie the server did not issue is ignored."""
        token = request.cookies.get(COOKIE, "")
        if not TOKEN.match(token):
            token = secrets.token_urlsafe(24)
        if not self.demo:
            return token, "web-" + hashlib.sha256(token.encode()).hexdigest()[:32]
        chosen, _, signature = request.cookies.get(DEMO_COOKIE, "").rpartition(".")
        if chosen in self.demo_accounts and hmac.compare_digest(signature.encode(), self._sign(token, chosen).encode()):
            return token, chosen
        return token, next(iter(self.demo_accounts))

    def _sign(self, token: str, account: str) -> str:
        return hmac.new(self._key, f"{token}.{account}".encode(), hashlib.sha256).hexdigest()[:32]

    @staticmethod
    def _with_cookie(response: Response, token: str) -> Response:
        response.set_cookie(COOKIE, token, httponly=True, samesite="strict", max_age=30 * 24 * 3600)
        return response

    def _chat(self, account: str) -> ChatLog:
        """The chat's waiters (and in-memory history), kept while among the KEEP_CHATS most recently used."""
        chat = self.chats.get(account)
        if chat is None:
            chat = self.chats[account] = ChatLog()
            while len(self.chats) > KEEP_CHATS:
                _, dropped = self.chats.popitem(last=False)
                dropped.wake()                 # its waiting long poll answers now
        self.chats.move_to_end(account)
        return chat

    async def me(self, request: Request) -> Response:
        """Who this browser is: the member (or null for a stranger) and the demo accounts."""
        token, account = self._account(request)
        member = await self.who(CHANNEL, account)
        body = {"demo": self.demo, "account": account if self.demo else None, "member": member,
                "accounts": [{"id": k, "label": v} for k, v in self.demo_accounts.items()]}
        return self._with_cookie(JSONResponse(body), token)

    async def switch(self, request: Request) -> Response:
        """Demo mode only: the member switcher picks which demo account this browser speaks as."""
        token, _ = self._account(request)
        if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
            return JSONResponse({"error": "需要 application/json"}, status_code=415)
        try:
            wanted = json.loads(await read_body(request, SWITCH_MAX))
        except TooLarge:
            return JSONResponse({"error": "请求太大"}, status_code=413)
        except ValueError:
            return JSONResponse({"error": "请求体不是 JSON"}, status_code=400)
        account = wanted.get("account") if self.demo and isinstance(wanted, dict) else None
        if not isinstance(account, str) or account not in self.demo_accounts:
            return JSONResponse({"error": "没有这个演示账号"}, status_code=400)
        response = self._with_cookie(JSONResponse({"ok": True, "account": account}), token)
        response.set_cookie(DEMO_COOKIE, f"{account}.{self._sign(token, account)}", httponly=True,
                            samesite="strict", max_age=30 * 24 * 3600)
        return response

    # --- browser -> Inbound -------------------------------------------------------------------

    async def send_from_browser(self, request: Request) -> Response:
        """Turns a browser post into an Inbound; answers only after the conversation recorded it.
        A stranger's post is answered in this response and kept nowhere."""
        token, account = self._account(request)
        member = await self.who(CHANNEL, account)
        limit = self.max_upload if member else STRANGER_MAX
        try:
            body = await read_body(request, limit)
        except TooLarge:
            error = f"文件太大（上限 {self.max_upload // 1_000_000}MB）" if member else "请先发送：加入 邀请码"
            return JSONResponse({"error": error}, status_code=413)
        try:
            form = await replayed(request, body).form(max_part_size=limit)
        except Exception:   # multipart that does not parse
            return JSONResponse({"error": "无法读取这条消息"}, status_code=400)
        try:
            inbound = await self._inbound(form, account)
        finally:
            await form.close()
        if inbound is None:
            return JSONResponse({"error": "空消息"}, status_code=400)
        if inbound.voice is not None and len(inbound.voice.data) > self.max_upload - FORM_ROOM:
            # over what speech accepts: refused here, before it could become a file
            return JSONResponse({"error": f"文件太大（上限 {(self.max_upload - FORM_ROOM) // 1_000_000}MB）"},
                                status_code=413)
        if not member:
            return self._with_cookie(JSONResponse(await self._answer_stranger(inbound)), token)
        if not inbound.action:
            await self._echo(account, inbound.message_id, inbound.text, inbound.voice, inbound.file)
        await self.receive(inbound)
        return self._with_cookie(JSONResponse({"ok": True, "id": inbound.message_id}), token)

    @staticmethod
    async def _inbound(form, account: str) -> Inbound | None:
        text = str(form.get("text") or "").strip()
        action = str(form.get("action") or "") or None
        reply_to = str(form.get("reply_to") or "") or None
        message_id = str(form.get("client_id") or "")[:64] or uuid.uuid4().hex
        voice = file = None
        upload = form.get("voice") or form.get("file")
        if upload is not None and hasattr(upload, "read"):
            data = await upload.read()
            fmt = audio_format(upload.content_type, upload.filename)
            if fmt:
                voice = Voice(data=data, format=fmt)
            else:
                file = Attachment(data, upload.filename or "file", upload.content_type or "application/octet-stream")
        if not (text or voice or file or action):
            return None
        return Inbound(channel=CHANNEL, user_id=account, chat_id=account, message_id=message_id,
                       received_at=datetime.now(timezone.utc), text=text, voice=voice, file=file,
                       action=action, reply_to=reply_to)

    async def _answer_stranger(self, inbound: Inbound) -> dict:
        """What the conversation answers a stranger (join or refusal), returned instead of kept."""
        replies = self._answering.setdefault(inbound.chat_id, [])
        try:
            await self.receive(inbound)
        finally:
            self._answering.pop(inbound.chat_id, None)
        return {"ok": True, "id": inbound.message_id, "replies": replies}

    async def _echo(self, account: str, message_id: str, text: str, voice, file) -> None:
        """What the person sent, kept in the chat's history so a reload shows both sides."""
        label = "[语音]" if voice else f"[文件] {file.filename}" if file else ""
        label = f"{label} {text}".strip() if label else text
        await self._add(account, {"id": message_id, "from": "me", "text": label, "at": time.time()})

    async def _add(self, account: str, message: dict) -> None:
        """Keeps a message in the chat's history and wakes the page's long poll."""
        chat = self._chat(account)
        if self.history is None:
            chat.add({**message, "seq": next(self._seq)})
            return
        await self.history.add(account, message)
        chat.wake()

    async def _since(self, account: str, after: int) -> list[dict]:
        if self.history is not None:
            return await self.history.since(account, after)
        return [m for m in self._chat(account).messages if m["seq"] > after]

    # --- Outbound -> browser ------------------------------------------------------------------

    async def send(self, outbound: Outbound) -> str:
        """Queues an Outbound for the browser (a stranger's reply goes into its POST's answer);
        returns its message id."""
        message_id = outbound.edit or f"b{uuid.uuid4().hex[:12]}"
        answering = self._answering.get(outbound.chat_id)
        if answering is not None:
            answering.append({"id": message_id, "from": "bot", "text": outbound.text[:2000]})
            return message_id
        message = {"id": message_id, "from": "bot", "text": outbound.text,
                   "buttons": [[{"text": b.text, "data": b.data} for b in row] for row in outbound.buttons],
                   "reply_to": outbound.reply_to, "edit": bool(outbound.edit), "at": time.time()}
        for kind, attachment in (("image", outbound.image), ("file", outbound.file)):
            if attachment:
                blob_id = secrets.token_urlsafe(24)
                self.blobs[blob_id] = (outbound.chat_id, attachment)
                while len(self.blobs) > KEEP_BLOBS:
                    self.blobs.popitem(last=False)
                message[kind] = {"url": f"/chat/blob/{blob_id}", "name": attachment.filename}
        await self._add(outbound.chat_id, message)
        return message_id

    async def updates(self, request: Request) -> Response:
        """Long poll: the messages after `after`, waiting up to 25 s for one to arrive."""
        token, account = self._account(request)
        try:
            after = int(request.query_params.get("after", "0")[:20])
            wait = float(request.query_params.get("wait", str(POLL_SECONDS))[:20])
        except ValueError:
            return JSONResponse({"error": "bad parameters"}, status_code=400)
        wait = 0.0 if math.isnan(wait) else min(max(wait, 0.0), MAX_WAIT)    # NaN would never time out
        deadline = time.monotonic() + wait
        while True:
            changed = self._chat(account).changed
            fresh = await self._since(account, after)
            remaining = deadline - time.monotonic()
            if fresh or remaining <= 0 or self._closing:
                return self._with_cookie(JSONResponse({"messages": fresh}), token)
            recheck = min(remaining, RECHECK_SECONDS) if self.history is not None else remaining
            try:
                await asyncio.wait_for(changed.wait(), recheck)
            except asyncio.TimeoutError:
                pass

    async def blob(self, request: Request) -> Response:
        """An image or file the bot showed, to the session it was shown to only."""
        _, account = self._account(request)
        found = self.blobs.get(request.path_params["blob_id"])
        if found is None or found[0] != account:
            return Response(status_code=404)
        attachment = found[1]
        return Response(attachment.data, media_type=attachment.mime, headers={
            "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff",
            "Content-Disposition": "attachment" if not attachment.mime.startswith("image/") else "inline"})
