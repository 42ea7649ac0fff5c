"""A fake WeCom (企业微信) on 127.0.0.1 for tests: the server API and the callbacks WeCom would post.

The API runs in its own thread (its own event loop), so the bot under test can live in the test's
loop. Methods: gettoken (tokens expire after `expires_in` seconds and can be revoked: 42001),
message/send (text, markdown, textcard, image, file), media/get (what a member "sent"), media/upload,
and the group robot's webhook/send with WeCom's limit of 20 posts a minute (45009 beyond it).
Content over WeCom's size limits is refused (40058) the way WeCom does.

The callbacks (a member sends text or voice) are encrypted and signed with wechatpy, an
implementation independent of the product's, and posted to the bot's /wecom/callback.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from wechatpy.crypto import PrpCrypto, _get_signature
from wechatpy.enterprise.crypto import WeChatCrypto

from tests.fake_botapi import free_port
from tests.fake_common import AwaitsSent

CORP_ID = "ww5f2a1b3c4d5e6f70"
AGENT_ID = 1000002
SECRET = "app-secret-for-tests"
TOKEN = "CallbackToken123"
AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"   # 43 characters, as WeCom shows it
ROBOT_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
LIMITS = {"text": 2048, "markdown": 4096}


@dataclass
class Sent:
    """One message/send call that WeCom accepted."""

    touser: str
    msgtype: str
    body: dict
    msgid: str
    at: float = field(default_factory=time.monotonic)

    @property
    def text(self) -> str:
        part = self.body.get(self.msgtype) or {}
        if self.msgtype == "textcard":
            return f"{part.get('title', '')}\n{part.get('description', '')}"
        return str(part.get("content") or "")


def message_xml(fields: dict) -> str:
    """A flat WeCom message document; strings as CDATA like WeCom sends them."""
    parts = []
    for key, value in fields.items():
        parts.append(f"<{key}>{value}</{key}>" if isinstance(value, int) else f"<{key}><![CDATA[{value}]]></{key}>")
    return "<xml>" + "".join(parts) + "</xml>"


class FakeWeCom(AwaitsSent):
    """The server and its state; `start()` returns once it accepts connections."""

    def __init__(self, *, corp_id: str = CORP_ID, secret: str = SECRET, token: str = TOKEN,
                 aes_key: str = AES_KEY, agent_id: int = AGENT_ID, expires_in: int = 7200,
                 robot_key: str = ROBOT_KEY, robot_per_minute: int = 20, robot_window: float = 60.0):
        self.corp_id, self.secret, self.token, self.aes_key, self.agent_id = corp_id, secret, token, aes_key, agent_id
        self.expires_in = expires_in
        self.robot_key, self.robot_per_minute, self.robot_window = robot_key, robot_per_minute, robot_window
        self.port = free_port()
        self.callback_url = ""
        self._lock = threading.Lock()
        self.tokens: dict[str, float] = {}          # token -> monotonic expiry
        self.tokens_issued = 0
        self.refusals: list[tuple[str, int]] = []   # (path, errcode) of refused calls
        self.sent: list[Sent] = []
        self.robot: list[dict] = []                 # accepted robot posts
        self.robot_times: list[float] = []          # when the robot accepted a post (anyone's)
        self.media: dict[str, tuple[bytes, str, str]] = {}    # media_id -> (data, mime, filename)
        self.uploads: dict[str, tuple[str, str, bytes]] = {}  # media_id -> (type, filename, data)
        self.calls: list[str] = []
        self._msg_ids = itertools.count(7_000_000_000_000_000_001)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    # --- life cycle -------------------------------------------------------------------------------

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def config(self) -> dict:
        """The [wecom] section a bot needs to talk to this fake."""
        return {"corp_id": self.corp_id, "agent_id": str(self.agent_id), "secret": self.secret, "token": self.token,
                "encoding_aes_key": self.aes_key, "api_base": self.api_base, "robot_key": self.robot_key}

    def start(self) -> "FakeWeCom":
        app = Starlette(routes=[
            Route("/cgi-bin/gettoken", self._gettoken, methods=["GET"]),
            Route("/cgi-bin/message/send", self._message_send, methods=["POST"]),
            Route("/cgi-bin/media/get", self._media_get, methods=["GET"]),
            Route("/cgi-bin/media/upload", self._media_upload, methods=["POST"]),
            Route("/cgi-bin/webhook/send", self._webhook_send, methods=["POST"]),
        ])
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="off", timeout_graceful_shutdown=1)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=lambda: asyncio.run(self._server.serve()),
                                        name="fake-wecom", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fake WeCom did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server:
            self._server.should_exit = True
        if self._thread:
            self._thread.join(timeout=5)

    # --- the API ------------------------------------------------------------------------------------

    def _refuse(self, path: str, errcode: int, errmsg: str) -> JSONResponse:
        with self._lock:
            self.refusals.append((path, errcode))
        return JSONResponse({"errcode": errcode, "errmsg": errmsg})

    def _token_problem(self, request: Request, path: str) -> JSONResponse | None:
        with self._lock:
            self.calls.append(path)
            expiry = self.tokens.get(request.query_params.get("access_token", ""))
        if expiry is None:
            return self._refuse(path, 40014, "invalid access_token")
        if time.monotonic() >= expiry:
            return self._refuse(path, 42001, "access_token expired")
        return None

    async def _gettoken(self, request: Request) -> Response:
        q = request.query_params
        with self._lock:
            self.calls.append("gettoken")
        if q.get("corpid") != self.corp_id or q.get("corpsecret") != self.secret:
            return self._refuse("gettoken", 40001, "invalid credential")
        token = secrets.token_urlsafe(32)
        with self._lock:
            self.tokens[token] = time.monotonic() + self.expires_in
            self.tokens_issued += 1
        return JSONResponse({"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": self.expires_in})

    def expire_tokens(self) -> None:
        """Every token issued so far expires now (as if two hours had passed)."""
        with self._lock:
            self.tokens = {token: 0.0 for token in self.tokens}

    async def _message_send(self, request: Request) -> Response:
        if problem := self._token_problem(request, "message/send"):
            return problem
        body = json.loads(await request.body())
        kind = body.get("msgtype")
        if int(body.get("agentid") or 0) != self.agent_id or kind not in (
                "text", "markdown", "textcard", "image", "file", "voice", "news"):
            return self._refuse("message/send", 40056 if kind else 40008, "invalid agentid or msgtype")
        content = (body.get(kind) or {}).get("content")
        if kind in LIMITS and (not content or len(content.encode()) > LIMITS[kind]):
            return self._refuse("message/send", 40058, "content size out of limit")
        card = body.get("textcard") or {}
        if kind == "textcard" and (not all(card.get(k) for k in ("title", "description", "url"))
                                   or len(card["title"].encode()) > 128 or len(card["description"].encode()) > 512):
            return self._refuse("message/send", 40058, "textcard title/description/url missing or too long")
        msgid = f"msg{next(self._msg_ids)}"
        with self._lock:
            self.sent.append(Sent(body.get("touser", ""), kind, body, msgid))
        return JSONResponse({"errcode": 0, "errmsg": "ok", "invaliduser": "", "msgid": msgid})

    async def _media_get(self, request: Request) -> Response:
        if problem := self._token_problem(request, "media/get"):
            return problem
        found = self.media.get(request.query_params.get("media_id", ""))
        if found is None:
            return self._refuse("media/get", 40007, "invalid media_id")
        data, mime, filename = found
        return Response(data, media_type=mime, headers={"Content-Disposition": f'attachment; filename="{filename}"'})

    async def _media_upload(self, request: Request) -> Response:
        if problem := self._token_problem(request, "media/upload"):
            return problem
        form = await request.form()
        upload = form.get("media")
        media_id = f"UP{secrets.token_hex(8)}"
        with self._lock:
            self.uploads[media_id] = (request.query_params.get("type", ""), upload.filename, await upload.read())
        return JSONResponse({"errcode": 0, "errmsg": "ok", "type": request.query_params.get("type"),
                             "media_id": media_id, "created_at": str(int(time.time()))})

    async def _webhook_send(self, request: Request) -> Response:
        with self._lock:
            self.calls.append("webhook/send")
        if request.query_params.get("key") != self.robot_key:
            return self._refuse("webhook/send", 93000, "invalid webhook url")
        body = json.loads(await request.body())
        kind = body.get("msgtype")
        content = (body.get(kind) or {}).get("content") or ""
        if kind not in LIMITS or not content or len(content.encode()) > LIMITS[kind]:
            return self._refuse("webhook/send", 40058, "content exceed max length")
        now = time.monotonic()
        with self._lock:
            recent = [t for t in self.robot_times if now - t < self.robot_window]
            if len(recent) >= self.robot_per_minute:
                self.refusals.append(("webhook/send", 45009))
                return JSONResponse({"errcode": 45009, "errmsg": "api freq out of limit"})
            self.robot_times.append(now)
            self.robot.append(body)
        return JSONResponse({"errcode": 0, "errmsg": "ok"})

    def robot_busy(self) -> None:
        """Someone else posts through the robot: this minute's budget is used up."""
        with self._lock:
            self.robot_times.extend([time.monotonic()] * self.robot_per_minute)

    def robot_texts(self) -> list[str]:
        with self._lock:
            return [(b.get(b["msgtype"]) or {}).get("content", "") for b in self.robot]

    # --- what members do (callbacks, encrypted by wechatpy) -------------------------------------------

    def add_media(self, data: bytes, mime: str = "audio/amr", filename: str = "voice.amr") -> str:
        media_id = f"M{secrets.token_hex(12)}"
        with self._lock:
            self.media[media_id] = (data, mime, filename)
        return media_id

    def next_msg_id(self) -> str:
        return str(next(self._msg_ids))

    def encrypted(self, plain_xml: str, *, corp_id: str | None = None, timestamp: int | None = None) -> dict:
        """WeCom's encryption of a message: {"Encrypt", "msg_signature", "timestamp", "nonce"}."""
        timestamp = str(int(time.time()) if timestamp is None else timestamp)
        nonce = secrets.token_hex(5)
        crypto = WeChatCrypto(self.token, self.aes_key, corp_id or self.corp_id)
        reply = ET.fromstring(crypto.encrypt_message(plain_xml, nonce, timestamp))
        return {"Encrypt": reply.findtext("Encrypt"), "msg_signature": reply.findtext("MsgSignature"),
                "timestamp": timestamp, "nonce": nonce}

    async def post_message(self, fields: dict, *, corp_id: str | None = None, timestamp: int | None = None,
                           signature: str | None = None) -> httpx.Response:
        """Posts one message to the bot's callback URL the way WeCom does."""
        sealed = self.encrypted(message_xml(fields), corp_id=corp_id, timestamp=timestamp)
        body = (f"<xml><ToUserName><![CDATA[{escape(self.corp_id)}]]></ToUserName>"
                f"<Encrypt><![CDATA[{sealed['Encrypt']}]]></Encrypt>"
                f"<AgentID><![CDATA[{self.agent_id}]]></AgentID></xml>")
        params = {"msg_signature": signature or sealed["msg_signature"], "timestamp": sealed["timestamp"],
                  "nonce": sealed["nonce"]}
        async with httpx.AsyncClient(trust_env=False, timeout=60) as client:
            return await client.post(self.callback_url, params=params, content=body.encode(),
                                     headers={"Content-Type": "text/xml"})

    def text_fields(self, user: str, text: str, msg_id: str | None = None) -> dict:
        return {"ToUserName": self.corp_id, "FromUserName": user, "CreateTime": int(time.time()),
                "MsgType": "text", "Content": text, "MsgId": msg_id or self.next_msg_id(), "AgentID": self.agent_id}

    async def send_text(self, user: str, text: str, **options) -> httpx.Response:
        return await self.post_message(self.text_fields(user, text), **options)

    async def send_voice(self, user: str, amr: bytes, msg_id: str | None = None) -> httpx.Response:
        """A member holds to talk: WeCom keeps the AMR as media and posts its MediaId."""
        fields = {"ToUserName": self.corp_id, "FromUserName": user, "CreateTime": int(time.time()),
                  "MsgType": "voice", "MediaId": self.add_media(amr), "Format": "amr",
                  "MsgId": msg_id or self.next_msg_id(), "AgentID": self.agent_id}
        return await self.post_message(fields)

    async def verify_url(self, *, signature: str | None = None) -> tuple[httpx.Response, str]:
        """The admin saves the callback URL: WeCom GETs it with an encrypted echostr. Returns (answer, plain echo)."""
        echo = secrets.token_hex(8)
        timestamp, nonce = str(int(time.time())), secrets.token_hex(5)
        key = WeChatCrypto(self.token, self.aes_key, self.corp_id).key
        echostr = PrpCrypto(key).encrypt(echo, self.corp_id).decode()
        params = {"msg_signature": signature or _get_signature(self.token, timestamp, nonce, echostr),
                  "timestamp": timestamp, "nonce": nonce, "echostr": echostr}
        async with httpx.AsyncClient(trust_env=False, timeout=60) as client:
            return await client.get(self.callback_url, params=params), echo

    # --- what the test reads ----------------------------------------------------------------------------

    def messages_to(self, user: str) -> list[Sent]:
        with self._lock:
            return [s for s in self.sent if s.touser == user]

