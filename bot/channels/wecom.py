"""WeCom (企业微信) through a self-built app (自建应用): callbacks become Inbound, Outbound becomes API calls.

WeCom posts each message, signed and AES-encrypted, to /wecom/callback and retries three times when
the answer takes longer than 5 s. The callback is checked (signature, timestamp, CorpID), handed to
the conversation (which records it durably and drops a delivery it has seen) and answered with an
empty 200 — after at most ACK_BUDGET seconds, so a slow voice download never makes WeCom retry.
Replies go out through message/send. WeCom has no buttons in app chats: buttons become numbered
options ("回复数字：1 ✅ 确认 …"); the conversation remembers them (`numbered_buttons`) and turns a reply
of just that number into the button's action.
`Outbound.meta` may carry {"markdown": "the markdown form of the text"} (reports), or {"markdown": True}
to send `text` itself as markdown, or ask for a text card {"url": ..., "button": ...}.
Outbound to chat "#robot" (or "#robot:KEY") goes to the team's group robot (群机器人) instead.

Choice: our own small implementation on `cryptography` + httpx rather than wechatpy, whose last
stable release is from 2021 and whose API client blocks the event loop; the protocol is ~100 lines.
This module never touches the database or the parser.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from datetime import datetime, timezone
from typing import Awaitable, Callable

import httpx
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.channels.wecom_api import GroupRobot, WeComAPI, WeComError, split_bytes
from bot.channels.wecom_crypto import MAX_XML, CallbackCrypto, Refused, decode_xml, envelope_ciphertext, parse_xml
from bot.config import ConfigError
from bot.messages import Attachment, Inbound, Outbound, Voice, audio_format
from bot.web import TooLarge, read_body

log = logging.getLogger(__name__)

CHANNEL = "wecom"
ROBOT = "#robot"            # WeCom user ids cannot contain "#"
ACK_BUDGET = 3.0            # seconds of work before the callback is answered anyway (WeCom waits 5)
MAX_TEXT = 2048             # bytes of text content per message
REMEMBER = 5000             # recent MsgIds kept in memory (the conversation's record is the durable one)
WELCOME = "你好，我是销售助手。请发送：加入 邀请码（邀请码由管理员提供）。"
SORRY = "抱歉，没能取到这条语音/文件，请重新发送。"

Receive = Callable[[Inbound], Awaitable[None]]


class WeComChannel:
    """One self-built app. `receive` is the conversation's entry point; it returns once recorded."""

    name = CHANNEL
    numbered_buttons = True     # buttons are shown as numbered options (the conversation keeps them)

    def __init__(self, config: dict, receive: Receive, *, clock=time.time):
        missing = [k for k in ("corp_id", "agent_id", "secret", "token", "encoding_aes_key") if not config.get(k)]
        if missing:
            raise ConfigError("[wecom] needs " + ", ".join(missing) + " (secrets may come from SALESBOT_WECOM_SECRET, "
                              "SALESBOT_WECOM_TOKEN, SALESBOT_WECOM_AES_KEY)")
        try:
            self.crypto = CallbackCrypto(str(config["token"]), str(config["encoding_aes_key"]),
                                         str(config["corp_id"]), clock=clock)
        except ValueError as exc:
            raise ConfigError(f"[wecom] {exc}") from exc
        self.config = config
        self.receive = receive
        self.clock = clock
        self.api_base = config.get("api_base") or "https://qyapi.weixin.qq.com"
        self.api = WeComAPI(api_base=self.api_base, corp_id=str(config["corp_id"]), secret=str(config["secret"]),
                            agent_id=config["agent_id"])
        self.robots: dict[str, GroupRobot] = {}
        self.robot_window = float(config.get("robot_window", 60.0))   # WeCom's minute; tests shorten it
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._sent_text: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._tasks: set[asyncio.Task] = set()

    def routes(self) -> list[Route]:
        return [Route("/wecom/callback", self.callback, methods=["GET", "POST"])]

    async def start(self) -> None:
        """Fetches the first access token early so a wrong secret shows in the log at start-up."""
        try:
            await self.api.token()
            log.info("wecom: app %s of corp %s ready (%s)", self.config["agent_id"], self.config["corp_id"],
                     self.api_base)
        except Exception as exc:
            log.error("wecom: could not get an access token (%s); will retry on the first message", exc)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for robot in self.robots.values():
            await robot.close()
        await self.api.close()

    # --- the callback ---------------------------------------------------------------------------

    async def callback(self, request: Request) -> Response:
        """GET: URL verification (echo the decrypted echostr). POST: one encrypted message."""
        query = request.query_params
        try:
            if request.method == "GET":
                # base64 has no spaces: a "+" some proxy left unescaped decodes to one
                echostr = query.get("echostr", "").replace(" ", "+")
                echo = self.crypto.open(query.get("msg_signature", ""), query.get("timestamp", ""),
                                        query.get("nonce", ""), echostr)
                log.info("wecom: callback URL verified")
                return PlainTextResponse(echo)
            text = decode_xml(await self._body(request))
            # The signature first: a stranger's XML is never parsed. Then the envelope and the
            # message, each checked for a DOCTYPE after decoding (parse_xml).
            plain = self.crypto.open(query.get("msg_signature", ""), query.get("timestamp", ""),
                                     query.get("nonce", ""), envelope_ciphertext(text))
            parse_xml(text)
            message = parse_xml(plain)
        except Refused as exc:
            log.warning("wecom: callback refused (%s) from %s", exc.reason,
                        request.client.host if request.client else "?")
            return PlainTextResponse("forbidden" if exc.status == 403 else "bad request", status_code=exc.status)
        key = self._delivery_key(message)
        if key in self._seen:
            log.info("wecom: %s delivered again; dropped", key)
            return Response(status_code=200)
        self._remember(key)
        task = asyncio.create_task(self._handle(message), name=f"wecom-{key}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        await asyncio.wait({task}, timeout=ACK_BUDGET)   # usually recorded by now; never past WeCom's 5 s
        if task.done() and not task.cancelled() and task.result() is False:
            self._seen.pop(key, None)                    # not recorded: let WeCom's retry try again
            return Response(status_code=500)
        return Response(status_code=200)

    @staticmethod
    async def _body(request: Request) -> bytes:
        """The request body, read no further than a WeCom callback can be long."""
        try:
            return await read_body(request, MAX_XML)
        except TooLarge:
            raise Refused("callback body too large", 413) from None

    @staticmethod
    def _delivery_key(message: dict) -> str:
        if message.get("MsgId"):
            return f"{message.get('FromUserName', '')}:{message['MsgId']}"
        return ":".join(message.get(k, "") for k in ("FromUserName", "CreateTime", "Event", "EventKey"))

    def _remember(self, key: str) -> None:
        self._seen[key] = None
        while len(self._seen) > REMEMBER:
            self._seen.popitem(last=False)

    async def _handle(self, message: dict) -> bool:
        """One decrypted message -> Inbound -> the conversation. False when it could not be recorded."""
        user = message.get("FromUserName", "")
        try:
            inbound = await self._inbound(message)
            if inbound is not None:
                await self.receive(inbound)
        except (WeComError, httpx.HTTPError) as exc:
            log.warning("wecom: could not fetch what %s sent (%s)", user, exc)
            await self._safe_text(user, SORRY)
        except Exception:
            log.exception("wecom: handling a message from %s failed", user)
            return False
        return True

    async def _inbound(self, message: dict) -> Inbound | None:
        kind = message.get("MsgType", "")
        user = message.get("FromUserName", "")
        if not user:
            return None
        try:
            when = datetime.fromtimestamp(int(message.get("CreateTime") or 0) or self.clock(), timezone.utc)
        except (ValueError, OverflowError, OSError):
            when = datetime.now(timezone.utc)
        base = dict(channel=CHANNEL, user_id=user, chat_id=user, message_id=message.get("MsgId") or "",
                    received_at=when)
        if kind == "text":
            return Inbound(**base, text=message.get("Content", ""))
        if kind == "voice":
            media = await self.api.get_media(message.get("MediaId", ""))
            fmt = (message.get("Format") or "").lower() or audio_format(media.mime, media.filename) or "amr"
            return Inbound(**base, voice=Voice(data=media.data, format=fmt))
        if kind in ("image", "file"):
            media = await self.api.get_media(message.get("MediaId", ""))
            fmt = audio_format(media.mime, media.filename)
            if fmt:     # a recording sent as a file is still a voice note
                return Inbound(**base, voice=Voice(data=media.data, format=fmt))
            name = message.get("FileName") or media.filename or ("image.jpg" if kind == "image" else "file")
            return Inbound(**base, file=Attachment(media.data, name, media.mime))
        if kind == "event":
            if message.get("Event") == "subscribe":
                await self._safe_text(user, WELCOME)
            return None
        return Inbound(**base, text="")           # video, location, link: the conversation explains

    # --- Outbound -> the API --------------------------------------------------------------------------

    async def send(self, outbound: Outbound) -> str | None:
        """Shows an Outbound to a member (or the group robot); returns the id of the last message sent."""
        if outbound.chat_id.startswith(ROBOT):
            return self._to_robot(outbound)
        chat = outbound.chat_id
        text = self._new_part(outbound)
        if outbound.buttons:
            text = f"{text}\n\n{self._numbered(outbound)}".strip()
        message_id = None
        for attachment, kind in ((outbound.image, "image"), (outbound.file, "file")):
            if attachment is not None:
                media_id = await self.api.upload_media(kind, attachment.data, attachment.filename, attachment.mime)
                message_id = await self.api.send_message(chat, kind, {"media_id": media_id})
        meta = outbound.meta or {}
        if meta.get("url") and text:
            title, _, rest = text.partition("\n")
            message_id = await self.api.send_message(chat, "textcard", {
                "title": split_bytes(title, 128)[0], "description": split_bytes(rest.strip() or title, 512)[0],
                "url": meta["url"], "btntxt": meta.get("button", "详情")})
        elif text:
            kind, limit = ("markdown", 4096) if meta.get("markdown") else ("text", MAX_TEXT)
            if isinstance(meta.get("markdown"), str) and meta["markdown"].strip():   # a report's markdown form
                text = "\n\n".join(p for p in (meta["markdown"], self._numbered(outbound) if outbound.buttons else "") if p)
            for piece in split_bytes(text, limit):
                message_id = await self.api.send_message(chat, kind, {"content": piece})
        if message_id is not None:
            self._after_send(outbound, chat, message_id)
        return message_id

    def _new_part(self, outbound: Outbound) -> str:
        """WeCom cannot edit a sent message: an edit that only adds to it sends just the addition."""
        text = outbound.text or ""
        before = self._sent_text.get((outbound.chat_id, outbound.edit or ""))
        if outbound.edit and before and text.startswith(before) and text[len(before):].strip():
            return text[len(before):].strip()
        return text

    @staticmethod
    def _numbered(outbound: Outbound) -> str:
        buttons = [b for row in outbound.buttons for b in row]
        return "回复数字：" + "　".join(f"{n} {b.text}" for n, b in enumerate(buttons, 1))

    def _after_send(self, outbound: Outbound, chat: str, message_id: str) -> None:
        self._sent_text[(chat, message_id)] = outbound.text or ""
        while len(self._sent_text) > REMEMBER:
            self._sent_text.popitem(last=False)

    async def _safe_text(self, chat: str, text: str) -> None:
        try:
            await self.api.send_message(chat, "text", {"content": text})
        except Exception as exc:
            log.warning("wecom: could not tell %s (%s)", chat, exc)

    # --- the group robot -------------------------------------------------------------------------------

    def robot(self, key: str | None = None) -> GroupRobot | None:
        """The queue of a group robot: `key`, else [wecom] robot_key; None when neither is set."""
        key = key or self.config.get("robot_key") or ""
        if not key:
            return None
        if key not in self.robots:
            self.robots[key] = GroupRobot(api_base=self.api_base, key=key, window=self.robot_window)
        return self.robots[key]

    def _to_robot(self, outbound: Outbound) -> str | None:
        robot = self.robot(outbound.chat_id.partition(":")[2] or None)
        if robot is None:
            log.warning("wecom: no group robot configured ([wecom] robot_key); message not sent")
            return None
        # Buttons are left out: nobody in a group can answer for the member they were meant for.
        markdown = _markdown(outbound)
        robot.post(outbound.text if markdown is None else markdown, markdown=markdown is not None)
        return f"robot-{len(robot.queue)}-{int(self.clock() * 1000)}"


def _markdown(outbound: Outbound) -> str | None:
    """The markdown to send, or None for plain text: meta["markdown"] is the markdown itself (a report's
    **bold** form, while `text` stays plain for other channels) or True for `text` as markdown."""
    wanted = (outbound.meta or {}).get("markdown")
    if isinstance(wanted, str):
        return wanted if wanted.strip() else None
    return (outbound.text or "") if wanted else None
