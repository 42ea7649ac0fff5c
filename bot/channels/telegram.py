"""Telegram through python-telegram-bot: updates become Inbound, Outbound becomes Bot API calls.

Polling (the default) runs a small fetch loop of our own instead of PTB's Updater, for one reason:
an update is confirmed to Telegram (the next getUpdates offset) only after the conversation has
recorded it, so a bot killed at any moment loses nothing. Webhook mode answers the POST at
/telegram/webhook only after the same recording, and checks Telegram's secret-token header.
This module never touches the database or the parser.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from datetime import datetime, timezone
from typing import Awaitable, Callable

from telegram import (BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, InputFile,
                      ReplyParameters, Update)
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import AIORateLimiter, Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot.messages import Attachment, Inbound, Outbound, Voice, audio_format

log = logging.getLogger(__name__)

CHANNEL = "telegram"
MAX_TEXT = 4000           # Telegram allows 4096 characters; long reports are split
MAX_DOWNLOAD = 20_000_000  # the Bot API's getFile limit
MAX_UPDATE = 1_000_000     # one update is a few KB; files come by getFile, never in the webhook body
SORRY = "抱歉，处理这条消息时出了点问题，请稍后再试。"
TOO_BIG = "文件太大（上限20MB），请分段发送。"
COMMANDS = [
    ("help", "帮助"), ("today", "今天到期的待办"), ("customer", "客户档案：/customer 张总"),
    ("done", "完成待办：/done 编号"), ("stage", "改阶段：/stage 编号 阶段"), ("pipeline", "销售漏斗"),
    ("stalled", "停滞的商机"), ("week", "本周周报"), ("forecast", "成交预测"), ("team", "团队本周动态"),
    ("export", "导出表格：/export 或 /export csv"), ("role", "联系人角色：/role 张总 决策人"),
    ("health", "商机健康度"), ("radar", "能力雷达：/radar 姓名"),
    ("start", "加入团队：/start 邀请码"),
]
ALLOWED_UPDATES = ["message", "callback_query"]

Receive = Callable[[Inbound], Awaitable[None]]


def webhook_secret(config: dict) -> str:
    """The configured secret, or one derived from the token so the check is never off."""
    secret = config.get("webhook_secret") or ""
    if secret:
        return secret
    return hashlib.sha256(("salesbot-webhook:" + config.get("token", "")).encode()).hexdigest()[:48]


class TelegramChannel:
    """One bot account. `receive` is the conversation's entry point; it returns once recorded."""

    name = CHANNEL

    def __init__(self, config: dict, receive: Receive, *, set_webhook: bool = True):
        self.config = config
        self.set_webhook = set_webhook  # False with several processes: `salesbot telegram set-webhook` once
        self.receive = receive
        self.mode = (config.get("mode") or "polling").strip().lower()
        self.poll_timeout = int(config.get("poll_timeout", 20))
        self.application = self._build()
        self._poller: asyncio.Task | None = None

    # --- wiring -------------------------------------------------------------------------------

    def _build(self) -> Application:
        # With several processes (set_webhook False) the per-bot limit is the shared one in PostgreSQL
        # (bot/queue.py); this process's own overall limit would only cap each sender at 30/s.
        limiter = AIORateLimiter(max_retries=3) if self.set_webhook else AIORateLimiter(max_retries=3, overall_max_rate=0)
        builder = (Application.builder().token(self.config["token"]).updater(None).job_queue(None)
                   .rate_limiter(limiter)
                   .get_updates_read_timeout(self.poll_timeout + 10))
        if self.config.get("base_url"):
            builder = builder.base_url(self.config["base_url"])
        if self.config.get("base_file_url"):
            builder = builder.base_file_url(self.config["base_file_url"])
        application = builder.build()
        application.add_handler(MessageHandler(filters.TEXT, self.on_text))
        application.add_handler(MessageHandler(filters.VOICE | filters.AUDIO, self.on_voice))
        application.add_handler(MessageHandler(filters.Document.ALL | filters.PHOTO, self.on_file))
        application.add_handler(CallbackQueryHandler(self.on_button))
        application.add_handler(MessageHandler(filters.ALL, self.on_other))
        application.add_error_handler(self.on_error)
        return application

    async def start(self) -> None:
        """Connects, publishes the command list where supported, then polls or sets the webhook."""
        await self.application.initialize()
        await self.application.start()
        await self._optional("setMyCommands",
                             self.application.bot.set_my_commands([BotCommand(c, d) for c, d in COMMANDS]))
        if self.mode == "webhook" and not self.set_webhook:
            log.info("telegram: webhook mode; the webhook is set by `salesbot telegram set-webhook`")
        elif self.mode == "webhook":
            if not self.config.get("webhook_url"):
                raise ValueError("[telegram] mode = \"webhook\" needs webhook_url (the public https URL "
                                 "that forwards to /telegram/webhook)")
            await self.application.bot.set_webhook(
                url=self.config.get("webhook_url") or "", secret_token=webhook_secret(self.config),
                allowed_updates=ALLOWED_UPDATES)
            log.info("telegram: webhook set to %s", self.config.get("webhook_url"))
        else:
            await self._optional("deleteWebhook", self.application.bot.delete_webhook())
            self._poller = asyncio.create_task(self._poll(), name="telegram-poll")
            log.info("telegram: polling %s", self.application.bot.base_url.rsplit("/bot", 1)[0] or "api.telegram.org")

    async def register_webhook(self) -> str:
        """Sets the webhook at Telegram (`salesbot telegram set-webhook`); returns the URL."""
        url = self.config.get("webhook_url") or ""
        if not url:
            raise ValueError("[telegram] webhook_url is empty: the public https URL that forwards to /telegram/webhook")
        await self.application.initialize()
        try:
            await self.application.bot.set_webhook(url=url, secret_token=webhook_secret(self.config),
                                                   allowed_updates=ALLOWED_UPDATES)
        finally:
            await self.application.shutdown()
        return url

    async def stop(self) -> None:
        if self._poller:
            self._poller.cancel()
            try:
                await self._poller
            except (asyncio.CancelledError, Exception):
                pass
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()

    @staticmethod
    async def _optional(method: str, call: Awaitable) -> None:
        """A Bot API call the bot can live without (emulators lack some): logged and skipped."""
        try:
            await call
        except (InvalidToken, BadRequest, NetworkError) as exc:
            log.warning("telegram: %s not available here (%s); skipped", method, exc)

    async def _poll(self) -> None:
        """Fetches updates and confirms each only after the conversation has recorded it."""
        offset = None
        bot = self.application.bot
        while True:
            try:
                updates = await bot.get_updates(offset=offset, timeout=self.poll_timeout,
                                                allowed_updates=ALLOWED_UPDATES)
            except asyncio.CancelledError:
                raise
            except RetryAfter as exc:
                await asyncio.sleep(float(getattr(exc, "retry_after", 1) or 1))
                continue
            except (TimedOut, NetworkError) as exc:
                log.warning("telegram: getUpdates failed (%s); retrying", exc)
                await asyncio.sleep(1)
                continue
            except InvalidToken:
                log.error("telegram: the token was refused; polling stops")
                return
            for update in updates:
                await self.application.process_update(update)
                offset = update.update_id + 1

    async def webhook(self, request):
        """Starlette endpoint for POST /telegram/webhook: secret checked, recorded, then 200."""
        from starlette.responses import Response

        from bot.web import TooLarge, read_body, same_secret

        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not same_secret(given, webhook_secret(self.config)):
            return Response("forbidden", status_code=403)
        try:
            body = await read_body(request, MAX_UPDATE)
        except TooLarge:
            return Response("too large", status_code=413)
        try:
            update = Update.de_json(json.loads(body), self.application.bot)
        except Exception:
            return Response("bad update", status_code=400)
        await self.application.process_update(update)
        return Response("ok")

    # --- updates -> Inbound -------------------------------------------------------------------

    @staticmethod
    def _inbound(update: Update, **content) -> Inbound:
        message = update.effective_message
        user = update.effective_user
        when = message.date if message and message.date else datetime.now(timezone.utc)
        reply = message.reply_to_message if message else None
        return Inbound(channel=CHANNEL, user_id=str(user.id), chat_id=str(update.effective_chat.id),
                       message_id=str(message.message_id), received_at=when,
                       reply_to=str(reply.message_id) if reply else None,
                       user_name=user.full_name or "", **content)

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Hands a text message (commands included) to the conversation."""
        await self.receive(self._inbound(update, text=update.effective_message.text or ""))

    async def on_voice(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Downloads a voice note or audio file and hands it to the conversation."""
        message = update.effective_message
        media = message.voice or message.audio
        fmt = audio_format(media.mime_type, getattr(media, "file_name", None)) or "ogg"
        data = await self._download(media)
        if data is None:
            await message.reply_text(TOO_BIG)
            return
        voice = Voice(data=data, format=fmt)  # the length is measured when decoding, not trusted
        await self.receive(self._inbound(update, voice=voice, text=message.caption or ""))

    async def on_file(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Downloads a document or photo; audio documents count as voice notes."""
        message = update.effective_message
        media = message.document or (message.photo[-1] if message.photo else None)
        name = getattr(media, "file_name", None) or "photo.jpg"
        mime = getattr(media, "mime_type", None) or "image/jpeg"
        data = await self._download(media)
        if data is None:
            await message.reply_text(TOO_BIG)
            return
        fmt = audio_format(mime, name)
        if fmt:
            inbound = self._inbound(update, voice=Voice(data=data, format=fmt), text=message.caption or "")
        else:
            inbound = self._inbound(update, file=Attachment(data, name, mime), text=message.caption or "")
        await self.receive(inbound)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Acknowledges a button press and hands its data to the conversation."""
        query = update.callback_query
        await query.answer()
        card = query.message
        inbound = Inbound(channel=CHANNEL, user_id=str(query.from_user.id),
                          chat_id=str(card.chat.id if card else query.from_user.id),
                          message_id=f"cb:{query.id}", received_at=datetime.now(timezone.utc),
                          action=query.data or "", reply_to=str(card.message_id) if card else None,
                          user_name=query.from_user.full_name or "")
        await self.receive(inbound)

    async def on_other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Anything else (stickers, locations…): hands an empty message, which gets help."""
        if update.effective_message and update.effective_user:
            await self.receive(self._inbound(update, text=""))

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Logs the error first, then tells the person politely when there is someone to tell."""
        log.error("telegram: error while handling an update", exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat:
            try:
                await context.bot.send_message(update.effective_chat.id, SORRY)
            except TelegramError:
                log.warning("telegram: could not send the apology either")

    async def _download(self, media) -> bytes | None:
        """The file's bytes; None when it is over what the Bot API lets a bot download."""
        if getattr(media, "file_size", None) and media.file_size > MAX_DOWNLOAD:
            return None
        file = await media.get_file()
        return bytes(await file.download_as_bytearray())

    # --- Outbound -> Bot API ------------------------------------------------------------------

    @staticmethod
    def _markup(outbound: Outbound) -> InlineKeyboardMarkup | None:
        if not outbound.buttons:
            return None
        return InlineKeyboardMarkup([[InlineKeyboardButton(b.text, callback_data=b.data[:64]) for b in row]
                                     for row in outbound.buttons])

    async def send(self, outbound: Outbound) -> str:
        """Shows an Outbound; returns the id of the (last) message it became."""
        bot = self.application.bot
        chat = int(outbound.chat_id)
        markup = self._markup(outbound)
        reply = (ReplyParameters(int(outbound.reply_to), allow_sending_without_reply=True)
                 if outbound.reply_to and outbound.reply_to.isdigit() else None)
        if outbound.edit:
            try:
                message = await bot.edit_message_text(outbound.text[:MAX_TEXT], chat_id=chat,
                                                       message_id=int(outbound.edit), reply_markup=markup)
                return str(getattr(message, "message_id", outbound.edit))
            except BadRequest as exc:  # e.g. "message is not modified" or too old to edit
                log.info("telegram: edit refused (%s); sending a new message", exc)
        if outbound.image:
            message = await bot.send_photo(chat, InputFile(outbound.image.data, filename=outbound.image.filename),
                                           caption=outbound.text[:1000] or None, reply_markup=markup,
                                           reply_parameters=reply)
            return str(message.message_id)
        if outbound.file:
            message = await bot.send_document(chat, InputFile(outbound.file.data, filename=outbound.file.filename),
                                              caption=outbound.text[:1000] or None, reply_markup=markup,
                                              reply_parameters=reply)
            return str(message.message_id)
        html_text = outbound.meta.get("html")  # reports: bold heads; tags never span a line, so splits stay valid
        chunks = split_text(html_text or outbound.text or " ")
        message = None
        for number, chunk in enumerate(chunks):
            last = number == len(chunks) - 1
            message = await bot.send_message(chat, chunk, reply_markup=markup if last else None,
                                             reply_parameters=reply if number == 0 else None,
                                             parse_mode="HTML" if html_text else None)
        return str(message.message_id)


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Splits a long text at line breaks into pieces Telegram accepts."""
    pieces, current = [], ""
    for line in text.splitlines(keepends=True):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        if len(current) + len(line) > limit:
            pieces.append(current)
            current = ""
        current += line
    if current or not pieces:
        pieces.append(current)
    return pieces
