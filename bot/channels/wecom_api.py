"""The WeCom server API, async on httpx: access token, message/send, media, and the group robot.

Every host comes from `api_base` (default https://qyapi.weixin.qq.com), so tests and private
deployments point it at their own server. The access token from gettoken is cached until shortly
before it expires and fetched again when WeCom says it is invalid or expired (40001, 40014, 42001).
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from dataclasses import dataclass

import httpx

log = logging.getLogger(__name__)

TOKEN_ERRORS = {40001, 40014, 42001}      # invalid credential, invalid token, token expired
ROBOT_BUSY = 45009                        # "api freq out of limit"
MAX_MEDIA = 20_000_000


class WeComError(Exception):
    """WeCom answered with a non-zero errcode."""

    def __init__(self, errcode: int, errmsg: str = "", path: str = ""):
        super().__init__(f"WeCom {path}: errcode {errcode} {errmsg}".strip())
        self.errcode = errcode
        self.errmsg = errmsg


@dataclass
class Media:
    data: bytes
    mime: str
    filename: str


def _client(timeout: float = 15.0) -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=httpx.Timeout(timeout, connect=5.0), trust_env=False)


class WeComAPI:
    """One self-built app: corp_id + its secret + agent_id."""

    def __init__(self, *, api_base: str, corp_id: str, secret: str, agent_id: str | int,
                 client: httpx.AsyncClient | None = None, clock=time.monotonic):
        self.base = (api_base or "https://qyapi.weixin.qq.com").rstrip("/")
        self.corp_id, self.secret = corp_id, secret
        self.agent_id = int(agent_id) if str(agent_id).strip().isdigit() else agent_id
        self.client = client or _client()
        self.clock = clock
        self._token: str | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()
        self.token_fetches = 0

    async def close(self) -> None:
        await self.client.aclose()

    async def token(self, *, renew: bool = False, stale: str | None = None) -> str:
        """The cached access token; a new one when it is (about to be) expired or `renew` is set.

        `stale` is the token a call was refused with: when another task has already replaced it,
        that one is used instead of fetching yet another."""
        async with self._lock:
            if self._token and self.clock() < self._expires and not (renew and self._token == stale):
                return self._token
            response = await self._request("GET", f"{self.base}/cgi-bin/gettoken",
                                           params={"corpid": self.corp_id, "corpsecret": self.secret})
            body = _json(response, "gettoken")
            self.token_fetches += 1
            lifetime = float(body.get("expires_in") or 7200)
            self._token = body["access_token"]
            # Renew a little early (a tenth of its life, at most 5 minutes) so no call races the expiry.
            self._expires = self.clock() + lifetime - min(300.0, lifetime / 10)
            return self._token

    async def call(self, method: str, path: str, **kwargs) -> httpx.Response:
        """An API request with the access token; one retry with a fresh token on a token error."""
        token = await self.token()
        params = kwargs.pop("params", None) or {}
        for attempt in (1, 2):
            response = await self._request(method, f"{self.base}{path}",
                                           params={**params, "access_token": token}, **kwargs)
            code = _errcode(response)
            if code in TOKEN_ERRORS and attempt == 1:
                log.info("wecom: access token refused (%s); fetching a new one", code)
                token = await self.token(renew=True, stale=token)
                continue
            return response
        return response

    async def _request(self, method: str, url: str, **kwargs) -> httpx.Response:
        """One request; when the connection could not even be made (so WeCom saw nothing and a
        retry cannot duplicate a message) it is tried twice more."""
        for delay in (0.5, 2.0, None):
            try:
                return await self.client.request(method, url, **kwargs)
            except (httpx.ConnectError, httpx.ConnectTimeout):
                if delay is None:
                    raise
                log.info("wecom: could not connect to %s; retrying in %.1f s", self.base, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    async def send_message(self, touser: str, msgtype: str, content: dict) -> str:
        """message/send to one member; returns WeCom's msgid."""
        payload = {"touser": touser, "msgtype": msgtype, "agentid": self.agent_id, msgtype: content,
                   "safe": 0, "enable_duplicate_check": 0}
        body = _json(await self.call("POST", "/cgi-bin/message/send", json=payload), "message/send")
        if body.get("invaliduser"):
            log.warning("wecom: %s is not a member of this app's visible range", body["invaliduser"])
        return str(body.get("msgid") or "")

    async def get_media(self, media_id: str) -> Media:
        """media/get: the bytes of a voice note or file a member sent (kept by WeCom for 3 days)."""
        response = await self.call("GET", "/cgi-bin/media/get", params={"media_id": media_id})
        _status(response, "media/get")
        if _errcode(response) is not None:
            _json(response, "media/get")      # raises with WeCom's errcode
        if len(response.content) > MAX_MEDIA:
            raise WeComError(-1, "media too large", "media/get")
        mime = response.headers.get("content-type", "application/octet-stream").split(";")[0].strip()
        return Media(response.content, mime, _filename(response.headers.get("content-disposition", "")))

    async def upload_media(self, kind: str, data: bytes, filename: str, mime: str) -> str:
        """media/upload (image, voice, file); returns the media_id to send."""
        response = await self.call("POST", "/cgi-bin/media/upload", params={"type": kind},
                                   files={"media": (filename, data, mime)})
        return str(_json(response, "media/upload")["media_id"])


