"""A fake Telegram Bot API server on 127.0.0.1 for tests and the load bench.

It runs in its own thread (its own event loop), so the bot under test can live in the test's loop
or in another process. The test side injects what users send (text, voice, button presses, the
same message again) and reads what the bot sent. Updates stay queued until getUpdates confirms
them with a higher offset, as Telegram does, so a bot killed before confirming gets them again.

Methods: getMe, getUpdates (long poll), sendMessage, editMessageText, answerCallbackQuery,
sendPhoto, sendDocument, sendChatAction, getFile + file download, setMyCommands (can be left out
to act like an emulator without it), deleteWebhook, setWebhook. Flood control as Telegram's:
more than `max_per_second` sends in one second get 429 with retry_after.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import socket
import threading
import time
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tests.fake_common import AwaitsSent

BOT_USER = {"id": 777000111, "is_bot": True, "first_name": "SalesBot", "username": "salesbot_test_bot",
            "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}


@dataclass
class Sent:
    """One call the bot made that shows something to a user."""

    method: str
    params: dict
    message_id: int | None
    at: float = field(default_factory=time.monotonic)

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value not in (None, "") else None

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def buttons(self) -> list[dict]:
        markup = self.params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        rows = (markup or {}).get("inline_keyboard") or []
        return [button for row in rows for button in row]

    @property
    def reply_to(self) -> int | None:
        ref = self.params.get("reply_parameters")
        if isinstance(ref, str):
            ref = json.loads(ref)
        if ref:
            return int(ref["message_id"])
        value = self.params.get("reply_to_message_id")
        return int(value) if value else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeBotAPI(AwaitsSent):
    """The server and its state; `start()` returns once it accepts connections."""

    def __init__(self, token: str = "123456:TEST-TOKEN", *, missing_methods: tuple[str, ...] = (),
                 max_per_second: int = 30):
        self.token = token
        self.missing_methods = set(missing_methods)
        self.max_per_second = max_per_second
        self.port = free_port()
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._updates: list[dict] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1001)
        self._file_ids = itertools.count(1)
        self.files: dict[str, tuple[str, bytes]] = {}   # file_id -> (file_path, bytes)
        self.sent: list[Sent] = []
        self.calls: list[str] = []
        self.flood_refusals = 0
        self.webhook_url = ""
        self._send_times: list[float] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._new_update: asyncio.Event | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._closing = False

    # --- life cycle ------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    def start(self) -> "FakeBotAPI":
        app = Starlette(routes=[
            Route("/bot{token}/{method}", self._api, methods=["GET", "POST"]),
            Route("/file/bot{token}/{path:path}", self._download, methods=["GET"]),
        ])
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="off", timeout_graceful_shutdown=1)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._serve, name="fake-botapi", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fake Bot API did not start")
            time.sleep(0.01)
        return self

    def _serve(self) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        self._new_update = asyncio.Event()
        self._loop.run_until_complete(self._server.serve())

    def stop(self) -> None:
        self._closing = True
        if self._loop and self._new_update:
            self._loop.call_soon_threadsafe(self._new_update.set)
        if self._server:
            self._server.should_exit = True
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # --- what users do -----------------------------------------------------------------------

    @staticmethod
    def user(user_id: int, first_name: str = "用户") -> dict:
        return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "zh-hans"}

    def _message(self, user: dict, **content) -> dict:
        message = {"message_id": next(self._message_ids), "date": int(time.time()),
                   "chat": {"id": user["id"], "type": "private", "first_name": user["first_name"]},
                   "from": user}
        message.update(content)
        return message

    def send_text(self, user: dict, text: str, *, reply_to: int | None = None) -> dict:
        """The user types a message; returns the message as the bot will see it."""
        content = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        if reply_to is not None:
            replied = self.find_sent_message(reply_to)
            content["reply_to_message"] = {
                "message_id": reply_to, "date": int(time.time()), "from": BOT_USER,
                "chat": {"id": user["id"], "type": "private"}, "text": replied.text if replied else ""}
        message = self._message(user, **content)
        self.deliver({"message": message})
        return message

    def add_file(self, data: bytes, suffix: str) -> dict:
        number = next(self._file_ids)
        file_id = f"FILE{number:06d}"
        path = f"voice/file_{number}.{suffix}"
        with self._lock:
            self.files[file_id] = (path, data)
        return {"file_id": file_id, "file_unique_id": f"U{file_id}", "file_size": len(data)}

    def send_voice(self, user: dict, data: bytes, *, duration: int = 4, suffix: str = "oga") -> dict:
        """The user records a voice note (OGG/Opus in Telegram)."""
        voice = dict(self.add_file(data, suffix), duration=duration, mime_type="audio/ogg")
        message = self._message(user, voice=voice)
        self.deliver({"message": message})
        return message

    def send_document(self, user: dict, data: bytes, filename: str, mime: str) -> dict:
        document = dict(self.add_file(data, filename.rsplit(".", 1)[-1]), file_name=filename, mime_type=mime)
        message = self._message(user, document=document)
        self.deliver({"message": message})
        return message

    def press(self, user: dict, sent: Sent, data: str) -> None:
        """The user presses the button with callback `data` under the bot's message `sent`."""
        query = {"id": f"CQ{next(self._update_ids)}", "from": user, "chat_instance": "ci", "data": data,
                 "message": {"message_id": sent.message_id, "date": int(time.time()), "from": BOT_USER,
                             "chat": {"id": user["id"], "type": "private"}, "text": sent.text}}
        self.deliver({"callback_query": query})

    def deliver(self, payload: dict) -> int:
        """Queues an update (a new update id even when the message is one delivered before)."""
        with self._lock:
            update = dict(payload, update_id=next(self._update_ids))
            self._updates.append(update)
        if self._loop and self._new_update:
            self._loop.call_soon_threadsafe(self._new_update.set)
        return update["update_id"]

    def pending_updates(self) -> int:
        with self._lock:
            return len(self._updates)

    # --- what the test reads -------------------------------------------------------------------

    def messages_to(self, chat_id: int) -> list[Sent]:
        with self._lock:
            return [s for s in self.sent if s.chat_id == chat_id]

    def find_sent_message(self, message_id: int) -> Sent | None:
        with self._lock:
            return next((s for s in reversed(self.sent) if s.message_id == message_id), None)

    def wait_for(self, predicate, timeout: float = 60.0):
        """Blocks until predicate(list of Sent) is truthy; returns its value or raises TimeoutError."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                value = predicate(list(self.sent))
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError("the bot did not send what was expected in time")
                self._changed.wait(remaining)


    # --- the HTTP side --------------------------------------------------------------------------

    async def _params(self, request: Request) -> tuple[dict, dict]:
        params: dict = dict(request.query_params)
        files: dict = {}
        ctype = request.headers.get("content-type", "")
        if "multipart/form-data" in ctype:
            form = await request.form()
            for key, value in form.multi_items():
                if hasattr(value, "read"):
                    files[key] = (value.filename, await value.read())
                else:
                    params[key] = value
        elif "json" in ctype:
            params.update(json.loads(await request.body() or b"{}"))
        elif ctype.startswith("application/x-www-form-urlencoded"):
            form = await request.form()
            params.update(dict(form))
        for key in ("reply_markup", "reply_parameters", "commands", "allowed_updates"):
            if isinstance(params.get(key), str):
                try:
                    params[key] = json.loads(params[key])
                except ValueError:
                    pass
        return params, files

    async def _api(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return JSONResponse({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        method = request.path_params["method"]
        self.calls.append(method)
        handler = getattr(self, f"_m_{method}", None)
        if handler is None or method in self.missing_methods:
            return JSONResponse({"ok": False, "error_code": 404, "description": "Not Found: method not found"}, 404)
        params, files = await self._params(request)
        return await handler(params, files)

    @staticmethod
    def _ok(result) -> JSONResponse:
        return JSONResponse({"ok": True, "result": result})

    async def _m_getMe(self, params, files):
        return self._ok(BOT_USER)

    async def _m_deleteWebhook(self, params, files):
        self.webhook_url = ""
        return self._ok(True)

    async def _m_setWebhook(self, params, files):
        self.webhook_url = params.get("url", "")
        return self._ok(True)

    async def _m_setMyCommands(self, params, files):
        return self._ok(True)

    async def _m_sendChatAction(self, params, files):
        return self._ok(True)

    async def _m_getUpdates(self, params, files):
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if offset:
                    self._updates = [u for u in self._updates if u["update_id"] >= offset]
                ready = self._updates[:limit]
                self._new_update.clear()
            if ready or self._closing or time.monotonic() >= deadline:
                return self._ok(ready)
            try:
                await asyncio.wait_for(self._new_update.wait(), max(0.0, deadline - time.monotonic()))
            except asyncio.TimeoutError:
                pass

    def _flooded(self) -> bool:
        now = time.monotonic()
        with self._lock:
            self._send_times = [t for t in self._send_times if now - t < 1.0]
            if len(self._send_times) >= self.max_per_second:
                self.flood_refusals += 1
                return True
            self._send_times.append(now)
        return False

    def _record(self, method: str, params: dict, message_id: int | None) -> None:
        with self._changed:
            self.sent.append(Sent(method, params, message_id))
            self._changed.notify_all()

    def _bot_message(self, params: dict, message_id: int, **extra) -> dict:
        return {"message_id": message_id, "date": int(time.time()), "from": BOT_USER,
                "chat": {"id": int(params["chat_id"]), "type": "private"}, **extra}

    async def _send(self, method: str, params: dict, **extra) -> JSONResponse:
        if "chat_id" not in params:
            return JSONResponse({"ok": False, "error_code": 400, "description": "Bad Request: chat_id is empty"}, 400)
        if self._flooded():
            return JSONResponse({"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
                                 "parameters": {"retry_after": 1}}, 429)
        message_id = next(self._message_ids)
        self._record(method, params, message_id)
        return self._ok(self._bot_message(params, message_id, **extra))

    async def _m_sendMessage(self, params, files):
        if not str(params.get("text") or "").strip():
            return JSONResponse({"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"}, 400)
        return await self._send("sendMessage", params, text=params["text"])

    async def _m_sendPhoto(self, params, files):
        params = dict(params, photo_bytes=len(files["photo"][1]) if "photo" in files else 0)
        return await self._send("sendPhoto", params, photo=[{"file_id": "P1", "file_unique_id": "UP1",
                                                             "width": 10, "height": 10}])

    async def _m_sendDocument(self, params, files):
        name, data = files.get("document", ("file", b""))
        params = dict(params, document_name=name, document_bytes=len(data))
        return await self._send("sendDocument", params, document={"file_id": "D1", "file_unique_id": "UD1"})

    async def _m_editMessageText(self, params, files):
        if self._flooded():
            return JSONResponse({"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
                                 "parameters": {"retry_after": 1}}, 429)
        message_id = int(params.get("message_id") or 0)
        self._record("editMessageText", params, message_id)
        return self._ok(self._bot_message(params, message_id, text=params.get("text", "")))

    async def _m_answerCallbackQuery(self, params, files):
        self._record("answerCallbackQuery", params, None)
        return self._ok(True)

    async def _m_getFile(self, params, files):
        with self._lock:
            found = self.files.get(params.get("file_id", ""))
        if not found:
            return JSONResponse({"ok": False, "error_code": 400, "description": "Bad Request: invalid file_id"}, 400)
        path, data = found
        return self._ok({"file_id": params["file_id"], "file_unique_id": "U" + params["file_id"],
                         "file_size": len(data), "file_path": path})

    async def _download(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return Response(status_code=401)
        path = request.path_params["path"]
        with self._lock:
            data = next((d for p, d in self.files.values() if p == path), None)
        if data is None:
            return Response(status_code=404)
        return Response(data, media_type="application/octet-stream")
