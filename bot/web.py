"""The one web server of `salesbot run`: the local chat at /, the Telegram webhook at
/telegram/webhook, /healthz, and room for the WeCom callback and the intake API (`extra_routes`)."""
from __future__ import annotations

import contextlib
import ipaddress
import logging
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

log = logging.getLogger(__name__)
STATIC = Path(__file__).with_name("static")


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.1, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def build_web_app(*, local=None, telegram=None, health=None, extra_routes=()) -> Starlette:
    """The Starlette app; `health` is an async callable returning a dict for /healthz."""

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
    return Starlette(routes=routes)


def make_server(app: Starlette, host: str, port: int) -> uvicorn.Server:
    """A uvicorn server to run inside our own event loop (`await server.serve()`)."""
    config = uvicorn.Config(app, host=host, port=int(port), log_level="warning", lifespan="off",
                            access_log=False, timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    server.capture_signals = contextlib.nullcontext  # `salesbot run` handles signals itself
    return server