def _errcode(response: httpx.Response) -> int | None:
    """The errcode of a JSON answer, None for a file download or a non-JSON body."""
    kind = response.headers.get("content-type", "")
    if "json" not in kind and not (kind.startswith("text/") and response.content[:1] == b"{"):
        return None
    try:
        code = response.json().get("errcode")
    except ValueError:
        return None
    return int(code) if code is not None else None


def _status(response: httpx.Response, path: str) -> None:
    """A non-2xx answer as a WeComError naming the API path only: httpx's own message carries the full
    URL, and with it corpsecret= / access_token= / key=."""
    if not response.is_success:
        raise WeComError(-response.status_code, f"HTTP {response.status_code}", path)


def _json(response: httpx.Response, path: str) -> dict:
    _status(response, path)
    try:
        body = response.json()
    except ValueError:
        raise WeComError(-1, "answer is not JSON", path) from None
    if int(body.get("errcode") or 0) != 0:
        raise WeComError(int(body["errcode"]), str(body.get("errmsg", "")), path)
    return body


def _filename(disposition: str) -> str:
    for part in disposition.split(";"):
        key, _, value = part.strip().partition("=")
        if key.lower() == "filename":
            return value.strip().strip('"') or "media"
    return "media"


# --- the group robot (群机器人) ------------------------------------------------------------------


