"""The one web server of `salesbot run`: the local chat at /, the Telegram webhook at
/telegram/webhook, /healthz, and room for the WeCom callback and the intake API (`extra_routes`).

Also what every endpoint uses to read what strangers send: bodies read with a cap while they stream
(`read_body`), secrets compared as bytes (`same_secret`), and the chat page's guard (`ChatGuard`):
in demo mode the Host must be loopback (no DNS rebinding), and a state-changing request of the chat
page from another origin is refused in every mode.
"""
from __future__ import annotations

import contextlib
import hmac
import ipaddress
import logging
from pathlib import Path
from urllib.parse import urlsplit

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

log = logging.getLogger(__name__)
STATIC = Path(__file__).with_name("static")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class TooLarge(Exception):
    """A request body over its limit; nothing more of it is read."""

    def __init__(self, limit: int):
        super().__init__(f"body over {limit} bytes")
        self.limit = limit


async def read_body(request: Request, limit: int) -> bytes:
    """The body, read chunk by chunk and refused (TooLarge) as soon as more than `limit` bytes have
    arrived: a chunked upload without Content-Length is held to the same cap as one with it."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge(limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def replayed(request: Request, body: bytes) -> Request:
    """A request whose body is `body` (already read and capped), for Starlette's form parser."""
    sent = False

    async def receive():
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}
    return Request(request.scope, receive)


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison of a header or signature with the expected secret, as bytes: anything
    non-ASCII is simply wrong (hmac.compare_digest raises TypeError on non-ASCII text)."""
    if not expected or not given.isascii():
        return False
    return hmac.compare_digest(given.encode("ascii"), expected.encode("utf-8"))


def host_name(host_header: str) -> str:
    """The host of a Host header without its port ("[::1]:8321" -> "::1")."""
    host = (host_header or "").strip().lower()
    if host.startswith("["):
        return host[1:].partition("]")[0]
    return host.rpartition(":")[0] if host.count(":") == 1 else host


def is_chat_page(path: str) -> bool:
    """The chat page's own endpoints (not the webhooks, the WeCom callback or /api, which carry secrets)."""
    return path == "/" or path.startswith("/chat/")


class ChatGuard:
    """ASGI middleware. Demo mode: every request's Host must be a loopback name (a page on another
    domain that resolves to 127.0.0.1 is refused). Every mode: a state-changing request of the chat
    page whose Origin (or Sec-Fetch-Site) says it comes from another site is refused; `origins` lists
    extra origins allowed (a reverse proxy that rewrites Host)."""

    def __init__(self, app, *, demo: bool, origins=()):
        self.app = app
        self.demo = demo
        self.origins = {o.rstrip("/").lower() for o in origins if o}

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            refusal = self.refusal(Request(scope))
            if refusal is not None:
                log.warning("web: refused %s %s (%s)", scope.get("method"), scope.get("path"), refusal)
                await JSONResponse({"error": refusal}, status_code=403)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def refusal(self, request: Request) -> str | None:
        host = request.headers.get("host", "")
        if self.demo and not is_loopback(host_name(host)):
            return "host not allowed"
        if request.method in SAFE_METHODS or not is_chat_page(request.url.path):
            return None
        if request.headers.get("sec-fetch-site", "").lower() == "cross-site":
            return "cross-site request"
        origin = request.headers.get("origin")
        if origin is None:
            return None      # not a browser (browsers send Origin on every POST); the session cookie decides
        if origin.rstrip("/").lower() in self.origins:
            return None
        try:
            netloc = urlsplit(origin).netloc.lower()
        except ValueError:
            netloc = ""
        return None if netloc and netloc == host.strip().lower() else "origin not allowed"


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.1, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def build_web_app(*, local=None, telegram=None, health=None, extra_routes=(), origins=()) -> Starlette:
    """The Starlette app; `health` is an async callable returning a dict for /healthz. `origins`: extra
    origins the chat page may be posted from ([web] origins)."""

    async def index(request):
        """The chat page."""
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    async def healthz(request):
        """Liveness and a few figures for whoever watches the process."""
        body = {"ok": True}
        if health is not None:
            body.update(await health())
        return JSONResponse(body, status_code=200 if body.get("ok") else 503)

    routes = [Route("/", index), Route("/healthz", healthz),
              Mount("/static", app=StaticFiles(directory=STATIC), name="static")]
    if local is not None:
        routes += local.routes()
    if telegram is not None and telegram.mode == "webhook":
        routes.append(Route("/telegram/webhook", telegram.webhook, methods=["POST"]))
    routes += list(extra_routes)
    app = Starlette(routes=routes)
    app.add_middleware(ChatGuard, demo=bool(local is not None and local.demo), origins=origins)
    return app


# Idle keep-alive connections are kept this long. uvicorn's default (5 s) closes connections that a
# client or proxy is about to reuse: under a burst the close races the next request on the connection,
# which then fails (httpx ReadError, a proxy's 502). Proxies keep idle upstream connections 60 s or less.
KEEP_ALIVE_SECONDS = 75


def make_server(app: Starlette, host: str, port: int) -> uvicorn.Server:
    """A uvicorn server to run inside our own event loop (`await server.serve()`)."""
    config = uvicorn.Config(app, host=host, port=int(port), log_level="warning", lifespan="off",
                            access_log=False, timeout_graceful_shutdown=2, timeout_keep_alive=KEEP_ALIVE_SECONDS)
    server = uvicorn.Server(config)
    server.capture_signals = contextlib.nullcontext  # `salesbot run` handles signals itself
    return server