class GroupRobot:
    """A group chat's robot webhook, which takes 20 messages a minute: a queue, never a drop.

    While under the limit each message goes out on its own; once the minute's budget is spent the
    messages that pile up are joined into as few posts as fit WeCom's size limit and sent as soon as
    the window allows. A 45009 (someone else used the budget) waits and retries the same post.
    """

    LIMITS = {"text": 2048, "markdown": 4096}     # bytes of content WeCom accepts per post
    SEPARATOR = {"text": "\n——————\n", "markdown": "\n\n---\n\n"}

    def __init__(self, *, api_base: str, key: str, client: httpx.AsyncClient | None = None,
                 per_minute: int = 20, window: float = 60.0, clock=time.monotonic, sleep=asyncio.sleep):
        self.url = f"{(api_base or 'https://qyapi.weixin.qq.com').rstrip('/')}/cgi-bin/webhook/send"
        self.key = key
        self.client = client or _client()
        self.per_minute, self.window = per_minute, window
        self.clock, self.sleep = clock, sleep
        self.queue: deque[tuple[str, str]] = deque()     # (msgtype, content)
        self.sent_at: deque[float] = deque()
        self.posts = 0
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._worker: asyncio.Task | None = None

    def post(self, content: str, *, markdown: bool = False) -> None:
        """Queues a message for the group; returns at once."""
        if not content.strip():
            return
        kind = "markdown" if markdown else "text"
        for piece in split_bytes(content, self.LIMITS[kind]):
            self.queue.append((kind, piece))
        self._idle.clear()
        self._wake.set()
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._run(), name="wecom-robot")

    async def drained(self, timeout: float | None = None) -> None:
        """Waits until everything queued has been delivered."""
        await asyncio.wait_for(self._idle.wait(), timeout)

    async def close(self, timeout: float = 10.0) -> None:
        """Delivers what is queued (up to `timeout`), then stops; what is left is logged."""
        try:
            if self.queue:
                await self.drained(timeout)
        except asyncio.TimeoutError:
            log.warning("wecom robot: %d messages still queued at shutdown", len(self.queue))
        if self._worker:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)

    async def _run(self) -> None:
        backoff = 5.0
        while True:
            if not self.queue:
                self._idle.set()
                self._wake.clear()
                await self._wake.wait()
                continue
            await self._wait_for_budget()
            kind, content, count = self._batch()
            try:
                await self._send(kind, content)
            except asyncio.CancelledError:
                raise
            except Exception:
                # Kept, not dropped: a wrong key or an outage is retried ever more slowly.
                log.exception("wecom robot: post failed; retrying in %.0f s", backoff)
                await self.sleep(backoff)
                backoff = min(backoff * 2, 300.0)
                continue
            backoff = 5.0
            for _ in range(count):
                self.queue.popleft()

    async def _wait_for_budget(self) -> None:
        while True:
            now = self.clock()
            while self.sent_at and now - self.sent_at[0] >= self.window:
                self.sent_at.popleft()
            if len(self.sent_at) < self.per_minute:
                return
            await self.sleep(self.window - (now - self.sent_at[0]) + 0.05)

    def _batch(self) -> tuple[str, str, int]:
        """The first queued message joined with those after it of the same kind that still fit."""
        kind, content = self.queue[0]
        count = 1
        for next_kind, piece in list(self.queue)[1:]:
            joined = content + self.SEPARATOR[kind] + piece
            if next_kind != kind or len(joined.encode()) > self.LIMITS[kind]:
                break
            content, count = joined, count + 1
        return kind, content, count

    async def _send(self, kind: str, content: str) -> None:
        while True:
            self.sent_at.append(self.clock())
            response = await self.client.post(self.url, params={"key": self.key},
                                              json={"msgtype": kind, kind: {"content": content}})
            _status(response, "webhook/send")
            body = response.json()
            code = int(body.get("errcode") or 0)
            if code == 0:
                self.posts += 1
                return
            if code != ROBOT_BUSY:
                raise WeComError(code, str(body.get("errmsg", "")), "webhook/send")
            log.info("wecom robot: rate limited by WeCom (45009); waiting for the window")
            # Someone else shares this robot: count the whole budget as spent and wait it out.
            self.sent_at = deque([self.clock()] * self.per_minute)
            await self._wait_for_budget()


def split_bytes(text: str, limit: int) -> list[str]:
    """Splits text at line breaks (or inside a line when it must) into UTF-8 pieces of at most `limit` bytes."""
    pieces, current = [], ""
    for line in text.splitlines(keepends=True):
        while len(line.encode()) > limit:
            cut = _fit(line, limit)
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:cut])
            line = line[cut:]
        if len((current + line).encode()) > limit:
            pieces.append(current)
            current = ""
        current += line
    if current.strip() or not pieces:
        pieces.append(current)
    return [p.rstrip("\n") for p in pieces if p.strip()]


def _fit(line: str, limit: int) -> int:
    """How many characters of `line` fit in `limit` UTF-8 bytes."""
    size = 0
    for index, char in enumerate(line):
        size += len(char.encode())
        if size > limit:
            return max(1, index)
    return len(line)
